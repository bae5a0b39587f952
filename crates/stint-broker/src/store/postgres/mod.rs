//! The PostgreSQL backend, for several broker replicas on one database. Conflicting writes
//! are caught by row versions; appends to the audit chain lock its head row, so replicas
//! never fork it; tuples are claimed with `FOR UPDATE SKIP LOCKED` plus a lease, so two
//! replicas never work on one tuple and a crashed replica's claims are retaken when their
//! lease runs out.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::reads::tuples::Claimable;
use super::sql_store::{self, Db, SqlStore};
use super::{Backend, StoreError};

pub(super) static MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("src/store/postgres/migrations");

pub type PostgresStore = SqlStore<PgPool>;

impl SqlStore<PgPool> {
    /// Connects to `postgres://...` and runs the migrations (replicas starting together
    /// are safe: sqlx serialises migrations with an advisory lock).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(sql_store::on(pool))
    }
}

#[async_trait]
impl Db for PgPool {
    type Conn = PgConnection;
    type Pooled = PoolConnection<Postgres>;
    type Tx = Transaction<'static, Postgres>;
    const BACKEND: Backend = Backend::Postgres;

    async fn connection(&self) -> Result<Self::Pooled, StoreError> {
        Ok(self.acquire().await?)
    }

    async fn begin(&self) -> Result<Self::Tx, StoreError> {
        Ok(sqlx::Pool::begin(self).await?)
    }

    async fn commit(tx: Self::Tx) -> Result<(), StoreError> {
        Ok(tx.commit().await?)
    }

    /// Replicas claim at the same moment: rows another is claiming are skipped, not
    /// waited for. The returned columns name the updated row (`t.`), as the subquery
    /// `due` has the same names.
    fn claim_sql(t: &Claimable) -> String {
        let Claimable {
            table,
            keys,
            columns,
        } = t;
        let key_list = keys.join(", ");
        let joined = keys
            .iter()
            .map(|k| format!("t.{k} = due.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let returned = columns
            .split(',')
            .map(|c| format!("t.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "UPDATE {table} t SET claimed_by = ?, claimed_until = ?, wake = FALSE, version = t.version + 1 \
             FROM (SELECT {key_list} FROM {table} \
                 WHERE (claimed_until IS NULL AND (wake OR next_check_at <= ?)) OR claimed_until <= ? \
                 ORDER BY next_check_at NULLS FIRST LIMIT ? FOR UPDATE SKIP LOCKED) due \
             WHERE {joined} \
             RETURNING {returned}"
        )
    }
}
