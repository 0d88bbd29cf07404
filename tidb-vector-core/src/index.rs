//! Vector index build progress.

use crate::dialect::IndexBuild;
use crate::driver::Arg;
use crate::error::Result;
use crate::executor::Session;
use crate::schema::Schema;

/// How far a vector index has been built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexProgress {
    /// Rows the index covers.
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
        self.rows_pending == 0 && self.errors.is_empty()
    }
}

pub(crate) async fn progress(
    session: &mut Session<'_>,
    schema: &Schema,
) -> Result<Option<IndexProgress>> {
    let table = Arg::Str(schema.table);
    match session.dialect().index_build {
        IndexBuild::TiFlash => {
            let rows = session
                .fetch_all(
                    "SELECT CAST(COALESCE(SUM(ROWS_STABLE_INDEXED), 0) AS SIGNED), \
                 CAST(COALESCE(SUM(ROWS_STABLE_NOT_INDEXED), 0) AS SIGNED), \
                 CAST(COUNT(*) AS SIGNED), \
                 COALESCE(GROUP_CONCAT(NULLIF(ERROR_MESSAGE, '') SEPARATOR '\n'), '') \
                 FROM INFORMATION_SCHEMA.TIFLASH_INDEXES \
                 WHERE TIDB_DATABASE = DATABASE() AND TIDB_TABLE = ?"
                        .to_owned(),
                    vec![table],
                )
                .await?;
            let number = |column| -> Result<i64> { Ok(rows.cell(0, column).get::<i64>()?) };
            if number(2)? == 0 {
                return Ok(None);
            }
            let errors: String = rows.cell(0, 3).get()?;
            Ok(Some(IndexProgress {
                rows_indexed: number(0)?.max(0) as u64,
                rows_pending: number(1)?.max(0) as u64,
                errors: errors.lines().map(str::to_owned).collect(),
            }))
        }
        IndexBuild::AtOnce => {
            let rows = session
                .fetch_all(
                    "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_TYPE = 'VECTOR'"
                        .to_owned(),
                    vec![table],
                )
                .await?;
            if rows.cell(0, 0).get::<i64>()? == 0 {
                return Ok(None);
            }
            // MariaDB builds a vector index within the statement that creates it, and keeps it current.
            let sql = format!(
                "SELECT COUNT(*) FROM {}",
                session.dialect().quote(schema.table)
            );
            let rows = session.fetch_all(sql, Vec::new()).await?;
            Ok(Some(IndexProgress {
                rows_indexed: rows.cell(0, 0).get::<i64>()?.max(0) as u64,
                rows_pending: 0,
                errors: Vec::new(),
            }))
        }
        IndexBuild::None => Ok(None),
    }
}
