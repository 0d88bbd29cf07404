// A sqlx MySQL transaction passed as it is: the error says to wrap it in `Conn`.
use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

async fn store(tx: &mut sqlx::Transaction<'_, sqlx::MySql>, doc: Document) {
    let _ = doc.insert(&mut **tx).await;
}

fn main() {
    let _ = store;
}
