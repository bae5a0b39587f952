//! Signing in and out, and picking up a login kept in the keyring at start.

use stint_api::Persona;
use stint_client::broker::fetch_auth_config;
use stint_client::sso::{BrowserOutcome, LoginFlow, LoginHooks, LoginProgress, LoginStatus};
use stint_client::{Config, Error, Stint, StintOptions};

use super::Service;
use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::view::{BrokerLink, BrowserSignInView, DevicePromptView, SessionView, UserView};

impl Service {
    /// (Re)reads the configuration and the stored login; starts following the broker
    /// when someone is signed in.
    pub(super) async fn reload(&self) {
        let generation = {
            let mut state = self.state();
            Self::stop_tasks(&mut state);
            state.model.clear();
            state.standing = Default::default();
            state.stint = None;
            state.link = BrokerLink::Offline;
            state.prefs = super::load_prefs(&self.inner.paths);
            state.generation
        };
        let mut opened = self.open_client().await;
        if matches!(opened, Err(Error::NotConfigured { .. })) {
            // A broker URL alone is enough: the broker says where to sign in, as
            // `stint configure` asks it.
            match self.adopt_broker_settings().await {
                Ok(true) => opened = self.open_client().await,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot ask the broker where to sign in"),
            }
        }
        let stint = match opened {
            Ok(stint) => stint,
            Err(e) => {
                let missing = match &e {
                    Error::NotConfigured { what } => format!("{} is not set", capitalize(what)),
                    other => other.to_string(),
                };
                tracing::info!(%missing, "not configured");
                self.set_session(generation, SessionView::NotConfigured { missing });
                return;
            }
        };
        self.state().stint = Some(stint.clone());
        let session = match stint.status().await {
            Ok(LoginStatus::LoggedIn { .. }) => {
                let user = self.identify(&stint).await;
                SessionView::SignedIn { user }
            }
            Ok(LoginStatus::LoggedOut) => SessionView::SignedOut { reason: None },
            Ok(LoginStatus::Expired { .. }) => SessionView::SignedOut {
                reason: Some("Your Identity Center session has ended.".to_owned()),
            },
            Err(e) => SessionView::SignedOut {
                reason: Some(CommandError::from(e).message),
            },
        };
        let signed_in = matches!(session, SessionView::SignedIn { .. });
        if self.set_session(generation, session) && signed_in {
            self.follow(stint, generation);
        }
    }

    async fn open_client(&self) -> Result<Stint, Error> {
        let mut options = StintOptions::from_env()?;
        options.clock = self.inner.clock.clone();
        options.paths = self.inner.paths.clone();
        Stint::open(options).await
    }

    /// With a broker URL configured (file or `STINT_BROKER_URL`) but no Identity Center
    /// settings, asks the broker for them and saves them. Says whether it did.
    async fn adopt_broker_settings(&self) -> Result<bool, Error> {
        let path = &self.inner.paths.config_file;
        let mut saved = Config::load(path)?;
        let mut effective = saved.clone();
        effective.apply_env(|name| std::env::var(name).ok())?;
        let Some(url) = effective.broker_url else {
            return Ok(false);
        };
        let auth = fetch_auth_config(&url).await?;
        saved.adopt_auth_config(&auth);
        saved.save(path)?;
        tracing::info!(broker = %url, start_url = %auth.start_url, "sign-in settings taken from the broker");
        Ok(true)
    }

    /// Sets the session view unless the generation moved on; says whether it did.
    pub(super) fn set_session(&self, generation: u64, session: SessionView) -> bool {
        {
            let mut state = self.state();
            if state.generation != generation {
                return false;
            }
            state.session = session;
        }
        self.publish();
        true
    }

