//! Role credentials written out for a shell, a program, or the AWS SDKs'
//! `credential_process`, in the formats and variable order of `aws configure
//! export-credentials` (plus fish and JSON). Every value is quoted for the shell that
//! reads it, so a value can never break out of its assignment; a value Windows cmd cannot
//! quote is refused rather than written.

use std::str::FromStr;

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use crate::credentials::RoleCredentials;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// bash and zsh: `export NAME='value'` lines.
    #[default]
    Env,
    /// POSIX shell variables without `export`: `NAME='value'` lines.
    EnvNoExport,
    /// fish: `set -gx NAME 'value'` lines.
    Fish,
    /// PowerShell: `$Env:NAME = 'value'` lines.
    Powershell,
    /// Windows cmd: `set "NAME=value"` lines.
    WindowsCmd,
    /// A JSON object with the credentials, account and role.
    Json,
    /// The AWS SDKs' `credential_process` JSON (`Version: 1`).
    Process,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::Env,
        ExportFormat::EnvNoExport,
        ExportFormat::Fish,
        ExportFormat::Powershell,
        ExportFormat::WindowsCmd,
        ExportFormat::Json,
        ExportFormat::Process,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Env => "env",
            ExportFormat::EnvNoExport => "env-no-export",
            ExportFormat::Fish => "fish",
            ExportFormat::Powershell => "powershell",
            ExportFormat::WindowsCmd => "windows-cmd",
            ExportFormat::Json => "json",
            ExportFormat::Process => "process",
        }
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let wanted = match wanted.as_str() {
            "bash" | "zsh" | "sh" => "env",
            "pwsh" => "powershell",
            "cmd" => "windows-cmd",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown format `{s}`: use one of {}",
                    Self::ALL.map(|f| f.as_str()).join(", ")
                ))
            })
    }
}

/// Renders `creds` in `format`. `region`, when given, is exported too (shell formats and
/// JSON); `credential_process` output has no place for it. Refused only for Windows cmd,
/// when a value holds a character cmd cannot quote (AWS never issues one).
pub fn render(
    creds: &RoleCredentials,
    format: ExportFormat,
    region: Option<&str>,
) -> Result<String, Error> {
    let expiration = creds.expiration.to_rfc3339_opts(SecondsFormat::Secs, true);
    // The line formats carry the expiry as the AWS CLI writes it there (Python's
    // `isoformat()` of a UTC time); the JSON formats keep the `Z` the SDKs document.
    let line_expiration = creds
        .expiration
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let mut vars: Vec<(&str, &str)> = vec![
        ("AWS_ACCESS_KEY_ID", &creds.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.expose()),
        ("AWS_SESSION_TOKEN", creds.session_token.expose()),
        ("AWS_CREDENTIAL_EXPIRATION", &line_expiration),
    ];
    if let Some(region) = region {
        vars.push(("AWS_REGION", region));
        vars.push(("AWS_DEFAULT_REGION", region));
    }
    Ok(match format {
        ExportFormat::Env => lines(&vars, |k, v| format!("export {k}={}", posix_quote(v))),
        ExportFormat::EnvNoExport => lines(&vars, |k, v| format!("{k}={}", posix_quote(v))),
        ExportFormat::Fish => lines(&vars, |k, v| format!("set -gx {k} {}", fish_quote(v))),
        ExportFormat::Powershell => {
            lines(&vars, |k, v| format!("$Env:{k} = {}", powershell_quote(v)))
        }
        ExportFormat::WindowsCmd => {
            for (name, value) in &vars {
                check_cmd_value(name, value)?;
            }
            lines(&vars, |k, v| format!("set \"{k}={v}\""))
        }
        ExportFormat::Json => {
            let mut doc = serde_json::json!({
                "AccountId": creds.account_id,
                "RoleName": creds.role_name,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.expose(),
                "SessionToken": creds.session_token.expose(),
                "Expiration": expiration,
            });
            if let (Some(region), Some(map)) = (region, doc.as_object_mut()) {
                map.insert("Region".into(), region.into());
            }
            format!("{doc:#}\n")
        }
        ExportFormat::Process => {
            let doc = serde_json::json!({
                "Version": 1,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.expose(),
                "SessionToken": creds.session_token.expose(),
                "Expiration": expiration,
            });
            format!("{doc}\n")
        }
    })
}

/// In `set "NAME=value"` cmd takes `& | < > ^ ( )` literally, but nothing can quote `"`,
/// `%` (variable expansion), `!` (delayed expansion) or a line break.
fn check_cmd_value(name: &str, value: &str) -> Result<(), Error> {
    match value
        .chars()
        .find(|c| matches!(c, '"' | '%' | '!' | '\r' | '\n'))
    {
        None => Ok(()),
        Some(c) => Err(Error::InvalidInput(format!(
            "{name} holds {c:?}, which Windows cmd cannot quote: use --format powershell"
        ))),
    }
}

fn lines(vars: &[(&str, &str)], line: impl Fn(&str, &str) -> String) -> String {
    vars.iter().map(|(k, v)| line(k, v) + "\n").collect()
}

