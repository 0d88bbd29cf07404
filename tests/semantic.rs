//! Text in, answers out, on every backend: vectors filled from their `source` text by an embedder (one
//! row, many, a load in batches), semantic and hybrid search from text alone, and rerankers. The
//! embedder here is deterministic (word counts over a small vocabulary), so every expected ranking is
//! brute force over the same vectors; failing embedders and rerankers check that nothing is half-written.

use std::sync::atomic::{AtomicUsize, Ordering};

use tidb_vector_core::{
    BoxError, Embedder, Error, ErrorClass, Fusion, Metric, Reranker, VectorModel,
};
use tidb_vector_tests::{Target, TestDb, distance, scenarios};

scenarios!(
    inserts_fill_empty_vectors_from_their_source,
    semantic_search_is_brute_force_over_the_embedded_query,
    a_load_embeds_batch_by_batch,
    a_failing_or_mismatched_embedder_stores_nothing,
    rerankers_reorder_the_candidates,
    hybrid_search_from_text_alone,
    vectors_embedded_by_the_server,
);

#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "notes")]
struct Note {
    id: i64,
    #[vector(fulltext)]
    content: String,
    #[vector(dimensions = 4, source = "content")]
    embedding: Vec<f32>,
}

/// Words of three topics; a text's vector counts them, plus constants so that no vector is zero.
const TOPICS: [&[&str]; 3] = [
    &["dog", "puppy", "cat", "pet", "barking", "kitten"],
    &["fish", "salmon", "river", "swimming", "aquarium", "ocean"],
    &["tree", "forest", "leaves", "garden", "flower", "oak"],
];

fn embed_text(text: &str) -> Vec<f32> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Unequal constants, so that no two of the texts below are at the same distance from a query.
    let mut vector: Vec<f32> = TOPICS
        .iter()
        .zip([0.1, 0.2, 0.3])
        .map(|(topic, base)| words.iter().filter(|w| topic.contains(w)).count() as f32 + base)
        .collect();
    vector.push(0.4);
    vector
}

/// The word-count embedder, counting its calls and texts; it fails on call number `fail_on` (from 1).
struct Words {
    dimensions: usize,
    max_batch: usize,
    fail_on: Option<usize>,
    calls: AtomicUsize,
    texts: AtomicUsize,
}

