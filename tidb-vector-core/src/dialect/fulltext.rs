//! Full-text search: the index of each `#[vector(fulltext)]` column, and the text search statement.
//!
//! TiDB (Cloud Starter only): `FULLTEXT INDEX ... WITH PARSER MULTILINGUAL` and `FTS_MATCH_WORD('text', col)`,
//! whose text cannot be a bound parameter, so it is written into the statement by [`tidb_text_literal`],
//! the one place this crate inlines a value. MariaDB: `FULLTEXT INDEX` and `MATCH(col) AGAINST(? IN NATURAL
//! LANGUAGE MODE)`, the text bound. SQLite: an external-content FTS5 table per column, kept in sync by
//! triggers, queried with the words quoted ([`fts5_query`]) and bound. All three treat several words as
//! "any of them", best matches first; the score is higher for better matches everywhere (SQLite's `bm25()`
//! is negated).

use super::{Dialect, Param, Statement};
use crate::Backend;
use crate::error::{Error, Result};
use crate::filter::FilterNode;
use crate::schema::{Column, ColumnKind, ScalarType, Schema};
use crate::value::Value;

/// The alias of the text score in a text search's select list.
pub(crate) const SCORE_ALIAS: &str = "_score";

/// The words of a search text: runs of letters and digits. Punctuation, quotes and operators of any
/// backend's query syntax are separators, so they never reach a query as syntax.
pub(crate) fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect()
}

/// The text as a TiDB string literal that means the same in every `sql_mode`: NUL and backslashes become
/// spaces (with `NO_BACKSLASH_ESCAPES` off a backslash would escape; the parser splits words on them
/// anyway), every `'` is doubled (a quote in every mode), and the whole is wrapped in single quotes
/// (double quotes would be an identifier under `ANSI_QUOTES`).
pub fn tidb_text_literal(text: &str) -> String {
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('\'');
    for c in text.chars() {
        match c {
            '\0' | '\\' => literal.push(' '),
            '\'' => literal.push_str("''"),
            c => literal.push(c),
        }
    }
    literal.push('\'');
    literal
}

/// What a SQL lexer reads from `literal`, a single-quoted string that must be all of it: `''` is a quote,
/// and with `backslash_escapes` (MySQL's default; off under `NO_BACKSLASH_ESCAPES`) a backslash takes the
/// next character as it is. `None` when `literal` is not exactly one string. The oracle the fuzz target
/// and property test hold [`tidb_text_literal`] to.
pub fn sql_string_literal_value(literal: &str, backslash_escapes: bool) -> Option<String> {
    let mut chars = literal.chars().peekable();
    if chars.next() != Some('\'') {
        return None;
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' if backslash_escapes => value.push(chars.next()?),
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                value.push('\'');
            }
            '\'' => return chars.next().is_none().then_some(value),
            c => value.push(c),
        }
    }
    None
}

