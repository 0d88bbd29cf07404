use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(key, max_length = 64, auto_increment = true)]
    slug: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