impl Words {
    fn new() -> Self {
        Words {
            dimensions: 4,
            max_batch: 2,
            fail_on: None,
            calls: AtomicUsize::new(0),
            texts: AtomicUsize::new(0),
        }
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Embedder for Words {
    fn dimensions(&self) -> usize {
        self.dimensions
    }
    fn max_batch(&self) -> usize {
        self.max_batch
    }
    async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, BoxError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(texts.len() <= self.max_batch, "a batch over max_batch");
        if self.fail_on == Some(call) {
            return Err("the embedding service is down".into());
        }
        self.texts.fetch_add(texts.len(), Ordering::SeqCst);
        Ok(texts.iter().map(|t| embed_text(t)).collect())
    }
}

const TEXTS: [&str; 6] = [
    "a puppy plays in the yard",
    "the dog is barking at the cat",
    "salmon swimming up the river",
    "tropical fish in an aquarium",
    "an old oak tree in the forest",
    "a garden full of flower beds",
];

/// The notes with empty vectors, keys 1 to 6.
fn notes() -> Vec<Note> {
    TEXTS
        .iter()
        .zip(1..)
        .map(|(text, id)| Note {
            id,
            content: (*text).into(),
            embedding: Vec::new(),
        })
        .collect()
}

/// The keys of the notes nearest to `query` by cosine, brute force over the embedder's vectors (ties by
/// key).
fn brute_force(query: &str, limit: usize) -> Vec<i64> {
    let q = embed_text(query);
    let mut ranked: Vec<(f64, i64)> = notes()
        .iter()
        .map(|n| (distance(Metric::Cosine, &q, &embed_text(&n.content)), n.id))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().take(limit).map(|(_, id)| id).collect()
}

async fn open(target: Target) -> TestDb {
    let t = TestDb::open(target).await;
    Note::create_table(&t.db).await.unwrap();
    t
}

/// A table with the six notes, embedded by a fresh word-count embedder.
async fn open_filled(target: Target) -> (TestDb, Words) {
    let t = open(target).await;
    let words = Words::new();
    Note::insert_many_embedded(&t.db, &words, notes())
        .await
        .unwrap();
    (t, words)
}

async fn inserts_fill_empty_vectors_from_their_source(target: Target) {
    let t = open(target).await;
    let words = Words::new();
    let mut rows = notes();
    // A vector given by the caller is kept: only empty ones are filled.
    rows[5].embedding = vec![9.0, 9.0, 9.0, 9.0];
    let stored = Note::insert_many_embedded(&t.db, &words, rows.clone())
        .await
        .unwrap();
    assert_eq!(stored, 6);
    // Five texts in batches of two: three calls.
    assert_eq!((words.calls(), words.texts.load(Ordering::SeqCst)), (3, 5));
    for note in &rows {
        let back = Note::get(&t.db, &note.id).await.unwrap().unwrap();
        let expected = if note.id == 6 {
            vec![9.0, 9.0, 9.0, 9.0]
        } else {
            embed_text(&note.content)
        };
        assert_eq!(back.embedding, expected, "{target:?}: note {}", note.id);
    }
    // One row: filled and inserted; the row holds its vector afterwards.
    let mut one = Note {
        id: 7,
        content: "a kitten and a puppy".into(),
        embedding: Vec::new(),
    };
    assert_eq!(one.insert_embedded(&t.db, &words).await.unwrap(), 7);
    assert_eq!(one.embedding, embed_text("a kitten and a puppy"));
    assert_eq!(
        Note::get(&t.db, &7).await.unwrap().unwrap().embedding,
        one.embedding
    );
    // Filling alone sends nothing and reports how many it filled.
    let mut more = notes();
    assert_eq!(Note::embed_sources(&words, &mut more).await.unwrap(), 6);
    assert!(more.iter().all(|n| n.embedding == embed_text(&n.content)));
    assert_eq!(t.count("notes").await, 7);
    t.finish().await;
}

async fn semantic_search_is_brute_force_over_the_embedded_query(target: Target) {
    let (t, words) = open_filled(target).await;
    for (query, limit) in [
        ("dog", 2),
        ("fish in the ocean", 3),
        ("a tree", 1),
        ("pet", 6),
    ] {
        let hits = Note::search_semantic(&words, query)
            .limit(limit)
            .exact()
            .fetch(&t.db)
            .await
            .unwrap();
        let keys: Vec<i64> = hits.iter().map(|h| h.key).collect();
        assert_eq!(keys, brute_force(query, limit), "{target:?}: {query}");
        // The same answers as a search by the vector the embedder gives the text.
        let by_vector = Note::search(&embed_text(query))
            .limit(limit)
            .exact()
            .fetch(&t.db)
            .await
            .unwrap();
        let distances = |hits: &[tidb_vector_core::Hit<Note>]| -> Vec<(i64, f64)> {
            hits.iter().map(|h| (h.key, h.distance)).collect()
        };
        assert_eq!(
            distances(&hits),
            distances(&by_vector),
            "{target:?}: {query}"
        );
    }
    // "dog" ranks the puppy and the barking dog first.
    let first: Vec<String> = Note::search_semantic(&words, "dog")
        .limit(2)
        .fetch(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.record.content)
        .collect();
    assert!(
        first.contains(&"a puppy plays in the yard".to_string()),
        "{first:?}"
    );
    // A filter and the other options apply as to any search.
    let filtered = Note::search_semantic(&words, "dog")
        .filter(Note::FIELDS.id.gt(1))
        .limit(1)
        .fetch_keys(&t.db)
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].0, 2);
    // A semantic search has no statement before it runs.
    assert!(matches!(
        Note::search_semantic(&words, "dog").statement(target.backend()),
        Err(Error::InvalidArgument(_))
    ));
    t.finish().await;
}

