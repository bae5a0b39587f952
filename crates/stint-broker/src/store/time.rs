//! How times are kept in the database: to the microsecond (PostgreSQL's precision), and in
//! SQLite as fixed-width UTC text so that text order is time order.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

use super::StoreError;

const SQLITE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// Drops sub-microsecond digits, so a time survives a round trip through either backend.
pub fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

pub fn to_sqlite(at: DateTime<Utc>) -> String {
    at.format(SQLITE_FORMAT).to_string()
}

pub fn opt_to_sqlite(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(to_sqlite)
}

pub fn from_sqlite(text: &str) -> Result<DateTime<Utc>, StoreError> {
    NaiveDateTime::parse_from_str(text, SQLITE_FORMAT)
        .map(|naive| naive.and_utc())
        .map_err(|e| StoreError::Corrupt(format!("bad time {text:?}: {e}")))
}

pub fn opt_from_sqlite(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.as_deref().map(from_sqlite).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_round_trips_and_sorts_like_time() {
        let a = DateTime::parse_from_rfc3339("2026-01-01T10:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = DateTime::parse_from_rfc3339("2026-01-01T10:00:00.45Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for t in [a, b, c] {
            assert_eq!(from_sqlite(&to_sqlite(t)).unwrap(), t);
        }
        let mut texts = vec![to_sqlite(a), to_sqlite(b), to_sqlite(c)];
        texts.sort();
        assert_eq!(texts, vec![to_sqlite(c), to_sqlite(b), to_sqlite(a)]);
    }

    #[test]
    fn truncation_keeps_microseconds() {
        let t = DateTime::parse_from_rfc3339("2026-01-01T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(truncate(t).timestamp_subsec_nanos(), 123_456_000);
    }
}
