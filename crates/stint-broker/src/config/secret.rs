//! Settings that hold secrets. `Debug` and `Display` never print the secret, so a config
//! logged at start-up or a panic message cannot leak it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string, such as the webhook signing key.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Serializes redacted: a config written back out never carries the secret.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// The database URL, which may carry a password (`postgres://user:password@host/db`).
/// Printing it shows everything but the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // Only fails for URLs that cannot have a password, which this one has.
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(_) => self.0.clone(),
            // Unparseable: it might still hold a password somewhere, so show only the scheme.
            Err(_) => match self.0.split_once(':') {
                Some((scheme, _)) => format!("{scheme}:***"),
                None => "***".to_owned(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let url = DatabaseUrl(s);
        if url.is_sqlite() || url.is_postgres() {
            Ok(url)
        } else {
            Err(serde::de::Error::custom(format!(
                "database_url must start with sqlite:// or postgres://, not {}",
                url.redacted()
            )))
        }
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn database_passwords_never_print() {
        let url = DatabaseUrl::new("postgres://stint:hunter2@db.internal:5432/stint");
        let shown = format!("{url:?} {url}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("stint:***@db.internal"), "{shown}");
        assert_eq!(
            url.expose(),
            "postgres://stint:hunter2@db.internal:5432/stint"
        );
        let sqlite = DatabaseUrl::new("sqlite://stint.db");
        assert_eq!(sqlite.to_string(), "sqlite://stint.db");
        let odd = DatabaseUrl::new("postgres://user:pa ss@[bad");
        assert!(!odd.to_string().contains("pa ss"), "{odd}");
    }
}