async fn a_load_embeds_batch_by_batch(target: Target) {
    let t = open(target).await;
    let words = Words::new();
    let mut batches = Vec::new();
    let done = Note::load(&t.db, notes())
        .batch_rows(4)
        .embed_with(&words)
        .on_progress(|p| batches.push(p.rows))
        .await
        .unwrap();
    assert_eq!((done.rows, done.batches), (6, 2));
    assert_eq!(batches, [4, 6]);
    // Batches of 4 and 2 rows, embedded 2 texts at a time: 2 + 1 calls.
    assert_eq!(words.calls(), 3);
    for (id, row) in Note::list(&t.db, 10).await.unwrap() {
        assert_eq!(row.embedding, embed_text(&row.content), "{target:?}: {id}");
    }
    t.finish().await;
}

async fn a_failing_or_mismatched_embedder_stores_nothing(target: Target) {
    let t = open(target).await;
    // Fails on its second batch, after the first succeeded: nothing is stored, the rows are untouched.
    let failing = Words {
        fail_on: Some(2),
        ..Words::new()
    };
    let error = Note::insert_many_embedded(&t.db, &failing, notes())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Embed {
                source: Some(_),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.class(), ErrorClass::External);
    assert!(
        std::error::Error::source(&error)
            .is_some_and(|s| s.to_string().contains("service is down")),
        "{error:?}"
    );
    assert_eq!(t.count("notes").await, 0);

    // Three dimensions for a column of four: refused before the embedder is called or SQL is sent.
    let narrow = Words {
        dimensions: 3,
        ..Words::new()
    };
    let error = Note::insert_many_embedded(&t.db, &narrow, notes())
        .await
        .unwrap_err();
    let Error::Embed { reason, .. } = &error else {
        panic!("{error}")
    };
    assert!(
        reason.contains("3 dimensions") && reason.contains("`embedding`"),
        "{reason}"
    );
    assert!(reason.contains("holds 4"), "{reason}");
    let error = Note::search_semantic(&narrow, "dog")
        .fetch(&t.db)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Embed { .. }), "{error}");
    assert_eq!(narrow.calls(), 0);

    // An embedder that answers with fewer vectors than texts, or with NaN.
    let short = tidb_vector_core::embed::from_fn(4, |texts: Vec<String>| async move {
        Ok::<_, std::io::Error>(vec![embed_text(&texts[0])])
    });
    let error = Note::insert_many_embedded(&t.db, &short, notes())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("1 vectors for 6 texts"),
        "{error}"
    );
    let nan = tidb_vector_core::embed::from_fn(4, |texts: Vec<String>| async move {
        Ok::<_, std::io::Error>(
            texts
                .iter()
                .map(|_| vec![f32::NAN, 0.0, 0.0, 1.0])
                .collect(),
        )
    });
    let error = Note::insert_many_embedded(&t.db, &nan, notes())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("NaN"), "{error}");
    assert_eq!(t.count("notes").await, 0);

    // A load stops at the failing batch, with the batches before it committed.
    let failing = Words {
        fail_on: Some(3),
        ..Words::new()
    };
    let error = Note::load(&t.db, notes())
        .batch_rows(2)
        .embed_with(&failing)
        .await
        .unwrap_err();
    let Error::Load {
        committed, source, ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(*committed, 4);
    assert!(matches!(**source, Error::Embed { .. }), "{source}");
    assert_eq!(t.count("notes").await, 4);
    t.finish().await;
}

/// Scores each document by its place in the list it is given, last best: the search's order reversed.
struct Reverse;

impl Reranker for Reverse {
    async fn rerank(&self, _query: String, documents: Vec<String>) -> Result<Vec<f64>, BoxError> {
        Ok((0..documents.len()).map(|i| i as f64).collect())
    }
}

struct Broken;

impl Reranker for Broken {
    async fn rerank(&self, _query: String, _documents: Vec<String>) -> Result<Vec<f64>, BoxError> {
        Err("the reranking service is down".into())
    }
}

