//! The simulator core shared by every handler: the world, the clock, the base URL it is
//! reached at, and the mutable state. The control operations here back both the `/_sim`
//! HTTP API and [`crate::RunningSim`]'s direct methods.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::{Mutex, MutexGuard};

use crate::calls::NewCall;
use crate::clock::SimClock;
use crate::control::{
    AssignmentView, AssignmentsSnapshot, CallPage, ClockState, ControlError, DeviceDecision,
    MembershipView, MembershipsSnapshot, OperationView, TrailRecordView, TrailSnapshot,
};
use crate::faults::{Api, Faults};
use crate::state::State;
use crate::state::assignments::{OpKind, Origin};
use crate::state::memberships::Origin as MembershipOrigin;
use crate::state::oidc::DecideError;
use crate::world::{PrincipalType, World};

pub(crate) struct Sim {
    pub world: World,
    pub clock: SimClock,
    /// `http://host:port`, no trailing slash.
    pub base_url: String,
    state: Mutex<State>,
}

impl Sim {
    pub fn new(world: World, clock: SimClock, base_url: String) -> Self {
        let state = Mutex::new(State::new(&world));
        Self {
            world,
            clock,
            base_url,
            state,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The state, with finished assignment operations applied.
    pub fn state(&self) -> MutexGuard<'_, State> {
        let mut state = self.state.lock();
        state.assignments.settle(self.clock.now());
        state
    }

    pub fn start_url(&self) -> String {
        format!("{}/start", self.base_url)
    }

    pub fn record_call(
        &self,
        state: &mut State,
        api: Api,
        operation: &str,
        fields: BTreeMap<String, String>,
        wall_time_micros: i64,
        outcome: &str,
    ) {
        state.calls.record(NewCall {
            api,
            operation,
            fields,
            sim_time: self.now(),
            wall_time_micros,
            outcome: outcome.to_owned(),
        });
    }

    pub fn clock_state(&self) -> ClockState {
        let now = self.now();
        ClockState {
            now,
            now_epoch_millis: now.timestamp_millis(),
            offset_seconds: self.clock.offset().as_secs_f64(),
        }
    }

    pub fn advance_clock(&self, by: Duration) -> ClockState {
        self.clock.advance(by);
        self.clock_state()
    }

    pub fn faults(&self) -> Faults {
        self.state.lock().faults.faults().clone()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), ControlError> {
        let problems = faults.problems();
        if !problems.is_empty() {
            let text: Vec<String> = problems
                .into_iter()
                .map(|(api, p)| format!("{api}: {p}"))
                .collect();
            return Err(ControlError::BadRequest(text.join("; ")));
        }
        self.state.lock().faults.set(faults);
        Ok(())
    }

    pub fn calls_since(&self, seq: u64) -> CallPage {
        self.state.lock().calls.since(seq)
    }

    /// Approves (as `user_name`) or denies a pending device authorization, found by user
    /// code or device code, as a person on the verification page would.
    pub fn decide_device(
        &self,
        code: &str,
        user_name: &str,
        deny: bool,
    ) -> Result<DeviceDecision, ControlError> {
        let user = self
            .world
            .user_by_name(user_name)
            .ok_or_else(|| self.unknown_user(user_name))?;
        let now = self.now();
        let mut state = self.state();
        let approve_as = (!deny).then(|| user.user_id.clone());
        match state.oidc.decide(code, approve_as, now) {
            Ok(device) => {
                let user_code = device.user_code.clone();
                tracing::info!(
                    user_code = %user_code,
                    user = %user.user_name,
                    approved = !deny,
                    "device authorization decided"
                );
                Ok(DeviceDecision {
                    user_code,
                    user_name: user.user_name.clone(),
                    status: if deny { "denied" } else { "approved" }.to_owned(),
                })
            }
            Err(DecideError::NotFound) => Err(ControlError::NotFound(
                "no device authorization has that code; start one with StartDeviceAuthorization"
                    .into(),
            )),
            Err(DecideError::Expired) => Err(ControlError::Gone(
                "that device authorization has expired; start a new one".into(),
            )),
            Err(DecideError::AlreadyDecided) => Err(ControlError::Conflict(
                "that device authorization was already approved or denied".into(),
            )),
        }
    }

    pub fn unknown_user(&self, user_name: &str) -> ControlError {
        ControlError::BadRequest(format!(
            "no user named \"{user_name}\" in this world; users are: {}",
            self.world
                .users()
                .iter()
                .map(|u| u.user_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    pub fn trail_snapshot(&self) -> TrailSnapshot {
        let now = self.now();
        let state = self.state();
        let trail = self.world.cloudtrail();
        TrailSnapshot {
            log_group: trail.log_group.clone(),
            delivery_delay_seconds: trail.delivery_delay.as_secs_f64(),
            events: state
                .trail
                .all()
                .iter()
                .map(|e| TrailRecordView {
                    delivered_at: e.delivered_at,
                    delivered: e.delivered_at <= now,
                    record: e.record.clone(),
                })
                .collect(),
        }
    }

    pub fn memberships_snapshot(&self) -> MembershipsSnapshot {
        let state = self.state();
        let memberships = state
            .memberships
            .all()
            .map(|m| MembershipView {
                membership_id: m.membership_id.clone(),
                group_name: self
                    .world
                    .group_by_id(&m.group_id)
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
                group_id: m.group_id.clone(),
                user_name: self
                    .world
                    .user_by_id(&m.user_id)
                    .map(|u| u.user_name.clone())
                    .unwrap_or_default(),
                user_id: m.user_id.clone(),
                origin: match m.origin {
                    MembershipOrigin::World => "world",
                    MembershipOrigin::Api => "api",
                }
                .to_owned(),
            })
            .collect();
        MembershipsSnapshot { memberships }
    }

    pub fn assignments_snapshot(&self) -> AssignmentsSnapshot {
        let now = self.now();
        let state = self.state();
        let principal_name = |t: PrincipalType, id: &str| -> String {
            match t {
                PrincipalType::User => self.world.user_by_id(id).map(|u| u.user_name.clone()),
                PrincipalType::Group => self.world.group_by_id(id).map(|g| g.name.clone()),
            }
            .unwrap_or_default()
        };
        let assignments = state
            .assignments
            .all()
            .map(|(a, origin)| AssignmentView {
                account_name: self
                    .world
                    .account(&a.account_id)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                account_id: a.account_id.clone(),
                permission_set_name: self
                    .world
                    .permission_set_by_arn(&a.permission_set_arn)
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                permission_set_arn: a.permission_set_arn.clone(),
                principal_type: a.principal_type.as_str().to_owned(),
                principal_name: principal_name(a.principal_type, &a.principal_id),
                principal_id: a.principal_id.clone(),
                origin: match origin {
                    Origin::World => "world",
                    Origin::Api => "api",
                }
                .to_owned(),
            })
            .collect();
        let operations = state
            .assignments
            .operations()
            .iter()
            .map(|op| {
                let status = op.status(now);
                OperationView {
                    request_id: op.request_id.clone(),
                    kind: match op.kind {
                        OpKind::Create => "create",
                        OpKind::Delete => "delete",
                    }
                    .to_owned(),
                    account_id: op.assignment.account_id.clone(),
                    permission_set_arn: op.assignment.permission_set_arn.clone(),
                    principal_type: op.assignment.principal_type.as_str().to_owned(),
                    principal_id: op.assignment.principal_id.clone(),
                    status: status.as_str().to_owned(),
                    failure_reason: match status {
                        crate::state::assignments::OpStatus::Failed(reason) => Some(reason),
                        _ => None,
                    },
                    created_at: op.created_at,
                    completes_at: op.completes_at,
                }
            })
            .collect();
        AssignmentsSnapshot {
            assignments,
            operations,
        }
    }
}
