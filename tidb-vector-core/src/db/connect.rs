//! How a [`Db`] connects: URLs, TiDB settings and TLS, the embedded database, and which server it is.

use super::*;

impl Db {
    #[cfg(feature = "mysql")]
    pub(super) async fn mysql_url(
        url: &str,
        rest: &str,
        forced: Option<Backend>,
        settings: &PoolSettings,
    ) -> Result<Db> {
        let mut options = MySqlConnectOptions::from_str(&format!("mysql:{rest}")).map_err(|e| {
            Error::Config(format!(
                "invalid database URL: {}",
                redact(&e.to_string(), url)
            ))
        })?;
        let query = rest.split_once('?').map_or("", |(_, query)| query);
        let ssl_mode_given = query
            .split('&')
            .filter_map(|pair| pair.split_once('=').map(|(key, _)| key))
            .any(|key| key.eq_ignore_ascii_case("ssl-mode") || key.eq_ignore_ascii_case("sslmode"));
        if !ssl_mode_given && is_tidb_cloud(options.get_host()) {
            options = options.ssl_mode(MySqlSslMode::VerifyIdentity);
        }
        Db::mysql(options, forced, settings).await
    }

    #[cfg(feature = "mysql")]
    pub(super) async fn tidb(settings: &TiDbSettings, pool: &PoolSettings) -> Result<Db> {
        Db::mysql(tidb_options(settings), None, pool).await
    }

    #[cfg(not(feature = "mysql"))]
    pub(super) async fn mysql_url(
        _: &str,
        _: &str,
        _: Option<Backend>,
        _: &PoolSettings,
    ) -> Result<Db> {
        Err(missing_feature("mysql", "TiDB and MariaDB"))
    }

    #[cfg(not(feature = "mysql"))]
    pub(super) async fn tidb(_: &TiDbSettings, _: &PoolSettings) -> Result<Db> {
        Err(missing_feature("mysql", "TiDB and MariaDB"))
    }

    #[cfg(not(feature = "sqlite"))]
    pub(super) async fn sqlite(_: &str, _: &PoolSettings) -> Result<Db> {
        Err(missing_feature("sqlite", "embedded SQLite"))
    }

    #[cfg(feature = "mysql")]
    pub(super) async fn mysql(
        options: MySqlConnectOptions,
        forced: Option<Backend>,
        settings: &PoolSettings,
    ) -> Result<Db> {
        // One connection first, on its own: the pool retries a failed connection until its acquire
        // timeout and then says only that it timed out, while this says at once why it failed.
        let address = format!("{}:{}", options.get_host(), options.get_port());
        let options = settings.logging(options);
        match tokio::time::timeout(
            settings.connect_timeout,
            <sqlx::mysql::MySqlConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        {
            Ok(Ok(connection)) => {
                let _ = sqlx::Connection::close(connection).await;
            }
            Ok(Err(error)) => return Err(connect_error(address, error)),
            Err(_) => {
                return Err(Error::Connect {
                    address,
                    reason: format!(
                        "no answer within {:?}: the host is unreachable, or a firewall drops the packets (PoolSettings::connect_timeout)",
                        settings.connect_timeout
                    ),
                    source: None,
                });
            }
        }
        let pool = crate::driver::mysql::pool_options()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .idle_timeout(settings.idle_timeout)
            .connect_with(options)
            .await
            .map_err(|error| connect_error(address, error))?;
        let backend = match forced {
            Some(backend) => backend,
            None => detect(&pool).await?,
        };
        Ok(Db::from_mysql_pool(pool, backend)?.with_retry(settings.retry.clone()))
    }

    #[cfg(feature = "sqlite")]
    pub(super) async fn sqlite(url: &str, settings: &PoolSettings) -> Result<Db> {
        use sqlx::Connection as _;

        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Config(format!("invalid SQLite URL: {e}")))?
            .create_if_missing(true);
        let options = settings.logging(options);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if in_memory {
            // sqlx names an in-memory database and shares it between the connections that open it, so
            // the pool's connection and `keep_alive` see one database. The pool keeps one connection:
            // SQLite serialises writes anyway, and a shared in-memory database locks by table.
            let keep_alive = SqliteConnection::connect_with(&options)
                .await
                .map_err(|e| sqlite_open_error(url, e))?;
            let pool = sqlite_pool_options()
                .max_connections(1)
                .acquire_timeout(settings.acquire_timeout)
                .connect_with(options)
                .await
                .map_err(|e| sqlite_open_error(url, e))?;
            return Ok(Db {
                pool: Pool::Sqlite(pool, true),
                dialect: Dialect::of(Backend::Sqlite),
                _keep_alive: Some(Arc::new(std::sync::Mutex::new(keep_alive))),
                packet_limit: Arc::default(),
                retry: settings.retry.clone(),
            });
        }
        let pool = sqlite_pool_options()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .idle_timeout(settings.idle_timeout)
            .connect_with(options.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal))
            .await
            .map_err(|e| sqlite_open_error(url, e))?;
        Ok(Db {
            pool: Pool::Sqlite(pool, true),
            dialect: Dialect::of(Backend::Sqlite),
            _keep_alive: None,
            packet_limit: Arc::default(),
            retry: settings.retry.clone(),
        })
    }
}

