//! When things go wrong: server errors mapped to kinds, transient errors (deadlocks, lock waits) retried
//! where the library owns the transaction, a batch the server rejects midway, a server killed during a bulk
//! load, concurrent writers and readers, connections that fail (unreachable, wrong password, TLS that must
//! verify the server), and secrets that never reach errors, `Debug` output or logs. Each scenario asserts
//! its outcome and prints a `RELIABILITY` record of what it measured; `.ci/reliability` collects them into
//! RELIABILITY.md.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tidb_vector_core::{
    Config, Db, Error, PoolSettings, Secret, ServerErrorKind, TiDbSettings, VectorModel,
};
use tidb_vector_tests::{Target, TestDb, report, scenarios};

scenarios!(
    server_errors_are_mapped_to_kinds,
    a_batch_the_server_rejects_midway_leaves_nothing,
    concurrent_writers_lose_nothing,
    readers_see_only_committed_bulk_loads,
);

#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Doc {
    id: i64,
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// The same table seen with the wrong dimensions: what a deployed model that drifted from its table does.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Narrow {
    id: i64,
    content: String,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

fn doc(id: i64, content: &str) -> Doc {
    Doc {
        id,
        content: content.to_owned(),
        embedding: vec![1.0, id as f32, 0.5],
    }
}

async fn raw_error(t: &TestDb, sql: &'static str) -> Error {
    let result = match (t.db.mysql_pool(), t.db.sqlite_pool()) {
        (Some(pool), _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        (_, Some(pool)) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        _ => unreachable!(),
    };
    Error::from(result.expect_err(sql))
}

async fn server_errors_are_mapped_to_kinds(target: Target) {
    let t = TestDb::open(target).await;
    let missing = Doc::nearest_by_l2(&t.db, &[1.0, 2.0, 3.0], 3)
        .await
        .unwrap_err();
    assert_eq!(
        missing.server_error_kind(),
        Some(ServerErrorKind::NoSuchTable),
        "{missing}"
    );
    report(
        "server error: missing table",
        target,
        "NoSuchTable",
        &missing,
    );

    Doc::create_table(&t.db).await.unwrap();
    doc(1, "a").insert(&t.db).await.unwrap();
    let duplicate = doc(1, "again").insert(&t.db).await.unwrap_err();
    assert_eq!(
        duplicate.server_error_kind(),
        Some(ServerErrorKind::DuplicateKey),
        "{duplicate}"
    );
    report(
        "server error: duplicate key",
        target,
        "DuplicateKey",
        &duplicate,
    );

    // A model whose dimensions drifted from its table passes the client's check; the server refuses.
    let narrow = Narrow {
        id: 2,
        content: "x".into(),
        embedding: vec![1.0, 2.0],
    };
    // The server refuses it (InvalidVector), and the library then names both sizes: the table check's
    // dimension difference, on every backend (MariaDB's own message shows neither, only the value's bytes).
    let refused = narrow.insert(&t.db).await.unwrap_err();
    assert_narrow_table(&refused);
    assert_narrow_table(&Narrow::insert_many(&t.db, [&narrow]).await.unwrap_err());
    report(
        "server error: wrong dimensions for the column",
        target,
        "SchemaMismatch naming the table's and the model's dimensions",
        &refused,
    );

    // A model of other dimensions than the table's: every backend says so, naming both sizes (MariaDB
    // compares vectors of different sizes to NULL, so there the search finds out why no row had a distance).
    let compared = Narrow::nearest_by_l2(&t.db, &[1.0, 2.0], 3).await;
    assert_narrow_table(compared.as_ref().unwrap_err());
    report_result(
        "server error: distance across dimensions",
        target,
        "SchemaMismatch naming the table's and the model's dimensions, on every backend",
        &compared,
    );

    let text = match target {
        Target::Sqlite => raw_error(&t, "SELECT vec_f32('[1,2,x]')").await,
        // Through a prepared statement MariaDB answers bad text with NULL and a warning; bytes that are
        // not a VECTOR(3) are refused outright (1292).
        Target::MariaDb => raw_error(&t, "INSERT INTO docs VALUES (5, 'x', X'0000803f00')").await,
        Target::TiDbOnMariaDb | Target::TiDb => {
            raw_error(&t, "SELECT VEC_FROM_TEXT('[1,2,x]')").await
        }
    };
    assert_eq!(
        text.server_error_kind(),
        Some(ServerErrorKind::InvalidVector),
        "{text}"
    );
    let (code, _) = text.server_code().unwrap();
    assert!(
        text.to_string().contains(&code.to_string()),
        "the code is kept: {text}"
    );
    // MariaDB quotes the refused value's bytes; they stay out of the error.
    assert!(
        !text.to_string().contains("\\x") && !text.to_string().contains("\x00"),
        "{text}"
    );
    report(
        "server error: malformed vector text",
        target,
        "InvalidVector",
        &text,
    );
    assert_eq!(
        Doc::count(&t.db).await.unwrap(),
        1,
        "nothing refused was stored"
    );
    t.finish().await;
}

/// `error` says that the table's vectors have 3 dimensions where the `Narrow` model has 2.
fn assert_narrow_table(error: &Error) {
    let Error::SchemaMismatch(mismatch) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        mismatch.differences,
        [tidb_vector_core::Difference::Dimensions {
            column: "embedding",
            expected: 2,
            found: Some(3)
        }],
        "{error}"
    );
}

