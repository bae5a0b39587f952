//! What the person does: request, decide, extend, revoke, open the console, copy
//! credentials. Each is a call into the client core plus an update of the model.

use chrono::{DateTime, Utc};
use stint_api::{AccessRequest, CreateRequest, Decision, EligibleAccess, ExtendRequest};
use stint_client::export::{self, ExportFormat};
use stint_client::{ConsoleRequest, ResolvedTarget, Stint, Target};

use super::Service;
use super::standing::{roles_given_in, target_of};
use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::view::{ConsoleChoice, Copied, CopyFormat, RoleKey};

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
        self.follow_set(&stint, &decided).await;
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
        self.follow_set(&stint, &decided).await;
        Ok(decided)
    }

    /// Withdraws one of the person's own requests before it starts.
    pub async fn cancel(&self, id: i64) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let cancelled = stint.broker()?.cancel(id, &Decision::default()).await?;
        self.mine_changed(cancelled.clone());
        self.follow_set(&stint, &cancelled).await;
        Ok(cancelled)
    }

    /// Ends an active grant now, and forgets credentials cached for every role it gave.
    pub async fn revoke(&self, id: i64) -> CommandResult<AccessRequest> {
        let stint = self.signed_in()?;
        let revoked = stint.broker()?.revoke(id, &Decision::default()).await?;
        forget_credentials(&stint, &revoked).await;
        self.mine_changed(revoked.clone());
        for member in self.follow_set(&stint, &revoked).await {
            forget_credentials(&stint, &member).await;
        }
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
        self.follow_set(&stint, &extended).await;
        Ok(extended)
    }

    /// Opens the AWS console as a role the grant gives — its own, or for a group grant
    /// the `role` named — through a federation sign-in URL, where `choice` says (the last
    /// choice for this role when `None`).
    pub async fn open_console(
        &self,
        id: i64,
        role: Option<RoleKey>,
        choice: Option<ConsoleChoice>,
    ) -> CommandResult<()> {
        let stint = self.signed_in()?;
        let request = self.known_request(id)?;
        let (role, _) = chosen_role(&request, role)?;
        self.open_console_as(&stint, role, choice).await
    }

    /// Opens the console as `role`; a `choice` given is remembered for the role (in
    /// `app.toml`) once the console opened with it.
    pub(super) async fn open_console_as(
        &self,
        stint: &Stint,
        role: RoleKey,
        choice: Option<ConsoleChoice>,
    ) -> CommandResult<()> {
        let remembered = self.state().prefs.console_for(&role);
        let chosen = match choice {
            Some(choice) => tidy(choice),
            None => remembered.clone(),
        };
        let url = stint
            .console_url(
                &target_of(&role),
                &ConsoleRequest {
                    service: chosen.service.clone(),
                    region: chosen.region.clone(),
                    portal: false,
                },
            )
            .await?;
        self.inner.shell.open_url(url.expose()).map_err(|why| {
            CommandError::new(
                UiErrorCode::Internal,
                format!("Cannot open the browser: {why}."),
            )
        })?;
        if chosen != remembered {
            self.remember_console(&role, chosen);
        }
        Ok(())
    }

    /// Keeps the console choice in `app.toml`; a file that cannot be written costs the
    /// memory of the choice, not the console.
    fn remember_console(&self, role: &RoleKey, choice: ConsoleChoice) {
        let mut prefs = self.state().prefs.clone();
        prefs.remember_console(role, choice);
        let path = stint_notices::prefs::app_prefs_path(&self.inner.paths.config_file);
        if let Err(e) = prefs.save(&path) {
            tracing::warn!(error = %e, "console choice not saved");
        }
        self.state().prefs = prefs;
        self.publish();
    }

    /// Puts the credentials of a role the grant gives (its own, or for a group grant the
    /// `role` named), or a profile that fetches them, on the clipboard.
    pub async fn copy_credentials(
        &self,
        id: i64,
        role: Option<RoleKey>,
        format: CopyFormat,
    ) -> CommandResult<Copied> {
        let stint = self.signed_in()?;
        let request = self.known_request(id)?;
        let (role, account_name) = chosen_role(&request, role)?;
        let (text, expires_at) =
            credentials_text(&stint, &target_of(&role), &account_name, format).await?;
        self.copy_to_clipboard(&text)?;
        if let Some(at) = expires_at {
            self.state().model.credentials_issued(id, role, at);
            self.publish();
        }
        Ok(Copied { format, expires_at })
    }

    pub(super) fn copy_to_clipboard(&self, text: &str) -> CommandResult<()> {
        self.inner.shell.copy_text(text).map_err(|why| {
            CommandError::new(
                UiErrorCode::Internal,
                format!("Cannot use the clipboard: {why}."),
            )
        })
    }

    fn known_request(&self, id: i64) -> CommandResult<AccessRequest> {
        self.state().model.book.request(id).cloned().ok_or_else(|| {
            CommandError::new(
                UiErrorCode::NotFound,
                format!("Request {id} is not among yours; refresh and try again."),
            )
        })
    }

    fn mine_changed(&self, request: AccessRequest) {
        let now = self.now();
        self.state().model.book.upsert_mine(request, now);
        self.publish();
    }

    fn decided(&self, request: &AccessRequest) {
        self.state().model.book.decided(request);
        self.publish();
    }

    /// An action on one member of a request set acts on every member (the broker decides,
    /// cancels, extends and revokes them together): reads the set and records each member
    /// as the broker has it now, so the window never shows a set half decided. Returns the
    /// members. The event stream brings the same news; a failed read only waits for it.
    async fn follow_set(&self, stint: &Stint, acted_on: &AccessRequest) -> Vec<AccessRequest> {
        let Some(set_id) = acted_on.set_id else {
            return Vec::new();
        };
        let read = match stint.broker() {
            Ok(broker) => broker.request_set(set_id).await,
            Err(e) => Err(e),
        };
        let members = match read {
            Ok(set) => set.members,
            Err(e) => {
                tracing::warn!(error = %e, set_id, "request set not read after acting on it");
                return Vec::new();
            }
        };
        let now = self.now();
        {
            let mut state = self.state();
            for member in members.iter().filter(|m| m.id != acted_on.id) {
                if state.model.book.is_mine(member.id) {
                    state.model.book.upsert_mine(member.clone(), now);
                }
                if state.model.book.is_approvable(member.id) {
                    state.model.book.decided(member);
                }
            }
        }
        self.publish();
        members
    }
}

