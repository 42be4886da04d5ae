//! Riegel as an OpenID Connect provider (SPEC 11), as an application and an attacker see it:
//! the code flow through Riegel's own login and MFA, tokens checked against the JWKS, and
//! what an attacker tries with redirect URIs, clients, PKCE, codes, `prompt` and logout.

use std::collections::HashMap;

use app::backend::{oidc::clients::NewClient, services::oidc_tokens::add_client};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use http::{StatusCode, header};
use sha2::{Digest, Sha256};

use crate::harness::{Answer, Client, PHONE, PW, TestApp, ip, serde_urlencoded};

pub(crate) const CB: &str = "https://rp.example/cb";
const AFTER_LOGOUT: &str = "https://rp.example/bye";
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K1s9tjd7Bpe3oVvE7rwPuHZx2a4-fD3";
pub(crate) const EMAIL: &str = "anna@example.org";

/// Registers `id` with `CB` and `AFTER_LOGOUT`; returns its secret (confidential clients).
pub(crate) async fn register(t: &TestApp, id: &str, public: bool) -> Option<String> {
    let new = NewClient {
        id,
        name: "Rechnungsportal",
        public,
        redirect_uris: &[CB.to_owned()],
        post_logout_uris: &[AFTER_LOGOUT.to_owned()],
    };
    add_client(&t.state, t.state.clock.now(), &new).await.unwrap().map(|s| s.expose().clone())
}

pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `/oidc/authorize` with the usual parameters for `client` plus `extra` (an empty value
/// leaves a parameter out).
pub(crate) fn authorize_path(client: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut params: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CB),
        ("scope", "openid email profile"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    format!("/oidc/authorize?{}", serde_urlencoded(&params))
}

/// The query of a redirect's `Location`, by name.
pub(crate) fn query_of(res: &Answer) -> HashMap<String, String> {
    let location = res.header(header::LOCATION).unwrap_or_else(|| panic!("no redirect: {res:?}"));
    let url = url::Url::parse(&location).unwrap_or_else(|_| panic!("not absolute: {location}"));
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub(crate) fn cookie_value(res: &Answer, name: &str) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// From the authorization request to the application's callback through Riegel's login and
/// the SMS code, at `peer` (not the account's trusted IP). Returns the callback's query.
async fn log_in_through_riegel(t: &TestApp, peer: std::net::IpAddr, path: &str) -> HashMap<String, String> {
    let browser = Client::new(t, peer);
    let asked = browser.get(path).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{asked:?}");
    assert_eq!(asked.header(header::LOCATION).as_deref(), Some("/login"));
    let waiting = cookie_value(&asked, "riegel_oidc").expect("the request waits behind a cookie");
    let origin = cookie_value(&asked, "riegel_oidc_origin").expect("the application's origin");
    assert_eq!(origin, "https://rp.example");
    // Without JavaScript the last login form is answered by a redirect to the application:
    // the page policy allows that form target, and only while a request waits.
    let page = browser.with_cookie(&format!("riegel_oidc_origin={origin}")).get("/login").await;
    let csp = page.header(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(csp.contains("form-action 'self' https://rp.example;"), "{csp}");
    let plain = browser.get("/login").await.header(header::CONTENT_SECURITY_POLICY).unwrap();
    assert!(plain.contains("form-action 'self';"), "{plain}");
    let browser = browser.with_cookie(&format!("riegel_oidc={waiting}"));
    let res = browser.login(EMAIL, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "{res:?}");
    let session = res.session_token().unwrap();
    let code = t.code_for(PHONE).await;
    let browser = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    let passed = browser.verify(&code).await;
    assert!(passed.header(header::LOCATION).unwrap().starts_with(CB), "back to the application: {passed:?}");
    for cookie in ["riegel_oidc=;", "riegel_oidc_origin=;"] {
        assert!(
            passed.headers.get_all(header::SET_COOKIE).iter().any(|c| c.to_str().unwrap().starts_with(cookie)),
            "{cookie} cleared: {passed:?}"
        );
    }
    assert!(passed.session_token().is_some(), "the browser is logged in at Riegel too");
    query_of(&passed)
}

/// A token request for `code` with the redirect URI and verifier of `authorize_path`; `extra`
/// replaces or adds parameters (a public client's `client_id`, another verifier).
pub(crate) fn grant<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form =
        vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CB), ("code_verifier", VERIFIER)];
    for (name, value) in extra {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    form
}

/// The token endpoint, as a server-side client calls it (no Origin, no cookie).
pub(crate) async fn redeem(
    t: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, serde_json::Value) {
    let c = Client::new(t, ip(150));
    let auth = basic.map(|(id, secret)| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
    });
    let mut headers = vec![];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let res = c.raw_post("/oidc/token", &serde_urlencoded(form), &headers).await;
    (res.status, serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("not JSON: {res:?}")))
}

