//! The SQLite backend: one file, WAL, one broker process. Writes take the database's write
//! lock up front (`BEGIN IMMEDIATE`) so two writers in the pool never deadlock upgrading a
//! read lock; `busy_timeout` covers a second process such as `stint-broker audit verify`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

use super::reads::tuples::Claimable;
use super::sql_store::{self, Db, SqlStore};
use super::{Backend, StoreError};

pub(super) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/sqlite/migrations");

pub type SqliteStore = SqlStore<SqlitePool>;

impl SqlStore<SqlitePool> {
    /// Opens (creating if needed) `sqlite://PATH` and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // SQLite rolls a transaction back by itself on some errors (a full disk, I/O),
            // so sqlx's own ROLLBACK then fails and it counts the connection as still in a
            // transaction: every later BEGIN on it would fail. Such a connection is closed
            // instead of reused.
            .after_release(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(sql_store::on(pool))
    }
}

#[async_trait]
impl Db for SqlitePool {
    type Conn = SqliteConnection;
    type Pooled = PoolConnection<Sqlite>;
    type Tx = Transaction<'static, Sqlite>;
    const BACKEND: Backend = Backend::Sqlite;

    async fn connection(&self) -> Result<Self::Pooled, StoreError> {
        Ok(self.acquire().await?)
    }

    async fn begin(&self) -> Result<Self::Tx, StoreError> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn commit(tx: Self::Tx) -> Result<(), StoreError> {
        Ok(tx.commit().await?)
    }

    /// One process owns the file and the transaction holds its write lock, so the claim
    /// needs no row locks: it updates the due rows by `rowid`.
    fn claim_sql(t: &Claimable) -> String {
        let Claimable { table, columns, .. } = t;
        format!(
            "UPDATE {table} SET claimed_by = ?, claimed_until = ?, wake = FALSE, version = version + 1 \
             WHERE rowid IN (SELECT rowid FROM {table} \
                 WHERE (claimed_until IS NULL AND (wake OR next_check_at <= ?)) OR claimed_until <= ? \
                 ORDER BY next_check_at LIMIT ?) \
             RETURNING {columns}"
        )
    }
}
