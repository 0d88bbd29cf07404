//! Loads of any size: `VectorModel::load` commits in batches, reports each, and when it stops says exactly
//! how many rows from the start of the input are stored, so that a resumed load ends with every row once.
//! Each scenario prints a `RELIABILITY` record; `.ci/reliability` collects them.
//!
//! The tests of this file run one at a time (the memory test measures this process's peak).

use std::sync::Mutex;
use std::time::Duration;

use tidb_vector_core::{DEFAULT_BATCH_BYTES, Error, LoadProgress, ServerErrorKind, VectorModel};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(
    a_load_commits_in_batches_and_reports_each,
    a_stopped_load_says_exactly_what_it_committed,
    an_upsert_load_writes_new_and_changed_rows,
);

/// One test of this file at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "items")]
struct Item {
    id: i64,
    #[vector(dimensions = 16)]
    embedding: Vec<f32>,
}

fn item(id: i64) -> Item {
    Item {
        id,
        embedding: (0..16).map(|i| ((id * 16 + i) as f32).sin()).collect(),
    }
}

async fn a_load_commits_in_batches_and_reports_each(target: Target) {
    let _serial = SERIAL.lock().await;
    let t = TestDb::open(target).await;
    Item::create_table(&t.db).await.unwrap();
    let seen = Mutex::new(Vec::<LoadProgress>::new());
    let done = Item::load(&t.db, (1..=25_000).map(item))
        .batch_rows(10_000)
        .on_progress(|p| seen.lock().unwrap().push(p.clone()))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    let rows: Vec<u64> = seen.iter().map(|p| p.rows).collect();
    assert_eq!(rows, [10_000, 20_000, 25_000]);
    assert_eq!((done.rows, done.batches), (25_000, 3));
    assert!(seen.windows(2).all(|w| w[0].bytes < w[1].bytes));
    assert_eq!(t.count("items").await, 25_000);
    assert_eq!(Item::get(&t.db, &25_000).await.unwrap(), Some(item(25_000)));

    // A byte bound: each batch ends before the row that would take it past the bound.
    Item::drop_table(&t.db).await.unwrap();
    Item::create_table(&t.db).await.unwrap();
    let bytes = 64 << 10;
    let seen = Mutex::new(Vec::<u64>::new());
    let done = Item::load(&t.db, (1..=5_000).map(item))
        .batch_bytes(bytes)
        .on_progress(|p| seen.lock().unwrap().push(p.bytes))
        .await
        .unwrap();
    let batches: Vec<u64> = std::iter::once(0)
        .chain(seen.into_inner().unwrap())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(batches.iter().all(|b| *b <= bytes as u64), "{batches:?}");
    assert!(batches.len() > 1 && done.batches == batches.len() as u64);
    assert_eq!(t.count("items").await, 5_000);
    report(
        "a load of 25,000 rows in batches of 10,000; 5,000 rows in batches of 64 KiB",
        target,
        "3 batches reported, all rows stored; every batch within the byte bound",
        &format!(
            "progress at {rows:?} rows; {} batches of at most {} bytes",
            batches.len(),
            batches.iter().max().unwrap()
        ),
    );
    t.finish().await;
}

async fn a_stopped_load_says_exactly_what_it_committed(target: Target) {
    let _serial = SERIAL.lock().await;
    let t = TestDb::open(target).await;
    Item::create_table(&t.db).await.unwrap();

    // A bad row (checked before it is sent) at row 12,345: the 12 batches before it are stored.
    let with_a_nan = (1..=20_000).map(|id| {
        let mut row = item(id);
        if id == 12_345 {
            row.embedding[3] = f32::NAN;
        }
        row
    });
    let error = Item::load(&t.db, with_a_nan)
        .batch_rows(1_000)
        .await
        .unwrap_err();
    let Error::Load {
        committed,
        in_doubt,
        source,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((*committed, *in_doubt), (12_000, 0), "{error}");
    assert!(matches!(**source, Error::NonFinite { .. }), "{source:?}");
    assert_eq!(t.count("items").await, 12_000);
    // Resumed from the reported count with the row fixed: every row once.
    Item::load(&t.db, (1..=20_000).map(item).skip(*committed as usize))
        .batch_rows(1_000)
        .await
        .unwrap();
    assert_eq!(t.count("items").await, 20_000);
    report(
        "a load stopped by a NaN at row 12,345 (batches of 1,000), then resumed",
        target,
        "Load { committed: 12000 }, 12,000 rows stored; 20,000 after the resume",
        &error,
    );

    // A server's refusal: row 7,777 already exists, so the batch holding it fails whole.
    Item::drop_table(&t.db).await.unwrap();
    Item::create_table(&t.db).await.unwrap();
    item(7_777).insert(&t.db).await.unwrap();
    let error = Item::load(&t.db, (1..=20_000).map(item))
        .batch_rows(1_000)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Load {
                committed: 7_000,
                in_doubt: 0,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::DuplicateKey)
    );
    assert_eq!(t.count("items").await, 7_001);
    report(
        "a load meeting a duplicate key at row 7,777 (batches of 1,000)",
        target,
        "Load { committed: 7000 }, kind DuplicateKey; 7,000 rows + the existing one",
        &error,
    );
    t.finish().await;
}

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "big")]
struct Big {
    id: i64,
    #[vector(dimensions = 128)]
    embedding: Vec<f32>,
}