fn report_result<T: std::fmt::Debug>(
    scenario: &str,
    target: Target,
    expected: &str,
    result: &Result<T, Error>,
) {
    match result {
        Ok(value) => report(scenario, target, expected, &format!("Ok({value:?})")),
        Err(error) => report(scenario, target, expected, error),
    }
}

async fn a_batch_the_server_rejects_midway_leaves_nothing(target: Target) {
    let t = TestDb::open(target).await;
    Doc::create_table(&t.db).await.unwrap();
    doc(40_000, "already there").insert(&t.db).await.unwrap();
    // 60,000 rows in several statements; row 40,000 collides with the stored one, after statements have
    // been sent.
    let rows = (1..=60_000).map(|id| doc(id, "batch"));
    let error = Doc::insert_many(&t.db, rows).await.unwrap_err();
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::DuplicateKey),
        "{error}"
    );
    let count = Doc::count(&t.db).await.unwrap();
    assert_eq!(count, 1, "only the row stored before the batch");
    report(
        "a 60000-row batch the server rejects at row 40000",
        target,
        "DuplicateKey; none of the batch kept",
        &format!("{count} row (the earlier one) after: {error}"),
    );
    t.finish().await;
}

async fn concurrent_writers_lose_nothing(target: Target) {
    let t = TestDb::open(target).await;
    Doc::create_table(&t.db).await.unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|task| {
            let db = t.db.clone();
            tokio::spawn(async move {
                let mut keys = Vec::with_capacity(500);
                for i in 0..500 {
                    let d = Doc {
                        id: 0,
                        content: format!("task {task} row {i}"),
                        embedding: vec![task as f32, i as f32, 1.0],
                    };
                    keys.push(d.insert(&db).await.unwrap());
                }
                keys
            })
        })
        .collect();
    let mut keys = HashSet::new();
    for task in tasks {
        keys.extend(task.await.unwrap());
    }
    let count = Doc::count(&t.db).await.unwrap();
    assert_eq!(keys.len(), 16_000, "distinct keys");
    assert_eq!(count, 16_000);
    report(
        "32 tasks x 500 inserts through one pool",
        target,
        "16000 rows, 16000 distinct keys",
        &format!("{count} rows, {} distinct keys", keys.len()),
    );
    t.finish().await;
}

async fn readers_see_only_committed_bulk_loads(target: Target) {
    let t = TestDb::open(target).await;
    Doc::create_table(&t.db).await.unwrap();
    let rows = 20_000;
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let db = t.db.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !done.load(Ordering::Acquire) {
                seen.push(Doc::count(&db).await.unwrap());
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            seen.push(Doc::count(&db).await.unwrap());
            seen
        })
    };
    let docs = (1..=rows).map(|id| doc(id, "bulk"));
    Doc::insert_many(&t.db, docs).await.unwrap();
    done.store(true, Ordering::Release);
    let seen = reader.await.unwrap();
    let distinct: HashSet<u64> = seen.iter().copied().collect();
    assert!(
        distinct.iter().all(|c| *c == 0 || *c == rows as u64),
        "partial batch visible: {distinct:?}"
    );
    assert_eq!(seen.last(), Some(&(rows as u64)));
    let mut counts: Vec<u64> = distinct.into_iter().collect();
    counts.sort();
    report(
        "readers during a 20000-row bulk load",
        target,
        "counts of 0 or 20000 only",
        &format!("{} reads, counts seen: {counts:?}", seen.len()),
    );
    t.finish().await;
}

