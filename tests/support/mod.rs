//! Test support: one fresh database per test, on each backend the suites run against.
//!
//! | target | needs | dialect |
//! |---|---|---|
//! | embedded SQLite | nothing | SQLite |
//! | MariaDB | `TIDB_VECTOR_TEST_MARIADB_URL` | MariaDB |
//! | TiDB dialect on MariaDB | `TIDB_VECTOR_TEST_MARIADB_URL` | TiDB, through [`TIDB_FUNCTIONS`] |
//! | TiDB | `TIDB_VECTOR_TEST_TIDB_URL` | TiDB |
//!
//! The URLs name a server and a database the test user may connect to; each test creates a database of its
//! own beside it (so the user needs CREATE and DROP) and drops it when the test passes.

pub mod proxy;

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, Connection as _};
use tidb_vector_core::{Backend, Db, Metric};

/// TiDB's vector functions with TiDB's semantics, for MariaDB (see the file's header).
pub const TIDB_FUNCTIONS: &str = include_str!("tidb_functions.sql");

/// Variable with the MariaDB URL (`.ci/mariadb.sh start` prints one).
pub const MARIADB_URL: &str = "TIDB_VECTOR_TEST_MARIADB_URL";
/// Variable with a real TiDB's URL.
pub const TIDB_URL: &str = "TIDB_VECTOR_TEST_TIDB_URL";

/// A backend the suite runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Embedded SQLite with sqlite-vec.
    Sqlite,
    /// MariaDB 11.8 with the MariaDB dialect.
    MariaDb,
    /// MariaDB 11.8 with the TiDB dialect, through TiDB-named SQL functions.
    TiDbOnMariaDb,
    /// A real TiDB.
    TiDb,
}

impl Target {
    /// The dialect the target's [`Db`] speaks.
    pub fn backend(self) -> Backend {
        match self {
            Target::Sqlite => Backend::Sqlite,
            Target::MariaDb => Backend::MariaDb,
            Target::TiDbOnMariaDb | Target::TiDb => Backend::TiDb,
        }
    }

    /// Whether the server is MariaDB.
    pub fn is_mariadb(self) -> bool {
        matches!(self, Target::MariaDb | Target::TiDbOnMariaDb)
    }
}

/// A fresh database for one test.
pub struct TestDb {
    /// The handle under test.
    pub db: Db,
    /// The target.
    pub target: Target,
    cleanup: Option<(String, String)>,
}

impl TestDb {
    /// Opens a fresh, empty database on `target`. Panics with what to set when the target's variable is
    /// missing: a suite that was asked to run must not pass by skipping.
    pub async fn open(target: Target) -> TestDb {
        match target {
            Target::Sqlite => TestDb {
                db: Db::embedded().await.expect("open embedded SQLite"),
                target,
                cleanup: None,
            },
            Target::MariaDb | Target::TiDbOnMariaDb => Self::open_mysql(target, MARIADB_URL).await,
            Target::TiDb => Self::open_mysql(target, TIDB_URL).await,
        }
    }

    async fn open_mysql(target: Target, variable: &str) -> TestDb {
        let url = std::env::var(variable).unwrap_or_else(|_| {
            panic!(
                "{variable} is not set: this test needs a server (for MariaDB, run `.ci/mariadb.sh start` and \
                 export the URL it prints as {variable})"
            )
        });
        let name = unique_database_name();
        let options = MySqlConnectOptions::from_str(&url).expect("a mysql:// URL");
        let mut admin = sqlx::mysql::MySqlConnection::connect_with(&options)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {variable}: {e}"));
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let pool = MySqlPoolOptions::new()
            .max_connections(8)
            .connect_with(options.database(&name))
            .await
            .expect("connect to the test database");
        if target == Target::TiDbOnMariaDb {
            sqlx::raw_sql(TIDB_FUNCTIONS)
                .execute(&pool)
                .await
                .expect("define TiDB's functions on MariaDB");
        }
        TestDb {
            db: Db::from_mysql_pool(pool, target.backend()).expect("a MySQL-protocol dialect"),
            target,
            cleanup: Some((url, name)),
        }
    }

    /// The pool, for assertions the library does not offer (row counts, EXPLAIN).
    pub fn mysql(&self) -> Option<&MySqlPool> {
        self.db.mysql_pool()
    }

    /// Another pool on the test's database (MySQL-protocol targets), with at most `connections`
    /// connections: for tests that need to know which connection ran a statement.
    pub async fn pool(&self, connections: u32) -> MySqlPool {
        self.pool_options(connections).await
    }

