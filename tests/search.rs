//! The query surface on every backend: exact searches against a brute force computed here, filters,
//! distance bounds, records, literal mode and hints; on MariaDB, the vector index's use and recall.

use std::collections::HashSet;
use std::sync::OnceLock;

use tidb_vector_core::{Backend, Error, Metric, Vector, VectorModel};
use tidb_vector_tests::{Target, TestDb, distance, scenarios};

scenarios!(
    exact_search_is_the_brute_force_answer,
    filters_and_bounds_are_the_brute_force_answer,
    default_mode_answers_filtered_searches,
    records_get_update_upsert_delete_count,
    literal_mode_and_hints_do_not_change_answers,
    selected_columns_come_back_alone,
    vector_index_on_an_existing_table,
    pages_are_slices_of_one_ranking,
);

const ROWS: usize = 10_000;
const DIMS: usize = 128;
const LANGS: [&str; 4] = ["en", "de", "fr", "ja"];

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "items")]
struct Item {
    id: i64,
    category: i32,
    lang: String,
    score: f64,
    tag: Option<String>,
    #[vector(dimensions = 128)]
    embedding: Vec<f32>,
}

/// A deterministic xorshift generator, so every run and every backend sees the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    fn vector(&mut self) -> Vec<f32> {
        (0..DIMS).map(|_| self.unit()).collect()
    }
}

fn items() -> &'static [Item] {
    static ITEMS: OnceLock<Vec<Item>> = OnceLock::new();
    ITEMS.get_or_init(|| {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        (1..=ROWS as i64)
            .map(|id| Item {
                id,
                category: (rng.next() % 10) as i32,
                lang: LANGS[(rng.next() % 4) as usize].to_owned(),
                score: (rng.next() % 1000) as f64 / 1000.0,
                tag: rng
                    .next()
                    .is_multiple_of(3)
                    .then(|| format!("t{}", rng.next() % 5)),
                embedding: rng.vector(),
            })
            .collect()
    })
}

fn queries(n: usize) -> Vec<Vec<f32>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n).map(|_| rng.vector()).collect()
}

/// The brute-force answer: rows passing `keep` with distance in `bounds`, nearest first, at most `limit`.
fn brute_force(
    metric: Metric,
    query: &[f32],
    limit: usize,
    bounds: (f64, f64),
    keep: impl Fn(&Item) -> bool,
) -> Vec<(i64, f64)> {
    let mut all: Vec<(i64, f64)> = items()
        .iter()
        .filter(|item| keep(item))
        .map(|item| (item.id, distance(metric, query, &item.embedding)))
        .filter(|(_, d)| *d >= bounds.0 && *d < bounds.1)
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1));
    all.truncate(limit);
    all
}

/// Backends compute in f32 or f64: distances agree to this (relative) tolerance.
fn tolerance(d: f64) -> f64 {
    1e-4 * d.abs().max(1.0)
}

/// `got` is the exact answer `want`, up to the order of rows whose distances tie within the tolerance.
fn assert_same_answer(
    label: &str,
    got: &[(i64, f64)],
    want: &[(i64, f64)],
    metric: Metric,
    query: &[f32],
) {
    assert_eq!(
        got.len(),
        want.len(),
        "{label}: {} rows, expected {}",
        got.len(),
        want.len()
    );
    let Some(&(_, last)) = want.last() else {
        return;
    };
    let by_id = |id: i64| &items()[(id - 1) as usize];
    for ((id, d), (_, want_d)) in got.iter().zip(want) {
        let truth = distance(metric, query, &by_id(*id).embedding);
        assert!(
            (d - truth).abs() < tolerance(truth),
            "{label}: row {id} at {d}, truly {truth}"
        );
        assert!(
            (d - want_d).abs() < tolerance(*want_d),
            "{label}: rank of row {id}: {d} vs {want_d}"
        );
    }
    let got_ids: HashSet<i64> = got.iter().map(|(id, _)| *id).collect();
    for (id, d) in want {
        // A row may be swapped only for one at (nearly) the same distance at the boundary.
        assert!(
            got_ids.contains(id) || (d - last).abs() < tolerance(last),
            "{label}: row {id} ({d}) missing"
        );
    }
}

