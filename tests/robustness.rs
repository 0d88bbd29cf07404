//! Nothing lost, nothing leaked: operations dropped at any point, identifiers that name no column, inputs at
//! the limits. Each scenario asserts its outcome and prints a `RELIABILITY` record of what it measured;
//! `.ci/reliability` collects them into RELIABILITY.md.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use tidb_vector_core::{Config, Db, Error, Metric, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, report_for, scenarios};

scenarios!(
    dropped_operations_lose_nothing_and_leak_nothing,
    a_filter_on_a_missing_column_never_matches,
    inputs_at_the_limits_are_handled_or_refused_before_sending,
    packets_stay_under_the_servers_limit,
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
    // A well-formed file is read, and the process environment is left as it was.
    std::fs::write(
        dir.join(".env"),
        format!("TIDB_HOST=from-the-file\nTIDB_PASSWORD={secret}\n"),
    )
    .unwrap();
    let config = Config::from_env().unwrap();
    assert!(
        matches!(&config, Config::TiDb(settings) if settings.host == "from-the-file" && settings.password.expose() == secret),
        "{config:?}"
    );
    assert_eq!(std::env::var_os("TIDB_HOST"), None);
    assert_eq!(std::env::var_os("TIDB_PASSWORD"), None);
    std::fs::remove_dir_all(&dir).ok();
    report_for(
        "malformed .env lines around TIDB_PASSWORD (4 files)",
        "all",
        "Error::Config without the password (Display and Debug)",
        &shown[0],
    );
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "measures")]
struct Measure {
    id: i64,
    content: String,
    weight: Option<f32>,
    score: Option<f64>,
    #[vector(dimensions = 4)]
    embedding: Vec<f32>,
}

fn measure(id: i64) -> Measure {
    Measure {
        id,
        content: format!("m{id}"),
        weight: Some(id as f32),
        score: None,
        embedding: vec![1.0, id as f32, 0.5, -1.0],
    }
}

