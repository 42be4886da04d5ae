//! What a per-network limit counts by: a client's network, an IPv4 address or an IPv6 /64.
//! The SMS cap, the anonymous cap and the password throttle all count by it, so every address
//! of a /64 is one client and cannot bring a fresh allowance of its own.

/// The network a client counts for: its IPv4 address, or its IPv6 /64 (one subscriber's
/// prefix, in which every address is the same client).
pub fn network_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}
