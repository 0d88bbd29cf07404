//! The sample web app over real HTTP: the server runs on a free port and is talked to with an HTTP client,
//! for every endpoint and error case, on each backend of the suite.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tidb_vector_core::{Db, VectorModel};
use tidb_vector_examples::web_app;
use tidb_vector_tests::{Target, TestDb, scenarios};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

scenarios!(
    tutorial_flow_over_http,
    bad_requests_get_400_with_a_reason,
    server_errors_get_500_without_details,
    page_is_served_and_shutdown_is_clean,
);

struct Server {
    base: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Box<dyn std::error::Error + Send + Sync>>>,
}

impl Server {
    async fn start(db: Db) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(web_app::serve(listener, db, async {
            stopped.await.ok();
        }));
        Server {
            base,
            client: reqwest::Client::new(),
            stop: Some(stop),
            task,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn post(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

fn contents_and_distances(hits: &Value) -> Vec<(String, f64)> {
    hits.as_array()
        .expect("a JSON array")
        .iter()
        .map(|h| {
            (
                h["content"].as_str().unwrap().to_owned(),
                h["distance"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn assert_hits(hits: &Value, expected: &[(&str, f64)]) {
    let got = contents_and_distances(hits);
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((name, distance), (want_name, want)) in got.iter().zip(expected) {
        assert_eq!(name, want_name, "{got:?}");
        assert!(
            (distance - want).abs() < 1e-5,
            "{name}: {distance} vs {want}"
        );
    }
}

async fn tutorial_flow_over_http(target: Target) {
    let t = TestDb::open(target).await;
    let server = Server::start(t.db.clone()).await;

    assert_eq!(
        server.post("/insert_documents", "").await,
        (StatusCode::OK, json!({ "inserted": 3 }))
    );
    let (status, nearest) = server.get("/get_nearest_neighbors_documents").await;
    assert_eq!(status, StatusCode::OK);
    assert_hits(
        &nearest,
        &[
            ("fish", 0.008539866016332498),
            ("dog", 0.12712843905603044),
            ("tree", 0.7327387580875756),
        ],
    );
    assert_eq!(nearest[0]["embedding"], json!([1.0, 2.0, 4.0]));
    let (status, within) = server.get("/get_documents_within_distance").await;
    assert_eq!(status, StatusCode::OK);
    assert_hits(
        &within,
        &[("fish", 0.008539866016332498), ("dog", 0.12712843905603044)],
    );

    let body = r#"[{"content": "cat", "embedding": [1, 2, 1.5]}, {"content": "rock", "embedding": [0, 0, 1]}]"#;
    assert_eq!(
        server.post("/insert_documents", body).await,
        (StatusCode::OK, json!({ "inserted": 2 }))
    );
    let (_, documents) = server.get("/documents").await;
    let names: Vec<&str> = documents
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["content"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dog", "fish", "tree", "cat", "rock"]);

    let (status, one) = server
        .get("/get_nearest_neighbors_documents?vector=%5B0,0,1%5D&k=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_hits(&one, &[("rock", 0.0)]);
    let (status, close) = server
        .get("/get_documents_within_distance?vector=[1,2,1]&threshold=0.01")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_hits(&close, &[("dog", 0.0)]);
    server.stop().await;
    t.finish().await;
}

async fn bad_requests_get_400_with_a_reason(target: Target) {
    let t = TestDb::open(target).await;
    let server = Server::start(t.db.clone()).await;
    server.post("/insert_documents", "").await;

    let cases: [(&str, &str, Option<&str>, &str); 12] = [
        (
            "POST",
            "/insert_documents",
            Some(r#"[{"content": "x", "embedding": [1, 2]}]"#),
            "2 dimensions",
        ),
        (
            "POST",
            "/insert_documents",
            Some(r#"[{"content": "x", "embedding": [1, 2, 3]"#),
            "invalid JSON body",
        ),
        (
            "POST",
            "/insert_documents",
            Some(r#"[{"content": "x"}]"#),
            "missing field `embedding`",
        ),
        (
            "POST",
            "/insert_documents",
            Some(r#"[{"content": "x", "embedding": [1, 2, 1e39]}]"#),
            "only finite numbers",
        ),
        (
            "POST",
            "/insert_documents",
            Some(
                r#"[{"content": "ok", "embedding": [1, 2, 3]}, {"content": "x", "embedding": []}]"#,
            ),
            "0 dimensions",
        ),
        (
            "GET",
            "/get_nearest_neighbors_documents?vector=[1,2]",
            None,
            "2 dimensions",
        ),
        (
            "GET",
            "/get_nearest_neighbors_documents?vector=[NaN,1,2]",
            None,
            "`vector` is not a vector",
        ),
        (
            "GET",
            "/get_nearest_neighbors_documents?vector=[0,0,0]",
            None,
            "zero query vector",
        ),
        (
            "GET",
            "/get_nearest_neighbors_documents?k=three",
            None,
            "invalid query string",
        ),
        (
            "GET",
            "/get_nearest_neighbors_documents?k=0",
            None,
            "`k` is 0",
        ),
        (
            "GET",
            "/get_documents_within_distance?threshold=",
            None,
            "invalid query string",
        ),
        (
            "GET",
            "/get_documents_within_distance?treshold=0.5",
            None,
            "unknown field `treshold`",
        ),
    ];
    for (method, path, body, reason) in cases {
        let (status, json) = match body {
            Some(body) => server.post(path, body).await,
            None => server.get(path).await,
        };
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path} {body:?}: {json}"
        );
        let error = json["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(reason),
            "{method} {path}: {error:?} should say {reason:?}"
        );
    }
    let (_, documents) = server.get("/documents").await;
    assert_eq!(
        documents.as_array().unwrap().len(),
        3,
        "no bad request stored anything"
    );
    server.stop().await;
    t.finish().await;
}

async fn server_errors_get_500_without_details(target: Target) {
    let t = TestDb::open(target).await;
    let server = Server::start(t.db.clone()).await;
    server.post("/insert_documents", "").await;
    // The table disappears under the running server.
    web_app::Document::drop_table(&t.db).await.unwrap();
    let response = server
        .client
        .get(format!("{}/get_nearest_neighbors_documents", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    let json: Value = serde_json::from_str(&body).unwrap();
    assert!(
        json["error"].as_str().unwrap().contains("database failed"),
        "{body}"
    );
    if target.is_mariadb() {
        assert_eq!(
            json["code"], 1146,
            "MariaDB's 'table does not exist': {body}"
        );
    }
    let url = std::env::var(tidb_vector_tests::MARIADB_URL).unwrap_or_default();
    for secret in ["tidbvec", "documents", "SELECT", url.as_str()] {
        assert!(
            secret.is_empty() || !body.contains(secret),
            "{secret:?} leaked: {body}"
        );
    }
    server.stop().await;
    t.finish().await;
}

async fn page_is_served_and_shutdown_is_clean(target: Target) {
    let t = TestDb::open(target).await;
    let server = Server::start(t.db.clone()).await;
    let response = server
        .client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    for part in [
        "id=\"documents\"",
        "id=\"nearest-form\"",
        "id=\"within-form\"",
        "/get_documents_within_distance",
    ] {
        assert!(html.contains(part), "{part} missing from the page");
    }
    let base = server.base.clone();
    server.stop().await;
    let after = reqwest::Client::new()
        .get(format!("{base}/documents"))
        .send()
        .await;
    assert!(after.is_err(), "the server still answers after shutdown");
    t.finish().await;
}
