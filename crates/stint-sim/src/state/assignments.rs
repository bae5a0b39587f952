//! Account assignments and the asynchronous operations that change them, as AWS models
//! them: CreateAccountAssignment and DeleteAccountAssignment return a request id at once
//! and the change lands when provisioning finishes. Here "finishes" is a moment on the sim
//! clock, so a test either waits or advances the clock; [`Assignments::settle`] applies
//! every operation whose moment has passed, in order, before anything reads the set.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::world::{Assignment, PrincipalType, World};

/// Where an assignment came from: the world file (standing access) or an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    World,
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpStatus {
    InProgress,
    Succeeded,
    Failed(String),
}

impl OpStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OpStatus::InProgress => "IN_PROGRESS",
            OpStatus::Succeeded => "SUCCEEDED",
            OpStatus::Failed(_) => "FAILED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub request_id: String,
    pub kind: OpKind,
    pub assignment: Assignment,
    pub created_at: DateTime<Utc>,
    pub completes_at: DateTime<Utc>,
    /// Set when fault injection forces this operation to end FAILED.
    pub failure: Option<String>,
    applied: bool,
}

impl Operation {
    pub fn status(&self, now: DateTime<Utc>) -> OpStatus {
        if now < self.completes_at {
            OpStatus::InProgress
        } else if let Some(reason) = &self.failure {
            OpStatus::Failed(reason.clone())
        } else {
            OpStatus::Succeeded
        }
    }
}

#[derive(Debug)]
pub struct Assignments {
    current: BTreeMap<Assignment, Origin>,
    operations: Vec<Operation>,
}

impl Assignments {
    pub fn new(world: &World) -> Self {
        Self {
            current: world
                .standing_assignments()
                .iter()
                .map(|a| (a.clone(), Origin::World))
                .collect(),
            operations: Vec::new(),
        }
    }

    /// Applies every finished operation, earliest first.
    pub fn settle(&mut self, now: DateTime<Utc>) {
        let mut due: Vec<usize> = (0..self.operations.len())
            .filter(|&i| !self.operations[i].applied && self.operations[i].completes_at <= now)
            .collect();
        due.sort_by_key(|&i| (self.operations[i].completes_at, i));
        for i in due {
            let op = &mut self.operations[i];
            op.applied = true;
            if op.failure.is_some() {
                continue;
            }
            match op.kind {
                OpKind::Create => {
                    self.current
                        .entry(op.assignment.clone())
                        .or_insert(Origin::Api);
                }
                OpKind::Delete => {
                    self.current.remove(&op.assignment);
                }
            }
        }
    }

    /// The operation still running on this account and permission set, if any: AWS
    /// allows one at a time per pair and answers ConflictException to a second.
    pub fn in_progress_on(
        &self,
        account_id: &str,
        permission_set_arn: &str,
        now: DateTime<Utc>,
    ) -> Option<&Operation> {
        self.operations.iter().find(|op| {
            op.assignment.account_id == account_id
                && op.assignment.permission_set_arn == permission_set_arn
                && op.status(now) == OpStatus::InProgress
        })
    }

    pub fn exists(&self, assignment: &Assignment) -> bool {
        self.current.contains_key(assignment)
    }

    pub fn start(
        &mut self,
        kind: OpKind,
        assignment: Assignment,
        now: DateTime<Utc>,
        delay: Duration,
        failure: Option<String>,
    ) -> &Operation {
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        self.operations.push(Operation {
            request_id: uuid::Uuid::new_v4().to_string(),
            kind,
            assignment,
            created_at: now,
            completes_at: now.checked_add_signed(delay).unwrap_or(now),
            failure,
            applied: false,
        });
        let last = self.operations.len() - 1;
        // A zero delay completes at once, as if provisioning were instantaneous.
        self.settle(now);
        &self.operations[last]
    }