    /// Like [`TestDb::pool`], with `statement` run on each connection as it opens (a session setting).
    pub async fn pool_with(&self, connections: u32, statement: &'static str) -> MySqlPool {
        let options = MySqlPoolOptions::new().after_connect(move |conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(statement).execute(conn).await?;
                Ok(())
            })
        });
        self.connect_pool(options.max_connections(connections))
            .await
    }

    /// A [`Db`] on the test's database through `proxy` (TLS off, so that the proxy can read the
    /// commands), with at most `connections` connections.
    pub async fn db_through(&self, proxy: &proxy::Proxy, connections: u32) -> Db {
        let (url, name) = self.cleanup.as_ref().expect("a MySQL-protocol target");
        let options = MySqlConnectOptions::from_str(url)
            .expect("a mysql:// URL")
            .database(name)
            .host("127.0.0.1")
            .port(proxy.port)
            .ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
        let pool = MySqlPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect_with(options)
            .await
            .expect("connect through the proxy");
        Db::from_mysql_pool(pool, self.target.backend()).expect("a MySQL-protocol dialect")
    }

    /// A [`Db`] on the test's database built as `Db::connect` builds one (its own pool, with at most
    /// `connections` connections and a 2 s acquire timeout), for behaviour that depends on the pool the
    /// library builds. The dialect is the target's (`tidb://` for TiDB's on MariaDB).
    pub async fn own_db(&self, connections: u32) -> Db {
        let (url, name) = self.cleanup.as_ref().expect("a MySQL-protocol target");
        let (url, query) = match url.split_once('?') {
            Some((url, query)) => (url, format!("?{query}")),
            None => (url.as_str(), String::new()),
        };
        let (server, _) = url
            .rsplit_once('/')
            .expect("a mysql:// URL that names a database");
        let server = match self.target {
            Target::TiDbOnMariaDb => server.replacen("mysql://", "tidb://", 1),
            _ => server.to_owned(),
        };
        let config = tidb_vector_core::Config::Url(tidb_vector_core::Secret::new(format!(
            "{server}/{name}{query}"
        )));
        let settings = tidb_vector_core::PoolSettings::default()
            .with_max_connections(connections)
            .with_acquire_timeout(std::time::Duration::from_secs(2));
        Db::connect_with_pool(&config, &settings)
            .await
            .expect("connect to the test database")
    }

    /// The server's `host:port` (MySQL-protocol targets), for a proxy in front of it.
    pub fn server_address(&self) -> String {
        let (url, _) = self.cleanup.as_ref().expect("a MySQL-protocol target");
        let options = MySqlConnectOptions::from_str(url).expect("a mysql:// URL");
        format!("{}:{}", options.get_host(), options.get_port())
    }

    async fn pool_options(&self, connections: u32) -> MySqlPool {
        self.connect_pool(MySqlPoolOptions::new().max_connections(connections))
            .await
    }

    async fn connect_pool(&self, pool: MySqlPoolOptions) -> MySqlPool {
        let (url, name) = self.cleanup.as_ref().expect("a MySQL-protocol target");
        let options = MySqlConnectOptions::from_str(url)
            .expect("a mysql:// URL")
            .database(name);
        pool.connect_with(options)
            .await
            .expect("connect to the test database")
    }

    /// Counts a table's rows with plain SQL.
    pub async fn count(&self, table: &str) -> i64 {
        // Every dialect quotes names in grave accents.
        let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM `{table}`"));
        match (self.db.mysql_pool(), self.db.sqlite_pool()) {
            (Some(pool), _) => sqlx::query_scalar(sql).fetch_one(pool).await,
            (_, Some(pool)) => sqlx::query_scalar(sql).fetch_one(pool).await,
            _ => unreachable!("a Db has one pool"),
        }
        .expect("count rows")
    }

    /// Drops the test's database (call at the end of a passing test; a failing test leaves it behind for
    /// a look).
    pub async fn finish(self) {
        self.db.close().await;
        if let Some((url, name)) = self.cleanup {
            let options = MySqlConnectOptions::from_str(&url).expect("a mysql:// URL");
            let mut admin = sqlx::mysql::MySqlConnection::connect_with(&options)
                .await
                .expect("reconnect to drop the test database");
            sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE `{name}`")))
                .execute(&mut admin)
                .await
                .expect("drop the test database");
        }
    }
}

/// The MariaDB server a test may kill (`TIDB_VECTOR_TEST_CRASH_URL`), and the command that controls it
/// (`TIDB_VECTOR_TEST_CRASH_CTL`, which takes `kill` or `start`).
pub struct CrashServer {
    /// The server's URL.
    pub url: String,
    ctl: String,
}

impl CrashServer {
    /// The server named by the environment; panics with what to set when it is missing.
    pub fn from_env() -> CrashServer {
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        CrashServer {
            url: var("TIDB_VECTOR_TEST_CRASH_URL"),
            ctl: var("TIDB_VECTOR_TEST_CRASH_CTL"),
        }
    }

