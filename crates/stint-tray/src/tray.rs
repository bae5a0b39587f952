//! The tray icon and its menu on the main loop's thread (tray-icon: on Linux a
//! StatusNotifierItem whose menu is published on D-Bus; the system's tray on macOS and
//! Windows). Other threads hand work over with [`post`]; the icon itself lives in a
//! thread-local, since it stays on the thread that made it.

use std::cell::RefCell;

use anyhow::{Context, Result};
use tray_icon::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{TrayIcon, TrayIconBuilder};

use crate::icons;
use crate::main_loop;
use crate::menu::{self, Entry, Look};

/// The tray's id, the app's too: on Linux its menu is published on D-Bus under
/// `/org/ayatana/NotificationItem/tray_icon_tray_app_stint/Menu` (tests/ui/desktop.py).
pub const TRAY_ID: &str = "stint";

struct Shown {
    tray: TrayIcon,
    look: Look,
    entries: Vec<Entry>,
}

thread_local! {
    static SHOWN: RefCell<Option<Shown>> = const { RefCell::new(None) };
}

/// Puts the icon in the tray with a menu that can only quit, until the first picture is
/// read. Call on the main loop's thread, once it runs (`main_loop::run`'s `first`).
pub fn create() -> Result<()> {
    let look = Look::SignedOut;
    let entries = vec![Entry::Item {
        id: "quit".into(),
        label: "Quit Stint".into(),
        enabled: true,
    }];
    let tray = TrayIconBuilder::new()
        .with_id(TRAY_ID)
        .with_icon(icons::icon(look)?)
        .with_icon_as_template(icons::AS_TEMPLATE)
        .with_tooltip(menu::tooltip(look))
        .with_menu(Box::new(to_menu(&entries)?))
        .build()
        .context("cannot put the icon in the tray")?;
    SHOWN.with(|s| {
        *s.borrow_mut() = Some(Shown {
            tray,
            look,
            entries,
        });
    });
    Ok(())
}

/// Calls `clicked` with the id of each menu item chosen (on the main loop's thread).
pub fn on_click(clicked: impl Fn(&str) + Send + Sync + 'static) {
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| clicked(event.id().as_ref())));
}

/// Shows `look` and `entries` (from any thread), touching only what changed: a menu
/// rebuilt for nothing would close it under the person's pointer.
pub fn post(look: Look, entries: Vec<Entry>) {
    main_loop::invoke(move || {
        if let Err(e) = show(look, entries) {
            tracing::warn!(error = %format!("{e:#}"), "cannot update the tray");
        }
    });
}

/// A new image is not a template on macOS until it is said to be again.
#[cfg(target_os = "macos")]
fn set_icon(tray: &TrayIcon, icon: tray_icon::Icon) -> Result<()> {
    Ok(tray.set_icon_with_as_template(Some(icon), icons::AS_TEMPLATE)?)
}

#[cfg(not(target_os = "macos"))]
fn set_icon(tray: &TrayIcon, icon: tray_icon::Icon) -> Result<()> {
    Ok(tray.set_icon(Some(icon))?)
}

fn show(look: Look, entries: Vec<Entry>) -> Result<()> {
    SHOWN.with(|s| {
        let mut s = s.borrow_mut();
        let Some(shown) = s.as_mut() else {
            return Ok(());
        };
        if shown.look != look {
            set_icon(&shown.tray, icons::icon(look)?)?;
            shown.tray.set_tooltip(Some(menu::tooltip(look)))?;
            shown.look = look;
        }
        if shown.entries != entries {
            shown.tray.set_menu(Some(Box::new(to_menu(&entries)?)));
            shown.entries = entries;
        }
        Ok(())
    })
}

fn to_menu(entries: &[Entry]) -> Result<Menu> {
    let menu = Menu::new();
    for item in items(entries)? {
        menu.append(item.as_ref())?;
    }
    Ok(menu)
}

fn items(entries: &[Entry]) -> Result<Vec<Box<dyn IsMenuItem>>> {
    let mut out: Vec<Box<dyn IsMenuItem>> = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        match e {
            Entry::Item { id, label, enabled } => {
                // Notes share an id; a menu needs unique ones.
                let id = if *enabled {
                    id.clone()
                } else {
                    format!("{id}:{n}")
                };
                out.push(Box::new(MenuItem::with_id(id, label, *enabled, None)));
            }
            Entry::Submenu { label, entries } => {
                let sub = Submenu::new(label, true);
                for item in items(entries)? {
                    sub.append(item.as_ref())?;
                }
                out.push(Box::new(sub));
            }
            Entry::Separator => out.push(Box::new(PredefinedMenuItem::separator())),
        }
    }
    Ok(out)
}
