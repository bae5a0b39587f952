//! Keeps the menu current and the person told: reads who is signed in and the person's
//! requests and grants (from the agent's memory while it follows the broker's event
//! stream), draws the menu, announces what changed (`announce.rs`), and waits for the next
//! change — an event or a new login (the agent's picture changes), a sign-in from the
//! menu, the next minute of a countdown or the next "5 minutes left".

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api::BrokerEvent;
use stint_client::sso::LoginStatus;
use stint_client::{Overview, Stint};
use stint_notices::{Notice, NotificationPrefs};
use tokio::sync::broadcast;

use crate::announce::{self, Announcer};
use crate::menu::{self, Entry, Look};
use crate::notify;
use crate::shared::Core;
use crate::view::{Serving, Session, TrayState};

/// One read: what the menu shows, and the picture it came from with whose it is.
struct Read {
    state: TrayState,
    picture: Option<(String, Overview)>,
}

/// Runs while the tray does; `show` puts a menu on screen (from any thread).
pub async fn run(core: Arc<Core>, show: impl Fn(Look, Vec<Entry>)) {
    let mut announcer = Announcer::default();
    let mut events = core.agent.as_ref().map(|a| a.events());
    loop {
        let read = read(&core).await;
        // Taken after the read: the read may itself mark the picture changed (a failed
        // read is asked again), which must not wake this loop at once, forever.
        let generation = core.agent.as_ref().map(|a| a.picture().generation());
        let now = Utc::now();
        let notices = match (&read.state.session, &read.picture) {
            (Session::SignedIn { .. }, Some((person, overview))) => {
                announcer.picture(person, overview, now)
            }
            (Session::SignedOut, _) => {
                announcer.signed_out();
                Vec::new()
            }
            _ => announcer.tick(now),
        };
        tell(&core, notices);
        show(menu::look(&read.state, now), menu::build(&read.state, now));
        let wait = menu::next_redraw(&read.state, now).min(until(announcer.next_warning(now), now));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = core.wake.notified() => {}
            () = changed(&core, generation) => {}
            event = next_event(&mut events) => tell(&core, announcer.event(&event, Utc::now())),
        }
    }
}

/// How long until `at` (a little past it, so it is due when the loop wakes); a day when
/// nothing is coming, which the menu's own redraw cuts short.
fn until(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    at.and_then(|at| (at - now).to_std().ok())
        .map_or(Duration::from_secs(24 * 3600), |d| {
            d + Duration::from_millis(50)
        })
}

/// Shows the notices the person wants: the window's Settings, read each time so a change
/// there applies at once.
fn tell(core: &Core, notices: Vec<Notice>) {
    if notices.is_empty() {
        return;
    }
    let prefs = match &core.stint {
        Ok(stint) => {
            let path = stint_notices::prefs::app_prefs_path(&stint.paths().config_file);
            NotificationPrefs::read(&path).unwrap_or_else(|why| {
                tracing::warn!(%why, "cannot read which notifications are wanted; showing all");
                NotificationPrefs::default()
            })
        }
        Err(_) => NotificationPrefs::default(),
    };
    for notice in announce::wanted(notices, &prefs) {
        tracing::info!(kind = ?notice.kind, request = notice.request_id, "notification");
        notify::announce(&notice);
    }
}

/// The next event of the agent's stream. A watcher that fell behind is told what it missed
/// by the next picture; without an agent (or once it is gone) nothing comes.
async fn next_event(events: &mut Option<broadcast::Receiver<BrokerEvent>>) -> BrokerEvent {
    if let Some(rx) = events {
        loop {
            match rx.recv().await {
                Ok(event) => return event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "events missed; the next picture says them");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
        *events = None;
    }
    std::future::pending().await
}

async fn changed(core: &Core, generation: Option<u64>) {
    match (&core.agent, generation) {
        (Some(agent), Some(generation)) => agent.picture().changed_since(generation).await,
        _ => std::future::pending().await,
    }
}

async fn read(core: &Core) -> Read {
    let alone = |session| Read {
        state: TrayState::new(session, core.serving.clone()),
        picture: None,
    };
    let stint = match &core.stint {
        Ok(stint) => stint,
        Err(why) => return alone(Session::NotConfigured { why: why.clone() }),
    };
    if core.signing_in.load(Ordering::SeqCst) {
        return alone(Session::SigningIn);
    }
    let (session, person) = match stint.status().await {
        Ok(LoginStatus::LoggedIn { start_url, .. }) => {
            let (who, person) = who(stint, &start_url).await;
            (Session::SignedIn { who }, person)
        }
        Ok(LoginStatus::LoggedOut) => (Session::SignedOut, None),
        Ok(LoginStatus::Expired { .. }) => (Session::Expired, None),
        Err(e) => (Session::Unknown { why: e.to_string() }, None),
    };
    let mut read = alone(session);
    let Some(agent) = &core.agent else {
        return read;
    };
    read.state.reconnecting =
        core.serving == Serving::Here && stint.has_broker() && !agent.following();
    match agent.overview().await {
        Ok(overview) => {
            read.state = read
                .state
                .with_overview(&overview, stint.config().baseline().ok().as_ref());
            // Announced only as someone's: a picture whose person is not known cannot
            // tell a new login's past from news.
            read.picture = person.map(|person| (person, overview));
        }
        Err(e) => read.state.unreadable = Some(e.to_string()),
    }
    read
}

/// The person's name as the broker knows it (from the stored broker session, renewed
/// when it has run out) and their user id; the portal they are signed in to, and no id,
/// when there is no broker or it cannot say.
async fn who(stint: &Stint, start_url: &str) -> (String, Option<String>) {
    let Ok(broker) = stint.broker() else {
        return (start_url.to_owned(), None);
    };
    match broker.session().await {
        Ok(session) => (session.me.user.display_name, Some(session.me.user.user_id)),
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the broker session");
            (start_url.to_owned(), None)
        }
    }
}
