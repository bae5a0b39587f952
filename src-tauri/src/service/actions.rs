//! What the person does: request, decide, extend, revoke, open the console, copy
//! credentials. Each is a call into the client core plus an update of the model.

use stint_api::{AccessRequest, CreateRequest, Decision, EligibleAccess, ExtendRequest};
use stint_client::export::{self, ExportFormat};
use stint_client::{ConsoleRequest, ResolvedTarget, Stint, Target};

use super::Service;
use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::view::{Copied, CopyFormat};

impl Service {
    pub async fn eligibility(&self) -> CommandResult<Vec<EligibleAccess>> {
        let stint = self.signed_in()?;
        Ok(stint.broker()?.eligibility().await?.items)
    }

    pub async fn create_request(&self, body: CreateRequest) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let created = stint.broker()?.create_request(&body).await?;
        self.mine_changed(created.clone());
        Ok(created)
    }

    /// One request with its history.
    pub async fn request(&self, id: i64) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        Ok(stint.broker()?.request(id).await?)
    }

    pub async fn approve(&self, id: i64, comment: Option<String>) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let decided = stint
            .broker()?
            .approve(
                id,
                &Decision {
                    comment: non_empty(comment),
                },
            )
            .await?;
        self.decided(&decided);
        Ok(decided)
    }

    pub async fn reject(&self, id: i64, comment: String) -> CommandResult<AccessRequest> {
        let Some(comment) = non_empty(Some(comment)) else {
            return Err(CommandError::new(
                UiErrorCode::InvalidInput,
                "Say why you reject it: the requester reads your comment.",
            ));
        };
        let stint = self.signed_in()?;
        let decided = stint
            .broker()?
            .reject(
                id,
                &Decision {
                    comment: Some(comment),
                },
            )
            .await?;
        self.decided(&decided);
        Ok(decided)
    }

    /// Withdraws one of the person's own requests before it starts.
    pub async fn cancel(&self, id: i64) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let cancelled = stint.broker()?.cancel(id, &Decision::default()).await?;
        self.mine_changed(cancelled.clone());
        Ok(cancelled)
    }

    /// Ends an active grant now, and forgets credentials cached for it.
    pub async fn revoke(&self, id: i64) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let revoked = stint.broker()?.revoke(id, &Decision::default()).await?;
        if let Err(e) = stint.forget_credentials(&resolved(&revoked)).await {
            tracing::warn!(error = %e, "cached credentials not forgotten");
        }
        self.mine_changed(revoked.clone());
        Ok(revoked)
    }

    pub async fn extend(&self, id: i64, by_secs: u32) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let extended = stint
            .broker()?
            .extend(
                id,
                &ExtendRequest {
                    by_secs,
                    reason: None,
                },
            )
            .await?;
        self.mine_changed(extended.clone());
        Ok(extended)
    }

    /// Opens the AWS console as the grant's role, through a federation sign-in URL.
    pub async fn open_console(&self, id: i64) -> CommandResult<()> {
        let stint = self.signed_in()?;
        let request = self.known_request(id)?;
        let url = stint
            .console_url(&target(&request), &ConsoleRequest::default())
            .await?;
        self.inner.shell.open_url(url.expose()).map_err(|why| {
            CommandError::new(
                UiErrorCode::Internal,
                format!("Cannot open the browser: {why}."),
            )
        })
    }

    /// Puts the grant's credentials (or a profile that fetches them) on the clipboard.
    pub async fn copy_credentials(&self, id: i64, format: CopyFormat) -> CommandResult<Copied> {
        let stint = self.signed_in()?;
        let request = self.known_request(id)?;
        let (text, expires_at) = match format {
            CopyFormat::ProfileLine => (profile_lines(&request), None),
            shell_format => {
                let creds = stint.credentials(&target(&request)).await?;
                let export_format = match shell_format {
                    CopyFormat::Fish => ExportFormat::Fish,
                    CopyFormat::Powershell => ExportFormat::Powershell,
                    _ => ExportFormat::Env,
                };
                let text = export::render(&creds, export_format, Some(&region(&stint)))?;
                (text, Some(creds.expiration))
            }
        };
        self.inner.shell.copy_text(&text).map_err(|why| {
            CommandError::new(
                UiErrorCode::Internal,
                format!("Cannot use the clipboard: {why}."),
            )
        })?;
        if let Some(at) = expires_at {
            self.state().model.credentials_issued(id, at);
            self.publish();
        }
        Ok(Copied { format, expires_at })
    }

    fn known_request(&self, id: i64) -> CommandResult<AccessRequest> {
        self.state().model.request(id).cloned().ok_or_else(|| {
            CommandError::new(
                UiErrorCode::NotFound,
                format!("Request {id} is not among yours; refresh and try again."),
            )
        })
    }

    fn mine_changed(&self, request: AccessRequest) {
        let now = self.now();
        self.state().model.upsert_mine(request, now);
        self.publish();
    }

    fn decided(&self, request: &AccessRequest) {
        self.state().model.decided(request);
        self.publish();
    }
}

fn target(r: &AccessRequest) -> Target {
    Target {
        account: r.account.id.clone(),
        permission_set: r.permission_set.name.clone(),
    }
}

fn resolved(r: &AccessRequest) -> ResolvedTarget {
    ResolvedTarget {
        account_id: r.account.id.clone(),
        account_name: r.account.name.clone(),
        permission_set: r.permission_set.name.clone(),
    }
}

fn region(stint: &Stint) -> String {
    stint
        .config()
        .preferences
        .console_region
        .clone()
        .unwrap_or_else(|| stint.sso_settings().region.clone())
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A profile for `~/.aws/config` that runs `stint` for fresh credentials each time.
fn profile_lines(r: &AccessRequest) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "[profile {}-{}]\ncredential_process = stint credential-process {}/{}\n",
        clean(&r.account.name),
        clean(&r.permission_set.name),
        r.account.id,
        r.permission_set.name
    )
}
