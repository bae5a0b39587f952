//! Stint, the menu-bar app. Rust owns all state and I/O through `stint-client`
//! ([`service::Service`]); the Svelte window in `ui/` renders [`view::Snapshot`]s and
//! calls [`commands`]. Nothing here is shared with the CLI but the client core.
#![forbid(unsafe_code)]

mod commands;
mod desktop;
mod error;
// The words the tray menu and the notifications share with stint-tray.
use stint_notices::labels;
mod mode;
mod model;
mod prefs;
mod service;
mod shell;
mod tray;
mod view;
mod window;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod names;
#[cfg(test)]
use stint_notices::testing;

use std::sync::Arc;
use std::time::Instant;

use stint_client::Paths;
use stint_client::clock::SystemClock;
use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

pub use crate::mode::Mode;

/// Runs the app until Quit (or, window only, until a while after its window is closed).
/// Returns an error only when the app cannot start at all.
pub fn run(mode: Mode) -> anyhow::Result<()> {
    let started = Instant::now();
    init_logging();
    let paths = Paths::from_env()?;

    tauri::Builder::default()
        // First: a second launch hands over to the running app and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // Where the second launch asked to open (a notification's click from
            // stint-tray), else the person's access.
            window::navigate(app, mode::destination(argv.into_iter().skip(1)));
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                // The window starts hidden; only its place and size are remembered.
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .invoke_handler(tauri::generate_handler![
            commands::get_state,
            commands::initial_view,
            commands::sign_in,
            commands::cancel_sign_in,
            commands::sign_out,
            commands::eligibility,
            commands::create_request,
            commands::request_detail,
            commands::request_activity,
            commands::approve,
            commands::reject,
            commands::cancel_request,
            commands::revoke,
            commands::extend,
            commands::open_console,
            commands::copy_credentials,
            commands::open_role_console,
            commands::copy_role_credentials,
            commands::refresh_roles,
            commands::get_settings,
            commands::save_settings,
            commands::probe_broker,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            platform_setup(app);
            if mode.has_tray() {
                tray::create(&handle)?;
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "tray ready"
                );
            }
            app.manage(mode);
            app.manage(window::PendingNavigation::default());
            app.manage(window::Visibility::default());
            let shell = desktop::Desktop::new(handle.clone());
            let runtime = tauri::async_runtime::handle().inner().clone();
            let service = service::Service::new(shell, Arc::new(SystemClock), paths, runtime);
            app.manage(service.clone());
            tauri::async_runtime::spawn(async move { service.start().await });
            if !mode.has_tray() || std::env::var_os("STINT_SHOW_WINDOW").is_some() {
                // Where this launch asked to open (`mode::destination`).
                window::navigate(&handle, mode::destination(std::env::args().skip(1)));
            }
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"))?
        .run(move |_app, event| {
            // The window's close button hides it; the whole app ends from the tray's Quit,
            // a window-only one when its window is released (`window.rs`).
            if let tauri::RunEvent::ExitRequested {
                code: None, api, ..
            } = event
                && mode.has_tray()
            {
                api.prevent_exit();
            }
        });
    Ok(())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// What only macOS needs: a menu-bar app has no Dock icon, and notifications are sent as
/// Stint (by its bundle identifier) rather than as the default sender.
#[cfg(target_os = "macos")]
fn platform_setup(app: &mut tauri::App) {
    app.set_activation_policy(tauri::ActivationPolicy::Accessory);
    if let Err(e) = notify_rust::set_application(&app.config().identifier) {
        tracing::warn!(error = %e, "notifications will not be sent as Stint");
    }
}

#[cfg(not(target_os = "macos"))]
fn platform_setup(_app: &mut tauri::App) {}
