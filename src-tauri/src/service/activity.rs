//! A request's session activity, for the history and the auditor's look-up.

use stint_api::ActivityPage;

use super::Service;
use crate::error::CommandResult;

impl Service {
    /// Every event the broker lists for the request (all pages), oldest first.
    pub async fn activity(&self, id: i64) -> CommandResult<ActivityPage> {
        let stint = self.signed_in()?;
        Ok(stint.broker()?.all_activity(id).await?)
    }
}
