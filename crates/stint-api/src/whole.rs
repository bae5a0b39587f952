//! Whole numbers as JSON Schema counts them: `40482.0` is an integer there (its fraction is
//! zero), and the OpenAPI document says `integer`, so the broker accepts it as 40482, as
//! JavaScript and many JSON encoders write it. A fraction, a negative number or one out of
//! range is still refused.

/// A `u32` written as a JSON integer or as a number with no fractional part, for
/// `#[serde(with = "crate::whole::u32")]` (ts-rs reads `with`, and `#[ts(as = "u32")]`
/// keeps the TypeScript type a number). Written back as an integer.
pub mod u32 {
    use serde::Serializer;
    use serde::de::{self, Deserializer, Visitor};

    pub fn serialize<S: Serializer>(value: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(*value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        struct WholeU32;

        impl Visitor<'_> for WholeU32 {
            type Value = u32;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a whole number from 0 to {}", u32::MAX)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
                u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
                u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
                if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                    // In range and whole, so the conversion is exact.
                    Ok(v as u32)
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
        }

        d.deserialize_any(WholeU32)
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[serde(with = "super::u32")]
        n: u32,
    }

    fn parse(json: &str) -> Result<u32, String> {
        serde_json::from_str::<Body>(json)
            .map(|b| b.n)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_are_taken_however_written_and_others_refused() {
        assert_eq!(parse(r#"{"n": 40482}"#), Ok(40482));
        assert_eq!(parse(r#"{"n": 40482.0}"#), Ok(40482));
        assert_eq!(parse(r#"{"n": 4.0482e4}"#), Ok(40482));
        assert!(
            parse(r#"{"n": 1.5}"#)
                .unwrap_err()
                .contains("a whole number")
        );
        assert!(parse(r#"{"n": -1}"#).is_err());
        assert!(parse(r#"{"n": 4294967296}"#).is_err());
        assert!(parse(r#"{"n": "5"}"#).is_err());
    }
}
