//! The rules about requests that the notices, the menus and the window all follow.

use std::collections::BTreeMap;

use chrono::Duration;
use stint_api::{AccessRequest, RequestState};

/// The "5 minutes left" warning, and the tray's expiring look.
pub const EXPIRING_SOON: Duration = Duration::minutes(5);
/// A window that closes this much before its end was ended early (revoked).
const EARLY: Duration = Duration::seconds(30);

/// Requests as one item per request set: each set's members gathered at the place of its
/// first member, in order; a request on its own is an item of one. The broker acts on a
/// set as one (an approve, reject, cancel, extend or revoke of any member does them all),
/// so the tray and the window offer it as one.
pub fn by_set(requests: &[AccessRequest]) -> Vec<Vec<&AccessRequest>> {
    let mut items: Vec<Vec<&AccessRequest>> = Vec::new();
    let mut at: BTreeMap<i64, usize> = BTreeMap::new();
    for r in requests {
        match r.set_id.and_then(|set| at.get(&set).copied()) {
            Some(i) => items[i].push(r),
            None => {
                if let Some(set) = r.set_id {
                    at.insert(set, items.len());
                }
                items.push(vec![r]);
            }
        }
    }
    items
}

/// Whether an approver has something to decide: a new request, or a longer window for
/// one already approved (`pendingEndAt`, the end the extension asks for).
pub fn awaits_decision(r: &AccessRequest) -> bool {
    match r.state {
        RequestState::Pending => true,
        RequestState::Approved | RequestState::Activating | RequestState::Active => {
            r.pending_end_at.is_some()
        }
        _ => false,
    }
}

/// Whether a grant's window closed before its full length: a revoke moves `endAt` to
/// that moment and leaves the length asked for (`durationSecs`, which an extension
/// lengthens) as it was; a grant revoked before it started closed before its start.
pub fn closed_early(r: &AccessRequest) -> bool {
    let ran = r.end_at.min(r.updated_at) - r.start_at;
    r.updated_at < r.start_at || ran + EARLY < Duration::seconds(i64::from(r.duration_secs))
}

/// Grants of five minutes or less get no "5 minutes left": it would come with "active".
pub fn warns(r: &AccessRequest) -> bool {
    r.end_at - r.start_at > EXPIRING_SOON
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::req;

    #[test]
    fn request_sets_are_gathered_at_their_first_member() {
        let mut a = req(1, RequestState::Pending, 0);
        a.set_id = Some(1);
        let b = req(2, RequestState::Pending, 0);
        let mut c = req(3, RequestState::Pending, 0);
        c.set_id = Some(1);
        let ids: Vec<Vec<i64>> = by_set(&[a, b, c])
            .iter()
            .map(|item| item.iter().map(|r| r.id).collect())
            .collect();
        assert_eq!(ids, [vec![1, 3], vec![2]]);
    }
}
