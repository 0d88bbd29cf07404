//! The sample web app over real HTTP: the server runs on a free port and is talked to with an HTTP client,
//! for every endpoint and error case, on each backend of the suite.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tidb_vector_core::{Db, Metric, VectorModel};
use tidb_vector_examples::web_app;
use tidb_vector_tests::{Target, TestDb, distance, report, scenarios};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

scenarios!(
    tutorial_flow_over_http,
    bad_requests_get_400_with_a_reason,
    server_errors_get_500_without_details,
    page_is_served_and_shutdown_is_clean,
    the_app_as_the_internet_sees_it,
    an_unavailable_database_is_a_logged_503,
    searches_from_text_with_an_embedder,
);

struct Server {
    base: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Box<dyn std::error::Error + Send + Sync>>>,
}

impl Server {
    async fn start(db: Db) -> Server {
        Server::start_app(web_app::App::new(db), web_app::Limits::default()).await
    }

    async fn start_with(db: Db, limits: web_app::Limits) -> Server {
        Server::start_app(web_app::App::new(db), limits).await
    }

    async fn start_app(app: web_app::App, limits: web_app::Limits) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            stopped.await.ok();
        };
        let task = tokio::spawn(web_app::serve_with(listener, app, shutdown, limits));
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
    // Hybrid: fish is first by distance and the only text match (rank 1 in both lists: 2/61), dog and
    // tree follow by distance alone (1/62, 1/63). A TiDB without full-text search answers 501.
    let (status, hybrid) = server.get("/get_hybrid_search_documents").await;
    if status == StatusCode::NOT_IMPLEMENTED {
        assert!(
            matches!(target, Target::TiDbOnMariaDb | Target::TiDb),
            "{target:?}: {hybrid}"
        );
        assert!(
            hybrid["error"]
                .as_str()
                .unwrap()
                .contains("TiDB Cloud Starter"),
            "{hybrid}"
        );
    } else {
        assert_eq!(status, StatusCode::OK, "{hybrid}");
        let rows = hybrid.as_array().unwrap();
        let names: Vec<&str> = rows
            .iter()
            .map(|d| d["content"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["fish", "dog", "tree"]);
        let scores: Vec<f64> = rows.iter().map(|d| d["score"].as_f64().unwrap()).collect();
        for (score, expected) in scores.iter().zip([2.0 / 61.0, 1.0 / 62.0, 1.0 / 63.0]) {
            assert!((score - expected).abs() < 1e-12, "{hybrid}");
        }
        assert!(rows[0]["text_score"].as_f64().unwrap() > 0.0);
        assert!(rows[1].get("text_score").is_none(), "{hybrid}");
        assert!((rows[0]["distance"].as_f64().unwrap() - 0.008539866016332498).abs() < 1e-6);
    }

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
            // The library's check of the f32 it was given; serde_json refuses the number itself when its
            // `float_roundtrip` feature is on (rig-core turns it on in this workspace's test build).
            "only finite numbers|number out of range",
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
            reason.split('|').any(|reason| error.contains(reason)),
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
    // Without an embedder: the text-only search box stays hidden, and its endpoint says what is missing.
    assert!(html.contains(r#"<section id="semantic" hidden>"#), "{html}");
    let (status, body) = server.get("/get_semantic_search_documents?text=dog").await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("MODEL_DIR"),
        "{body}"
    );
    let base = server.base.clone();
    server.stop().await;
    let after = reqwest::Client::new()
        .get(format!("{base}/documents"))
        .send()
        .await;
    assert!(after.is_err(), "the server still answers after shutdown");
    t.finish().await;
}

/// Opens `n` connections that send part of a request's headers (or nothing) and stall.
async fn stalled_connections(
    address: &str,
    n: usize,
    partial: &[u8],
) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(partial).await.unwrap();
        streams.push(stream);
    }
    streams
}

