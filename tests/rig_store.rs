//! The rig vector store (feature `rig`), through rig-core's own traits: the seed's documents, thresholds,
//! filters against brute force evaluated with rig's own `Filter::satisfies`, refused filters, chunked
//! documents, bad vectors, and the tool and dynamic (agent) forms.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rig_core::driver::{Exchange, Local, Model, Opened, Opening, Step, Transport};
use rig_core::embeddings::{Embedding, EmbeddingResponse};
use rig_core::error::ProviderError;
use rig_core::vector_store::request::{Filter, SearchFilter};
use rig_core::vector_store::{
    InsertDocuments, VectorSearchRequest, VectorStoreError, VectorStoreIndex,
};
use rig_core::wire::Capabilities;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tidb_vector_core::Metric;
use tidb_vector_core::VectorModel;
use tidb_vector_core::rig::{RigStore, StoreTable, StoredEmbedding};
use tidb_vector_tests::{Target, TestDb, distance, scenarios};

scenarios!(
    the_seed_comes_back_fish_dog_tree,
    filters_and_thresholds_match_brute_force,
    refused_filters_embed_and_send_nothing,
    chunks_of_a_document_come_back_once,
    a_bad_vector_stores_nothing,
    the_tool_and_the_agent_forms_answer_as_top_n,
);

/// The test's embedding model: the seed's words as the tutorial's vectors, any other text as a vector
/// drawn from its hash (8 dimensions); counts the texts it embedded.
#[derive(Clone, Default)]
struct TestEmbeddings {
    texts: Arc<AtomicUsize>,
}

impl TestEmbeddings {
    fn model(&self, dimensions: usize) -> Model<Local<rig_core::operation::Embedding>, Self> {
        Model::new(
            Local::new("test").with_capabilities(Capabilities::embedding(64, dimensions)),
            self.clone(),
        )
    }

    fn embedded(&self) -> usize {
        self.texts.load(Ordering::SeqCst)
    }
}

/// The vector the test's model gives `text`.
fn vector_of(text: &str) -> Vec<f64> {
    match text {
        "dog" => vec![1.0, 2.0, 1.0],
        "fish" => vec![1.0, 2.0, 4.0],
        "tree" => vec![1.0, 0.0, 0.0],
        "[1,2,3]" => vec![1.0, 2.0, 3.0],
        "too big" => vec![1.0, 1e300, 0.0],
        _ => {
            let mut state = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            (0..8)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
                })
                .collect()
        }
    }
}

impl Transport<Local<rig_core::operation::Embedding>> for TestEmbeddings {
    fn send(
        &self,
        texts: Vec<String>,
        _exchange: Exchange,
    ) -> Opening<Step<rig_core::operation::Embedding>> {
        self.texts.fetch_add(texts.len(), Ordering::SeqCst);
        let response = EmbeddingResponse::new(
            texts
                .into_iter()
                .map(|document| Embedding {
                    vec: vector_of(&document),
                    document,
                })
                .collect(),
        );
        Opening::ready(Opened::new(futures_util::stream::iter([Ok::<
            _,
            ProviderError,
        >(
            Step::End(response),
        )])))
    }
}

/// The seed's table: 3 dimensions, cosine, with a vector index where the target builds one with the table.
struct Seed;
impl StoreTable for Seed {
    const NAME: &'static str = "seed";
    const DIMENSIONS: usize = 3;
}

/// The seed's table without an index (a TiDB's index needs TiFlash).
struct PlainSeed;
impl StoreTable for PlainSeed {
    const NAME: &'static str = "seed";
    const DIMENSIONS: usize = 3;
    const INDEXED: bool = false;
}

/// 8 dimensions, cosine, no index.
struct Notes;
impl StoreTable for Notes {
    const NAME: &'static str = "notes";
    const DIMENSIONS: usize = 8;
    const INDEXED: bool = false;
}

/// 8 dimensions, L2, no index.
struct L2Notes;
impl StoreTable for L2Notes {
    const NAME: &'static str = "l2_notes";
    const DIMENSIONS: usize = 8;
    const METRIC: Metric = Metric::L2;
    const INDEXED: bool = false;
}

/// A document as rig users write them: serializable, with the text to embed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Word {
    word: String,
    definition: String,
}

impl rig_core::Embed for Word {
    fn embed(
        &self,
        embedder: &mut rig_core::embeddings::TextEmbedder,
    ) -> Result<(), rig_core::embeddings::EmbedError> {
        embedder.embed(self.word.clone());
        Ok(())
    }
}

