//! The hand-over's own code in a program small enough to cross-build and run under Wine,
//! where `stint-app.exe` (Tauri, WebView2) cannot be: `tests/windows_wine.rs` copies it in
//! as `stint-app.exe` beside `stint-tray.exe` and starts it as a person's Start menu entry
//! would. It does what `stint-app`'s `main` does first, then, where the app would run
//! whole, says so and fails.

use std::process::ExitCode;

use stint_startup::{Handover, hand_over_to_tray};

fn main() -> ExitCode {
    let whole = !std::env::args().skip(1).any(|arg| arg == "--window");
    match hand_over_to_tray(whole) {
        Ok(Handover::TrayStarted) => ExitCode::SUCCESS,
        Ok(Handover::Stay) => {
            eprintln!("handover probe: no hand-over; stint-app would run whole");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("handover probe: {e}");
            ExitCode::from(4)
        }
    }
}
