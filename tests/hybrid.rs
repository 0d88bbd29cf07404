//! Full-text and hybrid search on every backend that has full-text search (SQLite's FTS5, MariaDB's
//! InnoDB FULLTEXT): rankings on data whose expected order is unambiguous, the index kept in step with
//! updates, upserts and deletes, hostile text, filters, and fusion checked against the brute-force vector
//! ranking and the text ranking fused here. The TiDB dialect on MariaDB has no full-text index and no
//! `FTS_MATCH_WORD`, as TiDB v8.5 has neither: there the table is made without the index, vector searches
//! work, and text and hybrid searches fail with `Unsupported`, never falling back to vectors alone.

use tidb_vector_core::{Error, Fusion, Metric, VectorModel};
use tidb_vector_tests::{Target, TestDb, distance, scenarios};

scenarios!(
    text_search_ranks_matches_and_follows_writes,
    hybrid_search_fuses_both_rankings,
    hostile_text_is_only_words,
    ties_at_the_cut_are_the_lowest_keys,
    hybrid_pages_are_slices_of_one_ranking,
    a_hybrid_search_reads_whole_rows_for_its_page_alone,
);

#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "articles")]
struct Article {
    id: i64,
    #[vector(fulltext)]
    body: String,
    year: i32,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// Six rows with distinct words of at least four letters (above MariaDB's minimum token size, none a
/// stopword); "fish" is in two of them, "salmon" in one, so text rankings are unambiguous and no word is
/// in half the rows (where SQLite's BM25 clamps and InnoDB's IDF is 0).
fn articles() -> Vec<Article> {
    [
        (
            1,
            "golden retriever puppy barking loudly",
            2019,
            [1.0, 2.0, 1.0],
        ),
        (2, "tropical aquarium fish swimming", 2020, [1.0, 2.0, 4.0]),
        (3, "ancient tree growing forest", 2021, [1.0, 0.0, 0.0]),
        (4, "parrot feathers colorful jungle", 2022, [0.0, 1.0, 0.0]),
        (
            5,
            "salmon river fish migration upstream",
            2023,
            [2.0, 3.0, 9.0],
        ),
        (6, "desert cactus sunshine drought", 2024, [0.0, 0.0, 1.0]),
    ]
    .into_iter()
    .map(|(id, body, year, embedding)| Article {
        id,
        body: body.into(),
        year,
        embedding: embedding.to_vec(),
    })
    .collect()
}

/// A table with the six articles, or `None` when the target has no full-text search: then the searches
/// were checked to fail with `Unsupported` (TiDB dialect on MariaDB, or a TiDB that is not Starter).
async fn open(target: Target) -> Option<TestDb> {
    let t = TestDb::open(target).await;
    // On a server without TiDB's full-text search (TiDB v8.5; MariaDB, which knows no `MULTILINGUAL`
    // parser, for the TiDB dialect) the table is made all the same, without the index.
    Article::create_table(&t.db).await.unwrap();
    Article::insert_many(&t.db, articles()).await.unwrap();
    match Article::search_text("fish").fetch(&t.db).await {
        Err(Error::Unsupported { what, .. }) => {
            assert!(
                matches!(target, Target::TiDbOnMariaDb | Target::TiDb),
                "{target:?}: {what}"
            );
            assert!(what.contains("TiDB Cloud Starter"), "{what}");
            // Hybrid search fails the same way; it never answers with the vector half alone.
            let error = Article::search_hybrid(&[1.0, 2.0, 3.0], "fish")
                .fetch(&t.db)
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Unsupported { .. }), "{error:?}");
            // The table serves vector searches as before.
            let hits = Article::nearest_by_cosine(&t.db, &[1.0, 2.0, 3.0], 3)
                .await
                .unwrap();
            assert_eq!(hits[0].key, 2);
            t.finish().await;
            None
        }
        Err(other) => panic!("{target:?}: {other:?}"),
        Ok(_) => {
            assert_ne!(
                target,
                Target::TiDbOnMariaDb,
                "MariaDB has no FTS_MATCH_WORD"
            );
            Some(t)
        }
    }
}

fn keys<T>(hits: &[T], key: impl Fn(&T) -> i64) -> Vec<i64> {
    hits.iter().map(key).collect()
}

