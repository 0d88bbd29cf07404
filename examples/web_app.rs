//! TiDB's Django sample app, served from Rust with axum: three JSON endpoints and a small page.
//!
//! | route | does |
//! |---|---|
//! | `POST /insert_documents` | stores a JSON array of `{"content": ..., "embedding": [...]}`; an empty body stores the tutorial's three documents (dog, fish, tree), as the Django app does |
//! | `GET /get_nearest_neighbors_documents?vector=[1,2,3]&k=3` | the `k` documents nearest to `vector` by cosine distance (defaults: `[1,2,3]`, 3) |
//! | `GET /get_documents_within_distance?vector=[1,2,3]&threshold=0.2` | the documents closer than `threshold` (defaults: `[1,2,3]`, 0.2), at most 100 |
//! | `GET /get_hybrid_search_documents?vector=[1,2,3]&text=fish&k=3` | hybrid search: the `k` best by reciprocal rank fusion of the cosine ranking and the full-text ranking of `text` (defaults: `[1,2,3]`, `fish`, 3); 501 where the database has no full-text search (TiDB other than TiDB Cloud Starter) |
//! | `GET /get_semantic_search_documents?text=a%20pet&k=3` | the `k` documents whose text is nearest in meaning to `text` (defaults: 3), by the app's embedder; 501 when it has none |
//! | `GET /documents` | every stored document (at most 1,000) |
//! | `GET /` | a page that lists the documents and runs the searches from forms (a text-only search box too when the app has an embedder) |
//!
//! With an embedder ([`App::with_embedder`]; the `web` example loads a local sentence-transformers model
//! when started with `MODEL_DIR` and the `local-embeddings` feature), every insert also embeds each
//! document's text into `text_embedding` (384 dimensions, all-MiniLM-L6-v2's), and searches can start from
//! text alone.
//!
//! Bad requests (wrong dimensions, malformed JSON or vector text, a missing field, a bad number, a vector too
//! long to compare) get 400 with `{"error": "..."}` saying what was wrong; database failures get 500 with a
//! generic message and the server's error code, never connection details.
//!
//! As the internet sees it: writes need `Content-Type: application/json` (415 otherwise) and a same-origin
//! request (403 for a cross-site `Origin` or `Sec-Fetch-Site`), so no other web site can make a browser
//! write here; a client has [`Limits::header_read_timeout`] to send its headers and
//! [`Limits::request_timeout`] for the whole request; a body larger than [`Limits::max_body_bytes`] gets
//! 413; at most [`Limits::max_connections`] are served at once (more wait in the listen queue); shutdown
//! lets requests in flight finish for at most [`Limits::shutdown_deadline`].
//!
//! It is served with `axum::serve` and its graceful shutdown; the connection limit and the header deadline
//! live in the listener given to it (`limits.rs`: axum's `serve` has no setting for either), the body
//! limit and the request deadline in the router's layers.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRef, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tidb_vector_core::embed::BoxEmbedder;
use tidb_vector_core::{Db, Error, ErrorClass, Hit, HybridHit, Metric, Vector, VectorModel};

mod limits;

use limits::LimitedListener;
pub use limits::Limits;

/// The tutorial's document: some text and its 3-dimensional embedding.
#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "documents")]
pub struct Document {
    /// The text, with a full-text index for hybrid search.
    #[vector(fulltext)]
    pub content: String,
    /// Its embedding.
    #[vector(dimensions = 3)]
    pub embedding: Vec<f32>,
    /// The text's embedding by the app's embedder (384 dimensions, as all-MiniLM-L6-v2's), filled on insert
    /// when the app has one, for searches from text alone; `None` otherwise.
    #[vector(dimensions = 384, source = "content")]
    pub text_embedding: Option<Vec<f32>>,
}

/// What the app serves: its database and, when it has one, the embedder of searches from text.
#[derive(Clone, Debug)]
pub struct App {
    db: Db,
    embedder: Option<BoxEmbedder>,
}

impl App {
    /// The app on `db`, without an embedder.
    pub fn new(db: Db) -> Self {
        App { db, embedder: None }
    }

