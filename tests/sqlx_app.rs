//! The library inside an existing sqlx application: model operations on the caller's own connection and
//! transaction (with the caller's statements beside them), `Db::begin`, and `Vector` as a plain sqlx type.
//! Every scenario runs on the suite's targets (see `support`).

use sqlx::{AssertSqlSafe, Row as _};
use tidb_vector_core::{Backend, Conn, Error, ServerErrorKind, Vector, VectorModel};
use tidb_vector_tests::{Captured, Target, TestDb, scenarios};

scenarios!(
    model_and_caller_statements_commit_together,
    model_and_caller_statements_roll_back_together,
    a_search_in_the_transaction_sees_its_rows,
    insert_many_in_a_caller_transaction_is_all_or_nothing_and_never_commits,
    db_begin_serves_the_library_and_the_caller,
    vector_binds_and_decodes_in_plain_sqlx,
    from_row_structs_read_what_the_library_wrote,
    list_after_walks_the_table_a_page_at_a_time,
    operations_are_traced_without_values,
    ddl_runs_as_an_sqlx_migration,
);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "documents")]
struct Document {
    id: i64,
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn doc(id: i64, content: &str, embedding: [f32; 3]) -> Document {
    Document {
        id,
        content: content.to_owned(),
        embedding: embedding.to_vec(),
    }
}

/// A table of the caller's own, written with the caller's own sqlx statements.
const JOBS: &str = "CREATE TABLE jobs (id INTEGER PRIMARY KEY, note VARCHAR(40))";

/// A [`Conn`] on a caller's sqlx transaction, whichever driver it is.
trait CallerTx {
    fn conn(&mut self, backend: Backend) -> Conn<'_>;
}

impl CallerTx for sqlx::Transaction<'_, sqlx::MySql> {
    fn conn(&mut self, backend: Backend) -> Conn<'_> {
        match backend {
            Backend::TiDb => Conn::tidb(self),
            _ => Conn::mariadb(self),
        }
    }
}

impl CallerTx for sqlx::Transaction<'_, sqlx::Sqlite> {
    fn conn(&mut self, _: Backend) -> Conn<'_> {
        Conn::sqlite(self)
    }
}

/// Runs `$body` with `$tx`, a transaction the caller began on the test database's pool with plain sqlx
/// (the body is compiled once per driver).
macro_rules! in_caller_tx {
    ($t:expr, |$tx:ident| $body:block) => {
        match ($t.db.mysql_pool(), $t.db.sqlite_pool()) {
            (Some(pool), _) => {
                let mut $tx = pool.begin().await.unwrap();
                $body
            }
            (_, Some(pool)) => {
                let mut $tx = pool.begin().await.unwrap();
                $body
            }
            _ => unreachable!("a Db has one pool"),
        }
    };
}

/// Runs the caller's own statement on a connection of the caller's (a macro: one per driver).
macro_rules! caller_exec {
    ($conn:expr, $sql:expr) => {
        sqlx::raw_sql(AssertSqlSafe($sql.to_string()))
            .execute($conn)
            .await
            .unwrap()
    };
}

async fn setup(target: Target) -> TestDb {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    caller(&t, JOBS).await;
    t
}

/// Runs a statement of the caller's on the test database's pool.
async fn caller(t: &TestDb, sql: &str) {
    let sql = AssertSqlSafe(sql.to_owned());
    match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        (_, Some(pool)) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        _ => unreachable!(),
    }
    .unwrap();
}

async fn model_and_caller_statements_commit_together(target: Target) {
    let t = setup(target).await;
    in_caller_tx!(t, |tx| {
        let key = doc(0, "dog", [1.0, 2.0, 1.0])
            .insert(tx.conn(target.backend()))
            .await
            .unwrap();
        Document::insert_many(
            &mut tx.conn(target.backend()),
            [
                doc(0, "fish", [1.0, 2.0, 4.0]),
                doc(0, "tree", [1.0, 0.0, 0.0]),
            ],
        )
        .await
        .unwrap();
        caller_exec!(
            &mut *tx,
            format!("INSERT INTO jobs VALUES (1, 'indexed {key}')")
        );
        tx.commit().await.unwrap();
    });
    assert_eq!(t.count("documents").await, 3);
    assert_eq!(t.count("jobs").await, 1);
    t.finish().await;
}

