use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
}

fn main() {}