/// A fresh database holding the first `rows` items.
async fn loaded(target: Target, rows: usize) -> TestDb {
    let t = TestDb::open(target).await;
    Item::create_table(&t.db).await.unwrap();
    let inserted = Item::insert_many(&t.db, &items()[..rows]).await.unwrap();
    assert_eq!(inserted, rows as u64);
    t
}

/// The rows a brute-force comparison loads: all of them, but 2,000 on the TiDB dialect on MariaDB, whose
/// TiDB functions are stored SQL that reads a vector an element at a time (at 10,000 rows that target's
/// exact scans took over two minutes of CI). The SQL it checks is the same at any size; the MariaDB
/// dialect and a real TiDB keep 10,000.
fn rows(target: Target) -> usize {
    match target {
        Target::TiDbOnMariaDb => 2_000,
        _ => ROWS,
    }
}

/// Whether an item is among the first `rows` (those [`loaded`] stored).
fn stored(item: &Item, rows: usize) -> bool {
    item.id as usize <= rows
}

/// The metrics whose exact scan is cheap enough everywhere: MariaDB-hosted TiDB functions for L1 and the
/// inner product loop in stored SQL, so the TiDB-dialect target checks them on fewer queries.
fn query_count(target: Target, metric: Metric) -> usize {
    match (target, metric) {
        (Target::TiDbOnMariaDb, Metric::L1 | Metric::NegativeInnerProduct) => 1,
        _ => 3,
    }
}

async fn exact_search_is_the_brute_force_answer(target: Target) {
    let rows = rows(target);
    let t = loaded(target, rows).await;
    for metric in Metric::ALL {
        for (i, query) in queries(query_count(target, metric)).iter().enumerate() {
            let got = Item::search(query)
                .metric(metric)
                .limit(10)
                .exact()
                .fetch_keys(&t.db)
                .await
                .unwrap();
            let want = brute_force(metric, query, 10, (f64::NEG_INFINITY, f64::INFINITY), |i| {
                stored(i, rows)
            });
            assert_same_answer(&format!("{metric} #{i}"), &got, &want, metric, query);
        }
    }
    t.finish().await;
}

async fn filters_and_bounds_are_the_brute_force_answer(target: Target) {
    let rows = rows(target);
    let t = loaded(target, rows).await;
    let f = Item::FIELDS;
    let query = &queries(1)[0];
    struct Case {
        label: &'static str,
        metric: Metric,
        bounds: (f64, f64),
        filter: tidb_vector_core::Filter<Item>,
        keep: fn(&Item) -> bool,
        limit: usize,
    }
    let case = |label, metric, bounds, filter, keep, limit| Case {
        label,
        metric,
        bounds,
        filter,
        keep,
        limit,
    };
    let any = (f64::NEG_INFINITY, f64::INFINITY);
    let cases: Vec<Case> = vec![
        case(
            "category = 3",
            Metric::Cosine,
            any,
            f.category.eq(3),
            |i| i.category == 3,
            10,
        ),
        case(
            "lang in (en, de) and score >= 0.5",
            Metric::L2,
            any,
            f.lang.is_in(["en", "de"]) & f.score.ge(0.5),
            |i| (i.lang == "en" || i.lang == "de") && i.score >= 0.5,
            15,
        ),
        case(
            "cosine < 0.9 and category in (1, 2)",
            Metric::Cosine,
            (f64::NEG_INFINITY, 0.9),
            f.category.is_in([1, 2]),
            |i| i.category == 1 || i.category == 2,
            20,
        ),
        case(
            "L2 in 8.5..9.0, tag is null or category > 7",
            Metric::L2,
            (8.5, 9.0),
            f.tag.is_null() | f.category.gt(7),
            |i| i.tag.is_none() || i.category > 7,
            25,
        ),
        case(
            "not french, L1 below 80",
            Metric::L1,
            (f64::NEG_INFINITY, 80.0),
            !f.lang.eq("fr"),
            |i| i.lang != "fr",
            10,
        ),
        case(
            "inner product, tag t1, no row above -2",
            Metric::NegativeInnerProduct,
            (f64::NEG_INFINITY, -2.0),
            f.tag.eq("t1"),
            |i| i.tag.as_deref() == Some("t1"),
            10,
        ),
        case(
            "an empty IN matches nothing",
            Metric::Cosine,
            any,
            f.category.is_in(Vec::<i32>::new()),
            |_| false,
            10,
        ),
    ];
    for Case {
        label,
        metric,
        bounds,
        filter,
        keep,
        limit,
    } in cases
    {
        if target == Target::TiDbOnMariaDb
            && matches!(metric, Metric::L1 | Metric::NegativeInnerProduct)
        {
            // Stored-SQL loops over 10,000 x 128 values twice per row: covered on the other targets and by
            // `exact_search_is_the_brute_force_answer` here.
            continue;
        }
        let mut search = Item::search(query)
            .metric(metric)
            .limit(limit)
            .filter(filter)
            .exact();
        search = match bounds {
            (lo, hi) if lo.is_finite() => search.distance_range(lo..hi),
            (_, hi) if hi.is_finite() => search.max_distance(hi),
            _ => search,
        };
        let got = search.fetch_keys(&t.db).await.unwrap();
        let want = brute_force(metric, query, limit, bounds, |i| stored(i, rows) && keep(i));
        assert!(
            !want.is_empty() || label.contains("empty"),
            "{label}: the case selects no row"
        );
        assert_same_answer(label, &got, &want, metric, query);
    }
    t.finish().await;
}

