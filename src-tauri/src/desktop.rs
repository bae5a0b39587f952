//! The desktop around the service: the window, the tray, notifications, the browser,
//! the clipboard and start-at-login, through Tauri and its plugins.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use stint_client::sso::LoginFlow;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_clipboard_manager::ClipboardExt as _;
use tauri_plugin_opener::OpenerExt as _;

use crate::error::CommandError;
use crate::model::TrayLook;
use crate::service::Service;
use crate::shell::Shell;
use crate::tray::{self, menu};
use crate::view::{Ask, Navigate, Snapshot, View};
use crate::window;
use stint_notices::Notice;
use stint_startup::gdk_gl;

pub const STATE_EVENT: &str = "stint://state";
pub const NAVIGATE_EVENT: &str = "stint://navigate";
pub const VISIBLE_EVENT: &str = "stint://visible";

pub struct Desktop<R: Runtime> {
    app: AppHandle<R>,
    tray: Mutex<tray::Shown>,
}

impl<R: Runtime> Desktop<R> {
    pub fn new(app: AppHandle<R>) -> Arc<Self> {
        Arc::new(Self {
            app,
            tray: Mutex::new(tray::Shown::default()),
        })
    }
}

impl<R: Runtime> Shell for Desktop<R> {
    fn state_changed(&self, snapshot: &Snapshot, look: TrayLook) {
        if let Err(e) = self.app.emit(STATE_EVENT, snapshot) {
            tracing::warn!(error = %e, "window not told of the new state");
        }
        let entries = menu::build(snapshot, chrono::Utc::now());
        if let Err(e) = tray::show(&self.app, &self.tray, look, entries) {
            tracing::warn!(error = %e, "tray not updated");
        }
    }

    fn notify(&self, notice: &Notice) {
        let app = self.app.clone();
        let notice = notice.clone();
        // notify-rust blocks while it waits for a click: one short-lived thread each.
        #[cfg(target_os = "windows")]
        let app_id = self.app.config().identifier.clone();
        std::thread::spawn(move || {
            let mut notification = notify_rust::Notification::new();
            notification
                .appname("Stint")
                .summary(&notice.summary)
                .body(&notice.body)
                .icon("dialog-information")
                .action("default", "Open");
            // Windows shows a toast only for a known AppUserModelID: the installers
            // register the bundle identifier with the Start menu shortcut.
            #[cfg(target_os = "windows")]
            notification.app_id(&app_id);
            let shown = notification.show();
            match shown {
                Ok(handle) => {
                    #[cfg(all(unix, not(target_os = "macos")))]
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            window::navigate(
                                &app,
                                Navigate {
                                    view: notice.place.into(),
                                    request_id: Some(notice.request_id),
                                    ask: None,
                                },
                            );
                        }
                    });
                    #[cfg(not(all(unix, not(target_os = "macos"))))]
                    let _ = (handle, app);
                }
                Err(e) => tracing::warn!(error = %e, "notification not shown"),
            }
        });
    }

    fn open_url(&self, url: &str) -> Result<(), String> {
        match std::env::var("STINT_BROWSER") {
            Ok(custom) if !custom.trim().is_empty() => run_browser_command(&custom, url),
            #[cfg(target_os = "linux")]
            _ if gdk_gl::set_by_stint() => open_with_restored_env(url),
            _ => self
                .app
                .opener()
                .open_url(url, None::<&str>)
                .map_err(|e| e.to_string()),
        }
    }

    fn copy_text(&self, text: &str) -> Result<(), String> {
        self.app
            .clipboard()
            .write_text(text.to_owned())
            .map_err(|e| e.to_string())
    }

    fn set_autostart(&self, enabled: bool) -> Result<(), String> {
        let launcher = self.app.autolaunch();
        let result = if enabled {
            launcher.enable()
        } else {
            launcher.disable()
        };
        result.map_err(|e| e.to_string())
    }
}

