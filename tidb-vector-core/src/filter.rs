//! Typed filters on a model's scalar columns: `Document::FIELDS.year.ge(2020) & Document::FIELDS.lang.eq("en")`.
//!
//! A filter names a column the derive generated for the model and carries values of that column's Rust
//! type, so a filter on a column that does not exist, or with a value of the wrong type, does not compile.
//! Values are always bound as parameters.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::value::Value;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A filter's tree, without its model type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FilterNode {
    /// `column <op> value`.
    Compare {
        /// The column's name.
        column: &'static str,
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Value,
    },
    /// `column IN (values)`, or `NOT IN` when `negated`.
    In {
        /// The column's name.
        column: &'static str,
        /// The values (an empty list matches nothing, or everything when negated).
        values: Vec<Value>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `column IS NULL`, or `IS NOT NULL` when `negated`.
    IsNull {
        /// The column's name.
        column: &'static str,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// The JSON value at `path` in a JSON column, compared with `value` (a number, a string or a boolean):
    /// true when the value there has the comparison's JSON type and compares so; NULL (neither it nor its
    /// negation matches) when the path is missing, holds JSON null, or holds another type.
    JsonCompare {
        /// The JSON column's name.
        column: &'static str,
        /// The path, e.g. `$.lang` (checked against [`JsonPath`]'s grammar before anything is sent).
        path: String,
        /// The operator.
        op: CmpOp,
        /// The value: [`Value::Int`] or [`Value::F64`] (a JSON number), [`Value::Text`] (a JSON string) or
        /// [`Value::Bool`].
        value: Value,
    },
    /// Whether `path` exists in the JSON column (JSON null there counts; a NULL column has no path).
    JsonExists {
        /// The JSON column's name.
        column: &'static str,
        /// The path.
        path: String,
    },
    /// All of these.
    And(Vec<FilterNode>),
    /// Any of these.
    Or(Vec<FilterNode>),
    /// Not this.
    Not(Box<FilterNode>),
}

/// A condition on the scalar columns of model `M`. Combine with `&`, `|` and `!`.
///
/// Built from the typed column handles in `M::FIELDS`, so a missing column or a value of the wrong type does
/// not compile; values are always bound, never written into the SQL.
///
/// ```
/// use tidb_vector_core::{Backend, Param, Value, VectorModel};
/// # #[derive(VectorModel)] struct Document { year: i32, lang: String, note: Option<String>, #[vector(dimensions = 3)] embedding: Vec<f32> }
///
/// let f = Document::FIELDS;
/// let statement = Document::search(&[1.0, 2.0, 3.0])
///     .filter(f.year.ge(2020) & (f.lang.is_in(["en", "de"]) | f.note.is_null()))
///     .exact()
///     .statement(Backend::TiDb)?;
/// assert!(statement.sql.contains("(`year` >= ? AND (`lang` IN (?, ?) OR `note` IS NULL))"));
/// assert!(statement.params.contains(&Param::Filter { column: "lang", value: Value::Text("de".into()) }));
/// # Ok::<(), tidb_vector_core::Error>(())
/// ```
pub struct Filter<M> {
    pub(crate) node: FilterNode,
    model: PhantomData<fn() -> M>,
}

impl<M> Filter<M> {
    fn new(node: FilterNode) -> Self {
        Filter {
            node,
            model: PhantomData,
        }
    }

    /// `filter`, combined with `AND` with `earlier` when there is one (a builder's second `.filter`).
    pub(crate) fn after(earlier: Option<Self>, filter: Self) -> Self {
        match earlier {
            Some(earlier) => earlier & filter,
            None => filter,
        }
    }

    /// The filter's tree.
    pub(crate) fn node(&self) -> &FilterNode {
        &self.node
    }

    /// Both this and `other`.
    pub fn and(self, other: Filter<M>) -> Filter<M> {
        self & other
    }

    /// This or `other`.
    pub fn or(self, other: Filter<M>) -> Filter<M> {
        self | other
    }
}

impl<M> Clone for Filter<M> {
    fn clone(&self) -> Self {
        Filter::new(self.node.clone())
    }
}

impl<M> fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

impl<M> PartialEq for Filter<M> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

/// `a AND b` or `a OR b`, flattening nested lists of the same kind.
fn combine(a: FilterNode, b: FilterNode, and: bool) -> FilterNode {
    let wrap = |parts| {
        if and {
            FilterNode::And(parts)
        } else {
            FilterNode::Or(parts)
        }
    };
    let split = |node| match (node, and) {
        (FilterNode::And(parts), true) | (FilterNode::Or(parts), false) => parts,
        (other, _) => vec![other],
    };
    let mut parts = split(a);
    parts.extend(split(b));
    wrap(parts)
}

impl<M> BitAnd for Filter<M> {
    type Output = Filter<M>;
    fn bitand(self, rhs: Filter<M>) -> Filter<M> {
        Filter::new(combine(self.node, rhs.node, true))
    }
}

impl<M> BitOr for Filter<M> {
    type Output = Filter<M>;
    fn bitor(self, rhs: Filter<M>) -> Filter<M> {
        Filter::new(combine(self.node, rhs.node, false))
    }
}

impl<M> Not for Filter<M> {
    type Output = Filter<M>;
    fn not(self) -> Filter<M> {
        Filter::new(FilterNode::Not(Box::new(self.node)))
    }
}

/// A scalar column of model `M` whose values are `V`; the derive generates one per scalar field, reached
/// through `M::FIELDS`.
pub struct Col<M, V> {
    name: &'static str,
    types: PhantomData<fn() -> (M, V)>,
}

impl<M, V> Clone for Col<M, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, V> Copy for Col<M, V> {}

impl<M, V> fmt::Debug for Col<M, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Col({})", self.name)
    }
}

