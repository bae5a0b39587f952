//! Broker session tokens: 256 random bits from the OS, base64url, prefixed `stint_` so a
//! leaked one is recognisable by secret scanners. The broker keeps only the SHA-256 of a
//! token, so a copy of the database cannot be used to sign in.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "stint_";
/// 32 random bytes, base64url without padding.
const TOKEN_BODY_LEN: usize = 43;

/// A session token as handed to the client. Secret: it prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A new token from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token as a client presented it, if it has the shape of one. Anything else cannot
    /// be a session and is refused without a database lookup.
    pub fn parse(presented: &str) -> Option<Self> {
        let body = presented.strip_prefix(TOKEN_PREFIX)?;
        let well_formed = body.len() == TOKEN_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(presented.to_owned()))
    }

    /// The token itself, for the one place that sends it to the client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps instead of the token.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(self.0.as_bytes())))
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The hex SHA-256 of a session token: the database key of a session. Not usable to sign
/// in, but still kept out of logs (it would let someone who also reads the database match
/// log lines to sessions), so it prints as `***` too.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// A hash read back from the database.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_parse_back() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert!(a.expose().starts_with("stint_"));
        assert_eq!(a.expose().len(), TOKEN_PREFIX.len() + TOKEN_BODY_LEN);
        assert_eq!(SessionToken::parse(a.expose()), Some(a.clone()));
        assert_eq!(a.hash(), SessionToken::parse(a.expose()).unwrap().hash());
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().as_str().len(), 64);
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        let good = SessionToken::generate();
        let body = &good.expose()[TOKEN_PREFIX.len()..];
        for bad in [
            "",
            "stint_",
            body,
            &format!("stint_{body}x"),
            &format!("other_{body}"),
            &format!("stint_{}!", &body[1..]),
        ] {
            assert_eq!(SessionToken::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let token = SessionToken::generate();
        let shown = format!("{token:?} {token} {:?}", token.hash());
        assert_eq!(shown, "*** *** ***");
    }
}
