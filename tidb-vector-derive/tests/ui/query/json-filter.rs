use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    meta: serde_json::Value,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {
    let _ = Document::FIELDS.meta.eq(serde_json::json!({"a": 1}));
}