async fn rerankers_reorder_the_candidates(target: Target) {
    let (t, words) = open_filled(target).await;
    let plain: Vec<i64> = Note::search_semantic(&words, "dog")
        .limit(4)
        .exact()
        .fetch(&t.db)
        .await
        .unwrap()
        .iter()
        .map(|h| h.key)
        .collect();
    assert_eq!(plain, brute_force("dog", 4));
    // Four candidates reversed, the best two kept: the 4th and 3rd of the plain ranking.
    let reranked = Note::search_semantic(&words, "dog")
        .limit(2)
        .exact()
        .rerank(&Reverse, "dog", |n: &Note| &n.content)
        .rerank_candidates(4)
        .fetch(&t.db)
        .await
        .unwrap();
    let keys: Vec<i64> = reranked.iter().map(|h| h.key).collect();
    assert_eq!(keys, [plain[3], plain[2]], "{target:?}");
    assert_eq!(
        reranked.iter().map(|h| h.rerank_score).collect::<Vec<_>>(),
        [Some(3.0), Some(2.0)]
    );
    // The default: three times the limit as candidates.
    let default: Vec<i64> = Note::search(&embed_text("dog"))
        .limit(2)
        .exact()
        .rerank(&Reverse, "dog", |n: &Note| &n.content)
        .fetch(&t.db)
        .await
        .unwrap()
        .iter()
        .map(|h| h.key)
        .collect();
    let six = brute_force("dog", 6);
    assert_eq!(default, [six[5], six[4]], "{target:?}");
    // A failing reranker returns its error.
    let error = Note::search_semantic(&words, "dog")
        .rerank(&Broken, "dog", |n: &Note| &n.content)
        .fetch(&t.db)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Rerank {
                source: Some(_),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.class(), ErrorClass::External);
    // Fetches that read no rows cannot rerank.
    let error = Note::search_semantic(&words, "dog")
        .rerank(&Reverse, "dog", |n: &Note| &n.content)
        .fetch_keys(&t.db)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidArgument(_)), "{error}");
    t.finish().await;
}

async fn hybrid_search_from_text_alone(target: Target) {
    let (t, words) = open_filled(target).await;
    let semantic = Note::search_hybrid_semantic(&words, "salmon river")
        .limit(3)
        .fetch(&t.db)
        .await;
    let by_vector = Note::search_hybrid(&embed_text("salmon river"), "salmon river")
        .limit(3)
        .fetch(&t.db)
        .await;
    match (semantic, by_vector) {
        (Ok(semantic), Ok(by_vector)) => {
            let view = |hits: &[tidb_vector_core::HybridHit<Note>]| -> Vec<(i64, f64)> {
                hits.iter().map(|h| (h.key, h.score)).collect()
            };
            assert_eq!(view(&semantic), view(&by_vector), "{target:?}");
            assert_eq!(semantic[0].key, 3, "{target:?}: {:?}", view(&semantic));
            // Reranked: the fused ranking's first three, reversed.
            let reranked = Note::search_hybrid_semantic(&words, "salmon river")
                .limit(3)
                .fusion(Fusion::rrf())
                .rerank(&Reverse, "salmon river", |n: &Note| &n.content)
                .rerank_candidates(3)
                .fetch(&t.db)
                .await
                .unwrap();
            let keys: Vec<i64> = reranked.iter().map(|h| h.key).collect();
            let mut expected: Vec<i64> = semantic.iter().map(|h| h.key).collect();
            expected.reverse();
            assert_eq!(keys, expected, "{target:?}");
            assert!(reranked.iter().all(|h| h.rerank_score.is_some()));
        }
        // No full-text search here (TiDB v8.5, and its dialect on MariaDB): both fail alike, and the
        // semantic one never answers with the vector half alone.
        (Err(Error::Unsupported { .. }), Err(Error::Unsupported { .. })) => {
            assert!(
                matches!(target, Target::TiDbOnMariaDb | Target::TiDb),
                "{target:?}"
            );
        }
        (semantic, by_vector) => panic!("{target:?}: {:?} / {:?}", semantic.err(), by_vector.err()),
    }
    t.finish().await;
}

/// TiDB Cloud's auto-embedding (`embed_on_server`): the vector is a generated column over `EMBED_TEXT`.
#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "auto_notes")]
struct AutoNote {
    content: String,
    #[vector(
        dimensions = 3,
        source = "content",
        embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2"
    )]
    content_vector: Option<Vec<f32>>,
}

impl AutoNote {
    fn new(content: &str) -> Self {
        AutoNote {
            content: content.to_owned(),
            content_vector: None,
        }
    }
}

