//! The types a primary key can have.

use super::ColumnType;

/// A type that can be a model's primary key.
///
/// Implemented for `i32`, `i64`, `u32`, `u64` and `Option` of each (auto-increment unless marked
/// `auto_increment = false`: a key of `0` or `None` on insert lets the database assign one), and for
/// `String` (with `max_length`) and `uuid::Uuid` (feature `uuid`), which the caller always assigns.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the primary key of a `VectorModel`",
    label = "unsupported key type",
    note = "a key is an integer (i32, i64, u32, u64, or Option of one), a String with `max_length`, or a uuid::Uuid"
)]
pub trait KeyColumn: ColumnType {
    /// The key's value type (the integer, without `Option`).
    type Key: ColumnType + Clone + Ord + Send + Sync + std::fmt::Debug + 'static;
    /// The key, or `None` when the database is to assign it.
    fn assigned(&self) -> Option<Self::Key>;
    /// The key from the database's generated id.
    fn from_generated(id: u64) -> Option<Self::Key>;
}

macro_rules! key {
    ($($ty:ty),*) => {$(
        impl KeyColumn for $ty {
            type Key = $ty;
            fn assigned(&self) -> Option<$ty> {
                (*self != 0).then_some(*self)
            }
            fn from_generated(id: u64) -> Option<$ty> {
                <$ty>::try_from(id).ok()
            }
        }
        impl KeyColumn for Option<$ty> {
            type Key = $ty;
            fn assigned(&self) -> Option<$ty> {
                self.and_then(|key| key.assigned())
            }
            fn from_generated(id: u64) -> Option<$ty> {
                <$ty>::try_from(id).ok()
            }
        }
    )*};
}
key!(i32, i64, u32, u64);

/// A key the caller always assigns.
macro_rules! caller_key {
    ($($ty:ty),*) => {$(
        impl KeyColumn for $ty {
            type Key = $ty;
            fn assigned(&self) -> Option<$ty> {
                Some(self.clone())
            }
            fn from_generated(_: u64) -> Option<$ty> {
                None
            }
        }
    )*};
}
caller_key!(String);
#[cfg(feature = "uuid")]
caller_key!(uuid::Uuid);
