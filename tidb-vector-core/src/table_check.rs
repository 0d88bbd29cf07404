//! Does the live table match the model? [`SchemaMismatch`] lists every difference, in words a user can act
//! on; `create_table` checks a table that already existed, and `check_table` checks on demand.

use std::fmt;

use crate::dialect::{Dialect, IndexBuild};
use crate::error::{Error, Result};
use crate::schema::{ColumnKind, Metric, Schema};
use crate::session::Session;

mod live;

use live::{
    LiveColumn, live_columns, named_collation, normalize, parse_auto_random, parse_vector_index,
    show_create_table,
};

/// How a live table differs from its model: see [`VectorModel::check_table`](crate::VectorModel::check_table).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SchemaMismatch {
    /// The table.
    pub table: &'static str,
    /// Each difference found.
    pub differences: Vec<Difference>,
}

/// One way a live table differs from its model.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Difference {
    /// The table does not exist.
    MissingTable,
    /// A column of the model is not in the table.
    MissingColumn {
        /// The column.
        column: &'static str,
        /// Its type in the model's DDL.
        expected: String,
    },
    /// A column has another type than the model's.
    Type {
        /// The column.
        column: &'static str,
        /// Its type in the model's DDL.
        expected: String,
        /// Its type in the table.
        found: String,
    },
    /// A vector column has other dimensions than the model's.
    Dimensions {
        /// The column.
        column: &'static str,
        /// The model's dimensions.
        expected: usize,
        /// The table's (`None` when the table does not say).
        found: Option<usize>,
    },
    /// A column is nullable where the model's is not, or the other way round.
    Nullability {
        /// The column.
        column: &'static str,
        /// Whether the model's column is nullable (its field an `Option`).
        expected_nullable: bool,
    },
    /// The model's key column is not the table's primary key, or not assigned by the database where the
    /// model expects it to be.
    Key {
        /// The column.
        column: &'static str,
        /// Whether the model expects an auto-increment key.
        auto_increment: bool,
    },
    /// The model's key is `auto_random` (TiDB), and the column is not the table's `AUTO_RANDOM` primary
    /// key.
    AutoRandomKey {
        /// The column.
        column: &'static str,
    },
    /// The table has a `NOT NULL` column without a default that the model does not write: every insert
    /// would fail.
    UnknownRequiredColumn {
        /// The column.
        column: String,
    },
    /// A text column compares with another collation than the model's DDL gives it: its comparisons (keys
    /// that differ only by trailing spaces or case, filters, full-text matching) would differ from the
    /// documented ones.
    Collation {
        /// The column.
        column: &'static str,
        /// The collation the model's DDL gives the column.
        expected: String,
        /// The table's.
        found: String,
    },
    /// The model declares a vector index that the table does not have, or has for another metric.
    VectorIndex {
        /// The vector column.
        column: &'static str,
        /// The model's index metric.
        expected: Metric,
        /// The table's vector index metric, if it has one.
        found: Option<Metric>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::MissingTable => {
                write!(
                    f,
                    "the table does not exist (create it with `create_table`)"
                )
            }
            Difference::MissingColumn { column, expected } => write!(
                f,
                "column `{column}` ({expected}) is missing from the table: add it, or rename the field's column with `#[vector(rename = \"...\")]`"
            ),
            Difference::Type {
                column,
                expected,
                found,
            } => write!(
                f,
                "column `{column}` is {found} in the table, but the model's field needs {expected}: change the field's type or migrate the column"
            ),
            Difference::Dimensions {
                column,
                expected,
                found: Some(found),
            } => write!(
                f,
                "column `{column}` is VECTOR({found}) in the table, but the model says `dimensions = {expected}`: vectors of one size cannot be searched against another; use the table's size or a new table"
            ),
            Difference::Dimensions {
                column,
                expected,
                found: None,
            } => write!(
                f,
                "column `{column}` has no fixed dimensions in the table, but the model says `dimensions = {expected}`"
            ),
            Difference::Nullability {
                column,
                expected_nullable: true,
            } => write!(
                f,
                "column `{column}` is NOT NULL in the table, but the model's field is an Option: storing None would fail"
            ),
            Difference::Nullability {
                column,
                expected_nullable: false,
            } => write!(
                f,
                "column `{column}` accepts NULL in the table, but the model's field is not an Option: reading a NULL would fail; make the field an Option"
            ),
            Difference::Key {
                column,
                auto_increment: true,
            } => write!(
                f,
                "column `{column}` is not the table's auto-increment primary key, which the model's key needs (or mark the key `auto_increment = false`)"
            ),
            Difference::Key {
                column,
                auto_increment: false,
            } => write!(f, "column `{column}` is not the table's primary key"),
            Difference::AutoRandomKey { column } => write!(
                f,
                "column `{column}` is not the table's AUTO_RANDOM primary key, which the model's key (`auto_random`) needs: TiDB converts a BIGINT AUTO_INCREMENT clustered primary key (`SET @@tidb_allow_remove_auto_inc = 1`, then `ALTER TABLE ... MODIFY `{column}` BIGINT AUTO_RANDOM`), and no other column"
            ),
            Difference::UnknownRequiredColumn { column } => write!(
                f,
                "the table has a NOT NULL column `{column}` without a default that the model does not write: every insert would fail; add the field or give the column a default"
            ),
            Difference::Collation {
                column,
                expected,
                found,
            } => write!(
                f,
                "column `{column}` compares text with collation {found} in the table, but the model's DDL gives it {expected}: with {found}, {}; migrate the column (`ALTER TABLE ... MODIFY {column} ... COLLATE {expected}`, see `ddl`)",
                collation_consequence(found)
            ),
            Difference::VectorIndex {
                column,
                expected,
                found: None,
            } => write!(
                f,
                "the model declares a {expected} vector index on `{column}`, and the table has none: add it with `create_vector_index`"
            ),
            Difference::VectorIndex {
                column,
                expected,
                found: Some(found),
            } => write!(
                f,
                "the model declares a {expected} vector index on `{column}`, and the table's is {found}: searches by {expected} distance would not use it"
            ),
        }
    }
}