/// A failed first connection to `address`, with the reason in a user's words.
#[cfg(feature = "mysql")]
fn connect_error(address: String, error: sqlx::Error) -> Error {
    let reason = match &error {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused: no server listens there (is it running, and is the port right?)"
                .to_owned()
        }
        sqlx::Error::Io(io) if io.to_string().contains("lookup") => {
            format!("the host name does not resolve ({io})")
        }
        sqlx::Error::Io(io) if io.to_string().contains("certificate") => {
            format!("the TLS handshake failed ({io})")
        }
        sqlx::Error::Io(io) => format!("the connection failed ({io})"),
        sqlx::Error::Tls(tls) => format!("the TLS handshake failed ({tls})"),
        sqlx::Error::Database(db) => format!("the server refused the login ({})", db.message()),
        sqlx::Error::PoolTimedOut => "no connection could be opened in time".to_owned(),
        other => other.to_string(),
    };
    Error::Connect {
        address,
        reason,
        source: Some(Box::new(Error::from(error))),
    }
}

/// A SQLite database file that cannot be opened (SQLITE_CANTOPEN, 14: a missing directory, no right to
/// write there) is a configuration error naming the file; anything else stays as it is.
#[cfg(feature = "sqlite")]
fn sqlite_open_error(url: &str, error: sqlx::Error) -> Error {
    let cannot_open = matches!(&error, sqlx::Error::Database(db)
        if db.code().and_then(|c| c.parse::<u32>().ok()).is_some_and(|code| code & 0xff == 14));
    if !cannot_open {
        return Error::from(error);
    }
    let file = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or(url);
    Error::Config(format!(
        "cannot open the SQLite database file `{file}` ({error}): does its directory exist, and may this program write there?"
    ))
}

/// The error for a backend this build leaves out.
#[cfg(not(all(feature = "mysql", feature = "sqlite")))]
fn missing_feature(feature: &str, what: &str) -> Error {
    Error::Config(format!(
        "this build of tidb-vector-core has no {what} support: enable its `{feature}` feature"
    ))
}

#[cfg(feature = "sqlite")]
/// The options of this crate's SQLite pools: sqlite-vec is loaded into each connection as it opens.
fn sqlite_pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new().after_connect(|conn, _| {
        Box::pin(async move {
            crate::sqlite_ext::load(conn)
                .await
                .map_err(|e| sqlx::Error::Configuration(e.to_string().into()))
        })
    })
}

#[cfg(feature = "mysql")]
/// The connection options for TiDB's settings: TLS with full verification when a CA is given.
fn tidb_options(settings: &TiDbSettings) -> MySqlConnectOptions {
    let options = MySqlConnectOptions::new()
        .host(&settings.host)
        .port(settings.port)
        .username(&settings.username)
        .password(settings.password.expose())
        .database(&settings.database);
    match &settings.ca_path {
        Some(ca) => options.ssl_mode(MySqlSslMode::VerifyIdentity).ssl_ca(ca),
        // TiDB Cloud's certificates come from a public CA: verify them against the TLS back end's roots.
        None if is_tidb_cloud(&settings.host) => options.ssl_mode(MySqlSslMode::VerifyIdentity),
        None => options.ssl_mode(MySqlSslMode::Preferred),
    }
}

/// Whether `host` is a TiDB Cloud endpoint (`*.tidbcloud.com`), whose certificate a public CA signs.
#[cfg(feature = "mysql")]
fn is_tidb_cloud(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "tidbcloud.com" || host.ends_with(".tidbcloud.com")
}

