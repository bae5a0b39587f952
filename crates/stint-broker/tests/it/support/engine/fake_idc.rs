//! An in-memory Identity Center for engine tests: asynchronous creates and deletes that
//! finish after a number of status polls, scripted faults, forced FAILED outcomes, changes
//! made "outside Stint", and a log of every call.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use stint_broker::idc::{
    AssignmentKey, DirectoryGroup, DirectoryUser, GroupDetails, IdcError, IdentityCenter,
    MembershipId, MembershipKey, OperationId, OperationStatus, Organization, PermissionSet,
    PrincipalType,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Create,
    Delete,
}

#[derive(Debug)]
struct Op {
    kind: OpKind,
    key: AssignmentKey,
    polls_left: u32,
    fail: Option<String>,
    done: bool,
}

#[derive(Debug, Default)]
struct State {
    assignments: BTreeSet<AssignmentKey>,
    /// Group memberships and their ids; a membership made again gets a new id, as in AWS.
    memberships: HashMap<MembershipKey, String>,
    ops: HashMap<String, Op>,
    next_op: u64,
    calls: Vec<(String, Option<AssignmentKey>)>,
    /// Errors to return, per operation name, in order.
    faults: HashMap<String, VecDeque<IdcError>>,
    /// Every call of these operations fails with this error until cleared.
    always: HashMap<String, IdcError>,
    fail_creations: u32,
    fail_deletions: u32,
    /// Create calls that apply their effect and then never return.
    hang_creates: u32,
    /// IN_PROGRESS answers before an operation reports its outcome.
    polls_before_done: u32,
    /// Share of assignment calls that fail with throttling, a 5xx or a conflict.
    fault_rate: f64,
    /// How long each assignment call takes (real time), so overlapping calls can be seen.
    latency: Duration,
    /// Create or delete calls in flight, per tuple; more than one at once is a violation.
    in_flight: HashMap<AssignmentKey, u32>,
    overlaps: Vec<AssignmentKey>,
    /// Calls that were accepted (returned an operation id), per operation and tuple.
    accepted: Vec<(String, AssignmentKey)>,
    /// Membership calls, per operation and membership, in order.
    member_calls: Vec<(String, MembershipKey)>,
    /// Membership adds and removes in flight; more than one at once is a violation.
    member_in_flight: HashMap<MembershipKey, u32>,
    member_overlaps: Vec<MembershipKey>,
    /// Add calls that apply their effect and then never return.
    hang_adds: u32,
}

#[derive(Debug, Clone, Default)]
pub struct FakeIdc {
    state: Arc<Mutex<State>>,
}

impl FakeIdc {
    pub fn new() -> Self {
        let fake = FakeIdc::default();
        fake.set_polls_before_done(1);
        fake
    }

    /// How many IN_PROGRESS answers operations started from now on give before finishing.
    pub fn set_polls_before_done(&self, polls: u32) {
        self.lock().polls_before_done = polls;
    }

