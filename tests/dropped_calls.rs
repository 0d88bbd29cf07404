//! Library calls dropped midway (a timeout, a `select!`, a client that hung up), on a `Db` and inside a
//! transaction begun on one: nothing a dropped call committed is lost or half-written, no connection leaks
//! (a pool of one serves the next call), and in a transaction the next statement works or fails at once
//! with `Error::TransactionGone`, never waiting on a connection left in the middle of an answer. SQLite,
//! MariaDB with both dialects, and a real TiDB when one is configured. (A caller's own sqlx connection is
//! not covered: there a dropped call leaves the connection as sqlx leaves a dropped statement of its own,
//! which can hang it; see `Conn`.)

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tidb_vector_core::{Db, Error, Metric, VectorModel};
use tidb_vector_tests::{Target, TestDb, distance, report, scenarios};

scenarios!(
    a_transaction_after_a_dropped_call_works_or_says_it_is_gone,
    dropped_operations_lose_nothing_and_leak_nothing,
    a_table_stream_walks_every_row_once_and_drops_cleanly,
    a_search_stream_yields_every_match_once_and_drops_cleanly,
);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Doc {
    id: i64,
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn doc(id: i64) -> Doc {
    Doc {
        id,
        content: format!("document {id}"),
        embedding: vec![1.0, id as f32, 0.5],
    }
}

/// The operations dropped, by name: each runs in the transaction `tx`.
const OPERATIONS: [&str; 4] = ["insert_many", "insert", "search", "count"];

/// How long each operation runs before it is dropped (0 drops it at its first await).
const DELAYS_US: [u64; 8] = [0, 10, 50, 200, 1_000, 3_000, 10_000, 50_000];

async fn run(operation: &str, tx: &mut tidb_vector_core::Transaction) -> Result<(), Error> {
    match operation {
        "insert_many" => Doc::insert_many(&mut *tx, (100..2_100).map(doc))
            .await
            .map(|_| ()),
        "insert" => doc(2).insert(&mut *tx).await.map(|_| ()),
        "search" => Doc::nearest_by_l2(&mut *tx, &[1.0, 5.0, 0.5], 5)
            .await
            .map(|_| ()),
        _ => Doc::count(&mut *tx).await.map(|_| ()),
    }
}

/// A handle with a pool of two connections (one on SQLite's in-memory database): a connection lost by a
/// dropped call would leave the pool short, and the last checks would wait for it.
async fn small_pool(t: &TestDb) -> Db {
    match t.target {
        Target::Sqlite => t.db.clone(),
        target => Db::from_mysql_pool(t.pool(2).await, target.backend()).unwrap(),
    }
}

async fn a_transaction_after_a_dropped_call_works_or_says_it_is_gone(target: Target) {
    let t = TestDb::open(target).await;
    Doc::create_table(&t.db).await.unwrap();
    let db = small_pool(&t).await;
    let (mut gone, mut finished) = (0, 0);
    let mut slowest = Duration::ZERO;
    for operation in OPERATIONS {
        for delay in DELAYS_US {
            let mut tx = db.begin().await.unwrap();
            doc(1).insert(&mut tx).await.unwrap();
            let cut = tokio::time::timeout(Duration::from_micros(delay), run(operation, &mut tx))
                .await
                .is_err();
            // The next statement answers at once: the rows so far, or "gone".
            let started = Instant::now();
            let next = tokio::time::timeout(Duration::from_secs(10), Doc::count(&mut tx))
                .await
                .unwrap_or_else(|_| {
                    panic!("{operation} dropped after {delay} us: the next statement hung")
                });
            slowest = slowest.max(started.elapsed());
            match next {
                Ok(rows) => {
                    // Not cut, or cut after its statement had ended: the transaction is whole.
                    assert!(rows >= 1, "{operation} after {delay} us: {rows} rows");
                    finished += 1;
                    tx.rollback().await.unwrap();
                }
                Err(Error::TransactionGone) => {
                    assert!(
                        cut,
                        "{operation} after {delay} us: gone, but it was not dropped"
                    );
                    gone += 1;
                    // Gone means rolled back: committing says so, and stores nothing.
                    assert!(matches!(tx.commit().await, Err(Error::TransactionGone)));
                }
                Err(other) => panic!("{operation} after {delay} us: {other:?}"),
            }
        }
    }
    // Every transaction was rolled back, and the pool kept its connections.
    for _ in 0..4 {
        let count = tokio::time::timeout(Duration::from_secs(10), Doc::count(&db))
            .await
            .expect("the pool still has its connections")
            .unwrap();
        assert_eq!(count, 0);
    }
    assert!(
        gone > 0,
        "no call was cut midway: the delays are too long for this machine"
    );
    report(
        "insert_many, insert, a search and count in a Db::begin transaction, dropped after 0 us to 50 ms",
        target,
        "the next statement works or fails at once with TransactionGone; nothing stays; the pool keeps its connections",
        &format!(
            "{gone} cut (next statement: TransactionGone), {finished} whole; slowest next statement {} ms; pool of 2 served 4 counts after",
            slowest.as_millis()
        ),
    );
    db.close().await;
    t.finish().await;
}

/// A 64-dimensional row, for drops at any point of any operation on a pool of one.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Entry {
    id: i64,
    content: String,
    #[vector(dimensions = 64)]
    embedding: Vec<f32>,
}

