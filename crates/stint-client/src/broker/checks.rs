//! The rules of `stint_api::rules` applied before a request leaves the machine.

use stint_api::CreateRequest;
use stint_api::rules::{self, TextField};

use crate::error::{Error, Result};

/// The rules a new request meets whatever the policy says.
pub(super) fn check_create(body: &CreateRequest) -> Result<()> {
    // A reason is required; the other texts are optional.
    rules::check_text(TextField::Reason, body.reason.trim())
        .map_err(|p| Error::InvalidInput(p.to_string()))?;
    check_text(TextField::Ticket, body.ticket.as_deref())?;
    if let Some(problem) = rules::duration_problem(u64::from(body.duration_secs)) {
        return Err(Error::InvalidInput(problem));
    }
    Ok(())
}

/// Free text as the broker will store it: trimmed, and an empty optional text is none.
pub(super) fn check_text(field: TextField, text: Option<&str>) -> Result<()> {
    match text.map(str::trim) {
        Some("") | None => Ok(()),
        Some(text) => {
            rules::check_text(field, text).map_err(|p| Error::InvalidInput(p.to_string()))
        }
    }
}
