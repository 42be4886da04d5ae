//! Settings (SPEC 5): the TAN system's status, its rules in words, the modes, the invoice
//! threshold, "End TAN session", and the password change.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        AppError,
        mfa::{ConfirmTotp, NewRecoveryCodes, RemovePushDevice, StartPushPairing, StartTotp, paired_device},
        portal::{ChangeEmail, ChangePassword, ChangeTanSettings, EndTanSession, TanStatus, tan_status},
    },
    components::{AppCodeInput, ErrorNotice, LocalTime, NewPasswordInput, PortalNav, TanPrompt, load_error},
    domain::{money::format_eur, tan::Mode},
    i18n::*,
    pages::recovery_codes::CodeList,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let modes = ServerAction::<ChangeTanSettings>::new();
    let end = ServerAction::<EndTanSession>::new();
    let password = ServerAction::<ChangePassword>::new();
    let status =
        Resource::new(move || (modes.version().get(), end.version().get(), password.version().get()), |_| tan_status());
    view! {
        <Title text=move || t_string!(i18n, settings.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="settings-heading">
            <h1 id="settings-heading">{t!(i18n, settings.heading)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <TanSystem status=s modes end /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            <EmailChange />
            <h2>{t!(i18n, settings.password_heading)}</h2>
            {move || {
                matches!(password.value().get(), Some(Ok(())))
                    .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, settings.changed)}</p> })
            }}
            <ActionForm action=password>
                <label for="pw-current">{t!(i18n, settings.current)}</label>
                <input id="pw-current" name="current" type="password" autocomplete="current-password" required />
                <NewPasswordInput id="pw-new" name="new" label=t!(i18n, settings.new_password).into_any() />
                <TanPrompt result=Signal::derive(move || password.value().get()) />
                <button type="submit" class="secondary">
                    {t!(i18n, settings.change)}
                </button>
            </ActionForm>
            <RecoveryCodes />
            <Authenticator />
            <PushDevice />
        </section>
    }
}

/// Setting up an authenticator app (TOTP): behind a TAN every time, a QR code and the secret,
/// then the app's first code confirms it.
#[component]
fn Authenticator() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    view! {
        <h2>{t!(i18n, totp.heading)}</h2>
        <p>{t!(i18n, totp.settings_intro)}</p>
        {move || {
            matches!(confirm.value().get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, totp.done)}</p> })
        }}
        {move || match (start.value().get(), confirm.value().get()) {
            (Some(Ok(e)), confirmed) if !e.secret.is_empty() && !matches!(confirmed, Some(Ok(()))) => {
                Some(
                    view! {
                        <p>{t!(i18n, totp.scan)}</p>
                        <QrCode svg=e.qr_svg.clone() label=move || t_string!(i18n, totp.qr_label).to_string() />
                        <p>
                            {t!(i18n, totp.secret_label)} " " <code class="totp-secret">{e.secret.clone()}</code>
                        </p>
                        {confirm.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
                        <ActionForm action=confirm>
                            <AppCodeInput id="totp-confirm" />
                            <button type="submit">{t!(i18n, totp.confirm)}</button>
                        </ActionForm>
                    },
                )
            }
            _ => None,
        }}
        <ActionForm action=start>
            <TanSubmit value=start.value()>{t!(i18n, totp.start)}</TanSubmit>
        </ActionForm>
    }
}

