//! Values larger than one keyring entry can hold, split across several entries.
//!
//! Windows' Credential Manager keeps at most 2,560 bytes per credential
//! (`CRED_MAX_CREDENTIAL_BLOB_SIZE`), and an Identity Center client registration (its
//! client secret is a long JWT) or an SSO token with its refresh token can be more. A value
//! that fits is stored as it is, so small entries stay readable by any tool. A larger one
//! goes into parts `<key>#part1`, `<key>#part2`..., written first, and the entry under
//! `<key>` itself, written last, is a header naming the number of parts and the SHA-256 of
//! the whole. A reader that finds a part missing or the digest wrong (a write torn by a
//! crash, or two writers at once) reads the value as absent: everything Stint keeps can be
//! fetched again, so absent is safe and a half-old, half-new value is not.

use sha2::{Digest, Sha256};

use super::SecretStore;
use crate::error::Result;
use crate::secret::Secret;

/// Starts every header. A value that fits but happens to start with it is chunked too
/// (into one part), so a header and a value can never be confused.
const HEADER: &str = "stint-chunks/1 ";

/// A [`SecretStore`] whose entries hold at most `max_bytes` bytes, made to take any value.
#[derive(Debug, Clone)]
pub struct Chunked<S> {
    inner: S,
    max_bytes: usize,
}

impl<S: SecretStore> Chunked<S> {
    /// `max_bytes` must leave room for a header (about 100 bytes).
    pub fn new(inner: S, max_bytes: usize) -> Self {
        assert!(max_bytes >= 128, "a chunk must be able to hold the header");
        Self { inner, max_bytes }
    }

    fn part_key(key: &str, n: usize) -> String {
        format!("{key}#part{n}")
    }

    /// The number of parts the current entry under `key` has (0 when it is not chunked or
    /// does not exist).
    fn parts_now(&self, key: &str) -> Result<usize> {
        Ok(match self.inner.get(key)? {
            Some(head) => parse_header(head.expose()).map_or(0, |(n, _)| n),
            None => 0,
        })
    }

    fn delete_parts(&self, key: &str, from: usize, to: usize) -> Result<()> {
        for n in from..=to {
            self.inner.delete(&Self::part_key(key, n))?;
        }
        Ok(())
    }
}

impl<S: SecretStore> SecretStore for Chunked<S> {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        let Some(head) = self.inner.get(key)? else {
            return Ok(None);
        };
        let Some((count, digest)) = parse_header(head.expose()) else {
            if head.expose().starts_with(HEADER) {
                tracing::warn!(key, "ignoring a keyring entry with a damaged header");
                return Ok(None);
            }
            return Ok(Some(head));
        };
        let mut whole = String::new();
        for n in 1..=count {
            match self.inner.get(&Self::part_key(key, n))? {
                Some(part) => whole.push_str(part.expose()),
                None => {
                    tracing::warn!(key, part = n, "a part of a keyring entry is missing");
                    return Ok(None);
                }
            }
        }
        if sha256_hex(&whole) != digest {
            tracing::warn!(key, "the parts of a keyring entry do not add up");
            return Ok(None);
        }
        Ok(Some(Secret::new(whole)))
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        let before = self.parts_now(key)?;
        let value = value.expose();
        if value.len() <= self.max_bytes && !value.starts_with(HEADER) {
            self.inner.set(key, &Secret::new(value))?;
            return self.delete_parts(key, 1, before);
        }
        let parts = split(value, self.max_bytes);
        for (i, part) in parts.iter().enumerate() {
            self.inner
                .set(&Self::part_key(key, i + 1), &Secret::new(*part))?;
        }
        let header = format!("{HEADER}parts={} sha256={}", parts.len(), sha256_hex(value));
        self.inner.set(key, &Secret::new(header))?;
        self.delete_parts(key, parts.len() + 1, before)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let before = self.parts_now(key)?;
        // The header goes first: from then on a reader sees nothing, never a partial value.
        self.inner.delete(key)?;
        self.delete_parts(key, 1, before)
    }
}

/// `(parts, sha256 hex)` from a header, or `None` for anything else.
fn parse_header(head: &str) -> Option<(usize, &str)> {
    let rest = head.strip_prefix(HEADER)?;
    let (parts, digest) = rest.split_once(' ')?;
    let parts: usize = parts.strip_prefix("parts=")?.parse().ok()?;
    let digest = digest.strip_prefix("sha256=")?;
    (parts >= 1 && digest.len() == 64).then_some((parts, digest))
}

