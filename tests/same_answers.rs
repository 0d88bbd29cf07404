//! Same model, same answers, on every backend: rows without a distance (NULL vectors; zero vectors under
//! cosine) never take a result slot, so every search returns `min(k, rows that have a distance and pass)`
//! rows, the brute-force answer; text filters compare the same way everywhere.

use tidb_vector_core::{Metric, Search, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(
    searches_skip_rows_without_a_distance,
    the_issue_examples_return_full_answers,
    text_filters_compare_alike,
);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "points")]
struct Point {
    id: i64,
    grp: i32,
    #[vector(dimensions = 4)]
    v: Option<Vec<f32>>,
}

const ROWS: i64 = 3_000;

/// Random 4-dimension points; 25 zero vectors and 25 NULL vectors among them, more than any `k` asked.
fn points() -> Vec<Point> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    };
    (1..=ROWS)
        .map(|id| Point {
            id,
            grp: (id % 3) as i32,
            v: match id % 120 {
                7 => Some(vec![0.0; 4]),
                11 => None,
                _ => Some((0..4).map(|_| unit()).collect()),
            },
        })
        .collect()
}

fn distance(metric: Metric, a: &[f32], b: &[f32]) -> Option<f64> {
    let pairs = a.iter().zip(b).map(|(x, y)| (f64::from(*x), f64::from(*y)));
    let d = match metric {
        Metric::Cosine => {
            let (mut dot, mut na, mut nb) = (0.0, 0.0, 0.0);
            for (x, y) in pairs {
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            1.0 - dot / (na.sqrt() * nb.sqrt())
        }
        Metric::L2 => pairs.map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt(),
        Metric::L1 => pairs.map(|(x, y)| (x - y).abs()).sum(),
        _ => -pairs.map(|(x, y)| x * y).sum::<f64>(),
    };
    (!d.is_nan()).then_some(d)
}

/// The brute-force distances: rows with a distance that pass `keep` and the bound, nearest first.
fn brute_force(
    data: &[Point],
    metric: Metric,
    query: &[f32],
    limit: usize,
    max: f64,
    keep: impl Fn(&Point) -> bool,
) -> Vec<f64> {
    let mut all: Vec<f64> = data
        .iter()
        .filter(|p| keep(p))
        .filter_map(|p| distance(metric, query, p.v.as_deref()?))
        .filter(|d| *d < max)
        .collect();
    all.sort_by(f64::total_cmp);
    all.truncate(limit);
    all
}

fn assert_distances(label: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{label}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() < 1e-4 * w.abs().max(1.0),
            "{label}: {got:?} vs {want:?}"
        );
    }
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Default,
    Candidates,
    Exact,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Plain,
    Filtered,
    Bounded,
}

async fn searches_skip_rows_without_a_distance(target: Target) {
    let t = TestDb::open(target).await;
    Point::create_table(&t.db).await.unwrap();
    let data = points();
    Point::insert_many(&t.db, &data).await.unwrap();
    let query = [0.3_f32, -0.2, 0.9, 0.1];
    let k = 10;
    let mut searches = 0;
    for metric in [
        Metric::Cosine,
        Metric::L2,
        Metric::L1,
        Metric::NegativeInnerProduct,
    ] {
        // A bound that keeps about 40 rows.
        let max = brute_force(&data, metric, &query, 40, f64::INFINITY, |_| true)[39];
        for shape in [Shape::Plain, Shape::Filtered, Shape::Bounded] {
            let keep = |p: &Point| !matches!(shape, Shape::Filtered) || p.grp == 0;
            let bound = if matches!(shape, Shape::Bounded) {
                max
            } else {
                f64::INFINITY
            };
            let want = brute_force(&data, metric, &query, k, bound, keep);
            assert_eq!(want.len(), k);
            for mode in [Mode::Default, Mode::Candidates, Mode::Exact] {
                let mut search: Search<'_, Point> = Point::search(&query).metric(metric).limit(k);
                search = match shape {
                    Shape::Plain => search,
                    Shape::Filtered => search.filter(Point::FIELDS.grp.eq(0)),
                    Shape::Bounded => search.max_distance(max),
                };
                search = match mode {
                    Mode::Default => search,
                    Mode::Candidates => search.candidates(60),
                    Mode::Exact => search.exact(),
                };
                let label = format!("{metric} {shape:?} {mode:?}");
                let hits = search.clone().fetch(&t.db).await.unwrap();
                let got: Vec<f64> = hits.iter().map(|h| h.distance).collect();
                assert_distances(&format!("{label} fetch"), &got, &want);
                let keys = search.clone().fetch_keys(&t.db).await.unwrap();
                let got: Vec<f64> = keys.iter().map(|(_, d)| *d).collect();
                assert_distances(&format!("{label} fetch_keys"), &got, &want);
                let columns = search.fetch_columns(&t.db, ["grp"]).await.unwrap();
                let got: Vec<f64> = columns.iter().map(|c| c.distance).collect();
                assert_distances(&format!("{label} fetch_columns"), &got, &want);
                searches += 3;
            }
        }
    }
    report(
        "searches over 3000 rows with 25 zero and 25 NULL vectors (k = 10)",
        target,
        "min(k, rows with a distance that pass) rows, the brute-force distances",
        &format!(
            "{searches} searches (4 metrics x plain/filtered/bounded x default/candidates/exact x fetch/keys/columns): all equal brute force"
        ),
    );
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "small")]
struct Small {
    id: i64,
    #[vector(dimensions = 3)]
    v: Vec<f32>,
}

