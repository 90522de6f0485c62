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
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) and IPv4-compatible (::a.b.c.d) addresses carry an IPv4 one.
    if (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]) || s[..6] == [0; 6] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return !ip.is_unspecified() && !ip.is_loopback() && is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        // Documentation, 2001:db8::/32.
        || (s[0] == 0x2001 && s[1] == 0xdb8))
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