/// Pairing a device for push approval: behind a TAN every time, a one-use link and its QR code
/// for the device to open.
#[component]
fn PushDevice() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartPushPairing>::new();
    let remove = ServerAction::<RemovePushDevice>::new();
    let device = Resource::new(move || remove.version().get(), |_| paired_device());
    view! {
        <h2>{t!(i18n, push.heading)}</h2>
        <p>{t!(i18n, push.settings_intro)}</p>
        <Suspense>
            {move || Suspend::new(async move {
                device
                    .await
                    .ok()
                    .flatten()
                    .map(|d| {
                        let name = d.name.clone();
                        let (at, text) = (d.paired_at, d.paired_at_text.clone());
                        view! {
                            <p>
                                {t!(
                                    i18n, push.paired, name = move || name.clone(), since = move || view! { <LocalTime unix=at text=text.clone() /> }
                                )}
                            </p>
                            <ActionForm action=remove>
                                <button type="submit" class="secondary">
                                    {t!(i18n, push.remove)}
                                </button>
                            </ActionForm>
                        }
                    })
            })}
        </Suspense>
        {move || match start.value().get() {
            Some(Ok(p)) if !p.link.is_empty() => Some(view! {
                <p>{t!(i18n, push.scan)}</p>
                <QrCode svg=p.qr_svg.clone() label=move || t_string!(i18n, push.qr_label).to_string() />
                <p>
                    {t!(i18n, push.link_label)} " " <a href=p.link.clone() id="pairing-link">{p.link.clone()}</a>
                </p>
            }),
            _ => None,
        }}
        <ActionForm action=start>
            <TanSubmit value=start.value()>{t!(i18n, push.start)}</TanSubmit>
        </ActionForm>
    }
}

/// The end of a TAN-protected form in the settings: the TAN prompt, following the action's
/// last result, then the submit button.
#[component]
fn TanSubmit<T>(value: MappedSignal<Option<Result<T, AppError>>>, children: Children) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <TanPrompt result=Signal::derive(move || value.get().map(|r| r.map(|_| ()))) />
        <button type="submit" class="secondary">
            {children()}
        </button>
    }
}

/// A QR code drawn by the server (SVG), with a text alternative.
#[component]
fn QrCode(svg: String, #[prop(into)] label: Signal<String>) -> impl IntoView {
    view! { <div class="qr" role="img" aria-label=label inner_html=svg></div> }
}

/// A new set of recovery codes, behind a TAN every time; the set replaces the old one.
#[component]
fn RecoveryCodes() -> impl IntoView {
    let i18n = use_i18n();
    let renew = ServerAction::<NewRecoveryCodes>::new();
    view! {
        <h2>{t!(i18n, recovery_codes.heading)}</h2>
        <p>{t!(i18n, recovery_codes.settings_intro)}</p>
        {move || match renew.value().get() {
            Some(Ok(list)) if !list.is_empty() => Some(view! { <CodeList list /> }),
            _ => None,
        }}
        <ActionForm action=renew>
            <TanSubmit value=renew.value()>{t!(i18n, recovery_codes.renew)}</TanSubmit>
        </ActionForm>
    }
}

#[component]
fn TanSystem(
    status: TanStatus,
    modes: ServerAction<ChangeTanSettings>,
    end: ServerAction<EndTanSession>,
) -> impl IntoView {
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
        {move || {
            matches!(modes.value().get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, settings.saved)}</p> })
        }}
        <ActionForm action=modes>
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
            <TanPrompt result=Signal::derive(move || modes.value().get()) />
            <button type="submit" class="secondary">
                {t!(i18n, settings.save)}
            </button>
        </ActionForm>
    }
}

/// The e-mail change: the new address, then the code sent there, then (if needed) the TAN.
#[component]
fn EmailChange() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangeEmail>::new();
    let result = Signal::derive(move || change.value().get());
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
        <h2>{t!(i18n, settings.email_heading)}</h2>
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, settings.email_changed)}</p> })
        }}
        <ActionForm action=change>
            <label for="email-new">{t!(i18n, settings.new_email)}</label>
            <input id="email-new" name="email" type="email" autocomplete="email" required />
            {move || {
                sent_to()
                    .map(|to| {
                        view! {
                            <p>{t!(i18n, settings.email_code_sent, to = move || to.clone())}</p>
                            <label for="email-code">{t!(i18n, settings.email_code)}</label>
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
                {t!(i18n, settings.email_submit)}
            </button>
        </ActionForm>
    }
}
