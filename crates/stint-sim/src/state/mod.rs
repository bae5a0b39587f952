//! Everything that changes while the simulator runs, behind one lock. Each piece knows
//! AWS's rules for itself; HTTP handlers only translate.

pub(crate) mod assignments;
pub(crate) mod credentials;
pub(crate) mod oidc;
pub(crate) mod random;

use std::collections::HashMap;

use crate::calls::CallLog;
use crate::faults::FaultEngine;
use crate::world::World;

/// No `Debug`: portal sessions are keyed by their cookie values.
pub(crate) struct State {
    pub assignments: assignments::Assignments,
    pub oidc: oidc::Oidc,
    pub credentials: credentials::Credentials,
    /// Access-portal browser sessions: cookie value to user id.
    pub portal_sessions: HashMap<String, String>,
    pub faults: FaultEngine,
    pub calls: CallLog,
}

impl State {
    pub fn new(world: &World) -> Self {
        Self {
            assignments: assignments::Assignments::new(world),
            oidc: oidc::Oidc::default(),
            credentials: credentials::Credentials::default(),
            portal_sessions: HashMap::new(),
            faults: FaultEngine::new(world.faults().clone()),
            calls: CallLog::default(),
        }
    }
}
