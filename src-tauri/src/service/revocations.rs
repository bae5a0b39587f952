//! Who revoked a grant: the broker's list of requests does not say, each request's
//! history (`GET /v1/requests/{id}`, its audit events) does. Asked once per grant that
//! closed early (a final request never changes), after each resync and when one ends.

use stint_api::HistoryEntry;
use stint_client::Stint;

use super::Service;
use crate::view::Revocation;

/// How many histories are asked for at once.
const AT_ONCE: usize = 4;

impl Service {
    pub(super) fn read_revocations(&self, stint: Stint, generation: u64) {
        let ids = {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            state.model.revocations_to_ask()
        };
        if ids.is_empty() {
            return;
        }
        let service = self.clone();
        self.inner.runtime.spawn(async move {
            use futures::StreamExt;
            let Ok(broker) = stint.broker() else { return };
            let answers: Vec<(i64, Option<Revocation>)> = futures::stream::iter(ids)
                .map(|id| async move {
                    match broker.request(id).await {
                        Ok(r) => Some((id, revocation(r.history.as_deref().unwrap_or_default()))),
                        Err(e) => {
                            tracing::debug!(error = %e, id, "history not read; revoker unknown");
                            None
                        }
                    }
                })
                .buffer_unordered(AT_ONCE)
                .filter_map(|a| async move { a })
                .collect()
                .await;
            {
                let mut state = service.state();
                if state.generation != generation {
                    return;
                }
                for (id, revoked) in answers {
                    state.model.set_revocation(id, revoked);
                }
            }
            service.publish();
        });
    }
}

/// The revoke in a request's history: who did it and when.
pub fn revocation(history: &[HistoryEntry]) -> Option<Revocation> {
    history
        .iter()
        .find(|e| e.kind == "revoked")
        .map(|e| Revocation {
            by: e.actor.clone(),
            at: e.at,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::t;
    use stint_api::RequestState;

    fn entry(kind: &str, actor: &str, state: RequestState, at: i64) -> HistoryEntry {
        HistoryEntry {
            at: t(at),
            actor: actor.into(),
            kind: kind.into(),
            state,
            detail: None,
        }
    }

    #[test]
    fn the_revoke_entry_names_who_and_when() {
        let history = [
            entry("requested", "alice", RequestState::Pending, -5),
            entry("approved", "bob", RequestState::Approved, -1),
            entry("active", "stint", RequestState::Active, 0),
            entry("revoked", "bob", RequestState::Ending, 20),
            entry("ended", "stint", RequestState::Ended, 21),
        ];
        assert_eq!(
            revocation(&history),
            Some(Revocation {
                by: "bob".into(),
                at: t(20)
            })
        );
        assert_eq!(revocation(&history[..3]), None);
    }
}