    /// With `embedder` (of 384 dimensions): inserts embed each document's text, and the page gets a
    /// text-only search box.
    pub fn with_embedder(mut self, embedder: BoxEmbedder) -> Self {
        self.embedder = Some(embedder);
        self
    }
}

impl FromRef<App> for Db {
    fn from_ref(app: &App) -> Db {
        app.db.clone()
    }
}

/// A document as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentJson {
    /// The key (ignored on insert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The text.
    pub content: String,
    /// The embedding.
    pub embedding: Vec<f32>,
    /// The distance to the query, in search results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
    /// The full-text score, in hybrid search results when the text search found the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_score: Option<f64>,
    /// The fused score, in hybrid search results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The router, with its database and the request guards.
pub fn router(db: Db) -> Router {
    router_with(App::new(db), &Limits::default())
}

fn router_with(app: App, limits: &Limits) -> Router {
    let request_timeout = limits.request_timeout;
    Router::new()
        .route("/", get(page))
        .route("/documents", get(list_documents))
        .route("/insert_documents", post(insert_documents))
        .route("/get_nearest_neighbors_documents", get(nearest_neighbors))
        .route("/get_documents_within_distance", get(within_distance))
        .route("/get_hybrid_search_documents", get(hybrid_search))
        .route("/get_semantic_search_documents", get(semantic_search))
        .layer(middleware::from_fn(same_origin_json_writes))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            within(request_timeout, request, next)
        }))
        .with_state(app)
}

/// Creates the table if needed and serves the app on `listener` until `shutdown` completes, with the
/// default [`Limits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    serve_with(listener, App::new(db), shutdown, Limits::default()).await
}

/// Like [`serve`], for an [`App`] (with an embedder, say) and chosen [`Limits`].
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let db = app.db.clone();
    Document::create_table(&db).await?;
    let app = router_with(app, &limits);
    // axum's graceful shutdown waits for every connection; the deadline below bounds that wait.
    let (stopping, stopped) = tokio::sync::oneshot::channel();
    let signal = async move {
        shutdown.await;
        let _ = stopping.send(());
    };
    let server = axum::serve(LimitedListener::new(listener, &limits), app)
        .with_graceful_shutdown(signal)
        .into_future();
    let deadline = async {
        match stopped.await {
            Ok(()) => tokio::time::sleep(limits.shutdown_deadline).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = server => served?,
        () = deadline => tracing::warn!(
            "shutdown: requests still running after {:?} were dropped",
            limits.shutdown_deadline
        ),
    }
    db.close().await;
    Ok(())
}

/// Runs a request with a deadline: a logged 503 when it passes, as when the database fails to answer
/// (a database that went away is met either way, by this deadline or by the pool's wait for a connection:
/// the client gets the same answer). Dropping a request midway is safe: the library's operations are
/// cancel-safe.
async fn within(timeout: Duration, request: Request, next: Next) -> Response {
    let route = request.uri().path().to_owned();
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("request to {route} timed out after {timeout:?}");
            ApiError::unavailable(format!(
                "the request took longer than {timeout:?}; the database may be unavailable, try again later"
            ))
            .into_response()
        }
    }
}

/// Writes only from this site's own pages or from non-browser clients, and only as JSON: a browser sends a
/// cross-site form or `text/plain` POST without asking first, so such a request must not write anything.
async fn same_origin_json_writes(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let json = text(header::CONTENT_TYPE.as_str()).is_some_and(|t| {
        let essence = t.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json")
    });
    if !json {
        let mut error = ApiError::bad_request("send the body with Content-Type: application/json");
        error.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return error.into_response();
    }
    let cross_site =
        text("sec-fetch-site").is_some_and(|site| site != "same-origin" && site != "none");
    let foreign_origin = text(header::ORIGIN.as_str()).is_some_and(|origin| {
        let host = origin
            .split_once("://")
            .map(|(_, host)| host)
            .unwrap_or_default();
        Some(host) != text(header::HOST.as_str())
    });
    if cross_site || foreign_origin {
        let mut error = ApiError::bad_request("cross-origin writes are refused");
        error.status = StatusCode::FORBIDDEN;
        return error.into_response();
    }
    next.run(request).await
}

