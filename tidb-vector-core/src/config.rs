//! Where to connect: a URL, TiDB's `TIDB_*` settings, or the embedded default.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Connection settings.
///
/// [`Config::from_env`] reads them the way TiDB's tutorials do; [`Db::connect_with`](crate::Db::connect_with)
/// opens them.
///
/// ```
/// use tidb_vector_core::{Config, TiDbSettings};
///
/// let config = Config::from_vars(|name| match name {
///     "TIDB_HOST" => Some("gateway01.us-west-2.prod.aws.tidbcloud.com".to_owned()),
///     "TIDB_PASSWORD" => Some("hunter2".to_owned()),
///     _ => None,
/// })?;
/// let Config::TiDb(settings) = &config else { unreachable!() };
/// assert_eq!((settings.port, settings.database.as_str()), (4000, "test"));
/// assert!(!format!("{config:?}").contains("hunter2")); // secrets never print
/// # Ok::<(), tidb_vector_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Config {
    /// A database URL:
    /// - `mysql://user:pass@host:port/db`: TiDB or MariaDB, told apart by the server's version;
    /// - `tidb://...` or `mariadb://...`: the same, with the dialect forced;
    /// - `sqlite://path/to/file.db` or `sqlite::memory:`: embedded SQLite with sqlite-vec.
    Url(Secret),
    /// TiDB's own settings (`TIDB_HOST`, `TIDB_PORT`, ...).
    TiDb(TiDbSettings),
    /// Embedded SQLite in memory: nothing to set up, nothing kept after the program ends.
    Embedded,
}

/// The settings of TiDB's tutorials and of TiDB Cloud's connection dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TiDbSettings {
    /// `TIDB_HOST` (required).
    pub host: String,
    /// `TIDB_PORT` (default 4000).
    pub port: u16,
    /// `TIDB_USERNAME` (default `root`).
    pub username: String,
    /// `TIDB_PASSWORD` (default empty).
    pub password: Secret,
    /// `TIDB_DATABASE` (default `test`).
    pub database: String,
    /// `TIDB_CA_PATH`: a CA certificate file. When set, the connection uses TLS and verifies the server's
    /// certificate and host name against it. Without it, a TiDB Cloud host (`*.tidbcloud.com`) still gets
    /// verified TLS, against the TLS back end's roots (the bundled Mozilla roots with `tls-rustls`, the
    /// system's with `tls-native-tls`), as its certificates come from a public CA; any other host gets TLS
    /// when the server offers it, without verification.
    pub ca_path: Option<PathBuf>,
}

impl TiDbSettings {
    /// Settings for `host` with every other setting at its default.
    pub fn new(host: impl Into<String>) -> Self {
        TiDbSettings {
            host: host.into(),
            port: 4000,
            username: "root".to_owned(),
            password: Secret::default(),
            database: "test".to_owned(),
            ca_path: None,
        }
    }
}

impl Config {
    /// Reads the settings from the environment, after loading a `.env` file from the current directory
    /// or its parents when there is one (variables already set win over the file):
    ///
    /// 1. `DATABASE_URL`, if set: [`Config::Url`];
    /// 2. else `TIDB_HOST`, if set: [`Config::TiDb`] from `TIDB_HOST`, `TIDB_PORT`, `TIDB_USERNAME`,
    ///    `TIDB_PASSWORD`, `TIDB_DATABASE` and `TIDB_CA_PATH`;
    /// 3. else [`Config::Embedded`].
    ///
    /// A malformed `.env` file or `TIDB_PORT` is an error rather than a silent fallback.
    ///
    /// The `.env` file is read, not loaded: the process environment is left as it is.
    pub fn from_env() -> Result<Config> {
        let file: Vec<(String, String)> = match dotenvy::dotenv_iter() {
            Ok(lines) => lines
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| Error::Config(dotenv_error(&e)))?,
            Err(e) if e.not_found() => Vec::new(),
            Err(e) => return Err(Error::Config(dotenv_error(&e))),
        };
        Self::from_vars(env_then_file(|name| std::env::var(name).ok(), file))
    }

    /// Like [`Config::from_env`], reading variables from `var` instead of the process environment (and no
    /// `.env` file).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config> {
        let var = |name: &str| var(name).filter(|value| !value.is_empty());
        if let Some(url) = var("DATABASE_URL") {
            return Ok(Config::Url(Secret::new(url)));
        }
        let Some(host) = var("TIDB_HOST") else {
            return Ok(Config::Embedded);
        };
        let mut settings = TiDbSettings::new(host);
        if let Some(port) = var("TIDB_PORT") {
            settings.port = port.trim().parse().map_err(|_| {
                Error::Config(format!(
                    "TIDB_PORT is {port:?}; it must be a port number such as 4000"
                ))
            })?;
        }
        if let Some(username) = var("TIDB_USERNAME") {
            settings.username = username;
        }
        if let Some(password) = var("TIDB_PASSWORD") {
            settings.password = Secret::new(password);
        }
        if let Some(database) = var("TIDB_DATABASE") {
            settings.database = database;
        }
        settings.ca_path = var("TIDB_CA_PATH").map(PathBuf::from);
        Ok(Config::TiDb(settings))
    }
}