    /// Runs the control command with `command` (`kill`, `start`); panics when it fails.
    pub fn run(&self, command: &str) {
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("{} {command}", self.ctl))
            .status()
            .expect("run the control command");
        assert!(status.success(), "{} {command}", self.ctl);
    }

    /// Starts the server again and returns the table's row count, read through `db` once its pool has
    /// recovered (the first attempts may meet connections that died with the server; the pool replaces
    /// them).
    pub async fn restart_and_count(&self, db: &Db, table: &str) -> u64 {
        self.run("start");
        let sql = format!("SELECT COUNT(*) FROM `{table}`");
        let pool = db.mysql_pool().expect("a MySQL-protocol server");
        for _ in 0..100 {
            match sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone()))
                .fetch_one(pool)
                .await
            {
                Ok(count) => return count as u64,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            }
        }
        panic!("the pool did not recover after the restart")
    }

    /// A handle on the server whose connections give up after 10 s (so that a dead server is an error,
    /// not a wait).
    pub async fn db(&self) -> Db {
        let settings = tidb_vector_core::PoolSettings::default()
            .with_acquire_timeout(std::time::Duration::from_secs(10));
        let config = tidb_vector_core::Config::Url(tidb_vector_core::Secret::new(self.url.clone()));
        Db::connect_with_pool(&config, &settings)
            .await
            .expect("connect to the crash server")
    }
}

/// Prints one `RELIABILITY` record (scenario, target, expected, observed) for `.ci/reliability` to collect
/// into RELIABILITY.md.
pub fn report(scenario: &str, target: Target, expected: &str, observed: &dyn std::fmt::Display) {
    report_for(scenario, &format!("{target:?}"), expected, observed);
}

/// Like [`report`], for a scenario that involves no backend (`backend` is e.g. `"all"`).
pub fn report_for(scenario: &str, backend: &str, expected: &str, observed: &dyn std::fmt::Display) {
    let observed = observed.to_string().replace(['\t', '\n'], " ");
    let observed: String = observed.chars().take(200).collect();
    println!("RELIABILITY\t{scenario}\t{backend}\t{expected}\t{observed}");
}

fn unique_database_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "tv_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs each scenario (an `async fn(Target)` in the calling module) as one test per target:
/// `sqlite::name` always; the server targets as [`server_scenarios!`] does.
#[macro_export]
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::Target::Sqlite).await
            })*
        }
        $crate::server_scenarios!($($name),*);
    };
}

/// Runs each scenario (an `async fn(Target)` in the calling module) as one test per server target, for
/// scenarios that need a server (a connection to cut, say): `mariadb::name` and
/// `tidb_dialect_on_mariadb::name` (ignored unless asked for, they need `TIDB_VECTOR_TEST_MARIADB_URL`);
/// `tidb::name` (needs `TIDB_VECTOR_TEST_TIDB_URL`).
#[macro_export]
macro_rules! server_scenarios {
    ($($name:ident),* $(,)?) => {
        mod mariadb {
            $(#[tokio::test]
            #[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
            async fn $name() {
                super::$name($crate::Target::MariaDb).await
            })*
        }
        mod tidb_dialect_on_mariadb {
            $(#[tokio::test]
            #[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
            async fn $name() {
                super::$name($crate::Target::TiDbOnMariaDb).await
            })*
        }
        mod tidb {
            $(#[tokio::test]
            #[ignore = "needs a real TiDB: set TIDB_VECTOR_TEST_TIDB_URL"]
            async fn $name() {
                super::$name($crate::Target::TiDb).await
            })*
        }
    };
}

/// The brute-force distance, computed in `f64` (NaN for a cosine with a zero vector).
pub fn distance(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    let pairs = a.iter().zip(b).map(|(x, y)| (f64::from(*x), f64::from(*y)));
    match metric {
        Metric::Cosine => {
            let (mut dot, mut na, mut nb) = (0.0, 0.0, 0.0);
            for (x, y) in pairs {
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            1.0 - dot / (na.sqrt() * nb.sqrt())
        }
        Metric::L2 => pairs.map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt(),
        Metric::L1 => pairs.map(|(x, y)| (x - y).abs()).sum(),
        _ => -pairs.map(|(x, y)| x * y).sum::<f64>(),
    }
}

/// What a test's thread logged: every tracing event and `log` record emitted on the thread that installed
/// it (a `#[tokio::test]` runs its tasks on its own thread), at every level.
///
/// One process-wide subscriber writes each event to the capture of the thread that emits it. (Per-thread
/// subscribers, `tracing::subscriber::set_default`, lose events when tests run in parallel: tracing caches
/// whether a call site is enabled across threads.)
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// The writer of the process-wide subscriber: the current thread's capture, if any.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(captured) = &*capture.borrow() {
                captured.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops a thread's capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

impl Captured {
    /// Captures this thread's events and `log` records until the guard drops.
    pub fn install(&self) -> CaptureGuard {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadCapture)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
            tracing_log::LogTracer::init().ok();
        });
        CAPTURE.with(|capture| *capture.borrow_mut() = Some(self.clone()));
        CaptureGuard(())
    }

    /// What was written since the last call.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.lock().unwrap())).into_owned()
    }
}
