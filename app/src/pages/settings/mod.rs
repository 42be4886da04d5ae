//! Settings (SPEC 5): the TAN system's status, its rules in words, the modes, the invoice
//! threshold, "End TAN session", the e-mail and password changes, and the second factors
//! (`passkeys`, `factors`). The forms a TAN guards are islands; the rest is rendered on the server.

mod factors;
mod passkeys;

use leptos::prelude::*;
use leptos_meta::Title;

use self::{
    factors::{Authenticator, PushDevice, RecoveryCodes},
    passkeys::Passkeys,
};
use crate::{
    api::settings::{ChangeEmail, ChangePassword, ChangeTanSettings, EndTanSession, tan_status},
    components::{ErrorNotice, NewPasswordInput, PortalNav, TanPrompt, load_error, provide_locale},
    domain::{
        money::format_eur,
        tan::{Mode, Way},
    },
    i18n::*,
    wire::{AppError, settings::TanStatus},
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let end = ServerAction::<EndTanSession>::new();
    let status = Resource::new(|| (), |_| tan_status());
    view! {
        <Title text=move || t_string!(i18n, settings.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="settings-heading">
            <h1 id="settings-heading">{t!(i18n, settings.heading)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <TanSystem status=s end /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            <h2>{t!(i18n, settings.email_heading)}</h2>
            <EmailChange locale />
            <h2>{t!(i18n, settings.password_heading)}</h2>
            <PasswordForm locale />
            <RecoveryCodes locale />
            <Passkeys />
            <Authenticator locale />
            <PushDevice />
        </section>
    }
}

#[component]
fn TanSystem(status: TanStatus, end: ServerAction<EndTanSession>) -> impl IntoView {
    let i18n = use_i18n();
    let phone = status.phone.clone();
    let s = status.settings.clone();
    let german = i18n.get_locale_untracked() == Locale::de;
    let threshold = format_eur(s.invoice_threshold_cents, german).trim_end_matches(" EUR").to_string();
    let choice = move |name: &'static str, current: Mode| {
        view! {
            <select name=name id=format!("mode-{name}")>
                <option value="per_session" selected=current == Mode::PerSession>
                    {t!(i18n, settings.session)}
                </option>
                <option value="every_time" selected=current == Mode::EveryTime>
                    {t!(i18n, settings.every)}
                </option>
            </select>
        }
    };
    view! {
        <h2>{t!(i18n, settings.tan_heading)}</h2>
        {if status.active {
            view! { <p>{t!(i18n, settings.active, phone = move || phone.clone())}</p> }.into_any()
        } else {
            view! { <p>{t!(i18n, settings.inactive)}</p> }.into_any()
        }}
        {status.locked.then(|| view! { <p class="notice notice-error" role="alert">{t!(i18n, settings.locked)}</p> })}
        {if status.session_active {
            view! {
                <p>{t!(i18n, settings.session_open)}</p>
                <ActionForm action=end>
                    <button type="submit" class="secondary">
                        {t!(i18n, settings.end_session)}
                    </button>
                </ActionForm>
            }
                .into_any()
        } else {
            view! { <p>{t!(i18n, settings.session_closed)}</p> }.into_any()
        }}
        {move || end.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
        <h3>{t!(i18n, settings.rules_heading)}</h3>
        <ul class="rules">
            <li>{t!(i18n, settings.rule_tan)}</li>
            <li>{t!(i18n, settings.rule_modes)}</li>
            <li>{t!(i18n, settings.rule_session)}</li>
            <li>{t!(i18n, settings.rule_lock)}</li>
            <li>{t!(i18n, settings.rule_quota)}</li>
        </ul>
        <h3>{t!(i18n, settings.modes_heading)}</h3>
        <TanModesForm locale=i18n.get_locale_untracked()>
            <table class="modes">
                <tbody>
                    <tr>
                        <th scope="row">
                            <label for="mode-password">{t!(i18n, settings.a_password)}</label>
                        </th>
                        <td>{choice("password", s.password)}</td>
                    </tr>
                    <tr>
                        <th scope="row">
                            <label for="mode-email">{t!(i18n, settings.a_email)}</label>
                        </th>
                        <td>{choice("email", s.email)}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, settings.a_bank)}</th>
                        <td>{t!(i18n, settings.fixed)}</td>
                    </tr>
                    <tr>
                        <th scope="row">
                            <label for="mode-invoice">{t!(i18n, settings.a_invoice)}</label>
                        </th>
                        <td>{choice("invoice", s.invoice)}</td>
                    </tr>
                    <tr>
                        <th scope="row">
                            <label for="mode-admin">{t!(i18n, settings.a_admin)}</label>
                        </th>
                        <td>{choice("admin", s.admin)}</td>
                    </tr>
                    <tr>
                        <th scope="row">{t!(i18n, settings.a_settings)}</th>
                        <td>{t!(i18n, settings.fixed)}</td>
                    </tr>
                </tbody>
            </table>
            <label for="tan-threshold">{t!(i18n, settings.threshold)}</label>
            <input id="tan-threshold" name="threshold" type="text" inputmode="decimal" value=threshold required />
            <label for="tan-way">{t!(i18n, settings.way)}</label>
            <select name="way" id="tan-way">
                <option value="sms" selected=s.way == Way::Sms>
                    {t!(i18n, settings.way_sms)}
                </option>
                {(status.passkey_offered || s.way == Way::Passkey)
                    .then(|| {
                        view! {
                            <option value="passkey" selected=s.way == Way::Passkey>
                                {t!(i18n, settings.way_passkey)}
                            </option>
                        }
                    })}
            </select>
        </TanModesForm>
    }
}

