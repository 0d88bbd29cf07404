//! Model operations end to end: the tutorial's workflow, every metric's ranking and distances, keys the
//! database assigns and keys the caller gives, each field type's round trip (vectors exactly, scalars,
//! dates and times, JSON, domain types), bulk inserts across statements and all-or-nothing, vectors refused
//! before any SQL, zero vectors, and a table of another shape reported. Every scenario runs on embedded
//! SQLite, on MariaDB 11.8 with the MariaDB dialect, on MariaDB with the TiDB dialect, and on a real TiDB
//! (see `support`).

use tidb_vector_core::{Error, Metric, ServerErrorKind, Vector, VectorModel};
use tidb_vector_tests::{Target, TestDb, scenarios};

scenarios!(
    reference_workflow,
    every_metric_ranks_and_measures_like_tidb,
    insert_returns_assigned_keys,
    vectors_round_trip_exactly,
    scalar_fields_round_trip,
    explicit_keys_and_fixed_arrays,
    bulk_insert_spans_several_statements,
    bulk_insert_is_all_or_nothing,
    bad_vectors_are_refused_before_any_sql,
    zero_vectors_never_come_first,
    a_table_of_another_shape_is_a_schema_mismatch,
    domain_keys_and_columns_round_trip,
    dates_and_times_round_trip,
    json_round_trips,
    auto_random_keys_are_tidbs,
    upsert_many_inserts_new_keys_and_replaces_the_others,
);

/// The tutorial's model.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "documents")]
struct Document {
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn doc(content: &str, embedding: [f32; 3]) -> Document {
    Document {
        content: content.to_owned(),
        embedding: embedding.to_vec(),
    }
}

fn tutorial_documents() -> Vec<Document> {
    vec![
        doc("dog", [1.0, 2.0, 1.0]),
        doc("fish", [1.0, 2.0, 4.0]),
        doc("tree", [1.0, 0.0, 0.0]),
    ]
}

/// Distances from TiDB's reference workflow (query [1,2,3], computed in f64).
const COSINE: [(&str, f64); 3] = [
    ("fish", 0.008539866016332498),
    ("dog", 0.12712843905603044),
    ("tree", 0.7327387580875756),
];

fn names_and_distances(hits: &[tidb_vector_core::Hit<Document>]) -> Vec<(String, f64)> {
    hits.iter()
        .map(|h| (h.record.content.clone(), h.distance))
        .collect()
}

fn assert_ranked(hits: &[tidb_vector_core::Hit<Document>], expected: &[(&str, f64)]) {
    let got = names_and_distances(hits);
    assert_eq!(
        got.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        "{got:?}"
    );
    for ((name, distance), (_, want)) in got.iter().zip(expected) {
        // sqlite-vec and MariaDB compute in f32: agree to 1e-5, as the tutorial's figures are given.
        assert!(
            (distance - want).abs() < 1e-5,
            "{name}: distance {distance}, expected {want}"
        );
    }
}

async fn reference_workflow(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    Document::create_table(&t.db)
        .await
        .expect("create_table is idempotent");
    assert_eq!(
        Document::insert_many(&t.db, tutorial_documents())
            .await
            .unwrap(),
        3
    );

    let nearest = Document::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 3)
        .await
        .unwrap();
    assert_ranked(&nearest, &COSINE);
    assert_eq!(nearest[0].record, doc("fish", [1.0, 2.0, 4.0]));

    let close = Document::within_distance(&t.db, Metric::Cosine, &[1.0, 2.0, 3.0], 0.2, 10)
        .await
        .unwrap();
    assert_ranked(&close, &COSINE[..2]);

    let top1 = Document::nearest_by_cosine(&t.db, &vec![1.0, 2.0, 3.0], 1)
        .await
        .unwrap();
    assert_ranked(&top1, &COSINE[..1]);

    Document::drop_table(&t.db).await.unwrap();
    let gone = Document::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 3).await;
    assert_eq!(
        gone.unwrap_err().server_error_kind(),
        Some(ServerErrorKind::NoSuchTable),
        "the table is gone"
    );
    t.finish().await;
}

async fn every_metric_ranks_and_measures_like_tidb(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    Document::insert_many(&t.db, &tutorial_documents())
        .await
        .unwrap();
    let q = [1.0, 2.0, 3.0];
    let l2 = Document::nearest_by_l2(&t.db, &q, 3).await.unwrap();
    assert_ranked(
        &l2,
        &[("fish", 1.0), ("dog", 2.0), ("tree", 3.605551275463989)],
    );
    let l1 = Document::nearest_by_l1(&t.db, &q, 3).await.unwrap();
    assert_ranked(&l1, &[("fish", 1.0), ("dog", 2.0), ("tree", 5.0)]);
    let nip = Document::nearest_by_negative_inner_product(&t.db, &q, 3)
        .await
        .unwrap();
    assert_ranked(&nip, &[("fish", -17.0), ("dog", -8.0), ("tree", -1.0)]);
    for (metric, threshold, expected) in [
        (Metric::L2, 2.5, 2),
        (Metric::L1, 1.5, 1),
        (Metric::NegativeInnerProduct, -5.0, 2),
    ] {
        let hits = Document::within_distance(&t.db, metric, &q, threshold, 10)
            .await
            .unwrap();
        assert_eq!(hits.len(), expected, "{metric} < {threshold}");
        assert!(hits.iter().all(|h| h.distance < threshold));
    }
    t.finish().await;
}

