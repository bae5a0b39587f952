//! The AWS CLI's own files, edited without damaging them: `~/.aws/credentials` (one
//! named profile per `stint profile write`) and `~/.aws/config` (a managed block of
//! profiles from `stint setup profiles`). Every write is atomic and keeps every byte
//! Stint does not own.

pub mod ini;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::credentials::RoleCredentials;
use crate::error::{Error, Result};
use crate::fsutil;
use ini::ManagedBlock;

/// The managed block's marker lines in `~/.aws/config`.
pub const BLOCK: ManagedBlock<'static> = ManagedBlock {
    begin: "# >>> stint: managed by `stint setup profiles`; edits inside this block are overwritten >>>",
    end: "# <<< stint <<<",
};

/// A profile name must survive being an INI section header.
pub fn validate_profile_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with("sso-session")
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+' | '/' | ':')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "`{name}` cannot be a profile name: use letters, digits and - _ . @ + / :"
        )))
    }
}

/// Writes `creds` as profile `name` in the shared credentials file (mode 0600), replacing
/// only that profile's section.
pub fn write_credentials_profile(path: &Path, name: &str, creds: &RoleCredentials) -> Result<()> {
    validate_profile_name(name)?;
    let text = fsutil::read_optional(path)?.unwrap_or_default();
    let updated = ini::upsert_section(
        &text,
        name,
        &[
            ("aws_access_key_id", &creds.access_key_id),
            ("aws_secret_access_key", creds.secret_access_key.expose()),
            ("aws_session_token", creds.session_token.expose()),
        ],
    );
    fsutil::write_atomic(path, updated.as_bytes(), 0o600)
}

/// The `[sso-session NAME]` section that lets `aws` and the SDKs use Stint's login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSessionSection {
    pub name: String,
    pub start_url: String,
    pub region: String,
}

/// One profile for the managed block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedProfile {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesReport {
    pub path: PathBuf,
    pub written: Vec<String>,
    /// Names left out because the user's own part of the file already defines them.
    pub skipped: Vec<String>,
}

/// Rewrites the managed block of the AWS config file with `session` and `profiles`,
/// leaving the rest of the file as it was. Sections the user already defines outside the
/// block are not repeated (the user's wins), and are reported as skipped.
pub fn write_managed_profiles(
    path: &Path,
    session: &SsoSessionSection,
    profiles: &[ManagedProfile],
) -> Result<ProfilesReport> {
    let text = fsutil::read_optional(path)?.unwrap_or_default();
    let outside = BLOCK.sections_outside(&text)?;
    let mut content = String::new();
    let mut written = Vec::new();
    let mut skipped = Vec::new();

    let session_header = format!("sso-session {}", session.name);
    if outside.contains(&session_header) {
        skipped.push(session_header);
    } else {
        content.push_str(&format!(
            "[{session_header}]\nsso_start_url = {}\nsso_region = {}\nsso_registration_scopes = {}\n",
            session.start_url,
            session.region,
            crate::sso::REGISTRATION_SCOPE
        ));
        written.push(session_header);
    }
    for profile in profiles {
        validate_profile_name(&profile.name)?;
        let header = format!("profile {}", profile.name);
        if outside.contains(&header) || written.contains(&header) {
            skipped.push(header);
            continue;
        }
        if !content.is_empty() {
            content.push('\n');
        }
        content.push_str(&format!("[{header}]\n"));
        for (k, v) in &profile.entries {
            content.push_str(&format!("{k} = {v}\n"));
        }
        written.push(header);
    }
    let updated = BLOCK.replace(&text, &content)?;
    if updated != text {
        fsutil::write_atomic(path, updated.as_bytes(), 0o600)?;
    }
    Ok(ProfilesReport {
        path: path.to_owned(),
        written,
        skipped,
    })
}

