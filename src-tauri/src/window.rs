//! The one window. It is made the first time it is needed (from the tray, a notification
//! or a second launch), not at start: until then the app is the tray alone, with no
//! WebKit processes. Closing it hides it (the app lives on in the tray). Its place and
//! size are remembered by the window-state plugin.

use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use crate::desktop::{NAVIGATE_EVENT, VISIBLE_EVENT};
use crate::view::Navigate;

pub const MAIN: &str = "main";

/// Shows the window at a view and brings it forward, making it first if need be.
pub fn navigate<R: Runtime>(app: &AppHandle<R>, to: Navigate) {
    let handle = app.clone();
    // Windows are made and shown on the main thread; callers may be on any thread.
    let shown = app.run_on_main_thread(move || {
        let (window, fresh) = match handle.get_webview_window(MAIN) {
            Some(w) => (w, false),
            None => match create(&handle) {
                Ok(w) => (w, true),
                Err(e) => {
                    tracing::error!(error = %e, "cannot make the window");
                    return;
                }
            },
        };
        // A window made just now asks for its view when its page has loaded (the
        // initial state comes with `get_state`); one already there is told now.
        if !fresh {
            if let Err(e) = handle.emit_to(MAIN, NAVIGATE_EVENT, to) {
                tracing::warn!(error = %e, "window not told where to go");
            }
        } else {
            *handle
                .state::<PendingNavigation>()
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(to);
        }
        show(&handle, &window);
    });
    if let Err(e) = shown {
        tracing::warn!(error = %e, "window not shown");
    }
}

/// Where a window made by [`navigate`] should open, taken once by its page
/// (`initial_view`).
#[derive(Default)]
pub struct PendingNavigation(pub std::sync::Mutex<Option<Navigate>>);

fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    let window = WebviewWindowBuilder::from_config(app, &config)?.build()?;
    hide_on_close(&window);
    Ok(window)
}

fn show<R: Runtime>(app: &AppHandle<R>, window: &WebviewWindow<R>) {
    let _ = window.unminimize();
    if let Err(e) = window.show() {
        tracing::warn!(error = %e, "window not shown");
    }
    let _ = window.set_focus();
    let _ = app.emit_to(MAIN, VISIBLE_EVENT, true);
}

/// Close hides: the app lives in the tray. The window learns it is hidden, so its
/// per-second countdown stops.
fn hide_on_close<R: Runtime>(window: &WebviewWindow<R>) {
    let w = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            api.prevent_close();
            let _ = w.hide();
            let _ = w.emit_to(MAIN, VISIBLE_EVENT, false);
        }
    });
}