/// The modes form with its TAN prompt, in the browser. The fields (`children`) are rendered by
/// the server with the current settings and kept as typed.
#[island(lazy)]
fn TanModesForm(locale: Locale, children: Children) -> impl IntoView {
    let locale = provide_locale(locale);
    let modes = ServerAction::<ChangeTanSettings>::new();
    let result = Signal::derive(move || modes.value().get());
    crate::islands::reload_on_success(result);
    view! {
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, settings.saved)}</p> })
        }}
        <ActionForm action=modes>
            {children()}
            <TanPrompt result />
            <button type="submit" class="secondary">
                {td!(locale, settings.save)}
            </button>
        </ActionForm>
    }
}

/// The password change with its TAN prompt, in the browser.
#[island(lazy)]
fn PasswordForm(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let password = ServerAction::<ChangePassword>::new();
    let result = Signal::derive(move || password.value().get());
    crate::islands::reload_on_success(result);
    view! {
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, settings.changed)}</p> })
        }}
        <ActionForm action=password>
            <label for="pw-current">{td!(locale, settings.current)}</label>
            <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
            <NewPasswordInput id="pw-new" name="new" label=td!(locale, settings.new_password).into_any() />
            <TanPrompt result />
            <button type="submit" class="secondary">
                {td!(locale, settings.change)}
            </button>
        </ActionForm>
    }
}

/// The e-mail change: the new address, then the code sent there, then (if needed) the TAN.
#[island(lazy)]
fn EmailChange(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let change = ServerAction::<ChangeEmail>::new();
    let result = Signal::derive(move || change.value().get());
    crate::islands::reload_on_success(result);
    // The code field stays once a code was sent, through TAN prompts and wrong entries.
    let code_sent = RwSignal::new(None::<String>);
    Effect::new(move |_| match result.get() {
        Some(Err(AppError::EmailCodeRequired { to, .. })) => code_sent.set(Some(to)),
        Some(Ok(())) => code_sent.set(None),
        _ => {}
    });
    let sent_to = move || {
        code_sent.get().or_else(|| match result.get() {
            Some(Err(AppError::EmailCodeRequired { to, .. })) => Some(to),
            _ => None,
        })
    };
    view! {
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, settings.email_changed)}</p> })
        }}
        <ActionForm action=change>
            <label for="email-new">{td!(locale, settings.new_email)}</label>
            <input id="email-new" name="email" type="email" autocomplete="email" required />
            {move || {
                sent_to()
                    .map(|to| {
                        view! {
                            <p>{td!(locale, settings.email_code_sent, to = move || to.clone())}</p>
                            <label for="email-code">{td!(locale, settings.email_code)}</label>
                            <input
                                id="email-code"
                                name="code"
                                type="text"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                maxlength="12"
                            />
                        }
                    })
            }}
            <TanPrompt result />
            <button type="submit" class="secondary">
                {td!(locale, settings.email_submit)}
            </button>
        </ActionForm>
    }
}
