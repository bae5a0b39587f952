//! Reading JSON request bodies with AWS's validation errors: a missing or mistyped field
//! is refused with the service's own validation exception, naming the field.

use serde_json::Value;

use super::error::AwsError;

pub(crate) struct Input<'a> {
    value: &'a Value,
    /// `ValidationException` for most services, `InvalidInputException` for Organizations.
    invalid: &'static str,
}

impl<'a> Input<'a> {
    pub fn new(value: &'a Value, invalid: &'static str) -> Self {
        Self { value, invalid }
    }

    pub fn error(&self, message: impl Into<String>) -> AwsError {
        AwsError::bad_request(self.invalid, message)
    }

    pub fn opt_str(&self, field: &str) -> Result<Option<&'a str>, AwsError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.error(format!("{field} must be a string"))),
        }
    }

    pub fn str(&self, field: &str) -> Result<&'a str, AwsError> {
        match self.opt_str(field)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(self.error(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(field)
            ))),
        }
    }

    pub fn opt_u64(&self, field: &str) -> Result<Option<u64>, AwsError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(format!("{field} must be a positive whole number"))),
        }
    }

    /// A nested structure, read with the same rules.
    pub fn opt_obj(&self, field: &str) -> Result<Option<Input<'a>>, AwsError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Input::new(v, self.invalid))),
            Some(_) => Err(self.error(format!("{field} must be a structure"))),
        }
    }

    pub fn obj(&self, field: &str) -> Result<Input<'a>, AwsError> {
        self.opt_obj(field)?
            .ok_or_else(|| self.error(format!("{field} is required")))
    }

    pub fn opt_array(&self, field: &str) -> Result<&'a [Value], AwsError> {
        match self.value.get(field) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(self.error(format!("{field} must be a list"))),
        }
    }

    pub fn raw(&self, field: &str) -> Option<&'a Value> {
        self.value.get(field)
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