/// Embeds `documents` with rig's own builder.
async fn embed_with_rig<D: rig_core::Embed + Send + Clone>(
    embeddings: &TestEmbeddings,
    dimensions: usize,
    documents: Vec<D>,
) -> Vec<(D, Vec<Embedding>)> {
    rig_core::embeddings::EmbeddingsBuilder::new(embeddings.model(dimensions))
        .documents(documents)
        .expect("texts of the documents")
        .build()
        .await
        .expect("embed the documents")
        .into_iter()
        .map(|(document, embeddings)| (document, embeddings.into_iter().collect()))
        .collect()
}

fn seed_words() -> Vec<Word> {
    [
        ("dog", "a pet that barks"),
        ("fish", "it swims"),
        ("tree", "it grows"),
    ]
    .into_iter()
    .map(|(word, definition)| Word {
        word: word.into(),
        definition: definition.into(),
    })
    .collect()
}

async fn the_seed_comes_back_fish_dog_tree(target: Target) {
    match target {
        Target::TiDb | Target::TiDbOnMariaDb => seed_scenario::<PlainSeed>(target).await,
        Target::Sqlite | Target::MariaDb => seed_scenario::<Seed>(target).await,
    }
}

async fn seed_scenario<T: StoreTable>(target: Target) {
    let t = TestDb::open(target).await;
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<T>::open(&t.db, embeddings.model(3))
        .await
        .unwrap();
    let documents = embed_with_rig(&embeddings, 3, seed_words()).await;
    store.insert_documents(documents).await.unwrap();
    assert_eq!(t.count(T::NAME).await, 3);

    let request = |samples, threshold: Option<f64>| {
        let builder = VectorSearchRequest::builder()
            .query("[1,2,3]")
            .samples(samples);
        match threshold {
            Some(threshold) => builder.threshold(threshold).build(),
            None => builder.build(),
        }
    };
    let hits = store.top_n::<Word>(request(3, None)).await.unwrap();
    let words: Vec<&str> = hits.iter().map(|h| h.document.word.as_str()).collect();
    assert_eq!(words, ["fish", "dog", "tree"]);
    // Scores are cosine similarities, most similar first.
    let expected = [0.991460, 0.872872, 0.267261];
    for (hit, expected) in hits.iter().zip(expected) {
        assert!(
            (hit.score - expected).abs() < 1e-5,
            "{} {}",
            hit.score,
            expected
        );
    }
    assert_eq!(hits[1].document, seed_words()[0]);
    // The ids are the documents' UUIDs, the same in top_n_ids.
    let ids = store.top_n_ids(request(3, None)).await.unwrap();
    assert_eq!(
        ids.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
        hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>()
    );
    assert!(hits.iter().all(|h| uuid::Uuid::parse_str(&h.id).is_ok()));

    // The tutorial's "cosine distance below 0.2" is a similarity of at least 0.8.
    let close = store.top_n::<Word>(request(10, Some(0.8))).await.unwrap();
    let words: Vec<&str> = close.iter().map(|h| h.document.word.as_str()).collect();
    assert_eq!(words, ["fish", "dog"]);
    let closest = store.top_n_ids(request(10, Some(0.9))).await.unwrap();
    assert_eq!(closest.len(), 1);
    assert!(
        store
            .top_n_ids(request(10, Some(1.5)))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.top_n_ids(request(0, None)).await.unwrap().is_empty());
    // A document read as another type is rig's JSON error.
    let error = store.top_n::<Vec<i32>>(request(1, None)).await.unwrap_err();
    assert!(matches!(error, VectorStoreError::JsonError(_)), "{error:?}");
    t.finish().await;
}

/// The documents of the brute-force scenario: numbers, strings, booleans, missing fields.
fn notes() -> Vec<(Value, String)> {
    (0..120)
        .map(|i: i64| {
            let mut document = json!({
                "n": i,
                "score": (i * 7 % 50) as f64 / 10.0,
                "draft": i % 4 == 0,
                "title": format!("t{i:03}"),
            });
            if i % 5 != 0 {
                document["lang"] = json!(["en", "de", "fr"][(i % 3) as usize]);
            }
            (document, format!("note {i}"))
        })
        .collect()
}

