use tidb_vector_core::{Db, VectorModel};

#[derive(VectorModel)]
struct Document {
    content: String,
    #[vector(dimensions = 0)]
    embedding: Vec<f32>,
}

async fn use_it(db: &Db) -> tidb_vector_core::Result<()> {
    Document::create_table(db).await?;
    Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] }.insert(db).await?;
    let hits = Document::nearest_by_cosine(db, &[1.0, 2.0, 3.0], 3).await?;
    println!("{}", hits[0].record.content);
    Ok(())
}

fn main() {
    let _ = use_it;
}
