use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    meta: serde_json::Value,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {
    // Booleans compare for equality only: `eq(true)` compiles, `lt(true)` does not.
    let _ = Document::FIELDS.meta.path("$.draft").eq(true);
    let _ = Document::FIELDS.meta.path("$.draft").lt(true);
}
