//! Desktop notifications: the news about the person's requests (`announce.rs` decides
//! which), and what went wrong with something clicked (a menu has nowhere else to say it).
//! Each is sent on a thread of its own: the D-Bus call waits for the notification daemon,
//! and a notice's thread then waits for a click on it.

use stint_notices::Notice;

/// The desktop app's bundle identifier (`src-tauri/tauri.conf.json`; a test holds the two
/// equal). macOS sends notifications as the application it names, and Windows shows a
/// toast only for an AppUserModelID the installer registered with the Start menu
/// shortcut: the app's, since the tray is installed beside it. (Freedesktop servers go by
/// the app name alone.)
#[cfg_attr(target_os = "linux", allow(dead_code))]
pub const BUNDLE_ID: &str = "dev.stint.desktop";

/// Once, before the first notification: on macOS, send them as Stint, not as the default
/// sender (the whole app does the same).
pub fn init() {
    #[cfg(target_os = "macos")]
    if let Err(e) = notify_rust::set_application(BUNDLE_ID) {
        tracing::warn!(error = %e, "notifications will not be sent as Stint");
    }
}

pub fn tell(summary: &str, body: &str) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || {
        if let Err(e) = notification(&summary, &body).show() {
            // Nobody shows notifications: the log is all that is left.
            tracing::warn!(%summary, %body, error = %e, "cannot show a notification");
        }
    });
}

/// Shows `notice`; a click on it opens the window at the request it is about.
pub fn announce(notice: &Notice) {
    let notice = notice.clone();
    std::thread::spawn(move || {
        let shown = notification(&notice.summary, &notice.body)
            .icon("dialog-information")
            .action("default", "Open")
            .show();
        match shown {
            // Only the freedesktop notification servers report a click back.
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    clicked(&notice);
                }
            }),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => {}
            Err(e) => tracing::warn!(
                summary = %notice.summary,
                request = notice.request_id,
                error = %e,
                "cannot show a notification"
            ),
        }
    });
}

fn notification(summary: &str, body: &str) -> notify_rust::Notification {
    let mut notification = notify_rust::Notification::new();
    notification.appname("Stint").summary(summary).body(body);
    #[cfg(target_os = "windows")]
    notification.app_id(BUNDLE_ID);
    notification
}

/// Opens the window at the request `notice` is about, in the window's words.
#[cfg(all(unix, not(target_os = "macos")))]
fn clicked(notice: &Notice) {
    use crate::launch::{self, Destination};
    use stint_notices::Place;

    let to = Destination {
        view: match notice.place {
            Place::Access => "access",
            Place::Approvals => "approvals",
        },
        request_id: notice.request_id,
    };
    if let Err(why) = launch::open_app_at(Some(&to)) {
        tell("Cannot open Stint", &why);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundle_id_is_the_apps() {
        let config = include_str!("../../../src-tauri/tauri.conf.json");
        assert!(
            config.contains(&format!("\"identifier\": \"{}\"", super::BUNDLE_ID)),
            "src-tauri/tauri.conf.json's identifier is not {}",
            super::BUNDLE_ID
        );
    }
}