async fn model_and_caller_statements_roll_back_together(target: Target) {
    let t = setup(target).await;
    in_caller_tx!(t, |tx| {
        caller_exec!(&mut *tx, "INSERT INTO jobs VALUES (1, 'first')".to_owned());
        doc(0, "dog", [1.0, 2.0, 1.0])
            .insert(tx.conn(target.backend()))
            .await
            .unwrap();
        let mut conn = tx.conn(target.backend());
        Document::insert_many(&mut conn, [doc(0, "fish", [1.0, 2.0, 4.0])])
            .await
            .unwrap();
        assert_eq!(Document::count(&mut conn).await.unwrap(), 2);
        tx.rollback().await.unwrap();
    });
    assert_eq!(t.count("documents").await, 0);
    assert_eq!(t.count("jobs").await, 0);
    t.finish().await;
}

async fn a_search_in_the_transaction_sees_its_rows(target: Target) {
    let t = setup(target).await;
    in_caller_tx!(t, |tx| {
        let mut conn = tx.conn(target.backend());
        Document::insert_many(
            &mut conn,
            [
                doc(0, "dog", [1.0, 2.0, 1.0]),
                doc(0, "fish", [1.0, 2.0, 4.0]),
                doc(0, "tree", [1.0, 0.0, 0.0]),
            ],
        )
        .await
        .unwrap();
        let names: Vec<String> = Document::nearest_by_cosine(&mut conn, &[1.0, 2.0, 3.0], 3)
            .await
            .unwrap()
            .into_iter()
            .map(|hit| hit.record.content)
            .collect();
        assert_eq!(names, ["fish", "dog", "tree"]);
        let keys = Document::search(&[1.0, 2.0, 3.0])
            .max_distance(0.2)
            .fetch_keys(&mut conn)
            .await
            .unwrap();
        assert_eq!(keys.len(), 2, "{keys:?}");
        tx.rollback().await.unwrap();
    });
    assert_eq!(t.count("documents").await, 0);
    t.finish().await;
}

async fn insert_many_in_a_caller_transaction_is_all_or_nothing_and_never_commits(target: Target) {
    let t = setup(target).await;
    // Enough rows for two statements on every backend (3 parameters a row: 21,845 a statement on MySQL,
    // 10,922 on SQLite); the duplicate key is in the second, so the first was sent when the server refuses.
    let rows = 30_000;
    let duplicate_at = 25_000;
    let load = |duplicate: bool| {
        (1..=rows).map(move |i| {
            let id = if duplicate && i == duplicate_at { 1 } else { i };
            doc(id, "row", [1.0, i as f32, 0.5])
        })
    };
    in_caller_tx!(t, |tx| {
        caller_exec!(&mut *tx, "INSERT INTO jobs VALUES (1, 'before')".to_owned());
        let error = Document::insert_many(tx.conn(target.backend()), load(true))
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Server {
                    kind: ServerErrorKind::DuplicateKey,
                    ..
                }
            ),
            "{error:?}"
        );
        // Nothing of the failed load is left, and the caller's transaction goes on.
        assert_eq!(Document::count(tx.conn(target.backend())).await.unwrap(), 0);
        caller_exec!(&mut *tx, "INSERT INTO jobs VALUES (2, 'after')".to_owned());
        let inserted = Document::insert_many(tx.conn(target.backend()), load(false))
            .await
            .unwrap();
        assert_eq!(inserted, rows as u64);
        // The library committed nothing of the caller's: rolling back leaves no row anywhere.
        tx.rollback().await.unwrap();
    });
    assert_eq!(t.count("documents").await, 0);
    assert_eq!(t.count("jobs").await, 0);
    // The same, committed by the caller: the caller's two rows and the load, not the failed one.
    in_caller_tx!(t, |tx| {
        caller_exec!(&mut *tx, "INSERT INTO jobs VALUES (1, 'before')".to_owned());
        Document::insert_many(tx.conn(target.backend()), load(true))
            .await
            .unwrap_err();
        caller_exec!(&mut *tx, "INSERT INTO jobs VALUES (2, 'after')".to_owned());
        Document::insert_many(tx.conn(target.backend()), load(false))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    });
    assert_eq!(t.count("jobs").await, 2);
    assert_eq!(t.count("documents").await, rows);
    t.finish().await;
}

