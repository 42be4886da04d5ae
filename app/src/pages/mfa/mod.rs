//! The MFA challenge at login (SPEC 3, 4.3).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        auth::Logout,
        mfa::{MfaStatus, ResendCode, SwitchMethod, UseRecoveryCode, UseTotp, VerifyCode, mfa_status},
    },
    components::{AppCodeInput, CodeInput, ErrorNotice, ResendButton, first_error},
    domain::mfa::Method,
    i18n::*,
};

#[component]
pub fn MfaPage() -> impl IntoView {
    let i18n = use_i18n();
    let verify = ServerAction::<VerifyCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let switch = ServerAction::<SwitchMethod>::new();
    let recovery = ServerAction::<UseRecoveryCode>::new();
    let totp = ServerAction::<UseTotp>::new();
    // Refetched after every action, so the countdown and the counts follow the server.
    let status = Resource::new(
        move || {
            (
                verify.version().get(),
                resend.version().get(),
                switch.version().get(),
                recovery.version().get(),
                totp.version().get(),
            )
        },
        |_| mfa_status(),
    );
    view! {
        <Title text=move || t_string!(i18n, mfa.title).to_string() />
        <section class="card" aria-labelledby="mfa-heading">
            <h1 id="mfa-heading">{t!(i18n, mfa.heading)}</h1>
            {move || {
                first_error([
                    verify.value().get(),
                    resend.value().get(),
                    switch.value().get(),
                    recovery.value().get(),
                    totp.value().get(),
                ])
                    .map(|err| view! { <ErrorNotice err /> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    super::mfa_step(
                        status.await,
                        false,
                        |s| view! { <Challenge status=s verify resend switch recovery totp /> }.into_any(),
                    )
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Challenge(
    status: MfaStatus,
    verify: ServerAction<VerifyCode>,
    resend: ServerAction<ResendCode>,
    switch: ServerAction<SwitchMethod>,
    recovery: ServerAction<UseRecoveryCode>,
    totp: ServerAction<UseTotp>,
) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let to = status.destination.clone().unwrap_or_default();
    let sent = match status.method {
        Some(Method::Email) => t!(i18n, mfa.sent_email, to = move || to.clone()).into_any(),
        _ => t!(i18n, mfa.sent_sms, to = move || to.clone()).into_any(),
    };
    let total = status.codes_total;
    let resetting = status.flow == crate::api::mfa::MfaFlow::PasswordReset;
    // The challenge opened on the authenticator app: nothing was sent yet.
    let waiting_for_app = status.totp && !status.code_sent;
    let app_form = (status.totp && !status.exhausted).then(|| {
        view! {
            <ActionForm action=totp>
                <AppCodeInput id="totp-code" />
                <button type="submit">{t!(i18n, totp.submit)}</button>
            </ActionForm>
        }
    });
    let app_form = match (waiting_for_app, app_form) {
        (true, Some(form)) => Some(view! { <p>{t!(i18n, totp.prompt)}</p> {form} }.into_any()),
        (false, Some(form)) => Some(
            view! {
                <details class="recovery">
                    <summary>{t!(i18n, totp.via_app)}</summary>
                    {form}
                </details>
            }
            .into_any(),
        ),
        _ => None,
    };
    view! {
        {resetting.then(|| view! { <p>{t!(i18n, recovery.challenge_intro)}</p> })}
        {(!waiting_for_app).then(|| view! { <p>{sent}</p> })}
        {status
            .codes_left
            .map(|left| {
                view! {
                    <p class="notice notice-warn">
                        {t!(i18n, mfa.codes_left, left = move || left, total = move || total)}
                    </p>
                }
            })}
        {app_form}
        {(!status.exhausted && !waiting_for_app)
            .then(|| {
                let tries = status.tries_left;
                view! {
                    <ActionForm action=verify>
                        <CodeInput />
                        <p class="hint">{t!(i18n, mfa.tries_left, tries = move || tries)}</p>
                        <button type="submit">{t!(i18n, mfa.submit)}</button>
                    </ActionForm>
                }
            })}
        {(!waiting_for_app)
            .then(|| {
                view! {
                    <ActionForm action=resend>
                        <ResendButton seconds=status.cooldown_secs new_code=status.exhausted />
                    </ActionForm>
                }
            })}
        <ul class="methods">
            {status
                .other_methods
                .into_iter()
                .map(|m| {
                    let label = match m {
                        Method::Sms => t!(i18n, mfa.via_sms).into_any(),
                        Method::Email => t!(i18n, mfa.via_email).into_any(),
                    };
                    view! {
                        <li>
                            <ActionForm action=switch>
                                <input type="hidden" name="method" value=m.as_str() />
                                <button type="submit" class="link">
                                    {label}
                                </button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {(!resetting && !status.exhausted)
            .then(|| {
                view! {
                    <details class="recovery">
                        <summary>{t!(i18n, recovery_codes.use_summary)}</summary>
                        <ActionForm action=recovery>
                            <label for="recovery-code">{t!(i18n, recovery_codes.use_label)}</label>
                            <input
                                id="recovery-code"
                                name="code"
                                type="text"
                                autocomplete="off"
                                autocapitalize="characters"
                                spellcheck="false"
                                required
                            />
                            <button type="submit" class="secondary">
                                {t!(i18n, recovery_codes.use_submit)}
                            </button>
                        </ActionForm>
                    </details>
                }
            })}
        <ActionForm action=logout>
            <button type="submit" class="link">
                {t!(i18n, mfa.cancel)}
            </button>
        </ActionForm>
    }
}
