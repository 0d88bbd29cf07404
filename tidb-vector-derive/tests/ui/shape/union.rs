use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
union Document {
    a: u32,
    b: f32,
}

fn main() {}
