use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(rename = "Content")]
    summary: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
