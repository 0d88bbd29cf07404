//! [`VectorModel::stream_all`](crate::VectorModel::stream_all): a table in key order, a page at a time.

use std::collections::VecDeque;

use futures_core::Stream;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::VectorModel;

/// Where a walk of the table stands: the rows of the page read last, not yet yielded, and the key to read
/// the next page after.
struct Walk<M: VectorModel> {
    db: Db,
    page: usize,
    rows: VecDeque<(M::Key, M)>,
    after: Option<M::Key>,
    /// The last page was short: nothing after it.
    ended: bool,
}

/// Every row of `M`'s table in key order, read `page` rows at a time with `list_after` (an indexed range
/// read on the key each time), so that memory holds one page. Each page is an operation on `db` of its own:
/// dropping the stream between pages or in the middle of one is cancel-safe as every operation on a `Db` is.
pub(crate) fn stream_all<M>(
    db: &Db,
    page: usize,
) -> impl Stream<Item = Result<(M::Key, M)>> + Send + 'static
where
    M: VectorModel + Send + 'static,
{
    let walk = Walk::<M> {
        db: db.clone(),
        page,
        rows: VecDeque::new(),
        after: None,
        ended: false,
    };
    futures_util::stream::unfold(Some(walk), |walk| async move {
        let mut walk = walk?;
        if walk.page == 0 {
            let error = Error::InvalidArgument(
                "stream_all reads pages of at least one row; give a page size of 1 or more".into(),
            );
            return Some((Err(error), None));
        }
        if walk.rows.is_empty() && !walk.ended {
            match M::list_after(&walk.db, walk.after.take(), walk.page).await {
                Ok(rows) => {
                    walk.ended = rows.len() < walk.page;
                    walk.after = rows.last().map(|(key, _)| key.clone());
                    walk.rows = rows.into();
                }
                // The walk stops at an error: the next poll says the stream has ended.
                Err(error) => return Some((Err(error), None)),
            }
        }
        let row = walk.rows.pop_front()?;
        Some((Ok(row), Some(walk)))
    })
}