/// bash/zsh/sh: inside single quotes nothing is special but `'` itself, which is written
/// as `'\''` (close, escaped quote, reopen).
pub fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// fish: inside single quotes only `\` and `'` are special, each escaped with `\`.
pub fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// PowerShell: in a verbatim (single-quoted) string a quote is doubled. PowerShell also
/// treats the typographic single quotes as quotes, so those are doubled too.
pub fn powershell_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::secret::Secret;

    fn creds() -> RoleCredentials {
        RoleCredentials {
            account_id: "333333333333".into(),
            role_name: "AdministratorAccess".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("se'cr\\et"),
            session_token: Secret::new("tok+/="),
            expiration: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    #[test]
    fn env_lines_are_posix_quoted() {
        let out = render(&creds(), ExportFormat::Env, None).unwrap();
        assert_eq!(
            out,
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n\
             export AWS_SECRET_ACCESS_KEY='se'\\''cr\\et'\n\
             export AWS_SESSION_TOKEN='tok+/='\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-01-02T03:04:05+00:00'\n"
        );
    }

    #[test]
    fn env_no_export_lines_are_plain_assignments() {
        let out = render(&creds(), ExportFormat::EnvNoExport, Some("eu-west-1")).unwrap();
        assert_eq!(
            out,
            "AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n\
             AWS_SECRET_ACCESS_KEY='se'\\''cr\\et'\n\
             AWS_SESSION_TOKEN='tok+/='\n\
             AWS_CREDENTIAL_EXPIRATION='2026-01-02T03:04:05+00:00'\n\
             AWS_REGION='eu-west-1'\n\
             AWS_DEFAULT_REGION='eu-west-1'\n"
        );
    }

    #[test]
    fn windows_cmd_lines_quote_the_assignment_and_refuse_what_cmd_cannot_quote() {
        let mut c = creds();
        c.secret_access_key = Secret::new("a&b|c<d>e^f(g)");
        let out = render(&c, ExportFormat::WindowsCmd, None).unwrap();
        assert_eq!(
            out,
            "set \"AWS_ACCESS_KEY_ID=ASIAEXAMPLE\"\n\
             set \"AWS_SECRET_ACCESS_KEY=a&b|c<d>e^f(g)\"\n\
             set \"AWS_SESSION_TOKEN=tok+/=\"\n\
             set \"AWS_CREDENTIAL_EXPIRATION=2026-01-02T03:04:05+00:00\"\n"
        );
        for bad in ["a\"b", "100%", "x!y", "a\nb"] {
            c.session_token = Secret::new(bad);
            let err = render(&c, ExportFormat::WindowsCmd, None).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("AWS_SESSION_TOKEN") && msg.contains("powershell"),
                "{msg}"
            );
            assert!(
                !msg.contains(bad),
                "the value itself stays out of the message: {msg}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn env_lines_survive_a_real_shell() {
        let sh = "/bin/sh";
        let mut c = creds();
        c.session_token = Secret::new("a'b\"c$HOME`d`\\e\nf");
        let script = render(&c, ExportFormat::Env, Some("eu-west-1")).unwrap()
            + "printf '%s' \"$AWS_SESSION_TOKEN|$AWS_SECRET_ACCESS_KEY|$AWS_REGION\"";
        let out = std::process::Command::new(sh)
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "a'b\"c$HOME`d`\\e\nf|se'cr\\et|eu-west-1"
        );
    }

    #[test]
    fn fish_escapes_backslash_and_quote() {
        let out = render(&creds(), ExportFormat::Fish, None).unwrap();
        assert!(
            out.contains("set -gx AWS_SECRET_ACCESS_KEY 'se\\'cr\\\\et'\n"),
            "{out}"
        );
        assert!(
            out.starts_with("set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\n"),
            "{out}"
        );
    }

    #[test]
    fn powershell_doubles_quotes() {
        let out = render(&creds(), ExportFormat::Powershell, Some("us-east-1")).unwrap();
        assert!(
            out.contains("$Env:AWS_SECRET_ACCESS_KEY = 'se''cr\\et'\n"),
            "{out}"
        );
        assert!(out.contains("$Env:AWS_REGION = 'us-east-1'\n"), "{out}");
        assert_eq!(powershell_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
    }

    #[test]
    fn process_output_is_what_credential_process_expects() {
        let out = render(&creds(), ExportFormat::Process, Some("ignored")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "se'cr\\et",
                "SessionToken": "tok+/=",
                "Expiration": "2026-01-02T03:04:05Z",
            })
        );
        assert!(out.ends_with("}\n") && out.lines().count() == 1);
    }

    #[test]
    fn json_output_names_account_and_role() {
        let out = render(&creds(), ExportFormat::Json, Some("us-east-1")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["AccountId"], "333333333333");
        assert_eq!(doc["RoleName"], "AdministratorAccess");
        assert_eq!(doc["Region"], "us-east-1");
        assert_eq!(doc["Expiration"], "2026-01-02T03:04:05Z");
    }

    #[test]
    fn formats_parse_by_name_and_common_aliases() {
        assert_eq!("zsh".parse::<ExportFormat>().unwrap(), ExportFormat::Env);
        assert_eq!(
            "PowerShell".parse::<ExportFormat>().unwrap(),
            ExportFormat::Powershell
        );
        assert_eq!(
            "env-no-export".parse::<ExportFormat>().unwrap(),
            ExportFormat::EnvNoExport
        );
        assert_eq!(
            "windows-cmd".parse::<ExportFormat>().unwrap(),
            ExportFormat::WindowsCmd
        );
        let err = "yaml".parse::<ExportFormat>().unwrap_err().to_string();
        assert!(
            err.contains("env, env-no-export, fish, powershell, windows-cmd, json, process"),
            "{err}"
        );
        // The configuration file spells them as the AWS CLI does.
        for f in ExportFormat::ALL {
            let toml = toml::to_string(&std::collections::HashMap::from([("f", f)])).unwrap();
            assert_eq!(toml.trim(), format!("f = \"{}\"", f.as_str()));
        }
    }
}