/// What comparing with `collation` changes, in a user's words.
fn collation_consequence(collation: &str) -> &'static str {
    if collation.contains("_ci") {
        "text compares case-insensitively"
    } else if !collation.contains("nopad") && !collation.contains("0900") && collation != "binary" {
        "trailing spaces are ignored in comparisons, so keys `\"a\"` and `\"a \"` would be one row"
    } else {
        "text compares otherwise than documented"
    }
}

impl fmt::Display for SchemaMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "table `{}` does not match its model: ", self.table)?;
        for (i, difference) in self.differences.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{difference}")?;
        }
        Ok(())
    }
}

/// Compares the live table with `schema`.
pub(crate) async fn check(session: &mut Session<'_>, schema: &Schema) -> Result<()> {
    let dialect = session.dialect();
    let mut columns = live_columns(session, schema).await?;
    let mut differences = Vec::new();
    if columns.is_empty() {
        differences.push(Difference::MissingTable);
    } else {
        let declared: Vec<(&'static str, Metric)> = schema
            .columns
            .iter()
            .filter_map(|c| c.index.map(|metric| (c.name, metric)))
            .collect();
        // What only `SHOW CREATE TABLE` shows: vector indexes' metrics, and TiDB's AUTO_RANDOM (its
        // `information_schema` shows nothing for it).
        let definition = if !declared.is_empty() || schema.auto_random {
            show_create_table(session, schema).await?
        } else {
            String::new()
        };
        for line in definition.lines() {
            if let Some(name) = parse_auto_random(line)
                && let Some(live) = columns
                    .iter_mut()
                    .find(|l| l.name.eq_ignore_ascii_case(&name))
            {
                live.auto_random = true;
            }
        }
        compare_columns(dialect, schema, &columns, &mut differences);
        if !declared.is_empty() && dialect.index_build != IndexBuild::None {
            let indexes: Vec<(String, Metric)> = definition
                .lines()
                .filter_map(|line| parse_vector_index(dialect.backend, line))
                .collect();
            for (column, expected) in declared {
                let found = indexes
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(column))
                    .map(|(_, metric)| *metric);
                if found != Some(expected) {
                    differences.push(Difference::VectorIndex {
                        column,
                        expected,
                        found,
                    });
                }
            }
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Error::SchemaMismatch(SchemaMismatch {
            table: schema.table,
            differences,
        }))
    }
}

