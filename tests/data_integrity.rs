//! What is stored is what was given, once: keys that differ in any character are different rows, values the
//! library accepts can be read back, and a table whose comparisons differ from the model's is reported.
//! Every scenario runs on SQLite, MariaDB with both dialects, and a real TiDB when one is configured.

use tidb_vector_core::{Difference, Error, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(
    keys_are_the_strings_given,
    a_padding_key_collation_is_a_schema_mismatch,
    values_at_each_limit_round_trip_and_past_it_are_refused,
    a_row_that_cannot_be_read_names_its_key,
    a_not_null_column_under_an_option_is_reported,
    a_changed_full_text_collation_is_reported,
);

/// A row keyed by a String the caller gives, with bounded text beside it.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "tags")]
struct Tag {
    #[vector(key, max_length = 32)]
    name: String,
    #[vector(max_length = 16)]
    label: String,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

fn tag(name: &str, label: &str) -> Tag {
    Tag {
        name: name.into(),
        label: label.into(),
        embedding: vec![1.0, 0.5],
    }
}

async fn keys_are_the_strings_given(target: Target) {
    let t = TestDb::open(target).await;
    Tag::create_table(&t.db).await.unwrap();
    Tag::check_table(&t.db).await.unwrap();
    let key = |s: &str| s.to_owned();

    tag("abc", "plain").insert(&t.db).await.unwrap();
    // Trailing spaces, a leading space and case make other keys: none of them touches "abc"'s row.
    Tag::upsert(&t.db, &key("abc "), &tag("abc ", "spaced"))
        .await
        .unwrap();
    tag("abc  ", "two spaces").insert(&t.db).await.unwrap();
    tag(" abc", "leading").insert(&t.db).await.unwrap();
    tag("ABC", "upper").insert(&t.db).await.unwrap();
    assert_eq!(Tag::count(&t.db).await.unwrap(), 5);
    let label = |row: Option<Tag>| row.map(|r| r.label);
    assert_eq!(
        label(Tag::get(&t.db, &key("abc")).await.unwrap()).as_deref(),
        Some("plain")
    );
    assert_eq!(
        label(Tag::get(&t.db, &key("abc ")).await.unwrap()).as_deref(),
        Some("spaced")
    );
    assert!(Tag::get(&t.db, &key("abc   ")).await.unwrap().is_none());

    // update and delete by "abc " change that row only.
    assert!(
        Tag::update(&t.db, &key("abc "), &tag("abc ", "updated"))
            .await
            .unwrap()
    );
    assert_eq!(
        label(Tag::get(&t.db, &key("abc")).await.unwrap()).as_deref(),
        Some("plain")
    );
    assert!(Tag::delete(&t.db, &key("abc ")).await.unwrap());
    assert_eq!(
        label(Tag::get(&t.db, &key("abc")).await.unwrap()).as_deref(),
        Some("plain")
    );
    assert!(!Tag::delete(&t.db, &key("abc   ")).await.unwrap());
    assert_eq!(Tag::count(&t.db).await.unwrap(), 4);

    // Equality filters on bounded text and on the key compare exactly too.
    let f = Tag::FIELDS;
    tag("x", "same ").insert(&t.db).await.unwrap();
    tag("y", "same").insert(&t.db).await.unwrap();
    assert_eq!(
        Tag::count_where(&t.db, f.label.eq("same")).await.unwrap(),
        1
    );
    assert_eq!(
        Tag::count_where(&t.db, f.name.is_in(["abc", "abc "]))
            .await
            .unwrap(),
        1
    );
    report(
        "keys and bounded text that differ only by trailing spaces or case",
        target,
        "separate rows; get/update/delete by one never touch another",
        &"abc, 'abc ', 'abc  ', ' abc', ABC stored apart; update/delete of 'abc ' left 'abc' as it was",
    );
    t.finish().await;
}

/// A table made by hand (or by an earlier version of this crate) whose String key compares with padding:
/// `check_table`, and so `create_table`, say so and how to migrate, instead of letting two keys share a row.
async fn a_padding_key_collation_is_a_schema_mismatch(target: Target) {
    let t = TestDb::open(target).await;
    let Some(pool) = t.mysql() else {
        // SQLite has no padding collation to meet: its BINARY compares every byte.
        Tag::create_table(&t.db).await.unwrap();
        Tag::check_table(&t.db).await.unwrap();
        return t.finish().await;
    };
    let ddl = "CREATE TABLE tags (name VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, \
         label VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL, embedding VECTOR(2) NOT NULL)";
    sqlx::raw_sql(ddl).execute(pool).await.unwrap();
    let error = Tag::check_table(&t.db).await.unwrap_err();
    let Error::SchemaMismatch(mismatch) = &error else {
        panic!("expected a schema mismatch, got {error}");
    };
    assert_eq!(
        mismatch.differences,
        [Difference::Collation {
            column: "name",
            expected: "utf8mb4_0900_bin".into(),
            found: "utf8mb4_bin".into(),
        }],
        "{error}"
    );
    assert!(
        error.to_string().contains("trailing spaces are ignored"),
        "{error}"
    );
    // create_table checks a table that already existed the same way.
    assert!(matches!(
        Tag::create_table(&t.db).await,
        Err(Error::SchemaMismatch(_))
    ));
    report(
        "a String key column with a padding collation (utf8mb4_bin), made by hand",
        target,
        "check_table and create_table report it with the collation to migrate to",
        &error,
    );
    t.finish().await;
}

/// Dates, times and JSON at the edges of what every backend stores.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "edges")]
struct Edge {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    local: Option<chrono::NaiveDateTime>,
    day: chrono::NaiveDate,
    meta: serde_json::Value,
    score: Option<f64>,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

/// `depth` arrays nested in one another.
fn nested(depth: usize) -> serde_json::Value {
    (0..depth).fold(serde_json::Value::Null, |inner, _| {
        serde_json::Value::Array(vec![inner])
    })
}

async fn values_at_each_limit_round_trip_and_past_it_are_refused(target: Target) {
    use chrono::{NaiveDate, TimeZone, Utc};
    let t = TestDb::open(target).await;
    Edge::create_table(&t.db).await.unwrap();
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let edge = |id: i64, at: chrono::NaiveDateTime, day, meta| Edge {
        id,
        at: Utc.from_utc_datetime(&at),
        local: Some(at),
        day,
        meta,
        score: None,
        embedding: vec![1.0, id as f32],
    };
    // At the limits: years 1 and 9999, the last microsecond, 31 nested arrays.
    let last = date(9999, 12, 31)
        .and_hms_micro_opt(23, 59, 59, 999_999)
        .unwrap();
    let first = date(1, 1, 1).and_hms_opt(0, 0, 0).unwrap();
    let at_limits = [
        edge(1, last, date(9999, 12, 31), nested(31)),
        edge(
            2,
            first,
            date(1, 1, 1),
            serde_json::json!({"a": [1, {"b": null}]}),
        ),
    ];
    Edge::insert_many(&t.db, &at_limits).await.unwrap();
    for row in &at_limits {
        assert_eq!(Edge::get(&t.db, &row.id).await.unwrap().as_ref(), Some(row));
    }

    // Just past them: refused before anything is sent, by the same rule on every backend.
    let past = [
        (
            "at",
            edge(
                3,
                date(10000, 1, 1).and_hms_opt(0, 0, 0).unwrap(),
                date(2000, 1, 1),
                nested(1),
            ),
        ),
        ("day", edge(4, last, date(10000, 1, 1), nested(1))),
        (
            "at",
            edge(
                5,
                date(0, 12, 31).and_hms_opt(23, 59, 59).unwrap(),
                date(2000, 1, 1),
                nested(1),
            ),
        ),
        ("day", edge(6, first, date(0, 12, 31), nested(1))),
        (
            "at",
            edge(
                7,
                date(2016, 12, 31)
                    .and_hms_milli_opt(23, 59, 59, 1_500)
                    .unwrap(),
                date(2000, 1, 1),
                nested(1),
            ),
        ),
        ("meta", edge(8, first, date(2000, 1, 1), nested(32))),
        ("meta", edge(9, first, date(2000, 1, 1), nested(200))),
    ];
    let mut refusals = Vec::new();
    for (field, row) in &past {
        let error = row.insert(&t.db).await.unwrap_err();
        assert!(
            matches!(&error, Error::Encode { column, .. } if column == field),
            "row {}: {error:?}",
            row.id
        );
        let many = Edge::insert_many(&t.db, [row]).await.unwrap_err();
        assert!(matches!(many, Error::Encode { .. }), "{many:?}");
        refusals.push(error.to_string());
    }
    // Nothing was stored, and the table is still read whole.
    assert_eq!(Edge::count(&t.db).await.unwrap(), 2);
    assert_eq!(Edge::list_after(&t.db, None, 10).await.unwrap().len(), 2);

    // A filter value no column can hold is refused, naming the field.
    let f = Edge::FIELDS;
    let error = Edge::count_where(&t.db, f.score.gt(f64::NAN))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, Error::InvalidArgument(_))
            && text.contains("`score`")
            && text.contains("must be a finite number"),
        "{text}"
    );
    let error = Edge::count_where(&t.db, f.day.lt(date(10000, 1, 1)))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("`day`"), "{error}");
    report(
        "dates, times and JSON at and just past what every backend stores",
        target,
        "years 1 and 9999, the last microsecond and 31 nested arrays round trip; year 0 or 10000, a leap second, 32 or 200 nested arrays refused before sending; a NaN filter value refused naming the field",
        &format!("refusals: {}; NaN filter: {text}", refusals.join(" / ")),
    );
    t.finish().await;
}

