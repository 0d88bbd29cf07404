//! Real data on MariaDB 11.8: Debian's package descriptions (apt's English `Translation-en` index of trixie's
//! main, which `.ci/bench` fetches with apt) embedded with all-MiniLM-L6-v2 (`.ci/model.sh`) by this crate's
//! `SentenceTransformer`. The vector index's recall@10 and latency at several `ef_search` values and at the
//! crate's default, at 50,000 rows and at the whole corpus; hybrid search against the same two queries and
//! the same fusion written by hand. Prints `BENCH <name> <value>` lines, as the `mariadb` bench does.
//!
//! ```sh
//! TIDB_VECTOR_TEST_MARIADB_URL=... cargo bench -p tidb-vector-tests --features local-embeddings \
//!   --bench realdata [-- section...]
//! ```
//!
//! The corpus is read from `target/bench-corpus/Translation-en` and the model from
//! `target/models/all-MiniLM-L6-v2` (`TIDB_VECTOR_BENCH_CORPUS` and `TIDB_VECTOR_BENCH_MODEL` name others).
//!
//! Sections `realdata-index` and `realdata-hybrid` (both when none is named). The descriptions are sorted by
//! their MD5 (a fixed pseudo-random order): the first 1,000 are the queries, the rest the rows. Their vectors
//! are cached beside the corpus (`<corpus>.minilm.f32`, with the MD5s they belong to in `.keys`), so a run
//! embeds only descriptions no earlier run did.

#[path = "bench_common.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{FusedRow, bench, bytes, ef_sweep, median, pool, rrf_by_hand};
use sqlx::Row;
use sqlx::mysql::MySqlPool;
use tidb_vector_core::embed::SentenceTransformer;
use tidb_vector_core::{Backend, Db, Embedder, VectorModel};

/// A package description without a vector index: the exact scan that recall is measured against.
#[derive(Clone, Debug, VectorModel)]
#[vector(table = "bench_debian")]
struct Package {
    id: i64,
    description: String,
    #[vector(dimensions = 384)]
    embedding: Vec<f32>,
}

/// The same rows as an application would keep them: an HNSW index on the vector, a full-text index on the
/// text.
#[derive(Clone, Debug, VectorModel)]
#[vector(table = "bench_debian_indexed")]
struct IndexedPackage {
    id: i64,
    #[vector(fulltext)]
    description: String,
    #[vector(dimensions = 384, index = "cosine")]
    embedding: Vec<f32>,
}

/// How many descriptions are queries rather than rows.
const QUERIES: usize = 1_000;

/// One description of the corpus.
struct Description {
    /// The package's one-line summary.
    title: String,
    /// The summary and the long description, its paragraphs on lines of their own.
    text: String,
}

/// The distinct descriptions of a `Translation-en` file, by MD5.
fn corpus(path: &Path) -> BTreeMap<String, Description> {
    let file = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "read the corpus {}: {e}; `bash .ci/bench` fetches it",
            path.display()
        )
    });
    let mut out = BTreeMap::new();
    for record in file.split("\n\n") {
        let (mut md5, mut title, mut paragraphs) = (None, None, vec![String::new()]);
        for line in record.lines() {
            if let Some(value) = line.strip_prefix("Description-md5: ") {
                md5 = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("Description-en: ") {
                title = Some(value.to_owned());
            } else if let Some(rest) = line.strip_prefix(' ') {
                if rest == "." {
                    paragraphs.push(String::new());
                } else if title.is_some() {
                    let last = paragraphs.last_mut().unwrap();
                    if !last.is_empty() {
                        last.push(' ');
                    }
                    last.push_str(rest.trim());
                }
            }
        }
        if let (Some(md5), Some(title)) = (md5, title) {
            let mut text = title.clone();
            for paragraph in paragraphs.iter().filter(|p| !p.is_empty()) {
                text.push('\n');
                text.push_str(paragraph);
            }
            out.insert(md5, Description { title, text });
        }
    }
    out
}