    /// Starts a login (`flow`); progress arrives as state changes.
    pub fn sign_in(&self, flow: LoginFlow) -> CommandResult<()> {
        let stint = self.stint()?;
        let generation = {
            let mut state = self.state();
            if state.sign_in.as_ref().is_some_and(|t| !t.is_finished()) {
                return Err(CommandError::new(
                    UiErrorCode::Busy,
                    "A sign-in is already waiting for approval.",
                ));
            }
            state.session = SessionView::SigningIn {
                prompt: None,
                browser: None,
            };
            state.generation
        };
        self.publish();
        let service = self.clone();
        let task = self.inner.runtime.spawn(async move {
            let shell = service.inner.shell.clone();
            let open = move |url: &str| shell.open_url(url);
            let reporter = service.clone();
            let progress = move |p: LoginProgress| reporter.login_progress(generation, p);
            let hooks = LoginHooks {
                open_browser: Some(&open),
                on_progress: &progress,
            };
            let session = match stint.login(flow, hooks).await {
                Ok(_) => SessionView::SignedIn {
                    user: service.identify(&stint).await,
                },
                Err(e) => SessionView::SignedOut {
                    reason: Some(CommandError::from(e).message),
                },
            };
            let signed_in = matches!(session, SessionView::SignedIn { .. });
            if service.set_session(generation, session) && signed_in {
                service.follow(stint, generation);
            }
        });
        self.state().sign_in = Some(task);
        Ok(())
    }

    fn login_progress(&self, generation: u64, progress: LoginProgress) {
        let session = match progress {
            LoginProgress::Prompt(p) => {
                let (browser_opened, browser_error) = browser_outcome(p.browser);
                SessionView::SigningIn {
                    prompt: Some(DevicePromptView {
                        user_code: p.user_code,
                        verification_uri: p.verification_uri,
                        verification_uri_complete: p.verification_uri_complete,
                        expires_at: p.expires_at,
                        browser_opened,
                        browser_error,
                    }),
                    browser: None,
                }
            }
            LoginProgress::BrowserSignIn(p) => {
                let (browser_opened, browser_error) = browser_outcome(p.browser);
                SessionView::SigningIn {
                    prompt: None,
                    browser: Some(BrowserSignInView {
                        authorize_url: p.authorize_url,
                        expires_at: p.expires_at,
                        browser_opened,
                        browser_error,
                    }),
                }
            }
            LoginProgress::WaitingForAnotherLogin | LoginProgress::Approved => return,
        };
        self.set_session(generation, session);
    }

    pub fn cancel_sign_in(&self) {
        let generation = {
            let mut state = self.state();
            if let Some(task) = state.sign_in.take() {
                task.abort();
            }
            if !matches!(state.session, SessionView::SigningIn { .. }) {
                return;
            }
            state.generation
        };
        self.set_session(generation, SessionView::SignedOut { reason: None });
    }

    /// Ends the broker and portal sessions and forgets tokens and cached credentials.
    pub async fn sign_out(&self) -> CommandResult<()> {
        let stint = self.stint()?;
        let generation = {
            let mut state = self.state();
            Self::stop_tasks(&mut state);
            state.model.clear();
            state.standing = Default::default();
            state.link = BrokerLink::Offline;
            state.generation
        };
        let result = stint.logout().await;
        self.set_session(generation, SessionView::SignedOut { reason: None });
        result.map_err(CommandError::from)
    }

    /// Who is signed in: the broker's answer when there is a broker (its stored session
    /// first, so a start without network still knows), else what STS says of the
    /// baseline role.
    pub(super) async fn identify(&self, stint: &Stint) -> UserView {
        if let Ok(broker) = stint.broker() {
            let session = match broker.stored_session().await {
                Ok(Some(s)) => Ok(s),
                _ => broker.session().await,
            };
            match session {
                Ok(s) => return user_view(&s.me),
                Err(e) => tracing::warn!(error = %e, "the broker does not know us yet"),
            }
        }
        match stint.caller_identity().await {
            Ok(id) => {
                let name = id.arn.rsplit('/').next().unwrap_or_default().to_owned();
                UserView {
                    display_name: name.clone(),
                    user_name: name,
                    email: None,
                    groups: Vec::new(),
                    approver: false,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell who is signed in");
                UserView {
                    user_name: String::new(),
                    display_name: "Signed in".to_owned(),
                    email: None,
                    groups: Vec::new(),
                    approver: false,
                }
            }
        }
    }
}

pub(super) fn user_view(me: &stint_api::Me) -> UserView {
    UserView {
        user_name: me.user.user_name.clone(),
        display_name: me.user.display_name.clone(),
        email: me.email.clone(),
        groups: me.groups.clone(),
        approver: me.personas.contains(&Persona::Approver),
    }
}

fn browser_outcome(outcome: BrowserOutcome) -> (bool, Option<String>) {
    match outcome {
        BrowserOutcome::Opened => (true, None),
        BrowserOutcome::NotRequested => (false, None),
        BrowserOutcome::Failed(why) => (false, Some(why)),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
