//! Opening URLs: `STINT_BROWSER` (a command run with the URL as its last argument) when
//! set, else the system opener.

use std::process::{Command, Stdio};

pub fn open(url: &str) -> Result<(), String> {
    let mut command = match std::env::var("STINT_BROWSER") {
        Ok(custom) if !custom.trim().is_empty() => {
            let mut words = custom.split_whitespace();
            let program = words.next().unwrap_or_default();
            let mut c = Command::new(program);
            c.args(words);
            c
        }
        _ => system_opener(),
    };
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("the browser command exited with {status}")),
        Err(e) => Err(format!("cannot run the browser command: {e}")),
    }
}

#[cfg(target_os = "macos")]
fn system_opener() -> Command {
    Command::new("open")
}

#[cfg(target_os = "windows")]
fn system_opener() -> Command {
    let mut c = Command::new("cmd");
    c.args(["/C", "start", ""]);
    c
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn system_opener() -> Command {
    Command::new("xdg-open")
}
