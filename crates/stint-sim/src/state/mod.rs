//! Everything that changes while the simulator runs, behind one lock. Each piece knows
//! AWS's rules for itself; HTTP handlers only translate.

pub(crate) mod assignments;
pub(crate) mod authorize;
pub(crate) mod credentials;
pub(crate) mod memberships;
pub(crate) mod oidc;
pub(crate) mod queries;
pub(crate) mod random;
pub(crate) mod trail;

use std::collections::HashMap;

use crate::calls::CallLog;
use crate::faults::FaultEngine;
use crate::world::World;

/// No `Debug`: portal sessions are keyed by their cookie values.
pub(crate) struct State {
    pub assignments: assignments::Assignments,
    pub memberships: memberships::Memberships,
    pub oidc: oidc::Oidc,
    pub credentials: credentials::Credentials,
    /// Access-portal browser sessions: cookie value to user id.
    pub portal_sessions: HashMap<String, String>,
    pub faults: FaultEngine,
    pub calls: CallLog,
    pub trail: trail::Trail,
    pub queries: queries::Queries,
}

impl State {
    /// Every (account, permission set ARN) a user holds now, directly or through the
    /// groups they are in now.
    pub fn access_of(&self, user_id: &str) -> Vec<(String, String)> {
        let groups = self.memberships.group_ids_of(user_id);
        self.assignments.access_of(user_id, &groups)
    }

    pub fn user_holds(&self, user_id: &str, account_id: &str, permission_set_arn: &str) -> bool {
        let groups = self.memberships.group_ids_of(user_id);
        self.assignments
            .user_holds(user_id, &groups, account_id, permission_set_arn)
    }

    pub fn new(world: &World) -> Self {
        Self {
            assignments: assignments::Assignments::new(world),
            memberships: memberships::Memberships::new(world),
            oidc: oidc::Oidc::default(),
            credentials: credentials::Credentials::default(),
            portal_sessions: HashMap::new(),
            faults: FaultEngine::new(world.faults().clone()),
            calls: CallLog::default(),
            trail: trail::Trail::default(),
            queries: queries::Queries::default(),
        }
    }
}
