use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
#[vector(tabel = "docs")]
struct Document {
    #[vector(renme = "body")]
    content: String,
    #[vector(dimensions = 0, index = "l1")]
    embedding: Vec<f32>,
}

fn main() {}