fn entry(id: i64) -> Entry {
    Entry {
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
    tokio::time::timeout(Duration::from_secs(20), Entry::count(db))
        .await
        .unwrap_or_else(|_| {
            panic!("after dropping {what} at {point:?}, count waited 20 s: a leaked connection")
        })
        .unwrap_or_else(|e| panic!("after dropping {what} at {point:?}: {e}"))
}

async fn dropped_operations_lose_nothing_and_leak_nothing(target: Target) {
    let t = TestDb::open(target).await;
    let db = pool_of_one(&t).await;
    Entry::create_table(&db).await.unwrap();
    Entry::insert_many(&db, (1..=3).map(entry)).await.unwrap();
    let mut expected = 3;
    let mut next_id = 100;
    let (mut drops, mut finished) = (0, 0);
    let bulk = 20_000; // 64-dimension rows: several multi-MiB statements
    let query = entry(1).embedding;
    for point in drop_points() {
        // A bulk insert: all rows or none.
        let first = next_id;
        next_id += bulk;
        let rows = (first..first + bulk).map(entry);
        finished += usize::from(run_until(Entry::insert_many(&db, rows), point).await);
        drops += 1;
        let count = count_promptly(&db, "insert_many", point).await;
        assert!(
            count == expected || count == expected + bulk as u64,
            "after dropping insert_many at {point:?}: {count} rows, expected {expected} or {}",
            expected + bulk as u64
        );
        expected = count;

        // One row.
        let row = entry(next_id);
        next_id += 1;
        finished += usize::from(run_until(row.insert(&db), point).await);
        let count = count_promptly(&db, "insert", point).await;
        assert!(
            count == expected || count == expected + 1,
            "{count} rows after insert"
        );
        expected = count;

        // A search, a count and the (idempotent) create_table.
        finished += usize::from(run_until(Entry::nearest_by_l2(&db, &query, 5), point).await);
        finished += usize::from(run_until(Entry::count(&db), point).await);
        finished += usize::from(run_until(Entry::create_table(&db), point).await);
        drops += 4;
        assert_eq!(count_promptly(&db, "a search", point).await, expected);
    }
    // Everything still works on the same handle, and closing it returns.
    let hits = Entry::nearest_by_l2(&db, &query, 1).await.unwrap();
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

/// A small row, for walking tables.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "tiny")]
struct Tiny {
    id: i64,
    #[vector(dimensions = 2)]
    v: Vec<f32>,
}

fn tiny(id: i64) -> Tiny {
    Tiny {
        id,
        v: vec![1.0, id as f32],
    }
}

/// `stream_all` yields every row once, in key order, a page at a time; dropped midway (between pages, or
/// at any point of a page's read) on a pool of one, the next operation gets the connection at once.
async fn a_table_stream_walks_every_row_once_and_drops_cleanly(target: Target) {
    use futures_util::StreamExt;
    let t = TestDb::open(target).await;
    Tiny::create_table(&t.db).await.unwrap();
    Tiny::insert_many(&t.db, (1..=1_234).map(tiny))
        .await
        .unwrap();
    let db = pool_of_one(&t).await;
    let all: Vec<(i64, Tiny)> = Tiny::stream_all(&db, 500)
        .map(|row| row.unwrap())
        .collect()
        .await;
    assert_eq!(all.len(), 1_234);
    assert!(
        all.windows(2).all(|w| w[0].0 < w[1].0),
        "key order, each once"
    );
    assert_eq!(all, Tiny::list_after(&db, None, usize::MAX).await.unwrap());
    // A table that is a whole number of pages, and an empty one.
    let exact: Vec<_> = Tiny::stream_all(&db, 1_234).collect().await;
    assert_eq!(exact.len(), 1_234);
    let mut zero = std::pin::pin!(Tiny::stream_all(&db, 0));
    assert!(matches!(
        zero.next().await,
        Some(Err(Error::InvalidArgument(_)))
    ));
    assert!(zero.next().await.is_none());

    // The TiDB dialect on MariaDB reads each vector through stored SQL, an element at a time: there every
    // fourth point (each page costs it about 100 ms).
    let step = if target == Target::TiDbOnMariaDb {
        4
    } else {
        1
    };
    let points: Vec<DropPoint> = drop_points().into_iter().step_by(step).collect();
    let mut drops = 0;
    for &point in &points {
        let mut stream = std::pin::pin!(Tiny::stream_all(&db, 100));
        // Some rows, then a drop inside the next page's read.
        for _ in 0..150 {
            stream.next().await.unwrap().unwrap();
        }
        let rest = async {
            while let Some(row) = stream.next().await {
                row.unwrap();
            }
        };
        if !run_until(rest, point).await {
            drops += 1;
        }
        let count = tokio::time::timeout(Duration::from_secs(20), Tiny::count(&db))
            .await
            .unwrap_or_else(|_| panic!("the connection was not back after a drop at {point:?}"));
        assert_eq!(count.unwrap(), 1_234);
    }
    assert!(drops > 0, "some streams were dropped midway");
    report(
        "stream_all over 1,234 rows, pages of 500 (100 when dropped); dropped midway at up to 20 points on a pool of one",
        target,
        "every row once in key order; the next operation gets the connection at once",
        &format!(
            "1,234 rows in order; {drops} of 20 streams dropped midway, each followed by a prompt count"
        ),
    );
    t.finish().await;
}

/// Rows in six groups of equal vectors: every distance is shared by 40 rows, so ties straddle any page.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "tied")]
struct Tied {
    id: i64,
    group: i32,
    #[vector(dimensions = 3)]
    v: Vec<f32>,
}

const BASES: [[f32; 3]; 6] = [
    [1.0, 0.0, 0.0],
    [1.0, 1.0, 0.0],
    [0.0, 1.0, 1.0],
    [1.0, 2.0, 3.0],
    [3.0, 1.0, 0.5],
    [0.2, 0.1, 2.0],
];

fn tied(id: i64) -> Tied {
    Tied {
        id,
        group: (id % 3) as i32,
        v: BASES[(id % 6) as usize].to_vec(),
    }
}

/// `Search::fetch_stream` yields, page by page, exactly the rows an exact search matches, each once, in
/// distance order, ties across pages included (every distance here is shared by 40 rows); with an offset and
/// a limit, the slice of that order; a semantic search's text is embedded once; dropped midway on a pool of
/// one, the next operation gets the connection at once.
async fn a_search_stream_yields_every_match_once_and_drops_cleanly(target: Target) {
    use futures_util::StreamExt;
    let t = TestDb::open(target).await;
    Tied::create_table(&t.db).await.unwrap();
    Tied::insert_many(&t.db, (1..=240).map(tied)).await.unwrap();
    let db = pool_of_one(&t).await;
    let query = [1.0_f32, 2.0, 2.5];
    let mut streams = 0;
    for metric in [Metric::Cosine, Metric::L2] {
        let all: Vec<(i64, f64)> = (1..=240)
            .map(|id| (id, distance(metric, &query, &tied(id).v)))
            .collect();
        let middle = {
            let mut ds: Vec<f64> = all.iter().map(|(_, d)| *d).collect();
            ds.sort_by(f64::total_cmp);
            ds.dedup();
            (ds[2] + ds[3]) / 2.0
        };
        for shape in ["plain", "filtered", "bounded"] {
            let keep = |id: i64, d: f64| match shape {
                "plain" => true,
                "filtered" => id % 3 != 0,
                _ => id % 3 != 0 && d < middle,
            };
            let mut want: Vec<(i64, f64)> = all
                .iter()
                .copied()
                .filter(|(id, d)| keep(*id, *d))
                .collect();
            want.sort_by(|a, b| a.1.total_cmp(&b.1));
            let search = || {
                let search = Tied::search(&query).metric(metric).exact().limit(1_000);
                match shape {
                    "plain" => search,
                    "filtered" => search.filter(Tied::FIELDS.group.gt(0)),
                    _ => search.filter(Tied::FIELDS.group.gt(0)).max_distance(middle),
                }
            };
            let pages: &[usize] = if shape == "plain" {
                &[1, 7, 500]
            } else {
                &[7, 500]
            };
            for &page in pages {
                let hits: Vec<(i64, f64)> = search()
                    .fetch_stream(&db, page)
                    .map(|hit| hit.map(|h| (h.key, h.distance)).unwrap())
                    .collect()
                    .await;
                streams += 1;
                let label = format!("{metric} {shape} pages of {page}");
                let mut keys: Vec<i64> = hits.iter().map(|(k, _)| *k).collect();
                keys.sort_unstable();
                let mut expected: Vec<i64> = want.iter().map(|(k, _)| *k).collect();
                expected.sort_unstable();
                assert_eq!(keys, expected, "{label}: every match once");
                assert!(
                    hits.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-9),
                    "{label}: in order"
                );
                for (key, d) in &hits {
                    let true_distance = distance(metric, &query, &tied(*key).v);
                    assert!((d - true_distance).abs() < 1e-5, "{label}: {key} at {d}");
                }
            }
            // An offset and a limit: the slice of the same order (ties compared by distance).
            let slice: Vec<f64> = search()
                .offset(13)
                .limit(50)
                .fetch_stream(&db, 7)
                .map(|hit| hit.unwrap().distance)
                .collect()
                .await;
            let expected: Vec<f64> = want.iter().skip(13).take(50).map(|(_, d)| *d).collect();
            assert_eq!(slice.len(), expected.len(), "{metric} {shape}: the slice");
            assert!(
                slice
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| (a - b).abs() < 1e-5),
                "{metric} {shape}: the slice {slice:?} vs {expected:?}"
            );
        }
    }

    // A semantic search: its text embedded once for every page.
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let embedder = tidb_vector_core::embed::from_fn(3, |texts: Vec<String>| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move { Ok::<_, std::io::Error>(texts.iter().map(|_| query.to_vec()).collect()) }
    });
    let semantic: Vec<i64> = Tied::search_semantic(&embedder, "near the query")
        .exact()
        .limit(100)
        .fetch_stream(&db, 9)
        .map(|hit| hit.unwrap().key)
        .collect()
        .await;
    assert_eq!(semantic.len(), 100);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    let mut zero = std::pin::pin!(Tied::search(&query).fetch_stream(&db, 0));
    assert!(matches!(
        zero.next().await,
        Some(Err(Error::InvalidArgument(_)))
    ));
    assert!(zero.next().await.is_none());

    // Dropped midway: after some rows, somewhere in the next page's read.
    let mut drops = 0;
    for point in drop_points().into_iter().step_by(2) {
        let mut stream = std::pin::pin!(
            Tied::search(&query)
                .exact()
                .limit(240)
                .fetch_stream(&db, 10)
        );
        for _ in 0..15 {
            stream.next().await.unwrap().unwrap();
        }
        let rest = async {
            while let Some(hit) = stream.next().await {
                hit.unwrap();
            }
        };
        if !run_until(rest, point).await {
            drops += 1;
        }
        let count = tokio::time::timeout(Duration::from_secs(20), Tied::count(&db))
            .await
            .unwrap_or_else(|_| panic!("the connection was not back after a drop at {point:?}"));
        assert_eq!(count.unwrap(), 240);
    }
    assert!(drops > 0, "some streams were dropped midway");
    report(
        "Search::fetch_stream over 240 rows in 6 groups of equal vectors (ties across every page): 2 metrics x plain/filtered/bounded x pages of 1-500; dropped midway on a pool of one",
        target,
        "every match once, in distance order; offset/limit the same slice; text embedded once; the next operation gets the connection at once",
        &format!(
            "{streams} streams equal to brute force; {drops} of 10 dropped midway, each followed by a prompt count"
        ),
    );
    t.finish().await;
}