async fn inputs_at_the_limits_are_handled_or_refused_before_sending(target: Target) {
    let t = TestDb::open(target).await;
    Measure::create_table(&t.db).await.unwrap();
    Measure::insert_many(&t.db, (1..=50).map(measure))
        .await
        .unwrap();
    let f = Measure::FIELDS;
    let mut seen = Vec::new();

    // `is_in` lists: correct rows up to the bind limit, a typed error past it.
    let ids: Vec<i64> = (1..=20_000).collect();
    let matched = Measure::count_where(&t.db, f.id.is_in(ids)).await.unwrap();
    assert_eq!(matched, 50);
    let huge: Vec<i64> = (1..=100_000).collect();
    let error = Measure::count_where(&t.db, f.id.is_in(huge.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { size: 100_000, .. }),
        "{error}"
    );
    let error = Measure::search(&[1.0, 1.0, 1.0, 1.0])
        .filter(f.id.not_in(huge))
        .fetch_keys(&t.db)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::TooLarge { .. }), "{error}");
    seen.push(format!("is_in 20000: {matched} rows; 100000: TooLarge"));

    // A limit of usize::MAX means every row, plain and filtered.
    let all = Measure::nearest_by_l2(&t.db, &[1.0, 1.0, 1.0, 1.0], usize::MAX)
        .await
        .unwrap();
    let filtered = Measure::search(&[1.0, 1.0, 1.0, 1.0])
        .filter(f.id.gt(10))
        .limit(usize::MAX)
        .fetch_keys(&t.db)
        .await
        .unwrap();
    let listed = Measure::list(&t.db, usize::MAX).await.unwrap();
    assert_eq!((all.len(), filtered.len(), listed.len()), (50, 40, 50));
    seen.push(format!(
        "k = usize::MAX: {} rows, filtered {}",
        all.len(),
        filtered.len()
    ));

    // Vectors so long that distances would overflow f32: refused, as query and as row.
    let error = Measure::nearest_by_cosine(&t.db, &[1e20, 1.0, 1.0, 0.0], 3)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Magnitude { .. }), "{error}");
    let mut long = measure(1000);
    long.embedding = vec![1e20, 1.0, 1.0, 0.0];
    assert!(matches!(
        long.insert(&t.db).await,
        Err(Error::Magnitude { .. })
    ));
    // At the bound, every distance is finite and right.
    let norm = 9.1e18_f32;
    let mut edge = measure(1001);
    edge.embedding = vec![norm, 0.0, 0.0, 0.0];
    edge.insert(&t.db).await.unwrap();
    let query = [-norm, 0.0, 0.0, 0.0];
    let n = f64::from(norm);
    for (metric, expected) in [
        (Metric::L2, 2.0 * n),
        (Metric::L1, 2.0 * n),
        (Metric::Cosine, 2.0),
        (Metric::NegativeInnerProduct, n * n),
    ] {
        let hits = Measure::search(&query)
            .metric(metric)
            .filter(f.id.eq(1001))
            .exact()
            .fetch_keys(&t.db)
            .await
            .unwrap();
        let distance = hits.first().map(|(_, d)| *d).unwrap_or(f64::NAN);
        assert!(
            ((distance - expected) / expected).abs() < 1e-6,
            "{metric}: {distance}, expected {expected}"
        );
    }
    seen.push(
        "[1e20,1,1,0]: Magnitude; 9.1e18 vs -9.1e18: all 4 distances finite and right".into(),
    );

    // Non-finite scalar floats: a typed error before sending, nothing stored.
    for (weight, score) in [
        (Some(f32::NAN), None),
        (Some(f32::INFINITY), None),
        (None, Some(f64::NAN)),
        (None, Some(f64::NEG_INFINITY)),
    ] {
        let mut m = measure(2000);
        (m.weight, m.score) = (weight, score);
        let error = m.insert(&t.db).await.unwrap_err();
        assert!(matches!(error, Error::Encode { .. }), "{error}");
        let error = Measure::insert_many(&t.db, [measure(2001), m])
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Encode { .. }), "{error}");
    }
    // A NaN comparison value is refused as a filter's argument, naming the field.
    let error = Measure::count_where(&t.db, f.score.eq(f64::NAN))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidArgument(text) if text.contains("`score`")),
        "{error}"
    );
    assert_eq!(Measure::count(&t.db).await.unwrap(), 51, "nothing stored");
    seen.push(format!(
        "NaN/inf in Option<f32>/<f64>: Encode error ({error})"
    ));

    report(
        "inputs at the limits: is_in of 100000, limit usize::MAX, 1e20 vectors, NaN scalars",
        target,
        "right rows, or a typed error before sending; nothing stored",
        &seen.join("; "),
    );
    t.finish().await;
}

