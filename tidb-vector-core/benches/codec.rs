//! The vector text codec against the practical limit: bare loops over the fastest float formatting (ryu,
//! zmij) and parsing (fast-float2, lexical-core) crates, on 3-, 768- and 1536-dimension vectors. Writes the
//! vectors it used to `target/bench-vectors/` so that the Python baseline runs on the same ones.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tidb_vector_core::vector::{encode_text, encode_text_into, parse_text, validate};

/// Embedding-like values: mixed signs and magnitudes, most with full f32 precision.
fn vector(dimensions: usize) -> Vec<f32> {
    let mut state = 0x2545_F491_4F6C_DD1Du64 ^ dimensions as u64;
    (0..dimensions)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
        })
        .collect()
}

fn bare_ryu(values: &[f32], out: &mut String) {
    let mut buffer = ryu::Buffer::new();
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(buffer.format_finite(*v));
    }
    out.push(']');
}

fn bare_zmij(values: &[f32], out: &mut String) {
    let mut buffer = zmij::Buffer::new();
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(buffer.format_finite(*v));
    }
    out.push(']');
}

fn bare_fast_float(text: &str) -> Vec<f32> {
    text[1..text.len() - 1]
        .split(',')
        .map(|s| fast_float2::parse::<f32, _>(s).unwrap_or(0.0))
        .collect()
}

fn bare_lexical(text: &str) -> Vec<f32> {
    text[1..text.len() - 1]
        .split(',')
        .map(|s| lexical_core::parse::<f32>(s.as_bytes()).unwrap_or(0.0))
        .collect()
}

fn codec(c: &mut Criterion) {
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-vectors");
    std::fs::create_dir_all(&out_dir).expect("create target/bench-vectors");
    for dimensions in [3, 768, 1536] {
        let values = vector(dimensions);
        let text = encode_text(&values);
        std::fs::write(out_dir.join(format!("{dimensions}.txt")), &text).expect("write the vector");
        // The baselines must do the same job: same values back, bit for bit.
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&parse_text(&text).unwrap()), bits(&values));
        assert_eq!(bits(&bare_fast_float(&text)), bits(&values));
        assert_eq!(bits(&bare_lexical(&text)), bits(&values));

        let mut group = c.benchmark_group(format!("encode/{dimensions}"));
        group.throughput(Throughput::Elements(dimensions as u64));
        let mut out = String::with_capacity(dimensions * 12);
        group.bench_function(BenchmarkId::new("tidb-vector", dimensions), |b| {
            b.iter(|| {
                out.clear();
                encode_text_into(black_box(&values), &mut out);
                black_box(out.len())
            })
        });
        group.bench_function(BenchmarkId::new("bare ryu", dimensions), |b| {
            b.iter(|| {
                out.clear();
                bare_ryu(black_box(&values), &mut out);
                black_box(out.len())
            })
        });
        group.bench_function(BenchmarkId::new("bare zmij", dimensions), |b| {
            b.iter(|| {
                out.clear();
                bare_zmij(black_box(&values), &mut out);
                black_box(out.len())
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("decode/{dimensions}"));
        group.throughput(Throughput::Elements(dimensions as u64));
        group.bench_function(BenchmarkId::new("tidb-vector", dimensions), |b| {
            b.iter(|| black_box(parse_text(black_box(&text)).unwrap()))
        });
        group.bench_function(BenchmarkId::new("bare fast-float2", dimensions), |b| {
            b.iter(|| black_box(bare_fast_float(black_box(&text))))
        });
        group.bench_function(BenchmarkId::new("bare lexical-core", dimensions), |b| {
            b.iter(|| black_box(bare_lexical(black_box(&text))))
        });
        group.finish();

        // The check every stored or searched vector goes through (dimensions, finite values, length),
        // against the least a library could do: a bare finiteness loop.
        let mut group = c.benchmark_group(format!("validate/{dimensions}"));
        group.throughput(Throughput::Elements(dimensions as u64));
        group.bench_function(BenchmarkId::new("tidb-vector", dimensions), |b| {
            b.iter(|| black_box(validate(black_box(&values), Some(dimensions)).is_ok()))
        });
        group.bench_function(BenchmarkId::new("bare is_finite", dimensions), |b| {
            b.iter(|| black_box(black_box(&values).iter().all(|v| v.is_finite())))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = codec
}
criterion_main!(benches);
