//! Typed filters on a model's scalar columns: `Document::FIELDS.year.ge(2020) & Document::FIELDS.lang.eq("en")`.
//!
//! A filter names a column the derive generated for the model and carries values of that column's Rust
//! type, so a filter on a column that does not exist, or with a value of the wrong type, does not compile.
//! Values are always bound as parameters.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::value::Value;

mod json;

pub(crate) use json::check_json_path;
pub use json::{JsonOrdered, JsonPath, JsonScalar};

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
