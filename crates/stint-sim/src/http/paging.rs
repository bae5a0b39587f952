//! Pagination the AWS way: a page of at most `max` items and an opaque `NextToken` that
//! only the same listing accepts back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Returns one page and the token for the next, or `None` for a token this listing did
/// not issue.
pub(crate) fn page<T>(
    items: Vec<T>,
    token: Option<&str>,
    max: usize,
    listing: &str,
) -> Option<(Vec<T>, Option<String>)> {
    let start = match token {
        None | Some("") => 0,
        Some(token) => decode(token, listing)?,
    };
    if start > items.len() {
        return None;
    }
    let max = max.max(1);
    let end = start.saturating_add(max).min(items.len());
    let next = (end < items.len()).then(|| encode(end, listing));
    Some((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

fn encode(offset: usize, listing: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("stint-sim:{listing}:{offset}"))
}

fn decode(token: &str, listing: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix("stint-sim:")?;
    let (from, offset) = rest.rsplit_once(':')?;
    (from == listing).then_some(())?;
    offset.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_through_and_refuses_foreign_tokens() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = page(items.clone(), None, 2, "a").unwrap();
        assert_eq!(first, vec![0, 1]);
        let (second, next) = page(items.clone(), next.as_deref(), 2, "a").unwrap();
        assert_eq!(second, vec![2, 3]);
        let (third, next2) = page(items.clone(), next.as_deref(), 2, "a").unwrap();
        assert_eq!(third, vec![4]);
        assert!(next2.is_none());
        assert!(page(items.clone(), next.as_deref(), 2, "b").is_none());
        assert!(page(items, Some("garbage"), 2, "a").is_none());
    }
}
