//! Many grants at once while 30% of Identity Center calls fail (throttling, 5xx, conflicts):
//! every grant still gets its access on time and loses it at its end, and reconciliation
//! finds nothing left to repair.

use chrono::Duration as Span;
use stint_broker::model::{Actor, State};

use crate::support::databases::*;
use crate::support::engine::fake_idc::key_for;
use crate::support::engine::*;

fn engineer(i: usize) -> Actor {
    Actor {
        person: person(&format!("eng{i}")),
        groups: vec!["engineers".into()],
        admin: false,
    }
}

#[tokio::test]
async fn every_assignment_ends_correct_under_thirty_percent_faults() {
    for db in databases().await {
        let h = Harness::new(db).await;
        h.idc.set_fault_rate(0.3);
        let mut requests = Vec::new();
        let mut pairs = Vec::new();
        for i in 0..12 {
            let actor = engineer(i);
            let mut g = grant(5 + i as u64, false);
            g.start_at = Some(h.now() + Span::minutes((i % 3) as i64));
            let first = h.engine.create(&actor, g).await.unwrap();
            requests.push((actor.clone(), first.id));
            if i % 4 == 0 {
                // An overlapping second grant of the same tuple, longer than the first.
                let second = h.engine.create(&actor, grant(20, false)).await.unwrap();
                pairs.push((actor.clone(), first.id));
                requests.push((actor, second.id));
            }
        }
        h.drive(Span::minutes(3)).await;
        for (actor, id) in &requests {
            let r = h.engine.request(*id).await.unwrap();
            assert_eq!(r.state, State::Active, "{}: request {id}", h.db.name);
            assert!(h.idc.has(&key_for(&actor.person.user_id, PROD)));
        }
        // Revoke one of each overlapping pair early: the other keeps the access.
        assert_eq!(pairs.len(), 3);
        for (actor, id) in &pairs {
            h.engine.revoke(*id, actor, None).await.unwrap();
        }
        h.drive(Span::minutes(1)).await;
        for (actor, id) in &pairs {
            assert_eq!(h.engine.request(*id).await.unwrap().state, State::Ended);
            assert!(
                h.idc.has(&key_for(&actor.person.user_id, PROD)),
                "revoking one grant took the access the other still holds"
            );
        }

        h.drive(Span::minutes(30)).await;
        for (actor, id) in &requests {
            let r = h.engine.request(*id).await.unwrap();
            assert_eq!(
                r.state,
                State::Ended,
                "{}: request {id}: {:?}",
                h.db.name,
                r.outcome
            );
            assert!(
                !h.idc.has(&key_for(&actor.person.user_id, PROD)),
                "access outlived its grant"
            );
        }
        assert!(h.engine.metrics().retries("throttled") > 0);
        h.idc.clear_faults();
        let report = h.engine.reconcile().await.unwrap();
        assert_eq!(report.drift_total(), 0, "{report:?}");
        let v = h.engine.verify_audit().await.unwrap();
        assert!(v.ok());
    }
}
