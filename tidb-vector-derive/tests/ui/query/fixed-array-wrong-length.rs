use tidb_vector_core::{Db, VectorModel};

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    embedding: [f32; 3],
}

async fn search(db: &Db) {
    let _ = Document::nearest_by_cosine(db, &[1.0, 2.0, 3.0, 4.0], 3).await;
}

fn main() {
    let _ = search;
}