async fn insert_returns_assigned_keys(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    let mut keys = Vec::new();
    for d in tutorial_documents() {
        keys.push(d.insert(&t.db).await.unwrap());
    }
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    let hits = Document::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 3)
        .await
        .unwrap();
    // fish was the second insert, dog the first, tree the third.
    assert_eq!(
        hits.iter().map(|h| h.key).collect::<Vec<_>>(),
        [keys[1], keys[0], keys[2]]
    );
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
struct Sample {
    id: Option<i64>,
    #[vector(dimensions = 8)]
    values: Vector,
}

async fn vectors_round_trip_exactly(target: Target) {
    let t = TestDb::open(target).await;
    Sample::create_table(&t.db).await.unwrap();
    // Values whose text forms are long or unusual, up to the largest length the crate stores (its
    // `MAX_NORM`; the codec's unit tests cover f32::MAX).
    let tricky = [
        0.1,
        -0.0,
        1e-7,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        16_777_217.0,
        9.1e18,
        -123_456.79,
    ];
    let mut expected = vec![Vector::from(tricky)];
    let mut state = 0x9E37_79B9_u32;
    for _ in 0..20 {
        let v: Vec<f32> = (0..8)
            .map(|_| {
                // A xorshift over the bit patterns of ordinary magnitudes.
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                f32::from_bits((state & 0x8FFF_FFFF) | 0x3000_0000)
            })
            .collect();
        expected.push(Vector::from(v));
    }
    let rows: Vec<Sample> = expected
        .iter()
        .map(|v| Sample {
            id: None,
            values: v.clone(),
        })
        .collect();
    Sample::insert_many(&t.db, &rows).await.unwrap();
    let hits = Sample::search(&[1.0; 8])
        .metric(Metric::L2)
        .limit(100)
        .fetch(&t.db)
        .await
        .unwrap();
    assert_eq!(hits.len(), expected.len());
    let bits = |v: &Vector| v.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for hit in &hits {
        let id = hit.record.id.expect("the key field is filled when read");
        assert_eq!(Some(id), Some(hit.key));
        let want = &expected[(id - 1) as usize];
        assert_eq!(bits(&hit.record.values), bits(want), "row {id}");
    }
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "all_types")]
struct AllTypes {
    #[vector(key)]
    pk: i64,
    text: String,
    maybe_text: Option<String>,
    flag: bool,
    tiny: i8,
    small: i16,
    int: i32,
    big: i64,
    utiny: u8,
    usmall: u16,
    uint: u32,
    ubig: u64,
    single: f32,
    double: f64,
    maybe_int: Option<i32>,
    #[vector(rename = "vec")]
    #[vector(dimensions = 2)]
    embedding: Option<Vec<f32>>,
}

async fn scalar_fields_round_trip(target: Target) {
    let t = TestDb::open(target).await;
    AllTypes::create_table(&t.db).await.unwrap();
    let full = AllTypes {
        pk: 7,
        text: "quote ' backslash \\ percent % unicode ünïcødé 🦀 and a NUL \0 byte".to_owned(),
        maybe_text: Some(String::new()),
        flag: true,
        tiny: i8::MIN,
        small: i16::MAX,
        int: i32::MIN,
        big: i64::MAX,
        utiny: u8::MAX,
        usmall: u16::MAX,
        uint: u32::MAX,
        ubig: i64::MAX as u64,
        single: 0.1,
        double: std::f64::consts::PI,
        maybe_int: Some(-1),
        embedding: Some(vec![3.0, 4.0]),
    };
    let empty = AllTypes {
        pk: 8,
        text: String::new(),
        maybe_text: None,
        flag: false,
        tiny: 0,
        small: 0,
        int: 0,
        big: i64::MIN,
        utiny: 0,
        usmall: 0,
        uint: 0,
        ubig: 0,
        single: -0.5,
        double: f64::MIN_POSITIVE,
        maybe_int: None,
        embedding: None,
    };
    assert_eq!(full.insert(&t.db).await.unwrap(), 7);
    assert_eq!(empty.insert(&t.db).await.unwrap(), 8);
    let hits = AllTypes::nearest_by_l2(&t.db, &[0.0, 0.0], 10)
        .await
        .unwrap();
    // The NULL vector has no distance, so only the full row comes back.
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].record, full);
    assert_eq!(hits[0].key, 7);
    assert!((hits[0].distance - 5.0).abs() < 1e-6);
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "fixed")]
struct Fixed {
    #[vector(key)]
    code: u32,
    #[vector(dimensions = 3)]
    embedding: [f32; 3],
}

