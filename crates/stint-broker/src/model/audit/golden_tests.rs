//! Golden tests: every kind's stored bytes are committed in `tests/fixtures/audit/<kind>.jsonl`
//! (one stored `data` per line), and the code must write exactly those bytes and read them
//! back. A kind without a fixture, or a payload whose shape changed, fails here: a change
//! to stored bytes would break every webhook receiver and history reader that knows them.
//!
//! To add a kind's fixture: add its sample in `golden_samples.rs` (a membership's in
//! `golden_samples_membership.rs`) and run the test with
//! `STINT_BLESS_AUDIT=1`; review the written line before committing it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::golden_samples::*;
use super::*;

fn fixture_path(kind: AuditKind) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(format!("{}.jsonl", kind.as_str()))
}

/// The committed stored `data` lines of a kind.
pub(crate) fn fixture_lines(kind: AuditKind) -> Vec<String> {
    std::fs::read_to_string(fixture_path(kind))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_kind_has_a_fixture_that_reads_back_to_the_same_bytes() {
    let mut missing = Vec::new();
    for kind in AuditKind::ALL.iter().copied() {
        let lines = fixture_lines(kind);
        if lines.is_empty() {
            missing.push(kind.as_str());
            continue;
        }
        for line in lines {
            let event = AuditEvent::decode(kind.as_str(), &line)
                .unwrap_or_else(|e| panic!("{kind} fixture does not decode: {e}\n{line}"));
            assert_eq!(event.kind(), kind, "{line}");
            assert_eq!(
                event.encode().unwrap(),
                line,
                "{kind} re-encoded differently"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "kinds without a fixture in tests/fixtures/audit: {missing:?}"
    );
}

#[test]
fn every_kind_has_a_sample_and_each_sample_writes_a_committed_fixture() {
    let bless = std::env::var_os("STINT_BLESS_AUDIT").is_some();
    let mut kinds = BTreeSet::new();
    for event in samples() {
        let kind = event.kind();
        kinds.insert(kind.as_str());
        let line = event.encode().unwrap();
        let lines = fixture_lines(kind);
        if bless && !lines.contains(&line) {
            let mut text = lines.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line);
            text.push('\n');
            std::fs::create_dir_all(fixture_path(kind).parent().unwrap()).unwrap();
            std::fs::write(fixture_path(kind), text).unwrap();
            continue;
        }
        assert!(
            lines.contains(&line),
            "{kind}: the broker now writes\n{line}\nwhich no committed fixture holds"
        );
        assert_eq!(AuditEvent::decode(kind.as_str(), &line).unwrap(), event);
    }
    let all: BTreeSet<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    let unsampled: Vec<_> = all.difference(&kinds).collect();
    assert!(
        unsampled.is_empty(),
        "kinds without a sample: {unsampled:?}"
    );
}

#[test]
fn kinds_are_unique_and_parse_back() {
    let names: BTreeSet<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), AuditKind::ALL.len());
    for kind in AuditKind::ALL.iter().copied() {
        assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(AuditKind::parse("no_such_kind"), None);
}

#[test]
fn a_payload_of_the_wrong_shape_is_refused_with_its_kind() {
    let err = AuditEvent::decode("requested", r#"{"state":"pending"}"#).unwrap_err();
    assert_eq!(err.kind, "requested");
    assert!(AuditEvent::decode("no_such_kind", "{}").is_err());
    assert!(AuditEvent::decode("logout", "not json").is_err());
}

#[test]
fn the_two_shapes_of_one_kind_read_back_as_themselves() {
    let late = AuditEvent::decode(
        "assignment_deleted",
        &fixture_lines(AuditKind::AssignmentDeleted)
            .into_iter()
            .find(|l| l.contains("\"late\""))
            .expect("a late deletion fixture"),
    )
    .unwrap();
    assert!(matches!(
        late,
        AuditEvent::AssignmentDeleted(Deleted::Late(_))
    ));
    let drift = fixture_lines(AuditKind::AssignmentAdopted)
        .into_iter()
        .map(|l| AuditEvent::decode("assignment_adopted", &l).unwrap())
        .filter(|e| e.drift().is_some())
        .count();
    assert_eq!(drift, 1, "one adoption fixture is reconciliation's drift");
}

#[test]
fn questions_readers_ask_are_answered_from_the_payload() {
    let events = samples();
    let find = |kind: AuditKind| events.iter().find(|e| e.kind() == kind).unwrap();
    let leak = find(AuditKind::LeakedAssignmentFound);
    assert!(leak.alert() && leak.delivered());
    assert_eq!(leak.state(), Some(State::Ended));
    let overdue = find(AuditKind::AssignmentOperationOverdue);
    assert!(overdue.alert() && overdue.drift().is_none() && overdue.delivered());
    let created = find(AuditKind::AssignmentCreated);
    assert!(!created.delivered() && !created.alert());
    assert_eq!(created.state(), Some(State::Activating));
    let rejected = find(AuditKind::Rejected);
    assert_eq!(
        rejected.detail(),
        Some("rejected by bob: not during the freeze")
    );
    assert!(rejected.kind().changes_approval());
    assert_eq!(find(AuditKind::Login).state(), None);
    assert!(!find(AuditKind::Login).delivered());
    // Group memberships are asked the same questions.
    let leak = find(AuditKind::LeakedMembershipFound);
    assert!(leak.alert() && leak.delivered() && leak.drift().is_none());
    assert!(leak.membership_drift().is_some());
    let removed = find(AuditKind::MembershipRemovedOutside);
    assert!(removed.delivered() && !removed.alert());
    assert_eq!(removed.state(), Some(State::Active));
    let added = find(AuditKind::MembershipCreated);
    assert!(!added.delivered() && !added.alert());
    assert_eq!(added.state(), Some(State::Activating));
    let failed = find(AuditKind::MembershipDeleteFailed);
    assert!(failed.alert() && !failed.delivered());
}
