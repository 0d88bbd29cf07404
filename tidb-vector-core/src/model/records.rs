//! The record operations behind [`VectorModel`]'s methods: counting, the arguments of record statements,
//! and the bulk-insert engine.

use std::borrow::Borrow;

use super::VectorModel;
use crate::bind;
use crate::dialect::{Dialect, Statement};
use crate::driver::{Arg, TxHandle};
use crate::error::{Error, Result};
use crate::executor::Session;
use crate::filter::FilterNode;
use crate::value::ColumnType;
use tracing::Instrument as _;

pub(crate) async fn count<M: VectorModel>(
    session: &mut Session<'_>,
    filter: Option<&FilterNode>,
) -> Result<u64> {
    let statement = session.dialect().count(&M::SCHEMA, filter);
    let args = record_args::<M>(session.dialect(), &statement, None, None)?;
    let rows = session.fetch_all(statement.sql, args).await?;
    let count: i64 = rows.cell(0, 0).get().map_err(Error::Database)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The arguments of a record statement: the record's column values, the key, filter values.
pub(crate) fn record_args<M: VectorModel>(
    dialect: &Dialect,
    statement: &Statement,
    record: Option<&M>,
    key: Option<&M::Key>,
) -> Result<Vec<Arg>> {
    let schema = &M::SCHEMA;
    let mut values = Vec::new();
    if let Some(record) = record {
        record.__values(&mut values);
    }
    let binds = bind::Binds {
        columns: schema.insert_columns(),
        record: &values,
        key: key.map(|key| (schema.key_column(), key.to_value())),
        ..bind::Binds::default()
    };
    bind::bind(dialect, statement, &binds)
}

/// Runs a record statement with the record's values, the key and the filter's values bound.
pub(crate) async fn execute<M: VectorModel>(
    session: &mut Session<'_>,
    statement: Statement,
    record: Option<&M>,
    key: Option<&M::Key>,
) -> Result<crate::driver::Done> {
    let args = record_args::<M>(session.dialect(), &statement, record, key)?;
    session.execute(statement.sql, args).await
}

/// The most bytes of parameters one bulk statement carries when the server takes more: large enough that
/// a statement's round trip is a small part of its cost.
const STATEMENT_BYTES: usize = 4 << 20;

/// Inserts every row in one transaction of its own (nested in a caller's, if one is open): all or none.
pub(crate) async fn insert_many<M, I>(session: &mut Session<'_>, rows: I) -> Result<u64>
where
    M: VectorModel,
    I: IntoIterator,
    I::Item: Borrow<M>,
{
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        return Ok(0);
    }
    // No statement may pass the server's packet limit.
    let packet = usize::try_from(session.packet_limit().await?).unwrap_or(usize::MAX);
    let dialect = session.dialect();
    let span = session.span().clone();
    let mut tx = session.begin().await?;
    match insert_rows::<M>(dialect, &mut tx, rows, packet)
        .instrument(span.clone())
        .await
    {
        Ok(inserted) => {
            tx.commit().instrument(span).await?;
            session.add_rows(inserted);
            Ok(inserted)
        }
        Err(error) => {
            // On a pool the transaction would roll back when dropped; in a caller's transaction only this
            // savepoint's rows must go, and the caller's transaction must stay usable.
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

/// The statements of a bulk insert, in `tx`; returns how many rows they inserted.
async fn insert_rows<M: VectorModel>(
    dialect: &Dialect,
    tx: &mut TxHandle<'_>,
    mut rows: impl Iterator<Item = impl Borrow<M>>,
    packet: usize,
) -> Result<u64> {
    let schema = &M::SCHEMA;
    let columns = schema.insert_columns();
    let max_rows = (dialect.max_params / columns.len()).max(1);
    // Leave room in the packet for the statement's text.
    let row_text = dialect.insert(schema, 1).len();
    let budget = packet.saturating_sub(row_text + 1024);
    let mut inserted = 0;
    let mut full_chunk_sql: Option<(usize, String)> = None;
    // A row that did not fit in the previous statement, already checked and encoded.
    let mut carried: Option<(Vec<Arg>, usize)> = None;
    loop {
        // Each row is checked and encoded once, as it arrives, into arguments that own their data: only
        // one statement's worth of encoded rows is held at a time, and no row is kept.
        let mut args: Vec<Arg> = Vec::with_capacity(max_rows.min(4096) * columns.len());
        let (mut count, mut bytes) = (0, 0);
        while count < max_rows && bytes < STATEMENT_BYTES.min(budget) {
            let start = args.len();
            let row_bytes = match carried.take() {
                Some((row_args, row_bytes)) => {
                    args.extend(row_args);
                    row_bytes
                }
                None => {
                    let Some(row) = rows.next() else { break };
                    let mut values = Vec::with_capacity(columns.len());
                    row.borrow().__values(&mut values);
                    bind::encode_row(dialect, columns, &values, &mut args)?;
                    let row_bytes = crate::driver::statement_size("", &args[start..]) + row_text;
                    if row_bytes > budget {
                        return Err(Error::TooLarge {
                            what: "bytes in one row",
                            size: row_bytes as u64,
                            limit: budget as u64,
                            advice: "store less in one row, or raise the server's max_allowed_packet",
                        });
                    }
                    row_bytes
                }
            };
            if count > 0 && bytes + row_bytes > budget {
                carried = Some((args.split_off(start), row_bytes));
                break;
            }
            bytes += row_bytes;
            count += 1;
        }
        if count == 0 {
            break;
        }
        // Every full chunk has the same shape: render it once (and let the driver reuse its prepared
        // statement).
        let sql = match &full_chunk_sql {
            Some((rows, sql)) if *rows == count => sql.clone(),
            _ => {
                let sql = dialect.insert(schema, count);
                full_chunk_sql = Some((count, sql.clone()));
                sql
            }
        };
        inserted += tx.execute(sql, args).await?.rows_affected;
    }
    Ok(inserted)
}