async fn db_begin_serves_the_library_and_the_caller(target: Target) {
    let t = setup(target).await;
    for commit in [false, true] {
        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(tx.backend(), target.backend());
        doc(0, "dog", [1.0, 2.0, 1.0])
            .insert(&mut tx)
            .await
            .unwrap();
        let sql = "INSERT INTO jobs VALUES (1, 'with the dog')".to_owned();
        match tx.as_mysql() {
            Some(conn) => drop(caller_exec!(conn, sql)),
            None => drop(caller_exec!(tx.as_sqlite().unwrap(), sql)),
        }
        let hits = Document::nearest_by_l2(&mut tx, &[1.0, 2.0, 1.0], 1)
            .await
            .unwrap();
        assert_eq!(hits[0].record.content, "dog");
        if commit {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        let expected = i64::from(commit);
        assert_eq!(t.count("documents").await, expected);
        assert_eq!(t.count("jobs").await, expected);
    }
    t.finish().await;
}

/// Vectors that need every bit: shortest-form decimals, subnormals, -0.0, large magnitudes.
fn exact_vectors() -> Vec<[f32; 3]> {
    vec![
        [0.1, -0.2, 0.3],
        [1.0 / 3.0, f32::MIN_POSITIVE / 8.0, -0.0],
        [5.0e18, -4.0e18, 12345.679],
        [f32::EPSILON, 1.0 + f32::EPSILON, -1.0e-38],
    ]
}

async fn vector_binds_and_decodes_in_plain_sqlx(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    // The caller's own insert binds a `Vector`, wrapped in the SQL each backend documents.
    let insert = match target.backend() {
        Backend::TiDb => {
            "INSERT INTO documents (id, content, embedding) VALUES (?, ?, VEC_FROM_TEXT(?))"
        }
        Backend::MariaDb => {
            "INSERT INTO documents (id, content, embedding) VALUES (?, ?, VEC_FromText(?))"
        }
        _ => "INSERT INTO documents (id, content, embedding) VALUES (?, ?, ?)",
    };
    for (i, values) in exact_vectors().into_iter().enumerate() {
        let v = Vector::from(values);
        let id = i as i64 + 1;
        match (t.db.mysql_pool(), t.db.sqlite_pool()) {
            (Some(pool), _) => sqlx::query(insert)
                .bind(id)
                .bind("plain")
                .bind(&v)
                .execute(pool)
                .await
                .map(drop),
            (_, Some(pool)) => sqlx::query(insert)
                .bind(id)
                .bind("plain")
                .bind(&v)
                .execute(pool)
                .await
                .map(drop),
            _ => unreachable!(),
        }
        .unwrap();
        // The library reads what plain sqlx wrote, bit for bit.
        let stored = Document::get(&t.db, &id).await.unwrap().unwrap();
        assert_eq!(bits(&stored.embedding), bits(&values), "row {id}");
    }
    // A bad vector is refused by the encoder: nothing is sent.
    let bad = Vector::from(vec![1.0, f32::NAN, 0.0]);
    let error = match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => sqlx::query(insert)
            .bind(99)
            .bind("bad")
            .bind(&bad)
            .execute(pool)
            .await
            .map(drop),
        (_, Some(pool)) => sqlx::query(insert)
            .bind(99)
            .bind("bad")
            .bind(&bad)
            .execute(pool)
            .await
            .map(drop),
        _ => unreachable!(),
    }
    .unwrap_err();
    assert!(matches!(error, sqlx::Error::Encode(_)), "{error:?}");
    assert!(error.to_string().contains("is NaN"), "{error}");
    // A `Vector` bound as the query of the caller's own search.
    let search = match target.backend() {
        Backend::TiDb => {
            "SELECT id FROM documents ORDER BY VEC_COSINE_DISTANCE(embedding, VEC_FROM_TEXT(?)), id LIMIT 1"
        }
        Backend::MariaDb => {
            "SELECT id FROM documents ORDER BY VEC_DISTANCE_COSINE(embedding, VEC_FromText(?)), id LIMIT 1"
        }
        _ => "SELECT id FROM documents ORDER BY vec_distance_cosine(embedding, ?), id LIMIT 1",
    };
    let query = Vector::from(vec![1.0 / 3.0, 0.0, 0.0]);
    let nearest: i64 = match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => {
            sqlx::query_scalar(search)
                .bind(&query)
                .fetch_one(pool)
                .await
        }
        (_, Some(pool)) => {
            sqlx::query_scalar(search)
                .bind(&query)
                .fetch_one(pool)
                .await
        }
        _ => unreachable!(),
    }
    .unwrap();
    assert_eq!(nearest, 2);
    assert_eq!(t.count("documents").await, 4);
    t.finish().await;
}

