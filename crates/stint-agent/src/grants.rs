//! The person's active grants as the broker's event stream says: replaced whole on every
//! (re)connection, then changed by each event about the person's own requests. The agent
//! answers from this instead of asking the broker on every call.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use stint_api::{AccessRequest, Grant, GroupRef, RequestState};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    /// The (account id, permission set) roles it gives: its own, or its group's.
    roles: Vec<(String, String)>,
    end_at: DateTime<Utc>,
}

/// The roles a request gives once active: its assignment, or what its group gives.
pub fn roles_of(
    group: Option<&GroupRef>,
    account_id: &str,
    permission_set: &str,
) -> Vec<(String, String)> {
    match group {
        Some(group) => group
            .gives
            .iter()
            .map(|a| (a.account.id.clone(), a.permission_set.clone()))
            .collect(),
        None => vec![(account_id.to_owned(), permission_set.to_owned())],
    }
}

/// What the agent knows of the person's grants.
#[derive(Debug, Default)]
pub struct GrantBook {
    /// The person's Identity Center user id, once known: events also tell approvers
    /// about other people's requests.
    me: Option<String>,
    /// Active grants by request id.
    windows: HashMap<i64, Window>,
    /// Whether the book was ever filled from the broker; before that it knows nothing.
    synced: bool,
    /// Whether the event stream is connected now.
    connected: bool,
}

/// What the book says about one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// An active grant covers it until then.
    Granted { until: DateTime<Utc> },
    /// The broker's picture has no active grant for it.
    NotGranted,
    /// The book was never filled (no broker, or not reached yet).
    Unknown,
}

impl GrantBook {
    /// Replaces the picture with the broker's list (after a (re)connection).
    pub fn replace(&mut self, me: &str, grants: &[Grant]) {
        self.me = Some(me.to_owned());
        self.windows = grants
            .iter()
            .filter(|g| g.user.user_id == me)
            .map(|g| {
                (
                    g.request_id,
                    Window {
                        roles: roles_of(g.group.as_ref(), &g.account.id, &g.permission_set.name),
                        end_at: g.end_at,
                    },
                )
            })
            .collect();
        self.synced = true;
    }

    /// Applies one event's request: active adds or moves the window, anything else
    /// removes it. Other people's requests (an approver sees them) change nothing.
    pub fn apply(&mut self, request: &AccessRequest) {
        if self.me.as_deref() != Some(request.requester.user_id.as_str()) {
            return;
        }
        if request.state == RequestState::Active {
            self.windows.insert(
                request.id,
                Window {
                    roles: roles_of(
                        request.group.as_ref(),
                        &request.account.id,
                        &request.permission_set.name,
                    ),
                    end_at: request.end_at,
                },
            );
        } else {
            self.windows.remove(&request.id);
        }
    }

    pub fn set_connected(&mut self, connected: bool) {
        self.connected = connected;
    }

