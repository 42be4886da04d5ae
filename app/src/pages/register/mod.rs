//! Self-registration (SPEC 2.1): company and account, e-mail code, then MFA setup (the setup
//! page shows step 3 of the same indicator).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::registration::{
        CancelRegistration, Register, ResendRegistrationCode, VerifyRegistration, registration_status,
    },
    components::{CodeInput, ErrorNotice, NewPasswordInput, ResendButton, Steps, first_error},
    i18n::*,
    wire::registration::RegistrationStatus,
};

/// The three steps' names, shared with the setup page.
pub fn registration_steps() -> Vec<AnyView> {
    let i18n = use_i18n();
    vec![
        t!(i18n, register.step_account).into_any(),
        t!(i18n, register.step_email).into_any(),
        t!(i18n, register.step_phone).into_any(),
    ]
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let register = ServerAction::<Register>::new();
    let verify = ServerAction::<VerifyRegistration>::new();
    let resend = ServerAction::<ResendRegistrationCode>::new();
    let cancel = ServerAction::<CancelRegistration>::new();
    let status = Resource::new(
        move || (register.version().get(), resend.version().get(), verify.version().get(), cancel.version().get()),
        |_| registration_status(),
    );
    view! {
        <Title text=move || t_string!(i18n, register.title).to_string() />
        <section class="card" aria-labelledby="register-heading">
            <h1 id="register-heading">{t!(i18n, register.heading)}</h1>
            {move || {
                first_error([register.value().get(), verify.value().get(), resend.value().get()])
                    .map(|err| view! { <ErrorNotice err /> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(Some(s)) => view! { <CodeStep status=s verify resend cancel /> }.into_any(),
                        Ok(None) => view! { <AccountStep register /> }.into_any(),
                        Err(err) => view! { <ErrorNotice err /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AccountStep(register: ServerAction<Register>) -> impl IntoView {
    let i18n = use_i18n();
    let pending = register.pending();
    view! {
        <Steps names=registration_steps() current=0 />
        <p>{t!(i18n, register.intro)}</p>
        <ActionForm action=register>
            <label for="reg-company">{t!(i18n, register.company)}</label>
            <input id="reg-company" name="company" type="text" autocomplete="organization" maxlength="200" required />
            <label for="reg-name">{t!(i18n, register.full_name)}</label>
            <input id="reg-name" name="full_name" type="text" autocomplete="name" maxlength="200" required />
            <label for="reg-email">{t!(i18n, register.email)}</label>
            <input id="reg-email" name="email" type="email" autocomplete="email" required />
            <NewPasswordInput id="reg-password" name="password" label=t!(i18n, register.password).into_any() />
            <button type="submit" disabled=pending>
                {t!(i18n, register.submit)}
            </button>
        </ActionForm>
        <p>
            <a href="/login">{t!(i18n, register.have_account)}</a>
        </p>
    }
}

#[component]
fn CodeStep(
    status: RegistrationStatus,
    verify: ServerAction<VerifyRegistration>,
    resend: ServerAction<ResendRegistrationCode>,
    cancel: ServerAction<CancelRegistration>,
) -> impl IntoView {
    let i18n = use_i18n();
    let to = status.to.clone();
    view! {
        <Steps names=registration_steps() current=1 />
        <p>{t!(i18n, register.sent, to = move || to.clone())}</p>
        <ActionForm action=verify>
            <CodeInput />
            <p class="hint">{t!(i18n, register.tries_left, tries = move || status.tries_left)}</p>
            <button type="submit">{t!(i18n, register.confirm)}</button>
        </ActionForm>
        {(status.codes_left > 0)
            .then(|| {
                view! {
                    <ActionForm action=resend>
                        <ResendButton seconds=status.cooldown_secs />
                    </ActionForm>
                }
            })}
        <ActionForm action=cancel>
            <button type="submit" class="link">
                {t!(i18n, register.restart)}
            </button>
        </ActionForm>
    }
}
