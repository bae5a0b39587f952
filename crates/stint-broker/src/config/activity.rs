//! The `[activity]` table: where the organization trail's events are read from (a
//! CloudWatch Logs log group, through Logs Insights) and how the broker watches grants that
//! ended for use of their credentials after the window.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityConfig {
    /// The log group the organization trail delivers to. Unset: session activity is off
    /// (the activity endpoint answers 404 "not configured on this broker", nothing is watched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    /// The log group's region; Identity Center's when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The longest one reading of the trail may take, start to last result, including
    /// waiting for the Logs Insights query to complete.
    #[serde(with = "duration")]
    pub query_timeout: Duration,
    /// How late CloudTrail may deliver an event to the log group. Shown next to every
    /// activity page ("events of the last N minutes may be missing"), and how long the
    /// watch keeps looking after the last credentials of a grant expire.
    #[serde(with = "duration")]
    pub delivery_lag: Duration,
    /// How often grants that ended are checked for use after their window; `0s` turns
    /// the watch off.
    #[serde(with = "duration")]
    pub watch_interval: Duration,
}

impl Default for ActivityConfig {
    fn default() -> Self {
        Self {
            log_group: None,
            region: None,
            query_timeout: Duration::from_secs(30),
            delivery_lag: Duration::from_secs(15 * 60),
            watch_interval: Duration::from_secs(5 * 60),
        }
    }
}
