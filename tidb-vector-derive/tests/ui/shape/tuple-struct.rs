use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document(String, Vec<f32>);

fn main() {}