/// The text as an FTS5 query: each word in double quotes (inside which nothing is syntax; FTS5 has no
/// escape but a doubled quote, and words hold none), joined by `OR` like TiDB's and MariaDB's searches.
pub(crate) fn fts5_query(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| format!("\"{word}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

impl Dialect {
    /// The full-text index's name for a column.
    pub(crate) fn fulltext_index_name(column: &Column) -> String {
        format!("ft_{}", column.name)
    }

    /// SQLite: the FTS5 table that indexes `column` of `schema`'s table.
    pub(crate) fn fts5_table(schema: &Schema, column: &Column) -> String {
        format!("{}_fts_{}", schema.table, column.name)
    }

    /// The `FULLTEXT INDEX` clauses of `CREATE TABLE`: MariaDB's. TiDB's come after the table (see
    /// [`Dialect::tidb_fulltext_indexes`]); SQLite's index is a table of its own (see
    /// [`Dialect::fulltext_tables`]).
    pub(super) fn fulltext_clauses(&self, schema: &Schema) -> Vec<String> {
        if self.backend != Backend::MariaDb {
            return Vec::new();
        }
        schema
            .fulltext_columns()
            .map(|column| {
                format!(
                    "FULLTEXT INDEX {} ({})",
                    self.quote(&Self::fulltext_index_name(column)),
                    self.quote(column.name)
                )
            })
            .collect()
    }

    /// TiDB: each full-text column's index name and the statement that adds it. On TiDB Cloud Starter
    /// (`replica_on_demand`), the way its documentation does: `ADD_COLUMNAR_REPLICA_ON_DEMAND` gives the
    /// table the TiFlash replica the index lives in. Elsewhere without that option, which v8.5 refuses
    /// (1064) and open-source master parses but ignores (tidb-vector-sql.md section 5): the caller sets
    /// the replica first, as pytidb does (`pytidb/orm/sql/ddl.py:10-37` @541868e). A TiDB without
    /// full-text search refuses or ignores the statement, which is why it is not part of `CREATE TABLE`:
    /// the table is made either way, and only text searches are refused. Empty elsewhere.
    pub(crate) fn tidb_fulltext_indexes(
        &self,
        schema: &Schema,
        replica_on_demand: bool,
    ) -> Vec<(String, String)> {
        if self.backend != Backend::TiDb {
            return Vec::new();
        }
        let option = if replica_on_demand {
            " ADD_COLUMNAR_REPLICA_ON_DEMAND"
        } else {
            ""
        };
        schema
            .fulltext_columns()
            .map(|column| {
                let name = Self::fulltext_index_name(column);
                let sql = format!(
                    "ALTER TABLE {} ADD FULLTEXT INDEX {} ({}) WITH PARSER MULTILINGUAL{option}",
                    self.quote(schema.table),
                    self.quote(&name),
                    self.quote(column.name)
                );
                (name, sql)
            })
            .collect()
    }

    /// Refuses a full-text column where the backend cannot index it: on SQLite the key must be an integer
    /// (an FTS5 table's rows are the content table's integer key).
    pub(crate) fn check_fulltext(&self, schema: &Schema) -> Result<()> {
        let integer_key = matches!(
            schema.key_column().kind,
            ColumnKind::Scalar(
                ScalarType::I8
                    | ScalarType::I16
                    | ScalarType::I32
                    | ScalarType::I64
                    | ScalarType::U8
                    | ScalarType::U16
                    | ScalarType::U32
                    | ScalarType::U64
            )
        );
        if self.backend == Backend::Sqlite
            && schema.fulltext_columns().next().is_some()
            && !integer_key
        {
            return Err(Error::Unsupported {
                backend: self.backend,
                what: "a full-text column in a table whose key is not an integer (an FTS5 index addresses \
                       rows by an integer key); give the model an integer key"
                    .into(),
            });
        }
        Ok(())
    }

    /// SQLite: for each full-text column, the FTS5 table over it (external content: it stores only the
    /// index and reads the text from the model's table) and the three triggers that keep it in step with
    /// inserts, updates (upserts are `ON CONFLICT DO UPDATE`, which fires the update trigger) and deletes.
    /// Existing rows are indexed by [`Dialect::fulltext_rebuild`]. Empty elsewhere.
    pub(crate) fn fulltext_tables(&self, schema: &Schema) -> Vec<String> {
        if self.backend != Backend::Sqlite {
            return Vec::new();
        }
        let table = self.quote(schema.table);
        let key = self.quote(schema.key_column().name);
        let mut statements = Vec::new();
        for column in schema.fulltext_columns() {
            let fts_name = Self::fts5_table(schema, column);
            let fts = self.quote(&fts_name);
            let text = self.quote(column.name);
            let trigger = |suffix: &str| self.quote(&format!("{fts_name}_{suffix}"));
            let add = format!("INSERT INTO {fts}(rowid, {text}) VALUES (new.{key}, new.{text});");
            let remove = format!(
                "INSERT INTO {fts}({fts}, rowid, {text}) VALUES ('delete', old.{key}, old.{text});"
            );
            statements.push(format!(
                "CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({text}, content={}, content_rowid={})",
                self.quote(schema.table),
                self.quote(schema.key_column().name),
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {table} BEGIN {add} END",
                trigger("ai")
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {table} BEGIN {remove} END",
                trigger("ad")
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE ON {table} BEGIN {remove} {add} END",
                trigger("au")
            ));
        }
        statements
    }

    /// SQLite: the statements that index every row already in the table (for FTS5 tables created after
    /// their rows).
    pub(crate) fn fulltext_rebuild(&self, schema: &Schema) -> Vec<String> {
        if self.backend != Backend::Sqlite {
            return Vec::new();
        }
        schema
            .fulltext_columns()
            .map(|column| {
                let fts = self.quote(&Self::fts5_table(schema, column));
                format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            })
            .collect()
    }

    /// TiDB without full-text search (Self-Managed and Cloud Dedicated v8.5) answers a text search with "FUNCTION
    /// ... fts_match_word does not exist" (1305): that becomes [`Error::Unsupported`], never an empty result.
    pub(crate) fn fulltext_refusal(&self, error: Error) -> Error {
        let Error::Server { code, message, .. } = &error else {
            return error;
        };
        let missing = (*code == 1305 && message.to_ascii_lowercase().contains("fts_match_word"))
            // Open-source master: the function exists, the engine that evaluates it does not
            // (pkg/expression/builtin_fts.go:80-83 @9a5c882).
            || (*code == 1105 && message.contains("outside of fulltext index"))
            || (*code == 8200 && message.contains("FULLTEXT"))
            || message.contains("*ast.MatchAgainst")
            || message.contains("Full text search can only be used with a matching fulltext index");
        if self.backend == Backend::TiDb && missing {
            return Error::Unsupported {
                backend: self.backend,
                what: format!(
                    "full-text search, which on TiDB only TiDB Cloud Starter has (this server said: {message}); \
                     search by vector alone, or use a Starter cluster"
                ),
            };
        }
        error
    }

    /// Whether the statements of [`Dialect::fulltext_drops`] may fail harmlessly (TiDB: a missing table or
    /// index, or a TiDB without full-text search), so that their failures are ignored.
    pub(crate) fn fulltext_drops_may_fail(&self) -> bool {
        self.backend == Backend::TiDb
    }

    /// The statements `drop_table` runs before `DROP TABLE`: SQLite drops the FTS5 tables (the triggers go
    /// with the model's table). TiDB refuses to drop a table with a full-text index, so its indexes go
    /// first (those statements fail harmlessly when the table or index is not there).
    pub(crate) fn fulltext_drops(&self, schema: &Schema) -> Vec<String> {
        schema
            .fulltext_columns()
            .filter_map(|column| match self.backend {
                Backend::Sqlite => Some(format!(
                    "DROP TABLE IF EXISTS {}",
                    self.quote(&Self::fts5_table(schema, column))
                )),
                Backend::TiDb => Some(format!(
                    "ALTER TABLE {} DROP INDEX {}",
                    self.quote(schema.table),
                    self.quote(&Self::fulltext_index_name(column))
                )),
                Backend::MariaDb => None,
            })
            .collect()
    }

    /// Whether [`Dialect::text_search`]'s statement orders equal scores by key, so that its first `n` rows
    /// are the page itself: MariaDB's and SQLite's do; TiDB's full-text query takes no second sort key
    /// (its docs' shape repeats the match expression in the ORDER BY), so a caller fetches a row past the
    /// page to see whether a tie crosses the cut.
    pub(crate) fn text_ties_by_key(&self) -> bool {
        self.backend != Backend::TiDb
    }

    /// The text search: the rows whose `column` matches any of `words`, best first, at most `limit`, with
    /// the score (higher is better) after the model's columns (after the key alone unless `records`). The words are what every backend is sent
    /// (joined by spaces, or quoted for FTS5), so each searches the same words. Ties are ordered by key
    /// except on TiDB (see [`Dialect::text_ties_by_key`]); the caller orders them there.
    pub(crate) fn text_search(
        &self,
        schema: &Schema,
        column: &Column,
        words: &[&str],
        filter: Option<&FilterNode>,
        limit: usize,
        records: bool,
    ) -> Statement {
        let table = self.quote(schema.table);
        let only = if records {
            super::search::Only::All
        } else {
            super::search::Only::Key(&[])
        };
        let list = self.select_list(schema, None, only);
        let score = self.quote(SCORE_ALIAS);
        let mut params = Vec::new();
        let mut filter_sql = String::new();
        let mut filter_params = Vec::new();
        if let Some(filter) = filter {
            self.render_filter(filter, &mut filter_sql, &mut filter_params);
        }
        let and_filter = if filter.is_some() {
            format!(" AND ({filter_sql})")
        } else {
            String::new()
        };
        let sql = match self.backend {
            Backend::TiDb => {
                // The shape TiDB's docs give: the same match expression in the select list, the WHERE
                // and the ORDER BY; other conditions joined with AND.
                let text = self.quote(column.name);
                let matched = format!(
                    "FTS_MATCH_WORD({}, {text})",
                    tidb_text_literal(&words.join(" "))
                );
                format!(
                    "SELECT {list}, {matched} AS {score} FROM {table} WHERE {matched}{and_filter} \
                     ORDER BY {matched} DESC LIMIT {limit}"
                )
            }
            Backend::MariaDb => {
                let matched = format!(
                    "MATCH({}) AGAINST(? IN NATURAL LANGUAGE MODE)",
                    self.quote(column.name)
                );
                let text = words.join(" ");
                params.push(Param::Value(Value::Text(text.clone())));
                params.push(Param::Value(Value::Text(text)));
                format!(
                    "SELECT {list}, {matched} AS {score} FROM {table} WHERE {matched}{and_filter} \
                     ORDER BY {score} DESC, {} LIMIT {limit}",
                    self.quote(schema.key_column().name)
                )
            }
            Backend::Sqlite => {
                let fts = self.quote(&Self::fts5_table(schema, column));
                let matches = self.quote("_matches");
                let rowid = self.quote("_rowid");
                params.push(Param::Value(Value::Text(fts5_query(words))));
                let key = self.quote(schema.key_column().name);
                let filter = if filter.is_some() {
                    format!(" WHERE ({filter_sql})")
                } else {
                    String::new()
                };
                format!(
                    "WITH {matches} AS (SELECT rowid AS {rowid}, -bm25({fts}) AS {score} FROM {fts} WHERE {fts} MATCH ?) \
                     SELECT {list}, {matches}.{score} AS {score} FROM {table} JOIN {matches} ON {table}.{key} = {matches}.{rowid}\
                     {filter} ORDER BY {score} DESC, {table}.{key} LIMIT {limit}"
                )
            }
        };
        params.extend(filter_params);
        Statement { sql, params }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        assert_eq!(
            words("  Bluetooth-headphones, \"noise\" OR 42 (AND) näive 蓝牙耳机 "),
            [
                "Bluetooth",
                "headphones",
                "noise",
                "OR",
                "42",
                "AND",
                "näive",
                "蓝牙耳机"
            ]
        );
        assert!(words(" ,.;'\"\\*() ").is_empty());
    }

    #[test]
    fn fts5_queries_quote_every_word() {
        assert_eq!(
            fts5_query(&["fish", "OR", "NEAR"]),
            "\"fish\" OR \"OR\" OR \"NEAR\""
        );
    }

    #[test]
    fn the_lexer_oracle_reads_strings_as_mysql_does() {
        assert_eq!(
            sql_string_literal_value("'a''b'", true).as_deref(),
            Some("a'b")
        );
        assert_eq!(
            sql_string_literal_value("'a\\'b'", true).as_deref(),
            Some("a'b")
        );
        // Without backslash escapes the same text ends early: not one string.
        assert_eq!(sql_string_literal_value("'a\\'b'", false), None);
        assert_eq!(sql_string_literal_value("'a' OR 1", true), None);
        assert_eq!(sql_string_literal_value("'open", true), None);
    }

    proptest::proptest! {
        #[test]
        fn tidb_literals_are_one_string_in_every_mode(text in "(.|\\PC|'|\\\\|\\x00){0,40}") {
            let literal = tidb_text_literal(&text);
            let expected: String = text
                .chars()
                .map(|c| if c == '\\' || c == '\0' { ' ' } else { c })
                .collect();
            for escapes in [true, false] {
                proptest::prop_assert_eq!(
                    sql_string_literal_value(&literal, escapes),
                    Some(expected.clone())
                );
            }
        }
    }

    #[test]
    fn tidb_literals_mean_the_same_in_every_sql_mode() {
        assert_eq!(tidb_text_literal("it's"), "'it''s'");
        assert_eq!(tidb_text_literal("a\\'b\0c"), "'a ''b c'");
        assert_eq!(
            tidb_text_literal("'); DROP TABLE docs; --"),
            "'''); DROP TABLE docs; --'"
        );
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::*;

    fn server(code: u32, message: &str) -> Error {
        Error::Server {
            kind: crate::error::ServerErrorKind::Other,
            code,
            sqlstate: "42000".into(),
            message: message.into(),
            source: sqlx::Error::Protocol(message.into()),
        }
    }

    /// The answers of a TiDB without auto-embedding, in TiDB's words (pkg/errno/errname.go:830 and :313 with
    /// pkg/expression/scalar_function.go:234 @9a5c882, as v8.5.3 sent them), become `Unsupported`; other
    /// errors, and the same errors from MariaDB, stay as they are.
    #[test]
    fn a_tidb_without_auto_embedding_is_unsupported() {
        let tidb = Dialect::of(Backend::TiDb);
        for (code, message) in [
            (
                3102,
                "Expression of generated column 'content_vector' contains a disallowed function.",
            ),
            (
                1305,
                "FUNCTION test.vec_embed_cosine_distance does not exist",
            ),
            (1305, "FUNCTION test.vec_embed_l2_distance does not exist"),
            (1305, "FUNCTION test.embed_text does not exist"),
        ] {
            match tidb.auto_embedding_refusal(server(code, message)) {
                Error::Unsupported { what, .. } => {
                    assert!(
                        what.contains("TiDB Cloud Starter") && what.contains(message),
                        "{what}"
                    )
                }
                other => panic!("{code} {message}: {other:?}"),
            }
        }
        for (code, message) in [
            (1305, "FUNCTION test.fts_match_word does not exist"),
            (1054, "Unknown column 'embed_text'"),
        ] {
            let kept = tidb.auto_embedding_refusal(server(code, message));
            assert!(
                matches!(kept, Error::Server { .. }),
                "{code} {message}: {kept:?}"
            );
        }
        let mariadb = Dialect::of(Backend::MariaDb)
            .auto_embedding_refusal(server(1305, "FUNCTION test.embed_text does not exist"));
        assert!(matches!(mariadb, Error::Server { code: 1305, .. }));
    }

    /// The answers of a TiDB without full-text search (../shared/reference/hybrid-search.md §1.2) become
    /// `Unsupported`, naming TiDB Cloud Starter; other errors, and the same errors elsewhere, stay as they are.
    #[test]
    fn a_tidb_without_full_text_search_is_unsupported() {
        for (code, message) in [
            (1305, "FUNCTION test.fts_match_word does not exist"),
            (8200, "FULLTEXT and SPATIAL index is not supported"),
            (1105, "UnknownType: *ast.MatchAgainst"),
            (
                1105,
                "Full text search can only be used with a matching fulltext index",
            ),
            // Open-source master's text (pkg/expression/builtin_fts.go:80-83 @9a5c882).
            (
                1105,
                "cannot use 'FTS_MATCH_WORD()' outside of fulltext index",
            ),
        ] {
            let error = Dialect::of(Backend::TiDb).fulltext_refusal(server(code, message));
            match error {
                Error::Unsupported { backend, what } => {
                    assert_eq!(backend, Backend::TiDb);
                    assert!(
                        what.contains("TiDB Cloud Starter") && what.contains(message),
                        "{what}"
                    );
                }
                other => panic!("{code} {message}: {other:?}"),
            }
        }
        let other = Dialect::of(Backend::TiDb).fulltext_refusal(server(1054, "Unknown column 'x'"));
        assert!(matches!(other, Error::Server { code: 1054, .. }));
        let mariadb = Dialect::of(Backend::MariaDb)
            .fulltext_refusal(server(1305, "FUNCTION test.fts_match_word does not exist"));
        assert!(matches!(mariadb, Error::Server { code: 1305, .. }));
    }
}
