//! An empty string where the API takes an optional value means "not given", as a form
//! left empty sends it: `"startAt": ""` is the same as leaving `startAt` out (now).

/// An RFC 3339 time, or none when absent, null or blank, for
/// `#[serde(default, with = "crate::blank::optional_time")]` (with `#[ts(as = ...)]` of
/// the field's own type, so ts-rs sees it unchanged). Written back as chrono writes it.
pub mod optional_time {
    use chrono::{DateTime, Utc};
    use serde::de::{Deserialize, Deserializer, Error};
    use serde::{Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => text.parse::<DateTime<Utc>>().map(Some).map_err(|e| {
            D::Error::custom(format!(
                "{text:?} is not a time ({e}): write it as RFC 3339, for example 2026-01-31T09:00:00Z, or leave it out for now"
            ))
        }),
    }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[serde(default, with = "super::optional_time")]
        at: Option<DateTime<Utc>>,
    }

    fn parse(json: &str) -> Result<Option<DateTime<Utc>>, String> {
        serde_json::from_str::<Body>(json)
            .map(|b| b.at)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn blank_absent_and_null_are_none_and_a_time_is_read() {
        assert_eq!(parse("{}"), Ok(None));
        assert_eq!(parse(r#"{"at": null}"#), Ok(None));
        assert_eq!(parse(r#"{"at": ""}"#), Ok(None));
        assert_eq!(parse(r#"{"at": "  "}"#), Ok(None));
        assert_eq!(
            parse(r#"{"at": "2026-01-31T09:00:00Z"}"#),
            Ok(Some("2026-01-31T09:00:00Z".parse().unwrap()))
        );
        let refused = parse(r#"{"at": "tomorrow"}"#).unwrap_err();
        assert!(refused.contains("RFC 3339"), "{refused}");
        assert!(parse(r#"{"at": 5}"#).is_err());
    }
}