fn big(id: i64) -> Big {
    let seed = id as f32 * 0.001;
    Big {
        id,
        embedding: (0..128).map(|i| seed + i as f32).collect(),
    }
}

const MILLION: i64 = 1_000_000;

/// This process's resident memory and its peak since the last reset, in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_a_million_rows_load_in_flat_memory() {
    let _serial = SERIAL.lock().await;
    let t = TestDb::open(Target::MariaDb).await;
    Big::create_table(&t.db).await.unwrap();
    // Reset the peak (Linux: `5` clears VmHWM), so that it measures the load alone.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let (before, _) = memory();
    let peak = Mutex::new(0u64);
    let done = Big::load(&t.db, (1..=MILLION).map(big))
        .on_progress(|_| {
            let mut peak = peak.lock().unwrap();
            *peak = (*peak).max(memory().1);
        })
        .await
        .unwrap();
    let growth = memory().1.max(peak.into_inner().unwrap()) - before;
    assert_eq!(done.rows, MILLION as u64);
    assert_eq!(t.count("big").await, MILLION);
    // One batch (16 MiB, kept for a retry) and the statement being sent are the load's own memory; the
    // rest is the allocator's and the runtime's slack.
    let bound = 4 * DEFAULT_BATCH_BYTES as u64;
    assert!(
        growth < bound,
        "peak memory grew by {growth} bytes, above {bound}"
    );
    report(
        "1,000,000 rows x 128 dimensions (512 MB of vectors) loaded with default batches",
        Target::MariaDb,
        &format!("all rows; peak memory growth under {} MiB", bound >> 20),
        &format!(
            "{} rows in {} batches, {:.0} rows/s; peak memory growth {:.1} MiB",
            done.rows,
            done.batches,
            done.rows_per_second(),
            growth as f64 / (1 << 20) as f64
        ),
    );
    t.finish().await;
}

