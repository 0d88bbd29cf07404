use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    title_embedding: Vec<f32>,
    #[vector(dimensions = 2)]
    image_embedding: [f32; 2],
}

fn main() {
    let _ = Document::search_on(Document::FIELDS.image_embedding, &[0.5f32, 0.5, 0.5]);
}