/// How many of `streams` the server has closed (reading reaches end of file, or fails, at once).
async fn closed(streams: &mut [tokio::net::TcpStream]) -> usize {
    use tokio::io::AsyncReadExt;
    let mut closed = 0;
    for stream in streams {
        let mut buffer = [0u8; 512];
        loop {
            let read =
                tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buffer)).await;
            match read {
                Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
                Ok(Ok(_)) => continue, // an answer before closing
                Err(_) => {}           // still open
            }
            break;
        }
    }
    closed
}

async fn the_app_as_the_internet_sees_it(target: Target) {
    use tokio::io::AsyncWriteExt;
    let t = TestDb::open(target).await;
    let limits = web_app::Limits::default()
        .with_timeouts(
            Duration::from_secs(1),
            Duration::from_secs(5),
            Duration::from_secs(2),
        )
        .with_max_connections(64);
    let server = Server::start_with(t.db.clone(), limits).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    let url = format!("{}/insert_documents", server.base);
    let one = r#"[{"content": "x", "embedding": [1, 2, 3]}]"#;
    let status =
        |request: reqwest::RequestBuilder| async move { request.send().await.unwrap().status() };
    let post = || server.client.post(&url);

    // Another site's page can make a browser send these without asking: none may write.
    let refused = [
        status(post().header("content-type", "text/plain").body(one)).await,
        status(
            post()
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "http://evil.example"),
        )
        .await,
        status(
            post()
                .header("content-type", "application/json")
                .header("origin", "http://evil.example")
                .body(one),
        )
        .await,
        status(
            post()
                .header("content-type", "application/json")
                .header("sec-fetch-site", "cross-site")
                .body(one),
        )
        .await,
        status(post().body(one)).await,
    ];
    assert_eq!(
        refused.map(|s| s.as_u16()),
        [415, 415, 403, 403, 415],
        "cross-site and non-JSON writes"
    );
    assert_eq!(
        web_app::Document::count(&t.db).await.unwrap(),
        0,
        "nothing written"
    );
    let same_origin = format!("http://{address}");
    let accepted = status(
        post()
            .header("content-type", "application/json")
            .header("origin", same_origin)
            .body(one),
    )
    .await;
    assert_eq!(accepted, StatusCode::OK);

    // A vector that cannot be compared is the caller's mistake.
    let (long, body) = server
        .post(
            "/insert_documents",
            r#"[{"content": "big", "embedding": [1e20, 1, 1]}]"#,
        )
        .await;
    assert_eq!(long, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("length"), "{body}");

    // A body past the limit (2 MiB by default) is 413 with a reason, and nothing of it is stored.
    let before = web_app::Document::count(&t.db).await.unwrap();
    let rows: Vec<String> = (0..60_000)
        .map(|i| format!(r#"{{"content": "c{i}", "embedding": [1, {i}, 3]}}"#))
        .collect();
    let too_large = format!("[{}]", rows.join(","));
    assert!(too_large.len() > 2 << 20);
    let (refused_large, body) = server.post("/insert_documents", &too_large).await;
    assert_eq!(refused_large, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["error"].as_str().unwrap().contains("larger"), "{body}");
    assert_eq!(web_app::Document::count(&t.db).await.unwrap(), before);

    // Clients that hang up midway through a large upload, or before reading the answer.
    let many: Vec<String> = (0..4000)
        .map(|i| format!(r#"{{"content": "c{i}", "embedding": [1, {i}, 3]}}"#))
        .collect();
    let upload = format!("[{}]", many.join(","));
    for i in 0..30 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST /insert_documents HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            upload.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let sent = if i % 2 == 0 {
            upload.len() / 2
        } else {
            upload.len()
        };
        stream.write_all(&upload.as_bytes()[..sent]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(i % 7)).await;
        drop(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status_after, listed) = server.get("/documents").await;
    assert_eq!(status_after, StatusCode::OK, "{listed}");
    let stored = web_app::Document::count(&t.db).await.unwrap();
    assert_eq!((stored - 1) % 4000, 0, "whole uploads only: {stored}");
    let (nearest, _) = server
        .get("/get_nearest_neighbors_documents?vector=[1,2,3]&k=3")
        .await;
    assert_eq!(nearest, StatusCode::OK);

    // Half-sent requests are closed after the header timeout; connections past the limit wait.
    let mut stalled =
        stalled_connections(&address, 100, b"GET /documents HTTP/1.1\r\nHost: x\r\n").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let closed_half_sent = closed(&mut stalled).await;
    assert_eq!(
        closed_half_sent, 100,
        "half-sent requests closed after the header timeout"
    );
    let (served, _) = server.get("/documents").await;
    assert_eq!(served, StatusCode::OK);

    // Shutdown with stalled connections open ends within its deadline.
    let _stalled = stalled_connections(&address, 60, b"POST /insert_documents HTTP/1.1\r\n").await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(6), server.stop())
        .await
        .expect("shutdown ends within its deadline");
    let shutdown = started.elapsed();
    report(
        "the sample app over HTTP: cross-site and non-JSON writes, 1e20 vectors, hang-ups, stalled clients, shutdown",
        target,
        "415/403 and nothing written; 400; 413 past 2 MiB; whole uploads only, then served; half-sent closed; stop within the deadline",
        &format!(
            "refused {:?}; 1e20: {long}; {} KiB: {refused_large}; after 30 hang-ups {stored} rows, GET 200; {closed_half_sent}/100 half-sent closed \
             after 1 s header timeout; stop took {} ms with 60 stalled",
            refused.map(|s| s.as_u16()),
            too_large.len() >> 10,
            shutdown.as_millis()
        ),
    );
    t.finish().await;
}

/// The database stops answering under the running app: every request gets a 503 that says so and is
/// logged, whether the pool's wait for a connection or the request's own deadline runs out first.
async fn an_unavailable_database_is_a_logged_503(target: Target) {
    let t = TestDb::open(target).await;
    let log = tidb_vector_tests::Captured::default();
    let _capture = log.install();
    // Which runs out first: the request deadline (1 s) before the pool's 3 s wait for a connection to a
    // host that no longer answers, then the other way round.
    let mut seen = Vec::new();
    for request_timeout in [Duration::from_secs(1), Duration::from_secs(10)] {
        let proxy;
        let db = match t.mysql() {
            Some(_) => {
                proxy = Some(tidb_vector_tests::proxy::Proxy::start(t.server_address()).await);
                t.db_through(proxy.as_ref().unwrap(), 2).await
            }
            None => {
                proxy = None;
                t.db.clone()
            }
        };
        let limits = web_app::Limits::default().with_timeouts(
            Duration::from_secs(10),
            request_timeout,
            Duration::from_secs(5),
        );
        let server = Server::start_with(db.clone(), limits).await;
        let (status, _) = server.get("/documents").await;
        assert_eq!(status, StatusCode::OK);
        // Gone: the server behind the proxy answers nothing, or (SQLite) the pool is closed.
        match &proxy {
            Some(proxy) => proxy.go_silent(),
            None => db.close().await,
        }
        log.take();
        let started = std::time::Instant::now();
        let (status, body) = server
            .get("/get_nearest_neighbors_documents?vector=[1,2,3]&k=3")
            .await;
        let waited = started.elapsed();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("unavailable"),
            "{body}"
        );
        let logged = log.take();
        assert!(
            logged.contains("ERROR")
                && (logged.contains("request to /") || logged.contains("request failed (503")),
            "logged: {logged}"
        );
        seen.push(format!(
            "{status} after {} ms ({})",
            waited.as_millis(),
            if logged.contains("request to /") {
                "request deadline"
            } else {
                "the pool's wait"
            }
        ));
        server.stop().await;
        if t.mysql().is_none() {
            break;
        }
    }
    report(
        "the sample app when its database stops answering (silent behind a proxy; SQLite: pool closed)",
        target,
        "503 saying the database is unavailable, logged, whichever deadline runs out first",
        &seen.join("; "),
    );
    t.finish().await;
}

/// The test's embedder: a bag of words hashed into the app's 384 dimensions (FNV-1a of each lowercase word).
fn bag_of_words(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0_f32; 384];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let hash = word
            .to_lowercase()
            .bytes()
            .fold(0xcbf29ce484222325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
            });
        vector[(hash % 384) as usize] += 1.0;
    }
    vector
}

