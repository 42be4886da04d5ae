//! The new login page (SPEC 1): e-mail and password, or a passkey alone (SPEC 14.2) where
//! passkeys are offered.

mod passkey;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::{
        auth::{Login, current_user},
        passkeys::{LogInWithPasskey, passkey_login_offered},
    },
    components::{ErrorNotice, first_error},
    i18n::*,
};

/// The e-mail and password fields of a login (the login page, the phone-reset link's page).
/// `email`: filled in already (an application's `login_hint`).
#[component]
pub fn Credentials(#[prop(optional)] email: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label for="login-email">{t!(i18n, login.email)}</label>
        // `webauthn`: the browser may offer passkeys in this field's autofill.
        <input id="login-email" type="email" name="email" autocomplete="username webauthn" required value=email />
        <label for="login-password">{t!(i18n, login.password)}</label>
        <input id="login-password" type="password" name="password" autocomplete="current-password" required />
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let with_passkey = ServerAction::<LogInWithPasskey>::new();
    let user = Resource::new(|| (), |_| current_user());
    let passkeys = Resource::new(|| (), |_| passkey_login_offered());
    let pending = login.pending();
    let reset_done = use_query_map().with_untracked(|q| q.get("reset").as_deref() == Some("done"));
    let email_hint = use_query_map().with_untracked(|q| q.get("email"));
    // An application asked for a new login (OpenID Connect): the form even with a session.
    let again = use_query_map().with_untracked(|q| q.get("again").is_some());
    view! {
        <Title text=move || t_string!(i18n, login.title).to_string() />
        // A visitor who is already logged in goes to the start page (unless an application
        // asked for a new login).
        <Suspense>
            {move || Suspend::new(async move {
                (!again && matches!(user.await, Ok(Some(_)))).then(|| view! { <Redirect path="/" /> })
            })}
        </Suspense>
        <section class="card" aria-labelledby="login-heading">
            <h1 id="login-heading">{t!(i18n, login.heading)}</h1>
            {reset_done.then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, recovery.done)}</p> })}
            <p>{t!(i18n, login.intro)}</p>
            {move || {
                first_error([login.value().get(), with_passkey.value().get()]).map(|err| view! { <ErrorNotice err /> })
            }}
            <ActionForm action=login>
                <Credentials email=email_hint.unwrap_or_default() />
                <button type="submit" disabled=pending>
                    {move || {
                        if pending.get() {
                            t!(i18n, login.pending).into_any()
                        } else {
                            t!(i18n, login.submit).into_any()
                        }
                    }}
                </button>
            </ActionForm>
            <Suspense>
                {move || Suspend::new(async move {
                    let autofill = !matches!(with_passkey.value().get_untracked(), Some(Err(_)));
                    matches!(passkeys.await, Ok(true))
                        .then(|| view! { <passkey::PasskeyLogin action=with_passkey autofill /> })
                })}
            </Suspense>
            <p>
                <a href="/password/forgot">{t!(i18n, login.forgot)}</a>
            </p>
            <p>
                <a href="/register">{t!(i18n, login.register)}</a>
            </p>
        </section>
    }
}