#[tokio::test]
#[ignore = "needs a MariaDB it may kill: MARIADB_INSTANCE=crash .ci/mariadb.sh start, then TIDB_VECTOR_TEST_CRASH_URL and _CTL"]
async fn mariadb_killed_during_a_load_resumes_to_exactly_every_row() {
    let _serial = SERIAL.lock().await;
    let crash = tidb_vector_tests::CrashServer::from_env();
    let run = |command: &str| crash.run(command);
    let db = crash.db().await;
    Big::drop_table(&db).await.unwrap();
    Big::create_table(&db).await.unwrap();
    let load = {
        let db = db.clone();
        tokio::spawn(async move { Big::load(&db, (1..=MILLION).map(big)).await })
    };
    // Kill the server once a few batches are in.
    let mut waited = 0;
    while Big::count(&db).await.unwrap_or(0) < 100_000 && waited < 600 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    run("kill");
    let outcome = tokio::time::timeout(Duration::from_secs(120), load)
        .await
        .expect("no hang")
        .unwrap();
    let Err(Error::Load {
        committed,
        in_doubt,
        source,
        ..
    }) = outcome
    else {
        panic!("the load should have stopped: {outcome:?}")
    };
    let stored = crash.restart_and_count(&db, "big").await;
    // The reported count is what is stored, unless the kill fell between a COMMIT and its answer: then
    // the batch in doubt is stored whole or not at all, and the table tells which.
    assert!(
        stored == committed || (in_doubt > 0 && stored == committed + in_doubt),
        "{stored} rows stored, {committed} reported committed, {in_doubt} in doubt"
    );
    let resume_at = stored;
    let resumed = Big::load(&db, (1..=MILLION).map(big).skip(resume_at as usize))
        .await
        .unwrap();
    assert_eq!(resumed.rows, (MILLION as u64) - resume_at);
    let mysql = db.mysql_pool().unwrap();
    let (rows, distinct, min, max): (i64, i64, i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM big")
            .fetch_one(mysql)
            .await
            .unwrap();
    assert_eq!((rows, distinct, min, max), (MILLION, MILLION, 1, MILLION));
    report(
        "server killed during a 1,000,000-row load, restarted, load resumed from the reported count",
        Target::MariaDb,
        "Load { committed } = rows stored; exactly 1,000,000 distinct rows after the resume",
        &format!(
            "stopped with committed {committed} (in doubt {in_doubt}: {source}); {stored} rows stored; {rows} rows, {distinct} distinct after the resume"
        ),
    );
    Big::drop_table(&db).await.unwrap();
}

/// A row of the upsert load: the same id with a new vector is a changed row.
fn changed(id: i64, version: i64) -> Item {
    Item {
        id,
        embedding: (0..16)
            .map(|i| ((id * 16 + i) as f32 + version as f32 * 0.25).cos())
            .collect(),
    }
}

/// `Load::upsert`: a load of new and existing keys, in batches, leaves exactly the test's own map (the
/// newest row of each key); stopped midway by a bad row and resumed at `committed`, the same; on a model
/// with a hidden key it is refused before anything is sent.
async fn an_upsert_load_writes_new_and_changed_rows(target: Target) {
    let _serial = SERIAL.lock().await;
    let t = TestDb::open(target).await;
    Item::create_table(&t.db).await.unwrap();
    let mut expected = std::collections::BTreeMap::new();
    // 1,500 rows stored first: ids 1..=1500.
    Item::load(&t.db, (1..=1_500).map(item)).await.unwrap();
    for id in 1..=1_500 {
        expected.insert(id, item(id));
    }
    // Then 2,000 rows: every other existing id changed (2, 4, ..., 1500) and 1,250 new ids.
    let rows: Vec<Item> = (1..=750)
        .map(|n| changed(n * 2, 1))
        .chain((1_501..=2_750).map(item))
        .collect();
    for row in &rows {
        expected.insert(row.id, row.clone());
    }
    let done = Item::load(&t.db, rows.iter())
        .batch_rows(350)
        .upsert()
        .await
        .unwrap();
    assert_eq!((done.rows, done.batches), (2_000, 6));
    let stored = read_all(&t).await;
    assert_eq!(stored.len(), expected.len());
    assert!(stored == expected, "the table differs from the map");

    // Stopped by a NaN at the 1,111th row (batches of 250): 1,000 committed; resumed there, with the row
    // fixed, the table is the map again.
    let second: Vec<Item> = (1..=1_500).map(|id| changed(id, 2)).collect();
    let with_a_nan = second.iter().cloned().enumerate().map(|(i, mut row)| {
        if i == 1_110 {
            row.embedding[0] = f32::NAN;
        }
        row
    });
    let error = Item::load(&t.db, with_a_nan)
        .batch_rows(250)
        .upsert()
        .await
        .unwrap_err();
    let Error::Load { committed, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*committed, 1_000, "{error}");
    Item::load(&t.db, second.iter().skip(*committed as usize))
        .batch_rows(250)
        .upsert()
        .await
        .unwrap();
    for row in &second {
        expected.insert(row.id, row.clone());
    }
    let stored = read_all(&t).await;
    assert!(
        stored == expected,
        "the table differs from the map after the resume"
    );

    // A hidden key: nothing to upsert by.
    #[derive(Debug, Clone, VectorModel)]
    #[vector(table = "anonymous")]
    struct Anonymous {
        #[vector(dimensions = 2)]
        embedding: Vec<f32>,
    }
    let refused = Anonymous::load(
        &t.db,
        [Anonymous {
            embedding: vec![1.0, 2.0],
        }],
    )
    .upsert()
    .await
    .unwrap_err();
    assert!(matches!(refused, Error::InvalidArgument(_)), "{refused:?}");
    report(
        "an upsert load of 750 changed and 1,250 new rows over 1,500 (batches of 350); stopped by a NaN and resumed",
        target,
        "2,750 rows, each the newest of its key; resumed at `committed`, every key's newest row",
        &format!(
            "{} rows equal to the map; stopped with {error}",
            stored.len()
        ),
    );
    t.finish().await;
}

/// Every row of the `items` table, by key.
async fn read_all(t: &TestDb) -> std::collections::BTreeMap<i64, Item> {
    let mut rows = std::collections::BTreeMap::new();
    let mut after = None;
    loop {
        let page = Item::list_after(&t.db, after, 1_000).await.unwrap();
        let Some((last, _)) = page.last() else {
            return rows;
        };
        after = Some(*last);
        rows.extend(page);
    }
}