    pub fn connected(&self) -> bool {
        self.connected
    }

    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Whether `account_id`/`permission_set` is granted at `now`: the latest end among
    /// the grants that cover it (overlapping grants share a target).
    pub fn standing(&self, account_id: &str, permission_set: &str, now: DateTime<Utc>) -> Standing {
        if !self.synced {
            return Standing::Unknown;
        }
        self.windows
            .values()
            .filter(|w| {
                w.roles
                    .iter()
                    .any(|(a, p)| a == account_id && p == permission_set)
            })
            .filter(|w| w.end_at > now)
            .map(|w| w.end_at)
            .max()
            .map_or(Standing::NotGranted, |until| Standing::Granted { until })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use stint_api::{AccountRef, PermissionSetRef, UserRef};

    use super::*;

    fn user(id: &str) -> UserRef {
        UserRef {
            user_id: id.into(),
            user_name: id.into(),
            display_name: id.into(),
        }
    }

    fn grant(id: i64, who: &str, end: DateTime<Utc>) -> Grant {
        Grant {
            request_id: id,
            user: user(who),
            account: AccountRef {
                id: "333333333333".into(),
                name: "prod".into(),
            },
            permission_set: PermissionSetRef {
                name: "ReadOnlyAccess".into(),
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
                description: None,
                session_duration_secs: 3600,
            },
            group: None,
            started_at: end - Duration::hours(1),
            end_at: end,
        }
    }

    fn request(g: &Grant, state: RequestState) -> AccessRequest {
        serde_json::from_value(serde_json::json!({
            "id": g.request_id,
            "requester": g.user,
            "account": g.account,
            "permissionSet": g.permission_set,
            "state": state,
            "reason": "r",
            "ticket": null,
            "durationSecs": 3600,
            "startAt": g.started_at,
            "endAt": g.end_at,
            "approvalRequired": false,
            "approvalDeadline": null,
            "decidedBy": null,
            "decisionComment": null,
            "outcome": null,
            "createdAt": g.started_at,
            "updatedAt": g.started_at,
            "history": null
        }))
        .unwrap()
    }

    const PS: &str = "ReadOnlyAccess";
    const ACCOUNT: &str = "333333333333";

    #[test]
    fn a_group_grant_covers_the_roles_its_group_gives_until_it_ends() {
        let now = Utc::now();
        let mut g = grant(9, "alice", now + Duration::minutes(30));
        g.account.id = String::new();
        g.permission_set.name = String::new();
        g.group = Some(GroupRef {
            id: "g-1".into(),
            name: "oncall-admins".into(),
            gives: vec![
                stint_api::GroupAccessRef {
                    account: AccountRef {
                        id: ACCOUNT.into(),
                        name: "prod".into(),
                    },
                    permission_set: "AdministratorAccess".into(),
                },
                stint_api::GroupAccessRef {
                    account: AccountRef {
                        id: "444444444444".into(),
                        name: "staging".into(),
                    },
                    permission_set: "AdministratorAccess".into(),
                },
            ],
        });
        let mut book = GrantBook::default();
        book.replace("alice", std::slice::from_ref(&g));
        for account in [ACCOUNT, "444444444444"] {
            assert_eq!(
                book.standing(account, "AdministratorAccess", now),
                Standing::Granted { until: g.end_at }
            );
        }
        assert_eq!(book.standing(ACCOUNT, PS, now), Standing::NotGranted);
        let mut ended = request(&g, RequestState::Ending);
        ended.group = g.group.clone();
        book.apply(&ended);
        assert_eq!(
            book.standing(ACCOUNT, "AdministratorAccess", now),
            Standing::NotGranted
        );
    }

    #[test]
    fn nothing_is_known_before_the_first_sync() {
        let book = GrantBook::default();
        assert_eq!(book.standing(ACCOUNT, PS, Utc::now()), Standing::Unknown);
    }

    #[test]
    fn a_revoke_event_ends_the_grant_and_other_peoples_events_change_nothing() {
        let now = Utc::now();
        let mine = grant(7, "alice", now + Duration::minutes(30));
        let mut book = GrantBook::default();
        book.replace("alice", std::slice::from_ref(&mine));
        assert_eq!(
            book.standing(ACCOUNT, PS, now),
            Standing::Granted { until: mine.end_at }
        );
        // bob's request for the same target, seen as his approver, ends: not ours.
        let bobs = grant(8, "bob", now + Duration::minutes(30));
        book.apply(&request(&bobs, RequestState::Ending));
        assert!(matches!(
            book.standing(ACCOUNT, PS, now),
            Standing::Granted { .. }
        ));
        book.apply(&request(&mine, RequestState::Ending));
        assert_eq!(book.standing(ACCOUNT, PS, now), Standing::NotGranted);
    }

    #[test]
    fn overlapping_grants_keep_the_target_until_the_last_one_ends() {
        let now = Utc::now();
        let short = grant(1, "alice", now + Duration::minutes(10));
        let long = grant(2, "alice", now + Duration::minutes(50));
        let mut book = GrantBook::default();
        book.replace(
            "alice",
            &[short.clone(), grant(3, "bob", now + Duration::hours(5))],
        );
        book.apply(&request(&long, RequestState::Active));
        assert_eq!(
            book.standing(ACCOUNT, PS, now),
            Standing::Granted { until: long.end_at }
        );
        book.apply(&request(&long, RequestState::Ended));
        assert_eq!(
            book.standing(ACCOUNT, PS, now),
            Standing::Granted {
                until: short.end_at
            }
        );
        // Past its end a window no longer counts, event or not.
        assert_eq!(
            book.standing(ACCOUNT, PS, now + Duration::minutes(11)),
            Standing::NotGranted
        );
    }
}
