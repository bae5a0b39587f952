//! Walks the chain from the first event to the recorded head and reports the first row that
//! does not follow from its predecessor.

use super::{AuditRecord, GENESIS_HASH};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Events checked.
    pub events: i64,
    /// The first seq at which the chain breaks, with what is wrong there.
    pub first_bad: Option<(i64, String)>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.first_bad.is_none()
    }

    pub fn to_api(&self) -> stint_api::AuditVerification {
        stint_api::AuditVerification {
            ok: self.ok(),
            events: self.events,
            first_bad_seq: self.first_bad.as_ref().map(|(seq, _)| *seq),
            problem: self.first_bad.as_ref().map(|(_, why)| why.clone()),
        }
    }
}

/// Checks one run of records that continues the chain after (`prev_seq`, `prev_hash`).
/// Returns the new tail or the first problem.
pub fn verify_records(
    mut prev_seq: i64,
    mut prev_hash: String,
    records: &[AuditRecord],
) -> Result<(i64, String), (i64, String)> {
    for record in records {
        let expected_seq = prev_seq + 1;
        if record.seq != expected_seq {
            return Err((
                expected_seq,
                format!(
                    "event {expected_seq} is missing: the next stored event is {}",
                    record.seq
                ),
            ));
        }
        if record.prev_hash != prev_hash {
            return Err((
                record.seq,
                format!(
                    "event {} does not point at event {}'s hash: a row was inserted, removed or edited here",
                    record.seq, prev_seq
                ),
            ));
        }
        if record.expected_hash() != record.hash {
            return Err((
                record.seq,
                format!(
                    "event {} was edited: its content does not match its hash",
                    record.seq
                ),
            ));
        }
        prev_seq = record.seq;
        prev_hash = record.hash.clone();
    }
    Ok((prev_seq, prev_hash))
}

/// Verifies the whole chain in the store, page by page, then checks it ends at the head the
/// store recorded (so deleting or appending rows at the end is caught too).
pub async fn verify(store: &dyn Store) -> Result<Verification, StoreError> {
    const PAGE: u32 = 1000;
    let mut tail = (0_i64, GENESIS_HASH.to_string());
    let mut events = 0_i64;
    loop {
        let page = store.audit_chain(tail.0, PAGE).await?;
        if page.is_empty() {
            break;
        }
        match verify_records(tail.0, tail.1.clone(), &page) {
            Ok(next) => {
                events += page.len() as i64;
                tail = next;
            }
            Err(bad) => {
                return Ok(Verification {
                    events,
                    first_bad: Some(bad),
                });
            }
        }
    }
    let (head_seq, head_hash) = store.audit_head().await?;
    let first_bad = if head_seq > tail.0 {
        Some((
            tail.0 + 1,
            format!(
                "the log ends at event {} but its head records event {head_seq}: events were deleted from the end",
                tail.0
            ),
        ))
    } else if head_seq < tail.0 {
        Some((
            head_seq + 1,
            format!(
                "event {} is past the recorded head (event {head_seq}): rows were appended outside the broker",
                head_seq + 1
            ),
        ))
    } else if head_hash != tail.1 {
        Some((
            tail.0,
            format!(
                "the last event {} does not match the head's recorded hash",
                tail.0
            ),
        ))
    } else {
        None
    };
    Ok(Verification { events, first_bad })
}
