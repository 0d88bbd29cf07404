//! Bad input: what a user's code, a file or another program can hand the library. Strings of every kind
//! stored byte for byte; vectors of the wrong size, NaN or infinite refused with typed errors before any SQL
//! (on writes, bulk writes and searches); inputs at each limit handled or refused before sending; statements
//! kept under the server's packet limit; a filter on a column the table lacks; malformed vector bytes from
//! the server; a malformed `.env` that keeps the password out of errors. Each scenario asserts its outcome
//! and prints a `RELIABILITY` record of what it measured; `.ci/reliability` collects them into
//! RELIABILITY.md.

use tidb_vector_core::{Config, Db, Error, Metric, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, report_for, scenarios};

scenarios!(
    a_filter_on_a_missing_column_never_matches,
    inputs_at_the_limits_are_handled_or_refused_before_sending,
    packets_stay_under_the_servers_limit,
    hostile_strings_round_trip_byte_for_byte,
    bad_vectors_get_typed_errors,
    malformed_vectors_from_the_server_are_decode_errors,
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

/// A 3-dimensional document, for the string and vector cases.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Note {
    id: i64,
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn note(id: i64, content: &str) -> Note {
    Note {
        id,
        content: content.to_owned(),
        embedding: vec![1.0, id as f32, 0.5],
    }
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

async fn hostile_strings_round_trip_byte_for_byte(target: Target) {
    let t = TestDb::open(target).await;
    Note::create_table(&t.db).await.unwrap();
    let megabyte: String = "ünïcødé 🦀 漢字 ".chars().cycle().take(700_000).collect();
    assert!(megabyte.len() > 1_000_000);
    let strings = [
        "it's a 'quoted' \"string\"".to_owned(),
        "back\\slash \\' \\\\ \\0".to_owned(),
        "NUL \0 inside".to_owned(),
        "'); DROP TABLE docs; --".to_owned(),
        "`docs`; SELECT * FROM docs WHERE 1=1 OR ''='".to_owned(),
        "%_ LIKE wildcards ?? $1 :name".to_owned(),
        String::new(),
        megabyte,
    ];
    let docs: Vec<Note> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| note(i as i64 + 1, s))
        .collect();
    Note::insert_many(&t.db, &docs[..4]).await.unwrap();
    for d in &docs[4..] {
        d.insert(&t.db).await.unwrap();
    }
    for d in &docs {
        let back = Note::get(&t.db, &d.id).await.unwrap().expect("stored");
        assert_eq!(
            back.content.as_bytes(),
            d.content.as_bytes(),
            "row {}",
            d.id
        );
    }
    let f = Note::FIELDS;
    assert_eq!(
        Note::count_where(&t.db, f.content.eq(strings[3].as_str()))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        Note::count(&t.db).await.unwrap(),
        strings.len() as u64,
        "the table survived"
    );
    report(
        "strings: quotes, backslashes, NUL, SQL fragments, 1 MB of Unicode",
        target,
        "stored and read back byte for byte",
        &format!("{} of {} identical", docs.len(), strings.len()),
    );
    t.finish().await;
}

async fn bad_vectors_get_typed_errors(target: Target) {
    let t = TestDb::open(target).await;
    Note::create_table(&t.db).await.unwrap();
    let cases: [(&str, Vec<f32>); 5] = [
        ("wrong dimensions", vec![1.0, 2.0]),
        ("NaN", vec![1.0, f32::NAN, 2.0]),
        ("infinity", vec![f32::INFINITY, 1.0, 2.0]),
        ("empty", vec![]),
        ("16384 dimensions", vec![0.5; 16_384]),
    ];
    let mut good = vec![note(1, "first")];
    for (label, embedding) in cases {
        let bad = Note {
            id: 99,
            content: label.into(),
            embedding: embedding.clone(),
        };
        let single = bad.insert(&t.db).await.unwrap_err();
        assert!(
            matches!(single, Error::Dimensions { .. } | Error::NonFinite { .. }),
            "{label}: {single}"
        );
        good.push(bad.clone());
        let bulk = Note::insert_many(&t.db, &good).await.unwrap_err();
        good.pop();
        assert!(
            matches!(bulk, Error::Dimensions { .. } | Error::NonFinite { .. }),
            "{label}: {bulk}"
        );
        let search = Note::nearest_by_cosine(&t.db, &embedding, 3)
            .await
            .unwrap_err();
        assert!(
            matches!(search, Error::Dimensions { .. } | Error::NonFinite { .. }),
            "{label}: {search}"
        );
        report(
            &format!("bad vector: {label}"),
            target,
            "typed error, nothing stored",
            &single,
        );
    }
    assert_eq!(
        Note::count(&t.db).await.unwrap(),
        0,
        "no bad batch left a row"
    );
    t.finish().await;
}

async fn malformed_vectors_from_the_server_are_decode_errors(target: Target) {
    if matches!(target, Target::TiDbOnMariaDb | Target::TiDb) {
        // TiDB writes vector text itself; its parser is covered by the property tests and the fuzz target.
        return;
    }
    let t = TestDb::open(target).await;
    // A table the model did not create: five bytes are not a vector of f32 values.
    let (create, insert) = match target {
        Target::Sqlite => (
            "CREATE TABLE docs (id INTEGER PRIMARY KEY, content TEXT NOT NULL, embedding BLOB NOT NULL)",
            "INSERT INTO docs VALUES (1, 'x', X'0000803f00')",
        ),
        _ => (
            "CREATE TABLE docs (id BIGINT PRIMARY KEY, content LONGTEXT NOT NULL, embedding VARBINARY(64) NOT NULL)",
            "INSERT INTO docs VALUES (1, 'x', X'0000803f00')",
        ),
    };
    for sql in [create, insert] {
        match (t.db.mysql_pool(), t.db.sqlite_pool()) {
            (Some(pool), _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            (_, Some(pool)) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            _ => unreachable!(),
        }
        .unwrap();
    }
    let error = Note::get(&t.db, &1).await.unwrap_err();
    let Error::UnreadableRow { key, source } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(key, "1");
    assert!(
        matches!(
            **source,
            Error::Decode {
                column: "embedding",
                ..
            }
        ),
        "{error}"
    );
    report(
        "malformed vector bytes from the server",
        target,
        "an unreadable-row error naming the row's key and the column",
        &error,
    );
    t.finish().await;
}

#[tokio::test]
async fn cosine_of_a_query_is_validated_before_the_pool_is_touched() {
    // A closed pool would fail any statement; a typed input error proves none was attempted.
    let db = Db::embedded().await.unwrap();
    db.close().await;
    let error = Note::search(&[0.0, 0.0, 0.0])
        .metric(Metric::Cosine)
        .fetch(&db)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ZeroQueryVector), "{error}");
}
