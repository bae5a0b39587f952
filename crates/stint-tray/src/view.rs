//! What the tray shows, as plain data: who is signed in, the active grants and the roles
//! held without one. Read by `watch.rs` from the agent and the client core, drawn by
//! `menu.rs`; nothing here touches GTK or the network.

use chrono::{DateTime, Utc};
use stint_api::Grant;
use stint_client::Overview;
use stint_client::config::BaselineRole;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// No Identity Center is configured (`why` says what is missing).
    NotConfigured {
        why: String,
    },
    SignedOut,
    /// The login ended and cannot renew itself.
    Expired,
    /// "Sign in…" was chosen and the browser sign-in is under way.
    SigningIn,
    SignedIn {
        who: String,
    },
    /// The login could not be read (the keyring did not answer, say).
    Unknown {
        why: String,
    },
}

/// Whether this tray serves the `stint` CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serving {
    /// The agent's socket is this process's.
    Here,
    /// It could not be bound (`why`: another agent answers there, say); the tray works
    /// without serving.
    Failed { why: String },
    /// Nothing to serve: Stint is not set up.
    Unconfigured,
}

/// One role: an account and a permission set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
}

impl Role {
    /// What the agent takes: `ACCOUNT_ID/PERMISSION_SET`.
    pub fn target(&self) -> String {
        format!("{}/{}", self.account_id, self.permission_set)
    }

    /// `prod / AdministratorAccess`.
    pub fn label(&self) -> String {
        format!("{} / {}", self.account_name, self.permission_set)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantView {
    pub request_id: i64,
    /// `prod / AdministratorAccess`, or `group oncall-admins`.
    pub label: String,
    pub end_at: DateTime<Utc>,
    /// The roles it gives: its own, or its group's.
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayState {
    pub session: Session,
    pub serving: Serving,
    pub grants: Vec<GrantView>,
    /// Roles held without an active grant (standing access).
    pub roles: Vec<Role>,
    /// The broker's event stream is down: the grants are as last heard.
    pub reconnecting: bool,
    /// Why the grants could not be read, when they could not.
    pub unreadable: Option<String>,
}

impl TrayState {
    pub fn new(session: Session, serving: Serving) -> Self {
        Self {
            session,
            serving,
            grants: Vec::new(),
            roles: Vec::new(),
            reconnecting: false,
            unreadable: None,
        }
    }

    /// Takes in what `stint ls` shows: the person's active grants, soonest end first,
    /// and the roles they hold that no grant gives — but not the baseline role, which
    /// only proves who they are to the broker (the app's list leaves it out too).
    pub fn with_overview(mut self, overview: &Overview, baseline: Option<&BaselineRole>) -> Self {
        let mut grants: Vec<GrantView> = overview.grants.iter().map(grant_view).collect();
        grants.sort_by(|a, b| a.end_at.cmp(&b.end_at).then(a.label.cmp(&b.label)));
        let granted = |role: &Role| {
            grants.iter().any(|g| {
                g.roles.iter().any(|r| {
                    r.account_id == role.account_id && r.permission_set == role.permission_set
                })
            })
        };
        self.roles = overview
            .access
            .iter()
            .filter(|a| a.assigned)
            .filter(|a| {
                !baseline.is_some_and(|b| {
                    b.account_id == a.account_id && b.role_name == a.permission_set
                })
            })
            .map(|a| Role {
                account_id: a.account_id.clone(),
                account_name: a.account_name.clone(),
                permission_set: a.permission_set.clone(),
            })
            .filter(|r| !granted(r))
            .collect();
        self.grants = grants;
        self
    }
}

fn grant_view(grant: &Grant) -> GrantView {
    match &grant.group {
        Some(group) => GrantView {
            request_id: grant.request_id,
            label: format!("group {}", group.name),
            end_at: grant.end_at,
            roles: group
                .gives
                .iter()
                .map(|a| Role {
                    account_id: a.account.id.clone(),
                    account_name: a.account.name.clone(),
                    permission_set: a.permission_set.clone(),
                })
                .collect(),
        },
        None => {
            let role = Role {
                account_id: grant.account.id.clone(),
                account_name: grant.account.name.clone(),
                permission_set: grant.permission_set.name.clone(),
            };
            GrantView {
                request_id: grant.request_id,
                label: role.label(),
                end_at: grant.end_at,
                roles: vec![role],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use stint_client::AccessEntry;

    use super::*;

    fn held(account_id: &str, permission_set: &str) -> AccessEntry {
        AccessEntry {
            account_id: account_id.to_owned(),
            account_name: format!("acct-{account_id}"),
            permission_set: permission_set.to_owned(),
            assigned: true,
            eligible: false,
            max_duration_secs: None,
            approval_required: None,
            max_without_approval_secs: None,
        }
    }

    #[test]
    fn the_baseline_role_is_not_listed_among_the_roles_held() {
        let overview = Overview {
            access: vec![
                held("222222222222", "StintBaseline"),
                held("222222222222", "ReadOnly"),
                held("111111111111", "StintBaseline"),
            ],
            ..Overview::default()
        };
        let baseline = BaselineRole {
            account_id: "222222222222".to_owned(),
            role_name: "StintBaseline".to_owned(),
        };
        let signed_in = || {
            TrayState::new(
                Session::SignedIn {
                    who: "Alice".to_owned(),
                },
                Serving::Here,
            )
        };
        let targets =
            |state: TrayState| -> Vec<String> { state.roles.iter().map(Role::target).collect() };
        // Only the baseline itself goes: the same role name in another account is a role.
        assert_eq!(
            targets(signed_in().with_overview(&overview, Some(&baseline))),
            ["222222222222/ReadOnly", "111111111111/StintBaseline"]
        );
        // Without a baseline configured, everything held is listed.
        assert_eq!(targets(signed_in().with_overview(&overview, None)).len(), 3);
    }
}
