//! Who the client is, by address, for rate limits and logs. The connection's peer, unless
//! the peer is a trusted proxy: then `X-Forwarded-For` is read from the right (each proxy
//! appends the address it saw) and the first address that is not a trusted proxy is the
//! client. Anything left of that was written by the client itself and is not believed.

use std::net::IpAddr;

use http::HeaderMap;

use crate::config::IpRange;

/// The client's address, put in every request's extensions by the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> ClientAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return ClientAddr(peer);
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // Garbage a proxy would not write: the last proxy that wrote sense is the
            // client as far as the broker can tell.
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    ClientAddr(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = [IpRange::parse("10.0.0.0/8").unwrap()];
        let got = resolve(ip("203.0.113.9"), &headers(&["1.2.3.4"]), &trusted);
        assert_eq!(got, ClientAddr(ip("203.0.113.9")));
        let got = resolve(ip("10.0.0.5"), &headers(&["1.2.3.4"]), &[]);
        assert_eq!(got, ClientAddr(ip("10.0.0.5")));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = [
            IpRange::parse("10.0.0.0/8").unwrap(),
            IpRange::parse("192.168.1.1").unwrap(),
        ];
        // The client forged the first entry; the proxies appended the real ones.
        let got = resolve(
            ip("10.0.0.5"),
            &headers(&["6.6.6.6, 198.51.100.7", "192.168.1.1"]),
            &trusted,
        );
        assert_eq!(got, ClientAddr(ip("198.51.100.7")));
        let got = resolve(ip("10.0.0.5"), &HeaderMap::new(), &trusted);
        assert_eq!(got, ClientAddr(ip("10.0.0.5")));
        let got = resolve(ip("10.0.0.5"), &headers(&["nonsense, 10.1.1.1"]), &trusted);
        assert_eq!(got, ClientAddr(ip("10.1.1.1")));
    }
}