async fn packets_stay_under_the_servers_limit(target: Target) {
    let t = TestDb::open(target).await;
    Measure::create_table(&t.db).await.unwrap();
    let sized = |id: i64, mib: f64| Measure {
        content: "x".repeat((mib * 1024.0 * 1024.0) as usize),
        ..measure(id)
    };
    // Each fits alone; together they pass MariaDB's 16 MiB packet: two statements, one transaction. TiDB
    // keeps one row to `txn-entry-size-limit` (6 MiB by default): there the 12.5 MiB row is the server's
    // typed TooLarge (8025, seen on a real TiDB), and nothing of the transaction stays.
    let stored = Measure::insert_many(&t.db, [sized(1, 3.9), sized(2, 12.5)]).await;
    let stored = match (target, stored) {
        (Target::TiDb, Err(error)) => {
            assert_eq!(
                error.server_error_kind(),
                Some(tidb_vector_core::ServerErrorKind::TooLarge),
                "{error}"
            );
            assert_eq!(Measure::count(&t.db).await.unwrap(), 0);
            Measure::insert_many(&t.db, [sized(1, 3.9), sized(2, 2.0)])
                .await
                .unwrap()
        }
        (_, stored) => stored.unwrap(),
    };
    assert_eq!(stored, 2);
    let huge = sized(3, 32.0);
    let alone = huge.insert(&t.db).await;
    let in_bulk = Measure::insert_many(
        &t.db,
        [
            measure(4),
            Measure {
                id: 5,
                ..huge.clone()
            },
        ],
    )
    .await;
    let outcome = match (t.target, &alone, &in_bulk) {
        (Target::Sqlite, Ok(_), Ok(_)) => "32 MiB stored (SQLite takes up to 1e9 bytes)".to_owned(),
        (_, Err(Error::TooLarge { limit, .. }), Err(Error::TooLarge { .. })) => {
            format!("32 MiB: TooLarge before sending (limit {limit} bytes)")
        }
        // TiDB takes packets to 64 MiB and refuses the row itself (8025, txn-entry-size-limit).
        (Target::TiDb, Err(alone), Err(in_bulk))
            if [alone, in_bulk].iter().all(|e| {
                e.server_error_kind() == Some(tidb_vector_core::ServerErrorKind::TooLarge)
            }) =>
        {
            format!("32 MiB: the server's TooLarge ({alone})")
        }
        other => panic!("unexpected: {other:?}"),
    };
    // The pool is healthy afterwards.
    let count = Measure::count(&t.db).await.unwrap();
    let expected = if t.target == Target::Sqlite { 5 } else { 2 };
    assert_eq!(count, expected);
    report(
        "insert_many([3.9 MiB row, 12.5 MiB row]), then a 32 MiB row",
        target,
        "both rows stored; a row over max_allowed_packet is TooLarge before sending; pool healthy",
        &format!("2 rows stored; {outcome}; {count} rows after"),
    );
    t.finish().await;
}

/// A real deadlock and a real lock wait timeout against model operations on MariaDB (another connection
/// holds the locks): both arrive as `ServerErrorKind::Retryable`, with MariaDB's numbers kept, and nothing
/// the failed operation wrote stays.
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_deadlocks_and_lock_waits_are_retryable() {
    use sqlx::AssertSqlSafe;
    use tidb_vector_core::{Conn, ServerErrorKind};

    let t = TestDb::open(Target::MariaDb).await;
    Doc::create_table(&t.db).await.unwrap();
    Doc::insert_many(&t.db, (1..=200).map(doc)).await.unwrap();
    let pool = t.pool(2).await;
    let run = |sql: String| AssertSqlSafe(sql);

    // Deadlock: the other transaction has written many rows (so InnoDB picks the model's lighter
    // transaction as the victim) and holds row 2 when the model's transaction, holding row 1, asks for it.
    // Every statement here locks by primary key: a scan would lock rows beyond those it changes.
    let mut mine = pool.begin().await.unwrap();
    let mut other = pool.begin().await.unwrap();
    let changed = Doc {
        content: "mine".into(),
        ..doc(1)
    };
    Doc::update(Conn::mariadb(&mut mine), &1, &changed)
        .await
        .unwrap();
    Doc::insert_many(Conn::mariadb(&mut other), (1_001..=1_200).map(doc))
        .await
        .unwrap();
    sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 2".into()))
        .execute(&mut *other)
        .await
        .unwrap();
    let (error, _) = tokio::join!(
        async { Doc::update(Conn::mariadb(&mut mine), &2, &doc(2)).await },
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 1".into()))
                .execute(&mut *other)
                .await
        },
    );
    let error = error.unwrap_err();
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::Retryable),
        "{error:?}"
    );
    assert_eq!(error.server_code().unwrap().0, 1213, "{error:?}");
    report(
        "a model operation chosen as a deadlock's victim",
        Target::MariaDb,
        "Server { kind: Retryable, code: 1213 }",
        &error,
    );
    drop(mine);
    other.rollback().await.unwrap();

    // Lock wait timeout: another transaction holds row 3 longer than this session waits.
    let mut holder = pool.begin().await.unwrap();
    sqlx::raw_sql(run("UPDATE docs SET content = 'held' WHERE id = 3".into()))
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut waiter = pool.acquire().await.unwrap();
    sqlx::raw_sql(run("SET SESSION innodb_lock_wait_timeout = 1".into()))
        .execute(&mut *waiter)
        .await
        .unwrap();
    let error = Doc::delete(Conn::mariadb(&mut waiter), &3)
        .await
        .unwrap_err();
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::Retryable),
        "{error:?}"
    );
    assert_eq!(error.server_code().unwrap().0, 1205, "{error:?}");
    report(
        "a model operation waiting on a lock past innodb_lock_wait_timeout",
        Target::MariaDb,
        "Server { kind: Retryable, code: 1205 }",
        &error,
    );
    holder.rollback().await.unwrap();
    drop(waiter);
    pool.close().await;
    // Nothing of the failed operations stayed; the deadlocked transaction's first update rolled back.
    assert_eq!(t.count("docs").await, 200);
    assert_eq!(Doc::get(&t.db, &1).await.unwrap().unwrap(), doc(1));
    t.finish().await;
}