/// With an embedder the app embeds each document's text on insert and searches from text alone: the hits
/// are the brute-force nearest texts; the page shows the search box; a failing embedder stores nothing
/// (502); an empty text is 400.
async fn searches_from_text_with_an_embedder(target: Target) {
    use tidb_vector_core::embed::{self, BoxEmbedder};

    let t = TestDb::open(target).await;
    let embedder = embed::from_fn(384, |texts: Vec<String>| async move {
        Ok::<_, std::io::Error>(texts.iter().map(|t| bag_of_words(t)).collect())
    });
    let app = web_app::App::new(t.db.clone()).with_embedder(BoxEmbedder::new(embedder));
    let server = Server::start_app(app, web_app::Limits::default()).await;
    // A second server on the same database whose embedder fails (both run until the end: stopping one
    // closes the database they share).
    let failing = embed::from_fn(384, |_: Vec<String>| async move {
        Err::<Vec<Vec<f32>>, _>(std::io::Error::other("the model is not loaded"))
    });
    let app = web_app::App::new(t.db.clone()).with_embedder(BoxEmbedder::new(failing));
    let failing_server = Server::start_app(app, web_app::Limits::default()).await;
    let texts = [
        "a small dog plays",
        "a fish swims",
        "tall tree",
        "dog food",
        "the fish market",
    ];
    let body: Vec<Value> = texts
        .iter()
        .map(|t| json!({ "content": t, "embedding": [1.0, 2.0, 3.0] }))
        .collect();
    assert_eq!(
        server
            .post("/insert_documents", &Value::from(body).to_string())
            .await,
        (StatusCode::OK, json!({ "inserted": 5 }))
    );
    let stored = web_app::Document::list(&t.db, 10).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|(_, d)| d.text_embedding.as_deref() == Some(&bag_of_words(&d.content)[..])),
        "every stored text has its embedding"
    );

    for (query, k) in [("dog", 2), ("fish swims", 1), ("a fish", 3)] {
        let mut expected: Vec<(&str, f64)> = texts
            .iter()
            .map(|t| {
                (
                    *t,
                    distance(Metric::Cosine, &bag_of_words(query), &bag_of_words(t)),
                )
            })
            .collect();
        expected.sort_by(|a, b| a.1.total_cmp(&b.1));
        // The cut must not fall between equal distances, or two answers would be right.
        assert!(expected[k - 1].1 < expected[k].1, "{query}: {expected:?}");
        let path = format!(
            "/get_semantic_search_documents?text={}&k={k}",
            query.replace(' ', "%20")
        );
        let (status, hits) = server.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{query}: {hits}");
        assert_hits(&hits, &expected[..k]);
        report(
            "web app: search from text",
            target,
            &format!("{query:?}, k = {k}: the brute-force nearest texts"),
            &format!("{:?}", contents_and_distances(&hits)),
        );
    }
    let (status, body) = server.get("/get_semantic_search_documents?text=%20").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let html = server
        .client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<section id="semantic">"#),
        "the search box is shown"
    );

    // A failing embedder: 502, and the documents are not stored.
    let (status, body) = failing_server
        .post(
            "/insert_documents",
            r#"[{"content": "cat", "embedding": [1, 2, 1.5]}]"#,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(web_app::Document::count(&t.db).await.unwrap(), 5);
    let (status, body) = failing_server
        .get("/get_semantic_search_documents?text=dog")
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    report(
        "web app: a failing embedder",
        target,
        "502 on insert and search; nothing stored",
        &format!(
            "{status}; {} rows",
            web_app::Document::count(&t.db).await.unwrap()
        ),
    );
    failing_server.stop().await;
    server.stop().await;
    t.finish().await;
}
