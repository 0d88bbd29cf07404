use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
#[vector(tabel = "docs")]
struct Document {
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