/// A document with its text to embed.
#[derive(Clone, Serialize)]
struct Note {
    #[serde(flatten)]
    document: Value,
    #[serde(skip)]
    text: String,
}

impl rig_core::Embed for Note {
    fn embed(
        &self,
        embedder: &mut rig_core::embeddings::TextEmbedder,
    ) -> Result<(), rig_core::embeddings::EmbedError> {
        embedder.embed(self.text.clone());
        Ok(())
    }
}

fn filters() -> Vec<Option<Filter<Value>>> {
    vec![
        None,
        Some(Filter::eq("lang", json!("en"))),
        Some(Filter::gt("n", json!(100))),
        Some(Filter::lt("score", json!(2.5))),
        Some(Filter::eq("draft", json!(true))),
        Some(Filter::eq("lang", json!("de")).and(Filter::gt("score", json!(1.0)))),
        Some(Filter::eq("lang", json!("fr")).or(Filter::lt("n", json!(10)))),
        Some(Filter::gt("title", json!("t100"))),
        // 42.0 equals the integer 42, as rig's in-memory store has it.
        Some(Filter::eq("n", json!(42.0))),
        Some(Filter::eq("lang", json!(5))),
        Some(Filter::lt("missing", json!(3))),
        Some(
            Filter::eq("draft", json!(false))
                .and(Filter::eq("lang", json!("en")).or(Filter::gt("score", json!(4.0)))),
        ),
    ]
}

async fn filters_and_thresholds_match_brute_force(target: Target) {
    let t = TestDb::open(target).await;
    brute_force::<Notes>(&t, &[None, Some(0.2)]).await;
    brute_force::<L2Notes>(&t, &[None, Some(-1.6)]).await;
    t.finish().await;
}

