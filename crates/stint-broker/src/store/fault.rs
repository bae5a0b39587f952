//! A write the database refused because it cannot take writes at all — a read-only file,
//! connection or server, or a full disk — told apart from other failures, so the broker
//! says so ("database is read-only: …") instead of a generic error, and `/healthz` can
//! report it. The database's own words are kept only where they are fixed text (SQLite's
//! result messages, PostgreSQL's SQLSTATE): other messages can quote a statement's values.

use super::StoreError;

/// Why the database takes no writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteFault {
    /// The file, the connection or the server is read-only (a read-only mount or file mode,
    /// `?mode=ro`, a PostgreSQL standby or `default_transaction_read_only`).
    ReadOnly(String),
    /// The disk (or the database's size limit) is full.
    Full(String),
}

impl std::fmt::Display for WriteFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteFault::ReadOnly(detail) => write!(
                f,
                "database is read-only: {detail}. The broker still reads, but records nothing — no request, decision, sign-in or revocation — until the database takes writes again: for SQLite check the file's and its folder's permissions and that its file system is mounted read-write; for PostgreSQL that the URL names the primary and default_transaction_read_only is off"
            ),
            WriteFault::Full(detail) => write!(
                f,
                "database is full: {detail}. The broker still reads, but records nothing — no request, decision, sign-in or revocation — until there is space again: free disk space where the database lives"
            ),
        }
    }
}

/// SQLite's primary result codes for a read-only database and a full one.
const SQLITE_READONLY: i64 = 8;
const SQLITE_FULL: i64 = 13;

impl StoreError {
    /// Whether this failure means the database takes no writes at all.
    pub fn write_fault(&self) -> Option<WriteFault> {
        use sqlx::migrate::MigrateError;
        let db = match self {
            StoreError::Database(sqlx::Error::Database(db))
            | StoreError::Migrate(
                MigrateError::Execute(sqlx::Error::Database(db))
                | MigrateError::ExecuteMigration(sqlx::Error::Database(db), _),
            ) => db,
            _ => return None,
        };
        let code = db.code()?;
        if db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
        {
            return match code.as_ref() {
                "25006" => Some(WriteFault::ReadOnly(
                    "PostgreSQL refused the write (SQLSTATE 25006, read_only_sql_transaction)"
                        .into(),
                )),
                "53100" => Some(WriteFault::Full(
                    "PostgreSQL refused the write (SQLSTATE 53100, disk_full)".into(),
                )),
                _ => None,
            };
        }
        // SQLite reports extended result codes; the primary code is the low byte.
        let extended: i64 = code.parse().ok()?;
        let detail = |what: &str| format!("SQLite refused the write (code {extended}: {what})");
        match extended & 0xff {
            SQLITE_READONLY => Some(WriteFault::ReadOnly(detail(
                "attempt to write a readonly database",
            ))),
            SQLITE_FULL => Some(WriteFault::Full(detail("database or disk is full"))),
            _ => None,
        }
    }
}
