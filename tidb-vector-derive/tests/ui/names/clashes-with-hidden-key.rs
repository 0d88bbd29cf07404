use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(rename = "id")]
    external_id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