/// The emulation's model on MariaDB: counts of three letters, plus a half so that no vector is zero.
fn letters(text: &str) -> Vec<f32> {
    let lower = text.to_lowercase();
    ['a', 'e', 'o']
        .iter()
        .map(|c| lower.matches(*c).count() as f32 + 0.5)
        .collect()
}

/// TiDB Cloud's functions, emulated on MariaDB for the TiDB dialect: `EMBED_TEXT` (the letter counts above,
/// whatever the model), `VEC_EMBED_COSINE_DISTANCE` / `VEC_EMBED_L2_DISTANCE` over it, and triggers that
/// fill the column on insert and update, as TiDB Cloud's generated column does (MariaDB allows no stored
/// function in a generated column).
const AUTO_EMBEDDING_ON_MARIADB: &str = r"
CREATE FUNCTION EMBED_TEXT(model VARCHAR(255), t LONGTEXT) RETURNS LONGBLOB DETERMINISTIC
  RETURN IF(t IS NULL, NULL, VEC_FromText(CONCAT('[',
    CHAR_LENGTH(t) - CHAR_LENGTH(REPLACE(LOWER(t), 'a', '')) + 0.5, ',',
    CHAR_LENGTH(t) - CHAR_LENGTH(REPLACE(LOWER(t), 'e', '')) + 0.5, ',',
    CHAR_LENGTH(t) - CHAR_LENGTH(REPLACE(LOWER(t), 'o', '')) + 0.5, ']')));
CREATE FUNCTION VEC_EMBED_COSINE_DISTANCE(v LONGBLOB, t LONGTEXT) RETURNS DOUBLE DETERMINISTIC
  RETURN VEC_DISTANCE_COSINE(v, EMBED_TEXT('', t));
CREATE FUNCTION VEC_EMBED_L2_DISTANCE(v LONGBLOB, t LONGTEXT) RETURNS DOUBLE DETERMINISTIC
  RETURN VEC_DISTANCE_EUCLIDEAN(v, EMBED_TEXT('', t));
CREATE TABLE auto_notes (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, content LONGTEXT NOT NULL,
  content_vector VECTOR(3) NULL);
CREATE TRIGGER auto_notes_insert BEFORE INSERT ON auto_notes FOR EACH ROW
  SET NEW.content_vector = EMBED_TEXT('m', NEW.content);
CREATE TRIGGER auto_notes_update BEFORE UPDATE ON auto_notes FOR EACH ROW
  SET NEW.content_vector = EMBED_TEXT('m', NEW.content);
";

const AUTO_TEXTS: [&str; 5] = [
    "a banana and an apple",
    "see the green trees",
    "odd door of a room",
    "an eerie echo",
    "total zoo",
];

