//! Unpredictable values: tokens, secrets, codes. These come from the OS-seeded thread RNG,
//! never from the seeded fault RNG, so a test that fixes the fault seed cannot guess them.

use rand::Rng;
use rand::distributions::Alphanumeric;

pub fn alphanumeric(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// From an alphabet of uppercase letters and digits 2-7 (what AWS key ids use).
pub fn upper_base32(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A device user code, `XXXX-XXXX`, from consonants only so it never spells a word and
/// has no 0/O or 1/I to confuse a person typing it.
pub fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::thread_rng();
    let mut pick = |n: usize| -> String {
        (0..n)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect()
    };
    let first = pick(4);
    format!("{first}-{}", pick(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_have_the_aws_shape() {
        let code = user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(code.chars().all(|c| c == '-' || c.is_ascii_uppercase()));
        assert_ne!(alphanumeric(32), alphanumeric(32));
    }
}