/// An error response, by the error's [`ErrorClass`]: 400 for the caller's mistakes, 409 for a duplicate
/// key, 501 for what this server cannot do, 502 when the embedder fails, 503 when the database is
/// unavailable (no connection, a lost one, a transient refusal, a request past its deadline), 500 for the
/// server's other failures.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    code: Option<u32>,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            code: None,
        }
    }

    fn unavailable(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
            code: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let status = match error.class() {
            ErrorClass::Input => return ApiError::bad_request(error.to_string()),
            ErrorClass::Conflict => StatusCode::CONFLICT,
            ErrorClass::Unsupported => StatusCode::NOT_IMPLEMENTED,
            ErrorClass::Transient | ErrorClass::InDoubt => StatusCode::SERVICE_UNAVAILABLE,
            ErrorClass::External => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // The details (which may name hosts or users) go to the log; the client gets what it can act on.
        tracing::error!("request failed ({status}): {error}");
        let message = match status {
            StatusCode::CONFLICT => "a document with this key already exists".to_owned(),
            StatusCode::NOT_IMPLEMENTED => error.to_string(),
            StatusCode::SERVICE_UNAVAILABLE => {
                "the database is unavailable; try again later".to_owned()
            }
            StatusCode::BAD_GATEWAY => "the embedder failed; see the server's log".to_owned(),
            _ => "the database failed to answer; see the server's log".to_owned(),
        };
        ApiError {
            status,
            message,
            code: error.server_code().map(|(number, _)| number),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::bad_request(format!("invalid JSON body: {}", rejection.body_text()))
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message:
                    "the body is larger than this server accepts; send fewer documents at once"
                        .to_owned(),
                code: None,
            };
        }
        ApiError::bad_request(format!("unreadable body: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!("invalid query string: {}", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(code) = self.code {
            body["code"] = code.into();
        }
        (self.status, Json(body)).into_response()
    }
}

/// A new document, its text's embedding left for the app's embedder.
fn document(content: String, embedding: Vec<f32>) -> Document {
    Document {
        content,
        embedding,
        text_embedding: None,
    }
}

fn to_json(id: i64, document: Document, distance: Option<f64>) -> DocumentJson {
    DocumentJson {
        id: Some(id),
        content: document.content,
        embedding: document.embedding,
        distance,
        text_score: None,
        score: None,
    }
}

fn hits_to_json(hits: Vec<Hit<Document>>) -> Json<Vec<DocumentJson>> {
    Json(
        hits.into_iter()
            .map(|hit| to_json(hit.key, hit.record, Some(hit.distance)))
            .collect(),
    )
}

async fn list_documents(State(db): State<Db>) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let documents = Document::list(&db, 1000).await?;
    Ok(Json(
        documents
            .into_iter()
            .map(|(id, document)| to_json(id, document, None))
            .collect(),
    ))
}

