//! Vector index build progress.

use crate::dialect::IndexBuild;
use crate::driver::{Arg, Args};
use crate::error::Result;
use crate::schema::Schema;
use crate::session::Session;

/// How far a vector index has been built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexProgress {
    /// Whether the server has reported on the build yet. On TiDB an index being added (its DDL job under
    /// way) or one that exists but that TiFlash has not reported on yet is `false`, with counts of 0; once
    /// TiFlash has started building it reports it, long before TiDB makes the index public.
    pub reported: bool,
    /// Rows the index covers (on TiDB, rows of the table, not summed over TiFlash replicas).
    pub rows_indexed: u64,
    /// Rows still to be indexed. On TiDB this counts TiFlash's stable layer only: rows in the delta layer
    /// are never indexed until compaction (`ALTER TABLE t COMPACT`), and searches see them anyway.
    pub rows_pending: u64,
    /// Errors TiFlash reported while building, if any.
    pub errors: Vec<String>,
}

impl IndexProgress {
    /// Whether the build has caught up (searches are correct before that, only slower).
    pub fn is_complete(&self) -> bool {
        self.reported && self.rows_pending == 0 && self.errors.is_empty()
    }
}

/// On TiDB, whether the table has no TiFlash replica yet (a vector or full-text index needs one, and
/// `SET TIFLASH REPLICA 1` would lower a table that has more: pytidb reads the count first too);
/// `false` elsewhere.
pub(crate) async fn lacks_tiflash_replica(
    session: &mut Session<'_>,
    schema: &Schema,
) -> Result<bool> {
    match session.dialect().tiflash_replica_count() {
        Some(sql) => {
            let rows = session
                .fetch_all(sql.to_owned(), session.args_of(&[Arg::Text(schema.table)])?)
                .await?;
            Ok(rows.cell(0, 0).get::<i64>()? == 0)
        }
        None => Ok(false),
    }
}

/// The first TiDB release whose vector indexes answer right on every table this crate makes: v8.4 returns
/// empty index results on tables with a non-integer clustered key (String and UUID keys;
/// pingcap/tidb#57627, fixed in v8.5.0) and v8.5.0 mishandles high-dimension indexes (#58717, fixed in
/// v8.5.1).
pub(crate) const VECTOR_INDEX_FLOOR: (u32, u32, u32) = (8, 5, 1);

/// Logs a warning when the TiDB behind `session` is older than [`VECTOR_INDEX_FLOOR`] (a model with a
/// vector index is about to be created). Costs one query; says nothing when the version cannot be read.
pub(crate) async fn warn_below_vector_index_floor(session: &mut Session<'_>, table: &str) {
    let Ok(rows) = session
        .fetch_all(
            session.dialect().server_version().to_owned(),
            crate::driver::Args::none(),
        )
        .await
    else {
        return;
    };
    let Ok(version) = rows.cell(0, 0).get::<String>() else {
        return;
    };
    if let Some(release) = tidb_release(&version)
        && release < VECTOR_INDEX_FLOOR
    {
        let (major, minor, patch) = VECTOR_INDEX_FLOOR;
        tracing::warn!(
            table,
            version,
            "this TiDB is older than v{major}.{minor}.{patch}, whose vector indexes can return wrong or empty results (v8.4: tables with a String or UUID key; v8.5.0: high dimensions); upgrade before relying on the index"
        );
    }
}

/// TiDB's release from `VERSION()` (`8.0.11-TiDB-v8.5.1`, `8.0.11-TiDB-v8.4.0-this-is-a-placeholder`).
fn tidb_release(version: &str) -> Option<(u32, u32, u32)> {
    let release = version.split_once("-TiDB-v")?.1;
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let mut next = || parts.next()?.parse::<u32>().ok();
    Some((next()?, next()?, next()?))
}

