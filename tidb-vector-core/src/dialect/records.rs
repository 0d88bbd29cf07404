//! Record statements: multi-row `INSERT`, get by key, list, `UPDATE`, upsert, `DELETE` and `COUNT`, by key or
//! by filter.

use super::search::Only;
use super::{Dialect, MAX_LIMIT, Param, Statement};
use crate::filter::FilterNode;
use crate::schema::{Column, ColumnKind, Schema};

/// The field columns a write binds, with their positions among them: all but one the server computes
/// ([`Column::server_embedding`]).
fn written(schema: &Schema) -> impl Iterator<Item = (usize, &'static Column)> {
    schema
        .field_columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_generated())
}

impl Dialect {
    /// A multi-row `INSERT` of `rows` rows, binding every insert column of each row in order (all the
    /// field columns but one the server computes).
    pub fn insert(&self, schema: &Schema, rows: usize) -> String {
        let columns: Vec<&Column> = written(schema).map(|(_, c)| c).collect();
        let names: Vec<String> = columns.iter().map(|c| self.quote(c.name)).collect();
        let row: Vec<&str> = columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            })
            .collect();
        let row = format!("({})", row.join(", "));
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.quote(schema.table),
            names.join(", ")
        );
        sql.reserve(rows * (row.len() + 2));
        for i in 0..rows {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
        }
        sql
    }

    /// A multi-row `INSERT` of `rows` rows (as [`Dialect::insert`]) in which a row whose key exists
    /// replaces every other column of that row: the backend's upsert tail, each column taking the value
    /// the row brought (`VALUES(col)`, `excluded.col`).
    pub fn insert_or_replace(&self, schema: &Schema, rows: usize) -> String {
        let key = schema.key_column().name;
        let updated: Vec<&str> = written(schema)
            .map(|(_, c)| c.name)
            .filter(|name| *name != key)
            .collect();
        format!(
            "{} {}",
            self.insert(schema, rows),
            (self.upsert_tail)(self, key, &updated)
        )
    }

    /// `SELECT <all columns> FROM t WHERE <key> = ?`.
    pub fn get(&self, schema: &Schema) -> Statement {
        Statement {
            sql: format!(
                "SELECT {} FROM {} WHERE {} = ?",
                self.select_list(schema, None, Only::All),
                self.quote(schema.table),
                self.quote(schema.key_column().name)
            ),
            params: vec![Param::Key],
        }
    }

    /// `SELECT <all columns> FROM t WHERE <key> IN (?, ...)`: the rows of `keys` keys, in no order.
    pub fn get_many(&self, schema: &Schema, keys: usize) -> Statement {
        Statement {
            sql: format!(
                "SELECT {} FROM {} WHERE {} IN ({})",
                self.select_list(schema, None, Only::All),
                self.quote(schema.table),
                self.quote(schema.key_column().name),
                vec!["?"; keys].join(", ")
            ),
            params: (0..keys).map(Param::KeyAt).collect(),
        }
    }

    /// `SELECT 1 FROM t WHERE <key> = ?`, as a locking read on TiDB and MariaDB (`FOR UPDATE`): whether a
    /// row of a transaction whose commit went unanswered exists. On MariaDB the locking read waits while
    /// that transaction still holds the row (its COMMIT may be running yet), so it answers only once the
    /// transaction has committed or rolled back; TiDB's reads resolve such a transaction's locks themselves
    /// (autocommit ignores the clause there); SQLite has one writer at a time and needs none.
    pub fn row_exists(&self, schema: &Schema) -> String {
        let lock = match self.backend {
            crate::Backend::Sqlite => "",
            crate::Backend::TiDb | crate::Backend::MariaDb => " FOR UPDATE",
        };
        format!(
            "SELECT 1 FROM {} WHERE {} = ?{lock}",
            self.quote(schema.table),
            self.quote(schema.key_column().name)
        )
    }

    /// The dimensions of one stored vector of the schema's vector column (no row when none is stored):
    /// `VEC_DIMS` on TiDB, the byte length over 4 on MariaDB (which stores `f32` values), sqlite-vec's
    /// `vec_length`.
    pub fn stored_dimensions(&self, schema: &Schema) -> String {
        let column = self.quote(schema.vector_column().name);
        let dimensions = match self.backend {
            crate::Backend::TiDb => format!("CAST(VEC_DIMS({column}) AS SIGNED)"),
            crate::Backend::MariaDb => format!("CAST(LENGTH({column}) DIV 4 AS SIGNED)"),
            crate::Backend::Sqlite => format!("vec_length({column})"),
        };
        format!(
            "SELECT {dimensions} FROM {} WHERE {column} IS NOT NULL LIMIT 1",
            self.quote(schema.table)
        )
    }

    /// `SELECT <columns> FROM t [WHERE <key> > ?] ORDER BY <key> LIMIT n`: one page of a keyset walk.
    pub fn list_after(&self, schema: &Schema, after_key: bool, limit: usize) -> Statement {
        let key = self.quote(schema.key_column().name);
        let (filter, params) = if after_key {
            (format!(" WHERE {key} > ?"), vec![Param::Key])
        } else {
            (String::new(), Vec::new())
        };
        Statement {
            sql: format!(
                "SELECT {} FROM {}{filter} ORDER BY {key} LIMIT {}",
                self.select_list(schema, None, Only::All),
                self.quote(schema.table),
                limit.min(MAX_LIMIT)
            ),
            params,
        }
    }

    /// `UPDATE t SET <every non-key column> = ? WHERE <key> = ?`.
    pub fn update(&self, schema: &Schema) -> Statement {
        let mut params = Vec::new();
        let mut sets = Vec::new();
        for (i, column) in written(schema) {
            if column.name == schema.key_column().name {
                continue;
            }
            let value = match column.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            };
            sets.push(format!("{} = {value}", self.quote(column.name)));
            params.push(Param::Field(i));
        }
        params.push(Param::Key);
        Statement {
            sql: format!(
                "UPDATE {} SET {} WHERE {} = ?",
                self.quote(schema.table),
                sets.join(", "),
                self.quote(schema.key_column().name)
            ),
            params,
        }
    }

    /// An insert of one row with its key that updates the row when the key exists.
    pub fn upsert(&self, schema: &Schema) -> Statement {
        let key = schema.key_column().name;
        let mut names = vec![self.quote(key)];
        let mut values = vec!["?"];
        let mut params = vec![Param::Key];
        let mut updated = Vec::new();
        for (i, column) in written(schema) {
            if column.name == key {
                continue;
            }
            names.push(self.quote(column.name));
            values.push(match column.kind {
                ColumnKind::Vector { .. } => self.vector_param,
                ColumnKind::Scalar(_) => "?",
            });
            params.push(Param::Field(i));
            updated.push(column.name);
        }
        let tail = (self.upsert_tail)(self, key, &updated);
        Statement {
            sql: format!(
                "INSERT INTO {} ({}) VALUES ({}) {tail}",
                self.quote(schema.table),
                names.join(", "),
                values.join(", ")
            ),
            params,
        }
    }

    /// `DELETE FROM t WHERE <key> = ?`, or `WHERE <filter>`.
    pub fn delete(&self, schema: &Schema, filter: Option<&FilterNode>) -> Statement {
        let (condition, params) = self.condition(schema, filter);
        Statement {
            sql: format!("DELETE FROM {} WHERE {condition}", self.quote(schema.table)),
            params,
        }
    }

    /// `SELECT COUNT(*) FROM t`, with an optional filter.
    pub fn count(&self, schema: &Schema, filter: Option<&FilterNode>) -> Statement {
        let table = self.quote(schema.table);
        match filter {
            None => Statement {
                sql: format!("SELECT COUNT(*) FROM {table}"),
                params: Vec::new(),
            },
            Some(filter) => {
                let mut sql = String::new();
                let mut params = Vec::new();
                self.render_filter(filter, &mut sql, &mut params);
                Statement {
                    sql: format!("SELECT COUNT(*) FROM {table} WHERE {sql}"),
                    params,
                }
            }
        }
    }

    fn condition(&self, schema: &Schema, filter: Option<&FilterNode>) -> (String, Vec<Param>) {
        match filter {
            None => (
                format!("{} = ?", self.quote(schema.key_column().name)),
                vec![Param::Key],
            ),
            Some(filter) => {
                let mut sql = String::new();
                let mut params = Vec::new();
                self.render_filter(filter, &mut sql, &mut params);
                (sql, params)
            }
        }
    }
}
