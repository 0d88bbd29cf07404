//! TiDB's Django sample app, served from Rust: see `web_app.rs` for the routes.
//!
//! ```text
//! cargo run --example web        # http://127.0.0.1:8000/ on embedded SQLite
//! ```
//!
//! Connects like the quickstart (`TIDB_*`, `DATABASE_URL`, or embedded SQLite when neither is set) and
//! listens on `BIND` (default `127.0.0.1:8000`). Ctrl-C or SIGTERM stops it after in-flight requests.

use tidb_vector_core::Db;
use tidb_vector_examples::web_app;

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
    web_app::serve(listener, db, shutdown_signal()).await?;
    println!("Stopped.");
    Ok(())
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
