//! The STS endpoints the broker may forward signed identity requests to. Anything else is
//! refused before a connection is made, so `/v1/auth/aws` cannot be used to reach other
//! hosts (SSRF).

use std::fmt;

use url::Url;

/// One allowed endpoint: scheme, host and port, matched exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsEndpoint {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl StsEndpoint {
    /// `sts.eu-west-1.amazonaws.com` means `https://sts.eu-west-1.amazonaws.com:443`;
    /// a local endpoint (the simulator) is written with its scheme, `http://127.0.0.1:8701`.
    pub fn parse(entry: &str) -> Result<Self, String> {
        let with_scheme = if entry.contains("://") {
            entry.to_owned()
        } else {
            format!("https://{entry}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| format!("\"{entry}\" is not a host or URL: {e}"))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "\"{entry}\" must use https (or http for a local simulator)"
            ));
        }
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(format!(
                "\"{entry}\" must be a bare host (and port), without a path"
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("\"{entry}\" has no host"))?
            .to_ascii_lowercase();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| format!("\"{entry}\" has no port"))?;
        Ok(Self {
            scheme: url.scheme().to_owned(),
            host,
            port,
        })
    }

    pub fn allows(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && url.port_or_known_default() == Some(self.port)
    }
}

impl fmt::Display for StsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// The DNS suffix of a region's partition.
fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("us-isob-") {
        "sc2s.sgov.gov"
    } else if region.starts_with("us-iso-") {
        "c2s.ic.gov"
    } else {
        "amazonaws.com"
    }
}

/// The real STS endpoints for a region: its regional endpoint, and in the commercial
/// partition the global one (`sts.amazonaws.com`, which older SDKs still sign for).
pub fn default_sts_hosts(region: &str) -> Vec<String> {
    let suffix = dns_suffix(region);
    let mut hosts = vec![format!("sts.{region}.{suffix}")];
    if suffix == "amazonaws.com" && !region.starts_with("us-gov-") {
        hosts.push("sts.amazonaws.com".to_owned());
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_host_means_https_on_443_only() {
        let e = StsEndpoint::parse("sts.us-east-1.amazonaws.com").unwrap();
        assert!(e.allows(&Url::parse("https://sts.us-east-1.amazonaws.com/").unwrap()));
        assert!(
            e.allows(&Url::parse("https://STS.us-east-1.amazonaws.com:443/?Action=x").unwrap())
        );
        assert!(!e.allows(&Url::parse("http://sts.us-east-1.amazonaws.com/").unwrap()));
        assert!(!e.allows(&Url::parse("https://sts.us-east-1.amazonaws.com:8443/").unwrap()));
        assert!(!e.allows(&Url::parse("https://sts.us-east-1.amazonaws.com.evil.com/").unwrap()));
        assert!(!e.allows(&Url::parse("https://169.254.169.254/").unwrap()));
    }

    #[test]
    fn a_local_simulator_is_named_with_scheme_and_port() {
        let e = StsEndpoint::parse("http://127.0.0.1:8701").unwrap();
        assert!(e.allows(&Url::parse("http://127.0.0.1:8701/").unwrap()));
        assert!(!e.allows(&Url::parse("http://127.0.0.1:8702/").unwrap()));
        assert!(StsEndpoint::parse("https://sts.amazonaws.com/path").is_err());
        assert!(StsEndpoint::parse("ftp://sts.amazonaws.com").is_err());
    }

    #[test]
    fn defaults_follow_the_partition() {
        assert_eq!(
            default_sts_hosts("eu-west-1"),
            ["sts.eu-west-1.amazonaws.com", "sts.amazonaws.com"]
        );
        assert_eq!(
            default_sts_hosts("cn-north-1"),
            ["sts.cn-north-1.amazonaws.com.cn"]
        );
        assert_eq!(
            default_sts_hosts("us-gov-west-1"),
            ["sts.us-gov-west-1.amazonaws.com"]
        );
    }
}