async fn explicit_keys_and_fixed_arrays(target: Target) {
    let t = TestDb::open(target).await;
    Fixed::create_table(&t.db).await.unwrap();
    assert_eq!(
        Fixed {
            code: 42,
            embedding: [1.0, 2.0, 4.0]
        }
        .insert(&t.db)
        .await
        .unwrap(),
        42
    );
    let assigned = Fixed {
        code: 0,
        embedding: [1.0, 0.0, 0.0],
    }
    .insert(&t.db)
    .await
    .unwrap();
    assert_eq!(assigned, 43, "0 lets the database assign the next key");
    let hits = Fixed::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 2)
        .await
        .unwrap();
    assert_eq!(hits[0].record.embedding, [1.0, 2.0, 4.0]);
    assert_eq!(
        hits.iter().map(|h| h.record.code).collect::<Vec<_>>(),
        [42, 43]
    );
    t.finish().await;
}

/// Eleven insert columns: 65,535 parameters hold 5,957 rows on MySQL, 32,766 hold 2,978 on SQLite.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "wide")]
struct Wide {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
    f: i64,
    g: i64,
    h: i64,
    i: i64,
    label: String,
    #[vector(dimensions = 4)]
    embedding: Vec<f32>,
}

fn wide(n: i64) -> Wide {
    Wide {
        a: n,
        b: n * 2,
        c: n * 3,
        d: -n,
        e: 0,
        f: 1,
        g: n % 7,
        h: n % 11,
        i: n % 13,
        label: format!("row {n}"),
        embedding: vec![n as f32, 1.0, 0.5, -(n as f32)],
    }
}

async fn bulk_insert_spans_several_statements(target: Target) {
    let t = TestDb::open(target).await;
    Wide::create_table(&t.db).await.unwrap();
    let rows = 13_000;
    let inserted = Wide::insert_many(&t.db, (0..rows).map(wide)).await.unwrap();
    assert_eq!(inserted, rows as u64);
    assert_eq!(t.count("wide").await, rows);
    let hits = Wide::nearest_by_l2(&t.db, &[12_345.0, 1.0, 0.5, -12_345.0], 1)
        .await
        .unwrap();
    assert_eq!(hits[0].record, wide(12_345));
    assert_eq!(hits[0].distance, 0.0);
    assert_eq!(
        Wide::insert_many(&t.db, Vec::<Wide>::new()).await.unwrap(),
        0
    );
    t.finish().await;
}

async fn bulk_insert_is_all_or_nothing(target: Target) {
    let t = TestDb::open(target).await;
    Wide::create_table(&t.db).await.unwrap();
    // The bad row sits in the third statement, after two have been sent.
    let bad_at = 7_000;
    let rows = (0..8_000).map(|n| {
        let mut row = wide(n);
        if n == bad_at {
            row.embedding.push(1.0);
        }
        row
    });
    let err = Wide::insert_many(&t.db, rows).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Dimensions {
                expected: 4,
                got: 5
            }
        ),
        "{err}"
    );
    assert_eq!(t.count("wide").await, 0, "nothing of the batch is kept");

    // A row the server rejects (a duplicate key) rolls back the whole batch too.
    AllTypesLite::create_table(&t.db).await.unwrap();
    let dup = (1..=5_000).chain([2_500]).map(|pk| AllTypesLite {
        pk,
        embedding: vec![1.0, 1.0],
    });
    let err = AllTypesLite::insert_many(&t.db, dup).await.unwrap_err();
    assert_eq!(
        err.server_error_kind(),
        Some(ServerErrorKind::DuplicateKey),
        "{err:?}"
    );
    assert!(
        err.server_code().is_some(),
        "a server error keeps its code: {err:?}"
    );
    assert_eq!(t.count("lite").await, 0);
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "lite")]
struct AllTypesLite {
    #[vector(key)]
    pk: i64,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

async fn bad_vectors_are_refused_before_any_sql(target: Target) {
    // No table exists: any statement that reached the server would fail with a database error, so a typed
    // input error proves nothing was sent.
    let t = TestDb::open(target).await;
    let q = Document::nearest_by_cosine(&t.db, &[1.0, 2.0], 3).await;
    assert!(
        matches!(
            q,
            Err(Error::Dimensions {
                expected: 3,
                got: 2
            })
        ),
        "{q:?}"
    );
    let q = Document::nearest_by_l2(&t.db, &[1.0, f32::NAN, 3.0], 3).await;
    assert!(matches!(q, Err(Error::NonFinite { index: 1, .. })), "{q:?}");
    let q = Document::nearest_by_cosine(&t.db, &[0.0, 0.0, 0.0], 3).await;
    assert!(matches!(q, Err(Error::ZeroQueryVector)), "{q:?}");
    let q = Document::nearest_by_l2(&t.db, &[1.0, 2.0, 3.0], 0).await;
    assert!(matches!(q, Err(Error::InvalidArgument(_))), "{q:?}");
    let q = Document::within_distance(&t.db, Metric::L2, &[1.0, 2.0, 3.0], f64::NAN, 3).await;
    assert!(matches!(q, Err(Error::InvalidArgument(_))), "{q:?}");
    for bad in [
        doc("inf", [1.0, f32::INFINITY, 0.0]),
        doc("nan", [f32::NAN, 0.0, 0.0]),
    ] {
        let e = bad.insert(&t.db).await;
        assert!(matches!(e, Err(Error::NonFinite { .. })), "{e:?}");
    }
    let short = Document {
        content: "short".into(),
        embedding: vec![1.0],
    };
    let e = short.insert(&t.db).await;
    assert!(
        matches!(
            e,
            Err(Error::Dimensions {
                expected: 3,
                got: 1
            })
        ),
        "{e:?}"
    );
    let e = Document::insert_many(&t.db, [short]).await;
    assert!(matches!(e, Err(Error::Dimensions { .. })), "{e:?}");
    t.finish().await;
}

async fn zero_vectors_never_come_first(target: Target) {
    let t = TestDb::open(target).await;
    Document::create_table(&t.db).await.unwrap();
    let mut docs = tutorial_documents();
    docs.push(doc("zero", [0.0, 0.0, 0.0]));
    Document::insert_many(&t.db, &docs).await.unwrap();
    let hits = Document::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 4)
        .await
        .unwrap();
    let names: Vec<_> = hits.iter().map(|h| h.record.content.as_str()).collect();
    assert_eq!(
        names,
        ["fish", "dog", "tree"],
        "the zero vector has no cosine distance, so it is left out"
    );
    let close = Document::within_distance(&t.db, Metric::Cosine, &[1.0, 2.0, 3.0], 0.2, 10)
        .await
        .unwrap();
    assert_ranked(&close, &COSINE[..2]);
    t.finish().await;
}

