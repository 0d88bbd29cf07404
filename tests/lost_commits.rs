//! Commits whose answer is lost: a proxy (`support::proxy`) forwards a `COMMIT` to the server and closes the
//! connection before the answer comes back, as TiDB does when a commit's outcome is undetermined. The
//! library must return what really happened, and the documented recovery (`Error::rows_stored`, then
//! resuming) must end with every input row stored exactly once. MariaDB with both dialects, and a real
//! TiDB when one is configured; SQLite has no connection to lose.

use tidb_vector_core::{Db, Error, VectorModel};
use tidb_vector_tests::proxy::{COM_STMT_EXECUTE, Cut, Proxy};
use tidb_vector_tests::{Target, TestDb, report, server_scenarios};

server_scenarios!(
    insert_many_returns_what_happened,
    a_server_out_of_reach_leaves_it_in_doubt_until_settled,
    a_load_resumed_as_documented_stores_each_row_once,
    a_one_row_insert_returns_what_happened,
    a_transaction_commit_in_doubt_says_so,
    an_upsert_many_whose_answer_is_lost_is_sent_again_or_says_so,
);

/// Keys the caller gives.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "named")]
struct Named {
    #[vector(key, max_length = 32)]
    name: String,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

/// Keys the database assigns.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "numbered")]
struct Numbered {
    label: String,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

fn named(range: std::ops::Range<u32>) -> Vec<Named> {
    range
        .map(|i| Named {
            name: format!("n{i:05}"),
            embedding: vec![1.0, i as f32],
        })
        .collect()
}

fn numbered(range: std::ops::Range<u32>) -> Vec<Numbered> {
    range
        .map(|i| Numbered {
            label: format!("row {i:05}"),
            embedding: vec![1.0, i as f32],
        })
        .collect()
}

async fn setup(target: Target) -> (TestDb, Proxy, Db) {
    let t = TestDb::open(target).await;
    Named::create_table(&t.db).await.unwrap();
    Numbered::create_table(&t.db).await.unwrap();
    let proxy = Proxy::start(t.server_address()).await;
    let db = t.db_through(&proxy, 4).await;
    (t, proxy, db)
}

/// How many distinct labels the numbered table holds, and how many rows.
async fn distinct_labels(t: &TestDb) -> (i64, i64) {
    sqlx::query_as("SELECT COUNT(DISTINCT label), COUNT(*) FROM numbered")
        .fetch_one(t.mysql().unwrap())
        .await
        .unwrap()
}

async fn insert_many_returns_what_happened(target: Target) {
    let (t, proxy, db) = setup(target).await;
    // The COMMIT reaches the server and its answer is lost: the rows are stored, and the call says so.
    proxy.arm(Cut::after_commit());
    assert_eq!(Named::insert_many(&db, named(0..200)).await.unwrap(), 200);
    proxy.arm(Cut::after_commit());
    assert_eq!(
        Numbered::insert_many(&db, numbered(0..200)).await.unwrap(),
        200
    );
    assert_eq!(proxy.cuts(), 2);
    assert_eq!(t.count("named").await, 200);
    assert_eq!(t.count("numbered").await, 200);

    // The COMMIT never reaches the server: nothing is stored, the error is not "in doubt", and running
    // the same call again stores each row once.
    proxy.arm(Cut::before_commit());
    let error = Named::insert_many(&db, named(200..400)).await.unwrap_err();
    assert!(
        !matches!(error, Error::CommitInDoubt { .. }),
        "settled, not in doubt: {error}"
    );
    assert_eq!(error.rows_stored(&db).await.unwrap(), 0);
    assert_eq!(t.count("named").await, 200);
    assert_eq!(Named::insert_many(&db, named(200..400)).await.unwrap(), 200);
    proxy.arm(Cut::before_commit());
    assert!(
        Numbered::insert_many(&db, numbered(200..400))
            .await
            .is_err()
    );
    assert_eq!(
        Numbered::insert_many(&db, numbered(200..400))
            .await
            .unwrap(),
        200
    );
    assert_eq!(t.count("named").await, 400);
    assert_eq!(distinct_labels(&t).await, (400, 400));
    report(
        "insert_many whose COMMIT answer is lost (a proxy forwards COMMIT, then closes the connection)",
        target,
        "Ok when it committed, an ordinary error when it did not; a retry after the error stores each row once",
        &format!(
            "committed: Ok(200) for caller and auto keys; not committed: `{error}`, rows_stored 0, retry -> 400 rows, 400 distinct"
        ),
    );
    db.close().await;
    t.finish().await;
}

async fn a_server_out_of_reach_leaves_it_in_doubt_until_settled(target: Target) {
    let (t, proxy, db) = setup(target).await;
    for (round, forward, expected) in [(0, true, 200), (1, false, 0)] {
        let rows = numbered(round * 200..(round + 1) * 200);
        proxy.arm(Cut {
            forward,
            then_refuse: true,
            ..Cut::after_commit()
        });
        let error = Numbered::insert_many(&db, &rows).await.unwrap_err();
        let Error::CommitInDoubt {
            rows: Some(200),
            probe: Some(_),
            ..
        } = &error
        else {
            panic!("a commit in doubt with its probe, got {error:?}")
        };
        assert!(
            error.to_string().contains("may or may not be stored"),
            "{error}"
        );
        // While the server is out of reach, settling fails and says so; once it answers, it settles.
        assert!(error.rows_stored(&db).await.is_err());
        proxy.heal();
        assert_eq!(
            error.rows_stored(&db).await.unwrap(),
            expected,
            "forwarded: {forward}"
        );
        if expected == 0 {
            Numbered::insert_many(&db, &rows).await.unwrap();
        }
        report(
            "insert_many whose COMMIT answer is lost while the server stays out of reach",
            target,
            "Error::CommitInDoubt with a probe; rows_stored settles it once the server answers",
            &format!("COMMIT forwarded: {forward}; `{error}`; rows_stored {expected}"),
        );
    }
    // Both rounds recovered as documented: each round's 200 rows are stored once.
    assert_eq!(distinct_labels(&t).await, (400, 400));
    db.close().await;
    t.finish().await;
}

async fn a_load_resumed_as_documented_stores_each_row_once(target: Target) {
    let (t, proxy, db) = setup(target).await;
    let rows = numbered(0..1000);
    // The third batch's answer is lost and the server stays reachable: the load settles it and goes on.
    proxy.arm(Cut {
        nth: 3,
        ..Cut::after_commit()
    });
    let done = Numbered::load(&db, &rows).batch_rows(100).await.unwrap();
    assert_eq!(done.rows, 1000);
    assert_eq!(distinct_labels(&t).await, (1000, 1000));

    // Out of reach after the third batch's COMMIT (forwarded or not): the load stops with that batch in
    // doubt; the README's recovery settles it and resumes.
    for forward in [true, false] {
        sqlx::query("DELETE FROM numbered")
            .execute(t.mysql().unwrap())
            .await
            .unwrap();
        proxy.arm(Cut {
            nth: 3,
            forward,
            then_refuse: true,
            ..Cut::after_commit()
        });
        let error = Numbered::load(&db, &rows)
            .batch_rows(100)
            .await
            .unwrap_err();
        let Error::Load {
            committed: 200,
            in_doubt: 100,
            probe: Some(_),
            ..
        } = &error
        else {
            panic!("a load stopped with a batch in doubt, got {error:?}")
        };
        proxy.heal();
        let stored = error.rows_stored(&db).await.unwrap();
        assert_eq!(stored, if forward { 300 } else { 200 });
        Numbered::load(&db, rows.iter().skip(stored as usize))
            .batch_rows(100)
            .await
            .unwrap();
        assert_eq!(
            distinct_labels(&t).await,
            (1000, 1000),
            "forward: {forward}"
        );
        report(
            "load of 1000 rows, batches of 100, the third COMMIT's answer lost and the server out of reach",
            target,
            "Error::Load { committed: 200, in_doubt: 100 }; rows_stored settles it; resuming stores each row once",
            &format!(
                "COMMIT forwarded: {forward}; rows_stored {stored}; after the resume 1000 rows, 1000 distinct"
            ),
        );
    }
    db.close().await;
    t.finish().await;
}

async fn a_one_row_insert_returns_what_happened(target: Target) {
    let (t, proxy, db) = setup(target).await;
    let execute = |forward| Cut {
        command: COM_STMT_EXECUTE,
        text: None,
        forward,
        nth: 1,
        then_refuse: false,
    };
    // A caller's key: the library reads whether the row is there.
    proxy.arm(execute(true));
    let row = &named(0..1)[0];
    assert_eq!(row.insert(&db).await.unwrap(), "n00000");
    proxy.arm(execute(false));
    let row = &named(1..2)[0];
    let error = row.insert(&db).await.unwrap_err();
    assert!(!matches!(error, Error::CommitInDoubt { .. }), "{error}");
    assert_eq!(t.count("named").await, 1);
    // A key the database assigns is unknown when the answer is lost: in doubt, and it says so.
    proxy.arm(execute(true));
    let error = numbered(0..1)[0].insert(&db).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::CommitInDoubt {
                rows: Some(1),
                probe: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.rows_stored(&db).await.is_err());
    assert_eq!(t.count("numbered").await, 1);
    report(
        "one-row insert whose statement's answer is lost",
        target,
        "caller key: Ok or the plain error, as it happened; assigned key: Error::CommitInDoubt",
        &format!("caller key: Ok, then not stored -> plain error; assigned key: `{error}`"),
    );
    db.close().await;
    t.finish().await;
}

async fn a_transaction_commit_in_doubt_says_so(target: Target) {
    let (t, proxy, db) = setup(target).await;
    let mut tx = db.begin().await.unwrap();
    named(0..1)[0].insert(&mut tx).await.unwrap();
    proxy.arm(Cut::after_commit());
    let error = tx.commit().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::CommitInDoubt {
                rows: None,
                probe: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("check the table"), "{error}");
    assert_eq!(t.count("named").await, 1);
    db.close().await;
    t.finish().await;
}

/// `upsert_many` has no row that tells whether its transaction committed (a replaced row was there before),
/// so a lost answer is either retried (the upserts sent again) or `CommitInDoubt` without a probe; either
/// way, sending the same call again leaves each key once with the call's content.
async fn an_upsert_many_whose_answer_is_lost_is_sent_again_or_says_so(target: Target) {
    let (t, proxy, db) = setup(target).await;
    Named::insert_many(&db, named(0..100)).await.unwrap();
    let moved: Vec<Named> = (50..250)
        .map(|i| Named {
            name: format!("n{i:05}"),
            embedding: vec![2.0, i as f32],
        })
        .collect();
    let mut outcomes = Vec::new();
    for cut in [Cut::after_commit(), Cut::before_commit()] {
        proxy.arm(cut);
        let outcome = match Named::upsert_many(&db, &moved).await {
            Ok(written) => format!("Ok({written})"),
            Err(error) => {
                assert!(
                    matches!(&error, Error::CommitInDoubt { probe: None, .. })
                        || !matches!(error, Error::CommitInDoubt { .. }),
                    "{error}"
                );
                let shown = error.to_string();
                assert_eq!(Named::upsert_many(&db, &moved).await.unwrap(), 200);
                shown
            }
        };
        outcomes.push(outcome);
        assert_eq!(t.count("named").await, 250);
        for row in [&moved[0], &moved[199]] {
            assert_eq!(
                Named::get(&db, &row.name).await.unwrap().as_ref(),
                Some(row)
            );
        }
        let kept = Named::get(&db, &"n00010".to_owned())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.embedding, vec![1.0, 10.0]);
    }
    report(
        "upsert_many whose COMMIT answer is lost (after, then before the COMMIT reached the server)",
        target,
        "retried or CommitInDoubt without a probe; sending the same call again leaves each key once",
        &format!("{outcomes:?}; 250 keys, the call's content"),
    );
    db.close().await;
    t.finish().await;
}