#[derive(Debug, sqlx::FromRow)]
struct PlainRow {
    id: i64,
    content: String,
    embedding: Vector,
    maybe: Option<Vector>,
}

async fn from_row_structs_read_what_the_library_wrote(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    let docs: Vec<Document> = exact_vectors()
        .into_iter()
        .enumerate()
        .map(|(i, v)| doc(i as i64 + 1, "lib", v))
        .collect();
    Document::insert_many(&t.db, &docs).await.unwrap();
    // TiDB sends the column as text; MariaDB and SQLite as bytes. The second column is NULL for row 1.
    let select = "SELECT id, content, embedding, \
                  CASE WHEN id = 1 THEN NULL ELSE embedding END AS maybe \
                  FROM documents ORDER BY id";
    let rows: Vec<PlainRow> = match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => sqlx::query_as(select).fetch_all(pool).await,
        (_, Some(pool)) => sqlx::query_as(select).fetch_all(pool).await,
        _ => unreachable!(),
    }
    .unwrap();
    assert_eq!(rows.len(), docs.len());
    for (row, doc) in rows.iter().zip(&docs) {
        assert_eq!((row.id, row.content.as_str()), (doc.id, "lib"));
        assert_eq!(bits(row.embedding.as_slice()), bits(&doc.embedding));
        match &row.maybe {
            None => assert_eq!(row.id, 1),
            Some(v) => assert_eq!(bits(v.as_slice()), bits(&doc.embedding)),
        }
    }
    // `try_get` on a row of the caller's own query.
    if let Some(pool) = t.db.mysql_pool() {
        let row = sqlx::query("SELECT embedding FROM documents WHERE id = 3")
            .fetch_one(pool)
            .await
            .unwrap();
        let v: Vector = row.try_get("embedding").unwrap();
        assert_eq!(bits(v.as_slice()), bits(&docs[2].embedding));
    }
    t.finish().await;
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// sqlite-vec goes into the library's connections only; a caller's own SQLite pool gets it at the first
/// operation through `Db::from_sqlite_pool`, and works like the library's own.
#[tokio::test]
async fn sqlite_vec_stays_in_the_connections_the_library_uses() {
    use sqlx::Connection as _;
    let db = tidb_vector_core::Db::embedded().await.unwrap();
    let version: String = sqlx::query_scalar("SELECT vec_version()")
        .fetch_one(db.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert!(version.starts_with('v'), "{version}");
    // Another SQLite connection of the same process has no sqlite-vec.
    let mut other = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    let error = sqlx::query_scalar::<_, String>("SELECT vec_version()")
        .fetch_one(&mut other)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no such function"), "{error}");
    // Until the library uses it.
    Document::create_table(&mut other).await.unwrap();
    doc(0, "dog", [1.0, 2.0, 1.0])
        .insert(&mut other)
        .await
        .unwrap();
    let hits = Document::nearest_by_negative_inner_product(&mut other, &[1.0, 1.0, 1.0], 1)
        .await
        .unwrap();
    assert_eq!(
        (hits[0].record.content.as_str(), hits[0].distance),
        ("dog", -4.0)
    );

    // A caller's pool of two connections, shared with the caller's own statements.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(2)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let db = tidb_vector_core::Db::from_sqlite_pool(pool.clone());
    assert_eq!(db.backend(), Backend::Sqlite);
    Document::create_table(&db).await.unwrap();
    Document::insert_many(
        &db,
        [
            doc(0, "dog", [1.0, 2.0, 1.0]),
            doc(0, "fish", [1.0, 2.0, 4.0]),
        ],
    )
    .await
    .unwrap();
    let hits = Document::nearest_by_cosine(&db, &[1.0, 2.0, 3.0], 2)
        .await
        .unwrap();
    let names: Vec<&str> = hits.iter().map(|h| h.record.content.as_str()).collect();
    assert_eq!(names, ["fish", "dog"]);
}

async fn list_after_walks_the_table_a_page_at_a_time(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    // Keys with gaps, inserted out of order.
    let keys: Vec<i64> = (1..=2_500).map(|i| (i * 7919) % 10_007 + 1).collect();
    Document::insert_many(
        &t.db,
        keys.iter().map(|&k| doc(k, "row", [1.0, k as f32, 0.0])),
    )
    .await
    .unwrap();
    let (mut after, mut seen, mut pages) = (None, Vec::new(), 0);
    loop {
        let page = Document::list_after(&t.db, after, 1_000).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        pages += 1;
        for (key, record) in page {
            assert_eq!((record.id, record.embedding[1]), (key, key as f32));
            seen.push(key);
        }
    }
    let mut expected = keys.clone();
    expected.sort_unstable();
    assert_eq!(seen, expected, "every row once, in key order");
    assert_eq!(pages, 3);
    t.finish().await;
}

/// Every operation is a `tidb_vector` span with the table, operation and backend, and an event with its
/// rows and duration when it ends; on the MySQL protocol sqlx's statement events are inside it (sqlx's
/// SQLite driver logs from its worker thread, outside any span of the caller). No bound value is logged.
async fn operations_are_traced_without_values(target: Target) {
    let captured = Captured::default();
    let _guard = captured.install();
    let t = TestDb::open(target).await;
    let backend = target.backend();
    let secret = "value-Kq9-never-logged";
    Document::create_table(&t.db).await.unwrap();
    Document::insert_many(
        &t.db,
        [
            doc(0, secret, [1.0, 2.0, 1.0]),
            doc(0, "fish", [1.0, 2.0, 4.0]),
        ],
    )
    .await
    .unwrap();
    Document::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 5)
        .await
        .unwrap();
    let log = captured.take();
    let mut lines = vec![
        format!(
            r#"tidb_vector{{table="documents" operation="insert_many" backend={backend} rows=2}}: tidb_vector_core::session: operation finished rows=2 elapsed_ms="#
        ),
        format!(
            r#"tidb_vector{{table="documents" operation="search" backend={backend} rows=2}}: tidb_vector_core::session: operation finished rows=2 elapsed_ms="#
        ),
    ];
    if backend != Backend::Sqlite {
        lines.push(format!(
            r#"tidb_vector{{table="documents" operation="insert_many" backend={backend}}}: sqlx::query"#
        ));
        lines.push(format!(
            r#"tidb_vector{{table="documents" operation="search" backend={backend}}}: sqlx::query"#
        ));
    }
    for line in lines {
        assert!(log.contains(&line), "no `{line}` in:\n{log}");
    }
    assert!(!log.contains(secret), "a value was logged:\n{log}");
    t.finish().await;
}