/// `STINT_BROWSER`: a command (words split on spaces) run with the URL as its last
/// argument, as the `stint` CLI does. Not waited for: a browser may stay open.
fn run_browser_command(command: &str, url: &str) -> Result<(), String> {
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or_default();
    let mut child = gdk_gl::restore_env(&mut Command::new(program))
        .args(words)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{program}` from STINT_BROWSER: {e}"))?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

/// What the opener plugin does on Linux (the `open` crate's programs, xdg-open first),
/// but with the environment the person started the app with: a browser it starts must not
/// inherit the app's `GDK_GL`.
#[cfg(target_os = "linux")]
fn open_with_restored_env(url: &str) -> Result<(), String> {
    let mut failed = Vec::new();
    for mut command in open::commands(url) {
        let spawned = gdk_gl::restore_env(&mut command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => failed.push(format!("{}: {e}", command.get_program().to_string_lossy())),
        }
    }
    Err(format!(
        "no program to open the browser with ({}); install xdg-utils or set STINT_BROWSER",
        failed.join("; ")
    ))
}

/// A click in the tray menu.
pub fn menu_clicked<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = menu::Action::parse(id) else {
        return;
    };
    let service = app.state::<Service>().inner().clone();
    let app = app.clone();
    let report = |what: &'static str, r: Result<(), CommandError>| {
        if let Err(e) = r {
            tracing::warn!(error = %e.message, "{what} from the tray failed");
        }
    };
    // One exhaustive match: a new `Action` does not compile until it is handled here.
    // What needs the network runs on its own task, so the menu never waits on it.
    let spawn = |what: &'static str, work: BoxFuture<'static, Result<(), CommandError>>| {
        tauri::async_runtime::spawn(async move { report(what, work.await) });
    };
    match action {
        menu::Action::Quit => app.exit(0),
        menu::Action::Open(view) => window::navigate(
            &app,
            Navigate {
                view,
                request_id: None,
                ask: None,
            },
        ),
        menu::Action::Review(id) => window::navigate(
            &app,
            Navigate {
                view: View::Approvals,
                request_id: Some(id),
                ask: None,
            },
        ),
        menu::Action::SignIn => {
            window::navigate(
                &app,
                Navigate {
                    view: View::SignIn,
                    request_id: None,
                    ask: None,
                },
            );
            report("sign-in", service.sign_in(LoginFlow::Browser));
        }
        menu::Action::SignOut if !service.snapshot().active.is_empty() => window::navigate(
            &app,
            Navigate {
                view: View::Settings,
                request_id: None,
                ask: Some(Ask::SignOut),
            },
        ),
        menu::Action::SignOut => {
            spawn(
                "sign-out",
                Box::pin(async move { service.sign_out().await }),
            );
        }
        menu::Action::Console(id, role) => spawn(
            "open console",
            Box::pin(async move { service.open_console(id, role, None).await }),
        ),
        menu::Action::Copy(id, role, format) => spawn(
            "copy credentials",
            Box::pin(async move { service.copy_credentials(id, role, format).await.map(|_| ()) }),
        ),
        menu::Action::RoleConsole(role) => spawn(
            "open console",
            Box::pin(async move { service.open_role_console(role, None).await }),
        ),
        menu::Action::RoleCopy(role, format) => spawn(
            "copy credentials",
            Box::pin(async move {
                service
                    .copy_role_credentials(role, format)
                    .await
                    .map(|_| ())
            }),
        ),
        menu::Action::Extend(id, by) => spawn(
            "extend",
            Box::pin(async move { service.extend(id, by).await.map(|_| ()) }),
        ),
        menu::Action::Revoke(id) => window::navigate(
            &app,
            Navigate {
                view: View::Access,
                request_id: Some(id),
                ask: Some(Ask::Revoke),
            },
        ),
        menu::Action::Cancel(id) => spawn(
            "cancel",
            Box::pin(async move { service.cancel(id).await.map(|_| ()) }),
        ),
        menu::Action::Approve(id) => spawn(
            "approve",
            Box::pin(async move { service.approve(id, None).await.map(|_| ()) }),
        ),
    }
}