/// Inserts a JSON array of documents, all or none (their texts embedded first when the app has an
/// embedder); an empty body inserts the tutorial's three.
async fn insert_documents(
    State(App { db, embedder }): State<App>,
    body: Result<axum::body::Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = body?;
    let documents: Vec<Document> = if body.iter().all(u8::is_ascii_whitespace) {
        [
            ("dog", [1.0, 2.0, 1.0]),
            ("fish", [1.0, 2.0, 4.0]),
            ("tree", [1.0, 0.0, 0.0]),
        ]
        .into_iter()
        .map(|(content, embedding)| document(content.to_owned(), embedding.to_vec()))
        .collect()
    } else {
        let parsed: Vec<DocumentJson> = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
        parsed
            .into_iter()
            .map(|d| document(d.content, d.embedding))
            .collect()
    };
    let inserted = match &embedder {
        Some(embedder) => Document::insert_many_embedded(&db, embedder, documents).await?,
        None => Document::insert_many(&db, &documents).await?,
    };
    Ok(Json(serde_json::json!({ "inserted": inserted })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NearestParams {
    vector: Option<String>,
    k: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithinParams {
    vector: Option<String>,
    threshold: Option<f64>,
}

/// The `vector` parameter (`[1,2,3]`, TiDB's text form), or the tutorial's query.
fn query_vector(text: Option<&str>) -> Result<Vector, ApiError> {
    match text {
        None => Ok(Vector::from(vec![1.0, 2.0, 3.0])),
        Some(text) => text
            .parse::<Vector>()
            .map_err(|e| ApiError::bad_request(format!("`vector` is not a vector: {e}"))),
    }
}

async fn nearest_neighbors(
    State(db): State<Db>,
    params: Result<Query<NearestParams>, QueryRejection>,
) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let Query(params) = params?;
    let query = query_vector(params.vector.as_deref())?;
    let k = params.k.unwrap_or(3);
    if !(1..=1000).contains(&k) {
        return Err(ApiError::bad_request(format!(
            "`k` is {k}; ask for 1 to 1000 documents"
        )));
    }
    Ok(hits_to_json(
        Document::nearest_by_cosine(&db, &query, k).await?,
    ))
}

async fn within_distance(
    State(db): State<Db>,
    params: Result<Query<WithinParams>, QueryRejection>,
) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let Query(params) = params?;
    let query = query_vector(params.vector.as_deref())?;
    let threshold = params.threshold.unwrap_or(0.2);
    let hits = Document::within_distance(&db, Metric::Cosine, &query, threshold, 100).await?;
    Ok(hits_to_json(hits))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HybridParams {
    vector: Option<String>,
    text: Option<String>,
    k: Option<usize>,
}

async fn hybrid_search(
    State(db): State<Db>,
    params: Result<Query<HybridParams>, QueryRejection>,
) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let Query(params) = params?;
    let query = query_vector(params.vector.as_deref())?;
    let text = params.text.unwrap_or_else(|| "fish".to_owned());
    let k = params.k.unwrap_or(3);
    if !(1..=100).contains(&k) {
        return Err(ApiError::bad_request(format!(
            "`k` is {k}; ask for 1 to 100 documents"
        )));
    }
    let hits: Vec<HybridHit<Document>> = Document::search_hybrid(&query, text)
        .limit(k)
        .fetch(&db)
        .await?;
    Ok(Json(
        hits.into_iter()
            .map(|hit| DocumentJson {
                text_score: hit.text_score,
                score: Some(hit.score),
                ..to_json(hit.key, hit.record, hit.distance)
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SemanticParams {
    text: String,
    k: Option<usize>,
}

async fn semantic_search(
    State(App { db, embedder }): State<App>,
    params: Result<Query<SemanticParams>, QueryRejection>,
) -> Result<Json<Vec<DocumentJson>>, ApiError> {
    let Some(embedder) = embedder else {
        return Err(ApiError {
            status: StatusCode::NOT_IMPLEMENTED,
            message: "this server has no embedder: start it with MODEL_DIR set to a sentence-transformers \
                      model's directory (and the `local-embeddings` feature) to search from text"
                .to_owned(),
            code: None,
        });
    };
    let Query(params) = params?;
    let k = params.k.unwrap_or(3);
    if !(1..=100).contains(&k) {
        return Err(ApiError::bad_request(format!(
            "`k` is {k}; ask for 1 to 100 documents"
        )));
    }
    if params.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "`text` is empty; say what to look for",
        ));
    }
    let hits = Document::search_semantic(&embedder, params.text)
        .limit(k)
        .fetch(&db)
        .await?;
    Ok(hits_to_json(hits))
}

/// The page; its text-only search box is shown when the app has an embedder.
async fn page(State(app): State<App>) -> Html<String> {
    let page = match app.embedder {
        Some(_) => PAGE.replace(SEMANTIC_HIDDEN, SEMANTIC_SHOWN),
        None => PAGE.to_owned(),
    };
    Html(page)
}

/// The page's text-only search box, as written (hidden) and as served with an embedder.
const SEMANTIC_HIDDEN: &str = r#"<section id="semantic" hidden>"#;
const SEMANTIC_SHOWN: &str = r#"<section id="semantic">"#;

/// The page: documents in a table, a form for each search; both searches run once with the tutorial's
/// defaults when the page loads.
const PAGE: &str = include_str!("web_app.html");