/// Looks a variable up in `env`, then in the `.env` file's pairs: a variable already set wins.
fn env_then_file(
    env: impl Fn(&str) -> Option<String>,
    file: Vec<(String, String)>,
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        env(name).or_else(|| {
            file.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }
}

/// What is wrong with a `.env` file, without quoting it: its lines hold passwords. (dotenvy's own message
/// quotes the malformed line, and what follows it when a quote is left open.)
fn dotenv_error(error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::LineParse(line, index) => {
            // The variable's name is safe to show when it is one; anything else may be a secret.
            let name = line
                .split_once('=')
                .map(|(name, _)| name.trim())
                .filter(|name| {
                    !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                });
            let which = match name {
                Some(name) => format!("the line that sets {name}"),
                None => "a line".to_owned(),
            };
            format!(
                "the .env file cannot be parsed: {which} is malformed at character {index} (the text is not \
                 shown, as it may hold a password); write NAME=value, with quotes closed on the same line"
            )
        }
        dotenvy::Error::Io(e) => format!("cannot read the .env file: {e}"),
        dotenvy::Error::EnvVar(_) => {
            "the .env file or the environment has a value that is not valid UTF-8".to_owned()
        }
        _ => "the .env file cannot be read".to_owned(),
    }
}

/// A string that is never printed: `Debug` and `Display` show `***`.
///
/// Holds passwords and URLs that may contain them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn nothing_set_means_embedded() {
        assert_eq!(Config::from_vars(vars(&[])).unwrap(), Config::Embedded);
    }

    #[test]
    fn database_url_wins_over_tidb_settings() {
        let config = Config::from_vars(vars(&[
            ("DATABASE_URL", "mysql://a@b/c"),
            ("TIDB_HOST", "h"),
        ]))
        .unwrap();
        assert_eq!(config, Config::Url(Secret::new("mysql://a@b/c")));
    }

    #[test]
    fn tidb_settings_with_defaults_and_overrides() {
        let config = Config::from_vars(vars(&[
            ("TIDB_HOST", "gateway01.example.com"),
            ("TIDB_USERNAME", "u.root"),
            ("TIDB_PASSWORD", "hunter2"),
            ("TIDB_CA_PATH", "/etc/ssl/certs/ca-certificates.crt"),
        ]))
        .unwrap();
        let Config::TiDb(settings) = config else {
            panic!("expected TiDB settings")
        };
        assert_eq!(settings.port, 4000);
        assert_eq!(settings.database, "test");
        assert_eq!(settings.username, "u.root");
        assert_eq!(settings.password.expose(), "hunter2");
        assert_eq!(
            settings.ca_path.as_deref(),
            Some(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt"))
        );
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn malformed_env_files_never_show_the_password() {
        let dir = std::env::temp_dir().join(format!("tidb-vector-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = "s3cr3t-Pa55";
        let files = [
            format!("TIDB_PASSWORD=\"{secret}\nTIDB_HOST=h\n"),
            format!("TIDB_PASSWORD='{secret}\n"),
            format!("TIDB_HOST=h\nTIDB_PASSWORD {secret}\n"),
            format!("TIDB_HOST=h\n{secret}\n"),
            format!("TIDB_PASSWORD={secret}\nTIDB HOST=h\n"),
            format!("TIDB_PASSWORD={secret}\"x\"y\n"),
            format!("TIDB_HOST=\"h\nTIDB_PASSWORD={secret}\n"),
            format!("TIDB_PASSWORD=${{{secret}\n"),
        ];
        let (mut refused, mut quoted) = (0, 0);
        for (i, text) in files.iter().enumerate() {
            let path = dir.join(format!("{i}.env"));
            std::fs::write(&path, text).unwrap();
            // The iterator parses without touching the process environment.
            let parsed: std::result::Result<Vec<_>, _> =
                dotenvy::from_path_iter(&path).unwrap().collect();
            let Err(e) = parsed else { continue };
            refused += 1;
            quoted += usize::from(e.to_string().contains(secret));
            let error = Error::Config(dotenv_error(&e));
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!shown.contains(secret), "file {i}: {shown}");
                assert!(!shown.contains("s3cr3t"), "file {i}: {shown}");
            }
        }
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            refused >= 5,
            "only {refused} of the malformed files were refused"
        );
        assert!(
            quoted >= 3,
            "dotenvy's own message quoted the secret {quoted} times"
        );
    }

    #[test]
    fn variables_already_set_win_over_the_env_file() {
        let file = vec![
            ("TIDB_HOST".to_owned(), "file-host".to_owned()),
            ("TIDB_PORT".to_owned(), "4001".to_owned()),
        ];
        let config =
            Config::from_vars(env_then_file(vars(&[("TIDB_HOST", "env-host")]), file)).unwrap();
        let Config::TiDb(settings) = config else {
            panic!("expected TiDB settings")
        };
        assert_eq!((settings.host.as_str(), settings.port), ("env-host", 4001));
    }

    #[test]
    fn bad_port_is_a_config_error() {
        let err =
            Config::from_vars(vars(&[("TIDB_HOST", "h"), ("TIDB_PORT", "40o0")])).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref m) if m.contains("TIDB_PORT")),
            "{err}"
        );
    }
}