async fn the_issue_examples_return_full_answers(target: Target) {
    let t = TestDb::open(target).await;
    Small::create_table(&t.db).await.unwrap();
    let rows = [
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
    ];
    let rows = rows
        .iter()
        .zip(1..)
        .map(|(v, id)| Small { id, v: v.to_vec() });
    Small::insert_many(&t.db, rows).await.unwrap();
    let hits = Small::nearest_by_cosine(&t.db, &[1.0, 0.5, 0.0], 2)
        .await
        .unwrap();
    let keys: Vec<i64> = hits.iter().map(|h| h.key).collect();
    assert_eq!(keys, [3, 4]);
    let keys = Small::search(&[1.0, 0.5, 0.0])
        .limit(2)
        .fetch_keys(&t.db)
        .await
        .unwrap();
    assert_eq!(keys.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [3, 4]);
    assert!(keys.iter().all(|(_, d)| d.is_finite()));
    report(
        "nearest_by_cosine([1,0.5,0], 2) over [0,0,0], [0,0,0], [1,0,0], [0,1,0]",
        target,
        "rows 3 and 4",
        &format!("{keys:?}"),
    );
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "texts")]
struct Text {
    id: i64,
    lang: String,
    #[vector(dimensions = 3)]
    v: Vec<f32>,
}

async fn text_filters_compare_alike(target: Target) {
    let t = TestDb::open(target).await;
    Text::create_table(&t.db).await.unwrap();
    let langs = ["en", "EN", "En", "en ", "ën", "de"];
    let rows = langs.iter().zip(1..).map(|(lang, id)| Text {
        id,
        lang: (*lang).to_owned(),
        v: vec![1.0, id as f32, 0.0],
    });
    Text::insert_many(&t.db, rows).await.unwrap();
    let f = Text::FIELDS;
    let keys = |hits: Vec<(i64, f64)>| {
        let mut keys: Vec<i64> = hits.into_iter().map(|(k, _)| k).collect();
        keys.sort();
        keys
    };
    let search = |filter| {
        Text::search(&[1.0, 1.0, 1.0])
            .limit(100)
            .filter(filter)
            .exact()
    };
    let upper = keys(search(f.lang.eq("EN")).fetch_keys(&t.db).await.unwrap());
    let listed = keys(
        search(f.lang.is_in(["En", "de"]))
            .fetch_keys(&t.db)
            .await
            .unwrap(),
    );
    let above = keys(search(f.lang.gt("en")).fetch_keys(&t.db).await.unwrap());
    let counted = Text::count_where(&t.db, f.lang.ne("en")).await.unwrap();
    // Case-sensitive, accent-sensitive, byte order: the same on every backend.
    assert_eq!(upper, [2], "= 'EN'");
    assert_eq!(listed, [3, 6], "IN ('En', 'de')");
    // Trailing spaces: TiDB's and MariaDB's utf8mb4_bin pad (`'en ' = 'en'`), SQLite's BINARY does not.
    let padded = keys(search(f.lang.eq("en")).fetch_keys(&t.db).await.unwrap());
    let (want_padded, want_above, want_counted): (&[i64], &[i64], u64) = match target {
        Target::Sqlite => (&[1], &[4, 5], 5),
        _ => (&[1, 4], &[5], 4),
    };
    assert_eq!(padded, want_padded, "= 'en' with 'en ' stored");
    assert_eq!(above, want_above, "> 'en'");
    assert_eq!(counted, want_counted, "<> 'en'");
    report(
        "text filters over en, EN, En, 'en ', ën, de",
        target,
        "= 'EN' -> EN only; IN ('En','de') -> En, de (case-sensitive everywhere)",
        &format!(
            "= 'EN': {upper:?}; IN: {listed:?}; = 'en': {padded:?} (trailing space ignored on TiDB/MariaDB only)"
        ),
    );
    t.finish().await;
}
