//! Redirects to another site, for a navigation the islands router fetches.
//!
//! The islands router (`app::islands`) fetches the next page and follows same-site redirects
//! itself, but a fetch cannot follow one to another origin: the browser's CORS rules stop it
//! (an application's redirect URI after an OpenID Connect login, for example). For a request the
//! router made (it carries `Islands-Router`), such a redirect is answered `200` with the address
//! in `Riegel-Location`, and the router sends the window there. Other requests are untouched.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, StatusCode, header};

/// The header the router reads the address to leave for from.
pub const LEAVE_HEADER: &str = "riegel-location";

pub async fn redirects_elsewhere(req: Request, next: Next) -> Response {
    let routed = req.headers().contains_key("islands-router");
    let host = req.headers().get(header::HOST).cloned();
    let mut res = next.run(req).await;
    if !routed || !res.status().is_redirection() {
        return res;
    }
    let Some(to) = res.headers().get(header::LOCATION).cloned() else { return res };
    if !leaves(&to, host.as_ref()) {
        return res;
    }
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.remove(header::LOCATION);
    h.insert(LEAVE_HEADER, to);
    res
}

/// Whether `location` names another host than the request's own. A path stays; so does an
/// absolute address of the same host (a form post without JavaScript is sent back to its
/// page's full address, the `Referer`).
fn leaves(location: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let to = location.to_str().unwrap_or_default();
    let Some(rest) = ["https://", "http://", "//"].iter().find_map(|p| to.strip_prefix(p)) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    host.and_then(|h| h.to_str().ok()).is_none_or(|h| !h.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_another_host_is_left_for() {
        let host = HeaderValue::from_static("portal.example:8443");
        let leaves = |to: &'static str| leaves(&HeaderValue::from_static(to), Some(&host));
        assert!(leaves("https://rp.example/cb?code=x"));
        assert!(leaves("//rp.example/cb"));
        assert!(leaves("http://portal.example:9000/"));
        assert!(!leaves("/mfa"));
        assert!(!leaves("/oidc/authorize?client_id=a"));
        assert!(!leaves("http://portal.example:8443/bank?__err=x"));
        assert!(!leaves("https://PORTAL.example:8443"));
    }
}