#[test]
fn secrets_never_print() {
    let secret = "hunter2-s3cr3t";
    let mut settings = TiDbSettings::new("gateway.example.com");
    settings.password = Secret::new(secret);
    let config = Config::TiDb(settings);
    let url = Config::Url(Secret::new(format!("mysql://root:{secret}@host/db")));
    for shown in [
        format!("{config:?}"),
        format!("{url:?}"),
        Secret::new(secret).to_string(),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    println!("RELIABILITY\tsecrets: Debug and Display of settings\tall\tno password\tnone shown");
}

#[tokio::test]
async fn secrets_stay_out_of_connection_errors() {
    let secret = "hunter2-s3cr3t";
    let settings = PoolSettings::default().with_acquire_timeout(Duration::from_millis(500));
    for url in [
        format!("mysql://root:{secret}@127.0.0.1:1/db"),
        format!("mysql://root:{secret}@bad host:99999/db"),
        format!("tidb://root:{secret}@[::1/db"),
    ] {
        let error = tokio::time::timeout(
            Duration::from_secs(10),
            Db::connect_with_pool(&Config::Url(Secret::new(url.clone())), &settings),
        )
        .await
        .expect("an unreachable server is an error, not a hang")
        .unwrap_err();
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    let db = Db::embedded().await.unwrap();
    assert!(!format!("{db:?}").contains("sqlite::memory"), "{db:?}");
    println!(
        "RELIABILITY\tsecrets: connection errors and Db's Debug\tall\tno password\tnone shown"
    );
}

#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_wrong_password_error_hides_it() {
    // (Also: the refused login is an Error::Connect naming the server's address, with the server's code.)
    let url = std::env::var(tidb_vector_tests::MARIADB_URL).expect("TIDB_VECTOR_TEST_MARIADB_URL");
    let (user, rest) = url.split_once('@').unwrap();
    let user = user.rsplit_once(':').unwrap().0;
    let wrong = format!("{user}:not-the-password-xyzzy@{rest}");
    let error = Db::connect(&wrong).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("not-the-password-xyzzy"), "{shown}");
    assert_eq!(
        error.server_code().map(|(code, _)| code),
        Some(1045),
        "{error}"
    );
    println!(
        "RELIABILITY\tsecrets: wrong password refused by MariaDB\tMariaDB\t1045, no password shown\t{error}"
    );
}

#[tokio::test]
async fn an_unreachable_server_fails_within_the_acquire_timeout() {
    let started = std::time::Instant::now();
    let settings = PoolSettings::default().with_acquire_timeout(Duration::from_millis(300));
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        Db::connect_with_pool(
            &Config::Url(Secret::new("mysql://u:p@127.0.0.1:1/db")),
            &settings,
        ),
    )
    .await
    .expect("no hang");
    let error = result.unwrap_err();
    // Refused at once, and said so with the address: not the pool's "timed out" after its acquire timeout.
    assert!(
        matches!(&error, Error::Connect { address, reason, .. }
            if address == "127.0.0.1:1" && reason.contains("refused")),
        "{error}"
    );
    println!(
        "RELIABILITY\tunreachable server, acquire timeout 300 ms\tall\tan error, no hang\t{error} after {:?}",
        started.elapsed()
    );
}

