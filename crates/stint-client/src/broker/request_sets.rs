//! Request sets: one permission set in several accounts, asked for in one call and
//! decided together (approve, reject, cancel, extend or revoke any member).

use reqwest::Method;
use stint_api::rules::{self, TextField};
use stint_api::{CreateRequestSet, RequestSet, routes};

use super::BrokerClient;
use super::checks::check_text;
use crate::error::{Error, Result};

impl BrokerClient {
    /// Checked against `stint_api::rules` before it is sent, like a single request.
    pub async fn create_request_set(&self, body: &CreateRequestSet) -> Result<RequestSet> {
        rules::check_text(TextField::Reason, body.reason.trim())
            .map_err(|p| Error::InvalidInput(p.to_string()))?;
        check_text(TextField::Ticket, body.ticket.as_deref())?;
        if let Some(problem) = rules::duration_problem(u64::from(body.duration_secs)) {
            return Err(Error::InvalidInput(problem));
        }
        self.call(Method::POST, routes::REQUEST_SETS, None, Some(body))
            .await
    }

    /// A set by its id (its first member's request id).
    pub async fn request_set(&self, id: i64) -> Result<RequestSet> {
        self.call(
            Method::GET,
            &routes::with_id(routes::REQUEST_SET, id),
            None,
            None,
        )
        .await
    }
}
