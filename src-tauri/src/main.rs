// The desktop app is built in the tray-app issue; until then it opens an honest placeholder.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!("../tauri.conf.json"))
        .unwrap_or_else(|e| {
            eprintln!("stint-app: {e}");
            std::process::exit(1);
        });
}