/// The table as a first version of a model creates it.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "notes")]
struct Note {
    id: i64,
    title: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// A model that drifted from the table: a nullable title, a new column, other dimensions.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "notes")]
struct DriftedNote {
    id: i64,
    title: Option<String>,
    year: i32,
    #[vector(dimensions = 4)]
    embedding: Vec<f32>,
}

/// A model that does not write the table's required `title`, and reads `id` as text.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "notes")]
struct SlimNote {
    #[vector(key)]
    id: i64,
    #[vector(rename = "id_text")]
    label: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// The table with a cosine vector index, and the model that expects L2.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "indexed_notes")]
struct CosineNote {
    id: i64,
    #[vector(dimensions = 3, index = "cosine")]
    embedding: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "indexed_notes")]
struct L2Note {
    id: i64,
    #[vector(dimensions = 3, index = "l2")]
    embedding: Vec<f32>,
}

async fn a_table_of_another_shape_is_a_schema_mismatch(target: Target) {
    use tidb_vector_core::{Difference, Error, Metric};
    let t = TestDb::open(target).await;
    let differences = |result: tidb_vector_core::Result<()>| match result {
        Err(Error::SchemaMismatch(mismatch)) => mismatch.differences,
        other => panic!("expected a schema mismatch, got {other:?}"),
    };
    assert_eq!(
        differences(Note::check_table(&t.db).await),
        [Difference::MissingTable]
    );
    Note::create_table(&t.db).await.unwrap();
    Note::check_table(&t.db).await.unwrap();
    Note::create_table(&t.db).await.unwrap();
    let note = Note {
        id: 1,
        title: "kept".into(),
        embedding: vec![1.0, 2.0, 3.0],
    };
    note.insert(&t.db).await.unwrap();

    // create_table on the existing table of another shape fails, and the table stays as it was.
    let error = DriftedNote::create_table(&t.db).await.unwrap_err();
    let Error::SchemaMismatch(mismatch) = &error else {
        panic!("{error:?}")
    };
    let found = mismatch.differences.clone();
    assert_eq!(
        found,
        [
            Difference::Nullability {
                column: "title",
                expected_nullable: true
            },
            Difference::MissingColumn {
                column: "year",
                expected: if target.backend() == tidb_vector_core::Backend::Sqlite {
                    "INTEGER".into()
                } else {
                    "INT".into()
                }
            },
            Difference::Dimensions {
                column: "embedding",
                expected: 4,
                found: Some(3)
            },
        ],
        "{error}"
    );
    assert_eq!(differences(DriftedNote::check_table(&t.db).await), found);
    assert_eq!(Note::get(&t.db, &1).await.unwrap(), Some(note));

    let slim = differences(SlimNote::check_table(&t.db).await);
    assert!(
        slim.contains(&Difference::UnknownRequiredColumn {
            column: "title".into()
        }),
        "{slim:?}"
    );
    assert!(
        slim.iter().any(|d| matches!(
            d,
            Difference::MissingColumn {
                column: "id_text",
                ..
            }
        )),
        "{slim:?}"
    );

    // A migration file's statements (`ddl`) create the same table `create_table` does.
    Note::drop_table(&t.db).await.unwrap();
    for statement in Note::ddl(target.backend()).unwrap() {
        match (t.db.mysql_pool(), t.db.sqlite_pool()) {
            (Some(pool), _) => sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(pool)
                .await
                .map(|_| ()),
            (_, Some(pool)) => sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(pool)
                .await
                .map(|_| ()),
            _ => unreachable!(),
        }
        .unwrap();
    }
    Note::check_table(&t.db).await.unwrap();

    // A vector index of another metric (the TiDB dialect's index DDL is not MariaDB's, and SQLite builds
    // none).
    if matches!(target, Target::MariaDb | Target::TiDb) {
        match CosineNote::create_table(&t.db).await {
            // A TiDB without TiFlash (a standalone server) builds no vector index, and says so.
            Err(error)
                if target == Target::TiDb
                    && error.server_error_kind()
                        == Some(ServerErrorKind::MissingTiFlashReplica) => {}
            created => {
                created.unwrap();
                // The index is read back from SHOW CREATE TABLE, the one place TiDB prints its metric.
                CosineNote::check_table(&t.db).await.unwrap();
                assert_eq!(
                    differences(L2Note::check_table(&t.db).await),
                    [Difference::VectorIndex {
                        column: "embedding",
                        expected: Metric::L2,
                        found: Some(Metric::Cosine)
                    }]
                );
            }
        }
    }
    tidb_vector_tests::report(
        "a model whose table exists with another shape (nullability, a missing column, dimensions)",
        target,
        "create_table fails with SchemaMismatch listing each difference; the table and its rows stay",
        &error,
    );
    t.finish().await;
}

/// A page of a site: a String key the caller assigns, bounded text, bytes, and a field that is not stored.
#[derive(Debug, Clone, PartialEq, VectorModel)]
struct Page {
    #[vector(key, max_length = 64)]
    slug: String,
    #[vector(max_length = 20)]
    title: String,
    thumbnail: Vec<u8>,
    signature: Option<Vec<u8>>,
    #[vector(skip)]
    cached_rank: Option<f64>,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// An event with an integer key the caller assigns (0 included), and UUID columns.
#[derive(Debug, Clone, PartialEq, VectorModel)]
struct Event {
    #[vector(key, auto_increment = false)]
    id: u64,
    trace: uuid::Uuid,
    parent: Option<uuid::Uuid>,
    #[vector(dimensions = 2)]
    embedding: [f32; 2],
}

/// A row keyed by a UUID.
#[derive(Debug, Clone, PartialEq, VectorModel)]
struct Blob {
    #[vector(key)]
    id: uuid::Uuid,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

fn page(slug: &str, title: &str, thumbnail: Vec<u8>, embedding: [f32; 3]) -> Page {
    Page {
        slug: slug.into(),
        title: title.into(),
        thumbnail,
        signature: None,
        cached_rank: None,
        embedding: embedding.to_vec(),
    }
}

async fn domain_keys_and_columns_round_trip(target: Target) {
    use tidb_vector_core::{Error, ServerErrorKind};
    let t = TestDb::open(target).await;
    Page::create_table(&t.db).await.unwrap();
    Page::check_table(&t.db).await.unwrap();

    // Every byte value, an empty value and a large one come back exactly; the key is the caller's.
    let all_bytes: Vec<u8> = (0..=255).collect();
    let large: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut home = page("home", "Home", all_bytes.clone(), [1.0, 2.0, 1.0]);
    home.signature = Some(Vec::new());
    home.cached_rank = Some(0.5);
    assert_eq!(home.insert(&t.db).await.unwrap(), "home");
    let stored = Page::get(&t.db, &"home".to_owned()).await.unwrap().unwrap();
    assert_eq!(stored.thumbnail, all_bytes);
    assert_eq!(stored.signature, Some(Vec::new()));
    assert_eq!(stored.cached_rank, None, "a skipped field is not stored");
    let rows = vec![
        page("about", "About", large.clone(), [1.0, 2.0, 4.0]),
        page("tree", "Tree", vec![0, 0, 0], [1.0, 0.0, 0.0]),
    ];
    assert_eq!(Page::insert_many(&t.db, &rows).await.unwrap(), 2);
    let about = Page::get(&t.db, &"about".to_owned())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(about.thumbnail, large);
    let loaded = Page::load(
        &t.db,
        (0..30).map(|i| page(&format!("p{i:02}"), "x", vec![i], [1.0, i as f32, 1.0])),
    )
    .batch_rows(7)
    .await
    .unwrap();
    assert_eq!(loaded.rows, 30);
    assert_eq!(
        Page::get(&t.db, &"p29".to_owned())
            .await
            .unwrap()
            .unwrap()
            .thumbnail,
        [29]
    );

    // The same key again is the server's duplicate-key refusal; update, upsert and delete by it.
    let again = page("home", "Again", vec![], [1.0, 1.0, 1.0])
        .insert(&t.db)
        .await;
    assert_eq!(
        again.unwrap_err().server_error_kind(),
        Some(ServerErrorKind::DuplicateKey)
    );
    let renamed = page("tree", "Tall tree", vec![9, 9, 9], [1.0, 0.0, 0.1]);
    assert!(
        Page::update(&t.db, &"tree".to_owned(), &renamed)
            .await
            .unwrap()
    );
    Page::upsert(
        &t.db,
        &"new".to_owned(),
        &page("new", "New", vec![], [0.0, 1.0, 0.0]),
    )
    .await
    .unwrap();
    assert!(Page::delete(&t.db, &"new".to_owned()).await.unwrap());

    // Filters on bytes and on the text key; a search's hits carry the String key.
    let f = Page::FIELDS;
    assert_eq!(
        Page::count_where(&t.db, f.thumbnail.eq(vec![9u8, 9, 9]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        Page::count_where(&t.db, f.slug.is_in(["home", "about", "nope"]))
            .await
            .unwrap(),
        2
    );
    let hits = Page::search(&[1.0, 2.0, 3.0])
        .filter(f.slug.is_in(["home", "about", "tree"]))
        .limit(3)
        // Exact: TiDB's default filters the nearest candidates, and "tree" is far.
        .exact()
        .fetch_keys(&t.db)
        .await
        .unwrap();
    let keys: Vec<&str> = hits.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["about", "home", "tree"]);

    // `max_length` holds on every backend, before anything is sent.
    let long = page(
        "long",
        "a title of more than twenty characters",
        vec![],
        [1.0; 3],
    );
    let error = long.insert(&t.db).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Encode {
                column: "title",
                ..
            }
        ),
        "{error:?}"
    );
    let too_long_key = page(&"k".repeat(65), "x", vec![], [1.0; 3])
        .insert(&t.db)
        .await;
    assert!(matches!(
        too_long_key,
        Err(Error::Encode { column: "slug", .. })
    ));

