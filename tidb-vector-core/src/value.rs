//! How model fields become bind parameters and are read back: the traits behind `#[derive(VectorModel)]`.

use sqlx::Row as _;

use crate::schema::ScalarType;
use crate::vector::Vector;

pub use crate::driver::Cell;

/// An owned scalar value, bound as a parameter.
///
/// With the `serde` feature it (de)serializes as the plain JSON value: `null`, a boolean, a number or a
/// string.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(untagged)
)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A single-precision float. (Deserialized numbers become [`Value::F64`], which keeps every digit.)
    #[cfg_attr(feature = "serde", serde(skip_deserializing))]
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A date and time, in UTC (feature `chrono`).
    #[cfg(feature = "chrono")]
    Timestamp(chrono::NaiveDateTime),
    /// A date (feature `chrono`).
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
}

/// The scalar column types, listed once: each Rust type, its [`ScalarType`], its [`Value`] variant, and
/// whether its [`ColumnType`] impl is generated (`copy`) or written out below (`by_hand`). Generates
/// `From<T> for Value`, `NotOption`, the seal, the generated `ColumnType` impls and [`decode_value`].
macro_rules! scalar_types {
    ($($ty:ty => $kind:ident, $variant:ident, $how:ident;)*) => {
        $(
            impl From<$ty> for Value {
                fn from(value: $ty) -> Self {
                    Value::$variant(value.into())
                }
            }
            impl NotOption for $ty {}
            impl sealed::Sealed for $ty {}
            column_type!($ty => $kind, $variant, $how);
        )*

        /// Reads a scalar column of type `kind` as an owned value (NULL as [`Value::Null`]).
        pub(crate) fn decode_value(cell: Cell<'_>, kind: ScalarType) -> Result<Value, String> {
            fn read<V: ColumnType + NotOption + Into<Value>>(cell: Cell<'_>) -> Result<Value, String> {
                Option::<V>::decode(cell).map(|v| v.map_or(Value::Null, Into::into))
            }
            match kind {
                $(ScalarType::$kind => read::<$ty>(cell),)*
                #[cfg(feature = "uuid")]
                ScalarType::Uuid => read::<uuid::Uuid>(cell),
                #[cfg(not(feature = "uuid"))]
                ScalarType::Uuid => Err("a UUID column needs the `uuid` feature".into()),
                #[cfg(feature = "chrono")]
                ScalarType::Timestamp => read::<chrono::NaiveDateTime>(cell),
                #[cfg(feature = "chrono")]
                ScalarType::Date => read::<chrono::NaiveDate>(cell),
                #[cfg(not(feature = "chrono"))]
                ScalarType::Timestamp | ScalarType::Date => {
                    Err("a date or time column needs the `chrono` feature".into())
                }
                // JSON comes back as its text.
                #[cfg(feature = "json")]
                ScalarType::Json => Option::<serde_json::Value>::decode(cell)
                    .map(|v| v.map_or(Value::Null, |json| Value::Text(json.to_string()))),
                #[cfg(not(feature = "json"))]
                ScalarType::Json => Err("a JSON column needs the `json` feature".into()),
            }
        }
    };
}

/// A `ColumnType` impl for a `Copy` scalar that the driver reads as it is.
macro_rules! column_type {
    ($ty:ty => $kind:ident, $variant:ident, copy) => {
        impl ColumnType for $ty {
            const SQL_TYPE: ScalarType = ScalarType::$kind;
            type Bare = $ty;
            fn to_value(&self) -> ValueRef<'_> {
                ValueRef::$variant((*self).into())
            }
            fn decode(cell: Cell<'_>) -> Result<Self, String> {
                cell.get::<$ty>().map_err(|e| e.to_string())
            }
        }
    };
    ($ty:ty => $kind:ident, $variant:ident, by_hand) => {};
}

scalar_types! {
    bool => Bool, Bool, copy;
    i8 => I8, Int, copy;
    i16 => I16, Int, copy;
    i32 => I32, Int, copy;
    i64 => I64, Int, copy;
    u8 => U8, UInt, copy;
    u16 => U16, UInt, copy;
    u32 => U32, UInt, copy;
    u64 => U64, UInt, by_hand;
    f32 => F32, F32, copy;
    f64 => F64, F64, copy;
    String => Text, Text, by_hand;
    Vec<u8> => Bytes, Bytes, by_hand;
}

