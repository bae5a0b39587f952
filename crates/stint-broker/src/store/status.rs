//! Whether a database is there and its schema current, without changing anything (for
//! `stint-broker doctor`): `open` would create the file and run the migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::StoreError;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    /// Migrations this broker knows.
    pub known: usize,
    /// Of those, how many the database has applied.
    pub applied: usize,
    /// Applied migrations this broker does not know (a newer broker ran here).
    pub unknown: usize,
    /// False for an SQLite file that does not exist yet (`serve` creates it).
    pub exists: bool,
}

/// Connects read-only and compares the applied migrations with this broker's.
pub async fn status(url: &str) -> Result<DatabaseStatus, StoreError> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?.read_only(true);
        if !options.get_filename().exists() {
            return Ok(DatabaseStatus {
                known: super::sqlite::MIGRATOR.iter().count(),
                applied: 0,
                unknown: 0,
                exists: false,
            });
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await?;
        let found = sqlx::query_scalar(APPLIED).fetch_all(&pool).await;
        pool.close().await;
        Ok(compare(&super::sqlite::MIGRATOR, applied(found)?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(PgConnectOptions::from_str(url)?)
            .await?;
        let found = sqlx::query_scalar(APPLIED).fetch_all(&pool).await;
        pool.close().await;
        Ok(compare(&super::postgres::MIGRATOR, applied(found)?))
    } else {
        Err(StoreError::UnsupportedUrl(
            url.split(':').next().unwrap_or_default().to_string(),
        ))
    }
}

const APPLIED: &str = "SELECT version FROM _sqlx_migrations WHERE success";

/// Versions sqlx recorded as applied; none when it never ran here (no table).
fn applied(found: Result<Vec<i64>, sqlx::Error>) -> Result<Vec<i64>, StoreError> {
    match found {
        Ok(versions) => Ok(versions),
        Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

fn compare(migrator: &Migrator, applied: Vec<i64>) -> DatabaseStatus {
    let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    DatabaseStatus {
        known: known.len(),
        applied: applied.iter().filter(|v| known.contains(v)).count(),
        unknown: applied.iter().filter(|v| !known.contains(v)).count(),
        exists: true,
    }
}