    // An integer key the caller assigns: 0 is a key like any other, and the table has no auto-increment.
    Event::create_table(&t.db).await.unwrap();
    let trace = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let zero = Event {
        id: 0,
        trace,
        parent: None,
        embedding: [1.0, 0.0],
    };
    assert_eq!(zero.insert(&t.db).await.unwrap(), 0);
    let seven = Event {
        id: 7,
        trace: uuid::Uuid::max(),
        parent: Some(trace),
        embedding: [0.0, 1.0],
    };
    assert_eq!(seven.insert(&t.db).await.unwrap(), 7);
    assert_eq!(Event::get(&t.db, &0).await.unwrap(), Some(zero));
    assert_eq!(Event::get(&t.db, &7).await.unwrap(), Some(seven));
    assert_eq!(
        Event::count_where(&t.db, Event::FIELDS.parent.eq(trace))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        Event::count_where(&t.db, Event::FIELDS.trace.eq(trace))
            .await
            .unwrap(),
        1
    );

    // A UUID key.
    Blob::create_table(&t.db).await.unwrap();
    let id = uuid::Uuid::from_u128(42);
    let blob = Blob {
        id,
        embedding: vec![1.0, 1.0],
    };
    assert_eq!(blob.insert(&t.db).await.unwrap(), id);
    assert_eq!(Blob::get(&t.db, &id).await.unwrap(), Some(blob));
    let listed = Blob::list(&t.db, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, id);
    for model_check in [
        Page::check_table(&t.db).await,
        Event::check_table(&t.db).await,
        Blob::check_table(&t.db).await,
    ] {
        model_check.unwrap();
    }
    tidb_vector_tests::report(
        "String, caller-assigned integer (0 included) and UUID keys; bytes (all 256 values, empty, 1 MB); skip; max_length",
        target,
        "every value back exactly; duplicate String key refused; too long text refused before sending",
        &format!(
            "{} pages, max_length refusal: {error}",
            Page::count(&t.db).await.unwrap()
        ),
    );
    t.finish().await;
}

/// A log entry with dates and times (feature `chrono`).
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "log_entries")]
struct LogEntry {
    id: i64,
    created: chrono::DateTime<chrono::Utc>,
    edited: Option<chrono::NaiveDateTime>,
    day: chrono::NaiveDate,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

async fn dates_and_times_round_trip(target: Target) {
    use chrono::{NaiveDate, TimeZone, Utc};
    let t = TestDb::open(target).await;
    LogEntry::create_table(&t.db).await.unwrap();
    LogEntry::check_table(&t.db).await.unwrap();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let at = |y, m, d, micros: u32| date(y, m, d).and_hms_micro_opt(23, 59, 59, micros).unwrap();
    let entries: Vec<LogEntry> = [
        (
            1,
            at(2026, 11, 26, 123_456),
            Some(at(2026, 11, 27, 1)),
            date(2026, 11, 26),
        ),
        (2, at(1970, 1, 1, 0), None, date(1000, 1, 1)),
        (
            3,
            at(9999, 12, 31, 999_999),
            Some(at(2000, 2, 29, 500_000)),
            date(9999, 12, 31),
        ),
    ]
    .into_iter()
    .map(|(id, created, edited, day)| LogEntry {
        id,
        created: Utc.from_utc_datetime(&created),
        edited,
        day,
        embedding: vec![1.0, id as f32],
    })
    .collect();
    LogEntry::insert_many(&t.db, &entries).await.unwrap();
    for entry in &entries {
        assert_eq!(
            LogEntry::get(&t.db, &entry.id).await.unwrap().as_ref(),
            Some(entry)
        );
    }
    // Filters compare as times and dates on every backend.
    let f = LogEntry::FIELDS;
    let since = Utc.from_utc_datetime(&at(2000, 1, 1, 0));
    assert_eq!(
        LogEntry::count_where(&t.db, f.created.ge(since))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        LogEntry::count_where(&t.db, f.edited.lt(at(2026, 1, 1, 0)))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        LogEntry::count_where(&t.db, f.day.eq(date(1000, 1, 1)))
            .await
            .unwrap(),
        1
    );
    // A part finer than a microsecond is refused before sending, everywhere.
    let precise = LogEntry {
        id: 4,
        created: Utc.from_utc_datetime(&date(2026, 1, 1).and_hms_nano_opt(0, 0, 0, 1).unwrap()),
        ..entries[0].clone()
    };
    let error = precise.insert(&t.db).await.unwrap_err();
    assert!(
        matches!(
            error,
            tidb_vector_core::Error::Encode {
                column: "created",
                ..
            }
        ),
        "{error:?}"
    );
    tidb_vector_tests::report(
        "DateTime<Utc>, NaiveDateTime and NaiveDate from 1000-01-01 to 9999-12-31 23:59:59.999999",
        target,
        "every value back exactly; filters compare as times; nanoseconds refused before sending",
        &error,
    );
    t.finish().await;
}

/// A record with JSON metadata (feature `json`).
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "annotated")]
struct Annotated {
    id: i64,
    meta: serde_json::Value,
    extra: Option<serde_json::Value>,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

async fn json_round_trips(target: Target) {
    use serde_json::json;
    let t = TestDb::open(target).await;
    Annotated::create_table(&t.db).await.unwrap();
    Annotated::check_table(&t.db).await.unwrap();
    let values = [
        json!({"title": "dog", "tags": ["pet", "animal"], "nested": {"depth": 2, "ok": true}}),
        json!([
            1,
            -2,
            9_223_372_036_854_775_807_i64,
            18_446_744_073_709_551_615_u64,
            0.1,
            1e300
        ]),
        json!("quotes \" and \\ backslashes, NUL \u{0000}, émoji 🐕, 'single'"),
        json!(null),
        json!({}),
    ];
    let rows: Vec<Annotated> = values
        .iter()
        .enumerate()
        .map(|(i, meta)| Annotated {
            id: i as i64 + 1,
            meta: meta.clone(),
            extra: (i % 2 == 0).then(|| json!({"i": i})),
            embedding: vec![1.0, i as f32],
        })
        .collect();
    Annotated::insert_many(&t.db, &rows).await.unwrap();
    for row in &rows {
        assert_eq!(
            Annotated::get(&t.db, &row.id).await.unwrap().as_ref(),
            Some(row)
        );
    }
    let columns = Annotated::search(&[1.0, 0.0])
        .limit(1)
        .fetch_columns(&t.db, [Annotated::FIELDS.meta.name()])
        .await
        .unwrap();
    let (_, tidb_vector_core::Value::Text(text)) = &columns[0].values[0] else {
        panic!("{columns:?}")
    };
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(text).unwrap(),
        values[0]
    );
    tidb_vector_tests::report(
        "serde_json::Value columns: objects, arrays, i64/u64 extremes, 1e300, escapes, NUL, emoji, null",
        target,
        "every value back equal",
        &format!("{} rows equal", rows.len()),
    );
    t.finish().await;
}