/// TLS as TiDB Cloud needs it, against a MariaDB that requires TLS (certificates made by
/// `.ci/mariadb.sh` with `MARIADB_TLS=1`): the CA verifies the server, a wrong CA is refused, and the host
/// name is checked.
#[tokio::test]
#[ignore = "needs the TLS MariaDB: MARIADB_INSTANCE=tls MARIADB_TLS=1 .ci/mariadb.sh start, then TIDB_VECTOR_TEST_TLS_DIR and _PORT"]
async fn mariadb_tls_with_a_ca_verifies_the_server() {
    let dir = std::path::PathBuf::from(
        std::env::var("TIDB_VECTOR_TEST_TLS_DIR").expect("TIDB_VECTOR_TEST_TLS_DIR"),
    );
    let port: u16 = std::env::var("TIDB_VECTOR_TEST_TLS_PORT")
        .expect("TIDB_VECTOR_TEST_TLS_PORT")
        .parse()
        .unwrap();
    let settings = |host: &str, ca: Option<&str>| {
        let mut s = TiDbSettings::new(host);
        s.port = port;
        s.username = "tidbvec".into();
        s.password = Secret::new("tidbvec");
        s.database = "tidb_vector".into();
        s.ca_path = ca.map(|name| dir.join(name));
        Config::TiDb(s)
    };
    let quick = PoolSettings::default().with_acquire_timeout(Duration::from_secs(5));

    let db = Db::connect_with_pool(&settings("localhost", Some("ca.pem")), &quick)
        .await
        .expect("verified TLS");
    let pool = db.mysql_pool().unwrap();
    let (_, cipher): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(!cipher.is_empty(), "the session is encrypted");
    Doc::drop_table(&db).await.unwrap();
    Doc::create_table(&db).await.unwrap();
    doc(1, "over TLS").insert(&db).await.unwrap();
    assert_eq!(
        Doc::get(&db, &1).await.unwrap().unwrap().content,
        "over TLS"
    );
    Doc::drop_table(&db).await.unwrap();
    println!(
        "RELIABILITY\tTLS: TIDB_CA_PATH with the server's CA\tMariaDb\tverified, encrypted\tconnected, cipher {cipher}"
    );

    for (label, host, ca) in [
        (
            "TLS: a CA that did not sign the server's certificate",
            "localhost",
            "other-ca.pem",
        ),
        (
            "TLS: the right CA, a host name not in the certificate",
            "127.0.0.1",
            "ca.pem",
        ),
    ] {
        let refused = Db::connect_with_pool(&settings(host, Some(ca)), &quick)
            .await
            .unwrap_err();
        println!(
            "RELIABILITY\t{label}\tMariaDb\trefused\t{}",
            refused.to_string().replace('\t', " ")
        );
    }
    let plain = Db::connect_with_pool(&settings("127.0.0.1", None), &quick)
        .await
        .expect("TLS without verification");
    let (_, cipher): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .fetch_one(plain.mysql_pool().unwrap())
        .await
        .unwrap();
    assert!(!cipher.is_empty());
    println!(
        "RELIABILITY\tTLS: no CA given\tMariaDb\tencrypted when the server offers it, unverified\tconnected, cipher {cipher}"
    );

    // A TiDB Cloud host name (mapped to this machine by CI's /etc/hosts) gets verified TLS without
    // TIDB_CA_PATH: the test server's self-made CA is in no public root store, so it is refused, from
    // settings and from a URL alike; `ssl-mode` in the URL still overrides.
    let cloud = std::env::var("TIDB_VECTOR_TEST_CLOUD_HOST").expect(
        "TIDB_VECTOR_TEST_CLOUD_HOST: a name under tidbcloud.com that /etc/hosts maps to 127.0.0.1",
    );
    assert!(cloud.ends_with(".tidbcloud.com"), "{cloud}");
    let url = format!("mysql://tidbvec:tidbvec@{cloud}:{port}/tidb_vector");
    for config in [
        settings(&cloud, None),
        Config::Url(Secret::new(url.clone())),
    ] {
        let refused = Db::connect_with_pool(&config, &quick).await.unwrap_err();
        let shown = format!("{refused} {refused:?}");
        assert!(
            shown.contains("UnknownIssuer") || shown.contains("certificate"),
            "{shown}"
        );
        println!(
            "RELIABILITY\tTLS: a *.tidbcloud.com host with no CA, self-signed server ({})\tMariaDb\trefused\t{}",
            if matches!(config, Config::Url(_)) {
                "URL"
            } else {
                "TIDB_* settings"
            },
            refused.to_string().replace('\t', " ")
        );
    }
    let explicit = Db::connect_with_pool(
        &Config::Url(Secret::new(format!("{url}?ssl-mode=required"))),
        &quick,
    )
    .await
    .expect("an explicit ssl-mode wins");
    explicit.close().await;
}

