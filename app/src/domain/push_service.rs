//! Which push services Riegel sends Web Push messages to (SPEC 15.1).
//!
//! Rules:
//! - A subscription's endpoint is a URL of a push service the browser chose. Riegel posts to
//!   it, so an endpoint is an address an attacker could pick: Riegel must never be made to send
//!   requests into its own network. An endpoint is taken only if its origin is on the allowed
//!   list (a setting; by default the browsers' push services over HTTPS), and never if its
//!   host is Riegel's own.
//! - An entry is an origin, `https://fcm.googleapis.com`, or one with a wildcard for one or
//!   more labels in front, `https://*.notify.windows.com`. Scheme, host and port must match.
//! - An endpoint carries no user name or password, and is at most 1,000 characters.

/// The browsers' push services: Chrome and Edge (FCM), Firefox (Mozilla's autopush), Safari
/// (Apple's) and Windows' (WNS).
pub const DEFAULT_SERVICES: &str = "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,https://web.push.apple.com,https://*.push.apple.com,https://*.notify.windows.com";

/// The longest endpoint taken.
pub const ENDPOINT_MAX_CHARS: usize = 1_000;

/// One allowed push service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedService {
    scheme: String,
    /// The host, lower case; with `wildcard`, the suffix after `*.`.
    host: String,
    wildcard: bool,
    port: u16,
}

/// Why an endpoint is not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an `http(s)://host[:port]/…` URL, or too long, or with a user name.
    Malformed,
    /// Not a push service on the allowed list.
    NotAllowed,
    /// Riegel's own host.
    Own,
}

/// An origin's parts: scheme, host (lower case), port.
fn origin_of(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains(['@', '\\', ' ']) {
        return None;
    }
    // An IPv6 literal is bracketed; its colons are not the port's.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']')?;
            (inside, after)
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (authority, ""),
        },
    };
    let port = match port.strip_prefix(':').unwrap_or(port) {
        "" => default_port,
        p => p.parse::<u16>().ok().filter(|p| *p > 0)?,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c));
    valid.then_some((scheme, host, port))
}

/// The host of a URL (lower case), as the checks compare it: Riegel's own origin's.
pub fn host_of(url: &str) -> Option<String> {
    origin_of(url).map(|(_, host, _)| host)
}

/// The allowed list from its setting: origins separated by commas.
pub fn parse_list(setting: &str) -> Result<Vec<AllowedService>, String> {
    setting
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (scheme, host, port) = origin_of(&entry.replace("://*.", "://wildcard.")).ok_or_else(|| {
                format!("not a push service's origin: {entry:?} (https://host[:port] or https://*.domain)")
            })?;
            let wildcard = entry.contains("://*.");
            let host = if wildcard { host.trim_start_matches("wildcard.").to_owned() } else { host };
            Ok(AllowedService { scheme, host, wildcard, port })
        })
        .collect()
}

/// Whether Riegel may send to `endpoint`, given the allowed services and its own host.
pub fn check(endpoint: &str, allowed: &[AllowedService], own_host: &str) -> Result<(), Refusal> {
    if endpoint.len() > ENDPOINT_MAX_CHARS || endpoint.chars().any(char::is_control) {
        return Err(Refusal::Malformed);
    }
    let (scheme, host, port) = origin_of(endpoint).ok_or(Refusal::Malformed)?;
    if host == own_host.trim_end_matches('.').to_ascii_lowercase() {
        return Err(Refusal::Own);
    }
    let fits = |a: &AllowedService| {
        let host_fits = match a.wildcard {
            true => host.strip_suffix(&a.host).is_some_and(|front| front.len() > 1 && front.ends_with('.')),
            false => host == a.host,
        };
        a.scheme == scheme && a.port == port && host_fits
    };
    match allowed.iter().any(fits) {
        true => Ok(()),
        false => Err(Refusal::NotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<AllowedService> {
        parse_list(DEFAULT_SERVICES).unwrap()
    }

    #[test]
    fn the_browsers_push_services_are_allowed_over_https() {
        let d = defaults();
        for ok in [
            "https://fcm.googleapis.com/fcm/send/abc:def",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
            "https://web.push.apple.com/QGw",
            "https://wns2-db5p.notify.windows.com/w/?token=BQY",
            "https://FCM.googleapis.com:443/fcm/send/x",
        ] {
            assert_eq!(check(ok, &d, "portal.example"), Ok(()), "{ok}");
        }
    }

    #[test]
    fn riegels_own_network_other_hosts_schemes_ports_and_tricks_are_refused() {
        let d = defaults();
        for (bad, why) in [
            ("http://fcm.googleapis.com/fcm/send/x", Refusal::NotAllowed),
            ("https://fcm.googleapis.com:8443/x", Refusal::NotAllowed),
            ("https://evil.example/fcm.googleapis.com", Refusal::NotAllowed),
            ("https://fcm.googleapis.com.evil.example/x", Refusal::NotAllowed),
            ("https://notify.windows.com/x", Refusal::NotAllowed),
            ("https://127.0.0.1/x", Refusal::NotAllowed),
            ("http://10.0.0.7:8080/admin", Refusal::NotAllowed),
            ("https://[::1]/x", Refusal::NotAllowed),
            ("https://169.254.169.254/latest/meta-data", Refusal::NotAllowed),
            ("https://portal.example/api/anything", Refusal::Own),
            ("https://user:pw@fcm.googleapis.com/x", Refusal::Malformed),
            ("https://fcm.googleapis.com@10.0.0.1/x", Refusal::Malformed),
            ("ftp://fcm.googleapis.com/x", Refusal::Malformed),
            ("fcm.googleapis.com/x", Refusal::Malformed),
            ("https:///x", Refusal::Malformed),
            ("https://fcm.googleapis.com/\nx", Refusal::Malformed),
        ] {
            assert_eq!(check(bad, &d, "portal.example"), Err(why), "{bad}");
        }
        let long = format!("https://fcm.googleapis.com/{}", "a".repeat(ENDPOINT_MAX_CHARS));
        assert_eq!(check(&long, &d, "portal.example"), Err(Refusal::Malformed));
    }

    #[test]
    fn an_operator_may_allow_a_push_service_of_their_own_even_on_plain_http() {
        let list = parse_list("http://localhost:8990, https://push.corp.example").unwrap();
        assert_eq!(check("http://localhost:8990/notify/abc", &list, "portal.example"), Ok(()));
        assert_eq!(check("http://localhost:8991/notify/abc", &list, "portal.example"), Err(Refusal::NotAllowed));
        assert_eq!(check("https://push.corp.example/x", &list, "portal.example"), Ok(()));
        assert!(parse_list("push.corp.example").is_err(), "an origin needs its scheme");
        assert!(parse_list("").unwrap().is_empty(), "an empty list allows nothing");
        assert_eq!(host_of("http://localhost:3102").as_deref(), Some("localhost"));
        assert_eq!(host_of("https://Portal.Example/x").as_deref(), Some("portal.example"));
    }
}