async fn text_search_ranks_matches_and_follows_writes(target: Target) {
    let Some(t) = open(target).await else { return };
    let db = &t.db;
    let by_key = |hits: &[tidb_vector_core::TextHit<Article>]| keys(hits, |h| h.key);

    let hits = Article::search_text("fish").fetch(db).await.unwrap();
    assert_eq!(by_key(&hits), [2, 5], "{hits:?}");
    assert!(
        hits[0].score >= hits[1].score && hits[1].score > 0.0,
        "{hits:?}"
    );
    let rows = articles();
    assert_eq!(hits[0].record, rows[1]);
    assert_eq!(hits[1].record, rows[4]);
    // More matched words rank higher; any word matches.
    let hits = Article::search_text("salmon fish").fetch(db).await.unwrap();
    assert_eq!(by_key(&hits), [5, 2], "{hits:?}");
    assert!(hits[0].score > hits[1].score, "{hits:?}");
    let hits = Article::search_text("Salmon, PARROT!")
        .fetch(db)
        .await
        .unwrap();
    assert_eq!(by_key(&hits).len(), 2);
    assert_eq!(
        {
            let mut k = by_key(&hits);
            k.sort();
            k
        },
        [4, 5]
    );
    let hits = Article::search_text("salmon fish")
        .limit(1)
        .fetch(db)
        .await
        .unwrap();
    assert_eq!(by_key(&hits), [5]);
    let hits = Article::search_text("fish")
        .filter(Article::FIELDS.year.lt(2021))
        .fetch(db)
        .await
        .unwrap();
    assert_eq!(by_key(&hits), [2]);
    assert!(
        Article::search_text("volcano")
            .fetch(db)
            .await
            .unwrap()
            .is_empty()
    );
    let error = Article::search_text(" ?! -- ").fetch(db).await.unwrap_err();
    assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    assert!(error.to_string().contains("no words"), "{error}");

    // The index follows updates, upserts and deletes.
    let mut changed = rows[2].clone();
    changed.body = "ancient fish fossil".into();
    Article::update(db, &3, &changed).await.unwrap();
    let mut upserted = rows[4].clone();
    upserted.body = "salmon river migration".into();
    Article::upsert(db, &5, &upserted).await.unwrap();
    assert!(Article::delete(db, &2).await.unwrap());
    let hits = Article::search_text("fish").fetch(db).await.unwrap();
    assert_eq!(by_key(&hits), [3], "{hits:?}");
    assert_eq!(hits[0].record, changed);
    let hits = Article::search_text("salmon").fetch(db).await.unwrap();
    assert_eq!(by_key(&hits), [5]);
    assert!(
        Article::search_text("aquarium")
            .fetch(db)
            .await
            .unwrap()
            .is_empty()
    );

    // Where the backends differ: MariaDB does not index words under 3 letters (innodb_ft_min_token_size),
    // SQLite's FTS5 and TiDB do.
    Article {
        id: 7,
        body: "AI ethics debate".into(),
        year: 2025,
        embedding: vec![3.0, 1.0, 2.0],
    }
    .insert(db)
    .await
    .unwrap();
    let short = Article::search_text("AI").fetch(db).await.unwrap();
    match target {
        Target::MariaDb => assert!(short.is_empty(), "{short:?}"),
        _ => assert_eq!(by_key(&short), [7], "{short:?}"),
    }
    let long = Article::search_text("ethics").fetch(db).await.unwrap();
    assert_eq!(by_key(&long), [7]);
    t.finish().await;
}

