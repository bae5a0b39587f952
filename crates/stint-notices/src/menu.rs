//! A tray menu as plain data: what both desktop programs build their menus from (the
//! app's `tray/menu.rs`, `stint-tray`'s `menu.rs`), each turning it into its toolkit's
//! menu. Plain data so the menus' wording and structure are unit-tested without one.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Item {
        id: String,
        label: String,
        enabled: bool,
    },
    Submenu {
        label: String,
        entries: Vec<Entry>,
    },
    Separator,
}

/// An item a click on does what `id` stands for.
pub fn item(id: impl Into<String>, label: impl Into<String>) -> Entry {
    Entry::Item {
        id: id.into(),
        label: label.into(),
        enabled: true,
    }
}

/// A line of text, greyed out: clicking it does nothing.
pub fn note(label: impl Into<String>) -> Entry {
    Entry::Item {
        id: "note".into(),
        label: label.into(),
        enabled: false,
    }
}