/// The same table read by a model that cannot hold one row's value: that row's reads fail naming its key,
/// other reads work.
async fn a_row_that_cannot_be_read_names_its_key(target: Target) {
    let t = TestDb::open(target).await;
    Edge::create_table(&t.db).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let at = day.and_hms_opt(12, 0, 0).unwrap();
    let good = |id: i64| Edge {
        id,
        at: at.and_utc(),
        local: None,
        day,
        meta: serde_json::json!({"ok": true}),
        score: Some(1.0),
        embedding: vec![1.0, id as f32],
    };
    Edge::insert_many(&t.db, [good(1), good(3)]).await.unwrap();
    // Row 2 is written by other code: a zero date on MariaDB and TiDB (in a session whose sql_mode allows
    // one), text that is no date on SQLite.
    let bad = match target {
        Target::Sqlite => {
            "INSERT INTO edges (id, at, local, day, meta, score, embedding) \
             SELECT 2, 'not a time', NULL, day, meta, score, embedding FROM edges WHERE id = 1"
        }
        _ => {
            "INSERT INTO edges (id, at, local, day, meta, score, embedding) \
             SELECT 2, '0000-00-00 00:00:00', NULL, day, meta, score, embedding FROM edges WHERE id = 1"
        }
    };
    match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => {
            let mut conn = pool.acquire().await.unwrap();
            sqlx::raw_sql("SET SESSION sql_mode = ''")
                .execute(&mut *conn)
                .await
                .unwrap();
            let inserted = sqlx::raw_sql(bad).execute(&mut *conn).await.map(|_| ());
            // The pooled connection goes back with the server's default mode.
            conn.detach();
            inserted
        }
        (_, Some(pool)) => sqlx::raw_sql(bad).execute(pool).await.map(|_| ()),
        _ => unreachable!(),
    }
    .unwrap();
    let error = Edge::get(&t.db, &2).await.unwrap_err();
    let Error::UnreadableRow { key, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(key, "2");
    assert!(error.to_string().contains("column `at`"), "{error}");
    // Reads that do not meet the row work; one that does names it.
    assert_eq!(Edge::get(&t.db, &1).await.unwrap(), Some(good(1)));
    let f = Edge::FIELDS;
    let hits = Edge::search(&[1.0, 1.0])
        .filter(f.id.ne(2))
        .exact()
        .fetch(&t.db)
        .await
        .unwrap();
    assert_eq!(hits.len(), 2);
    let error = Edge::list_after(&t.db, None, 10).await.unwrap_err();
    assert!(
        matches!(&error, Error::UnreadableRow { key, .. } if key == "2"),
        "{error:?}"
    );
    // Deleting it by its key mends the table.
    assert!(Edge::delete(&t.db, &2).await.unwrap());
    assert_eq!(Edge::list_after(&t.db, None, 10).await.unwrap().len(), 2);
    report(
        "a row another program wrote that the model cannot read (MariaDB zero date, SQLite text)",
        target,
        "reads that meet it fail naming its key; other reads work; delete by key mends it",
        &error,
    );
    t.finish().await;
}