impl<M, V> Col<M, V> {
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        Col {
            name,
            types: PhantomData,
        }
    }

    /// The column's name.
    pub fn name(self) -> &'static str {
        self.name
    }
}

/// Comparisons, for the columns whose values compare alike on every backend (not JSON).
impl<M, V: Into<Value>> Col<M, V> {
    fn compare(self, op: CmpOp, value: impl Into<V>) -> Filter<M> {
        Filter::new(FilterNode::Compare {
            column: self.name,
            op,
            value: value.into().into(),
        })
    }

    /// `column = value`.
    pub fn eq(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Eq, value)
    }

    /// `column <> value`.
    pub fn ne(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Ne, value)
    }

    /// `column < value`.
    pub fn lt(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Lt, value)
    }

    /// `column <= value`.
    pub fn le(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Le, value)
    }

    /// `column > value`.
    pub fn gt(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Gt, value)
    }

    /// `column >= value`.
    pub fn ge(self, value: impl Into<V>) -> Filter<M> {
        self.compare(CmpOp::Ge, value)
    }

    fn membership<I>(self, values: I, negated: bool) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<V>,
    {
        Filter::new(FilterNode::In {
            column: self.name,
            values: values.into_iter().map(|v| v.into().into()).collect(),
            negated,
        })
    }

    /// `column IN (values)`; an empty list matches no row.
    pub fn is_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<V>,
    {
        self.membership(values, false)
    }

    /// `column NOT IN (values)`; an empty list matches every row.
    pub fn not_in<I>(self, values: I) -> Filter<M>
    where
        I: IntoIterator,
        I::Item: Into<V>,
    {
        self.membership(values, true)
    }

    /// `column IS NULL`.
    pub fn is_null(self) -> Filter<M> {
        Filter::new(FilterNode::IsNull {
            column: self.name,
            negated: false,
        })
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Filter<M> {
        Filter::new(FilterNode::IsNull {
            column: self.name,
            negated: true,
        })
    }
}

/// A path into a JSON column of model `M`, from [`Col::path`]: `f.meta.path("$.lang").eq("en")`.
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
impl<M> Col<M, serde_json::Value> {
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

/// A vector field of model `M` whose values are `E` (its type without `Option`); the derive generates one
/// per vector field, reached through `M::FIELDS`, for [`VectorModel::search_on`](crate::VectorModel::search_on): a query vector that does
/// not fit `E` does not compile.
pub struct VectorField<M, E> {
    column: usize,
    name: &'static str,
    types: PhantomData<fn() -> (M, E)>,
}

impl<M, E> Clone for VectorField<M, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, E> Copy for VectorField<M, E> {}

impl<M, E> fmt::Debug for VectorField<M, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VectorField({})", self.name)
    }
}

impl<M, E> VectorField<M, E> {
    #[doc(hidden)]
    pub const fn new(column: usize, name: &'static str) -> Self {
        VectorField {
            column,
            name,
            types: PhantomData,
        }
    }

    /// The column's name.
    pub fn name(self) -> &'static str {
        self.name
    }

    pub(crate) fn column(self) -> usize {
        self.column
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct M;
    const YEAR: Col<M, i32> = Col::new("year");
    const LANG: Col<M, String> = Col::new("lang");

    #[test]
    fn operators_flatten_and_or() {
        let f = YEAR.ge(2020) & LANG.eq("en") & YEAR.lt(2025);
        let FilterNode::And(parts) = f.node() else {
            panic!("{f:?}")
        };
        assert_eq!(parts.len(), 3);
        let g = YEAR.eq(1) | YEAR.eq(2) | LANG.is_null();
        assert!(matches!(g.node(), FilterNode::Or(parts) if parts.len() == 3));
        assert!(matches!((!g).node(), FilterNode::Not(_)));
    }

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

    #[test]
    fn values_keep_their_types() {
        assert_eq!(
            YEAR.is_in([1, 2]).node,
            FilterNode::In {
                column: "year",
                values: vec![Value::Int(1), Value::Int(2)],
                negated: false
            }
        );
        assert_eq!(
            LANG.ne("x").node,
            FilterNode::Compare {
                column: "lang",
                op: CmpOp::Ne,
                value: Value::Text("x".into())
            }
        );
    }
}