/// The role of `request` an action is for, and its account's name: the request's own, or
/// for a group grant the one `asked` for, which the group must give.
fn chosen_role(
    request: &AccessRequest,
    asked: Option<RoleKey>,
) -> CommandResult<(RoleKey, String)> {
    let given = roles_given_in(request);
    let Some(group) = &request.group else {
        let (own, account_name) = given
            .into_iter()
            .next()
            .expect("a request gives its own role");
        return match asked {
            Some(asked) if asked != own => Err(CommandError::new(
                UiErrorCode::InvalidInput,
                format!(
                    "Request {} is for {} / {}, not {} in account {}.",
                    request.id,
                    request.account.name,
                    request.permission_set.name,
                    asked.permission_set,
                    asked.account_id
                ),
            )),
            _ => Ok((own, account_name)),
        };
    };
    let Some(asked) = asked else {
        return Err(CommandError::new(
            UiErrorCode::InvalidInput,
            format!(
                "Request {} is for group {}, which gives several roles: choose one of them.",
                request.id, group.name
            ),
        ));
    };
    given
        .into_iter()
        .find(|(role, _)| *role == asked)
        .ok_or_else(|| {
            CommandError::new(
                UiErrorCode::NotFound,
                format!(
                    "Group {} does not give {} in account {} (as the broker last read its \
                 assignments): refresh and try again.",
                    group.name, asked.permission_set, asked.account_id
                ),
            )
        })
}

/// Forgets the credentials cached for each role a grant gave.
async fn forget_credentials(stint: &Stint, grant: &AccessRequest) {
    for (role, account_name) in roles_given_in(grant) {
        let target = ResolvedTarget {
            account_id: role.account_id,
            account_name,
            permission_set: role.permission_set,
        };
        if let Err(e) = stint.forget_credentials(&target).await {
            tracing::warn!(error = %e, "cached credentials not forgotten");
        }
    }
}

/// What Copy credentials puts on the clipboard for `target`, and when those credentials
/// expire (none for a profile, which fetches fresh ones each time).
pub(super) async fn credentials_text(
    stint: &Stint,
    target: &Target,
    account_name: &str,
    format: CopyFormat,
) -> CommandResult<(String, Option<DateTime<Utc>>)> {
    if format == CopyFormat::ProfileLine {
        return Ok((profile_lines(account_name, target), None));
    }
    let creds = stint.credentials(target).await?;
    let export_format = match format {
        CopyFormat::Fish => ExportFormat::Fish,
        CopyFormat::Powershell => ExportFormat::Powershell,
        _ => ExportFormat::Env,
    };
    let text = export::render(&creds, export_format, Some(&region(stint)))?;
    Ok((text, Some(creds.expiration)))
}

/// Blank fields are the defaults; names are trimmed (the client checks what is left).
fn tidy(choice: ConsoleChoice) -> ConsoleChoice {
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    ConsoleChoice {
        region: clean(choice.region),
        service: clean(choice.service).map(|s| s.to_ascii_lowercase()),
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
fn profile_lines(account_name: &str, target: &Target) -> String {
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
        clean(account_name),
        clean(&target.permission_set),
        target.account,
        target.permission_set
    )
}

#[cfg(test)]
mod tests {
    use super::chosen_role;
    use crate::error::UiErrorCode;
    use crate::testing::{group_req, req};
    use crate::view::RoleKey;
    use stint_api::RequestState;

    fn key(account_id: &str, permission_set: &str) -> RoleKey {
        RoleKey {
            account_id: account_id.into(),
            permission_set: permission_set.into(),
        }
    }

    #[test]
    fn a_grant_of_one_role_acts_as_that_role_only() {
        let r = req(7, RequestState::Active, 0);
        let own = crate::service::standing::role_of(&r);
        assert_eq!(
            chosen_role(&r, None).unwrap(),
            (own.clone(), r.account.name.clone())
        );
        assert_eq!(chosen_role(&r, Some(own.clone())).unwrap().0, own);
        let other = chosen_role(&r, Some(key("999999999999", "Other"))).unwrap_err();
        assert_eq!(other.code, UiErrorCode::InvalidInput);
    }

    #[test]
    fn a_group_grant_acts_as_a_role_its_group_gives_and_no_other() {
        let r = group_req(8, RequestState::Active, 0);
        let staging = key("444444444444", "AdministratorAccess");
        assert_eq!(
            chosen_role(&r, Some(staging.clone())).unwrap(),
            (staging, "staging".to_owned())
        );
        let unnamed = chosen_role(&r, None).unwrap_err();
        assert_eq!(unnamed.code, UiErrorCode::InvalidInput);
        assert!(
            unnamed.message.contains("choose one"),
            "{}",
            unnamed.message
        );
        let not_given = chosen_role(&r, Some(key("333333333333", "ReadOnlyAccess"))).unwrap_err();
        assert_eq!(not_given.code, UiErrorCode::NotFound);
        assert!(
            not_given
                .message
                .contains("does not give ReadOnlyAccess in account 333333333333"),
            "{}",
            not_given.message
        );
    }
}
