//! The AWS CLI's files: a credentials profile for one target, and a managed block of
//! profiles for everything the person holds or may request.

use super::Stint;
use crate::aws_files::{self, ManagedProfile, ProfilesReport, SsoSessionSection};
use crate::credentials::RoleCredentials;
use crate::error::Result;
use crate::lock::MachineLock;
use crate::target::{Target, is_account_id};

/// Which kind of profiles `stint setup profiles` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileStyle {
    /// `credential_process = stint credential-process ...`: goes through Stint (cache,
    /// grant checks, clear errors).
    #[default]
    Process,
    /// Native `sso_session` profiles: the AWS tools use Stint's shared login directly.
    Sso,
}

impl Stint {
    /// Writes `target`'s credentials as profile `name` in the shared credentials file.
    pub async fn write_credentials_profile(
        &self,
        name: &str,
        target: &Target,
    ) -> Result<RoleCredentials> {
        aws_files::validate_profile_name(name)?;
        let creds = self.credentials(target).await?;
        let lock = MachineLock::new(&self.core.paths.cache_dir, "aws-credentials-file");
        let _guard = lock.acquire(|| {}).await?;
        aws_files::write_credentials_profile(&self.core.paths.aws_credentials_file, name, &creds)?;
        Ok(creds)
    }

    /// Writes one profile per account/permission set the person holds or may request into
    /// the managed block of the AWS config file, with the matching `sso-session` section.
    /// `command` is how the AWS tools should run Stint (`credential_process`).
    pub async fn setup_profiles(
        &self,
        style: ProfileStyle,
        prefix: &str,
        command: &str,
    ) -> Result<ProfilesReport> {
        let core = &self.core;
        let region = core
            .config
            .preferences
            .console_region
            .clone()
            .unwrap_or_else(|| core.sso_settings.region.clone());
        let session = core.sso_settings.session_name.clone();
        let profiles: Vec<ManagedProfile> = self
            .access()
            .await?
            .into_iter()
            .map(|entry| {
                let name = profile_name(prefix, &entry.account_name, &entry.permission_set);
                let mut entries = match style {
                    ProfileStyle::Process => vec![(
                        "credential_process".to_owned(),
                        format!(
                            "{command} credential-process {}/{}",
                            entry.account_id, entry.permission_set
                        ),
                    )],
                    ProfileStyle::Sso => vec![
                        ("sso_session".to_owned(), session.clone()),
                        ("sso_account_id".to_owned(), entry.account_id.clone()),
                        ("sso_role_name".to_owned(), entry.permission_set.clone()),
                    ],
                };
                entries.push(("region".to_owned(), region.clone()));
                ManagedProfile { name, entries }
            })
            .collect();
        let lock = MachineLock::new(&core.paths.cache_dir, "aws-config-file");
        let _guard = lock.acquire(|| {}).await?;
        aws_files::write_managed_profiles(
            &core.paths.aws_config_file,
            &SsoSessionSection {
                name: session,
                start_url: core.sso_settings.start_url.clone(),
                region: core.sso_settings.region.clone(),
            },
            &profiles,
        )
    }
}

/// `prod-AdministratorAccess`: characters a profile name cannot hold become `-`.
fn profile_name(prefix: &str, account: &str, permission_set: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let account = if is_account_id(account) {
        account.to_owned()
    } else {
        clean(account)
    };
    format!("{}{account}-{}", clean(prefix), clean(permission_set))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_are_readable_and_safe() {
        assert_eq!(
            profile_name("", "prod", "AdministratorAccess"),
            "prod-AdministratorAccess"
        );
        assert_eq!(
            profile_name("stint-", "my account", "Read Only"),
            "stint-my-account-Read-Only"
        );
        assert!(aws_files::validate_profile_name(&profile_name("", "a]b", "c")).is_ok());
    }
}
