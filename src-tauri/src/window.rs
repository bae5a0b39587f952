//! The one window. It is made the first time it is needed (from the tray, a notification
//! or a second launch), not at start: until then the app is the tray alone, with no
//! WebKit processes. Closing it hides it (the app lives on in the tray), so it comes back
//! at once; after [`release_after`] hidden it is destroyed, and WebKit's processes go
//! with it. Its place and size are remembered by the window-state plugin. A window-only
//! process ([`Mode::WindowOnly`], started by `stint-tray`) ends instead, sooner: the tray
//! starts it again when asked.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{
    AppHandle, Emitter, Manager, Runtime, WebviewWindow, WebviewWindowBuilder, WindowEvent,
};

use crate::desktop::{NAVIGATE_EVENT, VISIBLE_EVENT};
use crate::mode::Mode;
use crate::view::Navigate;

pub const MAIN: &str = "main";

/// How long a hidden window is kept for a quick return before its memory is given back.
pub const RELEASE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The same for a window-only process, which gives its memory back by ending: well within
/// the minute issue 11 allows, and long enough that closing and reopening at once is
/// instant.
pub const WINDOW_ONLY_RELEASE_AFTER: Duration = Duration::from_secs(15);

/// [`RELEASE_AFTER`] (or [`WINDOW_ONLY_RELEASE_AFTER`]), or `STINT_WINDOW_RELEASE_SECS`
/// seconds (how `scripts/measure-app.sh --whole-app` and the tests see what a released
/// window leaves behind without waiting).
pub fn release_after(mode: Mode) -> Duration {
    std::env::var("STINT_WINDOW_RELEASE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(match mode {
            Mode::Whole => RELEASE_AFTER,
            Mode::WindowOnly => WINDOW_ONLY_RELEASE_AFTER,
        })
}

/// The window's shows and hides, counted, so that a release planned at one hide is called
/// off by any show that comes after it.
#[derive(Debug, Default)]
pub struct Visibility(AtomicU64);

impl Visibility {
    pub fn shown(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// Marks a hide; the ticket it returns asks [`Self::untouched_since`] later.
    pub fn hidden(&self) -> u64 {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether nothing was shown or hidden since the hide that gave `ticket`.
    pub fn untouched_since(&self, ticket: u64) -> bool {
        self.0.load(Ordering::SeqCst) == ticket
    }
}

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
    app.state::<Visibility>().shown();
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
            release_later(w.clone());
        }
    });
}

/// Destroys the hidden window after [`release_after`], unless it was shown meanwhile; a
/// window-only process ends instead. One sleeping task per hide: no timer runs while the
/// window is shown or gone.
fn release_later<R: Runtime>(window: WebviewWindow<R>) {
    let app = window.app_handle().clone();
    let ticket = app.state::<Visibility>().hidden();
    let mode = *app.state::<Mode>();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(release_after(mode)).await;
        if !app.state::<Visibility>().untouched_since(ticket) || window.is_visible().unwrap_or(true)
        {
            return;
        }
        if mode == Mode::WindowOnly {
            tracing::info!("window hidden for a while: ending the window's process");
            app.exit(0);
        } else {
            tracing::info!("window hidden for a while: releasing it");
            if let Err(e) = window.destroy() {
                tracing::warn!(error = %e, "window not released");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::Visibility;

    #[test]
    fn a_hide_releases_when_nothing_follows_it() {
        let v = Visibility::default();
        v.shown();
        let ticket = v.hidden();
        assert!(v.untouched_since(ticket));
    }

    #[test]
    fn a_show_after_a_hide_calls_its_release_off() {
        let v = Visibility::default();
        v.shown();
        let ticket = v.hidden();
        v.shown();
        assert!(!v.untouched_since(ticket));
    }

    #[test]
    fn only_the_last_of_several_hides_releases() {
        let v = Visibility::default();
        v.shown();
        let first = v.hidden();
        v.shown();
        let second = v.hidden();
        assert!(!v.untouched_since(first));
        assert!(v.untouched_since(second));
    }
}
