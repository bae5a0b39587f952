//! The Identity Center access portal (the `sso` API): which accounts and roles the person
//! holds right now, and role credentials for one of them.

use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use aws_sdk_sso::operation::list_account_roles::ListAccountRolesError;
use aws_sdk_sso::operation::list_accounts::ListAccountsError;
use chrono::DateTime;
use serde::Serialize;

use crate::aws_error;
use crate::credentials::RoleCredentials;
use crate::endpoints::LazySdk;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sso::SsoToken;

const SERVICE: &str = "SSO";

/// An account the person can see in the access portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalAccount {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// Why a portal call failed, when the caller can do something about it.
#[derive(Debug)]
pub(crate) enum PortalError {
    /// The access token was refused: renew it and try again.
    TokenRejected,
    /// The person holds no such role in that account right now.
    NoAccess,
    Other(Error),
}

impl From<Error> for PortalError {
    fn from(e: Error) -> Self {
        PortalError::Other(e)
    }
}

/// The portal client, built on first use.
#[derive(Debug, Clone)]
pub(crate) struct Portal {
    sdk: LazySdk,
    client: std::sync::Arc<tokio::sync::OnceCell<aws_sdk_sso::Client>>,
}

impl Portal {
    pub fn new(sdk: LazySdk) -> Self {
        Self {
            sdk,
            client: std::sync::Arc::default(),
        }
    }

    async fn client(&self) -> &aws_sdk_sso::Client {
        self.client
            .get_or_init(|| async { aws_sdk_sso::Client::new(self.sdk.get().await) })
            .await
    }

    pub async fn accounts(&self, token: &SsoToken) -> Result<Vec<PortalAccount>, PortalError> {
        let mut accounts = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client()
                .await
                .list_accounts()
                .access_token(token.access_token.expose())
                .set_next_token(next.take())
                .max_results(100)
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(ListAccountsError::UnauthorizedException(_)) => PortalError::TokenRejected,
                    _ => PortalError::Other(aws_error::from_sdk(SERVICE, "ListAccounts", e)),
                })?;
            for a in out.account_list() {
                if let Some(id) = a.account_id() {
                    accounts.push(PortalAccount {
                        id: id.to_owned(),
                        name: a.account_name().unwrap_or(id).to_owned(),
                        email: a.email_address().map(str::to_owned),
                    });
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(accounts)
    }

    pub async fn roles(
        &self,
        token: &SsoToken,
        account_id: &str,
    ) -> Result<Vec<String>, PortalError> {
        let mut roles = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client()
                .await
                .list_account_roles()
                .access_token(token.access_token.expose())
                .account_id(account_id)
                .set_next_token(next.take())
                .max_results(100)
                .send()
                .await
                .map_err(|e| match e.as_service_error() {
                    Some(ListAccountRolesError::UnauthorizedException(_)) => {
                        PortalError::TokenRejected
                    }
                    _ if is_no_access(aws_error::code_of(&e)) => PortalError::NoAccess,
                    _ => PortalError::Other(aws_error::from_sdk(SERVICE, "ListAccountRoles", e)),
                })?;
            roles.extend(
                out.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_owned)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                _ => break,
            }
        }
        Ok(roles)
    }

    pub async fn role_credentials(
        &self,
        token: &SsoToken,
        account_id: &str,
        role_name: &str,
    ) -> Result<RoleCredentials, PortalError> {
        let out = self
            .client()
            .await
            .get_role_credentials()
            .access_token(token.access_token.expose())
            .account_id(account_id)
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(GetRoleCredentialsError::UnauthorizedException(_)) => {
                    PortalError::TokenRejected
                }
                Some(GetRoleCredentialsError::ResourceNotFoundException(_)) => {
                    PortalError::NoAccess
                }
                _ if is_no_access(aws_error::code_of(&e)) => PortalError::NoAccess,
                _ => PortalError::Other(aws_error::from_sdk(SERVICE, "GetRoleCredentials", e)),
            })?;
        let creds = out.role_credentials().ok_or_else(|| {
            Error::protocol(SERVICE, "GetRoleCredentials returned no credentials")
        })?;
        let (Some(key), Some(secret), Some(session)) = (
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token(),
        ) else {
            return Err(Error::protocol(
                SERVICE,
                "GetRoleCredentials left out a key or the session token",
            )
            .into());
        };
        // The portal gives the expiry in epoch milliseconds.
        let expiration = DateTime::from_timestamp_millis(creds.expiration())
            .ok_or_else(|| Error::protocol(SERVICE, "GetRoleCredentials returned no expiry"))?;
        Ok(RoleCredentials {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            access_key_id: key.to_owned(),
            secret_access_key: Secret::new(secret),
            session_token: Secret::new(session),
            expiration,
        })
    }

    /// Ends the portal session of `token` (best effort: the token is forgotten anyway).
    pub async fn logout(&self, token: &SsoToken) -> Result<()> {
        self.client()
            .await
            .logout()
            .access_token(token.access_token.expose())
            .send()
            .await
            .map_err(|e| aws_error::from_sdk(SERVICE, "Logout", e))?;
        Ok(())
    }
}

/// AWS answers a role the person does not hold with `ForbiddenException` ("No access"),
/// which the SDK does not model.
fn is_no_access(code: Option<&str>) -> bool {
    matches!(code, Some("ForbiddenException" | "AccessDeniedException"))
}
