//! Reading the live table: its columns and vector indexes, as each backend shows them.

use crate::backend::Backend;
use crate::driver::Arg;
use crate::error::Result;
use crate::schema::{ColumnKind, Metric, Schema};
use crate::session::Session;

/// A column of the live table.
pub(super) struct LiveColumn {
    pub(super) name: String,
    /// The type, normalised (see [`normalize`]).
    pub(super) sql_type: String,
    pub(super) nullable: bool,
    /// Whether an insert may leave it out (it has a default, or is generated).
    pub(super) optional: bool,
    /// Whether it is the primary key.
    pub(super) primary_key: bool,
    /// Whether the database assigns it.
    pub(super) auto_increment: bool,
    /// Whether TiDB assigns it with `AUTO_RANDOM` (from `SHOW CREATE TABLE`; false until read there).
    pub(super) auto_random: bool,
    /// A vector column's dimensions, as the table declares them.
    pub(super) dimensions: Option<usize>,
    /// The collation of a text column (lower case; `None` on SQLite and for other columns).
    pub(super) collation: Option<String>,
}

/// A SQL type as the servers show it, for comparison: lower case, without character set, collation or
/// `CHECK`, integer display widths dropped (`bigint(20)` → `bigint`), `boolean` as the `tinyint` it is.
pub(super) fn normalize(sql_type: &str) -> String {
    let lower = sql_type.to_ascii_lowercase();
    let mut base = lower.as_str();
    for cut in [" character set", " collate", " check", " not null", " null"] {
        if let Some(at) = base.find(cut) {
            base = &base[..at];
        }
    }
    let base = base.trim();
    if base == "boolean" || base == "bool" {
        return "tinyint".to_owned();
    }
    // MariaDB's JSON is LONGTEXT (with a JSON_VALID check), and shows as such.
    if base == "json" {
        return "longtext".to_owned();
    }
    for int in ["tinyint", "smallint", "mediumint", "bigint", "int"] {
        if let Some(rest) = base.strip_prefix(int)
            && let Some(close) = rest
                .strip_prefix('(')
                .and_then(|r| r.find(')').map(|i| &r[i + 1..]))
        {
            return format!("{int}{close}");
        }
    }
    base.to_owned()
}

/// The collation a column definition names (`... COLLATE utf8mb4_0900_bin`), lower case.
pub(super) fn named_collation(definition: &str) -> Option<String> {
    let lower = definition.to_ascii_lowercase();
    let (_, rest) = lower.split_once(" collate ")?;
    rest.split_whitespace().next().map(str::to_owned)
}

/// `N` of `vector(N)`.
pub(super) fn vector_dimensions(sql_type: &str) -> Option<usize> {
    sql_type
        .strip_prefix("vector(")?
        .strip_suffix(')')?
        .parse()
        .ok()
}

pub(super) async fn live_columns(
    session: &mut Session<'_>,
    schema: &Schema,
) -> Result<Vec<LiveColumn>> {
    let dialect = session.dialect();
    let sql = dialect.live_columns().to_owned();
    let rows = session
        .fetch_all(sql, session.args_of(&[Arg::Text(schema.table)])?)
        .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in 0..rows.len() {
        let flag = |column| -> Result<bool> { Ok(rows.cell(row, column).get::<i64>()? != 0) };
        let sql_type = normalize(&rows.cell(row, 1).get::<String>()?);
        columns.push(LiveColumn {
            name: rows.cell(row, 0).get::<String>()?,
            dimensions: vector_dimensions(&sql_type),
            sql_type,
            nullable: flag(2)?,
            optional: flag(3)?,
            primary_key: flag(4)?,
            auto_increment: flag(5)?,
            auto_random: false,
            collation: rows
                .cell(row, 6)
                .get::<Option<String>>()?
                .map(|c| c.to_ascii_lowercase()),
        });
    }
    if let Some(table_sql) = dialect.sqlite_table_sql()
        && !columns.is_empty()
    {
        // SQLite keeps a vector column's dimensions in its CHECK, in the table's SQL.
        let rows = session
            .fetch_all(
                table_sql.to_owned(),
                session.args_of(&[Arg::Text(schema.table)])?,
            )
            .await?;
        let sql: String = rows.cell(0, 0).get()?;
        for column in schema.columns {
            if let ColumnKind::Vector { .. } = column.kind {
                let found = sqlite_check_dimensions(&sql, column.name);
                let live = columns
                    .iter_mut()
                    .find(|l| l.name.eq_ignore_ascii_case(column.name));
                if let Some(live) = live
                    && live.sql_type == "blob"
                {
                    live.dimensions = found;
                }
            }
        }
    }
    Ok(columns)
}