/// Removes the managed block (for `stint setup profiles --remove`).
pub fn remove_managed_profiles(path: &Path) -> Result<()> {
    let Some(text) = fsutil::read_optional(path)? else {
        return Ok(());
    };
    let updated = BLOCK.replace(&text, "")?;
    if updated != text {
        fsutil::write_atomic(path, updated.as_bytes(), 0o600)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::secret::Secret;

    fn creds(key: &str) -> RoleCredentials {
        RoleCredentials {
            account_id: "333333333333".into(),
            role_name: "ReadOnlyAccess".into(),
            access_key_id: key.into(),
            secret_access_key: Secret::new("secret"),
            session_token: Secret::new("token"),
            expiration: Utc::now(),
        }
    }

    const USER_CREDENTIALS: &str = "[default]\naws_access_key_id = AKIAMINE\naws_secret_access_key = mine\n\n# keep me\n[other]\nx=1";

    #[test]
    fn a_credentials_profile_touches_only_its_own_section() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, USER_CREDENTIALS).unwrap();
        write_credentials_profile(&path, "prod-ro", &creds("ASIAONE")).unwrap();
        let once = std::fs::read_to_string(&path).unwrap();
        assert!(once.starts_with(USER_CREDENTIALS), "{once}");
        assert!(once.ends_with(
            "[prod-ro]\naws_access_key_id = ASIAONE\naws_secret_access_key = secret\naws_session_token = token\n"
        ));
        write_credentials_profile(&path, "prod-ro", &creds("ASIATWO")).unwrap();
        let twice = std::fs::read_to_string(&path).unwrap();
        assert_eq!(twice, once.replace("ASIAONE", "ASIATWO"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn bad_profile_names_are_refused() {
        for bad in ["", "a b", "x]", "sso-session foo", "a\nb"] {
            assert!(validate_profile_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_profile_name("prod/Admin").is_ok());
    }

    fn session() -> SsoSessionSection {
        SsoSessionSection {
            name: "stint".into(),
            start_url: "https://d-1.awsapps.com/start".into(),
            region: "us-east-1".into(),
        }
    }

    fn profile(name: &str, target: &str) -> ManagedProfile {
        ManagedProfile {
            name: name.into(),
            entries: vec![(
                "credential_process".into(),
                format!("stint credential-process {target}"),
            )],
        }
    }

    #[test]
    fn the_managed_block_holds_the_sso_session_and_profiles_and_nothing_else_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let user = "[default]\nregion = eu-west-1\n\n[profile prod-Admin]\nregion = us-west-2\n";
        std::fs::write(&path, user).unwrap();
        let report = write_managed_profiles(
            &path,
            &session(),
            &[
                profile("prod-Admin", "333333333333/Admin"),
                profile("dev-RO", "555555555555/RO"),
            ],
        )
        .unwrap();
        assert_eq!(report.written, vec!["sso-session stint", "profile dev-RO"]);
        assert_eq!(report.skipped, vec!["profile prod-Admin"]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(user), "{text}");
        assert_eq!(
            &text[user.len()..],
            format!(
                "\n{}\n[sso-session stint]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n\
                 sso_registration_scopes = sso:account:access\n\n[profile dev-RO]\n\
                 credential_process = stint credential-process 555555555555/RO\n{}\n",
                BLOCK.begin, BLOCK.end
            )
        );

        // Running again with other profiles rewrites only the block.
        std::fs::write(&path, format!("{text}[profile after]\nx = 1\n")).unwrap();
        write_managed_profiles(&path, &session(), &[profile("stg-RO", "444444444444/RO")]).unwrap();
        let again = std::fs::read_to_string(&path).unwrap();
        assert!(again.starts_with(user));
        assert!(again.contains("[profile stg-RO]") && !again.contains("[profile dev-RO]"));
        assert!(
            again.ends_with(&format!("{}\n[profile after]\nx = 1\n", BLOCK.end)),
            "{again}"
        );

        remove_managed_profiles(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{user}\n[profile after]\nx = 1\n")
        );
    }
}