pub(crate) async fn progress(
    session: &mut Session<'_>,
    schema: &Schema,
) -> Result<Option<IndexProgress>> {
    let dialect = session.dialect();
    let table = session.args_of(&[Arg::Text(schema.table)])?;
    match dialect.index_build {
        IndexBuild::TiFlash => {
            let Some([reported, public, building]) = dialect.tiflash_index_progress(schema) else {
                return Ok(None);
            };
            let with_names = |lower: bool| -> Result<Args> {
                let mut args = dialect.args();
                args.add(Arg::Text(schema.table))?;
                for name in dialect.vector_index_names(schema) {
                    args.add(Arg::Text(&if lower { name.to_lowercase() } else { name }))?;
                }
                Ok(args)
            };
            // What TiFlash reports, first: it reports the index while building it, before TiDB lists it.
            let rows = session.fetch_all(reported, with_names(true)?).await?;
            let number =
                |column| -> Result<u64> { Ok(rows.cell(0, column).get::<i64>()?.max(0) as u64) };
            let report = TiFlashReport {
                indexed: number(0)?,
                pending: number(1)?,
                instances: number(2)?,
                errors: rows.cell(0, 3).get()?,
            };
            if report.instances == 0 {
                // Not reported: an index that exists (public) or is being added (a DDL job under way) has
                // not been reported on yet; otherwise there is none.
                let count =
                    |rows: crate::driver::Rows| -> Result<i64> { Ok(rows.cell(0, 0).get()?) };
                let exists = count(session.fetch_all(public, with_names(false)?).await?)? > 0
                    || count(session.fetch_all(building, table.clone()).await?)? > 0;
                return Ok(exists.then(IndexProgress::default));
            }
            // Each TiFlash replica reports its rows: a table with two replicas would count each row twice.
            let replicas = match dialect.tiflash_replica_count() {
                Some(sql) => {
                    let rows = session.fetch_all(sql.to_owned(), table).await?;
                    rows.cell(0, 0).get::<i64>()?.max(1) as u64
                }
                None => 1,
            };
            Ok(Some(report.progress(replicas)))
        }
        IndexBuild::AtOnce => {
            let rows = session
                .fetch_all(dialect.vector_index_count().to_owned(), table)
                .await?;
            if rows.cell(0, 0).get::<i64>()? == 0 {
                return Ok(None);
            }
            // MariaDB builds a vector index within the statement that creates it, and keeps it current.
            let rows = session
                .fetch_all(dialect.row_count(schema), crate::driver::Args::none())
                .await?;
            Ok(Some(IndexProgress {
                reported: true,
                rows_indexed: rows.cell(0, 0).get::<i64>()?.max(0) as u64,
                rows_pending: 0,
                errors: Vec::new(),
            }))
        }
        IndexBuild::None => Ok(None),
    }
}

/// What `INFORMATION_SCHEMA.TIFLASH_INDEXES` says of one index, summed over its rows (one per TiFlash
/// instance).
struct TiFlashReport {
    indexed: u64,
    pending: u64,
    instances: u64,
    errors: String,
}

impl TiFlashReport {
    /// The progress of a table with `replicas` TiFlash replicas (each holds every row once).
    fn progress(self, replicas: u64) -> IndexProgress {
        if self.instances == 0 {
            return IndexProgress::default();
        }
        let replicas = replicas.max(1);
        IndexProgress {
            reported: true,
            rows_indexed: self.indexed / replicas,
            // Rounded up: a row pending on one replica is pending.
            rows_pending: self.pending.div_ceil(replicas),
            errors: self.errors.lines().map(str::to_owned).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(indexed: u64, pending: u64, instances: u64, errors: &str) -> TiFlashReport {
        TiFlashReport {
            indexed,
            pending,
            instances,
            errors: errors.into(),
        }
    }

    #[test]
    fn replicas_count_each_row_once() {
        // Two replicas of a 1,000-row table, one fully indexed, one with 100 rows to go.
        let progress = report(1_900, 100, 4, "").progress(2);
        assert_eq!((progress.rows_indexed, progress.rows_pending), (950, 50));
        assert!(progress.reported && !progress.is_complete());
        let done = report(2_000, 0, 2, "").progress(2);
        assert_eq!(done.rows_indexed, 1_000);
        assert!(done.is_complete());
        // One pending row on one of three replicas is still pending.
        assert_eq!(report(2_999, 1, 3, "").progress(3).rows_pending, 1);
    }

    #[test]
    fn tidb_releases_are_read_from_the_version() {
        assert_eq!(tidb_release("8.0.11-TiDB-v8.5.1"), Some((8, 5, 1)));
        assert_eq!(
            tidb_release("8.0.11-TiDB-v8.4.0-this-is-a-placeholder"),
            Some((8, 4, 0))
        );
        assert_eq!(tidb_release("8.0.11-TiDB-v9.0.0-beta.1"), Some((9, 0, 0)));
        assert_eq!(tidb_release("11.8.9-MariaDB-0+deb13u1"), None);
        assert!(tidb_release("8.0.11-TiDB-v8.5.0").unwrap() < VECTOR_INDEX_FLOOR);
        assert!(tidb_release("8.0.11-TiDB-v8.5.3").unwrap() >= VECTOR_INDEX_FLOOR);
    }

    #[test]
    fn an_index_not_reported_yet_is_not_complete() {
        let progress = report(0, 0, 0, "").progress(1);
        assert!(!progress.reported);
        assert!(!progress.is_complete());
    }

    #[test]
    fn build_errors_are_listed_and_keep_it_incomplete() {
        let progress = report(10, 0, 2, "disk full\nbad vector").progress(1);
        assert_eq!(progress.errors, ["disk full", "bad vector"]);
        assert!(!progress.is_complete());
    }
}
