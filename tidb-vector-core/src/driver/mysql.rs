//! Statements over sqlx's MySQL driver (TiDB and MariaDB), on a pool or a connection.

use sqlx::Executor;
use sqlx::mysql::{MySql, MySqlArguments, MySqlRow};

use super::{Arg, Args, Done};
use crate::error::Error;
use crate::error::Result;

driver_statements!(MySql, MySqlArguments, MySqlRow, into_mysql, |v| v);

/// The server's `max_allowed_packet`.
pub(crate) async fn packet_limit(conn: impl Executor<'_, Database = MySql>) -> Result<u64> {
    Ok(sqlx::query_scalar("SELECT @@max_allowed_packet")
        .fetch_one(conn)
        .await?)
}
