//! Filters on a path into a JSON column (`f.meta.path("$.lang").eq("en")`): the path's handle, the values it
//! compares with, and the path grammar every backend reads alike.

use std::fmt;
use std::marker::PhantomData;

use super::{CmpOp, Filter, FilterNode};
use crate::value::Value;

/// A path into a JSON column of model `M`, from `Col::path` (feature `json`): `f.meta.path("$.lang").eq("en")`.
///
/// The path is bound as a parameter, never written into the SQL, and checked before anything is sent
/// against the grammar every backend reads alike: `$`, then any of `.key` (ASCII letters, digits and `_`,
/// not starting with a digit), `."any key"` (no `"` or `\` inside) and `[n]` (an array index), at most 32
/// steps and 256 bytes; anything else is [`Error::InvalidArgument`](crate::Error::InvalidArgument).
///
/// A comparison matches a row whose value at the path has the comparison value's JSON type (a number, a
/// string, a boolean) and compares so; where the path is missing, holds JSON null or another type, neither
/// the comparison nor its negation (`!`) matches, as with SQL NULL. The same on SQLite, MariaDB and TiDB:
/// numbers compare as numbers (as doubles on MariaDB and TiDB: integers beyond 2^53 may compare equal to
/// their neighbours), strings by their bytes (code points), never a number with a string.
///
/// ```
/// use tidb_vector_core::{Backend, VectorModel};
/// # #[derive(VectorModel)] struct Document { meta: serde_json::Value, #[vector(dimensions = 3)] embedding: Vec<f32> }
///
/// let f = Document::FIELDS;
/// let filter = f.meta.path("$.lang").eq("en") & f.meta.path("$.year").ge(2020) & f.meta.path("$.draft").exists();
/// let statement = Document::search(&[1.0, 2.0, 3.0]).filter(filter).statement(Backend::MariaDb)?;
/// assert!(!statement.sql.contains("$.lang"), "the path is bound");
/// # Ok::<(), tidb_vector_core::Error>(())
/// ```
pub struct JsonPath<M> {
    column: &'static str,
    path: String,
    model: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for JsonPath<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonPath({}, {})", self.column, self.path)
    }
}

/// A JSON scalar a path's value is compared with for equality: a number, a string or a boolean.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonScalar(Value);

/// A JSON scalar a path's value is ordered against: a number or a string.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonOrdered(Value);

macro_rules! json_scalars {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for JsonScalar {
            fn from($v: $t) -> Self {
                JsonScalar($e)
            }
        }
        impl From<$t> for JsonOrdered {
            fn from($v: $t) -> Self {
                JsonOrdered($e)
            }
        }
    )*};
}

json_scalars!(
    i32 => |v| Value::Int(v.into()),
    i64 => |v| Value::Int(v),
    u32 => |v| Value::Int(v.into()),
    f32 => |v| Value::F64(v.into()),
    f64 => |v| Value::F64(v),
    &str => |v| Value::Text(v.to_owned()),
    String => |v| Value::Text(v),
);

impl From<bool> for JsonScalar {
    fn from(value: bool) -> Self {
        JsonScalar(Value::Bool(value))
    }
}

impl<M> JsonPath<M> {
    fn compare(&self, op: CmpOp, value: Value) -> Filter<M> {
        Filter::new(FilterNode::JsonCompare {
            column: self.column,
            path: self.path.clone(),
            op,
            value,
        })
    }

    /// The value at the path equals `value` (same JSON type).
    pub fn eq(self, value: impl Into<JsonScalar>) -> Filter<M> {
        self.compare(CmpOp::Eq, value.into().0)
    }

    /// The value at the path has `value`'s JSON type and differs from it.
    pub fn ne(self, value: impl Into<JsonScalar>) -> Filter<M> {
        self.compare(CmpOp::Ne, value.into().0)
    }

    /// The value at the path is below `value` (same JSON type).
    pub fn lt(self, value: impl Into<JsonOrdered>) -> Filter<M> {
        self.compare(CmpOp::Lt, value.into().0)
    }

    /// The value at the path is at most `value` (same JSON type).
    pub fn le(self, value: impl Into<JsonOrdered>) -> Filter<M> {
        self.compare(CmpOp::Le, value.into().0)
    }

