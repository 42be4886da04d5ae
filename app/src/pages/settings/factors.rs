//! The second factors kept in the settings: an authenticator app (TOTP), a push device, and
//! a new set of recovery codes. Each is started behind a TAN, in an island (the browser keeps
//! the secret, link or codes it shows).

use leptos::prelude::*;

use crate::{
    api::{
        push::{RemovePushDevice, StartPushPairing, paired_device},
        recovery_codes::NewRecoveryCodes,
        totp::{ConfirmTotp, StartTotp},
        web_push::{SendTestPush, push_reception},
    },
    components::{AppCodeInput, ErrorNotice, LocalTime, TanPrompt, provide_locale},
    i18n::*,
    pages::recovery_codes::CodeList,
    wire::{AppError, web_push::PushReception},
};

/// Setting up an authenticator app (TOTP): behind a TAN every time, a QR code and the secret,
/// then the app's first code confirms it.
#[island(lazy)]
pub(super) fn Authenticator(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let start = ServerAction::<StartTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    view! {
        <h2>{td!(locale, totp.heading)}</h2>
        <p>{td!(locale, totp.settings_intro)}</p>
        {move || {
            matches!(confirm.value().get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, totp.done)}</p> })
        }}
        {move || match (start.value().get(), confirm.value().get()) {
            (Some(Ok(e)), confirmed) if !e.secret.is_empty() && !matches!(confirmed, Some(Ok(()))) => {
                Some(
                    view! {
                        <p>{td!(locale, totp.scan)}</p>
                        <QrCode svg=e.qr_svg.clone() label=td_string!(locale, totp.qr_label).to_string() />
                        <p>
                            {td!(locale, totp.secret_label)} " " <code class="totp-secret">{e.secret.clone()}</code>
                        </p>
                        {confirm.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
                        <ActionForm action=confirm>
                            <AppCodeInput id="totp-confirm" />
                            <button type="submit">{td!(locale, totp.confirm)}</button>
                        </ActionForm>
                    },
                )
            }
            _ => None,
        }}
        <ActionForm action=start>
            <TanSubmit value=start.value()>{td!(locale, totp.start)}</TanSubmit>
        </ActionForm>
    }
}

/// Pairing a device for push approval: behind a TAN every time, a one-use link and its QR code
/// for the device to open. The paired device and its removal are a plain form.
#[component]
pub(super) fn PushDevice() -> impl IntoView {
    let i18n = use_i18n();
    let remove = ServerAction::<RemovePushDevice>::new();
    let device = Resource::new(|| (), |_| paired_device());
    let reception = Resource::new(|| (), |_| push_reception());
    view! {
        <h2>{t!(i18n, push.heading)}</h2>
        <p>{t!(i18n, push.settings_intro)}</p>
        <Suspense>
            {move || Suspend::new(async move {
                let reception = reception.await.unwrap_or(PushReception::NoDevice);
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
                            <PushReceptionLine reception=reception.clone() />
                            <ActionForm action=remove>
                                <button type="submit" class="secondary">
                                    {t!(i18n, push.remove)}
                                </button>
                            </ActionForm>
                        }
                    })
            })}
        </Suspense>
        <PushPairingForm locale=i18n.get_locale_untracked() />
    }
}

/// Whether the paired device receives push (SPEC 15.1), and its test notification: rendered
/// by the server, a plain form (an island here grew every page's wasm by 18 KiB, measured).
#[component]
fn PushReceptionLine(reception: PushReception) -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let test = ServerAction::<SendTestPush>::new();
    let line = match reception {
        PushReception::Receiving { .. } => view! {
            <p id="push-reception">{td!(locale, push.receiving)}</p>
            <ActionForm action=test>
                <button type="submit" class="secondary">
                    {td!(locale, push.test)}
                </button>
            </ActionForm>
        }
        .into_any(),
        PushReception::NotSubscribed => {
            view! { <p id="push-reception">{td!(locale, push.not_subscribed)}</p> }.into_any()
        }
        PushReception::Ended { .. } => view! {
            <p id="push-reception" class="notice notice-warn" role="status">
                {td!(locale, push.ended)}
            </p>
        }
        .into_any(),
        PushReception::NoDevice => ().into_any(),
    };
    view! {
        {line}
        {move || match test.value().get() {
            Some(Ok(())) => Some(view! { <p class="notice notice-ok" role="status">{td!(locale, push.test_sent)}</p> }.into_any()),
            Some(Err(err)) => Some(view! { <ErrorNotice err /> }.into_any()),
            None => None,
        }}
    }
}

/// The pairing link, behind its TAN, in the browser.
#[island(lazy)]
fn PushPairingForm(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let start = ServerAction::<StartPushPairing>::new();
    view! {
        {move || match start.value().get() {
            Some(Ok(p)) if !p.link.is_empty() => Some(view! {
                <p>{td!(locale, push.scan)}</p>
                <QrCode svg=p.qr_svg.clone() label=td_string!(locale, push.qr_label).to_string() />
                <p>
                    {td!(locale, push.link_label)} " " <a href=p.link.clone() id="pairing-link" rel="external">
                        {p.link.clone()}
                    </a>
                </p>
            }),
            _ => None,
        }}
        <ActionForm action=start>
            <TanSubmit value=start.value()>{td!(locale, push.start)}</TanSubmit>
        </ActionForm>
    }
}

/// The end of a TAN-protected form in the settings: the TAN prompt, following the action's
/// last result, then the submit button.
#[component]
pub(super) fn TanSubmit<T>(value: MappedSignal<Option<Result<T, AppError>>>, children: Children) -> impl IntoView
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
#[island(lazy)]
pub(super) fn RecoveryCodes(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let renew = ServerAction::<NewRecoveryCodes>::new();
    view! {
        <h2>{td!(locale, recovery_codes.heading)}</h2>
        <p>{td!(locale, recovery_codes.settings_intro)}</p>
        {move || match renew.value().get() {
            Some(Ok(list)) if !list.is_empty() => Some(view! { <CodeList list /> }),
            _ => None,
        }}
        <ActionForm action=renew>
            <TanSubmit value=renew.value()>{td!(locale, recovery_codes.renew)}</TanSubmit>
        </ActionForm>
    }
}