    /// Finishes every operation in flight at its next status poll.
    pub fn finish_operations(&self) {
        for op in self.lock().ops.values_mut() {
            op.polls_left = 0;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn has(&self, key: &AssignmentKey) -> bool {
        self.lock().assignments.contains(key)
    }

    /// Someone grants the assignment outside Stint.
    pub fn add_outside(&self, key: &AssignmentKey) {
        self.lock().assignments.insert(key.clone());
    }

    /// Someone deletes the assignment outside Stint.
    pub fn remove_outside(&self, key: &AssignmentKey) {
        self.lock().assignments.remove(key);
    }

    /// Whether the user is in the group now.
    pub fn is_member(&self, key: &MembershipKey) -> bool {
        self.lock().memberships.contains_key(key)
    }

    /// Someone adds the user to the group outside Stint.
    pub fn add_member_outside(&self, key: &MembershipKey) {
        let mut s = self.lock();
        s.next_op += 1;
        let id = format!("m-outside-{}", s.next_op);
        s.memberships.insert(key.clone(), id);
    }

    /// Someone (or an external IdP's sync) removes the user from the group outside Stint.
    pub fn remove_member_outside(&self, key: &MembershipKey) {
        self.lock().memberships.remove(key);
    }

    /// How many times membership operation `op` was called for `key`.
    pub fn member_calls(&self, op: &str, key: &MembershipKey) -> usize {
        self.lock()
            .member_calls
            .iter()
            .filter(|(o, k)| o == op && k == key)
            .count()
    }

    /// Memberships that had two add or remove calls in flight at once.
    pub fn member_overlaps(&self) -> Vec<MembershipKey> {
        self.lock().member_overlaps.clone()
    }

    /// The next add call adds the user, then never answers (a crash mid-call).
    pub fn hang_next_add(&self) {
        self.lock().hang_adds += 1;
    }

    /// A membership call: logged, checked for overlap (writes only), delayed, and failed
    /// as scripted.
    async fn enter_member(&self, op: &str, key: &MembershipKey) -> Result<(), IdcError> {
        let write = op != "membership";
        {
            let mut s = self.lock();
            s.member_calls.push((op.to_string(), key.clone()));
            if write {
                let n = s.member_in_flight.entry(key.clone()).or_default();
                *n += 1;
                if *n > 1 {
                    s.member_overlaps.push(key.clone());
                }
            }
        }
        let result = self.enter(op, None).await;
        if write {
            if let Some(n) = self.lock().member_in_flight.get_mut(key) {
                *n -= 1;
            }
        }
        result
    }

    /// The next calls of `op` fail with these errors, in order.
    pub fn fail_next(&self, op: &str, errors: impl IntoIterator<Item = IdcError>) {
        self.lock()
            .faults
            .entry(op.to_string())
            .or_default()
            .extend(errors);
    }

    /// Every call of `op` fails with `error` until [`FakeIdc::clear_faults`].
    pub fn fail_always(&self, op: &str, error: IdcError) {
        self.lock().always.insert(op.to_string(), error);
    }

    pub fn clear_faults(&self) {
        let mut s = self.lock();
        s.faults.clear();
        s.always.clear();
        s.fault_rate = 0.0;
    }

    /// This share of every assignment call fails at random (throttling, 5xx, conflict).
    pub fn set_fault_rate(&self, rate: f64) {
        self.lock().fault_rate = rate;
    }

    /// Every assignment call takes this long.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Tuples that had two create or delete calls in flight at once.
    pub fn overlaps(&self) -> Vec<AssignmentKey> {
        self.lock().overlaps.clone()
    }

    /// How many `op` calls for `key` were accepted (returned an operation id).
    pub fn accepted(&self, op: &str, key: &AssignmentKey) -> usize {
        self.lock()
            .accepted
            .iter()
            .filter(|(o, k)| o == op && k == key)
            .count()
    }

    /// The next `n` creations end FAILED (nothing is created).
    pub fn fail_creations(&self, n: u32) {
        self.lock().fail_creations = n;
    }

    /// The next `n` deletions end FAILED (the assignment stays).
    pub fn fail_deletions(&self, n: u32) {
        self.lock().fail_deletions = n;
    }

    /// The next create call starts the creation, then never answers (a crash mid-call).
    pub fn hang_next_create(&self) {
        self.lock().hang_creates += 1;
    }

    /// How many times `op` was called (for `key`, when given).
    pub fn calls(&self, op: &str, key: Option<&AssignmentKey>) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|(o, k)| o == op && (key.is_none() || k.as_ref() == key))
            .count()
    }

    async fn enter(&self, op: &str, key: Option<&AssignmentKey>) -> Result<(), IdcError> {
        let latency = {
            let mut s = self.lock();
            s.calls.push((op.to_string(), key.cloned()));
            if let Some(key) = key {
                let n = s.in_flight.entry(key.clone()).or_default();
                *n += 1;
                if *n > 1 {
                    s.overlaps.push(key.clone());
                }
            }
            s.latency
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let mut s = self.lock();
        if let Some(key) = key {
            if let Some(n) = s.in_flight.get_mut(key) {
                *n -= 1;
            }
        }
        if let Some(e) = s.always.get(op) {
            return Err(e.clone());
        }
        if let Some(e) = s.faults.get_mut(op).and_then(|q| q.pop_front()) {
            return Err(e);
        }
        if s.fault_rate > 0.0 && rand::random::<f64>() < s.fault_rate {
            return Err(match rand::random::<u8>() % 3 {
                0 => IdcError::Throttled("Rate exceeded".into()),
                1 => IdcError::Unavailable("HTTP 503 Service Unavailable".into()),
                _ => {
                    IdcError::Conflict("an operation on this permission set is in progress".into())
                }
            });
        }
        Ok(())
    }

    fn start(&self, kind: OpKind, key: &AssignmentKey) -> String {
        let mut s = self.lock();
        s.next_op += 1;
        let id = format!("op-{}", s.next_op);
        let fail = match kind {
            OpKind::Create if s.fail_creations > 0 => {
                s.fail_creations -= 1;
                Some("the permission set could not be provisioned".to_string())
            }
            OpKind::Delete if s.fail_deletions > 0 => {
                s.fail_deletions -= 1;
                Some("the role could not be removed from the account".to_string())
            }
            _ => None,
        };
        let polls_left = s.polls_before_done;
        s.ops.insert(
            id.clone(),
            Op {
                kind,
                key: key.clone(),
                polls_left,
                fail,
                done: false,
            },
        );
        id
    }

    fn status(&self, id: &OperationId, kind: OpKind) -> Result<OperationStatus, IdcError> {
        let mut s = self.lock();
        let State {
            ops, assignments, ..
        } = &mut *s;
        let op = ops
            .get_mut(&id.0)
            .filter(|op| op.kind == kind)
            .ok_or_else(|| IdcError::NotFound(format!("no operation {}", id.0)))?;
        if op.polls_left > 0 {
            op.polls_left -= 1;
            return Ok(OperationStatus::InProgress);
        }
        if !op.done {
            op.done = true;
            if op.fail.is_none() {
                match op.kind {
                    OpKind::Create => {
                        assignments.insert(op.key.clone());
                    }
                    OpKind::Delete => {
                        assignments.remove(&op.key);
                    }
                }
            }
        }
        Ok(match &op.fail {
            Some(reason) => OperationStatus::Failed {
                reason: reason.clone(),
            },
            None => OperationStatus::Succeeded,
        })
    }
}

#[async_trait]
impl IdentityCenter for FakeIdc {
    async fn create_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError> {
        self.enter("create_assignment", Some(key)).await?;
        let id = self.start(OpKind::Create, key);
        self.lock()
            .accepted
            .push(("create_assignment".into(), key.clone()));
        let hang = {
            let mut s = self.lock();
            if s.hang_creates > 0 {
                s.hang_creates -= 1;
                // The creation happens; the caller never hears of it.
                s.assignments.insert(key.clone());
                true
            } else {
                false
            }
        };
        if hang {
            futures::future::pending::<()>().await;
        }
        Ok(OperationId(id))
    }