async fn default_mode_answers_filtered_searches(target: Target) {
    // Without a vector index every backend answers exactly; on TiDB the default shape is the candidate
    // subquery, which must still be right when the candidates hold the answer.
    let rows = rows(target);
    let t = loaded(target, rows).await;
    let f = Item::FIELDS;
    let query = &queries(2)[1];
    let got = Item::search(query)
        .metric(Metric::L2)
        .filter(f.category.eq(4))
        .limit(5)
        .candidates(rows)
        .fetch(&t.db)
        .await
        .unwrap();
    let want = brute_force(
        Metric::L2,
        query,
        5,
        (f64::NEG_INFINITY, f64::INFINITY),
        |i| stored(i, rows) && i.category == 4,
    );
    let got_keys: Vec<(i64, f64)> = got.iter().map(|h| (h.key, h.distance)).collect();
    assert_same_answer("default mode", &got_keys, &want, Metric::L2, query);
    for hit in &got {
        assert_eq!(
            &hit.record,
            &items()[(hit.key - 1) as usize],
            "whole rows come back"
        );
    }
    // With too few candidates TiDB's shape can miss rows; elsewhere the filter is a WHERE.
    let few = Item::search(query)
        .metric(Metric::L2)
        .filter(f.category.eq(4))
        .limit(5)
        .candidates(5)
        .fetch_keys(&t.db)
        .await
        .unwrap();
    match target.backend() {
        Backend::TiDb => assert!(
            few.len() <= 5
                && few
                    .iter()
                    .all(|(id, _)| items()[(id - 1) as usize].category == 4)
        ),
        _ => assert_same_answer("where", &few, &want, Metric::L2, query),
    }
    t.finish().await;
}

