//! Role credentials issued by GetRoleCredentials, the federation sign-in tokens made from
//! them, and the console sessions those tokens open. Credentials stay valid until their
//! own expiry even if the assignment that allowed them is deleted: that is how AWS
//! behaves, and Stint has to be honest about it.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::oidc::constant_time_eq;
use super::random;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct IssuedCredential {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub user_name: String,
    pub account_id: String,
    pub permission_set_name: String,
    /// `AWSReservedSSO_<permission set>_<16 hex>`.
    pub role_name: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Where a console sign-in landed: what the simulated console page shows. Its id is in
/// the page's URL and works like a session cookie, so `Debug` leaves it out.
#[derive(Clone)]
pub struct ConsoleSession {
    pub id: String,
    pub account_id: String,
    pub permission_set_name: String,
    pub role_name: String,
    pub user_name: String,
    pub destination: String,
    pub issuer: Option<String>,
    pub signed_in_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("account_id", &self.account_id)
            .field("role_name", &self.role_name)
            .field("user_name", &self.user_name)
            .field("destination", &self.destination)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct SigninToken {
    access_key_id: String,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigninError {
    /// The session credentials are not ones this simulator issued, or do not match.
    BadCredentials,
    ExpiredCredentials,
    /// Unknown, used or expired sign-in token.
    BadToken,
}

/// Sign-in tokens last fifteen minutes, as AWS's do.
pub const SIGNIN_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// No `Debug` derive: sign-in tokens and console sessions are keyed by their secret
/// values. Its `Debug` prints counts.
#[derive(Default)]
pub struct Credentials {
    issued: HashMap<String, IssuedCredential>,
    signin_tokens: HashMap<String, SigninToken>,
    consoles: HashMap<String, ConsoleSession>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("issued", &self.issued.len())
            .field("signin_tokens", &self.signin_tokens.len())
            .field("console_sessions", &self.consoles.len())
            .finish()
    }
}

pub struct NewCredential {
    pub user_name: String,
    pub account_id: String,
    pub permission_set_name: String,
    pub role_name: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Credentials {
    pub fn issue(&mut self, new: NewCredential) -> &IssuedCredential {
        let access_key_id = format!("ASIA{}", random::upper_base32(16));
        let credential = IssuedCredential {
            access_key_id: access_key_id.clone(),
            secret_access_key: Secret::new(random::alphanumeric(40)),
            session_token: Secret::new(format!("IQoJb3JpZ2luX2Vj{}", random::alphanumeric(300))),
            user_name: new.user_name,
            account_id: new.account_id,
            permission_set_name: new.permission_set_name,
            role_name: new.role_name,
            issued_at: new.issued_at,
            expires_at: new.expires_at,
        };
        self.issued.entry(access_key_id).or_insert(credential)
    }

    pub fn by_access_key(&self, access_key_id: &str) -> Option<&IssuedCredential> {
        self.issued.get(access_key_id)
    }

    /// `getSigninToken`: trades session credentials for a single-use sign-in token.
    pub fn signin_token(
        &mut self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Secret, SigninError> {
        let credential = self
            .issued
            .get(access_key_id)
            .ok_or(SigninError::BadCredentials)?;
        if !constant_time_eq(credential.secret_access_key.expose(), secret_access_key)
            || !constant_time_eq(credential.session_token.expose(), session_token)
        {
            return Err(SigninError::BadCredentials);
        }
        if now >= credential.expires_at {
            return Err(SigninError::ExpiredCredentials);
        }
        let token = random::alphanumeric(200);
        let ttl = chrono::Duration::from_std(SIGNIN_TOKEN_TTL).unwrap_or_default();
        self.signin_tokens.insert(
            token.clone(),
            SigninToken {
                access_key_id: access_key_id.to_owned(),
                expires_at: now + ttl,
            },
        );
        Ok(Secret::new(token))
    }

    /// `login`: spends a sign-in token and opens a console session.
    pub fn redeem_signin_token(
        &mut self,
        token: &str,
        destination: String,
        issuer: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<&ConsoleSession, SigninError> {
        // Single use: removed whether or not it is still good.
        let signin = self
            .signin_tokens
            .remove(token)
            .ok_or(SigninError::BadToken)?;
        if now >= signin.expires_at {
            return Err(SigninError::BadToken);
        }
        let credential = self
            .issued
            .get(&signin.access_key_id)
            .ok_or(SigninError::BadToken)?
            .clone();
        Ok(self.open_console(&credential, destination, issuer, now))
    }

    /// Opens a console session straight from credentials (the access portal's own links).
    pub fn open_console(
        &mut self,
        credential: &IssuedCredential,
        destination: String,
        issuer: Option<String>,
        now: DateTime<Utc>,
    ) -> &ConsoleSession {
        let id = random::alphanumeric(24);
        let session = ConsoleSession {
            id: id.clone(),
            account_id: credential.account_id.clone(),
            permission_set_name: credential.permission_set_name.clone(),
            role_name: credential.role_name.clone(),
            user_name: credential.user_name.clone(),
            destination,
            issuer,
            signed_in_at: now,
            expires_at: credential.expires_at,
        };
        self.consoles.entry(id).or_insert(session)
    }

    pub fn console(&self, id: &str) -> Option<&ConsoleSession> {
        self.consoles.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn issue(creds: &mut Credentials) -> IssuedCredential {
        creds
            .issue(NewCredential {
                user_name: "alice".into(),
                account_id: "333333333333".into(),
                permission_set_name: "ReadOnlyAccess".into(),
                role_name: "AWSReservedSSO_ReadOnlyAccess_0123456789abcdef".into(),
                issued_at: t(0),
                expires_at: t(3600),
            })
            .clone()
    }

    #[test]
    fn signin_tokens_are_single_use_and_expire() {
        let mut creds = Credentials::default();
        let c = issue(&mut creds);
        assert!(c.access_key_id.starts_with("ASIA") && c.access_key_id.len() == 20);
        let token = creds
            .signin_token(
                &c.access_key_id,
                c.secret_access_key.expose(),
                c.session_token.expose(),
                t(0),
            )
            .unwrap();
        let session = creds
            .redeem_signin_token(
                token.expose(),
                "https://console.aws.amazon.com/".into(),
                None,
                t(1),
            )
            .unwrap();
        assert_eq!(session.user_name, "alice");
        assert_eq!(
            creds
                .redeem_signin_token(token.expose(), "x".into(), None, t(2))
                .unwrap_err(),
            SigninError::BadToken
        );

        let late = creds
            .signin_token(
                &c.access_key_id,
                c.secret_access_key.expose(),
                c.session_token.expose(),
                t(0),
            )
            .unwrap();
        assert_eq!(
            creds
                .redeem_signin_token(late.expose(), "x".into(), None, t(15 * 60))
                .unwrap_err(),
            SigninError::BadToken
        );
        assert_eq!(
            creds
                .signin_token(&c.access_key_id, "wrong", c.session_token.expose(), t(0))
                .unwrap_err(),
            SigninError::BadCredentials
        );
        assert_eq!(
            creds
                .signin_token(
                    &c.access_key_id,
                    c.secret_access_key.expose(),
                    c.session_token.expose(),
                    t(3600)
                )
                .unwrap_err(),
            SigninError::ExpiredCredentials
        );
    }
}
