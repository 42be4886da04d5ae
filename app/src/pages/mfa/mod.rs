//! The MFA challenge at login (SPEC 3, 4.3).

mod passkey;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        auth::Logout,
        challenge::{ResendCode, SwitchMethod, UseRecoveryCode, UseTotp, VerifyCode, mfa_status},
        passkeys::UsePasskey,
        push::{FinishPush, SendPush},
    },
    components::{AppCodeInput, CodeInput, ErrorNotice, ResendButton, first_error},
    domain::{
        mfa::Method,
        push::{PushState, PushView},
    },
    i18n::*,
    wire::{
        AppError,
        challenge::{MfaFlow, MfaStatus},
    },
};

#[component]
pub fn MfaPage() -> impl IntoView {
    let i18n = use_i18n();
    let verify = ServerAction::<VerifyCode>::new();
    let resend = ServerAction::<ResendCode>::new();
    let switch = ServerAction::<SwitchMethod>::new();
    let recovery = ServerAction::<UseRecoveryCode>::new();
    let totp = ServerAction::<UseTotp>::new();
    let passkey = ServerAction::<UsePasskey>::new();
    let push = PushActions {
        send: ServerAction::<SendPush>::new(),
        finish: ServerAction::<FinishPush>::new(),
        answered: RwSignal::new(0),
    };
    // Refetched after every action, so the countdown and the counts follow the server.
    let status = Resource::new(
        move || {
            (
                (verify.version().get(), resend.version().get(), switch.version().get()),
                (recovery.version().get(), totp.version().get(), passkey.version().get()),
                (push.send.version().get(), push.finish.version().get(), push.answered.get()),
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
                    passkey.value().get(),
                    push.send.value().get(),
                    // A denial or expiry shows in the push panel, not twice.
                    push.finish.value().get().filter(|r| !matches!(r, Err(AppError::PushDenied | AppError::PushExpired))),
                ])
                    .map(|err| view! { <ErrorNotice err /> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    let status = status.await;
                    // A passed challenge leaves for the page the server redirects to (an
                    // application's confirmation page, say); the refreshed status would
                    // redirect to the start page instead, and win while that page's code is
                    // still loading.
                    let passed = |r: Option<Result<(), AppError>>| matches!(r, Some(Ok(())));
                    if passed(verify.value().get_untracked())
                        || passed(recovery.value().get_untracked())
                        || passed(totp.value().get_untracked())
                        || passed(passkey.value().get_untracked())
                        || passed(push.finish.value().get_untracked())
                    {
                        return ().into_any();
                    }
                    super::mfa_step(
                        status,
                        false,
                        |s| view! { <Challenge status=s verify resend switch recovery totp passkey push /> }.into_any(),
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
    passkey: ServerAction<UsePasskey>,
    push: PushActions,
) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let to = status.destination.clone().unwrap_or_default();
    let sent = match status.method {
        Some(Method::Email) => t!(i18n, mfa.sent_email, to = move || to.clone()).into_any(),
        Some(Method::Sms) | None => t!(i18n, mfa.sent_sms, to = move || to.clone()).into_any(),
    };
    let total = status.codes_total;
    let resetting = status.flow == MfaFlow::PasswordReset;
    // The challenge opened on a push, or on the authenticator app: no code was sent yet.
    let on_push = status.push.is_some() && !status.code_sent;
    let waiting_for_passkey = status.opened_on_passkey && !status.code_sent && !on_push;
    let waiting_for_app = status.totp && !status.code_sent && !on_push && !waiting_for_passkey;
    let no_code = waiting_for_app || on_push || waiting_for_passkey;
    let passkey_form = (status.passkey && !status.exhausted).then(|| {
        view! {
            <div class="passkey">
                <ActionForm action=passkey attr:id=passkey::FORM_ID>
                    <input type="hidden" name="answer" value="" />
                </ActionForm>
                <passkey::PasskeyButton locale=i18n.get_locale_untracked() primary=waiting_for_passkey />
                <noscript>
                    <p class="hint">{t!(i18n, passkeys.noscript)}</p>
                </noscript>
            </div>
        }
    });
    let (passkey_first, passkey_among_methods) = match waiting_for_passkey {
        true => (passkey_form.map(|form| view! { <p>{t!(i18n, passkeys.prompt)}</p> {form} }), None),
        false => (None, passkey_form.map(|form| view! { <div class="methods">{form}</div> })),
    };
    let push_panel = status.push.clone().map(|view| view! { <PushPanel view push /> });
    let offer_push = status.push_available
        && !status.exhausted
        && !matches!(status.push, Some(PushView { state: PushState::Pending | PushState::Approved, .. }));
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
        {(!no_code).then(|| view! { <p>{sent}</p> })}
        {status
            .codes_left
            .map(|left| {
                view! {
                    <p class="notice notice-warn">
                        {t!(i18n, mfa.codes_left, left = move || left, total = move || total)}
                    </p>
                }
            })}
        {push_panel}
        {passkey_first}
        {status
            .pushes_left
            .filter(|_| status.push_available)
            .map(|left| {
                view! {
                    <p class="notice notice-warn">
                        {t!(i18n, push.left, left = move || left, total = move || total)}
                    </p>
                }
            })}
        {app_form}
        {(!status.exhausted && !no_code)
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
        {(!no_code)
            .then(|| {
                view! {
                    <ActionForm action=resend>
                        <ResendButton seconds=status.cooldown_secs new_code=status.exhausted />
                    </ActionForm>
                }
            })}
        {passkey_among_methods}
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
            {offer_push
                .then(|| {
                    view! {
                        <li>
                            <ActionForm action=push.send>
                                <button type="submit" class="link">
                                    {t!(i18n, push.via_push)}
                                </button>
                            </ActionForm>
                        </li>
                    }
                })}
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

/// The push actions of the challenge: send one, go on after approval, and a counter the
/// event stream bumps when the device answered otherwise.
#[derive(Clone, Copy)]
struct PushActions {
    send: ServerAction<SendPush>,
    finish: ServerAction<FinishPush>,
    answered: RwSignal<u32>,
}

/// The push of this login: the number to pick on the device while it waits (the page goes on
/// by itself when the device approves; without JavaScript, "Continue" asks), or what became of it.
#[component]
fn PushPanel(view: PushView, push: PushActions) -> impl IntoView {
    let i18n = use_i18n();
    // The page is rendered on the server; an island follows the push's event stream.
    let follow = matches!(view.state, PushState::Pending | PushState::Approved)
        .then(|| view! { <PushFollow approved=view.state == PushState::Approved /> });
    let _ = push.answered;
    let number = view.number;
    let go_on = view! {
        <ActionForm action=push.finish>
            <button type="submit">{t!(i18n, push.go_on)}</button>
        </ActionForm>
    };
    match view.state {
        PushState::Pending | PushState::Approved => view! {
            <div class="push">
                <div role="status" aria-atomic="true">
                    <p>{t!(i18n, push.waiting_short)}</p>
                    <p class="push-number" id="push-number">
                        {number}
                    </p>
                </div>
                <p class="hint">{t!(i18n, push.expires)} " " {t!(i18n, push.go_on_hint)}</p>
                {go_on}
                {follow}
            </div>
        }
        .into_any(),
        PushState::Denied | PushState::Expired => view! {
            <p class="notice notice-warn" role="alert">
                {match view.state {
                    PushState::Denied => t!(i18n, errors.push_denied).into_any(),
                    _ => t!(i18n, push.expired).into_any(),
                }}
            </p>
            <ActionForm action=push.send>
                <button type="submit" class="secondary">
                    {t!(i18n, push.again)}
                </button>
            </ActionForm>
        }
        .into_any(),
    }
}

/// Listens to the login's push event stream: an approval submits the "Continue" form, a
/// denial or expiry reloads the page (which shows it). Approved before the page loaded: submits
/// at once. The stream closes on the device's answer, or once the push panel has left the page
/// (the islands router replaces pages without disposing islands).
#[island]
fn PushFollow(approved: bool) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::{JsCast, closure::Closure};
        fn go_on() {
            if let Some(form) = document()
                .query_selector(".push form")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
            {
                let _ = form.request_submit();
            }
        }
        if approved {
            go_on();
        } else if let Ok(source) = web_sys::EventSource::new("/api/mfa/push/events") {
            let handle = source.clone();
            let on_push = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                match e.data().as_string().as_deref() {
                    Some("Approved") => {
                        handle.close();
                        go_on();
                    }
                    Some("Denied" | "Expired") => {
                        handle.close();
                        crate::islands::reload_page();
                    }
                    _ => {}
                }
            });
            let _ = source.add_event_listener_with_callback("push", on_push.as_ref().unchecked_ref());
            on_push.forget();
            close_when_gone(source);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = approved;
}

/// Closes `source` once the push number is no longer on the page (checked every 2 s).
#[cfg(feature = "hydrate")]
fn close_when_gone(source: web_sys::EventSource) {
    gloo_timers::callback::Timeout::new(2_000, move || {
        if source.ready_state() == web_sys::EventSource::CLOSED {
            return;
        }
        if document().get_element_by_id("push-number").is_none() {
            source.close();
            return;
        }
        close_when_gone(source);
    })
    .forget();
}
