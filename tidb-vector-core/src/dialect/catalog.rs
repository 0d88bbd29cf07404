//! What the database says of itself and of a table: the catalog queries (`information_schema`,
//! `sqlite_master`, `SHOW CREATE TABLE`, server variables). Each binds what it names (a table, an index)
//! and reads one row unless its doc says otherwise.

use super::Dialect;
use crate::Backend;
use crate::schema::Schema;

impl Dialect {
    /// How a MySQL-protocol server says what it is, before its dialect is known: its version and
    /// `@@version_comment` (TiDB: `8.0.11-TiDB-v8.5.3` and `TiDB Server (Apache License 2.0) ...`).
    #[cfg(feature = "mysql")]
    pub(crate) const SERVER_IDENTITY: &'static str =
        "SELECT VERSION(), CAST(@@version_comment AS CHAR)";

    /// The server's version string (`VERSION()`; TiDB's reads `8.0.11-TiDB-v8.5.3`).
    pub(crate) fn server_version(&self) -> &'static str {
        "SELECT VERSION()"
    }

    /// On TiDB and MariaDB, the largest packet the server accepts (`@@max_allowed_packet`), which bounds a
    /// statement's size. SQLite has no such query: its limit is the library's `SQLITE_MAX_LENGTH`.
    pub(crate) fn packet_limit(&self) -> &'static str {
        "SELECT CAST(@@max_allowed_packet AS UNSIGNED)"
    }

    /// How many vector indexes the table (its name bound) has, from `information_schema.STATISTICS`
    /// (MariaDB: `INDEX_TYPE = 'VECTOR'`).
    pub(crate) fn vector_index_count(&self) -> &'static str {
        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_TYPE = 'VECTOR'"
    }

    /// Whether the table (its name bound first) has an index of the name bound second: a count of its
    /// `INFORMATION_SCHEMA.STATISTICS` rows (TiDB and MariaDB).
    pub(crate) fn index_exists(&self) -> &'static str {
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?"
    }

    /// How many rows the model's table has.
    pub(crate) fn row_count(&self, schema: &Schema) -> String {
        format!("SELECT COUNT(*) FROM {}", self.quote(schema.table))
    }

    /// On SQLite, whether a table of the bound name exists (a count of its `sqlite_master` rows).
    pub(crate) fn sqlite_table_exists(&self) -> &'static str {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    }

    /// On SQLite, the `CREATE TABLE` text of the table of the bound name, where a vector column's
    /// dimensions are (in its `CHECK`); `None` elsewhere (`information_schema.COLUMNS` shows them).
    pub(crate) fn sqlite_table_sql(&self) -> Option<&'static str> {
        (self.backend == Backend::Sqlite)
            .then_some("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
    }

    /// On TiDB, the query of how many TiFlash replicas the table has (its name bound as `Param::Key`'s
    /// place: the one `?`); `None` elsewhere. A vector index needs at least one, and `SET TIFLASH REPLICA 1`
    /// would lower a table that has more, so it is sent only when the table has none.
    pub fn tiflash_replica_count(&self) -> Option<&'static str> {
        self.index_needs_tiflash_replica.then_some(
            "SELECT CAST(COALESCE(MAX(REPLICA_COUNT), 0) AS SIGNED) FROM INFORMATION_SCHEMA.TIFLASH_REPLICA \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        )
    }

    /// On TiDB, the statements that read a vector index's build progress, in the order they are asked;
    /// each binds the table's name, the first two then the names this crate gives a vector index on the
    /// model's vector columns (cosine, L2; two placeholders a column):
    /// 1. what TiFlash reports on the index (`TIFLASH_INDEXES`: one row per TiFlash instance that holds a
    ///    part of a replica, filtered by the index's name, so another index of the table never counts).
    ///    TiFlash names it in lower case (`indexInfo.Name.L`), so the names are bound lower-cased. It
    ///    reports an index while it is being built, before TiDB makes the index public;
    /// 2. whether the index is public (`TIDB_INDEXES`; a building index is not listed there);
    /// 3. whether an add-index job on the table is still under way (`DDL_JOBS`: `add vector index` on
    ///    v8.5, `add columnar index` on master; a job is over once `synced`, `cancelled` or rolled back).
    ///
    /// `None` elsewhere.
    pub fn tiflash_index_progress(&self, schema: &Schema) -> Option<[String; 3]> {
        let names = vec!["?"; self.vector_index_names(schema).len()].join(", ");
        (self.index_build == super::IndexBuild::TiFlash).then(|| {
            [
                format!(
                    "SELECT CAST(COALESCE(SUM(ROWS_STABLE_INDEXED), 0) AS SIGNED), \
                     CAST(COALESCE(SUM(ROWS_STABLE_NOT_INDEXED), 0) AS SIGNED), CAST(COUNT(*) AS SIGNED), \
                     COALESCE(GROUP_CONCAT(NULLIF(ERROR_MESSAGE, '') SEPARATOR '\n'), '') \
                     FROM INFORMATION_SCHEMA.TIFLASH_INDEXES \
                     WHERE TIDB_DATABASE = DATABASE() AND TIDB_TABLE = ? AND INDEX_NAME IN ({names})"
                ),
                format!(
                    "SELECT CAST(COUNT(*) AS SIGNED) FROM INFORMATION_SCHEMA.TIDB_INDEXES \
                     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND KEY_NAME IN ({names})"
                ),
                "SELECT CAST(COUNT(*) AS SIGNED) FROM INFORMATION_SCHEMA.DDL_JOBS \
                 WHERE DB_NAME = DATABASE() AND TABLE_NAME = ? \
                 AND JOB_TYPE IN ('add vector index', 'add columnar index') \
                 AND STATE IN ('queueing', 'running', 'pausing', 'paused', 'done')"
                    .to_owned(),
            ]
        })
    }

    /// The query of a table's columns (its name bound): name, type, nullable, whether an insert may
    /// leave it out (a default), whether it is the primary key, whether the database assigns it, and its
    /// collation (NULL for a column without one, and on SQLite); no rows when there is no such table.
    pub fn live_columns(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => {
                "SELECT name, type, `notnull` = 0, dflt_value IS NOT NULL, pk = 1, \
                 pk = 1 AND lower(type) = 'integer', NULL FROM pragma_table_info(?) ORDER BY cid"
            }
            Backend::TiDb | Backend::MariaDb => {
                "SELECT COLUMN_NAME, COLUMN_TYPE, CAST(IS_NULLABLE = 'YES' AS SIGNED), \
                 CAST(COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%' \
                 OR EXTRA LIKE '%GENERATED%' AS SIGNED), \
                 CAST(COLUMN_KEY = 'PRI' AS SIGNED), CAST(EXTRA LIKE '%auto_increment%' AS SIGNED), \
                 COLLATION_NAME \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
                 ORDER BY ORDINAL_POSITION"
            }
        }
    }

    /// `SHOW CREATE TABLE` of the model's table on TiDB and MariaDB (its second column: a line a column or
    /// index; the table check reads the vector indexes and TiDB's `AUTO_RANDOM` from it); `None` on SQLite.
    /// TiDB shows an index's metric nowhere else: its vector index is built on the plain column, so
    /// `INFORMATION_SCHEMA.TIDB_INDEXES.Expression` is NULL for it (tidb-vector-sql.md section 5), and
    /// `information_schema.COLUMNS` shows nothing of `AUTO_RANDOM`.
    pub fn show_create_table(&self, schema: &Schema) -> Option<String> {
        match self.backend {
            Backend::TiDb | Backend::MariaDb => {
                Some(format!("SHOW CREATE TABLE {}", self.quote(schema.table)))
            }
            Backend::Sqlite => None,
        }
    }
}