/// Vectors the server embeds: MariaDB and SQLite refuse the model before any SQL; a TiDB without
/// auto-embedding (the real v8.5.3) refuses the table and the search from its answers, while the library
/// still writes and reads such a table without the column; on the TiDB dialect over MariaDB, with TiDB
/// Cloud's functions emulated, inserts leave the column to the server, reads give its vectors back, and
/// searches by text (the text bound) return brute force over the server's vectors.
async fn vectors_embedded_by_the_server(target: Target) {
    let t = TestDb::open(target).await;
    let unsupported = |result: Result<(), Error>, context: &str| match result {
        Err(Error::Unsupported { what, .. }) => what,
        other => panic!("{target:?} {context}: {other:?}"),
    };
    match target {
        Target::Sqlite | Target::MariaDb => {
            let what = unsupported(AutoNote::create_table(&t.db).await, "create_table");
            assert!(
                what.contains("`content_vector`") && what.contains("EMBED_TEXT"),
                "{what}"
            );
            let what = unsupported(
                AutoNote::search_server_semantic("apple")
                    .fetch(&t.db)
                    .await
                    .map(drop),
                "search",
            );
            assert!(what.contains("embedded on the server"), "{what}");
        }
        Target::TiDb => {
            let what = unsupported(AutoNote::create_table(&t.db).await, "create_table");
            assert!(
                what.contains("TiDB Cloud Starter") && what.contains("disallowed function"),
                "{what}"
            );
            // The same table without the generated column: writes leave the column out, reads give NULL.
            sqlx::raw_sql(
                "CREATE TABLE auto_notes (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
                 content LONGTEXT NOT NULL, content_vector VECTOR(3) NULL)",
            )
            .execute(t.mysql().unwrap())
            .await
            .unwrap();
            let rows: Vec<AutoNote> = AUTO_TEXTS.iter().map(|c| AutoNote::new(c)).collect();
            assert_eq!(AutoNote::insert_many(&t.db, &rows).await.unwrap(), 5);
            let stored = AutoNote::list(&t.db, 10).await.unwrap();
            assert!(stored.iter().all(|(_, n)| n.content_vector.is_none()));
            let what = unsupported(
                AutoNote::search_server_semantic("apple")
                    .fetch(&t.db)
                    .await
                    .map(drop),
                "search",
            );
            assert!(
                what.contains("TiDB Cloud Starter") && what.contains("vec_embed_cosine_distance"),
                "{what}"
            );
        }
        Target::TiDbOnMariaDb => {
            sqlx::raw_sql(AUTO_EMBEDDING_ON_MARIADB)
                .execute(t.mysql().unwrap())
                .await
                .unwrap();
            let mut rows: Vec<AutoNote> = AUTO_TEXTS.iter().map(|c| AutoNote::new(c)).collect();
            // A vector the caller sets is not written either: the server's is what is stored.
            rows[0].content_vector = Some(vec![9.0, 9.0, 9.0]);
            let keys = AutoNote::insert_many(&t.db, &rows).await.unwrap();
            assert_eq!(keys, 5);
            let stored = AutoNote::list(&t.db, 10).await.unwrap();
            for (_, note) in &stored {
                assert_eq!(
                    note.content_vector,
                    Some(letters(&note.content)),
                    "{note:?}"
                );
            }
            // An update writes the text; the server embeds it again.
            let (key, mut note) = stored[4].clone();
            note.content = "a loose goose".to_owned();
            assert!(AutoNote::update(&t.db, &key, &note).await.unwrap());
            let updated = AutoNote::get(&t.db, &key).await.unwrap().unwrap();
            assert_eq!(updated.content_vector, Some(letters("a loose goose")));

            let texts: Vec<&str> = stored
                .iter()
                .map(|(k, n)| {
                    if *k == key {
                        "a loose goose"
                    } else {
                        n.content.as_str()
                    }
                })
                .collect();
            for (metric, query, limit) in [
                (Metric::Cosine, "apple banana", 3),
                (Metric::L2, "good mood", 2),
                (Metric::Cosine, "tree see", 5),
            ] {
                let mut expected: Vec<(&str, f64)> = texts
                    .iter()
                    .map(|c| (*c, distance(metric, &letters(query), &letters(c))))
                    .collect();
                expected.sort_by(|a, b| a.1.total_cmp(&b.1));
                let hits = AutoNote::search_server_semantic(query)
                    .metric(metric)
                    .limit(limit)
                    .fetch(&t.db)
                    .await
                    .unwrap();
                let got: Vec<(&str, f64)> = hits
                    .iter()
                    .map(|h| (h.record.content.as_str(), h.distance))
                    .collect();
                assert_eq!(got.len(), limit, "{query}: {got:?}");
                for ((name, d), (want, w)) in got.iter().zip(&expected) {
                    assert!((d - w).abs() < 1e-5, "{query}: {got:?} vs {expected:?}");
                    // Equal distances may come in either order; different ones in this.
                    assert!(
                        name == want || (d - w).abs() < 1e-9,
                        "{query}: {got:?} vs {expected:?}"
                    );
                }
            }
            // A threshold, as for vectors.
            let close = AutoNote::search_server_semantic("apple banana")
                .max_distance(0.05)
                .fetch(&t.db)
                .await
                .unwrap();
            let expected = texts
                .iter()
                .filter(|c| distance(Metric::Cosine, &letters("apple banana"), &letters(c)) < 0.05)
                .count();
            assert_eq!(close.len(), expected);
            assert!(expected >= 1);
        }
    }
    t.finish().await;
}