/// Nullable columns of each kind, for the table check.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "optionals")]
struct Optionals {
    id: i64,
    text: Option<String>,
    meta: Option<serde_json::Value>,
    at: Option<chrono::NaiveDateTime>,
    #[vector(dimensions = 2)]
    embedding: Option<Vec<f32>>,
}

/// A table whose columns were made NOT NULL under the model's `Option` fields (every kind of column):
/// storing `None` would fail, and the table check says so for each.
async fn a_not_null_column_under_an_option_is_reported(target: Target) {
    let t = TestDb::open(target).await;
    match t.mysql() {
        Some(pool) => {
            Optionals::create_table(&t.db).await.unwrap();
            for sql in [
                "ALTER TABLE optionals MODIFY text LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL",
                "ALTER TABLE optionals MODIFY meta JSON NOT NULL",
                "ALTER TABLE optionals MODIFY at DATETIME(6) NOT NULL",
                "ALTER TABLE optionals MODIFY embedding VECTOR(2) NOT NULL",
            ] {
                sqlx::raw_sql(sql).execute(pool).await.unwrap();
            }
        }
        None => {
            // SQLite cannot change a column: the table is written by hand as the library would, but NOT NULL.
            let sql = "CREATE TABLE optionals (id INTEGER PRIMARY KEY, text TEXT NOT NULL, meta TEXT NOT NULL, \
                       at TEXT NOT NULL, embedding BLOB NOT NULL CHECK (vec_length(embedding) = 2))";
            sqlx::raw_sql(sql)
                .execute(t.db.sqlite_pool().unwrap())
                .await
                .unwrap();
        }
    }
    let error = Optionals::check_table(&t.db).await.unwrap_err();
    let Error::SchemaMismatch(mismatch) = &error else {
        panic!("{error:?}")
    };
    let nullability: Vec<&str> = mismatch
        .differences
        .iter()
        .filter_map(|d| match d {
            Difference::Nullability {
                column,
                expected_nullable: true,
            } => Some(*column),
            _ => None,
        })
        .collect();
    assert_eq!(nullability, ["text", "meta", "at", "embedding"], "{error}");
    report(
        "columns made NOT NULL under Option fields (text, JSON, timestamp, vector)",
        target,
        "check_table reports each",
        &error,
    );
    t.finish().await;
}