/// `PoolSettings` turns sqlx's statement events off (and on).
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_statement_logging_follows_the_pool_settings() {
    use std::time::Duration;
    use tidb_vector_core::{Config, Db, LevelFilter, PoolSettings, Secret};

    let captured = Captured::default();
    let _guard = captured.install();
    let url = std::env::var(tidb_vector_tests::MARIADB_URL).expect("TIDB_VECTOR_TEST_MARIADB_URL");
    let quiet = PoolSettings::default().with_statement_logging(
        LevelFilter::Off,
        LevelFilter::Off,
        Duration::from_secs(1),
    );
    for (settings, logged) in [(PoolSettings::default(), true), (quiet, false)] {
        let db = Db::connect_with_pool(&Config::Url(Secret::new(url.clone())), &settings)
            .await
            .unwrap();
        captured.take();
        // Reads information_schema only: no table needed.
        assert_eq!(Document::vector_index_progress(&db).await.unwrap(), None);
        let log = captured.take();
        assert_eq!(log.contains("sqlx::query"), logged, "{log}");
        assert!(log.contains("operation=\"vector_index_progress\""), "{log}");
        db.close().await;
    }
}

/// `Model::ddl` written to a migration file and applied by sqlx's own `Migrator`, as a team that keeps its
/// schema in migrations does; then the library inserts and searches in that table. On SQLite the caller's
/// pool loads sqlite-vec itself (`load_sqlite_vec`), as the DDL's dimensions check needs it.
async fn ddl_runs_as_an_sqlx_migration(target: Target) {
    let t = TestDb::open(target).await;
    let dir = std::env::temp_dir().join(format!(
        "tidb-vector-migrations-{}-{:?}",
        std::process::id(),
        target
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ddl = Document::ddl(target.backend()).unwrap().join(";\n");
    std::fs::write(dir.join("0001_documents.sql"), format!("{ddl};\n")).unwrap();
    let migrator = sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap();
    let db = match t.mysql() {
        Some(pool) => {
            migrator.run(pool).await.unwrap();
            t.db.clone()
        }
        None => {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(2)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        tidb_vector_core::load_sqlite_vec(conn)
                            .await
                            .map_err(|e| sqlx::Error::Configuration(e.into()))
                    })
                })
                .connect(&format!(
                    "sqlite://{}?mode=rwc",
                    dir.join("app.db").display()
                ))
                .await
                .unwrap();
            migrator.run(&pool).await.unwrap();
            tidb_vector_core::Db::from_sqlite_pool(pool)
        }
    };
    // The table the migration made is the model's (on SQLite: its dimensions CHECK included).
    Document::check_table(&db).await.unwrap();
    Document::insert_many(
        &db,
        [
            doc(1, "dog", [1.0, 2.0, 1.0]),
            doc(2, "fish", [1.0, 2.0, 4.0]),
            doc(3, "tree", [1.0, 0.0, 0.0]),
        ],
    )
    .await
    .unwrap();
    let hits = Document::nearest_by_cosine(&db, &[1.0, 2.0, 3.0], 3)
        .await
        .unwrap();
    let names: Vec<&str> = hits.iter().map(|h| h.record.content.as_str()).collect();
    assert_eq!(names, ["fish", "dog", "tree"]);
    std::fs::remove_dir_all(&dir).ok();
    t.finish().await;
}