/// Whether `host` is a TiDB Cloud Starter gateway (`gateway01.<region>.prod.aws.tidbcloud.com`, also `dev`,
/// `staging`, `shared.` and `alicloud`), the one kind of TiDB whose full-text and vector indexes take
/// `ADD_COLUMNAR_REPLICA_ON_DEMAND` (pytidb's test, `pytidb/utils.py:14-15` @541868e).
#[cfg(feature = "mysql")]
pub(crate) fn is_tidb_cloud_starter(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let Some(rest) = host.strip_prefix("gateway") else {
        return false;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    let [number, middle @ .., "tidbcloud", "com"] = labels.as_slice() else {
        return false;
    };
    let (stage_and_cloud, region) = match middle {
        [region @ .., stage, "shared", cloud] | [region @ .., stage, cloud] => {
            ([*stage, *cloud], region)
        }
        _ => return false,
    };
    number.len() == 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !region.is_empty()
        && matches!(stage_and_cloud[0], "prod" | "dev" | "staging")
        && matches!(stage_and_cloud[1], "aws" | "alicloud")
}

#[cfg(feature = "mysql")]
/// Tells TiDB from MariaDB by the version string (`8.0.11-TiDB-v8.5.1`, `11.8.9-MariaDB-...`) and, as
/// operators may override TiDB's `server-version`, by `@@version_comment` (`TiDB Server (Apache License
/// 2.0) ...`). A `tidb://` or `mariadb://` URL skips this.
async fn detect(pool: &MySqlPool) -> Result<Backend> {
    let (version, comment): (String, String) =
        sqlx::query_as(crate::dialect::Dialect::SERVER_IDENTITY)
            .fetch_one(pool)
            .await?;
    backend_of(&version, &comment).ok_or_else(|| {
        Error::Config(format!(
            "the server reports version {version:?} ({comment:?}), which is neither TiDB nor MariaDB; \
             use a tidb:// or mariadb:// URL to choose a dialect explicitly"
        ))
    })
}

/// The backend a server's `VERSION()` and `@@version_comment` name, if either does.
#[cfg(feature = "mysql")]
fn backend_of(version: &str, comment: &str) -> Option<Backend> {
    if version.contains("TiDB") || comment.contains("TiDB") {
        Some(Backend::TiDb)
    } else if version.contains("MariaDB") || comment.contains("MariaDB") {
        Some(Backend::MariaDb)
    } else {
        None
    }
}

/// Removes a URL's password from a message that may quote the URL.
#[cfg(feature = "mysql")]
fn redact(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => message.replace(password, "***"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "mysql")]
    #[test]
    fn tidb_cloud_starter_gateways_are_told_apart() {
        for host in [
            "gateway01.us-west-2.prod.aws.tidbcloud.com",
            "gateway01.eu-central-1.prod.aws.tidbcloud.com.",
            "GATEWAY02.ap-southeast-1.dev.shared.aws.tidbcloud.com",
            "gateway03.cn-hangzhou.staging.alicloud.tidbcloud.com",
        ] {
            assert!(is_tidb_cloud_starter(host), "{host}");
        }
        for host in [
            "tidb.abc123.clusters.tidb-cloud.com",
            "gateway1.us-west-2.prod.aws.tidbcloud.com",
            "gateway01.prod.aws.tidbcloud.com",
            "gateway01.us-west-2.test.aws.tidbcloud.com",
            "gateway01.us-west-2.prod.gcp.tidbcloud.com",
            "gateway01.us-west-2.prod.aws.tidbcloud.com.example.org",
            "127.0.0.1",
        ] {
            assert!(!is_tidb_cloud_starter(host), "{host}");
        }
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn servers_are_told_apart_by_version_or_comment() {
        let tidb_comment =
            "TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible";
        assert_eq!(backend_of("8.0.11-TiDB-v8.5.1", ""), Some(Backend::TiDb));
        // An operator's `server-version = "8.0.36"` hides TiDB from VERSION(); the comment still names it.
        assert_eq!(backend_of("8.0.36", tidb_comment), Some(Backend::TiDb));
        assert_eq!(
            backend_of("11.8.9-MariaDB-0+deb13u1", "Debian 13"),
            Some(Backend::MariaDb)
        );
        assert_eq!(backend_of("8.0.36", "MySQL Community Server - GPL"), None);
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn tidb_cloud_hosts_get_verified_tls() {
        for host in [
            "gateway01.us-west-2.prod.aws.tidbcloud.com",
            "GATEWAY01.eu-central-1.prod.aws.TiDBCloud.com.",
        ] {
            assert!(is_tidb_cloud(host), "{host}");
            let options = tidb_options(&TiDbSettings::new(host));
            assert!(matches!(
                options.get_ssl_mode(),
                MySqlSslMode::VerifyIdentity
            ));
        }
        for host in [
            "localhost",
            "127.0.0.1",
            "tidbcloud.com.example.org",
            "nottidbcloud.com",
        ] {
            assert!(!is_tidb_cloud(host), "{host}");
            let options = tidb_options(&TiDbSettings::new(host));
            assert!(matches!(options.get_ssl_mode(), MySqlSslMode::Preferred));
        }
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn redact_hides_the_password() {
        assert_eq!(
            redact("bad url mysql://u:pw@h/db", "mysql://u:pw@h/db"),
            "bad url mysql://u:***@h/db"
        );
        assert_eq!(redact("bad", "mysql://u@h/db"), "bad");
    }

    #[tokio::test]
    async fn unknown_scheme_is_a_config_error() {
        let err = Db::connect("postgres://h/db").await.unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("postgres")),
            "{err}"
        );
    }
}
