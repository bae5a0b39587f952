//! The signature a receiver checks: `X-Stint-Signature: sha256=<hex>`, the HMAC-SHA256 of
//! the exact body bytes under the broker's `webhook_secret`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-stint-signature";
/// The header carrying the event's audit sequence number, for deduplication.
pub const SEQ_HEADER: &str = "x-stint-event-seq";
/// The header carrying the event's kind, for routing without parsing the body.
pub const KIND_HEADER: &str = "x-stint-event";

const PREFIX: &str = "sha256=";

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length (long ones are hashed first), so this cannot fail; an
    // empty key is refused by the config long before it gets here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => <Hmac<Sha256> as Mac>::new(&Default::default()),
    };
    mac.update(body);
    mac
}

/// `sha256=<lowercase hex>` of the body under the secret.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!(
        "{PREFIX}{}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is the signature of `body` under `secret`, compared in constant time.
/// What a receiver does before trusting a delivery.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig) else {
        return false;
    };
    mac(secret, body).verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_hmac_sha256_vector() {
        // RFC 4231, test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &sig));
    }

    #[test]
    fn a_changed_body_secret_or_header_fails() {
        let sig = sign(b"a-long-webhook-secret", b"{\"seq\":1}");
        assert!(verify(b"a-long-webhook-secret", b"{\"seq\":1}", &sig));
        assert!(!verify(b"a-long-webhook-secret", b"{\"seq\":2}", &sig));
        assert!(!verify(b"another-webhook-secret", b"{\"seq\":1}", &sig));
        assert!(!verify(
            b"a-long-webhook-secret",
            b"{\"seq\":1}",
            sig.trim_start_matches("sha256=")
        ));
        assert!(!verify(
            b"a-long-webhook-secret",
            b"{\"seq\":1}",
            "sha256=zz"
        ));
    }
}
