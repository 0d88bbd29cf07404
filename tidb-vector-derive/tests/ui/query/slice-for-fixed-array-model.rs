use tidb_vector_core::{Db, VectorModel};

#[derive(VectorModel)]
struct Document {
    #[vector(dimensions = 3)]
    embedding: [f32; 3],
}

async fn search(db: &Db, query: Vec<f32>) {
    let _ = Document::nearest_by_l2(db, &query, 3).await;
}

fn main() {
    let _ = search;
}
