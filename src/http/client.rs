//! The client's address, for logs and rate limits alike: the socket peer, unless the peer is
//! a trusted proxy (`BYLINE_TRUSTED_PROXIES`); then the right-most `X-Forwarded-For` entry
//! that is not itself a trusted proxy. A client cannot choose its address by sending the
//! header, because the header is read only when a trusted proxy delivered the request.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;

use crate::config::Cidr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client address of a request (see the module documentation).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical());
    let Some(proxies) = req.app_data::<TrustedProxies>() else {
        return peer;
    };
    let forwarded = req
        .headers()
        .get_all(X_FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok());
    resolve(peer, forwarded, proxies)
}

/// Walks the hops from the nearest back: the first one that is not a trusted proxy is the
/// client. An entry that is not an address ends the walk at the last trusted hop.
fn resolve<'a>(
    peer: Option<IpAddr>,
    forwarded: impl Iterator<Item = &'a str>,
    proxies: &TrustedProxies,
) -> Option<IpAddr> {
    let mut client = peer?;
    if !proxies.trusts(&client) {
        return Some(client);
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !proxies.trusts(&client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|c| Cidr::parse(c).unwrap()).collect())
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        let none = proxies(&[]);
        let lan = proxies(&["10.0.0.0/8", "::1/128"]);
        let spoof = ["1.2.3.4"];
        assert_eq!(
            resolve(ip("203.0.113.9"), spoof.into_iter(), &none),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(ip("203.0.113.9"), spoof.into_iter(), &lan),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(ip("10.1.1.1"), spoof.into_iter(), &lan),
            ip("1.2.3.4")
        );
        // The right-most untrusted hop wins; what the client wrote to the left is ignored.
        let chain = ["6.6.6.6, 198.51.100.7", "10.0.0.2"];
        assert_eq!(
            resolve(ip("10.1.1.1"), chain.into_iter(), &lan),
            ip("198.51.100.7")
        );
        assert_eq!(
            resolve(ip("10.1.1.1"), ["junk"].into_iter(), &lan),
            ip("10.1.1.1")
        );
        assert_eq!(
            resolve(ip("10.1.1.1"), [].into_iter(), &lan),
            ip("10.1.1.1")
        );
        assert_eq!(
            resolve(ip("::1"), ["2001:db8::1"].into_iter(), &lan),
            ip("2001:db8::1")
        );
    }
}
