//! Which notifications the person wants: set in the window's Settings, kept in the app's
//! `app.toml` under `[notifications]`, and honoured by whichever program shows them.

use serde::{Deserialize, Serialize};

/// Which notifications to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    pub approved: bool,
    pub rejected: bool,
    pub active: bool,
    pub expiring: bool,
    pub ended: bool,
    /// For approvers: a new request to review.
    pub to_review: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            approved: true,
            rejected: true,
            active: true,
            expiring: true,
            ended: true,
            to_review: true,
        }
    }
}