/// The vectors of `texts` (in that order): from the cache beside the corpus for the MD5s it holds, the rest
/// embedded now (shortest texts first, so that a batch pads little); then the cache holds them all.
async fn vectors(cache: &Path, md5s: &[&String], texts: &[&str]) -> Vec<Vec<f32>> {
    let keys_path = cache.with_extension("keys");
    let mut cached: HashMap<String, Vec<f32>> = HashMap::new();
    if let (Ok(keys), Ok(raw)) = (std::fs::read_to_string(&keys_path), std::fs::read(cache))
        && raw.len() == keys.lines().count() * 384 * 4
    {
        for (md5, row) in keys.lines().zip(raw.chunks_exact(384 * 4)) {
            let vector = row
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            cached.insert(md5.to_owned(), vector);
        }
    }
    let mut out: Vec<Vec<f32>> = md5s
        .iter()
        .map(|md5| cached.remove(md5.as_str()).unwrap_or_default())
        .collect();
    let mut missing: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_empty()).collect();
    if missing.is_empty() {
        return out;
    }
    let dir = std::env::var("TIDB_VECTOR_BENCH_MODEL").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/models/all-MiniLM-L6-v2"
        )
        .to_owned()
    });
    let model = SentenceTransformer::load(&dir)
        .unwrap_or_else(|e| panic!("{e}; `bash .ci/model.sh` unpacks the model"));
    missing.sort_by_key(|&i| texts[i].len());
    let started = Instant::now();
    for (n, batch) in missing.chunks(model.max_batch()).enumerate() {
        let embedded = model
            .embed(batch.iter().map(|&i| texts[i].to_owned()).collect())
            .await
            .unwrap();
        for (&i, vector) in batch.iter().zip(embedded) {
            out[i] = vector;
        }
        if n % 100 == 0 {
            eprintln!(
                "[realdata] embedded {} of {} ({:.0} s)",
                n * model.max_batch(),
                missing.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    bench(
        "realdata_embed_texts_per_s",
        format!(
            "{:.1}",
            missing.len() as f64 / started.elapsed().as_secs_f64()
        ),
    );
    let keys = md5s
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let raw: Vec<u8> = out.iter().flat_map(|v| bytes(v)).collect();
    std::fs::write(cache, raw).unwrap();
    std::fs::write(&keys_path, keys).unwrap();
    out
}

/// The corpus split into queries and rows: (title, text, vector) each.
struct Data {
    queries: Vec<(String, Vec<f32>)>,
    rows: Vec<(String, Vec<f32>)>,
}

async fn data(path: &Path) -> Data {
    let corpus = corpus(path);
    let md5s: Vec<&String> = corpus.keys().collect();
    let texts: Vec<&str> = corpus.values().map(|d| d.text.as_str()).collect();
    let mut cache = path.as_os_str().to_owned();
    cache.push(".minilm.f32");
    let vectors = vectors(&PathBuf::from(cache), &md5s, &texts).await;
    let mut queries = Vec::new();
    let mut rows = Vec::new();
    for (i, (description, vector)) in corpus.values().zip(vectors).enumerate() {
        if i < QUERIES {
            queries.push((description.title.clone(), vector));
        } else {
            rows.push((description.text.clone(), vector));
        }
    }
    bench("realdata_rows", rows.len());
    Data { queries, rows }
}

/// Loads rows `from..to` of the corpus into both tables; returns the indexed table's load time (s).
async fn load(db: &Db, data: &Data, from: usize, to: usize) -> f64 {
    let rows = || data.rows[from..to].iter().enumerate();
    Package::load(
        db,
        rows().map(|(i, (text, v))| Package {
            id: (from + i + 1) as i64,
            description: text.clone(),
            embedding: v.clone(),
        }),
    )
    .await
    .unwrap();
    let t = Instant::now();
    IndexedPackage::load(
        db,
        rows().map(|(i, (text, v))| IndexedPackage {
            id: (from + i + 1) as i64,
            description: text.clone(),
            embedding: v.clone(),
        }),
    )
    .await
    .unwrap();
    t.elapsed().as_secs_f64()
}

/// Nearest 10 by cosine through the index at several `ef_search` values and the default, against the exact
/// scan: at 50,000 rows and then at the whole corpus (the rest loaded on top).
async fn index(db: &Db, data: &Data) {
    Package::drop_table(db).await.unwrap();
    IndexedPackage::drop_table(db).await.unwrap();
    Package::create_table(db).await.unwrap();
    IndexedPackage::create_table(db).await.unwrap();
    let mut loaded = 0;
    for stage in [50_000, data.rows.len()] {
        let tag = if stage == data.rows.len() {
            "all".to_owned()
        } else {
            format!("{}k", stage / 1000)
        };
        let seconds = load(db, data, loaded, stage).await;
        loaded = stage;
        bench(&format!("realdata_{tag}_load_s"), format!("{seconds:.1}"));
        let queries: Vec<Vec<f32>> = data.queries.iter().map(|(_, q)| q.clone()).collect();
        ef_sweep::<Package, IndexedPackage>(
            db,
            &format!("realdata_{tag}"),
            &queries,
            &[Some(20), Some(40), Some(100), Some(300), Some(400), None],
        )
        .await;
    }
    // The default at other limits, on the whole corpus (200 queries each): recall@k and the speed-up.
    for k in [1, 50] {
        let (mut scan, mut index, mut found) = (Vec::new(), Vec::new(), 0);
        for (_, q) in &data.queries[..200] {
            let t = Instant::now();
            let want = Package::search(q).limit(k).fetch_keys(db).await.unwrap();
            scan.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let got = IndexedPackage::search(q)
                .limit(k)
                .fetch_keys(db)
                .await
                .unwrap();
            index.push(t.elapsed().as_secs_f64() * 1000.0);
            found += got
                .iter()
                .filter(|(g, _)| want.iter().any(|(w, _)| w == g))
                .count();
        }
        let (scan, index) = (median(scan), median(index));
        bench(
            &format!("realdata_all_k{k}_default_ms"),
            format!("{index:.3}"),
        );
        bench(
            &format!("realdata_all_k{k}_default_recall"),
            format!("{:.3}", found as f64 / (k * 200) as f64),
        );
        bench(
            &format!("realdata_all_k{k}_default_vs_scan"),
            format!("{:.1}", scan / index),
        );
    }
    Package::drop_table(db).await.unwrap();
}

/// What a user writes by hand: the vector and the text query with full rows (the same `ef_search` the
/// library's default sets), fused by RRF (k = 60); the best 10 keys and rows.
async fn hybrid_by_hand(pool: &MySqlPool, ef_search: &str, q: &[f32], text: &str) -> Vec<FusedRow> {
    let vector_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ef_search}SELECT `id`, `description`, `embedding`, VEC_DISTANCE_COSINE(`embedding`, ?) AS `_distance` \
         FROM `bench_debian_indexed` ORDER BY `_distance` LIMIT 20"
    )))
    .bind(bytes(q))
    .fetch_all(pool)
    .await
    .unwrap();
    let text_rows = sqlx::query(
        "SELECT `id`, `description`, `embedding`, MATCH(`description`) AGAINST(? IN NATURAL LANGUAGE MODE) AS `_score` \
         FROM `bench_debian_indexed` WHERE MATCH(`description`) AGAINST(? IN NATURAL LANGUAGE MODE) \
         ORDER BY `_score` DESC, `id` LIMIT 20",
    )
    .bind(text)
    .bind(text)
    .fetch_all(pool)
    .await
    .unwrap();
    rrf_by_hand([vector_rows, text_rows])
}

