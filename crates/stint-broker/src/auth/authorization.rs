//! Reading a SigV4 `Authorization` header: which headers it signs, for which service, and
//! the signature (used only to recognise a replay). The broker does not verify the
//! signature; STS does, when the broker forwards the request.

use std::fmt;

use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigV4Authorization {
    /// `<access key id>/<date>/<region>/<service>/aws4_request`.
    pub scope_region: String,
    pub scope_service: String,
    /// Lower-case header names, as signed.
    pub signed_headers: Vec<String>,
    signature: String,
}

impl SigV4Authorization {
    /// Parses the header's value. The error says what is wrong, never what the value was.
    pub fn parse(value: &str) -> Result<Self, String> {
        let rest = value
            .strip_prefix(ALGORITHM)
            .filter(|r| r.starts_with(' '))
            .ok_or_else(|| {
                format!("the Authorization header is not a SigV4 signature (it must start with {ALGORITHM})")
            })?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (key, val) = part.trim().split_once('=').ok_or_else(|| {
                "the Authorization header has a part that is not key=value".to_owned()
            })?;
            let slot = match key {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                other => {
                    return Err(format!(
                        "the Authorization header has an unknown part \"{}\"",
                        short(other)
                    ));
                }
            };
            if slot.replace(val).is_some() {
                return Err(format!("the Authorization header names {key} twice"));
            }
        }
        let credential =
            credential.ok_or("the Authorization header has no Credential".to_owned())?;
        let signed_headers =
            signed_headers.ok_or("the Authorization header has no SignedHeaders".to_owned())?;
        let signature = signature.ok_or("the Authorization header has no Signature".to_owned())?;

        let scope: Vec<&str> = credential.split('/').collect();
        let [key_id, date, region, service, terminator] = scope.as_slice() else {
            return Err(
                "the Authorization header's Credential is not <key>/<date>/<region>/<service>/aws4_request"
                    .to_owned(),
            );
        };
        if key_id.is_empty()
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
            || region.is_empty()
            || *terminator != "aws4_request"
        {
            return Err(
                "the Authorization header's Credential is not <key>/<date>/<region>/<service>/aws4_request"
                    .to_owned(),
            );
        }
        let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
        if signed_headers.iter().any(|h| {
            h.is_empty()
                || h.bytes()
                    .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
        }) {
            return Err(
                "the Authorization header's SignedHeaders must be lower-case names separated by ';'"
                    .to_owned(),
            );
        }
        if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the Authorization header's Signature is not 64 hex digits".to_owned());
        }
        Ok(Self {
            scope_region: (*region).to_owned(),
            scope_service: (*service).to_owned(),
            signed_headers,
            signature: signature.to_ascii_lowercase(),
        })
    }

    pub fn signs(&self, header: &str) -> bool {
        self.signed_headers.iter().any(|h| h == header)
    }

    /// What the replay guard remembers: the SHA-256 of the signature, so the store never
    /// holds anything a log reader could match against a captured request.
    pub fn replay_key(&self) -> String {
        hex::encode(Sha256::digest(self.signature.as_bytes()))
    }
}

impl fmt::Debug for SigV4Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Authorization")
            .field("scope_region", &self.scope_region)
            .field("scope_service", &self.scope_service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"***")
            .finish()
    }
}

/// At most 40 characters of a value a caller sent, for a message.
pub(crate) fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";

    fn header(signed: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260302/us-east-1/sts/aws4_request, SignedHeaders={signed}, Signature={SIG}"
        )
    }

    #[test]
    fn parses_what_the_sdk_writes() {
        let a = SigV4Authorization::parse(&header(
            "content-type;host;x-amz-date;x-amz-security-token;x-stint-broker",
        ))
        .unwrap();
        assert_eq!(a.scope_region, "us-east-1");
        assert_eq!(a.scope_service, "sts");
        assert!(a.signs("host") && a.signs("x-stint-broker") && !a.signs("accept"));
        assert_eq!(a.replay_key().len(), 64);
        assert_ne!(a.replay_key(), SIG);
        assert!(!format!("{a:?}").contains(SIG));
    }

    #[test]
    fn refuses_what_is_not_sigv4() {
        for (value, says) in [
            ("Bearer abc", "not a SigV4 signature"),
            (
                "AWS4-HMAC-SHA256 Credential=a/20260302/us-east-1/sts/aws4_request, Signature=00",
                "no SignedHeaders",
            ),
            (&header("host;X-Amz-Date"), "lower-case"),
            (
                &header("host").replace(SIG, "zz"),
                "Signature is not 64 hex digits",
            ),
            (
                &header("host").replace("/aws4_request", ""),
                "Credential is not",
            ),
            (
                &format!("{}, SignedHeaders=host", header("host")),
                "SignedHeaders twice",
            ),
        ] {
            let err = SigV4Authorization::parse(value).unwrap_err();
            assert!(err.contains(says), "{value}: {err}");
            assert!(!err.contains(SIG), "{err}");
        }
    }

    #[test]
    fn short_trims_and_neutralises() {
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"x".repeat(50)).chars().count(), 41);
        assert_eq!(short("a\nb"), "a?b");
    }
}
