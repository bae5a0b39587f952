//! The one window: created hidden, shown from the tray or a notification, hidden (not
//! closed) when the person closes it. Its place and size are remembered by the
//! window-state plugin.

use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewWindow, WindowEvent};

use crate::desktop::{NAVIGATE_EVENT, VISIBLE_EVENT};
use crate::view::Navigate;

pub const MAIN: &str = "main";

fn main_window<R: Runtime>(app: &AppHandle<R>) -> Option<WebviewWindow<R>> {
    app.get_webview_window(MAIN)
}

/// Shows the window at a view and brings it forward.
pub fn navigate<R: Runtime>(app: &AppHandle<R>, to: Navigate) {
    let Some(window) = main_window(app) else {
        return;
    };
    if let Err(e) = app.emit_to(MAIN, NAVIGATE_EVENT, to) {
        tracing::warn!(error = %e, "window not told where to go");
    }
    show(app, &window);
}

pub fn show<R: Runtime>(app: &AppHandle<R>, window: &WebviewWindow<R>) {
    let _ = window.unminimize();
    if let Err(e) = window.show() {
        tracing::warn!(error = %e, "window not shown");
    }
    let _ = window.set_focus();
    let _ = app.emit_to(MAIN, VISIBLE_EVENT, true);
}

/// Close hides: the app lives in the tray. The window learns it is hidden, so its
/// per-second countdown stops.
pub fn hide_on_close<R: Runtime>(window: &WebviewWindow<R>) {
    let w = window.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::CloseRequested { api, .. } = event {
            api.prevent_close();
            let _ = w.hide();
            let _ = w.emit_to(MAIN, VISIBLE_EVENT, false);
        }
    });
}
