//! The tray icon: its look follows the state, its menu is rebuilt from the snapshot when
//! what it shows changes (at most once a minute while a countdown runs, never when idle).

pub mod menu;

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Runtime};

use crate::model::TrayLook;
use menu::Entry;

/// The tray's id; on Linux its menu is published on D-Bus under
/// `/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu`.
pub const TRAY_ID: &str = "stint";

/// The state icons: in colour, or on macOS as template images (black and alpha, which the
/// menu bar tints for light and dark mode; icons/render.sh makes both).
macro_rules! tray_png {
    ($name:literal) => {
        if cfg!(target_os = "macos") {
            include_bytes!(concat!("../../../icons/tray/template/", $name, ".png")).as_slice()
        } else {
            include_bytes!(concat!("../../../icons/tray/", $name, ".png")).as_slice()
        }
    };
}

const SIGNED_OUT: &[u8] = tray_png!("signed-out");
const IDLE: &[u8] = tray_png!("idle");
const PENDING: &[u8] = tray_png!("pending");
const ACTIVE: &[u8] = tray_png!("active");
const EXPIRING: &[u8] = tray_png!("expiring");

/// Whether the icons are templates (macOS only; elsewhere the setting does nothing).
const AS_TEMPLATE: bool = cfg!(target_os = "macos");

fn icon(look: TrayLook) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match look {
        TrayLook::SignedOut => SIGNED_OUT,
        TrayLook::Idle => IDLE,
        TrayLook::Pending => PENDING,
        TrayLook::Active => ACTIVE,
        TrayLook::Expiring => EXPIRING,
    })
}

fn tooltip(look: TrayLook) -> &'static str {
    match look {
        TrayLook::SignedOut => "Stint: not signed in",
        TrayLook::Idle => "Stint: no active access",
        TrayLook::Pending => "Stint: waiting for a decision",
        TrayLook::Active => "Stint: access active",
        TrayLook::Expiring => "Stint: access ends within 5 minutes",
    }
}

/// What the tray shows now, so an unchanged menu is not rebuilt.
#[derive(Default)]
pub struct Shown {
    look: Option<TrayLook>,
    entries: Vec<Entry>,
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<TrayIcon<R>> {
    let initial = vec![menu::Entry::Item {
        id: "quit".into(),
        label: "Quit Stint".into(),
        enabled: true,
    }];
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(TrayLook::SignedOut)?)
        .icon_as_template(AS_TEMPLATE)
        .tooltip(tooltip(TrayLook::SignedOut))
        .menu(&to_menu(app, &initial)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| crate::desktop::menu_clicked(app, event.id().as_ref()))
        .build(app)
}

/// Shows `look` and `entries`, touching only what changed.
pub fn show<R: Runtime>(
    app: &AppHandle<R>,
    shown: &Mutex<Shown>,
    look: TrayLook,
    entries: Vec<Entry>,
) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
    if shown.look != Some(look) {
        tray.set_icon(Some(icon(look)?))?;
        // A new image is not a template until it is said to be again.
        tray.set_icon_as_template(AS_TEMPLATE)?;
        tray.set_tooltip(Some(tooltip(look)))?;
        shown.look = Some(look);
    }
    if shown.entries != entries {
        tray.set_menu(Some(to_menu(app, &entries)?))?;
        shown.entries = entries;
    }
    Ok(())
}

fn to_menu<R: Runtime>(app: &AppHandle<R>, entries: &[Entry]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for item in items(app, entries)? {
        menu.append(item.as_ref())?;
    }
    Ok(menu)
}

fn items<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[Entry],
) -> tauri::Result<Vec<Box<dyn IsMenuItem<R>>>> {
    let mut out: Vec<Box<dyn IsMenuItem<R>>> = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        match e {
            Entry::Item { id, label, enabled } => {
                // Disabled notes share an id; menus need unique ones.
                let id = if *enabled {
                    id.clone()
                } else {
                    format!("{id}:{n}")
                };
                out.push(Box::new(MenuItem::with_id(
                    app,
                    id,
                    label,
                    *enabled,
                    None::<&str>,
                )?));
            }
            Entry::Submenu { label, entries } => {
                let sub = Submenu::new(app, label, true)?;
                for item in items(app, entries)? {
                    sub.append(item.as_ref())?;
                }
                out.push(Box::new(sub));
            }
            Entry::Separator => out.push(Box::new(PredefinedMenuItem::separator(app)?)),
        }
    }
    Ok(out)
}