/// TiDB's `AUTO_RANDOM` key.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "clicks")]
struct Click {
    #[vector(key, auto_random)]
    id: i64,
    name: String,
    #[vector(dimensions = 2)]
    embedding: [f32; 2],
}

/// `#[vector(key, auto_random)]`: TiDB builds and assigns the key; MariaDB and SQLite refuse the table
/// before any SQL. The TiDB dialect on MariaDB cannot build an AUTO_RANDOM column: there the table is made
/// from the TiDB DDL with MariaDB's AUTO_INCREMENT standing in, to run the model's reads and writes.
async fn auto_random_keys_are_tidbs(target: Target) {
    let t = TestDb::open(target).await;
    let event = |name: &str, embedding: [f32; 2]| Click {
        id: 0,
        name: name.to_owned(),
        embedding,
    };
    match target {
        Target::Sqlite | Target::MariaDb => {
            for result in [
                Click::create_table(&t.db).await,
                Click::check_table(&t.db).await,
            ] {
                match result {
                    Err(Error::Unsupported { what, .. }) => {
                        assert!(what.contains("AUTO_RANDOM"), "{what}")
                    }
                    other => panic!("{other:?}"),
                }
            }
            // Nothing was created.
            assert!(matches!(
                Click::count(&t.db).await,
                Err(Error::Server {
                    kind: ServerErrorKind::NoSuchTable,
                    ..
                })
            ));
            t.finish().await;
            return;
        }
        Target::TiDbOnMariaDb => {
            let ddl = Click::ddl(tidb_vector_core::Backend::TiDb).unwrap();
            let pool = t.mysql().expect("a MySQL pool");
            let sql = ddl[0].replace("AUTO_RANDOM", "AUTO_INCREMENT");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .unwrap();
        }
        Target::TiDb => {
            Click::create_table(&t.db).await.unwrap();
            Click::check_table(&t.db).await.unwrap();
            // A key the caller gives is TiDB's error (its text says what to set), and nothing is stored.
            let err = Click {
                id: 5,
                ..event("given", [1.0, 1.0])
            }
            .insert(&t.db)
            .await
            .unwrap_err();
            assert!(
                err.to_string()
                    .contains("allow_auto_random_explicit_insert"),
                "{err}"
            );
            assert_eq!(t.count("clicks").await, 0);
        }
    }
    let dog = event("dog", [1.0, 2.0]).insert(&t.db).await.unwrap();
    let fish = event("fish", [1.0, 4.0]).insert(&t.db).await.unwrap();
    assert_ne!(dog, fish);
    assert_eq!(Click::get(&t.db, &dog).await.unwrap().unwrap().name, "dog");
    let many: Vec<Click> = (0..100).map(|i| event("n", [i as f32, 1.0])).collect();
    assert_eq!(Click::insert_many(&t.db, &many).await.unwrap(), 100);
    assert_eq!(t.count("clicks").await, 102);
    let hits = Click::nearest_by_cosine(&t.db, &[1.0, 4.0], 1)
        .await
        .unwrap();
    assert_eq!((hits[0].key, hits[0].record.id), (fish, fish));
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "entries")]
struct Entry {
    id: i64,
    #[vector(fulltext)]
    title: String,
    score: Option<f64>,
    #[vector(dimensions = 3)]
    v: Vec<f32>,
}

