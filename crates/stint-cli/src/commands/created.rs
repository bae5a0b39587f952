//! What `stint request` says about what it created, the same for one request
//! (`requests.rs`) and a request set (`request_sets.rs`): where it stands, in one sentence,
//! and with `--wait`, where it stands once active or final, with an exit code saying which.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};
use stint_api::RequestState;
use stint_client::Stint;

use crate::output;

/// Something `stint request` created and can wait for.
pub(super) trait Created: Sized {
    /// How messages name it: `Request 12` or `Request set 12`.
    fn name(&self) -> String;
    fn state(&self) -> RequestState;
    /// Follows it until it is active or final.
    async fn settled(self, stint: &Stint) -> Result<Self>;
    /// Prints it: as JSON, or as a person reads it.
    fn report(&self, as_json: bool) -> Result<()>;
}

/// Reports `created`; with `wait`, waits first and exits `NotActive` unless it became active.
pub(super) async fn answer<T: Created>(
    stint: &Stint,
    created: T,
    wait: bool,
    as_json: bool,
) -> Result<ExitCode> {
    if !wait {
        created.report(as_json)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} is {}; waiting for it to become active...",
        created.name(),
        created.state()
    );
    let last = created.settled(stint).await?;
    last.report(as_json)?;
    Ok(match last.state() {
        RequestState::Active => ExitCode::SUCCESS,
        _ => ExitCode::from(stint_client::exit_code(stint_client::ErrorKind::NotActive)),
    })
}

/// The times a sentence about a request's standing may name.
pub(super) struct Times {
    pub approval_deadline: Option<DateTime<Utc>>,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// `{what} is pending approval (until …)`, `… is approved; it opens at …`, `… is active
/// until … (1h 59m left)` and so on, without the full stop: callers add what only they say.
pub(super) fn standing(what: &str, state: RequestState, times: &Times) -> String {
    match state {
        RequestState::Pending => format!(
            "{what} is pending approval{}",
            times
                .approval_deadline
                .map(|d| format!(" (until {})", output::local(d)))
                .unwrap_or_default()
        ),
        RequestState::Approved => format!(
            "{what} is approved; it opens at {}",
            output::local(times.start_at)
        ),
        RequestState::Activating => format!("{what} is being activated"),
        RequestState::Active => format!(
            "{what} is active until {} ({} left)",
            output::local(times.end_at),
            output::span(times.end_at - Utc::now())
        ),
        RequestState::Ending | RequestState::Ended => format!("{what} has ended"),
        state => format!("{what} is {state}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_reads_as_one_sentence_about_what() {
        let start = Utc::now() + chrono::Duration::minutes(30);
        let times = Times {
            approval_deadline: Some(start),
            start_at: start,
            end_at: start + chrono::Duration::hours(2),
        };
        let say = |state| standing("Request 7 for prod/ReadOnlyAccess", state, &times);
        let at = output::local(start);
        assert_eq!(
            say(RequestState::Pending),
            format!("Request 7 for prod/ReadOnlyAccess is pending approval (until {at})")
        );
        assert_eq!(
            say(RequestState::Approved),
            format!("Request 7 for prod/ReadOnlyAccess is approved; it opens at {at}")
        );
        let active = say(RequestState::Active);
        assert!(active.contains("is active until"), "{active}");
        assert!(active.ends_with(" left)"), "{active}");
        assert_eq!(
            say(RequestState::Ended),
            "Request 7 for prod/ReadOnlyAccess has ended"
        );
        assert_eq!(
            say(RequestState::Rejected),
            "Request 7 for prod/ReadOnlyAccess is rejected"
        );
    }
}
