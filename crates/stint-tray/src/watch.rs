//! Keeps the menu current: reads who is signed in and the person's grants (from the
//! agent's memory while it follows the broker's event stream), draws the menu, and waits
//! for the next change — an event or a new login (the agent's picture changes), a
//! sign-in from the menu, or the next minute of a countdown.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::Utc;
use stint_client::Stint;
use stint_client::sso::LoginStatus;

use crate::menu::{self, Entry, Look};
use crate::shared::Core;
use crate::view::{Serving, Session, TrayState};

/// Runs while the tray does; `show` puts a menu on screen (from any thread).
pub async fn run(core: Arc<Core>, show: impl Fn(Look, Vec<Entry>)) {
    loop {
        let state = read(&core).await;
        // Taken after the read: the read may itself mark the picture changed (a failed
        // read is asked again), which must not wake this loop at once, forever.
        let generation = core.agent.as_ref().map(|a| a.picture().generation());
        let now = Utc::now();
        show(menu::look(&state, now), menu::build(&state, now));
        let wait = menu::next_redraw(&state, now);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = core.wake.notified() => {}
            () = changed(&core, generation) => {}
        }
    }
}

async fn changed(core: &Core, generation: Option<u64>) {
    match (&core.agent, generation) {
        (Some(agent), Some(generation)) => agent.picture().changed_since(generation).await,
        _ => std::future::pending().await,
    }
}

async fn read(core: &Core) -> TrayState {
    let stint = match &core.stint {
        Ok(stint) => stint,
        Err(why) => {
            return TrayState::new(
                Session::NotConfigured { why: why.clone() },
                core.serving.clone(),
            );
        }
    };
    if core.signing_in.load(Ordering::SeqCst) {
        return TrayState::new(Session::SigningIn, core.serving.clone());
    }
    let session = match stint.status().await {
        Ok(LoginStatus::LoggedIn { start_url, .. }) => Session::SignedIn {
            who: who(stint, &start_url).await,
        },
        Ok(LoginStatus::LoggedOut) => Session::SignedOut,
        Ok(LoginStatus::Expired { .. }) => Session::Expired,
        Err(e) => Session::Unknown { why: e.to_string() },
    };
    let mut state = TrayState::new(session, core.serving.clone());
    if !matches!(state.session, Session::SignedIn { .. }) {
        return state;
    }
    let Some(agent) = &core.agent else {
        return state;
    };
    state.reconnecting = core.serving == Serving::Here && stint.has_broker() && !agent.following();
    match agent.overview().await {
        Ok(overview) => state.with_overview(&overview, stint.config().baseline().ok().as_ref()),
        Err(e) => {
            state.unreadable = Some(e.to_string());
            state
        }
    }
}

/// The person's name as the broker knows it (from the stored broker session, renewed
/// when it has run out), or the portal they are signed in to when there is no broker.
async fn who(stint: &Stint, start_url: &str) -> String {
    let Ok(broker) = stint.broker() else {
        return start_url.to_owned();
    };
    match broker.session().await {
        Ok(session) => session.me.user.display_name,
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the broker session");
            start_url.to_owned()
        }
    }
}
