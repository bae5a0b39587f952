//! Desktop notifications: the news about the person's requests (`announce.rs` decides
//! which), and what went wrong with something clicked (a menu has nowhere else to say it).
//! Each is sent on a thread of its own: the D-Bus call waits for the notification daemon,
//! and a notice's thread then waits for a click on it.

use stint_notices::Notice;

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