async fn records_get_update_upsert_delete_count(target: Target) {
    let t = TestDb::open(target).await;
    Item::create_table(&t.db).await.unwrap();
    let f = Item::FIELDS;
    let sample: Vec<Item> = items()[..50].to_vec();
    Item::insert_many(&t.db, &sample).await.unwrap();
    assert_eq!(Item::count(&t.db).await.unwrap(), 50);
    let english = sample.iter().filter(|i| i.lang == "en").count() as u64;
    assert_eq!(
        Item::count_where(&t.db, f.lang.eq("en")).await.unwrap(),
        english
    );

    assert_eq!(
        Item::get(&t.db, &7).await.unwrap().as_ref(),
        Some(&sample[6])
    );
    assert_eq!(Item::get(&t.db, &9999).await.unwrap(), None);

    let mut changed = sample[6].clone();
    changed.lang = "xx".into();
    changed.tag = None;
    changed.embedding = vec![0.5; DIMS];
    assert!(Item::update(&t.db, &7, &changed).await.unwrap());
    assert_eq!(Item::get(&t.db, &7).await.unwrap(), Some(changed.clone()));
    assert!(
        Item::update(&t.db, &7, &changed).await.unwrap(),
        "an unchanged row still counts as found"
    );
    assert!(!Item::update(&t.db, &9999, &changed).await.unwrap());
    let mut bad = changed.clone();
    bad.embedding.pop();
    assert!(matches!(
        Item::update(&t.db, &7, &bad).await,
        Err(Error::Dimensions { .. })
    ));
    assert_eq!(
        Item::get(&t.db, &7).await.unwrap(),
        Some(changed.clone()),
        "a refused update changes nothing"
    );

    let new = Item {
        id: 500,
        ..sample[0].clone()
    };
    Item::upsert(&t.db, &500, &new).await.unwrap();
    assert_eq!(Item::get(&t.db, &500).await.unwrap(), Some(new.clone()));
    let replaced = Item {
        score: 0.25,
        lang: "ja".into(),
        ..new.clone()
    };
    Item::upsert(&t.db, &500, &replaced).await.unwrap();
    assert_eq!(Item::get(&t.db, &500).await.unwrap(), Some(replaced));
    assert_eq!(Item::count(&t.db).await.unwrap(), 51);

    assert!(Item::delete(&t.db, &500).await.unwrap());
    assert!(!Item::delete(&t.db, &500).await.unwrap());
    let french = Item::count_where(&t.db, f.lang.eq("fr")).await.unwrap();
    assert_eq!(
        Item::delete_where(&t.db, f.lang.eq("fr")).await.unwrap(),
        french
    );
    assert_eq!(Item::count(&t.db).await.unwrap(), 50 - french);
    assert_eq!(Item::count_where(&t.db, f.lang.eq("fr")).await.unwrap(), 0);
    t.finish().await;
}

async fn literal_mode_and_hints_do_not_change_answers(target: Target) {
    let t = loaded(target, 500).await;
    let f = Item::FIELDS;
    let query = &queries(1)[0];
    let bound = Item::search(query).metric(Metric::L2).limit(7);
    let plain = bound.clone().fetch_keys(&t.db).await.unwrap();
    let literal = bound.clone().literal();
    assert!(
        literal.statement(t.db.backend()).unwrap().params.is_empty(),
        "literal mode sends no arguments"
    );
    assert_eq!(literal.fetch_keys(&t.db).await.unwrap(), plain);
    let hinted = bound.clone().read_from_tiflash().ignore_plan_cache();
    let sql = hinted.statement(t.db.backend()).unwrap().sql;
    assert_eq!(
        sql.contains("/*+ READ_FROM_STORAGE(TIFLASH[items]), IGNORE_PLAN_CACHE() */"),
        target.backend() == Backend::TiDb,
        "{sql}"
    );
    // MariaDB 11.8 reads TiDB's hints as a comment, so the TiDB-dialect target runs them too.
    assert_eq!(hinted.fetch_keys(&t.db).await.unwrap(), plain);
    let filtered = Item::search(query)
        .metric(Metric::Cosine)
        .max_distance(0.95)
        .filter(f.category.lt(5))
        .limit(9);
    let want = filtered.clone().fetch_keys(&t.db).await.unwrap();
    assert_eq!(filtered.literal().fetch_keys(&t.db).await.unwrap(), want);

    // Literal mode goes over the text protocol: the server prepares nothing for it (MariaDB counts
    // prepares in `Com_stmt_prepare`), while the bound search is prepared.
    if target.is_mariadb() {
        let pool = t.pool(1).await;
        let mut conn = pool.acquire().await.unwrap();
        let before = prepares(&mut conn).await;
        let literal = bound.clone().literal();
        assert_eq!(
            literal
                .fetch_keys(conn_of(target, &mut conn))
                .await
                .unwrap(),
            plain
        );
        let after_literal = prepares(&mut conn).await;
        assert_eq!(after_literal, before, "the literal search prepared nothing");
        let keys = bound.clone().fetch_keys(conn_of(target, &mut conn)).await;
        assert_eq!(keys.unwrap(), plain);
        let after_bound = prepares(&mut conn).await;
        assert!(after_bound > after_literal, "the bound search was prepared");

        // A literal search with a filter binds the filter's values, so it is prepared; its text differs
        // with every query vector, so it is not kept in the connection's statement cache: each is closed
        // after its one run (MariaDB counts closes in `Com_stmt_close`), while the bound search is kept.
        let before = status(&mut conn, "Com_stmt_close").await;
        for query in queries(3) {
            Item::search(&query)
                .filter(Item::FIELDS.category.ne(3))
                .literal()
                .fetch_keys(conn_of(target, &mut conn))
                .await
                .unwrap();
        }
        assert_eq!(
            status(&mut conn, "Com_stmt_close").await,
            before + 3,
            "each literal text closed after its run"
        );
        let before = status(&mut conn, "Com_stmt_close").await;
        for query in queries(3) {
            Item::search(&query)
                .filter(Item::FIELDS.category.ne(3))
                .fetch_keys(conn_of(target, &mut conn))
                .await
                .unwrap();
        }
        assert_eq!(
            status(&mut conn, "Com_stmt_close").await,
            before,
            "the bound text stays cached"
        );
    }
    t.finish().await;
}

