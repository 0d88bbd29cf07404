use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
#[vector(fulltext)]
struct Document {
    body: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
