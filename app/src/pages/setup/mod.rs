//! MFA setup (SPEC 2.2–2.4): mobile number, SMS code, done.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        auth::Logout,
        challenge::{ResendCode, StartSetup, VerifyCode, mfa_status},
    },
    components::{CodeInput, ErrorNotice, ResendButton, Steps, first_error},
    i18n::*,
    wire::challenge::{MfaFlow, MfaStatus},
};

#[component]
pub fn SetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartSetup>::new();
    let verify = ServerAction::<VerifyCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let status = Resource::new(
        move || (start.version().get(), verify.version().get(), resend.version().get()),
        |_| mfa_status(),
    );
    view! {
        <Title text=move || t_string!(i18n, mfa.setup_title).to_string() />
        <section class="card" aria-labelledby="setup-heading">
            <h1 id="setup-heading">{t!(i18n, mfa.setup_heading)}</h1>
            {move || {
                first_error([start.value().get(), verify.value().get(), resend.value().get()])
                    .map(|err| view! { <ErrorNotice err /> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    let status = status.await;
                    // A confirmed number leaves for the page the server redirects to (the
                    // recovery codes); the refreshed status would redirect to the start page
                    // instead, and win while that page's code is still loading.
                    if verify.value().with_untracked(|v| matches!(v, Some(Ok(_)))) {
                        return ().into_any();
                    }
                    super::mfa_step(status, true, |s| view! { <Setup status=s start verify resend /> }.into_any())
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Setup(
    status: MfaStatus,
    start: ServerAction<StartSetup>,
    verify: ServerAction<VerifyCode>,
    resend: ServerAction<ResendCode>,
) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let code_step = status.destination.is_some();
    let to = status.destination.clone().unwrap_or_default();
    // A flow that began elsewhere (registration, invitation) continues its step indicator.
    let (names, current) = match status.flow {
        MfaFlow::Registration => (super::register::registration_steps(), 2),
        MfaFlow::Invitation => (super::invitation::invitation_steps(), 1),
        _ => (vec![t!(i18n, mfa.step_phone).into_any(), t!(i18n, mfa.step_code).into_any()], usize::from(code_step)),
    };
    let intro = if status.flow == MfaFlow::PhoneReset {
        t!(i18n, recovery.phone_setup_intro).into_any()
    } else {
        t!(i18n, mfa.setup_intro).into_any()
    };
    view! {
        <Steps names current />
        <p>{intro}</p>
        <p class="notice notice-info">{t!(i18n, mfa.setup_shared)}</p>
        {code_step
            .then(|| {
                let to = to.clone();
                view! {
                    <p>{t!(i18n, mfa.sent_setup, to = move || to.clone())}</p>
                    {(!status.exhausted)
                        .then(|| {
                            view! {
                                <ActionForm action=verify>
                                    <CodeInput />
                                    <button type="submit">{t!(i18n, mfa.confirm)}</button>
                                </ActionForm>
                            }
                        })}
                    <ActionForm action=resend>
                        <ResendButton seconds=status.cooldown_secs new_code=status.exhausted />
                    </ActionForm>
                }
            })}
        <ActionForm action=start>
            <label for="setup-phone">{t!(i18n, mfa.phone)}</label>
            <input
                id="setup-phone"
                name="phone"
                type="tel"
                autocomplete="tel"
                aria-describedby="setup-phone-hint"
                required
            />
            <p id="setup-phone-hint" class="hint">
                {t!(i18n, mfa.phone_hint)}
            </p>
            <button type="submit" class=if code_step { "secondary" } else { "" }>
                {if code_step { t!(i18n, mfa.change_phone).into_any() } else { t!(i18n, mfa.send_code).into_any() }}
            </button>
        </ActionForm>
        <ActionForm action=logout>
            <button type="submit" class="link">
                {t!(i18n, mfa.cancel)}
            </button>
        </ActionForm>
    }
}
