//! Nothing lost, nothing leaked: operations dropped at any point, identifiers that name no column, inputs at
//! the limits. Each scenario asserts its outcome and prints a `RELIABILITY` record of what it measured;
//! `.ci/reliability` collects them into RELIABILITY.md.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tidb_vector_core::{Config, Db, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, report_for, scenarios};

scenarios!(
    dropped_operations_lose_nothing_and_leak_nothing,
    a_filter_on_a_missing_column_never_matches,
);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Doc {
    id: i64,
    content: String,
    #[vector(dimensions = 64)]
    embedding: Vec<f32>,
}

fn doc(id: i64) -> Doc {
    Doc {
        id,
        content: format!("row {id}"),
        embedding: (0..64).map(|i| (id as f32 + i as f32).sin()).collect(),
    }
}

/// A handle on the test's database whose pool has one connection: a leaked connection blocks everything.
async fn pool_of_one(t: &TestDb) -> Db {
    match t.target {
        // The embedded database's pool has one connection already.
        Target::Sqlite => t.db.clone(),
        _ => Db::from_mysql_pool(t.pool(1).await, t.target.backend()).unwrap(),
    }
}

/// Where an operation is dropped: after `n` polls (the first microseconds), or after a time.
#[derive(Clone, Copy, Debug)]
enum DropPoint {
    Polls(usize),
    After(Duration),
}

/// Runs `operation` until `point`, then drops it. Returns whether it had finished first.
async fn run_until<F: Future>(operation: F, point: DropPoint) -> bool {
    match point {
        DropPoint::Polls(polls) => {
            let mut operation = pin!(operation);
            for _ in 0..polls {
                let polled =
                    std::future::poll_fn(|cx| Poll::Ready(operation.as_mut().poll(cx))).await;
                if polled.is_ready() {
                    return true;
                }
                tokio::task::yield_now().await;
            }
            false
        }
        DropPoint::After(time) => tokio::time::timeout(time, operation).await.is_ok(),
    }
}

fn drop_points() -> Vec<DropPoint> {
    let mut points: Vec<DropPoint> = (1..=12).map(DropPoint::Polls).collect();
    points.extend(
        [1, 2, 5, 10, 20, 40, 80, 160]
            .into_iter()
            .map(|ms| DropPoint::After(Duration::from_millis(ms))),
    );
    points
}

/// The next operation must get the connection promptly and see a consistent table.
async fn count_promptly(db: &Db, what: &str, point: DropPoint) -> u64 {
    tokio::time::timeout(Duration::from_secs(20), Doc::count(db))
        .await
        .unwrap_or_else(|_| {
            panic!("after dropping {what} at {point:?}, count waited 20 s: a leaked connection")
        })
        .unwrap_or_else(|e| panic!("after dropping {what} at {point:?}: {e}"))
}

async fn dropped_operations_lose_nothing_and_leak_nothing(target: Target) {
    let t = TestDb::open(target).await;
    let db = pool_of_one(&t).await;
    Doc::create_table(&db).await.unwrap();
    Doc::insert_many(&db, (1..=3).map(doc)).await.unwrap();
    let mut expected = 3;
    let mut next_id = 100;
    let (mut drops, mut finished) = (0, 0);
    let bulk = 20_000; // 64-dimension rows: several multi-MiB statements
    let query = doc(1).embedding;
    for point in drop_points() {
        // A bulk insert: all rows or none.
        let first = next_id;
        next_id += bulk;
        let rows = (first..first + bulk).map(doc);
        finished += usize::from(run_until(Doc::insert_many(&db, rows), point).await);
        drops += 1;
        let count = count_promptly(&db, "insert_many", point).await;
        assert!(
            count == expected || count == expected + bulk as u64,
            "after dropping insert_many at {point:?}: {count} rows, expected {expected} or {}",
            expected + bulk as u64
        );
        expected = count;

        // One row.
        let row = doc(next_id);
        next_id += 1;
        finished += usize::from(run_until(row.insert(&db), point).await);
        let count = count_promptly(&db, "insert", point).await;
        assert!(
            count == expected || count == expected + 1,
            "{count} rows after insert"
        );
        expected = count;

        // A search, a count and the (idempotent) create_table.
        finished += usize::from(run_until(Doc::nearest_by_l2(&db, &query, 5), point).await);
        finished += usize::from(run_until(Doc::count(&db), point).await);
        finished += usize::from(run_until(Doc::create_table(&db), point).await);
        drops += 4;
        assert_eq!(count_promptly(&db, "a search", point).await, expected);
    }
    // Everything still works on the same handle, and closing it returns.
    let hits = Doc::nearest_by_l2(&db, &query, 1).await.unwrap();
    assert_eq!(hits[0].key, 1, "the first stored row is still there");
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), db.close())
        .await
        .expect("close() returns after dropped operations");
    report(
        "operations dropped at 20 points (1-12 polls, 1-160 ms) on a pool of one",
        target,
        "no row lost or half-written; next call served at once; close() returns",
        &format!(
            "{drops} operations dropped ({finished} had finished first); {expected} rows, consistent; \
             close() took {} ms",
            started.elapsed().as_millis()
        ),
    );
    t.finish().await;
}