async fn hybrid_search_fuses_both_rankings(target: Target) {
    let Some(t) = open(target).await else { return };
    let db = &t.db;
    let query = [1.0, 2.0, 3.0];
    let rows = articles();

    // The two lists as this test computes them: the brute-force vector ranking, and the text ranking.
    let mut by_vector: Vec<(i64, f64)> = rows
        .iter()
        .map(|a| (a.id, distance(Metric::Cosine, &query, &a.embedding)))
        .collect();
    by_vector.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let text: Vec<(i64, f64)> = Article::search_text("fish salmon")
        .limit(4)
        .fetch(db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.key, h.score))
        .collect();
    by_vector.truncate(4);
    let mut expected: Vec<(i64, f64)> = rows
        .iter()
        .map(|a| {
            let rank = |list: &[(i64, f64)]| list.iter().position(|(k, _)| *k == a.id);
            let score = [rank(&by_vector), rank(&text)]
                .into_iter()
                .flatten()
                .map(|r| 1.0 / (60.0 + r as f64 + 1.0))
                .sum::<f64>();
            (a.id, score)
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    expected.truncate(3);

    let hits = Article::search_hybrid(&query, "fish salmon")
        .candidates(4)
        .limit(3)
        .fetch(db)
        .await
        .unwrap();
    assert_eq!(keys(&hits, |h| h.key), keys(&expected, |e| e.0), "{hits:?}");
    for (hit, (_, score)) in hits.iter().zip(&expected) {
        assert!((hit.score - score).abs() < 1e-12, "{hit:?} vs {score}");
        assert_eq!(hit.record, rows[hit.key as usize - 1]);
    }
    // Fish in the aquarium is nearest to the query and a text match: found by both.
    let first = &hits[0];
    assert_eq!(first.key, 2);
    assert_eq!(first.vector_rank, Some(1));
    assert!(first.text_rank.is_some());
    let d = first.distance.unwrap();
    assert!((d - distance(Metric::Cosine, &query, &rows[1].embedding)).abs() < 1e-6);
    // A row found by the vector search only carries no text score, and the other way round.
    let all = Article::search_hybrid(&query, "fish salmon")
        .candidates(6)
        .limit(6)
        .fetch(db)
        .await
        .unwrap();
    assert_eq!(all.len(), 6, "every row is a vector candidate");
    for hit in &all {
        assert_eq!(hit.text_score.is_some(), hit.text_rank.is_some());
        assert_eq!(
            hit.text_rank.is_some(),
            [2, 5].contains(&hit.key),
            "{hit:?}"
        );
        assert!(hit.vector_rank.is_some());
    }

    // Weighted fusion: cosine mapped by 1 - d/2, the text score by 2·atan(s)/π.
    let hits = Article::search_hybrid(&query, "salmon")
        .fusion(Fusion::weighted(0.3, 0.7))
        .candidates(6)
        .limit(6)
        .fetch(db)
        .await
        .unwrap();
    for hit in &hits {
        let v = hit.distance.map_or(0.0, |d| 1.0 - d / 2.0);
        let s = hit
            .text_score
            .map_or(0.0, |s| 2.0 * s.atan() / std::f64::consts::PI);
        assert!((hit.score - (0.3 * v + 0.7 * s)).abs() < 1e-12, "{hit:?}");
    }
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    // A filter applies to both searches.
    let hits = Article::search_hybrid(&query, "fish")
        .filter(Article::FIELDS.year.ge(2023))
        .fetch(db)
        .await
        .unwrap();
    assert!(hits.iter().all(|h| h.record.year >= 2023), "{hits:?}");
    assert_eq!(hits[0].key, 5, "the only fish left, found by both");

    for bad in [
        Article::search_hybrid(&query, "fish")
            .limit(5)
            .candidates(4),
        Article::search_hybrid(&query, "fish").fusion(Fusion::weighted(0.0, 0.0)),
        Article::search_hybrid(&query, "fish")
            .metric(Metric::L1)
            .fusion(Fusion::weighted(0.5, 0.5)),
    ] {
        let error = bad.fetch(db).await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    }
    t.finish().await;
}

/// Text that would be syntax in some backend's query language or SQL is only words: no error, no
/// injection, the same rows as its words alone.
async fn hostile_text_is_only_words(target: Target) {
    let Some(t) = open(target).await else { return };
    let db = &t.db;
    for text in [
        "fish' OR '1'='1",
        "fish\" OR \"x",
        "fish*) NEAR(salmon",
        "\\'; DROP TABLE articles; -- fish",
        "fish\0",
        "body:fish",
        "+fish -tropical",
    ] {
        let hits = Article::search_text(text).fetch(db).await.unwrap();
        let mut found = keys(&hits, |h| h.key);
        found.sort();
        assert_eq!(found, [2, 5], "{text:?}");
    }
    assert_eq!(Article::count(db).await.unwrap(), 6);
    t.finish().await;
}

#[derive(Clone, Debug, PartialEq, VectorModel)]
#[vector(table = "coded")]
struct Coded {
    #[vector(key, max_length = 16)]
    code: String,
    #[vector(fulltext)]
    body: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// FTS5 addresses rows by an integer key: on SQLite a full-text field needs one, said before any table
/// is made.
#[tokio::test]
async fn sqlite_full_text_needs_an_integer_key() {
    let t = TestDb::open(Target::Sqlite).await;
    let error = Coded::create_table(&t.db).await.unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { what, .. } if what.contains("integer key")),
        "{error:?}"
    );
    assert!(Coded::ddl(tidb_vector_core::Backend::Sqlite).is_err());
    assert!(Coded::ddl(tidb_vector_core::Backend::MariaDb).is_ok());
    let error = Coded::count(&t.db).await.unwrap_err();
    assert!(
        error.to_string().contains("coded"),
        "no table was made: {error}"
    );
    t.finish().await;
}

