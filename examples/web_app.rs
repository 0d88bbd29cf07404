//! TiDB's Django sample app, served from Rust with axum: three JSON endpoints and a small page.
//!
//! | route | does |
//! |---|---|
//! | `POST /insert_documents` | stores a JSON array of `{"content": ..., "embedding": [...]}`; an empty body stores the tutorial's three documents (dog, fish, tree), as the Django app does |
//! | `GET /get_nearest_neighbors_documents?vector=[1,2,3]&k=3` | the `k` documents nearest to `vector` by cosine distance (defaults: `[1,2,3]`, 3) |
//! | `GET /get_documents_within_distance?vector=[1,2,3]&threshold=0.2` | the documents closer than `threshold` (defaults: `[1,2,3]`, 0.2), at most 100 |
//! | `GET /documents` | every stored document (at most 1,000) |
//! | `GET /` | a page that lists the documents and runs both searches from a form |
//!
//! Bad requests (wrong dimensions, malformed JSON or vector text, a missing field, a bad number) get 400 with
//! `{"error": "..."}` saying what was wrong; database failures get 500 with a generic message and the
//! server's error code, never connection details.

use std::future::Future;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tidb_vector_core::{Db, Error, Hit, Metric, Vector, VectorModel};

/// The tutorial's document: some text and its 3-dimensional embedding.
#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "documents")]
pub struct Document {
    /// The text.
    pub content: String,
    /// Its embedding.
    #[vector(dimensions = 3)]
    pub embedding: Vec<f32>,
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
}

/// The router, with its database.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/documents", get(list_documents))
        .route("/insert_documents", post(insert_documents))
        .route("/get_nearest_neighbors_documents", get(nearest_neighbors))
        .route("/get_documents_within_distance", get(within_distance))
        .with_state(db)
}

/// Creates the table if needed and serves the app on `listener` until `shutdown` completes; in-flight
/// requests finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Document::create_table(&db).await?;
    axum::serve(listener, router(db.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    db.close().await;
    Ok(())
}

/// An error response: 400 for the caller's mistakes, 500 for the server's.
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
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Dimensions { .. }
            | Error::NonFinite { .. }
            | Error::TooManyDimensions { .. }
            | Error::ZeroQueryVector
            | Error::VectorText(_)
            | Error::InvalidArgument(_) => ApiError::bad_request(error.to_string()),
            other => {
                // The details (which may name hosts or users) go to the log, not to the client.
                eprintln!("request failed: {other}");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "the database failed to answer; see the server's log".to_owned(),
                    code: other.server_code().map(|(number, _)| number),
                }
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::bad_request(format!("invalid JSON body: {}", rejection.body_text()))
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

fn to_json(id: i64, document: Document, distance: Option<f64>) -> DocumentJson {
    DocumentJson {
        id: Some(id),
        content: document.content,
        embedding: document.embedding,
        distance,
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

/// Inserts a JSON array of documents, all or none; an empty body inserts the tutorial's three.
async fn insert_documents(
    State(db): State<Db>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let documents: Vec<Document> = if body.iter().all(u8::is_ascii_whitespace) {
        [
            ("dog", [1.0, 2.0, 1.0]),
            ("fish", [1.0, 2.0, 4.0]),
            ("tree", [1.0, 0.0, 0.0]),
        ]
        .into_iter()
        .map(|(content, embedding)| Document {
            content: content.to_owned(),
            embedding: embedding.to_vec(),
        })
        .collect()
    } else {
        let parsed: Vec<DocumentJson> = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
        parsed
            .into_iter()
            .map(|d| Document {
                content: d.content,
                embedding: d.embedding,
            })
            .collect()
    };
    let inserted = Document::insert_many(&db, &documents).await?;
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

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// The page: documents in a table, a form for each search; both searches run once with the tutorial's
/// defaults when the page loads.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tidb-vector: documents</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 52rem; color: #1d2330; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.6rem; }
  table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
  th, td { border-bottom: 1px solid #dde; padding: .3rem .6rem; text-align: left; }
  form { display: flex; gap: .6rem; align-items: end; flex-wrap: wrap; }
  label { display: flex; flex-direction: column; font-size: .85rem; }
  input { font: inherit; padding: .25rem .4rem; }
  .error { color: #b00020; }
</style>
</head>
<body>
<h1>Documents</h1>
<table id="documents"><thead><tr><th>id</th><th>content</th><th>embedding</th></tr></thead><tbody></tbody></table>

<h2>Nearest neighbours (cosine)</h2>
<form id="nearest-form">
  <label>vector <input name="vector" value="[1,2,3]"></label>
  <label>k <input name="k" type="number" min="1" value="3"></label>
  <button>Search</button>
</form>
<table id="nearest"><thead><tr><th>content</th><th>distance</th></tr></thead><tbody></tbody></table>
<p class="error" id="nearest-error"></p>

<h2>Within a distance (cosine)</h2>
<form id="within-form">
  <label>vector <input name="vector" value="[1,2,3]"></label>
  <label>threshold <input name="threshold" type="number" step="any" value="0.2"></label>
  <button>Search</button>
</form>
<table id="within"><thead><tr><th>content</th><th>distance</th></tr></thead><tbody></tbody></table>
<p class="error" id="within-error"></p>

<script>
function fill(id, rows, cells) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren(...rows.map(row => {
    const tr = document.createElement('tr');
    for (const text of cells(row)) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}
async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}
async function loadDocuments() {
  const docs = await getJson('/documents');
  fill('documents', docs, d => [d.id, d.content, JSON.stringify(d.embedding)]);
}
async function search(kind, url) {
  const error = document.getElementById(kind + '-error');
  error.textContent = '';
  try {
    const hits = await getJson(url);
    fill(kind, hits, h => [h.content, h.distance.toFixed(6)]);
  } catch (e) {
    fill(kind, [], () => []);
    error.textContent = e.message;
  }
}
function bind(kind, path) {
  const form = document.getElementById(kind + '-form');
  const run = () => search(kind, path + '?' + new URLSearchParams(new FormData(form)));
  form.addEventListener('submit', event => { event.preventDefault(); run(); });
  return run;
}
const runNearest = bind('nearest', '/get_nearest_neighbors_documents');
const runWithin = bind('within', '/get_documents_within_distance');
loadDocuments().then(runNearest).then(runWithin);
</script>
</body>
</html>
"#;