/// A session status counter of this MariaDB session (read over the text protocol).
async fn status(conn: &mut sqlx::MySqlConnection, name: &str) -> u64 {
    use sqlx::Row as _;
    let sql = format!("SHOW SESSION STATUS LIKE '{name}'");
    let row = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .unwrap();
    row.get::<String, _>(1).parse().unwrap()
}

/// How many statements this MariaDB session has prepared (read over the text protocol, so the count
/// does not count itself).
async fn prepares(conn: &mut sqlx::MySqlConnection) -> u64 {
    use sqlx::Row as _;
    let row = sqlx::raw_sql("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")
        .fetch_one(conn)
        .await
        .unwrap();
    row.get::<String, _>(1).parse().unwrap()
}

/// A caller's connection, with the target's dialect.
fn conn_of(target: Target, conn: &mut sqlx::MySqlConnection) -> tidb_vector_core::Conn<'_> {
    match target.backend() {
        Backend::MariaDb => tidb_vector_core::Conn::mariadb(conn),
        _ => tidb_vector_core::Conn::tidb(conn),
    }
}

async fn selected_columns_come_back_alone(target: Target) {
    use tidb_vector_core::Value;
    let t = loaded(target, 300).await;
    let f = Item::FIELDS;
    let query = &queries(1)[0];
    let search = Item::search(query)
        .metric(Metric::L2)
        .filter(f.category.ne(3))
        .limit(8);
    let full = search.clone().fetch(&t.db).await.unwrap();
    let partial = search
        .clone()
        .fetch_columns(&t.db, [f.tag.name(), f.lang.name(), f.score.name()])
        .await
        .unwrap();
    assert_eq!(partial.len(), full.len());
    for (p, h) in partial.iter().zip(&full) {
        assert_eq!((p.key, p.distance), (h.key, h.distance));
        let names: Vec<&str> = p.values.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["tag", "lang", "score"]);
        let tag = h.record.tag.clone().map_or(Value::Null, Value::Text);
        assert_eq!(p.get("tag"), Some(&tag));
        assert_eq!(p.get("lang"), Some(&Value::Text(h.record.lang.clone())));
        assert_eq!(p.get("score"), Some(&Value::F64(h.record.score)));
    }
    let sql = search.statement(t.db.backend()).unwrap().sql;
    assert!(sql.contains("embedding"), "{sql}");
    let unknown = Item::search(query)
        .fetch_columns(&t.db, ["embedding"])
        .await;
    assert!(
        matches!(unknown, Err(Error::InvalidArgument(_))),
        "{unknown:?}"
    );
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "indexed")]
struct Indexed {
    id: i64,
    #[vector(dimensions = 128)]
    embedding: Vec<f32>,
}

