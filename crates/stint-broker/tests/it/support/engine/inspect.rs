//! What the engine tests ask of a harness: a request's event kinds and state, what a
//! person may decide on, and that the audit chain is intact.

use stint_broker::model::{Actor, State};
use stint_broker::workflow::{ListQuery, Scope};

use crate::support::engine::fake_idc::key_for;
use crate::support::engine::*;

pub fn alice_key() -> stint_broker::idc::AssignmentKey {
    key_for("u-alice", PROD)
}

pub async fn kinds(h: &Harness, id: i64) -> Vec<String> {
    h.engine
        .request_details(id)
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.kind.clone())
        .collect()
}

pub async fn state(h: &Harness, id: i64) -> State {
    h.engine.request(id).await.unwrap().state
}

/// The ids of the requests `who` may decide on now.
pub async fn approvable(h: &Harness, who: &Actor) -> Vec<i64> {
    let page = h
        .engine
        .list(
            who,
            ListQuery {
                scope: Scope::Approvable,
                states: vec![],
                account_id: None,
                cursor: None,
                limit: None,
            },
        )
        .await
        .unwrap();
    page.items.iter().map(|i| i.id).collect()
}

pub async fn assert_chain_intact(h: &Harness) {
    let v = h.engine.verify_audit().await.unwrap();
    assert!(
        v.ok(),
        "{}: audit chain broken: {:?}",
        h.db.name,
        v.first_bad
    );
    assert!(v.events > 0);
}
