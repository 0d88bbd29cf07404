//! Where an operation runs: a [`Db`]'s pool, a [`Transaction`] begun on it, or a caller's own sqlx
//! connection or transaction ([`Conn`]). Every model operation and search takes an [`Executor`]; the
//! operation then runs through a [`Session`](crate::session::Session).

#[cfg(feature = "mysql")]
use sqlx::mysql::MySqlConnection;
#[cfg(feature = "sqlite")]
use sqlx::sqlite::SqliteConnection;

use crate::backend::Backend;
use crate::db::{Db, Transaction};
use crate::dialect::Dialect;
use crate::session::{Link, Session, Target, TxSlot};

/// Where a model operation or a search runs: `&Db` (a connection from its pool), `&mut Transaction`
/// (see [`Db::begin`]), a caller's connection or transaction wrapped in a [`Conn`] (by value or `&mut`),
/// or `&mut SqliteConnection`.
///
/// ```no_run
/// use tidb_vector_core::{Conn, Db, VectorModel};
/// # #[derive(VectorModel)] struct Document { content: String, #[vector(dimensions = 3)] embedding: Vec<f32> }
///
/// # async fn run(pool: sqlx::MySqlPool) -> Result<(), Box<dyn std::error::Error>> {
/// // A caller's own sqlx transaction: the model's insert and the caller's statement commit together.
/// let mut tx = pool.begin().await?;
/// let doc = Document { content: "dog".into(), embedding: vec![1.0, 2.0, 1.0] };
/// doc.insert(Conn::tidb(&mut tx)).await?;
/// sqlx::query("UPDATE jobs SET done = 1 WHERE id = ?").bind(7).execute(&mut *tx).await?;
/// tx.commit().await?;
/// # Ok(()) }
/// ```
///
/// Sealed: the crate implements it for the types above only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not somewhere a tidb-vector operation can run",
    label = "pass `&db`, `&mut tx` (from `db.begin()`) or a connection wrapped in `Conn`",
    note = "a sqlx connection or transaction of your own runs operations when wrapped: `Conn::tidb(&mut conn)`, `Conn::mariadb(&mut conn)` or `Conn::sqlite(&mut conn)` (a `&mut sqlx::Transaction` derefs to its connection: `Conn::tidb(&mut tx)`)"
)]
pub trait Executor<'c>: Send + sealed::Sealed {
    #[doc(hidden)]
    fn __target(self) -> (Target<'c>, &'static Dialect);

    /// Starts an operation here. Not a public API.
    #[doc(hidden)]
    fn __session(self, operation: &'static str, table: &'static str) -> Session<'c>
    where
        Self: Sized,
    {
        let (target, dialect) = self.__target();
        Session::new(target, dialect, operation, table)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A caller's sqlx connection (or transaction: `&mut tx` derefs to one) and the backend behind it.
///
/// Operations run on it as the caller's own sqlx statements do: inside the caller's transaction, if one is
/// open. [`insert_many`](crate::VectorModel::insert_many) then stays all-or-nothing within it (a savepoint)
/// and never commits it.
///
/// Unlike operations on a [`Db`] or a [`Transaction`], these run in the caller's future and are not
/// cancel-safe: dropping one midway (a timeout, a `select!`) leaves the connection as sqlx leaves a dropped
/// statement of its own, which can be unusable: on MySQL a result read halfway makes the next statement
/// wait for bytes that never come (launchbadge/sqlx#563), and on SQLite a nested transaction dropped while
/// it begins has hung the connection in this crate's tests. Where a call may be dropped, run it on a
/// [`Db`] or in a [`Transaction`] from [`Db::begin`] (which says
/// [`Error::TransactionGone`](crate::Error::TransactionGone) afterwards rather than hang), or close the
/// connection after a dropped call.
#[derive(Debug)]
pub struct Conn<'c> {
    link: Link<'c>,
    dialect: &'static Dialect,
}

impl<'c> Conn<'c> {
    #[cfg(feature = "mysql")]
    /// A connection to TiDB.
    pub fn tidb(conn: &'c mut MySqlConnection) -> Self {
        Conn {
            link: Link::MySql(conn),
            dialect: Dialect::of(Backend::TiDb),
        }
    }

    #[cfg(feature = "mysql")]
    /// A connection to MariaDB.
    pub fn mariadb(conn: &'c mut MySqlConnection) -> Self {
        Conn {
            link: Link::MySql(conn),
            dialect: Dialect::of(Backend::MariaDb),
        }
    }

    #[cfg(feature = "sqlite")]
    /// A connection to SQLite. sqlite-vec (and this crate's inner-product function) is loaded into it when
    /// it lacks them: each operation checks with one in-process query.
    pub fn sqlite(conn: &'c mut SqliteConnection) -> Self {
        Conn {
            link: Link::Sqlite(conn, false),
            dialect: Dialect::of(Backend::Sqlite),
        }
    }

    /// The backend this connection speaks to.
    pub fn backend(&self) -> Backend {
        self.dialect.backend
    }
}

impl sealed::Sealed for &Db {}
impl<'c> Executor<'c> for &'c Db {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Pool(self), self.dialect)
    }
}

impl sealed::Sealed for Conn<'_> {}
impl<'c> Executor<'c> for Conn<'c> {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Conn(self.link), self.dialect)
    }
}

impl sealed::Sealed for &mut Conn<'_> {}
impl<'c> Executor<'c> for &'c mut Conn<'_> {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        (Target::Conn(self.link.reborrow()), self.dialect)
    }
}

impl sealed::Sealed for &mut Transaction {}
impl<'c> Executor<'c> for &'c mut Transaction {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        // The pool's connections load sqlite-vec when they open.
        (Target::Tx(TxSlot::new(&mut self.inner)), self.dialect)
    }
}

#[cfg(feature = "sqlite")]
impl sealed::Sealed for &mut SqliteConnection {}
#[cfg(feature = "sqlite")]
impl<'c> Executor<'c> for &'c mut SqliteConnection {
    fn __target(self) -> (Target<'c>, &'static Dialect) {
        Conn::sqlite(self).__target()
    }
}
