//! Where deliveries may go. A webhook URL is `http://` or `https://`, and every address its
//! host resolves to must be a public one: loopback, private, link-local, shared, multicast,
//! documentation and unspecified ranges are refused, at creation and again at every
//! delivery (DNS answers change), unless the operator allows private addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::domain::{Code, Error, FieldError};

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // The deprecated 6to4 relay anycast, 192.88.99.0/24.
        || (a == 192 && b == 88 && c == 99)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19)))
}

/// An allow-list, after the IANA IPv6 special-purpose address registry: global unicast
/// (2000::/3) less what in it is not globally reachable or carries another address, and
/// the IPv4-mapped and well-known NAT64 forms of a public IPv4 address. Everything else
/// (the IPv4-translated `::ffff:0:0:0/96`, local-use NAT64 `64:ff9b:1::/48`, discard-only
/// `100::/64`, ULA, link-local, multicast…) is refused.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    // IPv4-mapped ::ffff:a.b.c.d reaches the IPv4 address itself.
    if s[..6] == [0, 0, 0, 0, 0, 0xffff] {
        return is_public_v4(embedded());
    }
    // Well-known NAT64 prefix 64:ff9b::/96: the translator reaches the IPv4 address.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded());
    }
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    global_unicast
        // IETF protocol assignments 2001::/23: Teredo 2001::/32, benchmarking
        // 2001:2::/48, ORCHID and the rest.
        && !(s[0] == 0x2001 && s[1] < 0x0200)
        // Documentation 2001:db8::/32 and 3fff::/20.
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
        && !(s[0] == 0x3fff && s[1] < 0x1000)
        // 6to4 2002::/16 carries an IPv4 address of any kind.
        && s[0] != 0x2002
}

/// Resolves host names for outgoing requests (webhook deliveries, media downloads) and
/// refuses the answer when an address is not public (unless allowed), so a name that
/// changes its answer after a check still cannot reach a private address.
pub struct GuardedResolver {
    /// Whether private addresses are allowed (`BYLINE_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name.as_str(), 0)))
                    .await
                    .map_err(|_| "the host name did not resolve in time")??
                    .collect();
            if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    "the host resolves to an address that is not public".into();
                return Err(refused);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A redirect policy for outgoing requests: at most `most` hops, `http` and `https` only,
/// and no hop to an address given as a literal that is not public (names are checked by
/// [`GuardedResolver`]).
pub fn redirects(most: usize, allow_private: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let url = attempt.url();
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if attempt.previous().len() >= most {
            attempt.error("too many redirects")
        } else if !matches!(url.scheme(), "http" | "https") {
            attempt.error("redirected to a URL that is not http or https")
        } else if !allow_private && literal.is_some_and(|ip| !is_public(ip)) {
            attempt.error("redirected to an address that is not public")
        } else {
            attempt.follow()
        }
    })
}

/// How long a host name may take to resolve.
pub const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A checked webhook URL.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL.
    pub url: url::Url,
}

fn invalid(code: Code, message: String) -> Error {
    Error::validation(vec![FieldError::new("url", code, message)])
}

/// Checks a URL's form: `http` or `https`, a host, no credentials, at most 2,000 characters.
pub fn parse(raw: &str) -> Result<Target, Error> {
    if raw.len() > 2000 {
        return Err(invalid(
            Code::TooLong,
            "url must be at most 2000 characters".into(),
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| {
        invalid(
            Code::InvalidFormat,
            format!("url is not an absolute URL: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            Code::InvalidFormat,
            "url must start with https:// or http://".into(),
        ));
    }
    if url.host().is_none() {
        return Err(invalid(Code::InvalidFormat, "url must name a host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            Code::InvalidFormat,
            "url must not carry a user name or password".into(),
        ));
    }
    Ok(Target { url })
}

/// Resolves the URL's host and refuses it unless every address is public (or private ones
/// are allowed). The addresses are returned for the connection to use.
pub async fn resolve(target: &Target, allow_private: bool) -> Result<Vec<SocketAddr>, Error> {
    let port = target.url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match target.url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(url::Host::Domain(name)) => {
            let unresolvable = || {
                invalid(
                    Code::Unresolvable,
                    format!("the host `{name}` does not resolve"),
                )
            };
            // A name server that does not answer must not hold the request for long.
            tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| unresolvable())?
                .map_err(|_| unresolvable())?
                .collect()
        }
        None => Vec::new(),
    };
    if addrs.is_empty() {
        return Err(invalid(
            Code::Unresolvable,
            "the host has no addresses".into(),
        ));
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(invalid(
            Code::AddressNotAllowed,
            format!(
                "the host resolves to {}, which is not a public address; webhooks may reach \
                 private networks only when BYLINE_WEBHOOK_ALLOW_PRIVATE=true",
                bad.ip()
            ),
        ));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_ranges_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "192.0.0.8",
            "198.18.0.1",
            "192.88.99.1",
            // IPv6 forms that embed an IPv4 address or are not globally reachable.
            "::ffff:0:7f00:1",
            "::ffff:0:a9fe:a9fe",
            "64:ff9b:1::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:a9fe:a9fe::",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "100::1",
            "2001:2::1",
            "2001:10::1",
            "3fff::1",
            "::127.0.0.1",
            "::8.8.8.8",
            "ff02::1",
            "fec0::1",
            "4000::1",
        ] {
            assert!(
                !is_public(ip.parse().expect("address")),
                "{ip} should be refused"
            );
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2a00:1450:4001:81a::200e",
            "2620:fe::fe",
        ] {
            assert!(
                is_public(ip.parse().expect("address")),
                "{ip} should be allowed"
            );
        }
    }

    #[test]
    fn only_plain_http_urls_are_taken() {
        assert!(parse("https://example.com/hook").is_ok());
        assert!(parse("ftp://example.com/").is_err());
        assert!(parse("https://user:pw@example.com/").is_err());
        assert!(parse("not a url").is_err());
    }
}
