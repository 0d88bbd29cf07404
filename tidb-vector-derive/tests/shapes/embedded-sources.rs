//! Vectors filled from text: `Vec<f32>` from a `String`, an optional array from an optional text, and
//! a second vector without a source.
use tidb_vector_core::{Vector, VectorModel};

#[derive(VectorModel)]
struct Page {
    title: String,
    summary: Option<String>,
    #[vector(dimensions = 3, source = "title")]
    title_embedding: Vec<f32>,
    #[vector(dimensions = 2, source = "summary")]
    summary_embedding: Option<[f32; 2]>,
    #[vector(dimensions = 2, source = "title")]
    short: Option<Vector>,
    #[vector(dimensions = 4)]
    image: Vec<f32>,
}

pub(crate) fn check() {
    // Columns: the hidden `id` (0), `title` (1), `summary` (2), then the vectors.
    assert_eq!(Page::__SOURCES, &[(3, 1), (4, 2), (5, 1)]);
}
