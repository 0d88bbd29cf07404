//! Library calls dropped midway (a timeout, a `select!`, a client that hung up) inside a transaction begun
//! on a `Db`: the next statement there works or fails at once with `Error::TransactionGone`, never waits
//! on a connection left in the middle of an answer, and the pool never loses the connection. SQLite,
//! MariaDB with both dialects, and a real TiDB when one is configured. (A caller's own sqlx connection is
//! not covered: there a dropped call leaves the connection as sqlx leaves a dropped statement of its own,
//! which can hang it; see `Conn`.)

use std::time::{Duration, Instant};

use tidb_vector_core::{Db, Error, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(a_transaction_after_a_dropped_call_works_or_says_it_is_gone);

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