async fn brute_force<T: StoreTable>(t: &TestDb, thresholds: &[Option<f64>]) {
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<T>::open(&t.db, embeddings.model(8))
        .await
        .unwrap()
        .exact();
    let notes: Vec<Note> = notes()
        .into_iter()
        .map(|(document, text)| Note { document, text })
        .collect();
    let documents = embed_with_rig(&embeddings, 8, notes.clone()).await;
    store.insert_documents(documents).await.unwrap();

    let mut checked = 0;
    for query in ["query 1", "query 2"] {
        let q: Vec<f32> = vector_of(query).iter().map(|x| *x as f32).collect();
        for filter in filters() {
            for &threshold in thresholds {
                for samples in [5, 200] {
                    // Brute force, with rig's own reading of the filter.
                    let mut expected: Vec<(i64, f64)> = notes
                        .iter()
                        .filter(|note| filter.as_ref().is_none_or(|f| f.satisfies(&note.document)))
                        .map(|note| {
                            let v: Vec<f32> =
                                vector_of(&note.text).iter().map(|x| *x as f32).collect();
                            let d = distance(T::METRIC, &q, &v);
                            let score = if T::METRIC == Metric::Cosine {
                                1.0 - d
                            } else {
                                -d
                            };
                            (note.document["n"].as_i64().unwrap(), score)
                        })
                        .filter(|(_, score)| threshold.is_none_or(|t| *score >= t))
                        .collect();
                    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
                    expected.truncate(samples);

                    let builder = VectorSearchRequest::builder()
                        .query(query)
                        .samples(samples as u64);
                    let builder = match threshold {
                        Some(t) => builder.threshold(t),
                        None => builder,
                    };
                    let request = match filter.clone() {
                        Some(f) => builder.filter(f).build(),
                        None => builder.build(),
                    };
                    let hits = store.top_n::<Value>(request.clone()).await.unwrap();
                    let found: Vec<i64> = hits
                        .iter()
                        .map(|h| h.document["n"].as_i64().unwrap())
                        .collect();
                    let wanted: Vec<i64> = expected.iter().map(|(n, _)| *n).collect();
                    assert_eq!(found, wanted, "{query} {filter:?} {threshold:?} {samples}");
                    for (hit, (_, score)) in hits.iter().zip(&expected) {
                        assert!((hit.score - score).abs() < 1e-5, "{} vs {score}", hit.score);
                    }
                    let ids = store.top_n_ids(request).await.unwrap();
                    assert_eq!(
                        ids.iter().map(|h| &h.id).collect::<Vec<_>>(),
                        hits.iter().map(|h| &h.id).collect::<Vec<_>>()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * filters().len() * thresholds.len() * 2);
}

async fn refused_filters_embed_and_send_nothing(target: Target) {
    let t = TestDb::open(target).await;
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<Notes>::open(&t.db, embeddings.model(8))
        .await
        .unwrap();
    let documents = embed_with_rig(
        &embeddings,
        8,
        vec![Note {
            document: json!({"n": 1}),
            text: "note 1".into(),
        }],
    )
    .await;
    store.insert_documents(documents).await.unwrap();
    let before = embeddings.embedded();
    let refused = [
        Filter::eq("x') OR 1=1 --", json!(1)),
        Filter::eq("n\"", json!(1)),
        Filter::eq("a\\b", json!(1)),
        Filter::eq("$.n", json!(1)),
        Filter::eq("n", json!(1)).or(Filter::eq("' OR '1'='1", json!(1))),
        Filter::eq("n", json!(null)),
        Filter::eq("n", json!([1])),
        Filter::gt("n", json!(true)),
    ];
    for filter in refused {
        let request = VectorSearchRequest::builder()
            .query("note 1")
            .samples(5)
            .filter(filter.clone())
            .build();
        let error = store.top_n::<Value>(request.clone()).await.unwrap_err();
        assert!(
            matches!(error, VectorStoreError::FilterError(_)),
            "{filter:?}: {error:?}"
        );
        let error = store.top_n_ids(request).await.unwrap_err();
        assert!(
            matches!(error, VectorStoreError::FilterError(_)),
            "{filter:?}: {error:?}"
        );
    }
    assert_eq!(
        embeddings.embedded(),
        before,
        "a refused filter embeds nothing"
    );
    // The table is as it was, and a plain filter still finds the note.
    assert_eq!(t.count("notes").await, 1);
    let request = VectorSearchRequest::builder()
        .query("note 1")
        .samples(5)
        .filter(Filter::eq("n", json!(1)))
        .build();
    assert_eq!(store.top_n_ids(request).await.unwrap().len(), 1);
    t.finish().await;
}

async fn chunks_of_a_document_come_back_once(target: Target) {
    let t = TestDb::open(target).await;
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<Notes>::open(&t.db, embeddings.model(8))
        .await
        .unwrap()
        .exact();
    // Ten documents of twelve chunks each: the nearest rows are mostly chunks of a few documents.
    let mut documents = Vec::new();
    for d in 0..10 {
        let chunks: Vec<Embedding> = (0..12)
            .map(|c| {
                let text = format!("doc {d} chunk {c}");
                Embedding {
                    vec: vector_of(&text),
                    document: text,
                }
            })
            .collect();
        documents.push((json!({"doc": d}), chunks));
    }
    let wrapped: Vec<(Note, Vec<Embedding>)> = documents
        .iter()
        .map(|(document, chunks)| {
            (
                Note {
                    document: document.clone(),
                    text: String::new(),
                },
                chunks.clone(),
            )
        })
        .collect();
    store.insert_documents(wrapped).await.unwrap();
    assert_eq!(t.count("notes").await, 120);

    let q: Vec<f32> = vector_of("chunky query")
        .iter()
        .map(|x| *x as f32)
        .collect();
    // Brute force: each document at its nearest chunk.
    let mut expected: Vec<(i64, f64)> = documents
        .iter()
        .map(|(document, chunks)| {
            let best = chunks
                .iter()
                .map(|chunk| {
                    let v: Vec<f32> = chunk.vec.iter().map(|x| *x as f32).collect();
                    distance(Metric::Cosine, &q, &v)
                })
                .fold(f64::INFINITY, f64::min);
            (document["doc"].as_i64().unwrap(), 1.0 - best)
        })
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
    for samples in [1, 4, 10, 50] {
        let request = VectorSearchRequest::builder()
            .query("chunky query")
            .samples(samples)
            .build();
        let hits = store.top_n::<Value>(request).await.unwrap();
        let found: Vec<i64> = hits
            .iter()
            .map(|h| h.document["doc"].as_i64().unwrap())
            .collect();
        let wanted: Vec<i64> = expected
            .iter()
            .take(samples as usize)
            .map(|(d, _)| *d)
            .collect();
        assert_eq!(found, wanted, "samples {samples}");
        for (hit, (_, score)) in hits.iter().zip(&expected) {
            assert!((hit.score - score).abs() < 1e-5);
        }
    }
    // The chunks' rows keep the text each was made from.
    let rows = StoredEmbedding::<Notes>::list(&t.db, 200).await.unwrap();
    assert_eq!(rows.len(), 120);
    assert!(
        rows.iter()
            .any(|(_, row)| row.embedded_text == "doc 3 chunk 7")
    );
    t.finish().await;
}

async fn a_bad_vector_stores_nothing(target: Target) {
    let t = TestDb::open(target).await;
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<PlainSeed>::open(&t.db, embeddings.model(3))
        .await
        .unwrap();
    let good = embed_with_rig(&embeddings, 3, seed_words()).await;
    let bad_word = Word {
        word: "too big".into(),
        definition: "beyond f32".into(),
    };
    // A value beyond f32, a vector of the wrong size, a document without an embedding: each refuses the
    // whole call.
    let mut beyond = good.clone();
    beyond.extend(embed_with_rig(&embeddings, 3, vec![bad_word.clone()]).await);
    let mut wrong_size = good.clone();
    wrong_size.push((
        bad_word.clone(),
        vec![Embedding {
            document: "x".into(),
            vec: vec![1.0; 8],
        }],
    ));
    let mut empty = good.clone();
    empty.push((bad_word, Vec::new()));
    for (what, documents) in [("beyond", beyond), ("size", wrong_size), ("empty", empty)] {
        let error = store.insert_documents(documents).await.unwrap_err();
        assert!(
            matches!(error, VectorStoreError::DatastoreError(_)),
            "{what}: {error:?}"
        );
        assert_eq!(t.count("seed").await, 0, "{what}");
    }
    store.insert_documents(good).await.unwrap();
    assert_eq!(t.count("seed").await, 3);
    // A model of other dimensions than the table's is refused before anything is sent.
    let error = RigStore::<PlainSeed>::new(&t.db, embeddings.model(8)).unwrap_err();
    assert!(error.to_string().contains("8 dimensions"), "{error}");
    t.finish().await;
}

async fn the_tool_and_the_agent_forms_answer_as_top_n(target: Target) {
    use rig_core::tool::PortableTool;
    let t = TestDb::open(target).await;
    let embeddings = TestEmbeddings::default();
    let store = RigStore::<PlainSeed>::open(&t.db, embeddings.model(3))
        .await
        .unwrap();
    store
        .insert_documents(embed_with_rig(&embeddings, 3, seed_words()).await)
        .await
        .unwrap();
    let direct = store
        .top_n::<Value>(
            VectorSearchRequest::builder()
                .query("[1,2,3]")
                .samples(2)
                .filter(
                    Filter::eq("definition", json!("it swims"))
                        .or(Filter::eq("word", json!("dog"))),
                )
                .build(),
        )
        .await
        .unwrap();
    assert_eq!(direct.len(), 2);

    // The tool form: the arguments a model sends, as JSON.
    let arguments = json!({
        "query": "[1,2,3]",
        "samples": 2,
        "threshold": null,
        "filter": {"or": [{"eq": ["definition", "it swims"]}, {"eq": ["word", "dog"]}]}
    });
    let output = store
        .call(serde_json::from_value(arguments).expect("tool arguments"))
        .await
        .unwrap();
    assert_eq!(output, direct);

    // The dynamic form an agent's `dynamic_context` registers.
    let adapter =
        rig_core::serve::ErasedHandler::new(rig_core::serve::adapters::RetrieveAdapter::new(
            RigStore::<PlainSeed>::new(&t.db, embeddings.model(3)).unwrap(),
        ));
    let request = VectorSearchRequest::builder()
        .query("[1,2,3]")
        .samples(2)
        .filter(Filter::eq("definition", json!("it swims")).or(Filter::eq("word", json!("dog"))))
        .build();
    let outcome = rig_core::serve::serve_inline(
        &adapter,
        rig_core::effect::EffectKind::Retrieve {
            query: rig_core::effect::RetrieveQuery::TopN { req: request },
        },
    )
    .await
    .expect("the retrieval");
    let rig_core::effect::Outcome::Documents(rig_core::effect::RetrievedDocuments::Scored(
        documents,
    )) = outcome
    else {
        panic!("scored documents expected, got {outcome:?}");
    };
    let dynamic: Vec<(f64, String, Value)> = direct
        .iter()
        .map(|hit| (hit.score, hit.id.clone(), hit.document.clone()))
        .collect();
    assert_eq!(documents, dynamic);
    t.finish().await;
}
