//! Applications registered by an operator (`server client add`). A confidential client gets a
//! secret shown once and stored as its keyed hash; a public client (a browser or phone app)
//! has none and must use PKCE.

use sqlx::AnyConnection;

use crate::{
    backend::{
        store,
        tools::crypto::{Keys, Purpose, Secret, hashes_equal, random_token},
    },
    domain::time::Timestamp,
};

#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub name: String,
    secret_hash: Option<Vec<u8>>,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    /// Whether `secret` is this client's (always false for a public client).
    pub fn secret_matches(&self, keys: &Keys, secret: &str) -> bool {
        self.secret_hash
            .as_deref()
            .is_some_and(|stored| hashes_equal(stored, &keys.keyed_hash(Purpose::OidcClientSecret, secret.as_bytes())))
    }
}

/// What an operator registers.
pub struct NewClient<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub public: bool,
    pub redirect_uris: &'a [String],
    pub post_logout_uris: &'a [String],
}

/// A redirect URI must be absolute, without a fragment; `http` only for loopback addresses.
pub fn check_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("{uri}: {e}"))?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(format!("{uri}: must be https (http only for localhost)")),
    }
    if parsed.fragment().is_some() {
        return Err(format!("{uri}: must not have a fragment"));
    }
    Ok(())
}

/// Registers a client; returns its secret (confidential clients only), to be shown once.
pub async fn add(
    conn: &mut AnyConnection,
    keys: &Keys,
    new: &NewClient<'_>,
    now: Timestamp,
) -> Result<Option<Secret<String>>, String> {
    if new.id.is_empty() || !new.id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err("the client id may use letters, digits, '-', '_' and '.'".into());
    }
    if new.redirect_uris.is_empty() {
        return Err("a client needs at least one redirect URI".into());
    }
    for uri in new.redirect_uris.iter().chain(new.post_logout_uris) {
        check_uri(uri)?;
    }
    let secret = (!new.public).then(random_token);
    let hash = secret.as_ref().map(|s| keys.keyed_hash(Purpose::OidcClientSecret, s.expose().as_bytes()));
    let inserted = store::oidc_clients::insert(
        conn,
        new.id,
        new.name,
        hash.as_deref(),
        &new.redirect_uris.join("\n"),
        &new.post_logout_uris.join("\n"),
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    if inserted == 0 {
        return Err(format!("a client {} is already registered", new.id));
    }
    Ok(secret)
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<Client>, sqlx::Error> {
    let row = store::oidc_clients::find(conn, id).await?;
    let lines = |s: String| s.lines().map(str::to_owned).collect();
    Ok(row.map(|r| Client {
        id: r.id,
        name: r.name,
        secret_hash: r.secret_hash,
        redirect_uris: lines(r.redirect_uris),
        post_logout_uris: lines(r.post_logout_uris),
    }))
}

/// The client an application names, if it names a registered one.
pub async fn find_named(conn: &mut AnyConnection, id: Option<&str>) -> Result<Option<Client>, sqlx::Error> {
    match id {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::check_uri;

    #[test]
    fn redirect_uris_are_https_or_loopback_http_without_fragment() {
        assert!(check_uri("https://portal.example/cb").is_ok());
        assert!(check_uri("http://127.0.0.1:4000/cb").is_ok());
        assert!(check_uri("http://portal.example/cb").is_err());
        assert!(check_uri("https://portal.example/cb#x").is_err());
        assert!(check_uri("/cb").is_err());
    }
}
