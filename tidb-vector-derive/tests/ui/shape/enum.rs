use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
enum Document {
    Text(String),
}

fn main() {}
