//! What Stint's desktop programs do first in `main`, before any thread exists: `stint-app`
//! hands over to the `stint-tray` installed beside it ([`handover`]), and each restarts
//! itself without GDK's OpenGL on Linux ([`gdk_gl`]). Both replace or start processes, so
//! both must come before anything else; in the app, the hand-over comes first, so there is
//! one `exec`, not two.
//!
//! The standard library only: `examples/handover_probe.rs` is the hand-over in a program
//! small enough to cross-build and run under Wine (`tests/windows_wine.rs`).

pub mod gdk_gl;
pub mod handover;

pub use gdk_gl::restart_without_gdk_gl;
pub use handover::{Handover, hand_over_to_tray};