fn entry(id: i64, word: &str) -> Entry {
    Entry {
        id,
        title: format!("{word} {id}"),
        score: (id % 3 != 0).then_some(id as f64 / 8.0),
        v: vec![1.0, id as f32, word.len() as f32],
    }
}

/// Every row of the table, by key.
async fn table_of(db: &tidb_vector_core::Db) -> std::collections::BTreeMap<i64, Entry> {
    Entry::list_after(db, None, usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn upsert_many_inserts_new_keys_and_replaces_the_others(target: Target) {
    let t = TestDb::open(target).await;
    Entry::create_table(&t.db).await.unwrap();
    let mut expected = std::collections::BTreeMap::new();
    let first: Vec<Entry> = (1..=300).map(|id| entry(id, "old")).collect();
    Entry::insert_many(&t.db, &first).await.unwrap();
    expected.extend(first.iter().map(|e| (e.id, e.clone())));

    // New keys (301..=500), existing ones (200..=300), and keys twice in one call: the last one stays.
    let mut mix: Vec<Entry> = (200..=500).map(|id| entry(id, "fresh")).collect();
    mix.extend((450..=460).map(|id| entry(id, "twice")));
    mix.push(entry(7, "again"));
    let written = Entry::upsert_many(&t.db, &mix).await.unwrap();
    assert_eq!(written, mix.len() as u64);
    expected.extend(mix.iter().map(|e| (e.id, e.clone())));
    let stored = table_of(&t.db).await;
    assert_eq!(stored.len(), 500);
    assert_eq!(
        stored, expected,
        "every row's content is the test's own map"
    );

    // All or nothing: a bad vector in the middle of a call leaves the table as it was.
    let mut bad: Vec<Entry> = (100..=600).map(|id| entry(id, "broken")).collect();
    bad[250].v = vec![1.0, f32::NAN, 0.0];
    let error = Entry::upsert_many(&t.db, &bad).await.unwrap_err();
    assert!(matches!(error, Error::NonFinite { .. }), "{error}");
    assert_eq!(
        table_of(&t.db).await,
        expected,
        "nothing of the failed call stays"
    );

    // The full-text index follows (SQLite's FTS5 through its triggers, MariaDB's InnoDB index); the TiDB
    // dialect has no full-text search.
    if matches!(target, Target::Sqlite | Target::MariaDb) {
        let mut old: Vec<i64> = Entry::search_text("old")
            .limit(1_000)
            .fetch(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|hit| hit.record.id)
            .collect();
        old.sort_unstable();
        let want: Vec<i64> = (1..200).filter(|id| *id != 7).collect();
        assert_eq!(old, want, "replaced titles leave the text index");
        let twice = Entry::search_text("twice")
            .limit(1_000)
            .fetch(&t.db)
            .await
            .unwrap();
        assert_eq!(twice.len(), 11);
    }

    // A search sees the replaced vectors.
    let nearest = Entry::search(&[1.0, 455.0, 5.0])
        .metric(Metric::L2)
        .limit(1)
        .exact()
        .fetch(&t.db)
        .await
        .unwrap();
    assert_eq!(nearest[0].record, expected[&455]);

    // A model whose key is hidden cannot say which row to replace.
    let error = Document::upsert_many(&t.db, tutorial_documents())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidArgument(m) if m.contains("upsert_many")),
        "{error}"
    );
    t.finish().await;
}
