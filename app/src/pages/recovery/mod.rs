//! Forgotten password (SPEC 6.3) and the phone-reset link (6.2).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        account_recovery::{FollowPasswordReset, RequestPasswordReset, SetNewPassword, check_phone_reset_link},
        auth::Login,
    },
    components::{ErrorNotice, NewPasswordInput},
    i18n::*,
};

fn token() -> String {
    use_query_map().with_untracked(|q| q.get("token").unwrap_or_default())
}

/// "Forgot password": the same answer whether or not an account has the address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let request = ServerAction::<RequestPasswordReset>::new();
    view! {
        <Title text=move || t_string!(i18n, recovery.forgot_title).to_string() />
        <section class="card" aria-labelledby="forgot-heading">
            <h1 id="forgot-heading">{t!(i18n, recovery.forgot_heading)}</h1>
            {move || {
                let sent = use_query_map().with(|q| q.get("sent").is_some());
                match request.value().get() {
                    Some(Err(err)) => Some(view! { <ErrorNotice err /> }.into_any()),
                    Some(Ok(())) | None if sent => {
                        Some(
                            view! { <p class="notice notice-ok" role="status">{t!(i18n, recovery.forgot_sent)}</p> }
                                .into_any(),
                        )
                    }
                    _ => None,
                }
            }}
            <p>{t!(i18n, recovery.forgot_intro)}</p>
            <ActionForm action=request>
                <label for="forgot-email">{t!(i18n, register.email)}</label>
                <input id="forgot-email" name="email" type="email" autocomplete="username" required />
                <button type="submit">{t!(i18n, recovery.forgot_submit)}</button>
            </ActionForm>
            <p>
                <a href="/login">{t!(i18n, recovery.back_to_login)}</a>
            </p>
        </section>
    }
}

/// The forgotten-password link: one button, so that a mail scanner opening the link does not
/// use it up.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let follow = ServerAction::<FollowPasswordReset>::new();
    view! {
        <Title text=move || t_string!(i18n, recovery.reset_title).to_string() />
        <section class="card" aria-labelledby="reset-heading">
            <h1 id="reset-heading">{t!(i18n, recovery.reset_heading)}</h1>
            {move || follow.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <p>{t!(i18n, recovery.reset_intro)}</p>
            <ActionForm action=follow>
                <input type="hidden" name="token" value=token() />
                <button type="submit">{t!(i18n, recovery.reset_submit)}</button>
            </ActionForm>
        </section>
    }
}

/// The new password, after the challenge.
#[component]
pub fn NewPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetNewPassword>::new();
    view! {
        <Title text=move || t_string!(i18n, recovery.new_title).to_string() />
        <section class="card" aria-labelledby="new-password-heading">
            <h1 id="new-password-heading">{t!(i18n, recovery.new_heading)}</h1>
            {move || set.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <p>{t!(i18n, recovery.new_intro)}</p>
            <ActionForm action=set>
                <NewPasswordInput id="new-password" name="password" label=t!(i18n, register.password).into_any() />
                <button type="submit">{t!(i18n, recovery.new_submit)}</button>
            </ActionForm>
        </section>
    }
}

/// The phone-reset link: a login whose correct password leads to the setup of a new phone.
#[component]
pub fn PhoneResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let login = ServerAction::<Login>::new();
    let link = Resource::new(|| (), |_| check_phone_reset_link(token()));
    view! {
        <Title text=move || t_string!(i18n, recovery.phone_title).to_string() />
        <section class="card" aria-labelledby="phone-reset-heading">
            <h1 id="phone-reset-heading">{t!(i18n, recovery.phone_heading)}</h1>
            {move || login.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => {
                            view! {
                                <p>{t!(i18n, recovery.phone_intro)}</p>
                                <ActionForm action=login>
                                    <input type="hidden" name="phone_reset" value=token() />
                                    <super::login::Credentials />
                                    <button type="submit">{t!(i18n, login.submit)}</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(err) => view! { <ErrorNotice err /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
