//! The app's engine, with no Tauri in it: holds the client core ([`Stint`]) and the
//! [`Model`], follows the broker's event stream, runs the one timer that countdowns and
//! the five-minute warning need, and tells the [`Shell`] what to show. Tauri commands
//! are one-line calls into it.

mod actions;
mod activity;
mod revocations;
mod session;
mod settings;
mod standing;
mod stream;

use std::sync::{Arc, Mutex, MutexGuard};

use stint_api::AccessRequest;
use stint_client::clock::SharedClock;
use stint_client::{Paths, Stint};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::error::{CommandError, CommandResult, UiErrorCode};
use crate::model::Model;
use crate::prefs::AppPrefs;
use crate::shell::Shell;
use crate::view::{BrokerLink, SessionView, Snapshot};
use stint_notices::Notice;

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    shell: Arc<dyn Shell>,
    clock: SharedClock,
    paths: Paths,
    /// Where background work runs; commands may be called from any thread.
    runtime: tokio::runtime::Handle,
    state: Mutex<State>,
    /// Wakes the timer when what it waits for may have changed.
    wake: Notify,
}

struct State {
    stint: Option<Stint>,
    session: SessionView,
    link: BrokerLink,
    model: Model,
    /// The roles the portal listed, cached between readings (see `standing.rs`).
    standing: standing::Standing,
    prefs: AppPrefs,
    sign_in: Option<JoinHandle<()>>,
    stream: Option<JoinHandle<()>>,
    /// Bumped whenever the signed-in person or the configuration changes, so a task
    /// started for the previous one cannot write into the new state.
    generation: u64,
}

impl Service {
    pub fn new(
        shell: Arc<dyn Shell>,
        clock: SharedClock,
        paths: Paths,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        let prefs = load_prefs(&paths);
        Self {
            inner: Arc::new(Inner {
                shell,
                clock,
                paths,
                runtime,
                state: Mutex::new(State {
                    stint: None,
                    session: SessionView::SignedOut { reason: None },
                    link: BrokerLink::Offline,
                    model: Model::new(),
                    standing: standing::Standing::default(),
                    prefs,
                    sign_in: None,
                    stream: None,
                    generation: 0,
                }),
                wake: Notify::new(),
            }),
        }
    }

    /// Loads the configuration, picks up a login kept in the keyring, starts the timer.
    pub async fn start(&self) {
        self.spawn_timer();
        self.reload().await;
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    pub fn snapshot(&self) -> Snapshot {
        let state = self.state();
        let mut active = state.model.active();
        for grant in &mut active {
            grant.console = state.prefs.console_for(&standing::role_of(&grant.request));
            for given in &mut grant.gives {
                given.console = state.prefs.console_for(&given.key());
            }
        }
        let pending = state.model.pending();
        let history = state.model.history();
        let running: Vec<AccessRequest> = pending
            .iter()
            .chain(history.iter().map(|h| &h.request))
            .cloned()
            .collect();
        let granted = standing::granted(&active, &running);
        Snapshot {
            session: state.session.clone(),
            broker: state.link.clone(),
            standing: state.standing.view(&granted, &state.prefs),
            active,
            pending,
            approvals: state.model.approvals(),
            history,
        }
    }

    /// Tells the shell what changed, and the timer to look again.
    fn publish(&self) {
        self.redraw();
        self.inner.wake.notify_one();
    }

    fn redraw(&self) {
        let snapshot = self.snapshot();
        let signed_in = matches!(snapshot.session, SessionView::SignedIn { .. });
        let look = self.state().model.tray_look(signed_in, self.now());
        self.inner.shell.state_changed(&snapshot, look);
    }

    fn deliver(&self, notices: Vec<Notice>) {
        let prefs = self.state().prefs.notifications;
        for notice in notices.iter().filter(|n| n.kind.enabled(&prefs)) {
            tracing::info!(kind = ?notice.kind, request = notice.request_id, "notification");
            self.inner.shell.notify(notice);
        }
    }

    fn stint(&self) -> CommandResult<Stint> {
        let state = self.state();
        match (&state.stint, &state.session) {
            (Some(stint), _) => Ok(stint.clone()),
            (None, SessionView::NotConfigured { missing }) => Err(CommandError::new(
                UiErrorCode::NotConfigured,
                format!("{missing}: open Settings."),
            )),
            (None, _) => Err(CommandError::new(
                UiErrorCode::NotConfigured,
                "Stint is not configured yet: open Settings.",
            )),
        }
    }

    /// The client, when someone is signed in.
    fn signed_in(&self) -> CommandResult<Stint> {
        let stint = self.stint()?;
        match self.state().session {
            SessionView::SignedIn { .. } => Ok(stint),
            _ => Err(CommandError::new(
                UiErrorCode::NotSignedIn,
                "You are not signed in: sign in first.",
            )),
        }
    }

    /// Stops what runs for the current person or configuration.
    fn stop_tasks(state: &mut State) {
        state.generation += 1;
        for task in [state.sign_in.take(), state.stream.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

fn load_prefs(paths: &Paths) -> AppPrefs {
    let path = stint_notices::prefs::app_prefs_path(&paths.config_file);
    AppPrefs::load(&path).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "app preferences unreadable; using the defaults");
        AppPrefs::default()
    })
}