    /// The value at the path is above `value` (same JSON type).
    pub fn gt(self, value: impl Into<JsonOrdered>) -> Filter<M> {
        self.compare(CmpOp::Gt, value.into().0)
    }

    /// The value at the path is at least `value` (same JSON type).
    pub fn ge(self, value: impl Into<JsonOrdered>) -> Filter<M> {
        self.compare(CmpOp::Ge, value.into().0)
    }

    /// The value at the path equals one of `values`; an empty list matches no row.
    pub fn is_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<JsonScalar>,
    {
        Filter::new(FilterNode::Or(
            values
                .into_iter()
                .map(|value| self.compare(CmpOp::Eq, value.into().0).node)
                .collect(),
        ))
    }

    /// The path exists (JSON null there counts); `!` of it matches rows without it, a NULL column included.
    pub fn exists(self) -> Filter<M> {
        Filter::new(FilterNode::JsonExists {
            column: self.column,
            path: self.path,
        })
    }
}

/// A path into a JSON column (feature `json`).
#[cfg(feature = "json")]
impl<M> super::Col<M, serde_json::Value> {
    /// The value at `path` in this JSON column, to compare: `f.meta.path("$.lang").eq("en")`. See
    /// [`JsonPath`] for the grammar and how values compare.
    pub fn path(self, path: impl Into<String>) -> JsonPath<M> {
        JsonPath {
            column: self.name,
            path: path.into(),
            model: PhantomData,
        }
    }
}

/// Whether `path` is in the grammar [`JsonPath`] documents; the reason when it is not.
pub(crate) fn check_json_path(path: &str) -> std::result::Result<(), String> {
    if path.len() > 256 {
        return Err("it is longer than 256 bytes".into());
    }
    let mut rest = path
        .strip_prefix('$')
        .ok_or_else(|| "it does not start with `$`".to_owned())?;
    let mut steps = 0;
    while !rest.is_empty() {
        steps += 1;
        if steps > 32 {
            return Err("it has more than 32 steps".into());
        }
        if let Some(quoted) = rest.strip_prefix(".\"") {
            let end = quoted
                .find(['"', '\\'])
                .filter(|&i| quoted.as_bytes()[i] == b'"')
                .ok_or_else(|| {
                    "a quoted key must end with `\"` and hold no `\"` or `\\`".to_owned()
                })?;
            if end == 0 {
                return Err("a quoted key is empty".into());
            }
            rest = &quoted[end + 1..];
        } else if let Some(key) = rest.strip_prefix('.') {
            let end = key
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(key.len());
            if end == 0 || key.as_bytes()[0].is_ascii_digit() {
                return Err(
                    "a key after `.` is ASCII letters, digits and `_`, not starting with a digit (quote others: `.\"a key\"`)"
                        .into(),
                );
            }
            rest = &key[end..];
        } else if let Some(index) = rest.strip_prefix('[') {
            let end = index
                .find(']')
                .ok_or_else(|| "an array index must end with `]`".to_owned())?;
            if end == 0 || end > 9 || !index[..end].bytes().all(|b| b.is_ascii_digit()) {
                return Err("an array index is a number of at most 9 digits: `[0]`".into());
            }
            rest = &index[end + 1..];
        } else {
            return Err("after `$` come only `.key`, `.\"key\"` and `[n]` steps".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_follow_the_grammar() {
        for good in [
            "$",
            "$.lang",
            "$.a_b.c2",
            "$[0]",
            "$.tags[12].name",
            "$.\"a key\"",
            "$.\"x') OR 1=1 --\"",
        ] {
            assert_eq!(check_json_path(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "lang",
            "$.",
            "$.2020",
            "$..a",
            "$.a b",
            "$.a' OR 1=1 --",
            "x') OR 1=1 --",
            "$.\"a\\\" OR 1\"",
            "$.\"unterminated",
            "$.\"\"",
            "$[-1]",
            "$[]",
            "$[1",
            "$[1234567890]",
            "$.*",
            "$**.a",
            "$.a\\b",
            "$.ä",
        ] {
            assert!(check_json_path(bad).is_err(), "{bad}");
        }
        assert!(check_json_path(&format!("${}", ".a".repeat(33))).is_err());
        assert!(check_json_path(&format!("$.{}", "a".repeat(300))).is_err());
    }
}
