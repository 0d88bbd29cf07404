//! A domain struct as it is: a UUID key, timestamps, bytes, and two embeddings (title and image), each with
//! its own size and vector index, searched one at a time and checked against the live table.
//!
//! Runs on embedded SQLite unless a server is configured, as the quickstart does. (A second `index` would be
//! refused on MariaDB, which builds one vector index a table; TiDB builds both.)
//!
//! ```text
//! cargo run --example domain
//! ```

use chrono::{DateTime, SubsecRound, Utc};
use tidb_vector_core::{Backend, Db, Error, Metric, VectorModel};
use uuid::Uuid;

/// An article of a news site.
#[derive(Debug, Clone, VectorModel)]
#[vector(table = "tidb_vector_domain_articles")]
struct Article {
    #[vector(key)]
    id: Uuid,
    #[vector(max_length = 200)]
    title: String,
    published: DateTime<Utc>,
    thumbnail: Vec<u8>,
    #[vector(dimensions = 4, index = "cosine")]
    title_embedding: Vec<f32>,
    #[vector(dimensions = 3)]
    image_embedding: [f32; 3],
    /// Filled in by the application, never stored.
    #[vector(skip)]
    score: Option<f64>,
}

fn article(n: u128, title: &str, title_embedding: [f32; 4], image_embedding: [f32; 3]) -> Article {
    Article {
        id: Uuid::from_u128(n),
        title: title.into(),
        // The servers keep microseconds: round before storing.
        published: Utc::now().trunc_subsecs(6),
        thumbnail: vec![0x89, b'P', b'N', b'G'],
        title_embedding: title_embedding.to_vec(),
        image_embedding,
        score: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::from_env().await?;
    println!("Connected to {}.", db.backend());
    Article::drop_table(&db).await?;
    Article::create_table(&db).await?;
    // The statements for a migration file, should a team keep its schema there.
    println!("TiDB DDL: {}", Article::ddl(Backend::TiDb)?[0]);

    let articles = [
        article(
            1,
            "Dogs at the beach",
            [1.0, 2.0, 1.0, 0.0],
            [0.9, 0.1, 0.0],
        ),
        article(2, "Fish of the reef", [1.0, 2.0, 4.0, 0.0], [0.1, 0.9, 0.2]),
        article(3, "Old trees", [1.0, 0.0, 0.0, 1.0], [0.0, 0.2, 0.9]),
    ];
    Article::insert_many(&db, &articles).await?;

    let f = Article::FIELDS;
    println!("By title, nearest to [1, 2, 3, 0]:");
    for hit in Article::search_on(f.title_embedding, &[1.0, 2.0, 3.0, 0.0])
        .limit(3)
        .fetch(&db)
        .await?
    {
        println!(
            "  {:<20} {:.6}  {}",
            hit.record.title, hit.distance, hit.key
        );
    }
    println!("By image, nearest to [0, 0.3, 1] (L2), published in the last hour:");
    // Filter values are checked as stored ones are: microseconds at most.
    let hour_ago = (Utc::now() - chrono::Duration::hours(1)).trunc_subsecs(6);
    for hit in Article::search_on(f.image_embedding, &[0.0, 0.3, 1.0])
        .metric(Metric::L2)
        .filter(f.published.ge(hour_ago))
        .limit(2)
        .fetch(&db)
        .await?
    {
        let mut record = hit.record;
        record.score = Some(1.0 / (1.0 + hit.distance));
        println!(
            "  {:<20} {:.6}  score {:.3}, thumbnail {} bytes",
            record.title,
            hit.distance,
            record.score.unwrap_or_default(),
            record.thumbnail.len()
        );
    }

    // A model that drifted from its table is told apart before it returns wrong answers.
    match Article::check_table(&db).await {
        Ok(()) => println!("The table matches the model."),
        Err(Error::SchemaMismatch(mismatch)) => println!("{mismatch}"),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
