//! What a click on the menu does. Everything that waits (the agent, the network, a
//! browser) runs on the tokio runtime, never on the main loop's thread; what goes wrong is said in a
//! notification, since a menu has nowhere else to say it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use stint_client::sso::{LoginFlow, LoginHooks, LoginProgress};
use stint_client::{ConsoleRequest, ExportFormat, Stint, browser, export};

use crate::menu::Action;
use crate::shared::Core;
use crate::{clipboard, launch, main_loop, notify};

pub fn dispatch(core: &Arc<Core>, action: Action) {
    match action {
        Action::Quit => main_loop::quit(),
        Action::OpenApp => {
            if let Err(why) = launch::open_app() {
                notify::tell("Cannot open Stint's window", &why);
            }
        }
        Action::SignIn => {
            core.runtime.spawn(sign_in(core.clone()));
        }
        Action::Console(target) => {
            core.runtime.spawn(console(core.clone(), target));
        }
        Action::Copy(target) => {
            core.runtime.spawn(copy(core.clone(), target));
        }
    }
}

async fn console(core: Arc<Core>, target: String) {
    let Some(agent) = &core.agent else { return };
    let url = match agent.console(&target, &ConsoleRequest::default()).await {
        Ok(url) => url,
        Err(e) => return notify::tell("Cannot open the console", &e.to_string()),
    };
    // The URL signs its holder in: it goes to the browser and nowhere else (no log).
    let opened = tokio::task::spawn_blocking(move || browser::open(url.expose())).await;
    match opened {
        Ok(Ok(())) => {}
        Ok(Err(why)) => notify::tell("Cannot open the console", &why),
        Err(e) => tracing::warn!(error = %e, "the browser task failed"),
    }
}

/// The role's credentials as bash/zsh `export` lines on the clipboard, through the agent
/// (memory while they last, the client core otherwise).
async fn copy(core: Arc<Core>, target: String) {
    let (Some(agent), Ok(stint)) = (&core.agent, &core.stint) else {
        return;
    };
    let text = match agent.credentials(&target).await {
        Ok(creds) => export::render(&creds, ExportFormat::Env, Some(&region(stint)))
            .map(|text| (text, creds.expiration)),
        Err(e) => Err(e),
    };
    match text {
        Ok((text, until)) => {
            clipboard::copy(text);
            let until = until.with_timezone(&chrono::Local).format("%H:%M");
            notify::tell(
                "Credentials copied",
                &format!("Export lines for {target}, valid until {until}, are on the clipboard."),
            );
        }
        Err(e) => notify::tell("Cannot copy credentials", &e.to_string()),
    }
}

/// The console region preference, else the SSO region (as the app and `stint creds`).
fn region(stint: &Stint) -> String {
    stint
        .config()
        .preferences
        .console_region
        .clone()
        .unwrap_or_else(|| stint.sso_settings().region.clone())
}

/// The same browser sign-in `stint login` runs; the agent then drops what it held for
/// the previous login, and the menu is read again.
async fn sign_in(core: Arc<Core>) {
    let Ok(stint) = &core.stint else { return };
    if let Some(why) = browser::unavailable(|name| std::env::var(name).ok()) {
        return notify::tell(
            "Cannot sign in from the tray",
            &format!("No browser can be opened here ({why}): run `stint login` in a terminal."),
        );
    }
    if core.signing_in.swap(true, Ordering::SeqCst) {
        return;
    }
    core.wake.notify_one();
    let open = |url: &str| browser::open(url);
    let progress = |_: LoginProgress| {};
    let hooks = LoginHooks {
        open_browser: Some(&open),
        on_progress: &progress,
    };
    let result = stint.login(LoginFlow::Browser, hooks).await;
    core.signing_in.store(false, Ordering::SeqCst);
    if let Some(agent) = &core.agent {
        agent.forget_all();
    }
    core.wake.notify_one();
    if let Err(e) = result {
        notify::tell("Sign-in failed", &e.to_string());
    }
}
