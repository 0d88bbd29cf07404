//! The reference workflow of TiDB's vector search tutorial, in Rust.
//!
//! Stores three documents with 3-dimensional embeddings (dog, fish, tree), then finds the 3 nearest to
//! `[1, 2, 3]` by cosine distance, and those closer than 0.2.
//!
//! With nothing configured it runs on embedded SQLite. Set `TIDB_HOST` (and `TIDB_PORT`, `TIDB_USERNAME`,
//! `TIDB_PASSWORD`, `TIDB_DATABASE`, `TIDB_CA_PATH`), or `DATABASE_URL`, in the environment or a `.env`
//! file to run it on TiDB or MariaDB. It uses its own table, `tidb_vector_quickstart`, and recreates it on
//! every run.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use tidb_vector_core::{Db, Metric, VectorModel};

/// A document and its embedding.
#[derive(Debug, VectorModel)]
#[vector(table = "tidb_vector_quickstart")]
struct Document {
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::from_env().await?;
    println!("Connected to {}.", db.backend());

    Document::drop_table(&db).await?;
    Document::create_table(&db).await?;
    let inserted = Document::insert_many(
        &db,
        [
            ("dog", [1.0, 2.0, 1.0]),
            ("fish", [1.0, 2.0, 4.0]),
            ("tree", [1.0, 0.0, 0.0]),
        ]
        .map(|(content, embedding)| Document {
            content: content.to_owned(),
            embedding: embedding.to_vec(),
        }),
    )
    .await?;
    println!("Inserted {inserted} documents.");

    let query = [1.0, 2.0, 3.0];
    println!("\nThe 3 documents nearest to {query:?} by cosine distance:");
    for hit in Document::nearest_by_cosine(&db, &query, 3).await? {
        println!("  {:<5} {:.6}", hit.record.content, hit.distance);
    }

    println!("\nDocuments with cosine distance < 0.2 to {query:?}:");
    for hit in Document::within_distance(&db, Metric::Cosine, &query, 0.2, 10).await? {
        println!("  {:<5} {:.6}", hit.record.content, hit.distance);
    }
    db.close().await;
    Ok(())
}
