//! Tampering with the audit log is caught, at the row where it happened, on both backends:
//! an edited row, a deleted row, a row inserted in the middle, and rows appended or removed
//! at the end behind the broker's back.

use std::sync::Arc;

use stint_broker::audit::{GENESIS_HASH, event_hash, verify};
use stint_broker::model::audit::RequestStep;
use stint_broker::model::{AuditEvent, NewEvent, State};
use stint_broker::store::{self, Store};

use crate::support::databases::*;
use crate::support::engine::*;

/// Raw access to the database, as someone with the file or a database login has.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn open(db: &TestDb) -> Raw {
        if db.url.starts_with("sqlite") {
            Raw::Sqlite(sqlx::SqlitePool::connect(&db.url).await.unwrap())
        } else {
            Raw::Postgres(sqlx::PgPool::connect(&db.url).await.unwrap())
        }
    }

    /// Runs statements; `?` placeholders are not used, values are inlined.
    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(pool) => {
                sqlx::raw_sql(sql).execute(pool).await.unwrap();
            }
            Raw::Postgres(pool) => {
                sqlx::raw_sql(sql).execute(pool).await.unwrap();
            }
        }
    }

    /// The append-only triggers stop accidents, not someone determined: drop them first.
    async fn drop_guards(&self) {
        match self {
            Raw::Sqlite(_) => {
                self.exec(
                    "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;",
                )
                .await
            }
            Raw::Postgres(_) => {
                self.exec("DROP TRIGGER audit_events_no_update ON audit_events;")
                    .await
            }
        }
    }

    fn time_literal(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        match self {
            Raw::Sqlite(_) => format!("'{}'", at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
            Raw::Postgres(_) => format!("'{}'::timestamptz", at.to_rfc3339()),
        }
    }
}

async fn seeded(db: &TestDb) -> Arc<dyn Store> {
    let store = store::open(&db.url).await.unwrap();
    for i in 0..6 {
        store
            .commit(&stint_broker::store::Change {
                at: t0(),
                events: vec![NewEvent {
                    at: t0() + chrono::Duration::seconds(i),
                    actor: "alice".into(),
                    request_id: Some(i + 1),
                    event: AuditEvent::Activating(RequestStep {
                        state: State::Activating,
                        from: Some(State::Approved),
                        detail: Some(format!("n {i}")),
                    }),
                }],
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let v = verify(store.as_ref()).await.unwrap();
    assert!(
        v.ok(),
        "{}: fresh chain does not verify: {:?}",
        db.name,
        v.first_bad
    );
    assert_eq!(v.events, 6);
    store
}

async fn first_bad(store: &Arc<dyn Store>) -> (i64, String) {
    verify(store.as_ref())
        .await
        .unwrap()
        .first_bad
        .expect("tampering went unnoticed")
}

#[tokio::test]
async fn the_guards_refuse_edits_and_deletes() {
    for db in databases().await {
        let store = seeded(&db).await;
        let raw = Raw::open(&db).await;
        let edit = match &raw {
            Raw::Sqlite(pool) => sqlx::raw_sql("UPDATE audit_events SET actor = 'mallory'")
                .execute(pool)
                .await
                .map(|_| ()),
            Raw::Postgres(pool) => sqlx::raw_sql("UPDATE audit_events SET actor = 'mallory'")
                .execute(pool)
                .await
                .map(|_| ()),
        };
        assert!(edit.is_err(), "{}: the log accepted an update", db.name);
        assert!(verify(store.as_ref()).await.unwrap().ok());
    }
}

#[tokio::test]
async fn an_edited_row_is_found() {
    for db in databases().await {
        let store = seeded(&db).await;
        let raw = Raw::open(&db).await;
        raw.drop_guards().await;
        raw.exec("UPDATE audit_events SET data = '{\"state\":\"approved\",\"n\":2}' WHERE seq = 3")
            .await;
        let (seq, why) = first_bad(&store).await;
        assert_eq!(seq, 3, "{}: {why}", db.name);
        assert!(why.contains("edited"), "{why}");
    }
}

#[tokio::test]
async fn a_deleted_row_is_found() {
    for db in databases().await {
        let store = seeded(&db).await;
        let raw = Raw::open(&db).await;
        raw.drop_guards().await;
        raw.exec("DELETE FROM audit_events WHERE seq = 4").await;
        let (seq, why) = first_bad(&store).await;
        assert_eq!(seq, 4, "{}: {why}", db.name);
        assert!(why.contains("missing"), "{why}");
    }
}

#[tokio::test]
async fn a_row_inserted_in_the_middle_is_found() {
    for db in databases().await {
        let store = seeded(&db).await;
        let raw = Raw::open(&db).await;
        raw.drop_guards().await;
        // Make room at seq 3 (highest first, so the key stays unique), then forge an event
        // there that points at event 2's hash.
        for seq in (3..=6).rev() {
            raw.exec(&format!(
                "UPDATE audit_events SET seq = {} WHERE seq = {seq}",
                seq + 1
            ))
            .await;
        }
        let chain = store.audit_chain(0, 10).await.unwrap();
        let prev = &chain[1].hash;
        let at = t0();
        let forged_hash = event_hash(prev, 3, at, "mallory", "approved", Some(1), "{}");
        raw.exec(&format!(
            "INSERT INTO audit_events (seq, at, actor, kind, request_id, data, prev_hash, hash) \
             VALUES (3, {}, 'mallory', 'approved', 1, '{{}}', '{prev}', '{forged_hash}')",
            raw.time_literal(at)
        ))
        .await;
        // The forged row is self-consistent; the row after it no longer follows.
        let (seq, why) = first_bad(&store).await;
        assert_eq!(seq, 4, "{}: {why}", db.name);
    }
}

#[tokio::test]
async fn rows_appended_or_removed_at_the_end_are_found() {
    for db in databases().await {
        let store = seeded(&db).await;
        let raw = Raw::open(&db).await;
        raw.drop_guards().await;
        // Append a well-formed event without moving the head.
        let (head, head_hash) = store.audit_head().await.unwrap();
        let at = t0();
        let hash = event_hash(
            &head_hash,
            head + 1,
            at,
            "mallory",
            "approved",
            Some(1),
            "{}",
        );
        raw.exec(&format!(
            "INSERT INTO audit_events (seq, at, actor, kind, request_id, data, prev_hash, hash) \
             VALUES ({}, {}, 'mallory', 'approved', 1, '{{}}', '{head_hash}', '{hash}')",
            head + 1,
            raw.time_literal(at)
        ))
        .await;
        let (seq, why) = first_bad(&store).await;
        assert_eq!(seq, head + 1, "{}: {why}", db.name);

        // Remove it and the real last event too.
        raw.exec(&format!("DELETE FROM audit_events WHERE seq >= {head}"))
            .await;
        let (seq, why) = first_bad(&store).await;
        assert_eq!(seq, head, "{}: {why}", db.name);
        assert!(why.contains("deleted"), "{why}");
    }
}

#[test]
fn genesis_is_sixty_four_zeros() {
    assert_eq!(GENESIS_HASH.len(), 64);
    assert!(GENESIS_HASH.chars().all(|c| c == '0'));
}
