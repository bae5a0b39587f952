//! What goes into the organization trail: every call signed with role credentials the
//! simulator issued (accepted or refused), and every console sign-in.

use serde_json::Value;

use super::RequestContext;
use super::auth::Caller;
use super::error::AwsError;
use crate::sim::Sim;
use crate::state::credentials::{ConsoleSession, IssuedCredential};
use crate::state::trail::{ApiCall, RoleSession, api_call_record, console_login_record};
use crate::world::ids;

/// A call to record, as its handler knows it.
pub(crate) struct Event<'a> {
    /// The service's host prefix: `s3`, `ec2`, `dynamodb`, `sts`, `logs`...
    pub service: &'a str,
    pub name: &'a str,
    pub region: String,
    pub request_parameters: Value,
    pub read_only: bool,
}

fn session_of(c: &IssuedCredential) -> RoleSession {
    RoleSession {
        account_id: c.account_id.clone(),
        role_id: ids::role_unique_id(&c.account_id, &c.role_name),
        role_name: c.role_name.clone(),
        user_name: c.user_name.clone(),
        access_key_id: Some(c.access_key_id.clone()),
        issued_at: c.issued_at,
    }
}

/// Records a call if a role session made it (operators' calls are the broker's own and
/// not part of any grant's activity).
pub(crate) fn record_call(
    sim: &Sim,
    ctx: &RequestContext,
    caller: &Caller,
    event: Event<'_>,
    outcome: Result<(), &AwsError>,
) {
    let Caller::Role(credential) = caller else {
        return;
    };
    let call = ApiCall {
        event_source: format!("{}.amazonaws.com", event.service),
        event_name: event.name.to_owned(),
        aws_region: event.region,
        source_ip: ctx.source_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_parameters: event.request_parameters,
        request_id: ctx.request_id.clone(),
        read_only: event.read_only,
        error: outcome
            .err()
            .map(|e| (e.code.to_owned(), e.message.clone())),
    };
    let now = sim.now();
    let record = api_call_record(&session_of(credential), &call, now);
    sim.state()
        .trail
        .record(record, now, sim.world.cloudtrail().delivery_delay);
}

/// Records a `ConsoleLogin` for a console session just opened.
pub(crate) fn record_console_login(sim: &Sim, ctx: &RequestContext, console: &ConsoleSession) {
    let session = RoleSession {
        account_id: console.account_id.clone(),
        role_id: ids::role_unique_id(&console.account_id, &console.role_name),
        role_name: console.role_name.clone(),
        user_name: console.user_name.clone(),
        access_key_id: None,
        issued_at: console.signed_in_at,
    };
    let record = console_login_record(
        &session,
        &console.destination,
        &ctx.source_ip,
        &ctx.user_agent,
        console.signed_in_at,
    );
    sim.state().trail.record(
        record,
        console.signed_in_at,
        sim.world.cloudtrail().delivery_delay,
    );
}
