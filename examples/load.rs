//! A large load with a progress bar: `VectorModel::load` commits in batches, reports each, and when it
//! stops says how many rows are stored, so that it resumes exactly there.
//!
//! Loads `ROWS` generated rows (default 200,000) of 384-dimension embeddings into its own table,
//! `tidb_vector_load_example`, recreated on every run. Runs on embedded SQLite unless a server is
//! configured, as the quickstart does (`TIDB_HOST`... or `DATABASE_URL`, also from a `.env` file).
//!
//! ```text
//! cargo run --release --example load -- 1000000
//! ```

use indicatif::{ProgressBar, ProgressStyle};
use tidb_vector_core::{Db, Error, VectorModel};

/// A chunk of a document and its embedding.
#[derive(Debug, VectorModel)]
#[vector(table = "tidb_vector_load_example")]
struct Chunk {
    id: i64,
    text: String,
    #[vector(dimensions = 384)]
    embedding: Vec<f32>,
}

/// The input: made up here; in an application, read from a file or an embedding service as it goes.
fn chunks(rows: u64) -> impl Iterator<Item = Chunk> + Send {
    (1..=rows as i64).map(|id| Chunk {
        id,
        text: format!("chunk {id}"),
        embedding: (0..384)
            .map(|i| ((id * 384 + i) as f32 * 0.001).sin())
            .collect(),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: u64 = match std::env::args().nth(1) {
        Some(rows) => rows.parse().map_err(|_| "usage: load [ROWS]")?,
        None => 200_000,
    };
    let db = Db::from_env().await?;
    println!("Connected to {}; loading {rows} rows.", db.backend());
    Chunk::drop_table(&db).await?;
    Chunk::create_table(&db).await?;

    let bar = ProgressBar::new(rows).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} rows, {per_sec}, {eta} left",
    )?);
    let mut stored = 0;
    loop {
        // Resume after the rows already stored, if an earlier round stopped.
        let outcome = Chunk::load(&db, chunks(rows).skip(stored as usize))
            .on_progress(|p| bar.set_position(stored + p.rows))
            .await;
        match outcome {
            Ok(done) => {
                stored += done.rows;
                break;
            }
            Err(error @ Error::Load { .. }) => {
                // Rows went in before the error: go on after them (a commit whose answer was lost is
                // settled by reading the table). A real program would also give up after a few rounds.
                let committed = error.rows_stored(&db).await?;
                if committed == 0 {
                    return Err(error.into());
                }
                bar.println(format!("stopped after {committed} rows: {error}; resuming"));
                stored += committed;
            }
            Err(error) => return Err(error.into()),
        }
    }
    bar.finish();
    println!(
        "{stored} rows stored; {} in the table.",
        Chunk::count(&db).await?
    );
    Ok(())
}
