//! What a new request is checked for before the policy is asked, the same for a single
//! request (`requests.rs`) and a request set (`request_sets.rs`): its free text, its
//! length and its start, with the rules of `stint_api::rules`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api::rules;

use crate::api::error::AppError;
use crate::api::state::AppState;

/// The parts of a new request every kind of target shares.
pub struct Asking<'a> {
    pub reason: &'a str,
    pub ticket: Option<&'a str>,
    pub duration_secs: u32,
    pub start_at: Option<DateTime<Utc>>,
}

/// Refuses what no policy could allow, and returns the length the policy is to be asked
/// about. Free text first: a ticket with an escape sequence is refused as such, not as a
/// ticket that fails the policy's pattern (which would echo it back to the caller).
pub fn before_policy(state: &AppState, asking: &Asking<'_>) -> Result<Duration, AppError> {
    free_text(rules::TextField::Reason, Some(asking.reason))?;
    free_text(rules::TextField::Ticket, asking.ticket)?;
    if let Some(problem) = rules::duration_problem(u64::from(asking.duration_secs)) {
        return Err(AppError::invalid(format!("durationSecs: {problem}")));
    }
    if let Some(start) = asking.start_at {
        let lead = (start - state.inner.clock.now()).num_seconds();
        if let Some(problem) = rules::lead_problem(lead) {
            return Err(AppError::invalid(format!("startAt: {problem}")));
        }
    }
    Ok(Duration::from_secs(u64::from(asking.duration_secs)))
}

/// Checks free text as the engine will store it (trimmed; an empty ticket is none).
fn free_text(field: rules::TextField, text: Option<&str>) -> Result<(), AppError> {
    match text.map(str::trim) {
        Some("") if field != rules::TextField::Reason => Ok(()),
        Some(text) => rules::check_text(field, text).map_err(|p| AppError::invalid(p.to_string())),
        None => Ok(()),
    }
}