/// The other way to read only the final rows: both searches, the fusion and the join to the rows in one
/// statement (RRF in SQL), rows decoded; the best 10 keys.
async fn hybrid_in_one_statement(
    pool: &MySqlPool,
    ef_search: &str,
    q: &[f32],
    text: &str,
) -> Vec<i64> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ef_search}WITH `v` AS (SELECT `id`, ROW_NUMBER() OVER (ORDER BY `d`, `id`) AS `r` FROM \
           (SELECT `id`, VEC_DISTANCE_COSINE(`embedding`, ?) AS `d` FROM `bench_debian_indexed` ORDER BY `d` LIMIT 20) AS `a`), \
         `f` AS (SELECT `id`, ROW_NUMBER() OVER (ORDER BY `s` DESC, `id`) AS `r` FROM \
           (SELECT `id`, MATCH(`description`) AGAINST(? IN NATURAL LANGUAGE MODE) AS `s` FROM `bench_debian_indexed` \
            WHERE MATCH(`description`) AGAINST(? IN NATURAL LANGUAGE MODE) ORDER BY `s` DESC, `id` LIMIT 20) AS `b`), \
         `g` AS (SELECT `id`, SUM(1 / (60 + `r`)) AS `score` FROM (SELECT * FROM `v` UNION ALL SELECT * FROM `f`) AS `u` \
           GROUP BY `id` ORDER BY `score` DESC, `id` LIMIT 10) \
         SELECT `t`.`id`, `t`.`description`, `t`.`embedding`, `g`.`score` FROM `g` JOIN `bench_debian_indexed` AS `t` \
           ON `t`.`id` = `g`.`id` ORDER BY `g`.`score` DESC, `t`.`id`"
    )))
    .bind(bytes(q))
    .bind(text)
    .bind(text)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.iter()
        .map(|row| {
            let raw: Vec<u8> = row.get(2);
            let _description: String = row.get(1);
            assert_eq!(raw.len(), 384 * 4);
            row.get(0)
        })
        .collect()
}