async fn vector_index_on_an_existing_table(target: Target) {
    let t = TestDb::open(target).await;
    Indexed::create_table(&t.db).await.unwrap();
    let rows: Vec<Indexed> = items()[..300]
        .iter()
        .map(|i| Indexed {
            id: i.id,
            embedding: i.embedding.clone(),
        })
        .collect();
    Indexed::insert_many(&t.db, &rows).await.unwrap();
    let progress = Indexed::vector_index_progress(&t.db).await;
    if target == Target::TiDbOnMariaDb {
        // TiDB's INFORMATION_SCHEMA.TIFLASH_INDEXES has no MariaDB counterpart.
        assert!(
            matches!(progress, Err(Error::Server { .. })),
            "{progress:?}"
        );
    } else {
        assert_eq!(progress.unwrap(), None);
    }
    let result = Indexed::create_vector_index(&t.db, Metric::Cosine).await;
    match target {
        Target::Sqlite => {
            assert!(
                matches!(result, Err(Error::Unsupported { .. })),
                "{result:?}"
            );
        }
        Target::TiDbOnMariaDb => {
            // TiDB's index DDL (pinned by the golden test) is not MariaDB syntax.
            assert!(matches!(result, Err(Error::Server { .. })), "{result:?}");
        }
        // A TiDB without TiFlash (a standalone server) builds no vector index, and says so; the progress
        // statements above ran on it all the same (TIFLASH_INDEXES, TIDB_INDEXES, DDL_JOBS: "no index").
        Target::TiDb
            if matches!(&result, Err(error)
                if error.server_error_kind() == Some(tidb_vector_core::ServerErrorKind::MissingTiFlashReplica)) =>
            {}
        Target::MariaDb | Target::TiDb => {
            result.unwrap();
            let progress = Indexed::vector_index_progress(&t.db)
                .await
                .unwrap()
                .expect("an index");
            if target == Target::MariaDb {
                assert_eq!(progress.rows_indexed, 300);
                assert!(progress.is_complete());
                let plan = Indexed::search(&queries(1)[0])
                    .limit(5)
                    .explain(&t.db)
                    .await
                    .unwrap();
                assert!(
                    plan.iter()
                        .any(|line| line.split('\t').nth(5) == Some("embedding")),
                    "{plan:?}"
                );
            }
        }
    }
    assert!(matches!(
        Indexed::create_vector_index(&t.db, Metric::L1).await,
        Err(Error::InvalidArgument(_))
    ));
    t.finish().await;
}

/// MariaDB only: the vector index serves the nearest-k query, exact mode turns it off, and it finds the
/// true nearest neighbours.
mod mariadb_index {
    use super::*;

    #[derive(Debug, Clone, PartialEq, VectorModel)]
    #[vector(table = "ann")]
    struct Ann {
        id: i64,
        category: i32,
        #[vector(dimensions = 128, index = "cosine")]
        embedding: Vec<f32>,
    }