/// Transient errors on a `Db`'s pool, where the library owns the transaction from its start, are retried
/// (a deadlock's victim statement, a bulk insert and a load batch that waited past the lock timeout) and
/// end with exactly the right rows; with retries off, the same errors come back with kind `Retryable`.
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_transient_errors_are_retried_where_safe() {
    use sqlx::AssertSqlSafe;
    use tidb_vector_core::{Backend, RetryPolicy, ServerErrorKind};

    let captured = tidb_vector_tests::Captured::default();
    let _guard = captured.install();
    let retries = |log: String| log.matches("trying again").count();
    let t = TestDb::open(Target::MariaDb).await;
    Doc::create_table(&t.db).await.unwrap();
    Doc::insert_many(&t.db, (1..=200).map(doc)).await.unwrap();
    let other_pool = t.pool(1).await;
    let run = |sql: &str| AssertSqlSafe(sql.to_owned());

    // A deadlock: the model's DELETE locks row 1, then waits for row 2, which a heavier transaction holds
    // and which then asks for row 1. InnoDB rolls back the lighter DELETE: error 1213.
    let deadlock = |db: Db| {
        let other_pool = other_pool.clone();
        async move {
            let mut other = other_pool.begin().await.unwrap();
            Doc::insert_many(Conn::mariadb(&mut other), (1_001..=1_200).map(doc))
                .await
                .unwrap();
            sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 2"))
                .execute(&mut *other)
                .await
                .unwrap();
            let (deleted, ()) = tokio::join!(
                Doc::delete_where(&db, Doc::FIELDS.id.is_in([1, 2])),
                async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 1"))
                        .execute(&mut *other)
                        .await
                        .unwrap();
                    // The other transaction commits; a retried DELETE then finds its rows.
                    other.commit().await.unwrap();
                },
            );
            deleted
        }
    };
    use tidb_vector_core::Conn;
    let off = t.db.with_retry(RetryPolicy::never());
    captured.take();
    let error = deadlock(off).await.unwrap_err();
    assert_eq!(retries(captured.take()), 0);
    assert_eq!(error.server_error_kind(), Some(ServerErrorKind::Retryable));
    assert_eq!(error.server_code().unwrap().0, 1213, "{error:?}");
    assert_eq!(t.count("docs").await, 400, "the victim deleted nothing");
    sqlx::raw_sql(run("DELETE FROM docs WHERE id > 1000"))
        .execute(&other_pool)
        .await
        .unwrap();
    let deleted = deadlock(t.db.clone()).await.unwrap();
    assert_eq!(
        retries(captured.take()),
        1,
        "the deadlock happened and was retried"
    );
    assert_eq!(deleted, 2);
    assert_eq!(t.count("docs").await, 200 - 2 + 200);
    assert_eq!(Doc::get(&t.db, &1).await.unwrap(), None);
    report(
        "a deadlock's victim (a model DELETE on a Db), retries off, then on",
        Target::MariaDb,
        "off: Server { kind: Retryable, code: 1213 }, nothing deleted; on: 2 rows deleted after the retry",
        &format!("off: {error}; on: deleted {deleted}"),
    );

    // Lock wait timeouts: another transaction holds a key that an insert_many (one transaction) and a
    // load's second batch need, for 1.5 s, on a pool whose sessions wait 1 s for a lock.
    let short = Db::from_mysql_pool(
        t.pool_with(4, "SET SESSION innodb_lock_wait_timeout = 1")
            .await,
        Backend::MariaDb,
    )
    .unwrap();
    let hold = |id: i64, held: Duration| {
        let other_pool = other_pool.clone();
        async move {
            let mut holder = other_pool.begin().await.unwrap();
            doc(id).insert(Conn::mariadb(&mut holder)).await.unwrap();
            // Released by a task of its own; the caller awaits its handle to know it is done.
            let release = tokio::spawn(async move {
                tokio::time::sleep(held).await;
                holder.rollback().await.unwrap();
            });
            Released(release)
        }
    };
    let released = hold(2_005, Duration::from_millis(1_500)).await;
    let error = Doc::insert_many(
        &short.with_retry(RetryPolicy::never()),
        (2_001..=2_010).map(doc),
    )
    .await
    .unwrap_err();
    assert_eq!(error.server_code().unwrap().0, 1205, "{error:?}");
    assert_eq!(error.server_error_kind(), Some(ServerErrorKind::Retryable));
    released.0.await.unwrap();
    assert_eq!(
        t.count("docs").await,
        398,
        "the failed insert_many left nothing"
    );

    let released = hold(2_005, Duration::from_millis(1_500)).await;
    let inserted = Doc::insert_many(&short, (2_001..=2_010).map(doc))
        .await
        .unwrap();
    released.0.await.unwrap();
    assert_eq!(inserted, 10);
    let released = hold(3_008, Duration::from_millis(1_500)).await;
    let loaded = Doc::load(&short, (3_001..=3_010).map(doc))
        .batch_rows(5)
        .await
        .unwrap();
    released.0.await.unwrap();
    assert!(
        retries(captured.take()) >= 1,
        "the second batch timed out and was retried"
    );
    assert_eq!((loaded.rows, loaded.batches), (10, 2));
    assert_eq!(t.count("docs").await, 398 + 20);
    for id in [2_001, 2_005, 2_010, 3_001, 3_008, 3_010] {
        assert_eq!(Doc::get(&t.db, &id).await.unwrap(), Some(doc(id)));
    }
    // Rows over two statements (the parameter limit), the held key in the second: the retry sends the
    // first statement's rows again from the kept rows, then the rest. The key is held for longer than
    // the first statement takes plus the lock wait, so that the second one times out.
    let released = hold(65_000, Duration::from_secs(4)).await;
    let inserted_two = Doc::insert_many(&short, (40_001..=70_000).map(doc))
        .await
        .unwrap();
    released.0.await.unwrap();
    assert!(
        retries(captured.take()) >= 1,
        "the second statement timed out and the insert was retried"
    );
    assert_eq!(inserted_two, 30_000);
    assert_eq!(t.count("docs").await, 398 + 20 + 30_000);
    for id in [40_001, 61_845, 61_846, 65_000, 70_000] {
        assert_eq!(Doc::get(&t.db, &id).await.unwrap(), Some(doc(id)));
    }
    report(
        "insert_many and a load batch waiting past innodb_lock_wait_timeout (1 s) on a key held 1.5 s",
        Target::MariaDb,
        "retries off: Retryable 1205, 0 rows; on: all 10 + 10 rows, each once, and 30,000 over two statements",
        &format!(
            "off: {error}; on: insert_many {inserted} rows, load {} rows in {} batches, a two-statement insert_many {inserted_two} rows",
            loaded.rows, loaded.batches
        ),
    );
    short.close().await;
    other_pool.close().await;
    t.finish().await;
}

/// The task that ends a transaction holding a lock.
struct Released(tokio::task::JoinHandle<()>);
