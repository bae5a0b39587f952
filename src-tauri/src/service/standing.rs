//! The roles a person holds without a request (standing access), so the app is their one
//! AWS menu: read from the access portal through the client core (`Stint::held_roles`)
//! and kept between readings. Read at sign-in, after every reconnect, when one of the
//! person's grants ends (its assignment leaves the portal's list) and on Refresh; never on
//! a timer, so an idle app makes no calls.

use chrono::{DateTime, Utc};
use stint_api::AccessRequest;
use stint_client::{HeldRole, Stint, Target};

use super::Service;
use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::prefs::AppPrefs;
use crate::view::{ConsoleChoice, Copied, CopyFormat, GrantView, RoleKey, RoleView, StandingView};

/// The portal's last answer.
#[derive(Debug, Default)]
pub(super) struct Standing {
    roles: Vec<HeldRole>,
    read_at: Option<DateTime<Utc>>,
    error: Option<CommandError>,
}

impl Standing {
    /// What the window shows: the roles no grant gives (those read as the grant, with its
    /// countdown), each with its remembered console destination.
    pub fn view(&self, granted: &[RoleKey], prefs: &AppPrefs) -> StandingView {
        StandingView {
            roles: self
                .roles
                .iter()
                .filter(|r| !granted.contains(&key_of(r)))
                .map(|r| RoleView {
                    account_id: r.account_id.clone(),
                    account_name: r.account_name.clone(),
                    permission_set: r.permission_set.clone(),
                    console: prefs.console_for(&key_of(r)),
                })
                .collect(),
            read_at: self.read_at,
            error: self.error.clone(),
        }
    }

    /// A grant of `role` ended: the portal listed its assignment, and may no longer.
    /// Dropped until the next reading says it is standing after all.
    pub fn forget(&mut self, role: &RoleKey) {
        self.roles.retain(|r| key_of(r) != *role);
    }

    fn held(&self, role: &RoleKey) -> Option<&HeldRole> {
        self.roles.iter().find(|r| key_of(r) == *role)
    }
}

fn key_of(r: &HeldRole) -> RoleKey {
    RoleKey {
        account_id: r.account_id.clone(),
        permission_set: r.permission_set.clone(),
    }
}

/// The role a request is for.
pub fn role_of(r: &AccessRequest) -> RoleKey {
    RoleKey {
        account_id: r.account.id.clone(),
        permission_set: r.permission_set.name.clone(),
    }
}

/// The roles a request gives once active: its own, or each one its group is assigned.
pub fn roles_given(r: &AccessRequest) -> Vec<RoleKey> {
    roles_given_in(r)
        .into_iter()
        .map(|(role, _)| role)
        .collect()
}

/// [`roles_given`], each with the name of its account (which credentials are filed under).
pub fn roles_given_in(r: &AccessRequest) -> Vec<(RoleKey, String)> {
    match &r.group {
        Some(group) => group
            .gives
            .iter()
            .map(|a| (RoleKey::given_by_group(a), a.account.name.clone()))
            .collect(),
        None => vec![(role_of(r), r.account.name.clone())],
    }
}

/// The roles the person's grants give while they run (activating to ending): the portal
/// lists a group's roles to its members, and they are shown as the group's grant.
pub fn granted(grants: &[GrantView], others: &[AccessRequest]) -> Vec<RoleKey> {
    grants
        .iter()
        .map(|g| &g.request)
        .chain(others.iter().filter(|r| {
            matches!(
                r.state,
                stint_api::RequestState::Activating | stint_api::RequestState::Ending
            )
        }))
        .flat_map(roles_given)
        .collect()
}

impl Service {
    /// Reads the portal in the background for the current person.
    pub(super) fn read_standing(&self, stint: Stint, generation: u64) {
        let service = self.clone();
        self.inner.runtime.spawn(async move {
            service.read_standing_now(&stint, generation).await;
        });
    }

    async fn read_standing_now(&self, stint: &Stint, generation: u64) {
        let read = stint.held_roles().await;
        {
            let mut state = self.state();
            if state.generation != generation {
                return;
            }
            let standing = &mut state.standing;
            match read {
                Ok(roles) => {
                    standing.roles = roles;
                    standing.read_at = Some(self.now());
                    standing.error = None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the access portal's roles not read");
                    let mut error = CommandError::from(e);
                    error.message = format!(
                        "Can't read the roles you hold from the AWS access portal. {}",
                        error.message
                    );
                    standing.error = Some(error);
                }
            }
        }
        self.publish();
    }

    /// Refresh, from the window: reads the portal now and answers when done.
    pub async fn refresh_roles(&self) -> CommandResult<()> {
        let stint = self.signed_in()?;
        let generation = self.state().generation;
        self.read_standing_now(&stint, generation).await;
        match self.state().standing.error.clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Opens the console as a role held without a request.
    pub async fn open_role_console(
        &self,
        role: RoleKey,
        choice: Option<ConsoleChoice>,
    ) -> CommandResult<()> {
        let stint = self.signed_in()?;
        self.known_role(&role)?;
        self.open_console_as(&stint, role, choice).await
    }

    /// Puts a standing role's credentials (or a profile that fetches them) on the
    /// clipboard.
    pub async fn copy_role_credentials(
        &self,
        role: RoleKey,
        format: CopyFormat,
    ) -> CommandResult<Copied> {
        let stint = self.signed_in()?;
        let held = self.known_role(&role)?;
        let (text, expires_at) =
            super::actions::credentials_text(&stint, &target_of(&role), &held.account_name, format)
                .await?;
        self.copy_to_clipboard(&text)?;
        Ok(Copied { format, expires_at })
    }

    /// The role as the portal listed it: the window acts only on roles it was shown.
    fn known_role(&self, role: &RoleKey) -> CommandResult<HeldRole> {
        self.state().standing.held(role).cloned().ok_or_else(|| {
            CommandError::new(
                UiErrorCode::NotFound,
                format!(
                    "You no longer hold {} in account {}: Refresh to see the roles you hold now.",
                    role.permission_set, role.account_id
                ),
            )
        })
    }
}

/// The client core's name for a role: the account by id.
pub fn target_of(role: &RoleKey) -> Target {
    Target {
        account: role.account_id.clone(),
        permission_set: role.permission_set.clone(),
    }
}
