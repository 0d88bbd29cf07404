//! [`Vector`] as a sqlx type, for the caller's own statements: `.bind(&vector)`, `row.try_get::<Vector, _>`
//! and `#[derive(sqlx::FromRow)]` structs with a `Vector` field.
//!
//! | backend | a bound `Vector` is | SQL to write around the `?` | a `Vector` column is read from |
//! |---|---|---|---|
//! | TiDB | text, `[1,2.5]` | `VEC_FROM_TEXT(?)` (or a bare `?` into a `VECTOR` column) | the text TiDB sends |
//! | MariaDB | text, `[1,2.5]` | `VEC_FromText(?)` | the column's `f32` bytes, or text (`VEC_ToText`) |
//! | SQLite | little-endian `f32` bytes | a bare `?` (sqlite-vec reads the bytes) | the bytes, or JSON text |
//!
//! Encoding checks the vector as the library does (finite values, length at most
//! [`MAX_NORM`](crate::vector::MAX_NORM)); a bad one fails the statement with sqlx's `Error::Encode`, before
//! it is sent. Decoding tells text from bytes by the column's type, so it reads rows the library wrote, bit
//! for bit, on every backend. (MariaDB's `VEC_ToText` prints six significant digits: read the column
//! itself when exact values matter.)

use sqlx::error::BoxDynError;
use sqlx::{Decode, Encode, Type, ValueRef as _};

use crate::vector::{Vector, decode_bytes, parse_text, validate};

/// The library's check, as an encode error.
fn checked(vector: &Vector) -> Result<&[f32], BoxDynError> {
    validate(vector.as_slice(), None)?;
    Ok(vector.as_slice())
}

/// Reads a vector from text (TiDB's form, or JSON) or from little-endian `f32` bytes.
fn decode(bytes: &[u8], is_text: bool) -> Result<Vector, BoxDynError> {
    if is_text {
        Ok(Vector::from(parse_text(std::str::from_utf8(bytes)?)?))
    } else {
        decode_bytes(bytes).map(Vector::from).ok_or_else(|| {
            format!(
                "{} bytes are not a vector of little-endian f32 values (not a multiple of 4)",
                bytes.len()
            )
            .into()
        })
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use sqlx::mysql::{MySql, MySqlTypeInfo, MySqlValueRef};

    use super::*;

    impl Type<MySql> for Vector {
        fn type_info() -> MySqlTypeInfo {
            <str as Type<MySql>>::type_info()
        }

        fn compatible(ty: &MySqlTypeInfo) -> bool {
            <str as Type<MySql>>::compatible(ty) || <[u8] as Type<MySql>>::compatible(ty)
        }
    }

    impl Encode<'_, MySql> for Vector {
        fn encode_by_ref(
            &self,
            buf: &mut <MySql as sqlx::Database>::ArgumentBuffer,
        ) -> Result<sqlx::encode::IsNull, BoxDynError> {
            <String as Encode<MySql>>::encode(crate::vector::encode_text(checked(self)?), buf)
        }
    }

    impl<'r> Decode<'r, MySql> for Vector {
        fn decode(value: MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
            // TiDB sends a VECTOR as text (a non-binary LONGTEXT); MariaDB sends its bytes (binary collation).
            let is_text = <str as Type<MySql>>::compatible(&value.type_info());
            decode(<&[u8] as Decode<MySql>>::decode(value)?, is_text)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};

    use super::*;

    impl Type<Sqlite> for Vector {
        fn type_info() -> SqliteTypeInfo {
            <[u8] as Type<Sqlite>>::type_info()
        }

        fn compatible(ty: &SqliteTypeInfo) -> bool {
            <[u8] as Type<Sqlite>>::compatible(ty)
        }
    }

    impl Encode<'_, Sqlite> for Vector {
        fn encode_by_ref(
            &self,
            buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer,
        ) -> Result<sqlx::encode::IsNull, BoxDynError> {
            <Vec<u8> as Encode<Sqlite>>::encode(crate::vector::encode_bytes(checked(self)?), buf)
        }
    }

    impl<'r> Decode<'r, Sqlite> for Vector {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            let is_text = <str as Type<Sqlite>>::type_info() == *value.type_info();
            decode(<&[u8] as Decode<Sqlite>>::decode(value)?, is_text)
        }
    }
}
