//! The column types of optional features: `uuid`, `chrono`, `json`.

#[allow(unused_imports)]
use super::{Cell, ColumnType, NotOption, Value, ValueRef, sealed};
#[allow(unused_imports)]
use crate::schema::ScalarType;

#[cfg(feature = "uuid")]
impl From<uuid::Uuid> for Value {
    /// The hyphenated text, as the column stores it.
    fn from(value: uuid::Uuid) -> Self {
        Value::Text(value.hyphenated().to_string())
    }
}
#[cfg(feature = "uuid")]
impl NotOption for uuid::Uuid {}
#[cfg(feature = "uuid")]
impl sealed::Sealed for uuid::Uuid {}
#[cfg(feature = "uuid")]
impl ColumnType for uuid::Uuid {
    const SQL_TYPE: ScalarType = ScalarType::Uuid;
    type Bare = uuid::Uuid;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Uuid(*self)
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        let text = cell.get::<String>().map_err(|e| e.to_string())?;
        uuid::Uuid::parse_str(&text).map_err(|e| format!("{text:?} is not a UUID: {e}"))
    }
}

/// `chrono` columns: a timestamp (stored in UTC) and a date.
#[cfg(feature = "chrono")]
mod chrono_columns {
    use super::{Cell, ColumnType, NotOption, Value, ValueRef, sealed};
    use crate::schema::ScalarType;
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

    impl From<NaiveDateTime> for Value {
        fn from(value: NaiveDateTime) -> Self {
            Value::Timestamp(value)
        }
    }
    impl From<DateTime<Utc>> for Value {
        fn from(value: DateTime<Utc>) -> Self {
            Value::Timestamp(value.naive_utc())
        }
    }
    impl From<NaiveDate> for Value {
        fn from(value: NaiveDate) -> Self {
            Value::Date(value)
        }
    }

    macro_rules! chrono_column {
        ($($ty:ty => $kind:ident, |$v:ident| $to:expr, |$cell:ident| $decode:expr;)*) => {$(
            impl NotOption for $ty {}
            impl sealed::Sealed for $ty {}
            impl ColumnType for $ty {
                const SQL_TYPE: ScalarType = ScalarType::$kind;
                type Bare = $ty;
                fn to_value(&self) -> ValueRef<'_> {
                    let $v = *self;
                    $to
                }
                fn decode($cell: Cell<'_>) -> Result<Self, String> {
                    $decode
                }
            }
        )*};
    }

    chrono_column! {
        NaiveDateTime => Timestamp, |v| ValueRef::Timestamp(v),
            |cell| cell.get::<NaiveDateTime>().map_err(|e| e.to_string());
        DateTime<Utc> => Timestamp, |v| ValueRef::Timestamp(v.naive_utc()),
            |cell| cell.get::<NaiveDateTime>().map(|t| t.and_utc()).map_err(|e| e.to_string());
        NaiveDate => Date, |v| ValueRef::Date(v),
            |cell| cell.get::<NaiveDate>().map_err(|e| e.to_string());
    }
}

#[cfg(feature = "json")]
impl NotOption for serde_json::Value {}
#[cfg(feature = "json")]
impl sealed::Sealed for serde_json::Value {}
/// A JSON column. Its filter handle has no comparisons: TiDB compares JSON values, MariaDB their text.
#[cfg(feature = "json")]
impl ColumnType for serde_json::Value {
    const SQL_TYPE: ScalarType = ScalarType::Json;
    type Bare = serde_json::Value;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Json(self)
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        cell.get::<sqlx::types::Json<serde_json::Value>>()
            .map(|json| json.0)
            .map_err(|e| e.to_string())
    }
}