/// The `docs` table as an older version of the program created it: no `year` column.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct OldDoc {
    id: i64,
    content: String,
    #[vector(dimensions = 64)]
    embedding: Vec<f32>,
}

/// The model after a field was added, over that table.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct NewDoc {
    id: i64,
    content: String,
    year: i32,
    #[vector(dimensions = 64)]
    embedding: Vec<f32>,
}

async fn a_filter_on_a_missing_column_never_matches(target: Target) {
    let t = TestDb::open(target).await;
    OldDoc::create_table(&t.db).await.unwrap();
    let rows = (1..=10).map(|id| {
        let Doc {
            id,
            content,
            embedding,
        } = doc(id);
        OldDoc {
            id,
            content,
            embedding,
        }
    });
    OldDoc::insert_many(&t.db, rows).await.unwrap();
    let year = NewDoc::FIELDS.year;
    let deleted = NewDoc::delete_where(&t.db, year.gt(2000)).await;
    let counted = NewDoc::count_where(&t.db, year.gt(2000)).await;
    let searched = NewDoc::search(&doc(1).embedding)
        .filter(year.ne(0))
        .exact()
        .fetch_keys(&t.db)
        .await;
    let left = OldDoc::count(&t.db).await.unwrap();
    assert_eq!(left, 10, "nothing deleted");
    for (what, failed) in [
        ("delete_where", deleted.as_ref().err()),
        ("count_where", counted.as_ref().err()),
        ("search", searched.as_ref().err()),
    ] {
        let error = failed.unwrap_or_else(|| panic!("{what} on a missing column succeeded"));
        assert!(error.server_code().is_some(), "{what}: {error}");
    }
    report(
        "delete_where, count_where and a search filtering on a column the table lacks",
        target,
        "a server error each; no row deleted",
        &format!(
            "{left} of 10 rows left; delete_where: {}",
            deleted.unwrap_err()
        ),
    );
    t.finish().await;
}

/// `Config::from_env` with a malformed `.env` beside the program: the error names the line's variable and
/// never its value. (The only test here that reads the working directory, which it changes.)
#[test]
fn malformed_env_files_keep_the_password_out_of_errors() {
    let dir = std::env::temp_dir().join(format!("tidb-vector-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::env::set_current_dir(&dir).unwrap();
    let secret = "pw-Zq81x";
    let files = [
        format!("TIDB_HOST=h\nTIDB_PASSWORD=\"{secret}\n"),
        format!("TIDB_HOST=h\nTIDB_PASSWORD='{secret}\nTIDB_PORT=4000\n"),
        format!("TIDB_HOST=h\nTIDB_PASSWORD {secret}\n"),
        format!("TIDB_HOST=h\n{secret}\n"),
    ];
    let mut shown = Vec::new();
    for text in &files {
        std::fs::write(dir.join(".env"), text).unwrap();
        let error = Config::from_env().expect_err("a malformed .env is an error");
        for text in [error.to_string(), format!("{error:?}")] {
            assert!(!text.contains(secret), "{text}");
        }
        shown.push(error.to_string());
    }
    std::fs::remove_dir_all(&dir).ok();
    report_for(
        "malformed .env lines around TIDB_PASSWORD (4 files)",
        "all",
        "Error::Config without the password (Display and Debug)",
        &shown[0],
    );
}