/// A server killed (SIGKILL) in the middle of a large bulk load: the caller gets an error, not a hang;
/// after the restart the table holds zero or all of the rows; the same pool works again.
#[tokio::test]
#[ignore = "needs a MariaDB it may kill: MARIADB_INSTANCE=crash .ci/mariadb.sh start, then TIDB_VECTOR_TEST_CRASH_URL and _CTL"]
async fn mariadb_killed_during_a_bulk_load_leaves_zero_or_all_rows() {
    let crash = tidb_vector_tests::CrashServer::from_env();
    let run = |command: &str| crash.run(command);
    let db = crash.db().await;
    Doc::drop_table(&db).await.unwrap();
    Doc::create_table(&db).await.unwrap();
    let rows = 400_000;
    let load = {
        let db = db.clone();
        tokio::spawn(
            async move { Doc::insert_many(&db, (1..=rows).map(|id| doc(id, "crash"))).await },
        )
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    run("kill");
    let outcome = tokio::time::timeout(Duration::from_secs(60), load)
        .await
        .expect("no hang")
        .unwrap();
    let count = crash.restart_and_count(&db, "docs").await;
    assert!(
        count == 0 || count == rows as u64,
        "{count} rows: a partial batch survived"
    );
    doc(rows + 1, "after")
        .insert(&db)
        .await
        .expect("writes work again");
    let outcome = match &outcome {
        Ok(n) => format!("insert_many returned Ok({n}) before the kill"),
        Err(e) => format!("insert_many failed: {}", e.to_string().replace('\t', " ")),
    };
    println!(
        "RELIABILITY\tserver killed during a {rows}-row bulk load\tMariaDb\t0 or {rows} rows after restart; an error, not a hang\t{count} rows; {outcome}; the pool recovered"
    );
    Doc::drop_table(&db).await.unwrap();
}

/// Everything sqlx and this crate log (tracing events and `log` records, at every level) while a user with
/// a password connects, searches, inserts and fails a login: the password is in none of it.
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_passwords_stay_out_of_logs() {
    let captured = tidb_vector_tests::Captured::default();
    let _guard = captured.install();

    let secret = "pw-7Hq2-never-log-me";
    let admin =
        std::env::var(tidb_vector_tests::MARIADB_URL).expect("TIDB_VECTOR_TEST_MARIADB_URL");
    let admin_db = Db::connect(&admin).await.unwrap();
    let pool = admin_db.mysql_pool().unwrap();
    for sql in [
        format!("CREATE USER IF NOT EXISTS 'tv_secret'@'127.0.0.1' IDENTIFIED BY '{secret}'"),
        format!("CREATE USER IF NOT EXISTS 'tv_secret'@'localhost' IDENTIFIED BY '{secret}'"),
        "GRANT ALL PRIVILEGES ON tidb_vector.* TO 'tv_secret'@'127.0.0.1'".to_owned(),
        "GRANT ALL PRIVILEGES ON tidb_vector.* TO 'tv_secret'@'localhost'".to_owned(),
    ] {
        // Run through the raw pool without logging the statement text (it holds the secret).
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .unwrap();
    }
    captured.take();

    let (_, rest) = admin.split_once('@').unwrap();
    let db = Db::connect(&format!("mysql://tv_secret:{secret}@{rest}"))
        .await
        .unwrap();
    #[derive(Debug, Clone, VectorModel)]
    #[vector(table = "log_probe")]
    struct Probe {
        id: i64,
        #[vector(dimensions = 3)]
        embedding: Vec<f32>,
    }
    Probe::drop_table(&db).await.unwrap();
    Probe::create_table(&db).await.unwrap();
    Probe {
        id: 1,
        embedding: vec![1.0, 2.0, 3.0],
    }
    .insert(&db)
    .await
    .unwrap();
    Probe::nearest_by_l2(&db, &[1.0, 2.0, 3.0], 1)
        .await
        .unwrap();
    Probe::drop_table(&db).await.unwrap();
    let wrong = Db::connect(&format!("mysql://tv_secret:{secret}-wrong@{rest}")).await;
    assert!(wrong.is_err());
    drop(_guard);

    let logs = captured.take();
    assert!(
        logs.contains("log_probe"),
        "sqlx logged the statements: {} bytes",
        logs.len()
    );
    assert!(!logs.contains(secret), "the password was logged");
    println!(
        "RELIABILITY\tsecrets: everything logged at TRACE while connecting, querying and failing a login\tMariaDb\tno password\t{} bytes of logs, password absent",
        logs.len()
    );
}

/// Each way a first connection fails comes back as `Error::Connect` naming the address and the cause, at
/// once (a host that answers nothing: after `connect_timeout`), never with the password.
#[tokio::test]
async fn connection_failures_name_their_cause() {
    let quick = PoolSettings::default().with_connect_timeout(Duration::from_secs(1));
    let connect = |url: String| {
        let quick = quick.clone();
        async move {
            let started = std::time::Instant::now();
            let error = tokio::time::timeout(
                Duration::from_secs(20),
                Db::connect_with_pool(&Config::Url(Secret::new(url)), &quick),
            )
            .await
            .expect("no hang")
            .unwrap_err();
            (error, started.elapsed())
        }
    };
    let mut seen = Vec::new();
    for (url, address, cause) in [
        (
            "mysql://u:pw-xyzzy@127.0.0.1:1/db",
            "127.0.0.1:1",
            "refused",
        ),
        (
            "mysql://u:pw-xyzzy@no-such-host.invalid:4000/db",
            "no-such-host.invalid:4000",
            "does not resolve",
        ),
    ] {
        let (error, took) = connect(url.to_owned()).await;
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("pw-xyzzy"), "{shown}");
        assert!(
            matches!(&error, Error::Connect { address: a, reason, .. } if a == address && reason.contains(cause)),
            "{error}"
        );
        seen.push(format!("{error} ({} ms)", took.as_millis()));
    }
    // A missing directory for an SQLite file: a configuration error naming the file.
    let error = Db::connect("sqlite://no-such-dir-xyz/vectors.db")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Config(text) if text.contains("no-such-dir-xyz/vectors.db")),
        "{error}"
    );
    seen.push(error.to_string());
    println!(
        "RELIABILITY\tconnection failures: refused port, unknown host, SQLite file in a missing directory\tall\tError::Connect naming address and cause at once (Config for SQLite), no password\t{}",
        seen.join("; ")
    );
}

