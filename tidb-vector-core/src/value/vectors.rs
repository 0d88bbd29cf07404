//! The types of vector fields, and the query vectors each accepts.

use super::NotOption;
use crate::vector::Vector;

/// A Rust type that can hold a model's vector field: `Vec<f32>`, `[f32; N]`, [`Vector`], and `Option` of
/// each (a nullable column).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a vector",
    label = "not a vector type",
    note = "a vector field is Vec<f32>, [f32; N], tidb_vector_core::Vector, or Option of one of them"
)]
pub trait VectorColumn: Sized {
    /// The vector type without `Option`: what queries against this field take.
    type Embedding;
    /// Whether the column accepts NULL.
    const NULLABLE: bool = false;
    /// The values, or `None` for NULL.
    fn floats(&self) -> Option<&[f32]>;
    /// Builds the field from values read back (already checked against the column's dimensions).
    #[doc(hidden)]
    fn from_floats(values: Option<Vec<f32>>) -> Result<Self, String>;
}

const NULL_VECTOR: &str = "NULL in a vector column whose field is not an Option";

impl VectorColumn for Vec<f32> {
    type Embedding = Vec<f32>;
    fn floats(&self) -> Option<&[f32]> {
        Some(self)
    }
    fn from_floats(values: Option<Vec<f32>>) -> Result<Self, String> {
        values.ok_or_else(|| NULL_VECTOR.to_owned())
    }
}

impl VectorColumn for Vector {
    type Embedding = Vector;
    fn floats(&self) -> Option<&[f32]> {
        Some(self.as_slice())
    }
    fn from_floats(values: Option<Vec<f32>>) -> Result<Self, String> {
        values
            .map(Vector::from)
            .ok_or_else(|| NULL_VECTOR.to_owned())
    }
}

impl<const N: usize> VectorColumn for [f32; N] {
    type Embedding = [f32; N];
    fn floats(&self) -> Option<&[f32]> {
        Some(self)
    }
    fn from_floats(values: Option<Vec<f32>>) -> Result<Self, String> {
        let values = values.ok_or_else(|| NULL_VECTOR.to_owned())?;
        let len = values.len();
        values
            .try_into()
            .map_err(|_| format!("expected {N} values, got {len}"))
    }
}

impl<T: VectorColumn + NotOption> VectorColumn for Option<T> {
    type Embedding = T::Embedding;
    const NULLABLE: bool = true;
    fn floats(&self) -> Option<&[f32]> {
        self.as_ref().and_then(T::floats)
    }
    fn from_floats(values: Option<Vec<f32>>) -> Result<Self, String> {
        values.map(|v| T::from_floats(Some(v))).transpose()
    }
}

/// A query vector accepted for a model whose vector field is `E`.
///
/// A model with a `Vec<f32>` or [`Vector`] field accepts any of `[f32]`, `[f32; N]`, `Vec<f32>` and
/// `Vector` (the length is checked at run time). A model with an `[f32; N]` field accepts only `[f32; N]` of
/// the same `N`, so a query of the wrong length does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query vector for a model whose vector field is `{E}`",
    label = "wrong query vector type",
    note = "a model with an `[f32; N]` vector field takes `&[f32; N]` queries of the same N"
)]
pub trait QueryVector<E> {
    /// The query's values.
    fn query_floats(&self) -> &[f32];
}

macro_rules! query_vector_for_dynamic {
    ($($embedding:ty),*) => {$(
        impl QueryVector<$embedding> for [f32] {
            fn query_floats(&self) -> &[f32] { self }
        }
        impl<const N: usize> QueryVector<$embedding> for [f32; N] {
            fn query_floats(&self) -> &[f32] { self }
        }
        impl QueryVector<$embedding> for Vec<f32> {
            fn query_floats(&self) -> &[f32] { self }
        }
        impl QueryVector<$embedding> for Vector {
            fn query_floats(&self) -> &[f32] { self.as_slice() }
        }
    )*};
}
query_vector_for_dynamic!(Vec<f32>, Vector);

impl<const N: usize> QueryVector<[f32; N]> for [f32; N] {
    fn query_floats(&self) -> &[f32] {
        self
    }
}

/// Whether a vector field was left empty for an embedder to fill: NULL (`None`) or no values.
#[doc(hidden)]
pub fn vector_is_empty<T: VectorColumn>(vector: &T) -> bool {
    vector.floats().is_none_or(<[f32]>::is_empty)
}

/// The text field a vector's `source` names: `String` or `Option<String>`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`source` names a text field, and `{Self}` is not one",
    label = "not String or Option<String>"
)]
pub trait SourceText {
    /// The text, or `None` when there is none to embed.
    fn source_text(&self) -> Option<&str>;
}

impl SourceText for String {
    fn source_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl SourceText for Option<String> {
    fn source_text(&self) -> Option<&str> {
        self.as_deref()
    }
}
