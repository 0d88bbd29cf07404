//! Statements over sqlx's MySQL driver (TiDB and MariaDB), on a pool or a connection.

use sqlx::Executor;
use sqlx::mysql::{MySql, MySqlArguments, MySqlRow};

use super::{Arg, Args, Done};
use crate::error::Error;
use crate::error::Result;

driver_statements!(MySql, MySqlArguments, MySqlRow, into_mysql, |v| v);

/// The server's `max_allowed_packet`, read by `sql` (the dialect's query).
pub(crate) async fn packet_limit(
    conn: impl Executor<'_, Database = MySql>,
    sql: &'static str,
) -> Result<u64> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}