impl ColumnType for Vec<u8> {
    const SQL_TYPE: ScalarType = ScalarType::Bytes;
    type Bare = Vec<u8>;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Bytes(self)
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        cell.get::<Vec<u8>>().map_err(|e| e.to_string())
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}

/// A field's value on its way to the database, borrowed from the model.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A single-precision float.
    F32(f32),
    /// A double-precision float.
    F64(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
    /// A UUID, stored as its hyphenated text.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A date and time in UTC.
    #[cfg(feature = "chrono")]
    Timestamp(chrono::NaiveDateTime),
    /// A date.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// A JSON value, stored as its text.
    #[cfg(feature = "json")]
    Json(&'a serde_json::Value),
    /// A vector (validated and encoded by the dialect).
    Vector(&'a [f32]),
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that can be a scalar column of a [`VectorModel`](crate::VectorModel).
///
/// Implemented for `String`, `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`, `Vec<u8>`, `uuid::Uuid`
/// (feature `uuid`), `chrono::DateTime<Utc>`, `NaiveDateTime` and `NaiveDate` (feature `chrono`),
/// `serde_json::Value` (feature `json`), and `Option` of each (a nullable column). Sealed: the dialects know how to store
/// exactly these.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a column of a `VectorModel`",
    label = "unsupported field type",
    note = "supported scalar types: String, bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, Vec<u8>, uuid::Uuid (feature `uuid`), chrono's DateTime<Utc>, NaiveDateTime and NaiveDate (feature `chrono`), serde_json::Value (feature `json`), and Option of any of them",
    note = "a vector field needs `#[vector(dimensions = N)]` and the type Vec<f32>, [f32; N] or tidb_vector_core::Vector"
)]
pub trait ColumnType: sealed::Sealed + Sized {
    /// The SQL type family of the column.
    const SQL_TYPE: ScalarType;
    /// The type without `Option`: what filters on the column compare with.
    type Bare;
    /// Whether the column accepts NULL.
    const NULLABLE: bool = false;
    /// The value to bind.
    fn to_value(&self) -> ValueRef<'_>;
    /// Reads the value back; the error is a reason for [`Error::Decode`](crate::Error::Decode).
    #[doc(hidden)]
    fn decode(cell: Cell<'_>) -> Result<Self, String>;
}

impl ColumnType for u64 {
    const SQL_TYPE: ScalarType = ScalarType::U64;
    type Bare = u64;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::UInt(*self)
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            #[cfg(feature = "mysql")]
            Cell::MySql(row, i) => row.try_get(i).map_err(|e| e.to_string()),
            // SQLite integers are i64; `u64` values above `i64::MAX` are refused on the way in.
            #[cfg(feature = "sqlite")]
            Cell::Sqlite(row, i) => {
                let value: i64 = row.try_get(i).map_err(|e| e.to_string())?;
                u64::try_from(value).map_err(|_| format!("{value} is negative"))
            }
        }
    }
}

impl ColumnType for String {
    const SQL_TYPE: ScalarType = ScalarType::Text;
    type Bare = String;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        cell.get::<String>().map_err(|e| e.to_string())
    }
}

impl<T: ColumnType + NotOption> sealed::Sealed for Option<T> {}
impl<T: ColumnType + NotOption> ColumnType for Option<T> {
    const SQL_TYPE: ScalarType = T::SQL_TYPE;
    type Bare = T::Bare;
    const NULLABLE: bool = true;
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            Some(value) => value.to_value(),
            None => ValueRef::Null,
        }
    }
    fn decode(cell: Cell<'_>) -> Result<Self, String> {
        if cell.is_null().map_err(|e| e.to_string())? {
            Ok(None)
        } else {
            T::decode(cell).map(Some)
        }
    }
}

/// Marks the types that are not `Option`, so that `Option<Option<T>>` is not a column.
#[doc(hidden)]
pub trait NotOption {}
macro_rules! not_option {
    ($($ty:ty),*) => {$(impl NotOption for $ty {})*};
}
not_option!(Vec<f32>, Vector);
impl<const N: usize> NotOption for [f32; N] {}

mod extra;
mod keys;
mod vectors;

pub use keys::KeyColumn;
pub use vectors::{QueryVector, SourceText, VectorColumn, vector_is_empty};
