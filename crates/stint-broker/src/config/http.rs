//! The `[http]` and `[sign_in_limits]` tables: how the broker's HTTP edge protects itself
//! (timeouts, caps, TLS, which proxies may name the client's address) and how hard
//! `POST /v1/auth/aws` may be hit.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// How long a client has to send a request's headers, counted from when the connection
    /// is waiting for them (so also how long an idle keep-alive connection is kept).
    #[serde(with = "duration")]
    pub header_read_timeout: Duration,
    /// How long a client has to send a whole request body.
    #[serde(with = "duration")]
    pub body_timeout: Duration,
    /// A connection on which no byte moved either way for this long is closed (a client
    /// that stopped reading its event stream, or stalled mid-request).
    #[serde(with = "duration")]
    pub idle_timeout: Duration,
    /// Connections open at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// The largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// `/v1/events` streams one session may hold open at once; one more gets 429.
    pub max_event_streams_per_session: usize,
    /// PEM certificate chain; with `tls_key_file`, the broker serves HTTPS itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert_file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key_file: Option<PathBuf>,
    /// Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed
    /// for the client address (rate limits, logs). Empty: the peer address is the client.
    pub trusted_proxies: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_body_bytes: 256 * 1024,
            max_event_streams_per_session: 8,
            tls_cert_file: None,
            tls_key_file: None,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignInLimits {
    /// Sign-in attempts one client address may make at once before being throttled.
    pub per_address_burst: u32,
    /// Attempts per minute one client address gets back.
    pub per_address_per_minute: u32,
    /// Attempts one claimed identity (the signing access key) may make at once.
    pub per_identity_burst: u32,
    /// Attempts per minute one claimed identity gets back.
    pub per_identity_per_minute: u32,
    /// Refused sign-ins are audited as one event per client address and reason per
    /// this interval, with their count.
    #[serde(with = "duration")]
    pub refusal_interval: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_address_burst: 60,
            per_address_per_minute: 60,
            per_identity_burst: 10,
            per_identity_per_minute: 30,
            refusal_interval: Duration::from_secs(60),
        }
    }
}

/// A trusted proxy entry: one address or a CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let base: IpAddr = addr.trim().parse().map_err(|_| {
            format!("\"{text}\" is not an IP address or CIDR range such as 10.0.0.0/8")
        })?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("\"{text}\" has a prefix length outside 0 to {max}"))?,
        };
        Ok(IpRange { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) if self.base.is_ipv4() => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            other => other,
        };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                prefix_matches(&base.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                prefix_matches(&base.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_matches(base: &[u8], ip: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    if base[..full] != ip[..full] {
        return false;
    }
    let rest = prefix % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (base[full] & mask) == (ip[full] & mask)
}

impl HttpConfig {
    /// The trusted proxies, parsed (entries were checked at load).
    pub fn trusted_proxy_ranges(&self) -> Vec<IpRange> {
        self.trusted_proxies
            .iter()
            .filter_map(|p| IpRange::parse(p).ok())
            .collect()
    }

    pub(super) fn problems(&self, bad: &mut impl FnMut(&[&'static str], String)) {
        for (key, value, min, max) in [
            ("header_read_timeout", self.header_read_timeout, 1, 300),
            ("body_timeout", self.body_timeout, 1, 600),
            ("idle_timeout", self.idle_timeout, 20, 3600),
        ] {
            super::validate::range(bad, &["http", key], value, min, max);
        }
        for (key, value, min, max) in [
            ("max_connections", self.max_connections, 16, 1_000_000),
            (
                "max_body_bytes",
                self.max_body_bytes,
                64 * 1024,
                64 * 1024 * 1024,
            ),
            (
                "max_event_streams_per_session",
                self.max_event_streams_per_session,
                1,
                1000,
            ),
        ] {
            if value < min || value > max {
                bad(
                    &["http", key],
                    format!("http.{key} is {value}, outside the allowed range {min} to {max}"),
                );
            }
        }
        match (&self.tls_cert_file, &self.tls_key_file) {
            (Some(_), None) => bad(
                &["http", "tls_cert_file"],
                "http.tls_cert_file is set without http.tls_key_file; set both to serve HTTPS, or neither behind a TLS proxy".to_owned(),
            ),
            (None, Some(_)) => bad(
                &["http", "tls_key_file"],
                "http.tls_key_file is set without http.tls_cert_file; set both to serve HTTPS, or neither behind a TLS proxy".to_owned(),
            ),
            _ => {}
        }
        for proxy in &self.trusted_proxies {
            if let Err(e) = IpRange::parse(proxy) {
                bad(&["http", "trusted_proxies"], e);
            }
        }
    }
}

impl SignInLimits {
    pub(super) fn problems(&self, bad: &mut impl FnMut(&[&'static str], String)) {
        for (key, value) in [
            ("per_address_burst", self.per_address_burst),
            ("per_address_per_minute", self.per_address_per_minute),
            ("per_identity_burst", self.per_identity_burst),
            ("per_identity_per_minute", self.per_identity_per_minute),
        ] {
            if value == 0 || value > 100_000 {
                bad(
                    &["sign_in_limits", key],
                    format!(
                        "sign_in_limits.{key} is {value}, outside the allowed range 1 to 100000"
                    ),
                );
            }
        }
        super::validate::range(
            bad,
            &["sign_in_limits", "refusal_interval"],
            self.refusal_interval,
            1,
            3600,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_by_prefix() {
        let r = IpRange::parse("10.1.0.0/16").unwrap();
        assert!(r.contains("10.1.200.3".parse().unwrap()));
        assert!(!r.contains("10.2.0.1".parse().unwrap()));
        assert!(r.contains("::ffff:10.1.0.9".parse().unwrap()));
        let one = IpRange::parse("192.168.1.7").unwrap();
        assert!(one.contains("192.168.1.7".parse().unwrap()));
        assert!(!one.contains("192.168.1.8".parse().unwrap()));
        let odd = IpRange::parse("172.16.0.0/12").unwrap();
        assert!(odd.contains("172.31.255.255".parse().unwrap()));
        assert!(!odd.contains("172.32.0.0".parse().unwrap()));
        let v6 = IpRange::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        assert!(
            IpRange::parse("10.0.0.0/33")
                .unwrap_err()
                .contains("0 to 32")
        );
        assert!(
            IpRange::parse("proxy.local")
                .unwrap_err()
                .contains("not an IP")
        );
    }
}
