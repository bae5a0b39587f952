//! What Stint's desktop programs tell the person, and when, without a toolkit: the
//! requests book ([`Book`]) decides which notifications a change makes (each at most
//! once, nothing for what was already true at the first load), [`Notice`] says them,
//! [`labels`] has the words for time and targets that the menus say too, and [`menu`] is
//! a tray menu as plain data. The whole app (Tauri) and `stint-tray` (GTK, no WebKit)
//! share it, so both say the same thing once.

pub mod book;
pub mod labels;
pub mod menu;
pub mod notice;
pub mod prefs;
pub mod rules;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use book::Book;
pub use notice::{Notice, NoticeKind, Place};
pub use prefs::NotificationPrefs;
pub use rules::{EXPIRING_SOON, awaits_decision, by_set, closed_early};
