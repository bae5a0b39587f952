//! What the service needs from the desktop around it. The Tauri app implements it
//! (`desktop.rs`); the service itself knows nothing of Tauri.

use crate::model::TrayLook;
use crate::view::Snapshot;
use stint_notices::Notice;

pub trait Shell: Send + Sync + 'static {
    /// The snapshot changed: redraw the window, the tray menu and the tray icon.
    fn state_changed(&self, snapshot: &Snapshot, look: TrayLook);
    /// Show a notification; a click on it goes to `notice.view`.
    fn notify(&self, notice: &Notice);
    /// Open a URL in the person's browser.
    fn open_url(&self, url: &str) -> Result<(), String>;
    /// Put text on the system clipboard.
    fn copy_text(&self, text: &str) -> Result<(), String>;
    /// Turn starting at login on or off.
    fn set_autostart(&self, enabled: bool) -> Result<(), String>;
}
