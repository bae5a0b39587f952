//! The tray icon and its menu on GTK's thread (tray-icon: a StatusNotifierItem whose menu
//! is published on D-Bus). Other threads hand work over with [`post`], [`copy_to_clipboard`]
//! and [`quit`]; the icon itself lives in a thread-local, since GTK objects stay on the
//! thread that made them.

use std::cell::RefCell;

use anyhow::{Context, Result};
use gtk::glib;
use tray_icon::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{TrayIcon, TrayIconBuilder};

use crate::icons;
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
/// read. Call on GTK's thread after `gtk::init`.
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

/// Calls `clicked` with the id of each menu item chosen (on GTK's thread).
pub fn on_click(clicked: impl Fn(&str) + Send + Sync + 'static) {
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| clicked(event.id().as_ref())));
}

/// Shows `look` and `entries` (from any thread), touching only what changed: a menu
/// rebuilt for nothing would close it under the person's pointer.
pub fn post(look: Look, entries: Vec<Entry>) {
    glib::MainContext::default().invoke(move || {
        if let Err(e) = show(look, entries) {
            tracing::warn!(error = %format!("{e:#}"), "cannot update the tray");
        }
    });
}

fn show(look: Look, entries: Vec<Entry>) -> Result<()> {
    SHOWN.with(|s| {
        let mut s = s.borrow_mut();
        let Some(shown) = s.as_mut() else {
            return Ok(());
        };
        if shown.look != look {
            shown.tray.set_icon(Some(icons::icon(look)?))?;
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

/// Puts `text` on the clipboard. GTK serves it from this process for as long as it
/// runs, or hands it to a clipboard manager when there is one.
pub fn copy_to_clipboard(text: String) {
    glib::MainContext::default().invoke(move || {
        let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
        clipboard.set_text(&text);
        clipboard.store();
    });
}

/// Ends GTK's main loop (from any thread); `main` then stops the agent.
pub fn quit() {
    glib::MainContext::default().invoke(gtk::main_quit);
}
