//! Desktop notifications: how the tray says what went wrong with something clicked (a
//! menu has nowhere else to say it). Sent on a blocking thread: the D-Bus call waits for
//! the notification daemon.

pub fn tell(summary: &str, body: &str) {
    let (summary, body) = (summary.to_owned(), body.to_owned());
    std::thread::spawn(move || {
        if let Err(e) = notify_rust::Notification::new()
            .appname("Stint")
            .summary(&summary)
            .body(&body)
            .show()
        {
            // Nobody shows notifications: the log is all that is left.
            tracing::warn!(%summary, %body, error = %e, "cannot show a notification");
        }
    });
}
