//! Table statements: `CREATE TABLE` with the vector index where the backend builds it there, `DROP TABLE`,
//! and the statements that add a vector index to an existing table.

use super::Dialect;
use crate::schema::{Column, ColumnKind, Metric, Schema};

impl Dialect {
    /// `CREATE TABLE IF NOT EXISTS ...` for the model, with its vector index when the schema asks for one
    /// and the backend can build it inside `CREATE TABLE`.
    pub fn create_table(&self, schema: &Schema) -> String {
        let mut defs: Vec<String> = schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| self.column_definition(column, i == schema.key))
            .collect();
        if let Some(metric) = schema.index {
            defs.extend((self.index_clause)(schema, self, metric));
        }
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            self.quote(schema.table),
            defs.join(", ")
        )
    }

    fn column_definition(&self, column: &Column, is_key: bool) -> String {
        let name = self.quote(column.name);
        let null = if column.nullable { "NULL" } else { "NOT NULL" };
        match column.kind {
            ColumnKind::Scalar(scalar) if is_key => (self.auto_key)(&name, scalar),
            ColumnKind::Scalar(scalar) => format!("{name} {} {null}", (self.scalar_type)(scalar)),
            ColumnKind::Vector { dimensions } => {
                format!("{name} {} {null}", (self.vector_type)(&name, dimensions))
            }
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
        let clause = (self.index_clause)(schema, self, metric)?;
        let table = self.quote(schema.table);
        let mut statements = Vec::new();
        if set_tiflash_replica && self.index_needs_tiflash_replica {
            statements.push(format!("ALTER TABLE {table} SET TIFLASH REPLICA 1"));
        }
        statements.push(format!("ALTER TABLE {table} ADD {clause}"));
        Some(statements)
    }

    /// On TiDB, the query of how many TiFlash replicas the table has (its name bound as `Param::Key`'s
    /// place: the one `?`); `None` elsewhere. A vector index needs at least one, and `SET TIFLASH REPLICA 1`
    /// would lower a table that has more, so it is sent only when the table has none.
    pub fn tiflash_replica_count(&self) -> Option<&'static str> {
        self.index_needs_tiflash_replica.then_some(
            "SELECT CAST(COALESCE(MAX(REPLICA_COUNT), 0) AS SIGNED) FROM INFORMATION_SCHEMA.TIFLASH_REPLICA \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        )
    }
}
