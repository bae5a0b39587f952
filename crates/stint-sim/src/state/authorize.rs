//! The browser sign-in: OAuth 2.0 authorization code grant with PKCE (RFC 6749 section
//! 4.1, RFC 7636), as Identity Center runs it for `aws sso login` since AWS CLI 2.22.
//!
//! The authorize endpoint checks the client and its redirect URI and records a pending
//! [`Authorization`]; a person (or the `/_sim` control call) approves it as a user, which
//! mints a single-use code bound to the client, the redirect URI and the S256 challenge;
//! CreateToken trades the code and the verifier for tokens. Everything a careful server
//! refuses is refused here, each with the OAuth error AWS answers with.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::oidc::{
    AUTHORIZATION_CODE_GRANT, Oidc, OidcError, REFRESH_SCOPE, Session, TokenGrant, add,
    constant_time_eq,
};
use super::random;
use crate::secret::Secret;
use crate::world::Timing;

/// How long a person has to answer the sign-in page.
const PAGE_TTL: Duration = Duration::from_secs(10 * 60);

/// The only challenge method Identity Center accepts (`plain` gives no protection).
pub const S256: &str = "S256";

/// What the authorize endpoint was asked, already checked against the client.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Shown to the person, not answered yet.
    Pending,
    /// Approved: a code was issued and not yet exchanged.
    Issued { user_id: String },
    /// Denied on the page.
    Denied,
    /// Exchanged for tokens, which opened this session.
    Redeemed { session: usize },
}

/// No `Debug`: it holds the code.
pub struct Authorization {
    /// Names the pending request in the sign-in page's form (not a secret: it is
    /// worthless without the person's approval and the verifier).
    pub id: String,
    pub request: AuthorizeRequest,
    code: Option<String>,
    stage: Stage,
    /// The page's deadline while pending, the code's once issued.
    expires_at: DateTime<Utc>,
}

/// Why an authorization could not be approved or denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeDecisionError {
    NotFound,
    Expired,
    AlreadyDecided,
}

/// The answer to a decision: where the browser goes next.
#[derive(Debug, Clone)]
pub struct Redirect {
    pub redirect_uri: String,
    /// `Some` when approved.
    pub code: Option<Secret>,
    pub state: Option<String>,
}

impl Redirect {
    /// `redirect_uri?code=..&state=..`, or `?error=access_denied&state=..`.
    pub fn location(&self) -> String {
        let mut url = self.redirect_uri.clone();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        match &self.code {
            Some(code) => query.append_pair("code", code.expose()),
            None => query.append_pair("error", "access_denied"),
        };
        if let Some(state) = &self.state {
            query.append_pair("state", state);
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query.finish());
        url
    }
}

/// BASE64URL(SHA256(verifier)) without padding, as RFC 7636 section 4.2 defines S256.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 section 4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Exchange of a code for tokens: everything CreateToken was given.
pub struct CodeExchange<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub code: &'a str,
    pub code_verifier: &'a str,
    pub redirect_uri: &'a str,
}

impl Oidc {
    /// Records a checked authorize request; the sign-in page shows it under its id.
    pub fn start_authorization(
        &mut self,
        request: AuthorizeRequest,
        now: DateTime<Utc>,
    ) -> &Authorization {
        self.authorizations.push(Authorization {
            id: random::alphanumeric(32),
            request,
            code: None,
            stage: Stage::Pending,
            expires_at: add(now, PAGE_TTL),
        });
        let last = self.authorizations.len() - 1;
        &self.authorizations[last]
    }

