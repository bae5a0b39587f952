//! The payload of a finding of session activity: a grant's credentials used after its
//! window ended (`activity::watch`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::State;

/// Calls made with a grant's credentials after its window, one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityAfterWindow {
    /// Always true: someone should look.
    pub alert: bool,
    /// The request's state when the finding was recorded.
    pub state: State,
    pub detail: String,
    /// Calls found after the window in this look.
    pub count: usize,
    pub window_end: DateTime<Utc>,
    pub account_id: String,
    pub permission_set: String,
    pub user_name: String,
    /// Where this finding stopped: the next look starts after it.
    pub last_event_time: DateTime<Utc>,
    pub last_event_id: String,
    /// The first few calls, named.
    pub events: Vec<CallAfterWindow>,
}

/// One CloudTrail call named in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAfterWindow {
    pub event_time: DateTime<Utc>,
    pub event_source: String,
    pub event_name: String,
    pub aws_region: String,
    pub source_ip_address: Option<String>,
    pub event_id: String,
}