    #[tokio::test]
    #[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
    async fn mariadb_index_is_used_and_recall_at_10_is_high() {
        let t = TestDb::open(Target::MariaDb).await;
        Ann::create_table(&t.db).await.unwrap();
        let rows: Vec<Ann> = items()
            .iter()
            .map(|i| Ann {
                id: i.id,
                category: i.category,
                embedding: i.embedding.clone(),
            })
            .collect();
        Ann::insert_many(&t.db, &rows).await.unwrap();
        let progress = Ann::vector_index_progress(&t.db)
            .await
            .unwrap()
            .expect("an index");
        assert_eq!(progress.rows_indexed, ROWS as u64);

        let key_column = |plan: &[String]| -> Vec<String> {
            plan.iter()
                .map(|line| line.split('\t').nth(5).unwrap_or("").to_owned())
                .collect()
        };
        let query = &queries(1)[0];
        let plan = Ann::search(query).limit(10).explain(&t.db).await.unwrap();
        assert_eq!(
            key_column(&plan),
            ["embedding"],
            "nearest-k uses the index: {plan:?}"
        );
        let plan = Ann::search(query)
            .limit(10)
            .exact()
            .explain(&t.db)
            .await
            .unwrap();
        assert_eq!(key_column(&plan), [""], "exact mode scans: {plan:?}");

        // Random vectors are the hardest case for HNSW (real embeddings cluster); recall grows with
        // ef_search. The figures are printed for the record; the assertion is on the default, what a user
        // gets without reading about ef_search.
        let probes = queries(50);
        let mut recall_at = Vec::new();
        for ef in [Some(20), Some(100), Some(200), Some(300), Some(400), None] {
            let mut found = 0;
            for query in &probes {
                let mut search = Ann::search(query).limit(10);
                if let Some(ef) = ef {
                    search = search.ef_search(ef);
                }
                let got: HashSet<i64> = search
                    .fetch_keys(&t.db)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                let want = brute_force(
                    Metric::Cosine,
                    query,
                    10,
                    (f64::NEG_INFINITY, f64::INFINITY),
                    |_| true,
                );
                found += want.iter().filter(|(id, _)| got.contains(id)).count();
            }
            let recall = found as f64 / (10 * probes.len()) as f64;
            println!(
                "MariaDB HNSW (M=16) recall@10, {} random queries, {ROWS} x {DIMS}, ef_search {}: {recall:.3}",
                probes.len(),
                ef.map_or("default".to_owned(), |ef| ef.to_string())
            );
            recall_at.push((ef, recall));
        }
        // The default for nearest 10 is 100, chosen on real text embeddings (0.99 there, BENCHMARKS.md); on
        // random vectors it finds 0.87 to 0.91 (measured in different runs: the graph's layers are drawn at
        // random as rows are inserted), and this pins a floor below that.
        let (_, recall) = recall_at.last().copied().unwrap();
        assert!(
            recall >= 0.8,
            "recall@10 with the default ef_search = {recall}: {recall_at:?}"
        );
        // (The default sends the statement `ef_search(100)` does, yet the two can find different shares: 0.856
        // and 0.896 in one run. MariaDB's index search is not deterministic from one run of a statement to
        // the next, so the statements are compared below, not the answers.)
        // The default statement names the setting, ten candidates for each row fetched and at least 40;
        // exact mode and an explicit setting win.
        for (offset, limit, ef) in [(0, 10, 100), (0, 1, 40), (0, 50, 500), (20, 10, 300)] {
            let sql = Ann::search(query)
                .offset(offset)
                .limit(limit)
                .statement(t.db.backend())
                .unwrap()
                .sql;
            assert!(
                sql.starts_with(&format!("SET STATEMENT mhnsw_ef_search = {ef} FOR ")),
                "{sql}"
            );
        }
        let sql = Ann::search(query)
            .exact()
            .statement(t.db.backend())
            .unwrap()
            .sql;
        assert!(!sql.contains("mhnsw_ef_search"), "{sql}");
        let sql = Ann::search(query)
            .ef_search(40)
            .statement(t.db.backend())
            .unwrap()
            .sql;
        assert!(
            sql.starts_with("SET STATEMENT mhnsw_ef_search = 40 FOR "),
            "{sql}"
        );
        t.finish().await;
    }
}

#[test]
fn vector_type_is_a_query_vector_too() {
    // Compile-time coverage of the query types a `Vec<f32>` model takes.
    let v = Vector::from(vec![0.0; DIMS]);
    let _ = Item::search(&v).limit(1);
    let _ = Item::search(v.as_slice()).limit(1);
}

/// A real TiDB only: the bound nearest-k query is served by the vector index, checked the way
/// ../shared/reference/tidb-vector-sql.md (1.7) describes: run it on one connection, then ask
/// `EXPLAIN FOR CONNECTION` from another for `annIndex:`. Needs a cluster with TiFlash.
mod tidb_index {
    use super::*;
    use tidb_vector_core::Db;

    #[derive(Debug, Clone, PartialEq, VectorModel)]
    #[vector(table = "ann_tidb")]
    struct AnnTidb {
        id: i64,
        #[vector(dimensions = 128, index = "cosine")]
        embedding: Vec<f32>,
    }

