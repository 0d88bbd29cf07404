//! A read dropped midway (a timeout, a `select!`, a client that hung up) is stopped on the server: its
//! connection comes back at once instead of when the statement would have ended, so that a pool of one
//! serves the next call. On MariaDB (both dialects) the reads wait for a table lock another session holds
//! (`LOCK TABLES ... WRITE`), statements that would otherwise run until the lock goes; on a real TiDB, when
//! one is configured, a search scans 2,000,000 rows. Pools a caller builds with other options than the
//! library's let a dropped statement run to its end (see `Db::from_mysql_pool`).

use std::time::{Duration, Instant};

use sqlx::AssertSqlSafe;
use tidb_vector_core::{Error, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, server_scenarios};

server_scenarios!(a_dropped_read_is_stopped_on_the_server);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Doc {
    id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// A table the lock does not cover.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "notes")]
struct Note {
    id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn doc(id: i64) -> Doc {
    Doc {
        id,
        embedding: vec![1.0, id as f32, 0.5],
    }
}

/// Statements on the server that read this test's `docs`, besides the asking one.
async fn running_on_docs(side: &mut sqlx::mysql::MySqlConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
         WHERE ID <> CONNECTION_ID() AND DB = DATABASE() AND INFO LIKE '%`docs`%'",
    )
    .fetch_one(side)
    .await
    .unwrap()
}

async fn a_dropped_read_is_stopped_on_the_server(target: Target) {
    let t = TestDb::open(target).await;
    Doc::create_table(&t.db).await.unwrap();
    Note::create_table(&t.db).await.unwrap();
    Doc::insert_many(&t.db, (1..=50).map(doc)).await.unwrap();
    // The library's own pool, of one connection, which waits 2 s for it.
    let db = t.own_db(1).await;
    assert_eq!(Note::count(&db).await.unwrap(), 0);
    let side_pool = t.pool(1).await;
    let mut side = side_pool.acquire().await.unwrap();
    // What keeps a read running: on MariaDB a table lock it waits for; TiDB's table locks refuse at once
    // (error 8020), so there it is the volume (a search scans 2,000,000 rows, seconds on one machine).
    let operations: &[&str] = if target == Target::TiDb {
        for chunk in 0..4 {
            sqlx::raw_sql(AssertSqlSafe(format!(
                "SET SESSION cte_max_recursion_depth = 1000; \
                 INSERT INTO `docs` (`id`, `embedding`) \
                 SELECT 1000 + {chunk} * 500000 + a.n * 1000 + b.n, \
                        VEC_FROM_TEXT(CONCAT('[1,', a.n, ',', b.n, ']')) \
                 FROM (WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 499) \
                       SELECT n FROM s) a, \
                      (WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 999) \
                       SELECT n FROM s) b"
            )))
            .execute(&mut *side)
            .await
            .unwrap();
        }
        &["search"]
    } else {
        sqlx::raw_sql(AssertSqlSafe("LOCK TABLES `docs` WRITE"))
            .execute(&mut *side)
            .await
            .unwrap();
        &["search", "count", "get"]
    };
    let mut observed = Vec::new();
    for &operation in operations {
        let read = async {
            match operation {
                "search" => Doc::nearest_by_l2(&db, &[1.0, 5.0, 0.5], 5)
                    .await
                    .map(|_| ()),
                "count" => Doc::count(&db).await.map(|_| ()),
                _ => Doc::get(&db, &7).await.map(|_| ()),
            }
        };
        // The read waits for the lock (or scans): cut after 300 ms.
        let cut = tokio::time::timeout(Duration::from_millis(300), read).await;
        assert!(
            cut.is_err(),
            "{operation}: ended under the lock: {:?}",
            cut.map(|r| r.map_err(|e| e.to_string()))
        );
        // The pool of one serves the next call (on another table) before its 2 s acquire timeout: the
        // dropped statement was stopped, and its connection replaced.
        let started = Instant::now();
        let next = Note::count(&db).await;
        let waited = started.elapsed();
        match next {
            Ok(0) => {}
            Err(Error::Database(sqlx::Error::PoolTimedOut)) => panic!(
                "{operation}: the dropped read still holds the pool's only connection after {waited:?}"
            ),
            other => panic!("{operation}: {other:?}"),
        }
        // Nothing of it runs on the server any more.
        assert_eq!(running_on_docs(&mut side).await, 0, "{operation}");
        observed.push(format!(
            "{operation}: next call served after {} ms",
            waited.as_millis()
        ));
    }
    sqlx::raw_sql(AssertSqlSafe("UNLOCK TABLES"))
        .execute(&mut *side)
        .await
        .unwrap();
    // The pool works on as before, on the table that was read.
    let rows = if target == Target::TiDb {
        2_000_050
    } else {
        50
    };
    assert_eq!(Doc::count(&db).await.unwrap(), rows);
    report(
        "reads dropped after 300 ms while they wait for a table lock (TiDB: a search scanning 2,000,000 rows), on the library's pool of one (2 s acquire timeout)",
        target,
        "the statement is stopped on the server (KILL QUERY); the next call gets a connection at once",
        &format!("{}; no statement left on the server", observed.join(", ")),
    );
    drop(side);
    side_pool.close().await;
    db.close().await;
    t.finish().await;
}

/// Embedded SQLite: a read dropped midway is interrupted (its connection's progress handler), so that the
/// in-memory database's one connection serves the next call at once, not when the scan would have ended.
mod sqlite {
    use super::*;
    use tidb_vector_core::{Config, Db, PoolSettings};

    #[tokio::test]
    async fn a_dropped_read_is_interrupted() {
        let settings = PoolSettings::default().with_acquire_timeout(Duration::from_secs(2));
        let db = Db::connect_with_pool(&Config::Embedded, &settings)
            .await
            .unwrap();
        Doc::create_table(&db).await.unwrap();
        Note::create_table(&db).await.unwrap();
        let query = [1.0, 5.0, 0.5];
        // Rows written by SQLite itself, until a search scans long enough to be cut a tenth of the way.
        let (mut rows, mut whole) = (0_i64, Duration::ZERO);
        while whole < Duration::from_millis(500) && rows < 16_000_000 {
            let more = rows.max(250_000);
            sqlx::raw_sql(AssertSqlSafe(format!(
                "WITH RECURSIVE s(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM s WHERE n < {last}) \
                 INSERT INTO `docs` (`id`, `embedding`) SELECT n, vec_f32('[1,' || n || ',0.5]') FROM s",
                first = rows + 1,
                last = rows + more
            )))
            .execute(db.sqlite_pool().unwrap())
            .await
            .unwrap();
            rows += more;
            let started = Instant::now();
            let hits = Doc::nearest_by_l2(&db, &query, 5).await.unwrap();
            whole = started.elapsed();
            assert_eq!(hits.len(), 5);
        }
        let cut = tokio::time::timeout(whole / 10, Doc::nearest_by_l2(&db, &query, 5)).await;
        assert!(cut.is_err(), "the search ended within a tenth of its time");
        let started = Instant::now();
        assert_eq!(Note::count(&db).await.unwrap(), 0);
        let waited = started.elapsed();
        assert!(
            waited < whole / 3,
            "the next call waited {waited:?} for the dropped search (a whole one takes {whole:?}): it was not interrupted"
        );
        // The connection works on, uninterrupted.
        assert_eq!(Doc::nearest_by_l2(&db, &query, 5).await.unwrap().len(), 5);
        assert_eq!(Doc::count(&db).await.unwrap(), rows as u64);
        report(
            "a search dropped a tenth of the way through its scan, on the embedded in-memory database (one connection)",
            Target::Sqlite,
            "the scan is interrupted; the next call gets the connection at once; later searches run whole",
            &format!(
                "{rows} rows, a whole search {} ms; the next call served after {} ms",
                whole.as_millis(),
                waited.as_millis()
            ),
        );
    }
}
