//! [`Cell`]: one column of a fetched row, read through whichever driver fetched it.

use sqlx::Row as _;
#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlRow;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteRow;

/// One column of a fetched row, with typed getters over whichever driver fetched it.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Cell<'r> {
    #[cfg(feature = "mysql")]
    MySql(&'r MySqlRow, usize),
    #[cfg(feature = "sqlite")]
    Sqlite(&'r SqliteRow, usize),
}

impl Cell<'_> {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> Result<bool, sqlx::Error> {
        use sqlx::ValueRef as _;
        Ok(match *self {
            #[cfg(feature = "mysql")]
            Cell::MySql(row, i) => row.try_get_raw(i)?.is_null(),
            #[cfg(feature = "sqlite")]
            Cell::Sqlite(row, i) => row.try_get_raw(i)?.is_null(),
        })
    }

    /// The value as text whatever its type (for `EXPLAIN` output): NULL is empty.
    pub fn text(&self) -> String {
        if self.is_null().unwrap_or(false) {
            return String::new();
        }
        if let Ok(s) = self.get::<String>() {
            return s;
        }
        if let Ok(i) = self.get::<i64>() {
            return i.to_string();
        }
        if let Ok(f) = self.get::<f64>() {
            return f.to_string();
        }
        #[cfg(feature = "mysql")]
        if let Cell::MySql(row, i) = *self
            && let Ok(u) = row.try_get::<u64, _>(i)
        {
            return u.to_string();
        }
        "?".to_owned()
    }

    /// The value as `T`, for types both drivers decode.
    pub fn get<T: DriverType>(&self) -> Result<T, sqlx::Error> {
        match *self {
            #[cfg(feature = "mysql")]
            Cell::MySql(row, i) => row.try_get(i),
            #[cfg(feature = "sqlite")]
            Cell::Sqlite(row, i) => row.try_get(i),
        }
    }
}

/// A type that every enabled driver decodes.
#[doc(hidden)]
pub trait DriverType: MySqlType + SqliteType {}
impl<T: MySqlType + SqliteType> DriverType for T {}

#[cfg(feature = "mysql")]
#[doc(hidden)]
pub trait MySqlType: for<'a> sqlx::Decode<'a, sqlx::MySql> + sqlx::Type<sqlx::MySql> {}
#[cfg(feature = "mysql")]
impl<T: for<'a> sqlx::Decode<'a, sqlx::MySql> + sqlx::Type<sqlx::MySql>> MySqlType for T {}
#[cfg(not(feature = "mysql"))]
#[doc(hidden)]
pub trait MySqlType {}
#[cfg(not(feature = "mysql"))]
impl<T> MySqlType for T {}

#[cfg(feature = "sqlite")]
#[doc(hidden)]
pub trait SqliteType: for<'a> sqlx::Decode<'a, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> {}
#[cfg(feature = "sqlite")]
impl<T: for<'a> sqlx::Decode<'a, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>> SqliteType for T {}
#[cfg(not(feature = "sqlite"))]
#[doc(hidden)]
pub trait SqliteType {}
#[cfg(not(feature = "sqlite"))]
impl<T> SqliteType for T {}