/// A refused login and a host that answers nothing, on MariaDB (the latter through a silent proxy).
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_connection_failures_name_their_cause() {
    let t = TestDb::open(Target::MariaDb).await;
    let url = std::env::var(tidb_vector_tests::MARIADB_URL).expect("TIDB_VECTOR_TEST_MARIADB_URL");
    let (user, rest) = url.split_once('@').unwrap();
    let user = user.rsplit_once(':').unwrap().0;
    let error = Db::connect(&format!("{user}:not-the-password-xyzzy@{rest}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Connect { reason, .. } if reason.contains("refused the login")),
        "{error}"
    );
    assert_eq!(error.server_code().map(|(code, _)| code), Some(1045));

    let proxy = tidb_vector_tests::proxy::Proxy::start(t.server_address()).await;
    proxy.go_silent();
    let quick = PoolSettings::default().with_connect_timeout(Duration::from_millis(800));
    let started = std::time::Instant::now();
    let silent = Db::connect_with_pool(
        &Config::Url(Secret::new(format!(
            "mysql://tidbvec:tidbvec@127.0.0.1:{}/tidb_vector?ssl-mode=disabled",
            proxy.port
        ))),
        &quick,
    )
    .await
    .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&silent, Error::Connect { reason, .. } if reason.contains("no answer")),
        "{silent}"
    );
    println!(
        "RELIABILITY\tconnection failures: refused login, a host that answers nothing\tMariaDb\tError::Connect with the server's 1045; no answer after connect_timeout\t{error}; {silent} ({} ms)",
        took.as_millis()
    );
    t.finish().await;
}

/// A 64-dimensional row, for the lock and retry cases.
#[derive(Debug, Clone, PartialEq, VectorModel)]
#[vector(table = "docs")]
struct Entry {
    id: i64,
    content: String,
    #[vector(dimensions = 64)]
    embedding: Vec<f32>,
}

fn entry(id: i64) -> Entry {
    Entry {
        id,
        content: format!("row {id}"),
        embedding: (0..64).map(|i| (id as f32 + i as f32).sin()).collect(),
    }
}

