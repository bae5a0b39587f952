//! Puts text on the clipboard for Copy credentials (the export lines: the person asked
//! for them there).

/// GTK serves it from this process for as long as it runs, or hands it to a clipboard
/// manager when there is one.
#[cfg(target_os = "linux")]
pub fn copy(text: String) {
    crate::main_loop::invoke(move || {
        let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
        clipboard.set_text(&text);
        clipboard.store();
    });
}

/// The system's clipboard keeps it (macOS, Windows).
#[cfg(not(target_os = "linux"))]
pub fn copy(text: String) {
    let copied = arboard::Clipboard::new().and_then(|mut c| c.set_text(text));
    if let Err(e) = copied {
        crate::notify::tell("Cannot copy the credentials", &e.to_string());
    }
}
