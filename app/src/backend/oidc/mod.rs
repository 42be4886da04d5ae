//! Storage of the OpenID Connect provider (SPEC 11): registered clients, ID token signing
//! keys, and the grants between a request and its tokens. The rules are in
//! `domain::oidc`, the use cases in `services::oidc_login` and `services::oidc_tokens`.

pub mod clients;
pub(crate) mod grants;
pub(crate) mod signing;

/// `uri` with `pairs` added to its query (an answer to an application's redirect URI).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}
