//! Retries after transient server errors: [`RetryPolicy`].

use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, ServerErrorKind};

/// When an operation is tried again after a transient server error, one of kind
/// [`ServerErrorKind::Retryable`]: a deadlock (1213), a lock wait timeout (1205), TiDB's write conflicts,
/// schema changes and region or TiKV-busy errors, a busy SQLite database.
///
/// Retries happen only where they cannot store anything twice: every statement run on a [`Db`](crate::Db)'s
/// pool (each is a transaction of its own, which the server rolled back whole when it reported the
/// error), a whole [`insert_many`](crate::VectorModel::insert_many) on a `Db` (its transaction is begun
/// again and its rows sent again; see there for the size up to which it keeps them), and each batch
/// of a [`load`](crate::VectorModel::load). Never on a caller's connection or inside a
/// [`Transaction`](crate::Transaction): the server has then rolled back the caller's transaction (or only
/// the statement, after a lock wait timeout), and only the caller knows what to send again.
///
/// The default: 5 attempts in all, waits doubling from 50 ms to at most 2 s with random jitter (each wait
/// is between half and all of its step, so that clients that collided do not collide again), and no new
/// attempt more than 30 s after the first began. Set it for a [`Db`](crate::Db) with
/// [`PoolSettings::retry`](crate::PoolSettings::retry), or for some calls with
/// [`Db::with_retry`](crate::Db::with_retry).
///
/// ```
/// use std::time::Duration;
/// use tidb_vector_core::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .with_attempts(10)
///     .with_deadline(Duration::from_secs(120));
/// assert_eq!(patient.attempts, 10);
/// assert_eq!(RetryPolicy::never().attempts, 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included: 1 never retries.
    pub attempts: u32,
    /// The wait before the first retry; each next wait doubles, up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// No attempt starts later than this after the first one began.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
            deadline: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries: a transient error is returned at once (its kind is still
    /// [`ServerErrorKind::Retryable`]).
    pub fn never() -> Self {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// This policy with `attempts` attempts in all (at least 1).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// This policy with waits from `first` doubling up to `max`.
    pub fn with_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// This policy with no attempt starting later than `deadline` after the first.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait before retry number `retry` (1 for the first), before jitter.
    fn step(&self, retry: u32) -> Duration {
        let doubled = self
            .first_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        doubled.min(self.max_backoff)
    }
}

/// Runs `attempt` until it succeeds, fails with an error that is not transient, or `policy` is spent.
/// For work that is safe to run again whole (a statement that is a transaction of its own).
pub(crate) async fn retried<T, F, Fut>(policy: &RetryPolicy, mut attempt: F) -> crate::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::Result<T>>,
{
    let mut attempts = Attempts::new(policy);
    loop {
        match attempt().await {
            Err(error) if attempts.again(&error).await => continue,
            outcome => return outcome,
        }
    }
}

/// The attempts of one unit of work under a policy.
pub(crate) struct Attempts<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    made: u32,
}

impl<'p> Attempts<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> Self {
        Attempts {
            policy,
            started: Instant::now(),
            made: 1,
        }
    }

    /// After attempt failed with `error`: waits and returns `true` when another attempt is due, returns
    /// `false` at once when the error is not transient or the policy is spent.
    pub(crate) async fn again(&mut self, error: &Error) -> bool {
        if error.server_error_kind() != Some(ServerErrorKind::Retryable)
            || self.made >= self.policy.attempts
        {
            return false;
        }
        let step = self.policy.step(self.made);
        // Between half and all of the step.
        let wait = step.mul_f64(0.5 + fastrand::f64() / 2.0);
        if self.started.elapsed() + wait > self.policy.deadline {
            return false;
        }
        self.made += 1;
        tracing::warn!(
            attempt = self.made,
            wait_ms = wait.as_millis() as u64,
            %error,
            "transient server error; trying again"
        );
        tokio::time::sleep(wait).await;
        true
    }

    /// How many attempts were made so far.
    #[cfg(test)]
    pub(crate) fn made(&self) -> u32 {
        self.made
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> Error {
        Error::Server {
            kind: ServerErrorKind::Retryable,
            code: 1213,
            sqlstate: "40001".into(),
            message: "Deadlock found when trying to get lock".into(),
            source: sqlx::Error::Protocol("deadlock".into()),
        }
    }

    #[test]
    fn waits_double_up_to_the_maximum() {
        let policy = RetryPolicy::default()
            .with_backoff(Duration::from_millis(10), Duration::from_millis(50));
        let steps: Vec<u128> = (1..=5).map(|r| policy.step(r).as_millis()).collect();
        assert_eq!(steps, [10, 20, 40, 50, 50]);
        // No overflow however many retries.
        assert_eq!(policy.step(u32::MAX), Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn only_transient_errors_are_retried_and_only_as_often_as_allowed() {
        let policy = RetryPolicy::default().with_attempts(3);
        let mut attempts = Attempts::new(&policy);
        assert!(!attempts.again(&Error::ZeroQueryVector).await);
        assert!(attempts.again(&transient()).await);
        assert!(attempts.again(&transient()).await);
        assert!(!attempts.again(&transient()).await);
        assert_eq!(attempts.made(), 3);
        let never = RetryPolicy::never();
        assert!(!Attempts::new(&never).again(&transient()).await);
    }

    #[tokio::test(start_paused = true)]
    async fn no_attempt_starts_after_the_deadline() {
        let policy = RetryPolicy::default()
            .with_attempts(100)
            .with_backoff(Duration::from_secs(1), Duration::from_secs(1))
            .with_deadline(Duration::from_secs(5));
        let mut attempts = Attempts::new(&policy);
        let started = tokio::time::Instant::now();
        while attempts.again(&transient()).await {}
        assert!(started.elapsed() <= Duration::from_secs(5));
        assert!(attempts.made() >= 5, "{}", attempts.made());
    }
}
