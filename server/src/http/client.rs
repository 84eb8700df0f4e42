//! Which client a request comes from: the address rate limits and the meter count by,
//! through the proxies the configuration trusts.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::{IpNet, Ipv6Net};

use crate::config::Config;
use crate::error::AppError;

/// Who a request comes from, as the limits count clients: an IPv4 address, or the IPv6
/// network of the configured prefix (a /64 unless configured) that holds the address.
///
/// The address is the socket's, unless the socket is a trusted proxy: then the right-most
/// entry of `X-Forwarded-For` that is not itself a trusted proxy. An entry the server cannot
/// read stops the search there (whatever is left of it was written by the client itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl Client {
    /// The client an address belongs to, counting IPv6 by its first `ipv6_prefix` bits.
    pub fn new(ip: IpAddr, ipv6_prefix: u8) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Client(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let network = Ipv6Net::new(v6, ipv6_prefix.min(128)).expect("the prefix is at most 128");
                Client(IpAddr::V6(network.trunc().addr()))
            }
        }
    }

    /// The client's address (for IPv6, the first address of its network).
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client
where
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| AppError::bug("the server was started without connection info"))?;
        let ip = client_address(socket, &parts.headers, &config.connections.trusted_proxies);
        Ok(Client::new(ip, config.connections.ipv6_prefix))
    }
}

/// The address a request comes from, given the proxies whose word is believed.
pub fn client_address(socket: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let socket = socket.to_canonical();
    let is_trusted = |ip: &IpAddr| is_trusted_proxy(trusted, ip);
    if !is_trusted(&socket) {
        return socket;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    for entry in entries.into_iter().rev() {
        match forwarded_address(entry) {
            Some(ip) if is_trusted(&ip) => continue,
            Some(ip) => return ip,
            None => break,
        }
    }
    socket
}

/// Whether `ip` is one of the proxies whose word is believed.
pub fn is_trusted_proxy(trusted: &[IpNet], ip: &IpAddr) -> bool {
    trusted.iter().any(|network| network.contains(ip))
}

/// One `X-Forwarded-For` entry: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`, possibly quoted.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim_matches('"');
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(chain: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", chain.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_entries_with_ports_and_brackets_are_read() {
        for (entry, ip) in [
            ("203.0.113.7", "203.0.113.7"),
            ("203.0.113.7:4711", "203.0.113.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            ("\"[2001:db8::1]:4711\"", "2001:db8::1"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
        ] {
            assert_eq!(forwarded_address(entry), Some(ip.parse().unwrap()), "{entry}");
        }
        assert_eq!(forwarded_address("unknown"), None);
        assert_eq!(forwarded_address("_hidden"), None);
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_entry_and_an_unreadable_one_ends_the_search() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "2001:db8:ffff::/48".parse().unwrap()];
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let client = |chain: &str| client_address(proxy, &forwarded(chain), &trusted).to_string();
        // The attacker's own entry comes first; the proxy appends the real one, with its port.
        assert_eq!(client("6.6.6.6, 203.0.113.7:51234"), "203.0.113.7");
        assert_eq!(client("6.6.6.6, 203.0.113.7, 10.9.9.9"), "203.0.113.7");
        assert_eq!(client("6.6.6.6, [2001:db8:1::5]:443, 2001:db8:ffff::1"), "2001:db8:1::5");
        // An unreadable entry: nothing to its left is believed; the proxy itself is the client.
        assert_eq!(client("6.6.6.6, garbage"), "10.1.2.3");
        // Not from a trusted proxy: the header is ignored.
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_address(stranger, &forwarded("203.0.113.7"), &trusted), stranger);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_network() {
        let a = Client::new("2001:db8:1:2::1".parse().unwrap(), 64);
        let b = Client::new("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap(), 64);
        let c = Client::new("2001:db8:1:3::1".parse().unwrap(), 64);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.ip().to_string(), "2001:db8:1:2::");
        assert_eq!(
            Client::new("2001:db8:1:3::1".parse().unwrap(), 48),
            Client::new("2001:db8:1:2::1".parse().unwrap(), 48)
        );
        assert_eq!(Client::new("::ffff:192.0.2.1".parse().unwrap(), 64).ip().to_string(), "192.0.2.1");
    }
}