    pub fn operation(&self, request_id: &str, kind: OpKind) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.kind == kind && op.request_id == request_id)
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn all(&self) -> impl Iterator<Item = (&Assignment, Origin)> {
        self.current.iter().map(|(a, o)| (a, *o))
    }

    pub fn for_account_and_permission_set<'a>(
        &'a self,
        account_id: &'a str,
        permission_set_arn: &'a str,
    ) -> impl Iterator<Item = &'a Assignment> {
        self.current.keys().filter(move |a| {
            a.account_id == account_id && a.permission_set_arn == permission_set_arn
        })
    }

    pub fn for_principal<'a>(
        &'a self,
        principal_type: PrincipalType,
        principal_id: &'a str,
    ) -> impl Iterator<Item = &'a Assignment> {
        self.current
            .keys()
            .filter(move |a| a.principal_type == principal_type && a.principal_id == principal_id)
    }

    /// Every (account, permission set ARN) a user holds now, directly or through one of
    /// `group_ids` (the groups the user is in now).
    pub fn access_of(&self, user_id: &str, group_ids: &[String]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .current
            .keys()
            .filter(|a| match a.principal_type {
                PrincipalType::User => a.principal_id == user_id,
                PrincipalType::Group => group_ids.contains(&a.principal_id),
            })
            .map(|a| (a.account_id.clone(), a.permission_set_arn.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn user_holds(
        &self,
        user_id: &str,
        group_ids: &[String],
        account_id: &str,
        permission_set_arn: &str,
    ) -> bool {
        self.access_of(user_id, group_ids)
            .iter()
            .any(|(acc, ps)| acc == account_id && ps == permission_set_arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn creation_lands_when_the_delay_has_passed() {
        let world = World::demo();
        let alice = world.user_by_name("alice").unwrap().user_id.clone();
        let prod = world.account("prod").unwrap().id.clone();
        let admin = world
            .permission_set_by_name("AdministratorAccess")
            .unwrap()
            .arn
            .clone();
        let mut a = Assignments::new(&world);
        assert!(!a.user_holds(&alice, &[], &prod, &admin));

        let key = Assignment {
            account_id: prod.clone(),
            permission_set_arn: admin.clone(),
            principal_type: PrincipalType::User,
            principal_id: alice.clone(),
        };
        let id = a
            .start(
                OpKind::Create,
                key.clone(),
                t(0),
                Duration::from_secs(5),
                None,
            )
            .request_id
            .clone();
        assert!(a.in_progress_on(&prod, &admin, t(1)).is_some());
        a.settle(t(4));
        assert!(!a.exists(&key));
        assert_eq!(
            a.operation(&id, OpKind::Create).unwrap().status(t(4)),
            OpStatus::InProgress
        );
        a.settle(t(5));
        assert!(a.exists(&key));
        assert!(a.user_holds(&alice, &[], &prod, &admin));
        assert_eq!(
            a.operation(&id, OpKind::Create).unwrap().status(t(5)),
            OpStatus::Succeeded
        );
        assert!(a.in_progress_on(&prod, &admin, t(5)).is_none());
    }

    #[test]
    fn a_forced_failure_changes_nothing() {
        let world = World::demo();
        let bob = world.user_by_name("bob").unwrap().user_id.clone();
        let dev = world.account("dev").unwrap().id.clone();
        let ro = world
            .permission_set_by_name("ReadOnlyAccess")
            .unwrap()
            .arn
            .clone();
        let mut a = Assignments::new(&world);
        let key = Assignment {
            account_id: dev,
            permission_set_arn: ro,
            principal_type: PrincipalType::User,
            principal_id: bob,
        };
        let op = a.start(
            OpKind::Create,
            key.clone(),
            t(0),
            Duration::ZERO,
            Some("forced".into()),
        );
        assert_eq!(op.status(t(0)), OpStatus::Failed("forced".into()));
        assert!(!a.exists(&key));
    }

    #[test]
    fn group_assignments_count_for_members() {
        let world = World::demo();
        let carol = world.user_by_name("carol").unwrap().user_id.clone();
        let a = Assignments::new(&world);
        let groups = crate::state::memberships::Memberships::new(&world).group_ids_of(&carol);
        let access = a.access_of(&carol, &groups);
        let dev = world.account("dev").unwrap().id.clone();
        let ro = world
            .permission_set_by_name("ReadOnlyAccess")
            .unwrap()
            .arn
            .clone();
        assert!(access.contains(&(dev, ro)));
        assert_eq!(
            access.len(),
            2,
            "baseline in identity, read-only in dev: {access:?}"
        );
    }
}