fn compare_columns(
    dialect: &Dialect,
    schema: &Schema,
    live: &[LiveColumn],
    differences: &mut Vec<Difference>,
) {
    for (position, column) in schema.columns.iter().enumerate() {
        let is_key = position == schema.key;
        let definition = dialect.column_type(column, is_key, schema.auto_key);
        let expected = normalize(&definition);
        let Some(found) = live
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(column.name))
        else {
            differences.push(Difference::MissingColumn {
                column: column.name,
                expected: expected.to_uppercase(),
            });
            continue;
        };
        // A vector column of the table's: `vector(N)`, or SQLite's BLOB with a dimensions CHECK (or without).
        let table_vector = found.dimensions.is_some() || found.sql_type == "blob";
        match column.kind {
            ColumnKind::Vector { dimensions }
                if table_vector && found.dimensions != Some(dimensions) =>
            {
                differences.push(Difference::Dimensions {
                    column: column.name,
                    expected: dimensions,
                    found: found.dimensions,
                });
            }
            // Same dimensions: the types match too (`vector(N)`, SQLite's `blob`).
            _ if found.sql_type != expected => differences.push(Difference::Type {
                column: column.name,
                expected: expected.to_uppercase(),
                found: found.sql_type.to_uppercase(),
            }),
            _ => {}
        }
        if let (Some(expected), Some(found)) = (named_collation(&definition), &found.collation)
            && expected != *found
        {
            differences.push(Difference::Collation {
                column: column.name,
                expected,
                found: found.clone(),
            });
        }
        if is_key {
            if schema.auto_random {
                if !found.primary_key || !found.auto_random {
                    differences.push(Difference::AutoRandomKey {
                        column: column.name,
                    });
                }
            } else if !found.primary_key || (schema.auto_key && !found.auto_increment) {
                differences.push(Difference::Key {
                    column: column.name,
                    auto_increment: schema.auto_key,
                });
            }
        } else if found.nullable != column.nullable {
            differences.push(Difference::Nullability {
                column: column.name,
                expected_nullable: column.nullable,
            });
        }
    }
    for column in live {
        let known = schema
            .columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&column.name));
        if !known && !column.nullable && !column.optional {
            differences.push(Difference::UnknownRequiredColumn {
                column: column.name.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::live::{
        named_collation, parse_auto_random, parse_vector_index, sqlite_check_dimensions,
        vector_dimensions,
    };
    use super::*;
    use crate::backend::Backend;

    #[test]
    fn types_compare_as_the_servers_show_them() {
        assert_eq!(normalize("BIGINT"), "bigint");
        assert_eq!(normalize("bigint(20)"), "bigint");
        assert_eq!(normalize("int(10) unsigned"), "int unsigned");
        assert_eq!(normalize("INT UNSIGNED"), "int unsigned");
        assert_eq!(normalize("BOOLEAN"), "tinyint");
        assert_eq!(normalize("tinyint(1)"), "tinyint");
        assert_eq!(
            normalize("LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin"),
            "longtext"
        );
        assert_eq!(normalize("VECTOR(768)"), "vector(768)");
        assert_eq!(normalize("JSON"), normalize("longtext"));
        assert_eq!(vector_dimensions("vector(768)"), Some(768));
        assert_eq!(
            normalize("BLOB CHECK (CASE WHEN x IS NULL THEN 1 END)"),
            "blob"
        );
    }

    #[test]
    fn sqlite_dimensions_are_read_however_the_check_is_written() {
        for (sql, found) in [
            (
                "CREATE TABLE t (`embedding` BLOB NOT NULL CHECK (vec_length(`embedding`) = 3))",
                Some(3),
            ),
            (
                "CREATE TABLE t (embedding BLOB CHECK(vec_length(embedding)=4))",
                Some(4),
            ),
            (
                "create table t (embedding blob check ( VEC_LENGTH( \"Embedding\" ) = 768 ))",
                Some(768),
            ),
            (
                "CREATE TABLE t (embedding BLOB CHECK (vec_length([embedding]) = 12))",
                Some(12),
            ),
            ("CREATE TABLE t (embedding BLOB)", None),
            (
                "CREATE TABLE t (other BLOB CHECK (vec_length(other) = 3), embedding BLOB)",
                None,
            ),
        ] {
            assert_eq!(sqlite_check_dimensions(sql, "embedding"), found, "{sql}");
        }
    }

    #[test]
    fn collations_are_read_from_column_definitions() {
        assert_eq!(
            named_collation("VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin")
                .as_deref(),
            Some("utf8mb4_0900_bin")
        );
        assert_eq!(
            named_collation("LONGTEXT CHARACTER SET utf8mb4 COLLATE UTF8MB4_UCA1400_NOPAD_AI_CI")
                .as_deref(),
            Some("utf8mb4_uca1400_nopad_ai_ci")
        );
        assert_eq!(named_collation("BIGINT"), None);
        assert_eq!(named_collation("JSON"), None);
    }

    #[test]
    fn a_padding_or_case_insensitive_collation_says_what_it_changes() {
        let text = |found: &str| {
            Difference::Collation {
                column: "sku",
                expected: "utf8mb4_0900_bin".into(),
                found: found.into(),
            }
            .to_string()
        };
        assert!(
            text("utf8mb4_bin").contains("trailing spaces are ignored"),
            "{}",
            text("utf8mb4_bin")
        );
        assert!(text("utf8mb4_bin").contains("MODIFY sku ... COLLATE utf8mb4_0900_bin"));
        assert!(text("utf8mb4_uca1400_ai_ci").contains("case-insensitively"));
    }

    #[test]
    fn auto_random_is_read_from_its_column_line() {
        // TiDB v8.5.3's SHOW CREATE TABLE of `id BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY` (run by hand on
        // a TiDB built from source; pkg/executor/show.go:1155-1161), and its range-bits form.
        let shown = "CREATE TABLE `ar` (\n\
            \x20 `id` bigint NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */,\n\
            \x20 `Other Id` bigint NOT NULL /*T![auto_rand] AUTO_RANDOM(5, 54) */ COMMENT 'x',\n\
            \x20 `v` vector(2) NOT NULL COMMENT 'not AUTO_RANDOM(5) at all',\n\
            \x20 `n` bigint NOT NULL AUTO_INCREMENT,\n\
            \x20 PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n\
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T![auto_rand_base] AUTO_RANDOM_BASE=30001 */";
        let found: Vec<String> = shown.lines().filter_map(parse_auto_random).collect();
        assert_eq!(found, ["id", "other id"]);
    }

    #[test]
    fn vector_indexes_are_read_from_their_definitions() {
        // TiDB's SHOW CREATE TABLE, as pkg/executor/show.go writes it (v8.5.3 :1213-1234, master :1232-1275):
        // two vector indexes (both metrics, one on a renamed column with capitals and a space), a
        // full-text index (master), a plain key on an expression, the primary key.
        let tidb = "CREATE TABLE `articles` (\n\
            \x20 `id` bigint NOT NULL AUTO_INCREMENT,\n\
            \x20 `body` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL,\n\
            \x20 `embedding` vector(3) NOT NULL,\n\
            \x20 `Body Vec` vector(768) DEFAULT NULL,\n\
            \x20 PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n\
            \x20 VECTOR INDEX `vec_idx_embedding_cosine`((VEC_COSINE_DISTANCE(`embedding`))),\n\
            \x20 VECTOR INDEX `vec_idx_Body Vec_l2`((VEC_L2_DISTANCE(`Body Vec`))) COMMENT 'hnsw',\n\
            \x20 FULLTEXT INDEX `ft_body`(`body`) WITH PARSER MULTILINGUAL,\n\
            \x20 KEY `dims`((vec_dims(`embedding`)))\n\
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
        let found: Vec<(String, Metric)> = tidb
            .lines()
            .filter_map(|line| parse_vector_index(Backend::TiDb, line))
            .collect();
        assert_eq!(
            found,
            [
                ("embedding".to_owned(), Metric::Cosine),
                ("body vec".to_owned(), Metric::L2)
            ]
        );
        // Under ANSI_QUOTES names come in double quotes; a quote inside a name is doubled.
        assert_eq!(
            parse_vector_index(
                Backend::TiDb,
                "  VECTOR INDEX \"i\"((VEC_COSINE_DISTANCE(\"we\"\"ird\")))"
            ),
            Some(("we\"ird".into(), Metric::Cosine))
        );
        assert_eq!(
            parse_vector_index(
                Backend::TiDb,
                "  VECTOR INDEX `a``b`((VEC_L2_DISTANCE(`c``d`)))"
            ),
            Some(("c`d".into(), Metric::L2))
        );
        // What TiDB never prints as a vector index is not one.
        for line in [
            "  KEY `e`((vec_cosine_distance(`embedding`)))",
            "  `vector index` vector(3) DEFAULT NULL,",
            "  VECTOR INDEX `x`((VEC_NEGATIVE_INNER_PRODUCT(`embedding`)))",
            "  VECTOR INDEX `x`((VEC_COSINE_DISTANCE(`embedding`",
        ] {
            assert_eq!(parse_vector_index(Backend::TiDb, line), None, "{line}");
        }
        assert_eq!(
            parse_vector_index(
                Backend::MariaDb,
                "  VECTOR KEY `v` (`v`) `M`=16 `DISTANCE`=cosine"
            ),
            Some(("v".into(), Metric::Cosine))
        );
        assert_eq!(
            parse_vector_index(Backend::MariaDb, "  vector key `v` (`v`)"),
            Some(("v".into(), Metric::L2))
        );
        assert_eq!(
            parse_vector_index(Backend::MariaDb, "  primary key (`id`),"),
            None
        );
    }

    #[test]
    fn differences_say_what_to_do() {
        let mismatch = SchemaMismatch {
            table: "documents",
            differences: vec![
                Difference::Dimensions {
                    column: "embedding",
                    expected: 3,
                    found: Some(4),
                },
                Difference::MissingColumn {
                    column: "title",
                    expected: "LONGTEXT".into(),
                },
            ],
        };
        let text = mismatch.to_string();
        assert!(
            text.starts_with("table `documents` does not match its model: "),
            "{text}"
        );
        assert!(
            text.contains("VECTOR(4) in the table, but the model says `dimensions = 3`"),
            "{text}"
        );
        assert!(
            text.contains("column `title` (LONGTEXT) is missing"),
            "{text}"
        );
    }
}