/// `value` in pieces of at most `max_bytes` bytes, cut between characters.
fn split(value: &str, max_bytes: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut cut = rest.len().min(max_bytes);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (part, tail) = rest.split_at(cut);
        parts.push(part);
        rest = tail;
    }
    if parts.is_empty() {
        parts.push("");
    }
    parts
}

fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::store::MemoryStore;

    /// A memory store that refuses values over a size, as Credential Manager does.
    #[derive(Clone, Default)]
    struct Limited {
        memory: MemoryStore,
    }

    const LIMIT: usize = 200;

    impl SecretStore for Limited {
        fn get(&self, key: &str) -> Result<Option<Secret>> {
            self.memory.get(key)
        }
        fn set(&self, key: &str, value: &Secret) -> Result<()> {
            if value.expose().len() > LIMIT {
                return Err(Error::Keyring {
                    message: format!("{key}: too long"),
                });
            }
            self.memory.set(key, value)
        }
        fn delete(&self, key: &str) -> Result<()> {
            self.memory.delete(key)
        }
    }

    fn store() -> (Chunked<Limited>, MemoryStore) {
        let limited = Limited::default();
        let memory = limited.memory.clone();
        (Chunked::new(limited, LIMIT), memory)
    }

    fn big(len: usize) -> String {
        // Multi-byte characters so some cuts fall inside one.
        "é0123456789abcdefghijklmnopqrstuvwxyz"
            .chars()
            .cycle()
            .scan(0, |bytes, c| {
                *bytes += c.len_utf8();
                (*bytes <= len).then_some(c)
            })
            .collect()
    }

    #[test]
    fn a_value_that_fits_is_stored_as_it_is() {
        let (store, memory) = store();
        store.set("k", &Secret::new("small")).unwrap();
        assert_eq!(memory.keys(), vec!["k"]);
        assert_eq!(memory.get("k").unwrap().unwrap().expose(), "small");
        assert_eq!(store.get("k").unwrap().unwrap().expose(), "small");
    }

    #[test]
    fn a_large_value_round_trips_through_parts_within_the_limit() {
        let (store, memory) = store();
        let value = big(1000);
        store.set("k", &Secret::new(value.clone())).unwrap();
        let keys = memory.keys();
        assert!(keys.len() >= 6, "{keys:?}");
        for key in &keys {
            assert!(memory.get(key).unwrap().unwrap().expose().len() <= LIMIT);
        }
        assert_eq!(store.get("k").unwrap().unwrap().expose(), value);
    }

    #[test]
    fn shrinking_or_deleting_removes_every_part() {
        let (store, memory) = store();
        store.set("k", &Secret::new(big(1000))).unwrap();
        store.set("k", &Secret::new(big(300))).unwrap();
        assert_eq!(memory.keys(), vec!["k", "k#part1", "k#part2"]);
        assert_eq!(store.get("k").unwrap().unwrap().expose(), big(300));
        store.set("k", &Secret::new("tiny")).unwrap();
        assert_eq!(memory.keys(), vec!["k"]);
        store.set("k", &Secret::new(big(500))).unwrap();
        store.delete("k").unwrap();
        assert!(memory.keys().is_empty(), "{:?}", memory.keys());
        store.delete("k").unwrap();
    }

    #[test]
    fn a_missing_or_changed_part_reads_as_absent() {
        let (store, memory) = store();
        store.set("k", &Secret::new(big(600))).unwrap();
        memory.delete("k#part2").unwrap();
        assert_eq!(store.get("k").unwrap(), None);

        store.set("k", &Secret::new(big(600))).unwrap();
        memory.set("k#part1", &Secret::new("x")).unwrap();
        assert_eq!(store.get("k").unwrap(), None);
    }

    #[test]
    fn a_value_that_looks_like_a_header_is_not_taken_for_one() {
        let (store, _) = store();
        let tricky = format!("{HEADER}parts=1 sha256={}", "0".repeat(64));
        store.set("k", &Secret::new(tricky.clone())).unwrap();
        assert_eq!(store.get("k").unwrap().unwrap().expose(), tricky);
    }

    #[test]
    fn split_cuts_between_characters() {
        let value = big(1000);
        let parts = split(&value, 7);
        assert!(parts.iter().all(|p| p.len() <= 7 && !p.is_empty()));
        assert_eq!(parts.concat(), value);
    }
}