/// A real deadlock and a real lock wait timeout against model operations on MariaDB (another connection
/// holds the locks): both arrive as `ServerErrorKind::Retryable`, with MariaDB's numbers kept, and nothing
/// the failed operation wrote stays.
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_deadlocks_and_lock_waits_are_retryable() {
    use sqlx::AssertSqlSafe;
    use tidb_vector_core::{Conn, ServerErrorKind};

    let t = TestDb::open(Target::MariaDb).await;
    Entry::create_table(&t.db).await.unwrap();
    Entry::insert_many(&t.db, (1..=200).map(entry))
        .await
        .unwrap();
    let pool = t.pool(2).await;
    let run = |sql: String| AssertSqlSafe(sql);

    // Deadlock: the other transaction has written many rows (so InnoDB picks the model's lighter
    // transaction as the victim) and holds row 2 when the model's transaction, holding row 1, asks for it.
    // Every statement here locks by primary key: a scan would lock rows beyond those it changes.
    let mut mine = pool.begin().await.unwrap();
    let mut other = pool.begin().await.unwrap();
    let changed = Entry {
        content: "mine".into(),
        ..entry(1)
    };
    Entry::update(Conn::mariadb(&mut mine), &1, &changed)
        .await
        .unwrap();
    Entry::insert_many(Conn::mariadb(&mut other), (1_001..=1_200).map(entry))
        .await
        .unwrap();
    sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 2".into()))
        .execute(&mut *other)
        .await
        .unwrap();
    let (error, _) = tokio::join!(
        async { Entry::update(Conn::mariadb(&mut mine), &2, &entry(2)).await },
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 1".into()))
                .execute(&mut *other)
                .await
        },
    );
    let error = error.unwrap_err();
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::Retryable),
        "{error:?}"
    );
    assert_eq!(error.server_code().unwrap().0, 1213, "{error:?}");
    report(
        "a model operation chosen as a deadlock's victim",
        Target::MariaDb,
        "Server { kind: Retryable, code: 1213 }",
        &error,
    );
    drop(mine);
    other.rollback().await.unwrap();

    // Lock wait timeout: another transaction holds row 3 longer than this session waits.
    let mut holder = pool.begin().await.unwrap();
    sqlx::raw_sql(run("UPDATE docs SET content = 'held' WHERE id = 3".into()))
        .execute(&mut *holder)
        .await
        .unwrap();
    let mut waiter = pool.acquire().await.unwrap();
    sqlx::raw_sql(run("SET SESSION innodb_lock_wait_timeout = 1".into()))
        .execute(&mut *waiter)
        .await
        .unwrap();
    let error = Entry::delete(Conn::mariadb(&mut waiter), &3)
        .await
        .unwrap_err();
    assert_eq!(
        error.server_error_kind(),
        Some(ServerErrorKind::Retryable),
        "{error:?}"
    );
    assert_eq!(error.server_code().unwrap().0, 1205, "{error:?}");
    report(
        "a model operation waiting on a lock past innodb_lock_wait_timeout",
        Target::MariaDb,
        "Server { kind: Retryable, code: 1205 }",
        &error,
    );
    holder.rollback().await.unwrap();
    drop(waiter);
    pool.close().await;
    // Nothing of the failed operations stayed; the deadlocked transaction's first update rolled back.
    assert_eq!(t.count("docs").await, 200);
    assert_eq!(Entry::get(&t.db, &1).await.unwrap().unwrap(), entry(1));
    t.finish().await;
}