/// Rows whose texts are the same score the same: a page cut through them holds those lowest in key order,
/// whichever the server would have kept (TiDB's query orders by the score alone).
async fn ties_at_the_cut_are_the_lowest_keys(target: Target) {
    let Some(t) = open(target).await else {
        return;
    };
    // Eight more rows with one text, written in a shuffled key order.
    let same = [14, 9, 12, 7, 13, 8, 11, 10].map(|id| Article {
        id,
        body: "glacier meltwater lagoon".into(),
        year: 2025,
        embedding: vec![1.0, 1.0, id as f32],
    });
    Article::insert_many(&t.db, same).await.unwrap();
    for limit in [1, 3, 5, 8] {
        let keys: Vec<i64> = Article::search_text("glacier")
            .limit(limit)
            .fetch(&t.db)
            .await
            .unwrap()
            .iter()
            .map(|hit| hit.key)
            .collect();
        let lowest: Vec<i64> = (7..7 + limit as i64).collect();
        assert_eq!(keys, lowest, "limit {limit}");
    }
    // Pages are slices of one ranking, ties included: three pages of three are the search of nine.
    let keys = |hits: Vec<tidb_vector_core::TextHit<Article>>| -> Vec<i64> {
        hits.iter().map(|hit| hit.key).collect()
    };
    for text in ["glacier", "glacier lagoon fish"] {
        let whole = keys(
            Article::search_text(text)
                .limit(9)
                .fetch(&t.db)
                .await
                .unwrap(),
        );
        let mut paged = Vec::new();
        for page in 0..3 {
            let hits = Article::search_text(text)
                .limit(3)
                .offset(page * 3)
                .fetch(&t.db)
                .await
                .unwrap();
            paged.extend(keys(hits));
        }
        assert_eq!(paged, whole, "{text}");
        let past = Article::search_text(text).offset(1_000).fetch(&t.db).await;
        assert!(past.unwrap().is_empty());
    }
    t.finish().await;
}

/// `HybridSearch::offset`: with the same candidates, consecutive pages concatenate to the fused ranking of
/// their combined limit; a page past the end is empty; candidates fewer than offset + limit are refused.
async fn hybrid_pages_are_slices_of_one_ranking(target: Target) {
    let Some(t) = open(target).await else { return };
    let search = |offset: usize, limit: usize| {
        Article::search_hybrid(&[1.0, 2.0, 3.0], "fish salmon tree")
            .candidates(8)
            .offset(offset)
            .limit(limit)
    };
    let whole = search(0, 6).fetch(&t.db).await.unwrap();
    assert_eq!(whole.len(), 6);
    let mut pages = Vec::new();
    for offset in [0, 2, 4] {
        pages.extend(search(offset, 2).fetch(&t.db).await.unwrap());
    }
    assert_eq!(
        keys(&pages, |h| h.key),
        keys(&whole, |h| h.key),
        "the pages are the fused ranking of their combined limit"
    );
    assert!(
        pages.iter().zip(&whole).all(|(a, b)| a.score == b.score),
        "with the same scores"
    );
    assert!(search(6, 2).fetch(&t.db).await.unwrap().is_empty());
    let refused = Article::search_hybrid(&[1.0, 2.0, 3.0], "fish")
        .candidates(3)
        .offset(2)
        .limit(2)
        .fetch(&t.db)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument(_)), "{refused:?}");
    t.finish().await;
}

/// Both searches of a hybrid search read keys and scores, and only the rows of the page it returns are
/// read whole (one statement by key): with limit 1, one row of the six the two searches found. Seen in
/// sqlx's statement events, which the MySQL protocol's driver emits on the caller's thread (SQLite's from a
/// worker thread of its own, where the capture does not reach: there the answer alone is checked).
async fn a_hybrid_search_reads_whole_rows_for_its_page_alone(target: Target) {
    let captured = tidb_vector_tests::Captured::default();
    let _guard = captured.install();
    let Some(t) = open(target).await else { return };
    captured.take();
    let hits = Article::search_hybrid(&[1.0, 2.0, 3.0], "fish salmon tree")
        .candidates(6)
        .limit(1)
        .fetch(&t.db)
        .await
        .unwrap();
    assert_eq!(keys(&hits, |h| h.key), [5]);
    assert_eq!(hits[0].record, articles()[4]);
    let log = captured.take();
    if target.backend() != tidb_vector_core::Backend::Sqlite {
        // A connection the pool opens first sends sqlx's own `SET ...` statement: searches only.
        let statements: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("sqlx::query: summary=\"SELECT"))
            .collect();
        assert_eq!(statements.len(), 3, "{log}");
        assert!(
            statements[0].contains("SELECT `id`, MATCH(`body`)")
                && statements[1].contains("SELECT `id`, VEC_DISTANCE_COSINE")
                && statements[2].contains("WHERE `id` IN (?)")
                && statements[2].contains("rows_returned=1"),
            "{log}"
        );
    }
    t.finish().await;
}
