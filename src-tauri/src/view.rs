//! What the window is shown: the types that cross to the UI as JSON. Their TypeScript
//! declarations are generated from here (`ui/src/lib/bindings/`, see `bindings.rs`), so
//! the UI never copies a shape by hand.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stint_api::AccessRequest;

pub use stint_notices::NotificationPrefs;

use crate::error::CommandError;

/// Everything the window and the tray show, pushed on every change (`stint://state`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub session: SessionView,
    pub broker: BrokerLink,
    /// The person's grants that are active now, soonest to end first.
    pub active: Vec<GrantView>,
    /// The person's requests on their way: pending, approved (starting later), activating.
    pub pending: Vec<AccessRequest>,
    /// What the person may decide, oldest first: pending requests, and extensions of
    /// grants already approved (`pendingEndAt` set).
    pub approvals: Vec<AccessRequest>,
    /// The person's finished requests, newest first.
    pub history: Vec<HistoryItem>,
    /// The roles the person holds without a request (standing access in the portal).
    pub standing: StandingView,
}

/// A finished request, and for a grant ended early, who ended it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryItem {
    pub request: AccessRequest,
    /// Present once the request's history (`GET /v1/requests/{id}`) has said who revoked
    /// it; the broker's list of requests does not.
    pub revoked: Option<Revocation>,
}

/// Who revoked a grant, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Revocation {
    /// The user name of whoever revoked it (the requester themselves, an approver, an admin).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The roles the person holds without a request, as last read from the access portal
/// (at sign-in, after every reconnect, when a grant ends, and on Refresh).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StandingView {
    /// By account name, then role; roles given by an active grant are shown as the grant.
    pub roles: Vec<RoleView>,
    /// When the portal was last read; absent until it has been.
    pub read_at: Option<DateTime<Utc>>,
    /// Why the last reading failed (the roles read before stay shown).
    pub error: Option<CommandError>,
}

/// One role held without a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoleView {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    /// Where Open console went last time for this role.
    pub console: ConsoleChoice,
}

/// Names a role the window acts on: an account id and a permission set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RoleKey {
    pub account_id: String,
    pub permission_set: String,
}

impl RoleKey {
    /// A role a group's membership gives: one of the group's account assignments.
    pub fn given_by_group(a: &stint_api::GroupAccessRef) -> Self {
        RoleKey {
            account_id: a.account.id.clone(),
            permission_set: a.permission_set.clone(),
        }
    }
}

/// Where Open console lands: a region and a console service (`s3`, `ec2`...). Empty
/// fields mean the defaults: the console home, in the preferred or Identity Center region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ConsoleChoice {
    pub region: Option<String>,
    pub service: Option<String>,
}

/// Where sign-in stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionView {
    /// The start URL, region or broker are not set: the Settings view comes first.
    NotConfigured {
        missing: String,
    },
    SignedOut {
        /// Why the last sign-in ended, when it did not end by choice.
        reason: Option<String>,
    },
    SigningIn {
        /// Device code: absent until Identity Center has issued a code.
        prompt: Option<DevicePromptView>,
        /// Browser sign-in: absent until the sign-in page is ready.
        browser: Option<BrowserSignInView>,
    },
    SignedIn {
        user: UserView,
    },
}

/// The device code the person confirms on the verification page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DevicePromptView {
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_at: DateTime<Utc>,
    pub browser_opened: bool,
    /// Why the browser could not be opened; the window then offers the link.
    pub browser_error: Option<String>,
}

/// The browser sign-in: the person allows Stint on the page the browser opened, which then
/// sends the browser back to the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BrowserSignInView {
    /// The sign-in page; it must be opened on this computer.
    pub authorize_url: String,
    /// When the app stops waiting for the browser.
    pub expires_at: DateTime<Utc>,
    pub browser_opened: bool,
    /// Why the browser could not be opened; the window then offers the link.
    pub browser_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub user_name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    /// Shows the Approvals view and the tray's "Approvals (N)".
    pub approver: bool,
}

/// The link to the broker's event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BrokerLink {
    /// Not signed in, or no broker configured.
    Offline,
    Connecting,
    Live,
    /// The stream dropped; the client retries with backoff. What the person reads, and
    /// the technical cause for the "details" disclosure.
    Reconnecting {
        message: String,
        detail: String,
    },
}

/// An active grant with what the app knows of the credentials issued for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GrantView {
    pub request: AccessRequest,
    /// When credentials this app handed out for this grant stop working (for a group
    /// grant, the last of its roles' to expire). They outlive the grant when it ends
    /// first: AWS cannot end a session early.
    pub credentials_expire_at: Option<DateTime<Utc>>,
    /// How much Extend may add (seconds), within policy's longest window; empty when the
    /// grant is at its maximum.
    pub extend_steps: Vec<u32>,
    /// Where Open console went last time for this role.
    pub console: ConsoleChoice,
    /// For a group grant, the roles membership gives (the group's account assignments as
    /// the broker last read them), each with its own console and credentials; empty for a
    /// grant of one role, which is the request's own account and permission set.
    pub gives: Vec<GivenRole>,
}

/// One role a group grant gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GivenRole {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    /// Where Open console went last time for this role.
    pub console: ConsoleChoice,
    /// When credentials this app handed out for this role stop working.
    pub credentials_expire_at: Option<DateTime<Utc>>,
}

impl GivenRole {
    pub fn key(&self) -> RoleKey {
        RoleKey {
            account_id: self.account_id.clone(),
            permission_set: self.permission_set.clone(),
        }
    }
}

/// The window's views; notifications and the tray open one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum View {
    SignIn,
    Request,
    Access,
    Approvals,
    Settings,
}

/// A notification's click opens the view about it.
impl From<stint_notices::Place> for View {
    fn from(place: stint_notices::Place) -> Self {
        match place {
            stint_notices::Place::Access => View::Access,
            stint_notices::Place::Approvals => View::Approvals,
        }
    }
}

/// `stint://navigate`: show `view`, scrolled to `request_id` when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Navigate {
    pub view: View,
    #[cfg_attr(test, ts(type = "number | null"))]
    pub request_id: Option<i64>,
    /// A question to put at once: the tray's "Revoke…" and "Sign out" with active access
    /// open the window asking, rather than acting on one click.
    pub ask: Option<Ask>,
}

/// What [`Navigate`] asks the person to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    Revoke,
    SignOut,
}

/// What "Copy credentials" puts on the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CopyFormat {
    /// bash and zsh `export` lines.
    Env,
    Fish,
    Powershell,
    /// A `~/.aws/config` profile whose `credential_process` runs `stint`.
    ProfileLine,
}

/// The answer to "Copy credentials": what was copied, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Copied {
    pub format: CopyFormat,
    /// When the copied credentials stop working; absent for a profile line, which
    /// fetches fresh ones each time.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The Settings view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub broker_url: String,
    pub start_url: String,
    pub region: String,
    pub notifications: NotificationPrefs,
    pub start_at_login: bool,
    /// Settings fixed by `STINT_*` environment variables: what is typed here for them
    /// is saved but does not apply while the variable is set.
    pub overridden: Vec<String>,
}

/// What the broker says about itself, shown in Settings before saving a broker URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BrokerProbe {
    pub start_url: String,
    pub region: String,
}