/// Hybrid search (vector top 20 and text top 20, RRF, the best 10 rows decoded) against the same written by
/// hand, on the whole corpus; each query's text is its package's summary.
async fn hybrid(db: &Db, pool: &MySqlPool, data: &Data) {
    if IndexedPackage::count(db).await.ok() != Some(data.rows.len() as u64) {
        IndexedPackage::drop_table(db).await.unwrap();
        IndexedPackage::create_table(db).await.unwrap();
        let rows = data.rows.iter().enumerate();
        IndexedPackage::load(
            db,
            rows.map(|(i, (text, v))| IndexedPackage {
                id: i as i64 + 1,
                description: text.clone(),
                embedding: v.clone(),
            }),
        )
        .await
        .unwrap();
    }
    // The library's default ef_search for 20 candidates, read from the statement it sends.
    let statement = IndexedPackage::search(&data.queries[0].1)
        .limit(20)
        .statement(Backend::MariaDb)
        .unwrap();
    let ef_search = statement
        .sql
        .find("SELECT")
        .map(|at| statement.sql[..at].to_owned())
        .unwrap();
    let queries = &data.queries[..200];
    for (text, q) in queries.iter().take(20) {
        hybrid_by_hand(pool, &ef_search, q, text).await;
        IndexedPackage::search_hybrid(q, text.clone())
            .fetch(db)
            .await
            .unwrap();
    }
    let (mut ours, mut hand, mut joined) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (text, q)) in queries.iter().enumerate() {
        let t = Instant::now();
        let keys = hybrid_in_one_statement(pool, &ef_search, q, text).await;
        joined.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(keys.len(), 10, "{text}");
        // Alternating order, so that neither always runs on caches the other warmed.
        for first in [i % 2 == 0, i % 2 == 1] {
            if first {
                let t = Instant::now();
                let hits = IndexedPackage::search_hybrid(q, text.clone())
                    .limit(10)
                    .fetch(db)
                    .await
                    .unwrap();
                ours.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(hits.len(), 10, "{text}");
            } else {
                let t = Instant::now();
                let fused = hybrid_by_hand(pool, &ef_search, q, text).await;
                hand.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(fused.len(), 10, "{text}");
            }
        }
    }
    let (ours, hand) = (median(ours), median(hand));
    bench(
        "realdata_hybrid_one_statement_ms",
        format!("{:.3}", median(joined)),
    );
    bench("realdata_hybrid_ms", format!("{ours:.3}"));
    bench("realdata_hand_hybrid_ms", format!("{hand:.3}"));
    bench("realdata_hybrid_vs_hand", format!("{:.3}", hand / ours));
    IndexedPackage::drop_table(db).await.unwrap();
}

#[tokio::main]
async fn main() {
    let url = common::mariadb_url();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let named = common::sections();
    let runs = |section: &str| named.is_empty() || named.iter().any(|n| n == section);
    let corpus = std::env::var("TIDB_VECTOR_BENCH_CORPUS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../target/bench-corpus/Translation-en"
        )
        .to_owned()
    });
    let data = data(Path::new(&corpus)).await;
    let pool = pool(&url, 4).await;
    let db = Db::from_mysql_pool(pool.clone(), Backend::MariaDb).unwrap();
    if runs("realdata-index") {
        index(&db, &data).await;
    }
    if runs("realdata-hybrid") {
        hybrid(&db, &pool, &data).await;
    }
}
