//! The database: reachable with the configured URL, and its schema current — checked
//! read-only (`serve` creates the file and applies migrations; doctor changes nothing).

use super::Check;
use crate::config::Config;
use crate::store;

pub(super) async fn check(config: &Config, checks: &mut Vec<Check>) {
    let url = &config.database_url;
    checks.push(match store::status(url.expose()).await {
        Ok(s) if !s.exists => Check::warn(
            "database",
            format!("{} does not exist yet", url.redacted()),
            "nothing to do if this is a new broker: `serve` creates it; otherwise correct database_url",
        ),
        Ok(s) if s.unknown > 0 => Check::fail(
            "database",
            format!(
                "{} has {} migration(s) this broker does not know: a newer broker ran on it",
                url.redacted(),
                s.unknown
            ),
            "run the newer broker version (downgrades are not supported)",
        ),
        Ok(s) if s.applied < s.known => Check::warn(
            "database",
            format!(
                "{} reachable; {} of {} migrations applied",
                url.redacted(),
                s.applied,
                s.known
            ),
            "nothing to do: `serve` applies the rest at start",
        ),
        Ok(s) => Check::ok(
            "database",
            format!("{} reachable, schema current ({} migrations)", url.redacted(), s.known),
        ),
        Err(e) => Check::fail(
            "database",
            format!("cannot reach {}: {e}", url.redacted()),
            "check database_url (STINT_DATABASE_URL), the server and the password",
        ),
    });
}