/// A SQLite vector column's dimensions from its `CHECK (vec_length(col) = N)` in the table's SQL, however
/// it was written: the library's ``vec_length(`col`) = 3``, or by hand `VEC_LENGTH( "col" )=3`,
/// `vec_length([col]) = 3`, `vec_length(col)=3` (case, spaces and quotes aside). `None` without such a check.
pub(super) fn sqlite_check_dimensions(table_sql: &str, column: &str) -> Option<usize> {
    let plain = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '`' | '"' | '[' | ']'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let sql = plain(table_sql);
    let needle = format!("vec_length({})=", plain(column));
    let at = sql.find(&needle)? + needle.len();
    let digits: String = sql[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The table's definition from `SHOW CREATE TABLE` (its second column), a line a column or index; empty
/// on SQLite.
pub(super) async fn show_create_table(
    session: &mut Session<'_>,
    schema: &Schema,
) -> Result<String> {
    let dialect = session.dialect();
    let Some(sql) = dialect.show_create_table(schema) else {
        return Ok(String::new());
    };
    let rows = session.fetch_all(sql, crate::driver::Args::none()).await?;
    Ok(if rows.len() > 0 {
        rows.cell(0, 1).get::<String>().unwrap_or_default()
    } else {
        String::new()
    })
}

/// The column (lower case) whose line in TiDB's `SHOW CREATE TABLE` marks it `AUTO_RANDOM`:
/// `` `id` bigint NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */,`` (pkg/executor/show.go:1155-1161 @v8.5.3,
/// also `AUTO_RANDOM(5, 64)` with range bits), before any `COMMENT '...'`.
pub(super) fn parse_auto_random(line: &str) -> Option<String> {
    let (name, rest) = quoted_identifier(line.trim_start())?;
    let before_comment = rest.split(" COMMENT '").next().unwrap_or(rest);
    before_comment
        .to_ascii_uppercase()
        .contains(" AUTO_RANDOM(")
        .then(|| name.to_lowercase())
}

/// One vector index from its line in `SHOW CREATE TABLE`, as its column's name (lower case) and metric.
///
/// TiDB (pkg/executor/show.go:1213-1234 @v8.5.3, :1232-1257 @master): ``  VECTOR INDEX `name`((VEC_COSINE_DISTANCE(`col`)))``,
/// then maybe ` COMMENT '...'` (master may add more after the parentheses) and a comma; names in
/// grave accents (double quotes under `ANSI_QUOTES`), a quote inside a name doubled. MariaDB:
/// `` VECTOR KEY `name` (`col`) `M`=16 `DISTANCE`=cosine `` (Euclidean when no distance is shown).
pub(super) fn parse_vector_index(backend: Backend, line: &str) -> Option<(String, Metric)> {
    match backend {
        Backend::TiDb => {
            let rest = strip_prefix_ignore_case(line.trim_start(), "VECTOR INDEX ")?;
            let (_name, rest) = quoted_identifier(rest)?;
            let rest = rest.trim_start().strip_prefix("((")?;
            let (function, rest) = rest.split_once('(')?;
            let metric = match function.to_ascii_uppercase().as_str() {
                "VEC_COSINE_DISTANCE" => Metric::Cosine,
                "VEC_L2_DISTANCE" => Metric::L2,
                _ => return None,
            };
            let (column, rest) = quoted_identifier(rest)?;
            rest.starts_with(")))")
                .then(|| (column.to_lowercase(), metric))
        }
        Backend::MariaDb => {
            let lower = line.to_ascii_lowercase();
            let plain = lower.replace(['`', '\''], "");
            let rest = plain.split_once("vector key")?.1;
            // MariaDB's default distance is Euclidean.
            let metric = if rest.contains("distance=cosine") {
                Metric::Cosine
            } else {
                Metric::L2
            };
            let column = rest.split_once('(')?.1.split(')').next()?.trim();
            Some((column.to_owned(), metric))
        }
        Backend::Sqlite => None,
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A name in grave accents or double quotes at the start of `text` (a doubled quote inside stands for
/// one), and what follows it.
fn quoted_identifier(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| *c == '`' || *c == '"')?;
    let mut name = String::new();
    let mut chars = text[1..].char_indices();
    while let Some((at, c)) = chars.next() {
        if c != quote {
            name.push(c);
            continue;
        }
        let after = &text[1 + at + 1..];
        if after.starts_with(quote) {
            name.push(quote);
            chars.next();
            continue;
        }
        return Some((name, after));
    }
    None
}
