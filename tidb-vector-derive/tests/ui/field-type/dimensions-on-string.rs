use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    content: String,
}

fn main() {}
