use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    title: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {
    let _ = Document::search_on(Document::FIELDS.title, &[0.5f32, 0.5, 0.5]);
}
