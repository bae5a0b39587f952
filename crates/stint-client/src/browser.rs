//! Opening URLs: `STINT_BROWSER` (a command run with the URL as its last argument) when
//! set, else the system opener; and telling when no browser can be opened here.

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

/// Why a browser on this machine cannot be used to sign in, if so: the system opener
/// would fail (no display) or show the page to someone else (an SSH session opens it on
/// the remote machine, where the person is not). `STINT_BROWSER` is taken at its word.
pub fn unavailable(var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
    if set("STINT_BROWSER") {
        return None;
    }
    if set("SSH_CONNECTION") || set("SSH_TTY") || set("SSH_CLIENT") {
        return Some("this is an SSH session");
    }
    if cfg!(not(any(target_os = "macos", target_os = "windows")))
        && !set("DISPLAY")
        && !set("WAYLAND_DISPLAY")
    {
        return Some("no display: DISPLAY and WAYLAND_DISPLAY are unset");
    }
    None
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn check(vars: &[(&str, &str)]) -> Option<&'static str> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        unavailable(|k| vars.get(k).map(|v| (*v).to_owned()))
    }

    #[test]
    fn an_ssh_session_or_no_display_means_no_browser() {
        assert_eq!(
            check(&[
                ("DISPLAY", ":0"),
                ("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")
            ]),
            Some("this is an SSH session")
        );
        assert_eq!(
            check(&[("SSH_TTY", "/dev/pts/1")]),
            Some("this is an SSH session")
        );
        assert_eq!(check(&[("DISPLAY", ":0")]), None);
        #[cfg(target_os = "linux")]
        {
            assert!(check(&[]).unwrap().contains("no display"));
            assert!(check(&[("DISPLAY", " ")]).unwrap().contains("no display"));
            assert_eq!(check(&[("WAYLAND_DISPLAY", "wayland-0")]), None);
        }
    }

    #[test]
    fn an_explicit_browser_command_is_always_used() {
        assert_eq!(
            check(&[
                ("STINT_BROWSER", "/usr/bin/recorder"),
                ("SSH_TTY", "/dev/pts/1")
            ]),
            None
        );
    }
}