/// Transient errors on a `Db`'s pool, where the library owns the transaction from its start, are retried
/// (a deadlock's victim statement, a bulk insert and a load batch that waited past the lock timeout) and
/// end with exactly the right rows; with retries off, the same errors come back with kind `Retryable`.
#[tokio::test]
#[ignore = "needs MariaDB 11.8: .ci/mariadb.sh start, then TIDB_VECTOR_TEST_MARIADB_URL"]
async fn mariadb_transient_errors_are_retried_where_safe() {
    use sqlx::AssertSqlSafe;
    use tidb_vector_core::{Backend, RetryPolicy, ServerErrorKind};

    let captured = tidb_vector_tests::Captured::default();
    let _guard = captured.install();
    let retries = |log: String| log.matches("trying again").count();
    let t = TestDb::open(Target::MariaDb).await;
    Entry::create_table(&t.db).await.unwrap();
    Entry::insert_many(&t.db, (1..=200).map(entry))
        .await
        .unwrap();
    let other_pool = t.pool(1).await;
    let run = |sql: &str| AssertSqlSafe(sql.to_owned());

    // A deadlock: the model's DELETE locks row 1, then waits for row 2, which a heavier transaction holds
    // and which then asks for row 1. InnoDB rolls back the lighter DELETE: error 1213.
    let deadlock = |db: Db| {
        let other_pool = other_pool.clone();
        async move {
            let mut other = other_pool.begin().await.unwrap();
            Entry::insert_many(Conn::mariadb(&mut other), (1_001..=1_200).map(entry))
                .await
                .unwrap();
            sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 2"))
                .execute(&mut *other)
                .await
                .unwrap();
            let (deleted, ()) = tokio::join!(
                Entry::delete_where(&db, Entry::FIELDS.id.is_in([1, 2])),
                async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    sqlx::raw_sql(run("UPDATE docs SET content = 'other' WHERE id = 1"))
                        .execute(&mut *other)
                        .await
                        .unwrap();
                    // The other transaction commits; a retried DELETE then finds its rows.
                    other.commit().await.unwrap();
                },
            );
            deleted
        }
    };
    use tidb_vector_core::Conn;
    let off = t.db.with_retry(RetryPolicy::never());
    captured.take();
    let error = deadlock(off).await.unwrap_err();
    assert_eq!(retries(captured.take()), 0);
    assert_eq!(error.server_error_kind(), Some(ServerErrorKind::Retryable));
    assert_eq!(error.server_code().unwrap().0, 1213, "{error:?}");
    assert_eq!(t.count("docs").await, 400, "the victim deleted nothing");
    sqlx::raw_sql(run("DELETE FROM docs WHERE id > 1000"))
        .execute(&other_pool)
        .await
        .unwrap();
    let deleted = deadlock(t.db.clone()).await.unwrap();
    assert_eq!(
        retries(captured.take()),
        1,
        "the deadlock happened and was retried"
    );
    assert_eq!(deleted, 2);
    assert_eq!(t.count("docs").await, 200 - 2 + 200);
    assert_eq!(Entry::get(&t.db, &1).await.unwrap(), None);
    report(
        "a deadlock's victim (a model DELETE on a Db), retries off, then on",
        Target::MariaDb,
        "off: Server { kind: Retryable, code: 1213 }, nothing deleted; on: 2 rows deleted after the retry",
        &format!("off: {error}; on: deleted {deleted}"),
    );

    // Lock wait timeouts: another transaction holds a key that an insert_many (one transaction) and a
    // load's second batch need, for 1.5 s, on a pool whose sessions wait 1 s for a lock.
    let short = Db::from_mysql_pool(
        t.pool_with(4, "SET SESSION innodb_lock_wait_timeout = 1")
            .await,
        Backend::MariaDb,
    )
    .unwrap();
    let hold = |id: i64, held: Duration| {
        let other_pool = other_pool.clone();
        async move {
            let mut holder = other_pool.begin().await.unwrap();
            entry(id).insert(Conn::mariadb(&mut holder)).await.unwrap();
            // Released by a task of its own; the caller awaits its handle to know it is done.
            let release = tokio::spawn(async move {
                tokio::time::sleep(held).await;
                holder.rollback().await.unwrap();
            });
            Released(release)
        }
    };
    let released = hold(2_005, Duration::from_millis(1_500)).await;
    let error = Entry::insert_many(
        &short.with_retry(RetryPolicy::never()),
        (2_001..=2_010).map(entry),
    )
    .await
    .unwrap_err();
    assert_eq!(error.server_code().unwrap().0, 1205, "{error:?}");
    assert_eq!(error.server_error_kind(), Some(ServerErrorKind::Retryable));
    released.0.await.unwrap();
    assert_eq!(
        t.count("docs").await,
        398,
        "the failed insert_many left nothing"
    );

    let released = hold(2_005, Duration::from_millis(1_500)).await;
    let inserted = Entry::insert_many(&short, (2_001..=2_010).map(entry))
        .await
        .unwrap();
    released.0.await.unwrap();
    assert_eq!(inserted, 10);
    let released = hold(3_008, Duration::from_millis(1_500)).await;
    let loaded = Entry::load(&short, (3_001..=3_010).map(entry))
        .batch_rows(5)
        .await
        .unwrap();
    released.0.await.unwrap();
    assert!(
        retries(captured.take()) >= 1,
        "the second batch timed out and was retried"
    );
    assert_eq!((loaded.rows, loaded.batches), (10, 2));
    assert_eq!(t.count("docs").await, 398 + 20);
    for id in [2_001, 2_005, 2_010, 3_001, 3_008, 3_010] {
        assert_eq!(Entry::get(&t.db, &id).await.unwrap(), Some(entry(id)));
    }
    // Rows over two statements (the parameter limit), the held key in the second: the retry sends the
    // first statement's rows again from the kept rows, then the rest. The key is held for longer than
    // the first statement takes plus the lock wait, so that the second one times out.
    let released = hold(65_000, Duration::from_secs(4)).await;
    let inserted_two = Entry::insert_many(&short, (40_001..=70_000).map(entry))
        .await
        .unwrap();
    released.0.await.unwrap();
    assert!(
        retries(captured.take()) >= 1,
        "the second statement timed out and the insert was retried"
    );
    assert_eq!(inserted_two, 30_000);
    assert_eq!(t.count("docs").await, 398 + 20 + 30_000);
    for id in [40_001, 61_845, 61_846, 65_000, 70_000] {
        assert_eq!(Entry::get(&t.db, &id).await.unwrap(), Some(entry(id)));
    }
    report(
        "insert_many and a load batch waiting past innodb_lock_wait_timeout (1 s) on a key held 1.5 s",
        Target::MariaDb,
        "retries off: Retryable 1205, 0 rows; on: all 10 + 10 rows, each once, and 30,000 over two statements",
        &format!(
            "off: {error}; on: insert_many {inserted} rows, load {} rows in {} batches, a two-statement insert_many {inserted_two} rows",
            loaded.rows, loaded.batches
        ),
    );
    short.close().await;
    other_pool.close().await;
    t.finish().await;
}

/// The task that ends a transaction holding a lock.
struct Released(tokio::task::JoinHandle<()>);
