//! Table statements: `CREATE TABLE` with the vector index where the backend builds it there, `DROP TABLE`,
//! and the statements that add a vector index to an existing table.

use super::Dialect;
use crate::Backend;
use crate::schema::{Column, ColumnKind, Metric, ScalarType, Schema};

impl Dialect {
    /// `CREATE TABLE IF NOT EXISTS ...` for the model, with its vector index when the schema asks for one
    /// and the backend can build it inside `CREATE TABLE`.
    pub fn create_table(&self, schema: &Schema) -> String {
        let mut defs: Vec<String> = schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| self.column_definition(schema, column, i == schema.key))
            .collect();
        for position in schema.vector_columns() {
            if let Some(metric) = schema.columns[position].index {
                defs.extend((self.index_clause)(
                    &schema.on_vector(position),
                    self,
                    metric,
                    false,
                ));
            }
        }
        defs.extend(self.fulltext_clauses(schema));
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            self.quote(schema.table),
            defs.join(", ")
        )
    }

    fn column_definition(&self, schema: &Schema, column: &Column, is_key: bool) -> String {
        let name = self.quote(column.name);
        let null = if column.nullable { "NULL" } else { "NOT NULL" };
        match column.kind {
            // `check_key` refuses `auto_random` where the backend has no such key.
            ColumnKind::Scalar(scalar) if is_key && schema.auto_key => match self.auto_random_key {
                Some(auto_random) if schema.auto_random => auto_random(&name),
                _ => (self.auto_key)(&name, scalar),
            },
            ColumnKind::Scalar(_) if is_key => {
                format!("{name} {} NOT NULL PRIMARY KEY", self.scalar_sql(column))
            }
            ColumnKind::Scalar(_) => format!("{name} {} {null}", self.scalar_sql(column)),
            ColumnKind::Vector { dimensions } => match column.server_embedding {
                // TiDB Cloud's shape (docs.pingcap.com/ai/vector-search-auto-embedding-overview): the
                // generated column is nullable (NULL while its source is).
                Some(embedding) => format!(
                    "{name} {} GENERATED ALWAYS AS (EMBED_TEXT({}, {})) STORED",
                    (self.vector_type)(&name, dimensions),
                    // From the code (the derive allows `[A-Za-z0-9_./:-]` only), as identifiers are; a DDL
                    // expression takes no bind. Quoted as the full-text literal is, for hand-written schemas.
                    super::tidb_text_literal(embedding.model),
                    self.quote(embedding.source)
                ),
                None => format!("{name} {} {null}", (self.vector_type)(&name, dimensions)),
            },
        }
    }

    /// A scalar column's SQL type: its type's, or `VARCHAR(N)` for text with a `max_length` on TiDB and
    /// MariaDB (SQLite's `TEXT` has no length).
    fn scalar_sql(&self, column: &Column) -> String {
        if column.fulltext && self.backend == Backend::MariaDb {
            // MariaDB's full-text search follows the column's collation, and this crate's MariaDB compares
            // text exactly (binary-like, as TiDB does): a full-text column gets a case- and
            // accent-insensitive one, so that `Salmon` finds `salmon` as on SQLite (FTS5's unicode61 folds
            // case and diacritics) and TiDB. Filters on that column compare the same way on MariaDB.
            let ty = match column.max_length {
                Some(length) => format!("VARCHAR({length})"),
                None => "LONGTEXT".to_owned(),
            };
            // NO PAD, as every other text column here: trailing spaces count.
            return format!("{ty} CHARACTER SET utf8mb4 COLLATE utf8mb4_uca1400_nopad_ai_ci");
        }
        match (column.kind, column.max_length, self.backend) {
            (
                ColumnKind::Scalar(ScalarType::Text),
                Some(length),
                Backend::TiDb | Backend::MariaDb,
            ) => {
                format!("VARCHAR({length}) {}", super::mysql::EXACT_COLLATION)
            }
            (ColumnKind::Scalar(scalar), _, _) => (self.scalar_type)(scalar).to_owned(),
            (ColumnKind::Vector { .. }, _, _) => String::new(),
        }
    }

    /// `DROP TABLE IF EXISTS ...`.
    pub fn drop_table(&self, schema: &Schema) -> String {
        format!("DROP TABLE IF EXISTS {}", self.quote(schema.table))
    }

    /// The statements that add the model's vector index to an existing table, in order; `None` when the
    /// backend has no vector index for `metric`.
    pub fn add_vector_index(
        &self,
        schema: &Schema,
        metric: Metric,
        set_tiflash_replica: bool,
    ) -> Option<Vec<String>> {
        let clause = (self.index_clause)(schema, self, metric, true)?;
        let table = self.quote(schema.table);
        let mut statements = Vec::new();
        if set_tiflash_replica && let Some(sql) = self.set_tiflash_replica(schema) {
            statements.push(sql);
        }
        statements.push(format!("ALTER TABLE {table} ADD {clause}"));
        Some(statements)
    }

    /// On TiDB, `ALTER TABLE t SET TIFLASH REPLICA 1`: a vector or full-text index lives in a TiFlash
    /// replica. Sent only to a table that has none (see [`Dialect::tiflash_replica_count`]).
    pub(crate) fn set_tiflash_replica(&self, schema: &Schema) -> Option<String> {
        self.index_needs_tiflash_replica.then(|| {
            format!(
                "ALTER TABLE {} SET TIFLASH REPLICA 1",
                self.quote(schema.table)
            )
        })
    }

    /// The names a vector index on the model's vector columns gets, for the indexable metrics (cosine,
    /// L2), column by column.
    pub(crate) fn vector_index_names(&self, schema: &Schema) -> Vec<String> {
        schema
            .vector_columns()
            .flat_map(|position| {
                let column = schema.columns[position].name;
                [Metric::Cosine, Metric::L2].map(|metric| super::tidb::index_name(column, metric))
            })
            .collect()
    }

    /// A TiDB without TiDB Cloud's auto-embedding (self-managed, Dedicated) refuses it: the table with 3102
    /// "Expression of generated column '%s' contains a disallowed function." (pkg/errno/errname.go:830, an
    /// unknown function in a generated column: pkg/ddl/db_integration_test.go:1827), a search with 1305
    /// "FUNCTION <db>.<name> does not exist" (pkg/errno/errname.go:313, pkg/expression/scalar_function.go:234;
    /// tidb@9a5c882). TiDB v8.5.3 answered exactly these. Either becomes [`Error::Unsupported`]; pass only
    /// errors of statements about such a column.
    pub(crate) fn auto_embedding_refusal(&self, error: crate::Error) -> crate::Error {
        let crate::Error::Server { code, message, .. } = &error else {
            return error;
        };
        let lower = message.to_ascii_lowercase();
        let lacking = match code {
            1305 => lower.contains("embed_text") || lower.contains("vec_embed_"),
            3102 => lower.contains("generated column") && lower.contains("disallowed function"),
            _ => false,
        };
        if self.backend == Backend::TiDb && lacking {
            return crate::Error::Unsupported {
                backend: self.backend,
                what: format!(
                    "vectors embedded by the server (`embed_on_server`), which on TiDB only TiDB Cloud Starter has \
                     (this server said: {message}); embed with an `Embedder` of your own (`source` alone), or use a Starter cluster"
                ),
            };
        }
        error
    }

    /// Refuses an `AUTO_RANDOM` key where the backend has none (MariaDB, SQLite), and a vector the server
    /// embeds anywhere but TiDB: before any SQL, as the model's table cannot be built there.
    pub(crate) fn check_key(&self, schema: &Schema) -> crate::Result<()> {
        if self.backend != Backend::TiDb
            && let Some(column) = schema.columns.iter().find(|c| c.is_generated())
        {
            return Err(crate::Error::Unsupported {
                backend: self.backend,
                what: format!(
                    "the vector `{}` embedded by the server (`embed_on_server`): only TiDB Cloud Starter computes \
                     EMBED_TEXT; here, drop `embed_on_server` and fill the vector with an `Embedder` (`source` alone)",
                    column.name
                ),
            });
        }
        if schema.auto_random && self.auto_random_key.is_none() {
            return Err(crate::Error::Unsupported {
                backend: self.backend,
                what: format!(
                    "an AUTO_RANDOM key (`#[vector(key, auto_random)]` on `{}`), which only TiDB has: use this model on TiDB, or drop `auto_random` for an auto-increment key",
                    schema.key_column().name
                ),
            });
        }
        Ok(())
    }

    /// Refuses a schema with more vector indexes than the backend builds on one table (MariaDB: one), or
    /// (TiDB) two declared indexes that would share a name.
    pub(crate) fn check_vector_indexes(&self, schema: &Schema) -> crate::Result<()> {
        if self.backend == Backend::TiDb {
            let mut names: Vec<String> = schema
                .vector_columns()
                .filter_map(|p| {
                    let column = &schema.columns[p];
                    Some(super::tidb::index_name(column.name, column.index?))
                })
                .collect();
            let declared = names.len();
            names.sort();
            names.dedup();
            if names.len() != declared {
                return Err(crate::Error::InvalidArgument(
                    "two vector indexes of the model would have the same name; rename one of the vector columns (`#[vector(rename = \"...\")]`)".into(),
                ));
            }
        }
        let declared = schema
            .vector_columns()
            .filter(|p| schema.columns[*p].index.is_some())
            .count();
        if self.backend == Backend::MariaDb && declared > 1 {
            return Err(crate::Error::Unsupported {
                backend: self.backend,
                what: format!(
                    "{declared} vector indexes on one table (MariaDB builds one a table: declare `index` on one vector field, and search the others exactly)"
                ),
            });
        }
        Ok(())
    }

    /// The SQL type of a column as the model's DDL writes it, without its name, nullability or key
    /// clauses (for comparing with a live table).
    pub(crate) fn column_type(&self, column: &Column, is_key: bool, auto_key: bool) -> String {
        match column.kind {
            ColumnKind::Scalar(_) if is_key && auto_key && self.backend == Backend::Sqlite => {
                "INTEGER".to_owned()
            }
            ColumnKind::Scalar(_) => self.scalar_sql(column),
            ColumnKind::Vector { dimensions } => {
                (self.vector_type)(&self.quote(column.name), dimensions)
            }
        }
    }
}