    /// The person approves (as `approve_as`) or denies. Approval mints the code, valid for
    /// `timing.authorization_code_ttl`.
    pub fn decide_authorization(
        &mut self,
        id: &str,
        approve_as: Option<String>,
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> Result<Redirect, AuthorizeDecisionError> {
        let auth = self
            .authorizations
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or(AuthorizeDecisionError::NotFound)?;
        if auth.stage != Stage::Pending {
            return Err(AuthorizeDecisionError::AlreadyDecided);
        }
        if now >= auth.expires_at {
            return Err(AuthorizeDecisionError::Expired);
        }
        let code = match approve_as {
            Some(user_id) => {
                let code = random::alphanumeric(64);
                auth.code = Some(code.clone());
                auth.stage = Stage::Issued { user_id };
                auth.expires_at = add(now, timing.authorization_code_ttl);
                Some(Secret::new(code))
            }
            None => {
                auth.stage = Stage::Denied;
                None
            }
        };
        Ok(Redirect {
            redirect_uri: auth.request.redirect_uri.clone(),
            code,
            state: auth.request.state.clone(),
        })
    }

    /// CreateToken with `grantType=authorization_code`.
    pub fn create_token_from_authorization_code(
        &mut self,
        exchange: &CodeExchange<'_>,
        now: DateTime<Utc>,
        timing: &Timing,
    ) -> Result<TokenGrant, OidcError> {
        let client = self.client(exchange.client_id, exchange.client_secret, now)?;
        if !client.allows_grant(AUTHORIZATION_CODE_GRANT) {
            return Err(OidcError::UnauthorizedClient(format!(
                "The client is not authorized to use grant type {AUTHORIZATION_CODE_GRANT}; register it with grantTypes [\"{AUTHORIZATION_CODE_GRANT}\", \"refresh_token\"] and its redirectUris"
            )));
        }
        let client_scopes = client.scopes.clone();
        if !verifier_is_well_formed(exchange.code_verifier) {
            return Err(OidcError::InvalidRequest(
                "codeVerifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636)".into(),
            ));
        }
        let index = self
            .authorizations
            .iter()
            .position(|a| {
                a.code
                    .as_deref()
                    .is_some_and(|c| constant_time_eq(c, exchange.code))
            })
            .ok_or_else(|| OidcError::InvalidGrant("Invalid authorization code provided".into()))?;
        let auth = &self.authorizations[index];
        if auth.request.client_id != exchange.client_id {
            return Err(OidcError::InvalidGrant(
                "The authorization code was issued to another client".into(),
            ));
        }
        let user_id = match &auth.stage {
            Stage::Issued { user_id } => user_id.clone(),
            Stage::Redeemed { session } => {
                // A code presented twice may have been stolen: end what it opened.
                let session = *session;
                self.end_session(session);
                return Err(OidcError::InvalidGrant(
                    "The authorization code has already been used; the tokens issued for it are revoked".into(),
                ));
            }
            Stage::Pending | Stage::Denied => {
                return Err(OidcError::InvalidGrant(
                    "Invalid authorization code provided".into(),
                ));
            }
        };
        if now >= auth.expires_at {
            return Err(OidcError::InvalidGrant(
                "The authorization code has expired; sign in again".into(),
            ));
        }
        if auth.request.redirect_uri != exchange.redirect_uri {
            return Err(OidcError::InvalidGrant(
                "redirectUri does not match the redirect_uri of the authorization request".into(),
            ));
        }
        if !constant_time_eq(
            &s256_challenge(exchange.code_verifier),
            &auth.request.code_challenge,
        ) {
            return Err(OidcError::InvalidGrant(
                "codeVerifier does not match the code_challenge of the authorization request"
                    .into(),
            ));
        }
        let wants_refresh = client_scopes
            .iter()
            .chain(&auth.request.scopes)
            .any(|s| s == REFRESH_SCOPE);
        self.sessions.push(Session {
            user_id,
            client_id: exchange.client_id.to_owned(),
            expires_at: add(now, timing.session_ttl),
            refresh_token: None,
            ended: false,
        });
        let session = self.sessions.len() - 1;
        self.authorizations[index].stage = Stage::Redeemed { session };
        Ok(self.issue(session, wants_refresh, now, timing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::oidc::{REFRESH_GRANT, Registration};

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(verifier_is_well_formed(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!verifier_is_well_formed("short"));
        assert!(!verifier_is_well_formed(&"a b".repeat(20)));
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_code_works_once_and_its_reuse_revokes_the_session() {
        let mut oidc = Oidc::default();
        let timing = Timing::default();
        let client = oidc.register_client(
            Registration {
                name: "t".into(),
                scopes: vec![REFRESH_SCOPE.into()],
                grant_types: vec![AUTHORIZATION_CODE_GRANT.into(), REFRESH_GRANT.into()],
                redirect_uris: vec!["http://127.0.0.1:5/oauth/callback".into()],
            },
            t(0),
            Duration::from_secs(3600),
        );
        let (id, secret) = (
            client.client_id.clone(),
            client.client_secret.expose().to_owned(),
        );
        let verifier = "v".repeat(50);
        let pending = oidc
            .start_authorization(
                AuthorizeRequest {
                    client_id: id.clone(),
                    redirect_uri: "http://127.0.0.1:5/oauth/callback".into(),
                    state: Some("s1".into()),
                    code_challenge: s256_challenge(&verifier),
                    scopes: vec![],
                },
                t(0),
            )
            .id
            .clone();
        let redirect = oidc
            .decide_authorization(&pending, Some("u1".into()), t(1), &timing)
            .unwrap();
        let code = redirect.code.clone().unwrap();
        assert!(redirect.location().ends_with("&state=s1"));
        let exchange = CodeExchange {
            client_id: &id,
            client_secret: &secret,
            code: code.expose(),
            code_verifier: &verifier,
            redirect_uri: "http://127.0.0.1:5/oauth/callback",
        };
        let grant = oidc
            .create_token_from_authorization_code(&exchange, t(2), &timing)
            .unwrap();
        assert!(grant.refresh_token.is_some());
        assert_eq!(
            oidc.user_for_access_token(grant.access_token.expose(), t(3)),
            Some("u1")
        );
        let again = oidc.create_token_from_authorization_code(&exchange, t(3), &timing);
        assert!(matches!(again, Err(OidcError::InvalidGrant(m)) if m.contains("already")));
        assert_eq!(
            oidc.user_for_access_token(grant.access_token.expose(), t(4)),
            None
        );
    }
}
