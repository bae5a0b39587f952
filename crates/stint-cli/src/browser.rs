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

/// Not `cmd /C start`: cmd would read the `&` between a URL's query parameters as the end
/// of the command. The URL protocol handler takes the URL as one argument.
#[cfg(target_os = "windows")]
fn system_opener() -> Command {
    let mut c = Command::new("rundll32");
    c.arg("url.dll,FileProtocolHandler");
    c
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn system_opener() -> Command {
    Command::new("xdg-open")
}
