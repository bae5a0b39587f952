//! A statement written once for both backends: SQL with `?` placeholders that both
//! SQLite and PostgreSQL accept once numbered, and the values to bind, typed by what the
//! store writes. Each backend runs it through `Dialect` (its placeholders, its time
//! encoding); `writes.rs` holds the statements themselves.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{PgConnection, SqliteConnection};

use super::StoreError;
use super::rows::Columns;
use super::time::{opt_to_sqlite, truncate};

/// One value to bind.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Time(Option<DateTime<Utc>>),
}

#[derive(Debug, Clone)]
pub(super) struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    pub(super) fn new(sql: impl Into<String>) -> Self {
        Statement {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    pub(super) fn text(mut self, value: Option<impl AsRef<str>>) -> Self {
        self.values
            .push(Value::Text(value.map(|s| s.as_ref().to_string())));
        self
    }

    pub(super) fn int(mut self, value: impl Into<Option<i64>>) -> Self {
        self.values.push(Value::Int(value.into()));
        self
    }

    pub(super) fn flag(mut self, value: bool) -> Self {
        self.values.push(Value::Bool(value));
        self
    }

    pub(super) fn time(mut self, value: impl Into<Option<DateTime<Utc>>>) -> Self {
        self.values.push(Value::Time(value.into()));
        self
    }

    /// Appends more SQL (a filter's clause), to which the next values bind.
    pub(super) fn sql(mut self, more: &str) -> Self {
        self.sql.push_str(more);
        self
    }

    /// Appends `(?, ?, …)` with one placeholder per text, or `(NULL)` for none (which
    /// matches nothing, as an empty list should).
    pub(super) fn texts_in<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        if values.is_empty() {
            return self.sql("(NULL)");
        }
        let marks = vec!["?"; values.len()].join(", ");
        self = self.sql(&format!("({marks})"));
        for v in values {
            self = self.text(Some(v.as_ref()));
        }
        self
    }
}

/// `?` placeholders numbered `$1, $2, …` for PostgreSQL. The store's statements hold no
/// `?` inside string literals.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A connection (in a transaction) that runs shared statements.
#[async_trait]
pub(super) trait Dialect: Send {
    type Row: Columns + Send;
    /// What a statement that locks the row it reads appends (`FOR UPDATE`); empty where
    /// the transaction already holds the database's write lock (SQLite's `BEGIN IMMEDIATE`).
    const LOCK_ROW: &'static str;
    /// Runs the statement; how many rows it changed.
    async fn execute(&mut self, statement: Statement) -> Result<u64, StoreError>;
    async fn fetch_one(&mut self, statement: Statement) -> Result<Self::Row, StoreError>;
    async fn fetch_optional(
        &mut self,
        statement: Statement,
    ) -> Result<Option<Self::Row>, StoreError>;
    async fn fetch_all(&mut self, statement: Statement) -> Result<Vec<Self::Row>, StoreError>;
}

/// Binds each value the way `$backend` stores it (`$time` encodes a time).
macro_rules! bound {
    ($sql:expr, $values:expr, $time:expr) => {{
        let mut query = sqlx::query($sql);
        for value in $values {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Bool(v) => query.bind(v),
                Value::Time(v) => query.bind($time(v)),
            };
        }
        query
    }};
}

/// Runs statements on `$conn`, its SQL made by `$sql` and its times bound by `$time`.
macro_rules! dialect {
    ($conn:ty, $row:ty, $lock:expr, $sql:expr, $time:expr) => {
        #[async_trait]
        impl Dialect for $conn {
            type Row = $row;
            const LOCK_ROW: &'static str = $lock;

            async fn execute(&mut self, statement: Statement) -> Result<u64, StoreError> {
                let sql = $sql(&statement.sql);
                let query = bound!(&sql, statement.values, $time);
                Ok(query.execute(&mut *self).await?.rows_affected())
            }

            async fn fetch_one(&mut self, statement: Statement) -> Result<$row, StoreError> {
                let sql = $sql(&statement.sql);
                let query = bound!(&sql, statement.values, $time);
                Ok(query.fetch_one(&mut *self).await?)
            }

            async fn fetch_optional(
                &mut self,
                statement: Statement,
            ) -> Result<Option<$row>, StoreError> {
                let sql = $sql(&statement.sql);
                let query = bound!(&sql, statement.values, $time);
                Ok(query.fetch_optional(&mut *self).await?)
            }

            async fn fetch_all(&mut self, statement: Statement) -> Result<Vec<$row>, StoreError> {
                let sql = $sql(&statement.sql);
                let query = bound!(&sql, statement.values, $time);
                Ok(query.fetch_all(&mut *self).await?)
            }
        }
    };
}

/// SQLite takes `?` as written.
fn as_written(sql: &str) -> String {
    sql.to_string()
}

/// PostgreSQL keeps times to the microsecond; SQLite's text is written to the microsecond.
fn to_microseconds(at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    at.map(truncate)
}

dialect!(SqliteConnection, SqliteRow, "", as_written, opt_to_sqlite);
dialect!(
    PgConnection,
    PgRow,
    " FOR UPDATE",
    numbered,
    to_microseconds
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("UPDATE t SET a = ?, b = ? WHERE id = ? AND version = ?"),
            "UPDATE t SET a = $1, b = $2 WHERE id = $3 AND version = $4"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }
}
