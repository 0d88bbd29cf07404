//! What the benchmarks share: their output lines, medians, vectors as bytes and the pool they use.

use std::str::FromStr;
use std::time::Instant;

use sqlx::Row;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};
use tidb_vector_core::{Db, Metric, VectorModel};

/// The server to measure: `TIDB_VECTOR_TEST_MARIADB_URL`.
pub fn mariadb_url() -> String {
    std::env::var("TIDB_VECTOR_TEST_MARIADB_URL").expect(
        "TIDB_VECTOR_TEST_MARIADB_URL: run `.ci/mariadb.sh start` and export the URL it prints",
    )
}

/// The sections named on the command line (`cargo bench --bench <name> -- section...`): none runs them all.
pub fn sections() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

/// One `BENCH <name> <value>` line, which `bench/report.py` reads.
pub fn bench(name: &str, value: impl std::fmt::Display) {
    println!("BENCH\t{name}\t{value}");
}

/// The median of `samples` (the upper one of an even count).
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A vector as MariaDB stores it: little-endian `f32`s.
pub fn bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A pool of `connections` to the server at `url`.
pub async fn pool(url: &str, connections: u32) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(connections)
        .connect_with(MySqlConnectOptions::from_str(url).expect("a mysql:// URL"))
        .await
        .expect("connect to MariaDB")
}

/// Nearest 10 by cosine by the exact scan of `P` (a table without an index: the truth) and through `X`'s
/// vector index (the same rows) at each `ef_search` (`None`: this crate's default), the index searches after
/// an untimed pass that reads the index into the server's caches. Prints `<prefix>_scan_ms` (the scan's
/// median latency), and for each setting `<prefix>_ef_<ef>_ms` (the median latency), `..._recall`
/// (recall@10) and `..._vs_scan` (the scan's median over it).
pub async fn ef_sweep<P, X>(db: &Db, prefix: &str, queries: &[Vec<f32>], efs: &[Option<usize>])
where
    P: VectorModel<Key = i64, Embedding = Vec<f32>>,
    X: VectorModel<Key = i64, Embedding = Vec<f32>>,
{
    let mut scan = Vec::new();
    let mut truth = Vec::new();
    for q in queries {
        let t = Instant::now();
        let keys = P::search(q)
            .metric(Metric::Cosine)
            .limit(10)
            .fetch_keys(db)
            .await
            .unwrap();
        scan.push(t.elapsed().as_secs_f64() * 1000.0);
        truth.push(keys.into_iter().map(|(k, _)| k).collect::<Vec<i64>>());
    }
    let scan_ms = median(scan);
    bench(&format!("{prefix}_scan_ms"), format!("{scan_ms:.3}"));
    for q in queries {
        X::search(q)
            .limit(10)
            .ef_search(400)
            .fetch_keys(db)
            .await
            .unwrap();
    }
    // Each query runs at every setting in turn (from a different first setting each time), so that drift
    // in the server's state over the sweep is spread over all settings alike.
    let mut times = vec![Vec::new(); efs.len()];
    let mut found = vec![0; efs.len()];
    for (n, (q, want)) in queries.iter().zip(&truth).enumerate() {
        for i in (0..efs.len()).map(|i| (i + n) % efs.len()) {
            let mut search = X::search(q).metric(Metric::Cosine).limit(10);
            if let Some(ef) = efs[i] {
                search = search.ef_search(ef);
            }
            let t = Instant::now();
            let keys = search.fetch_keys(db).await.unwrap();
            times[i].push(t.elapsed().as_secs_f64() * 1000.0);
            found[i] += keys.iter().filter(|(k, _)| want.contains(k)).count();
        }
    }
    for ((ef, times), found) in efs.iter().zip(times).zip(found) {
        let name = format!(
            "{prefix}_ef_{}",
            ef.map_or("default".to_owned(), |ef| ef.to_string())
        );
        let index = median(times);
        bench(&format!("{name}_ms"), format!("{index:.3}"));
        bench(
            &format!("{name}_recall"),
            format!("{:.3}", found as f64 / (10 * queries.len()) as f64),
        );
        bench(
            &format!("{name}_vs_scan"),
            format!("{:.1}", scan_ms / index),
        );
    }
}

/// A row of a hybrid search fused by hand: its key, then its RRF score, text and vector.
pub type FusedRow = (i64, (f64, String, Vec<f32>));

/// The fusion a user writes by hand for a hybrid search: RRF (k = 60) over a vector list and a text list of
/// `(key, text, vector bytes, ...)` rows, best first, ties by key; the best 10, rows decoded.
pub fn rrf_by_hand(lists: [Vec<MySqlRow>; 2]) -> Vec<FusedRow> {
    let mut fused: std::collections::HashMap<i64, (f64, String, Vec<f32>)> =
        std::collections::HashMap::new();
    for (rank, row) in lists.iter().flat_map(|rows| rows.iter().enumerate()) {
        let entry = fused.entry(row.get(0)).or_insert_with(|| {
            let raw: Vec<u8> = row.get(2);
            let embedding = raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            (0.0, row.get(1), embedding)
        });
        entry.0 += 1.0 / (60.0 + rank as f64 + 1.0);
    }
    let mut fused: Vec<FusedRow> = fused.into_iter().collect();
    fused.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.0.cmp(&b.0)));
    fused.truncate(10);
    fused
}