    #[tokio::test]
    #[ignore = "needs a real TiDB with TiFlash: set TIDB_VECTOR_TEST_TIDB_URL"]
    async fn tidb_vector_index_serves_bound_and_literal_queries() {
        let t = TestDb::open(Target::TiDb).await;
        AnnTidb::create_table(&t.db).await.unwrap();
        let rows: Vec<AnnTidb> = items()[..2_000]
            .iter()
            .map(|i| AnnTidb {
                id: i.id,
                embedding: i.embedding.clone(),
            })
            .collect();
        AnnTidb::insert_many(&t.db, &rows).await.unwrap();
        // Let TiFlash catch up and build the index (searches are right before that, only slower).
        let mut complete = false;
        for _ in 0..120 {
            let progress = AnnTidb::vector_index_progress(&t.db).await.unwrap();
            if progress
                .as_ref()
                .is_some_and(|p| p.rows_indexed > 0 && p.is_complete())
            {
                complete = true;
                break;
            }
            let compact = sqlx::query("ALTER TABLE `ann_tidb` COMPACT");
            compact.execute(t.mysql().unwrap()).await.ok();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        assert!(
            complete,
            "the vector index was not built within two minutes"
        );

        let one = t.pool(1).await;
        let db = Db::from_mysql_pool(one.clone(), Backend::TiDb).unwrap();
        let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
            .fetch_one(&one)
            .await
            .unwrap();
        let query = &queries(1)[0];
        let plans = [
            ("bound", AnnTidb::search(query).limit(10)),
            (
                "bound, hinted",
                AnnTidb::search(query)
                    .limit(10)
                    .read_from_tiflash()
                    .ignore_plan_cache(),
            ),
            ("literal", AnnTidb::search(query).limit(10).literal()),
        ];
        for (label, search) in plans {
            let hits = search.fetch_keys(&db).await.unwrap();
            assert_eq!(hits.len(), 10, "{label}");
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN FOR CONNECTION {id}")))
                .fetch_all(t.mysql().unwrap())
                .await
                .unwrap();
            let text: Vec<String> = rows
                .iter()
                .map(|row| {
                    (0..sqlx::Row::len(row))
                        .filter_map(|i| sqlx::Row::try_get::<String, _>(row, i).ok())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            assert!(
                text.iter().any(|line| line.contains("annIndex:")),
                "{label}: no annIndex in the plan: {text:#?}"
            );
        }
        t.finish().await;
    }
}

/// `.offset(n)`: consecutive pages of an exact search (plain, filtered, bounded) are the single search of
/// their combined limit and the brute-force answer; a page past the end is empty.
async fn pages_are_slices_of_one_ranking(target: Target) {
    let rows = rows(target);
    let t = loaded(target, rows).await;
    let f = Item::FIELDS;
    let query = &queries(3)[2];
    for metric in [Metric::Cosine, Metric::L2] {
        let want = brute_force(metric, query, 25, (f64::NEG_INFINITY, f64::INFINITY), |i| {
            stored(i, rows) && i.category < 5
        });
        let bound = want[24].1 + tolerance(want[24].1);
        for shape in ["plain", "filtered", "bounded"] {
            let search = |offset: usize, limit: usize| {
                let search = Item::search(query)
                    .metric(metric)
                    .exact()
                    .offset(offset)
                    .limit(limit);
                match shape {
                    "plain" => search,
                    "filtered" => search.filter(f.category.lt(5)),
                    _ => search.filter(f.category.lt(5)).max_distance(bound),
                }
            };
            let whole = search(0, 25).fetch_keys(&t.db).await.unwrap();
            let mut pages = Vec::new();
            for (offset, limit) in [(0, 10), (10, 10), (20, 5)] {
                pages.extend(search(offset, limit).fetch_keys(&t.db).await.unwrap());
            }
            assert_eq!(pages.len(), 25, "{metric} {shape}");
            assert_eq!(
                pages.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                whole.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                "{metric} {shape}: the pages are the search of their combined limit"
            );
            if shape != "plain" {
                assert_same_answer(
                    &format!("{metric} {shape} pages"),
                    &pages,
                    &want,
                    metric,
                    query,
                );
            }
            // Whole rows page the same way.
            let hits = search(20, 5).fetch(&t.db).await.unwrap();
            assert_eq!(
                hits.iter().map(|h| h.key).collect::<Vec<_>>(),
                whole[20..].iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                "{metric} {shape}: fetch"
            );
        }
        let past = Item::search(query)
            .metric(metric)
            .exact()
            .filter(f.category.lt(5))
            .max_distance(bound)
            .offset(25)
            .limit(10)
            .fetch_keys(&t.db)
            .await
            .unwrap();
        assert!(past.is_empty(), "{metric}: a page past the end: {past:?}");
    }
    t.finish().await;
}