/// A passage searched by its words.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "passages")]
struct Passage {
    id: i64,
    #[vector(fulltext)]
    body: String,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

/// A full-text column whose collation was changed by hand: searches and filters on it would stop comparing
/// as documented (MariaDB: case-insensitive), and the table check says so.
async fn a_changed_full_text_collation_is_reported(target: Target) {
    let t = TestDb::open(target).await;
    Passage::create_table(&t.db).await.unwrap();
    Passage::check_table(&t.db).await.unwrap();
    let Some(pool) = t.mysql() else {
        // SQLite's full-text index is a table of its own; the column's collation is BINARY and stays so.
        return t.finish().await;
    };
    let (expected, other) = match target {
        Target::MariaDb => ("utf8mb4_uca1400_nopad_ai_ci", "utf8mb4_0900_bin"),
        _ => ("utf8mb4_0900_bin", "utf8mb4_bin"),
    };
    let sql = format!(
        "ALTER TABLE passages MODIFY body LONGTEXT CHARACTER SET utf8mb4 COLLATE {other} NOT NULL"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .unwrap();
    let error = Passage::check_table(&t.db).await.unwrap_err();
    let Error::SchemaMismatch(mismatch) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        mismatch.differences,
        [Difference::Collation {
            column: "body",
            expected: expected.into(),
            found: other.into(),
        }],
        "{error}"
    );
    report(
        "a full-text column's collation changed by hand",
        target,
        "check_table reports the collation it found and the one to migrate to",
        &error,
    );
    t.finish().await;
}

/// A SQLite table written by hand, its dimensions CHECK spelled otherwise than the library writes it: the
/// table check reads it all the same, and a wrong size is reported as the size found.
#[tokio::test]
async fn a_hand_written_sqlite_vector_check_is_read() {
    let t = TestDb::open(Target::Sqlite).await;
    let pool = t.db.sqlite_pool().unwrap();
    for (dimensions, check) in [(2, "Ok"), (5, "mismatch")] {
        sqlx::raw_sql("DROP TABLE IF EXISTS tags")
            .execute(pool)
            .await
            .unwrap();
        let sql = format!(
            "CREATE TABLE tags (name TEXT NOT NULL PRIMARY KEY, label TEXT NOT NULL, \
             embedding BLOB NOT NULL CHECK ( VEC_LENGTH( embedding )={dimensions} ))"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .unwrap();
        let checked = Tag::check_table(&t.db).await;
        match check {
            "Ok" => checked.unwrap(),
            _ => {
                let Err(Error::SchemaMismatch(mismatch)) = checked else {
                    panic!("{checked:?}")
                };
                assert_eq!(
                    mismatch.differences,
                    [Difference::Dimensions {
                        column: "embedding",
                        expected: 2,
                        found: Some(5)
                    }]
                );
            }
        }
    }
}