/// The ID token's claims after checking its signature against the published JWKS.
pub(crate) async fn verified_claims(t: &TestApp, id_token: &str, audience: &str) -> serde_json::Value {
    let jwks: serde_json::Value = serde_json::from_str(&Client::new(t, ip(150)).get("/oidc/jwks").await.body).unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let jwk =
        jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).expect("signing key is published");
    let key =
        jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&["https://portal.example"]);
    // The test clock is not the wall clock.
    validation.validate_exp = false;
    jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation).unwrap().claims
}

#[tokio::test]
async fn discovery_names_the_endpoints_and_the_jwks_holds_an_rsa_key() {
    let t = TestApp::start().await;
    let c = Client::new(&t, ip(150));
    let d: serde_json::Value = serde_json::from_str(&c.get("/.well-known/openid-configuration").await.body).unwrap();
    assert_eq!(d["issuer"], "https://portal.example");
    assert_eq!(d["authorization_endpoint"], "https://portal.example/oidc/authorize");
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
    let jwks: serde_json::Value = serde_json::from_str(&c.get("/oidc/jwks").await.body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert!(keys[0].get("d").is_none(), "no private part is published");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT private_key FROM oidc_keys").fetch_one(&t.state.pool).await.unwrap();
    assert!(!stored.windows(5).any(|w| w == b"-----"), "the private key is stored sealed");
}

#[tokio::test]
async fn a_confidential_client_logs_its_user_in_through_riegels_mfa() {
    let t = TestApp::start().await;
    let user_id = t.user(EMAIL, PW, "admin").await;
    let secret = register(&t, "portal", false).await.expect("a confidential client gets a secret");
    let back = log_in_through_riegel(&t, ip(2), &authorize_path("portal", &[])).await;
    assert_eq!(back["state"], "st-123", "state is reflected as sent");
    assert_eq!(back["iss"], "https://portal.example");
    let form = grant(&back["code"], &[]);
    let (status, tokens) = redeem(&t, &form, Some(("portal", &secret))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "portal").await;
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["email"], EMAIL);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["amr"], serde_json::json!(["pwd", "sms", "mfa"]));
    assert_eq!(claims["acr"], "urn:riegel:acr:mfa");
    assert_eq!(claims["auth_time"], t.state.clock.now().0);
    let sub = claims["sub"].as_str().unwrap();
    assert!(!sub.contains('@') && sub != user_id.to_string(), "sub is neither the e-mail nor the row id: {sub}");
    let access = tokens["access_token"].as_str().unwrap();
    let info =
        Client::new(&t, ip(150)).get_with("/oidc/userinfo", &[("authorization", &format!("Bearer {access}"))]).await;
    assert_eq!(info.status, StatusCode::OK);
    let info: serde_json::Value = serde_json::from_str(&info.body).unwrap();
    assert_eq!(info["sub"], sub);
    assert_eq!(info["email"], EMAIL);
    assert_eq!(t.audited("oidc.tokens_issued").await, 1);
    // The same secret by client_secret_post works too, for a new code.
    let again = log_in_through_riegel(&t, ip(3), &authorize_path("portal", &[])).await;
    let form = grant(&again["code"], &[("client_id", "portal"), ("client_secret", &secret)]);
    assert_eq!(redeem(&t, &form, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_code_works_once_and_its_second_use_revokes_what_the_first_gave() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let back = log_in_through_riegel(&t, ip(2), &authorize_path("spa", &[])).await;
    let form = grant(&back["code"], &[("client_id", "spa")]);
    let (status, tokens) = redeem(&t, &form, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let userinfo =
        || async { Client::new(&t, ip(150)).get_with("/oidc/userinfo", &[("authorization", &bearer)]).await };
    assert_eq!(userinfo().await.status, StatusCode::OK);
    let (status, refused) = redeem(&t, &form, None).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert_eq!(userinfo().await.status, StatusCode::UNAUTHORIZED, "the first grant's token is revoked");
    assert_eq!(t.audited("oidc.code_reused").await, 1);
}

#[tokio::test]
async fn pkce_binds_the_code_to_its_verifier_and_expires_in_a_minute() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    // A public client without PKCE is sent back with an error, state reflected.
    let no_pkce = Client::new(&t, ip(2)).get(&authorize_path("spa", &[("code_challenge", "")])).await;
    let q = query_of(&no_pkce);
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_request", "st-123"));
    let plain = Client::new(&t, ip(2)).get(&authorize_path("spa", &[("code_challenge_method", "plain")])).await;
    assert_eq!(query_of(&plain)["error"], "invalid_request");

    // Each login from a new address (a completed one makes its address the trusted one).
    for (peer, verifier, why) in [(ip(2), "", "missing verifier"), (ip(3), &"x".repeat(43)[..], "wrong verifier")] {
        let back = log_in_through_riegel(&t, peer, &authorize_path("spa", &[])).await;
        let form = grant(&back["code"], &[("code_verifier", verifier), ("client_id", "spa")]);
        let (status, refused) = redeem(&t, &form, None).await;
        assert_eq!((status, refused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{why}");
        // The code is used up by the failed try: the right verifier comes too late.
        let form = grant(&back["code"], &[("client_id", "spa")]);
        assert_eq!(redeem(&t, &form, None).await.0, StatusCode::BAD_REQUEST, "{why}");
    }

    let back = log_in_through_riegel(&t, ip(4), &authorize_path("spa", &[])).await;
    t.state.clock.advance(61);
    let form = grant(&back["code"], &[("client_id", "spa")]);
    let (status, refused) = redeem(&t, &form, None).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "expired");
}

#[tokio::test]
async fn wrong_clients_and_redirect_uris_get_an_error_page_and_never_a_redirect() {
    let t = TestApp::start().await;
    let secret = register(&t, "portal", false).await.unwrap();
    for (extra, why) in [
        (vec![("client_id", "nobody")], "unregistered client"),
        (vec![("redirect_uri", "https://evil.example/cb")], "other host"),
        (vec![("redirect_uri", "https://rp.example/cb/../evil")], "path added"),
        (vec![("redirect_uri", "https://rp.example/cb?next=https://evil.example")], "query added"),
        (vec![("redirect_uri", "")], "missing"),
    ] {
        let res = Client::new(&t, ip(2)).get(&authorize_path("portal", &extra)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{why}: {res:?}");
        assert_eq!(res.header(header::LOCATION), None, "{why}");
        assert!(res.body.contains("Anmeldung nicht möglich"), "{why}: in the user's language: {}", res.body);
    }
    // A repeated redirect_uri (one good, one bad) is refused as well.
    let doubled = format!("{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", authorize_path("portal", &[]));
    let res = Client::new(&t, ip(2)).get_with(&doubled, &[("accept-language", "en")]).await;
    assert_eq!((res.status, res.header(header::LOCATION)), (StatusCode::BAD_REQUEST, None));
    assert!(res.body.contains("Login not possible"));
    // A code for one client is no good to another, and a wrong secret is no client at all.
    let (status, refused) =
        redeem(&t, &[("grant_type", "authorization_code"), ("code", "x")], Some(("portal", "wrong"))).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let form = [("grant_type", "authorization_code"), ("code", "x"), ("client_id", "portal")];
    assert_eq!(redeem(&t, &form, None).await.0, StatusCode::UNAUTHORIZED, "a confidential client without its secret");
    let (status, _) =
        redeem(&t, &[("grant_type", "authorization_code"), ("code", "x")], Some(("portal", &secret))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "authenticated, but the code is unknown");
}

#[tokio::test]
async fn a_redeemed_code_needs_the_same_redirect_uri() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    let secret = register(&t, "portal", false).await.unwrap();
    let back = log_in_through_riegel(&t, ip(2), &authorize_path("portal", &[])).await;
    let form = grant(&back["code"], &[("redirect_uri", "https://rp.example/other")]);
    let (status, refused) = redeem(&t, &form, Some(("portal", &secret))).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn prompt_none_without_a_session_answers_login_required() {
    let t = TestApp::start().await;
    register(&t, "spa", true).await;
    let res = Client::new(&t, ip(2)).get(&authorize_path("spa", &[("prompt", "none")])).await;
    let q = query_of(&res);
    assert_eq!(q["error"], "login_required");
    assert_eq!(q["state"], "st-123");
    assert!(res.header(header::LOCATION).unwrap().starts_with(CB));
}

/// The browser's islands router fetches pages; a fetch cannot follow a redirect to another
/// site, so the way back to the application is named in `Riegel-Location` instead, and the
/// router sends the window there. The site's own redirects stay redirects.
#[tokio::test]
async fn the_islands_router_is_told_where_to_leave_for_and_follows_the_sites_own_redirects() {
    let t = TestApp::start().await;
    register(&t, "spa", true).await;
    let browser = Client::new(&t, ip(2));
    let routed = [("islands-router", "true"), ("accept", "text/html")];
    let back = authorize_path("spa", &[("prompt", "none")]);

    let res = browser.get_with(&back, &routed).await;
    assert_eq!((res.status, res.header(header::LOCATION)), (StatusCode::OK, None), "{res:?}");
    let leave = res.headers.get("riegel-location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(leave.starts_with(CB) && leave.contains("error=login_required"), "{res:?}");

    let plain = browser.get(&back).await;
    assert!(plain.status.is_redirection(), "{plain:?}");
    assert!(plain.header(header::LOCATION).unwrap().starts_with(CB));
    assert!(plain.headers.get("riegel-location").is_none());

    let own = browser.get_with(&authorize_path("spa", &[]), &routed).await;
    assert_eq!((own.status, own.header(header::LOCATION).as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    assert!(own.headers.get("riegel-location").is_none());
}

#[tokio::test]
async fn a_session_goes_straight_back_and_max_age_0_asks_for_mfa_again_even_from_the_trusted_ip() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    // Logged in from the trusted IP: the password alone.
    let browser = Client::new(&t, ip(1));
    let (res, session) = browser.password(EMAIL, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/"));
    let browser = browser.with_session(&session);
    let straight = browser.get(&authorize_path("spa", &[])).await;
    assert!(straight.header(header::LOCATION).unwrap().starts_with(CB), "no page in between: {straight:?}");
    let code = query_of(&straight)["code"].clone();
    let (_, tokens) = redeem(&t, &grant(&code, &[("client_id", "spa")]), None).await;
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert_eq!(
        (claims["amr"].clone(), claims["acr"].as_str()),
        (serde_json::json!(["pwd"]), Some("urn:riegel:acr:pwd"))
    );

    // Step-up: max_age=0 ends that login and asks for a new one with a second factor.
    t.state.clock.advance(120);
    let asked = browser.get(&authorize_path("spa", &[("max_age", "0")])).await;
    assert_eq!(asked.header(header::LOCATION).as_deref(), Some("/login?again=1"), "{asked:?}");
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    assert_ne!(browser.me().await, "null", "asking logs nobody out: the session stays until the new login");
    let step_up = Client::new(&t, ip(1)).with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    let res = step_up.login(EMAIL, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa"), "MFA even from the trusted IP: {res:?}");
    assert_eq!(browser.me().await, "null", "the new login ended the old session");
    let code = t.code_for(PHONE).await;
    let step_up =
        step_up.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", res.session_token().unwrap()));
    let back = query_of(&step_up.verify(&code).await);
    let (_, tokens) = redeem(&t, &grant(&back["code"], &[("client_id", "spa")]), None).await;
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "spa").await;
    assert_eq!(claims["acr"], "urn:riegel:acr:mfa");
    assert_eq!(claims["auth_time"], t.state.clock.now().0, "authenticated within this request");
}

#[tokio::test]
async fn logout_from_the_application_needs_its_id_token_and_a_registered_address() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let browser = Client::new(&t, ip(1));
    let (_, session) = browser.password(EMAIL, PW).await;
    let browser = browser.with_session(&session);
    let code = query_of(&browser.get(&authorize_path("spa", &[])).await)["code"].clone();
    let form = grant(&code, &[("client_id", "spa")]);
    let (_, tokens) = redeem(&t, &form, None).await;
    let id_token = tokens["id_token"].as_str().unwrap();

    // A link on any page cannot log the user out.
    let bare = browser.get("/oidc/logout").await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert_ne!(browser.me().await, "null", "still logged in");
    let elsewhere =
        serde_urlencoded(&[("id_token_hint", id_token), ("post_logout_redirect_uri", "https://evil.example/")]);
    assert_eq!(browser.get(&format!("/oidc/logout?{elsewhere}")).await.status, StatusCode::BAD_REQUEST);
    assert_ne!(browser.me().await, "null", "still logged in");

    let good = serde_urlencoded(&[
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", AFTER_LOGOUT),
        ("state", "bye-1"),
    ]);
    let res = browser.get(&format!("/oidc/logout?{good}")).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("https://rp.example/bye?state=bye-1"));
    assert_eq!(browser.me().await, "null", "the session ended on the server");
    assert_eq!(t.audited("oidc.logged_out").await, 1);
}

#[tokio::test]
async fn riegels_own_forms_still_refuse_cross_site_posts() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    let form = serde_urlencoded(&[("email", EMAIL), ("password", PW)]);
    let res = Client::new(&t, ip(2)).raw_post("/api/login", &form, &[("origin", "https://rp.example")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The token endpoint takes a server's request without Origin (it reads no cookie).
    let res = Client::new(&t, ip(2)).raw_post("/oidc/token", "grant_type=authorization_code", &[]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

pub(crate) const PAYMENT: &str = r#"[{"type":"payment","amount":"1234.5","currency":"EUR","creditor_iban":"DE89 3704 0044 0532 0130 00","reference":"RE-2026-17"}]"#;
const CONFIRMED: &str = r#"[{"type":"payment","amount":"1234.50","currency":"EUR","creditor_iban":"DE89370400440532013000","reference":"RE-2026-17"}]"#;

/// A browser logged in from the trusted IP whose application asks to confirm `details`: the
/// authorization request sends it to the confirmation page. Returns the browser with both
/// cookies.
pub(crate) async fn asked_to_confirm(t: &TestApp, details: &str) -> Client {
    let browser = Client::new(t, ip(1));
    let (_, session) = browser.password(EMAIL, PW).await;
    let asked =
        browser.with_session(&session).get(&authorize_path("portal", &[("authorization_details", details)])).await;
    assert_eq!(asked.header(header::LOCATION).as_deref(), Some("/oidc/confirm"), "{asked:?}");
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    assert_eq!(cookie_value(&asked, "riegel_session"), None, "the session stays");
    browser.with_cookie(&format!("riegel_session={session}; riegel_oidc={waiting}"))
}

#[tokio::test]
async fn a_transaction_is_confirmed_by_a_tan_that_names_it_and_comes_back_exactly_as_confirmed() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "admin").await;
    let secret = register(&t, "portal", false).await.unwrap();
    let browser = asked_to_confirm(&t, PAYMENT).await;
    let shown = browser.post("/api/oidc/waiting", "").await;
    assert!(
        shown.body.contains("Rechnungsportal: Zahlung von 1.234,50 EUR an DE89 3704 0044 0532 0130 00"),
        "the page shows the IBAN in full: {}",
        shown.body
    );
    let asked = browser.post("/api/oidc/confirm", "tan=").await;
    assert_eq!(asked.status, StatusCode::PRECONDITION_REQUIRED, "{asked:?}");
    let (tan, sms) = t.tan_for(PHONE).await;
    assert!(
        sms.contains("Rechnungsportal: Zahlung von 1.234,50 EUR an DE89 •••• 3000") && sms.contains("RE-2026-17"),
        "{sms}"
    );
    let done = browser.post("/api/oidc/confirm", &format!("tan={tan}")).await;
    let back = query_of(&done);
    assert!(done.header(header::LOCATION).unwrap().starts_with(CB));
    assert_eq!(back["state"], "st-123");
    let form = grant(&back["code"], &[]);
    let (status, tokens) = redeem(&t, &form, Some(("portal", &secret))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let confirmed: serde_json::Value = serde_json::from_str(CONFIRMED).unwrap();
    assert_eq!(tokens["authorization_details"], confirmed);
    let claims = verified_claims(&t, tokens["id_token"].as_str().unwrap(), "portal").await;
    assert_eq!(claims["authorization_details"], confirmed);
    assert_eq!(t.audited("tan.accepted").await, 1);
    let audited: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT kind, detail, ip FROM audit_events WHERE kind IN ('oidc.code_issued', 'oidc.tokens_issued') ORDER BY id")
            .fetch_all(&t.state.pool)
            .await
            .unwrap();
    assert_eq!(audited.len(), 2);
    for (kind, detail, ip) in &audited {
        let what = "payment 1234.50 EUR to DE89 •••• 3000, reference RE-2026-17";
        assert!(detail.contains("\"client\":\"portal\"") && detail.contains(what), "{kind}: {detail}");
        assert!(ip.is_some(), "{kind}: the address is on record");
    }
    // Answered: nothing waits any more, and the TAN cannot confirm again.
    let again = browser.post("/api/oidc/confirm", &format!("tan={tan}")).await;
    assert_eq!((again.status, again.header(header::LOCATION)), (StatusCode::GONE, None), "{again:?}");
}

#[tokio::test]
async fn a_tan_for_one_transaction_does_not_confirm_another_and_bad_details_go_back_as_errors() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "portal", false).await;
    let first = asked_to_confirm(&t, PAYMENT).await;
    assert_eq!(first.post("/api/oidc/confirm", "tan=").await.status, StatusCode::PRECONDITION_REQUIRED);
    let (tan, _) = t.tan_for(PHONE).await;
    // The same user, a new request with another amount: the first TAN does not fit it.
    let other = PAYMENT.replace("1234.5", "9999");
    let second = asked_to_confirm(&t, &other).await;
    let refused = second.post("/api/oidc/confirm", &format!("tan={tan}")).await;
    assert_eq!(refused.header(header::LOCATION), None, "{refused:?}");
    assert!(refused.body.contains("TanExpired") || refused.body.contains("TanVoid"), "{}", refused.body);
    assert_eq!(count_codes(&t).await, 0, "no code was issued");

    for (details, why) in [
        (
            r#"[{"type":"payment","amount":"1,50","currency":"EUR","creditor_iban":"DE89370400440532013000","reference":"R"}]"#,
            "amount",
        ),
        (
            r#"[{"type":"payment","amount":"1.50","currency":"USD","creditor_iban":"DE89370400440532013000","reference":"R"}]"#,
            "currency",
        ),
        (r#"[{"type":"payout_account","iban":"DE00370400440532013000","account_holder":"X"}]"#, "IBAN"),
        (r#"[{"type":"wire_everything"}]"#, "type"),
        ("not json", "shape"),
    ] {
        let res = Client::new(&t, ip(1)).get(&authorize_path("portal", &[("authorization_details", details)])).await;
        assert_eq!(query_of(&res)["error"], "invalid_authorization_details", "{why}");
    }
}

pub(crate) async fn count_codes(t: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM oidc_codes").fetch_one(&t.state.pool).await.unwrap()
}

#[tokio::test]
async fn a_transaction_asked_for_before_the_login_waits_for_its_confirmation_after_it() {
    let t = TestApp::start().await;
    t.user(EMAIL, PW, "member").await;
    register(&t, "portal", false).await;
    let browser = Client::new(&t, ip(2));
    let asked = browser.get(&authorize_path("portal", &[("authorization_details", PAYMENT)])).await;
    assert_eq!(asked.header(header::LOCATION).as_deref(), Some("/login"));
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let browser = browser.with_cookie(&format!("riegel_oidc={waiting}"));
    let session = browser.login(EMAIL, PW).await.session_token().unwrap();
    let code = t.code_for(PHONE).await;
    let browser = browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={session}"));
    let passed = browser.verify(&code).await;
    assert_eq!(passed.header(header::LOCATION).as_deref(), Some("/oidc/confirm"), "{passed:?}");
    assert_eq!(cookie_value(&passed, "riegel_oidc"), None, "the request still waits: its cookie stays");
    assert_eq!(count_codes(&t).await, 0, "no code before the TAN");
}

#[tokio::test]
async fn a_first_mfa_setup_shows_the_recovery_codes_and_then_goes_back_to_the_application() {
    let t = TestApp::start().await;
    t.user_without_mfa(EMAIL, PW, "member").await;
    register(&t, "spa", true).await;
    let browser = Client::new(&t, ip(2));
    let asked = browser.get(&authorize_path("spa", &[])).await;
    let waiting = cookie_value(&asked, "riegel_oidc").unwrap();
    let browser = browser.with_cookie(&format!("riegel_oidc={waiting}"));
    let res = browser.login(EMAIL, PW).await;
    assert_eq!(res.header(header::LOCATION).as_deref(), Some("/mfa/setup"));
    let browser =
        browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", res.session_token().unwrap()));
    assert_eq!(browser.post("/api/mfa/setup", "phone=%2B4915198765432").await.status, StatusCode::OK);
    let code = t.code_for("+4915198765432").await;
    let set_up = browser.verify(&code).await;
    assert_eq!(set_up.header(header::LOCATION).as_deref(), Some("/mfa/recovery-codes"), "the codes first");
    let browser =
        browser.with_cookie(&format!("riegel_oidc={waiting}; riegel_session={}", set_up.session_token().unwrap()));
    let on = browser.get("/oidc/resume").await;
    assert!(on.header(header::LOCATION).unwrap().starts_with(CB), "then the application: {on:?}");
    assert!(query_of(&on).contains_key("code"));
    // Without a waiting request the same link is the way to the start page.
    let plain = Client::new(&t, ip(2)).get("/oidc/resume").await;
    assert_eq!(plain.header(header::LOCATION).as_deref(), Some("/"));
}
