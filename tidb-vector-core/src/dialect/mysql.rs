//! What TiDB and MariaDB, both of the MySQL family, spell alike: scalar column types, the auto-increment key,
//! and the `ON DUPLICATE KEY UPDATE` upsert.

use super::Dialect;
use crate::schema::ScalarType;

/// `ON DUPLICATE KEY UPDATE c = VALUES(c), ...`: TiDB's and MariaDB's upsert.
pub(crate) fn on_duplicate_key_update(dialect: &Dialect, key: &str, columns: &[&str]) -> String {
    let sets: Vec<String> = if columns.is_empty() {
        vec![format!("{0} = {0}", dialect.quote(key))]
    } else {
        columns
            .iter()
            .map(|c| format!("{0} = VALUES({0})", dialect.quote(c)))
            .collect()
    };
    format!("ON DUPLICATE KEY UPDATE {}", sets.join(", "))
}

/// The character set and collation of text columns with a `max_length` (text keys among them): the same
/// exact comparison as unbounded text (see [`mysql_scalar_type`]).
pub(crate) const EXACT_COLLATION: &str = "CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin";

/// Column types shared by TiDB and MariaDB.
pub(crate) fn mysql_scalar_type(scalar: ScalarType) -> &'static str {
    match scalar {
        ScalarType::Bool => "BOOLEAN",
        ScalarType::I8 => "TINYINT",
        ScalarType::I16 => "SMALLINT",
        ScalarType::I32 => "INT",
        ScalarType::I64 => "BIGINT",
        ScalarType::U8 => "TINYINT UNSIGNED",
        ScalarType::U16 => "SMALLINT UNSIGNED",
        ScalarType::U32 => "INT UNSIGNED",
        ScalarType::U64 => "BIGINT UNSIGNED",
        ScalarType::F32 => "FLOAT",
        ScalarType::F64 => "DOUBLE",
        // LONGTEXT, not TEXT: TEXT stops at 64 KiB, and documents often do not. The collation compares
        // text byte for byte, case- and accent-sensitively and without padding, as SQLite's BINARY does:
        // `utf8mb4_0900_bin` is NO PAD on TiDB (v7.4+) and on MariaDB (11.4+, its `utf8mb4_nopad_bin`),
        // where the `*_bin` collations both servers default to ignore trailing spaces (`'a ' = 'a'`), which
        // would make `"a "` and `"a"` one key.
        ScalarType::Text => "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin",
        ScalarType::Bytes => "LONGBLOB",
        ScalarType::Uuid => "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin",
        ScalarType::Timestamp => "DATETIME(6)",
        ScalarType::Date => "DATE",
        ScalarType::Json => "JSON",
    }
}

pub(crate) fn mysql_auto_key(name: &str, scalar: ScalarType) -> String {
    format!(
        "{name} {} NOT NULL AUTO_INCREMENT PRIMARY KEY",
        mysql_scalar_type(scalar)
    )
}
