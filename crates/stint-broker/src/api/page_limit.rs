//! How many items a page may hold. A `limit` outside the range the OpenAPI document gives
//! is refused with the range, not quietly clamped, so a client learns the bound instead
//! of getting fewer items than it asked for without being told.

use super::error::AppError;

/// Requests (`GET /v1/requests`) and grants (`GET /v1/grants`) per page; the engine's own
/// ceiling is the same.
pub const MAX_REQUESTS: u32 = 500;
/// Audit events per page (`GET /v1/audit/events`).
pub const MAX_AUDIT_EVENTS: u32 = 1000;

/// `asked`, or `default` when it is absent; an error naming the range when it is 0 or
/// above `max`.
pub fn page_limit(asked: Option<u32>, default: u32, max: u32) -> Result<u32, AppError> {
    let limit = asked.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::invalid(format!(
            "limit {limit} is out of range: ask for 1 to {max} items a page"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_taken_within_its_range_and_refused_outside() {
        assert_eq!(page_limit(None, 50, 500).unwrap(), 50);
        assert_eq!(page_limit(Some(1), 50, 500).unwrap(), 1);
        assert_eq!(page_limit(Some(500), 50, 500).unwrap(), 500);
        for bad in [0, 501, u32::MAX] {
            let e = page_limit(Some(bad), 50, 500).unwrap_err();
            assert!(e.to_string().contains("1 to 500"), "{e}");
        }
    }
}
