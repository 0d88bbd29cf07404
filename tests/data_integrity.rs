//! What is stored is what was given, once: keys that differ in any character are different rows, values the
//! library accepts can be read back, and a table whose comparisons differ from the model's is reported.
//! Every scenario runs on SQLite, MariaDB with both dialects, and a real TiDB when one is configured.

use tidb_vector_core::{Difference, Error, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(
    keys_are_the_strings_given,
    a_padding_key_collation_is_a_schema_mismatch,
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