    async fn delete_assignment(&self, key: &AssignmentKey) -> Result<OperationId, IdcError> {
        self.enter("delete_assignment", Some(key)).await?;
        self.lock()
            .accepted
            .push(("delete_assignment".into(), key.clone()));
        Ok(OperationId(self.start(OpKind::Delete, key)))
    }

    async fn creation_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError> {
        self.enter("creation_status", None).await?;
        self.status(op, OpKind::Create)
    }

    async fn deletion_status(&self, op: &OperationId) -> Result<OperationStatus, IdcError> {
        self.enter("deletion_status", None).await?;
        self.status(op, OpKind::Delete)
    }

    async fn list_assignments(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<AssignmentKey>, IdcError> {
        self.enter("list_assignments", None).await?;
        Ok(self
            .lock()
            .assignments
            .iter()
            .filter(|k| k.account_id == account_id && k.permission_set_arn == permission_set_arn)
            .cloned()
            .collect())
    }

    async fn permission_sets(&self) -> Result<Vec<PermissionSet>, IdcError> {
        Ok(vec![PermissionSet {
            arn: PS_ARN.into(),
            name: "PowerUserAccess".into(),
            description: None,
            session_duration: Duration::from_secs(4 * 3600),
        }])
    }

    async fn organization(&self) -> Result<Organization, IdcError> {
        Ok(Organization::default())
    }

    async fn find_user(&self, _user_name: &str) -> Result<Option<DirectoryUser>, IdcError> {
        Ok(None)
    }

    async fn describe_user(&self, _user_id: &str) -> Result<Option<DirectoryUser>, IdcError> {
        Ok(None)
    }

    async fn user_groups(&self, _user_id: &str) -> Result<Vec<DirectoryGroup>, IdcError> {
        Ok(Vec::new())
    }

    async fn group_members(&self, _group_name: &str) -> Result<Vec<DirectoryUser>, IdcError> {
        Ok(Vec::new())
    }

    async fn find_group(&self, _display_name: &str) -> Result<Option<GroupDetails>, IdcError> {
        Ok(None)
    }

    async fn membership(&self, key: &MembershipKey) -> Result<Option<MembershipId>, IdcError> {
        self.enter_member("membership", key).await?;
        Ok(self.lock().memberships.get(key).cloned().map(MembershipId))
    }

    async fn add_membership(&self, key: &MembershipKey) -> Result<MembershipId, IdcError> {
        self.enter_member("add_membership", key).await?;
        let (id, hang) = {
            let mut s = self.lock();
            s.next_op += 1;
            let fresh = format!("m-{}", s.next_op);
            let id = s.memberships.entry(key.clone()).or_insert(fresh).clone();
            let hang = s.hang_adds > 0;
            if hang {
                s.hang_adds -= 1;
            }
            (id, hang)
        };
        if hang {
            // The user was added; the caller never hears of it.
            futures::future::pending::<()>().await;
        }
        Ok(MembershipId(id))
    }

    async fn remove_membership(&self, key: &MembershipKey) -> Result<(), IdcError> {
        self.enter_member("remove_membership", key).await?;
        self.lock().memberships.remove(key);
        Ok(())
    }
}

pub const PS_ARN: &str = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-poweruser0000001";

pub fn key_for(user_id: &str, account_id: &str) -> AssignmentKey {
    AssignmentKey {
        principal_type: PrincipalType::User,
        principal_id: user_id.into(),
        account_id: account_id.into(),
        permission_set_arn: PS_ARN.into(),
    }
}

pub const ONCALL_GROUP_ID: &str = "g-oncall-admins-0001";

/// Alice's (or another user's) membership of the on-call admins group.
pub fn member_key(user_id: &str) -> MembershipKey {
    MembershipKey {
        group_id: ONCALL_GROUP_ID.into(),
        user_id: user_id.into(),
    }
}
