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

tokio::task_local! {
    /// The server's id of each connection a pool hands out, learnt as the pool checks the connection: a
    /// pool built from [`pool_options`] asks `SELECT CONNECTION_ID()` where sqlx would send a ping (a
    /// connection it opens, or an idle one it hands out), and [`acquire`] reads the answer here. The id is
    /// what another connection names to stop the statement (`KILL QUERY`, see [`super::detach`]).
    static CONNECTION_ID: std::cell::Cell<Option<u64>>;
}

/// The options of the pools this crate builds: sqlx's defaults, but a connection is checked before it is
/// handed out by `SELECT CONNECTION_ID()` instead of a ping (one round trip either way), which also tells
/// [`acquire`] the connection's id. A caller's pool built from other options works too; its dropped
/// statements then run to their end on the server instead of being stopped.
pub(crate) fn pool_options() -> sqlx::mysql::MySqlPoolOptions {
    sqlx::mysql::MySqlPoolOptions::new()
        .test_before_acquire(false)
        .after_connect(|conn, _| Box::pin(async move { learn_id(conn).await }))
        .before_acquire(|conn, _| Box::pin(async move { learn_id(conn).await.map(|()| true) }))
}

/// The asking session's id on the server: `CONNECTION_ID()`, a builtin of TiDB and MariaDB alike.
const CONNECTION_ID_SQL: &str = "SELECT CONNECTION_ID()";

/// The statement that stops what session `id` runs. The id is written as digits: TiDB's grammar takes only
/// a number there (`KillOrKillTiDB "QUERY" NUM` in pkg/parser/parser.y, so `KILL QUERY ?` is a syntax
/// error), and it is a number the server gave, not a value of the caller's.
fn kill_query_sql(id: u64) -> String {
    format!("KILL QUERY {id}")
}

/// Asks the connection its id, and tells [`acquire`] (when it is the one asking).
async fn learn_id(conn: &mut sqlx::mysql::MySqlConnection) -> sqlx::Result<()> {
    use sqlx::Row as _;
    // The text protocol: one round trip, nothing prepared.
    let id: u64 = sqlx::raw_sql(sqlx::AssertSqlSafe(CONNECTION_ID_SQL))
        .fetch_one(conn)
        .await?
        .try_get(0)?;
    let _ = CONNECTION_ID.try_with(|known| known.set(Some(id)));
    Ok(())
}

/// A connection of `pool`, and its id on the server when the pool was built from [`pool_options`].
pub(crate) async fn acquire(
    pool: &sqlx::MySqlPool,
) -> Result<(sqlx::pool::PoolConnection<MySql>, Option<u64>)> {
    CONNECTION_ID
        .scope(std::cell::Cell::new(None), async {
            let conn = pool.acquire().await?;
            Ok((conn, CONNECTION_ID.with(std::cell::Cell::get)))
        })
        .await
}

/// Stops the statement that connection `id` runs, from a connection of its own opened with `options`.
///
/// The statement is [`kill_query_sql`]'s. With TiDB's global kill (the default since v6.1) it reaches the
/// instance that runs the connection; MariaDB's `KILL QUERY` leaves the connection open (TiDB before the fix of
/// pingcap/tidb#65447 closes an idle one; the caller closes it in any case).
pub(crate) async fn kill_query(options: &sqlx::mysql::MySqlConnectOptions, id: u64) -> Result<()> {
    use sqlx::Connection as _;
    let mut conn = sqlx::mysql::MySqlConnection::connect_with(options).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(kill_query_sql(id)))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_statements_are_the_texts_tidb_parses() {
        // TiDB v8.5's parser: `KillOrKillTiDB "QUERY" NUM` (a literal number, no placeholder), as MariaDB
        // takes it too; `CONNECTION_ID()` is a builtin of both.
        assert_eq!(
            kill_query_sql(4_398_046_511_105),
            "KILL QUERY 4398046511105"
        );
        assert_eq!(kill_query_sql(0), "KILL QUERY 0");
        assert_eq!(CONNECTION_ID_SQL, "SELECT CONNECTION_ID()");
    }
}
