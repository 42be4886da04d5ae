use leptos::prelude::*;

use super::{CeremonyNotice, CeremonyProblem, ErrorNotice, ResendButton, use_locale};
use crate::{i18n::*, wire::AppError};

/// What the TAN prompt shows while a TAN is pending: a TAN sent by SMS, or a passkey's
/// ceremony for exactly these data (SPEC 5.8, 14.3).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    Sms { description: String, phone: String, cooldown_secs: i64, tries_left: u32 },
    Passkey { description: String, options: String, phone: String, tries_left: u32 },
}

impl Pending {
    fn of(result: Option<Result<(), AppError>>) -> Option<Self> {
        match result {
            Some(Err(AppError::TanRequired { description, phone, cooldown_secs, tries_left })) => {
                Some(Pending::Sms { description, phone, cooldown_secs, tries_left })
            }
            Some(Err(AppError::TanPasskeyRequired { description, options, phone, tries_left })) => {
                Some(Pending::Passkey { description, options, phone, tries_left })
            }
            _ => None,
        }
    }

    fn wrong(&mut self, left: u32) {
        match self {
            Pending::Sms { tries_left, cooldown_secs, .. } => {
                *tries_left = left;
                *cooldown_secs = 0;
            }
            Pending::Passkey { tries_left, .. } => *tries_left = left,
        }
    }
}

/// The one TAN prompt of every protected action (SPEC 5), placed inside the action's form.
///
/// It follows the action's last result: a `TanRequired` opens it (what the TAN is for, the
/// masked phone, the resend countdown, the tries left); a `TanPasskeyRequired` opens it on the
/// passkey (what it confirms, a button that runs the ceremony and submits the form with its
/// answer as the TAN, and SMS as the fallback); a wrong TAN keeps it open with the new count;
/// success or any other error closes it. Submitting the form with the TAN field filled
/// authorises exactly the data in the form; submitting it empty requests a new TAN.
#[component]
pub fn TanPrompt(result: Signal<Option<Result<(), AppError>>>) -> impl IntoView {
    let pending = RwSignal::new(None::<Pending>);
    Effect::new(move |_| match result.get() {
        Some(Err(AppError::TanWrong { tries_left })) => pending.update(|p| {
            if let Some(p) = p {
                p.wrong(tries_left);
            }
        }),
        Some(Err(AppError::Input(_) | AppError::CodeWrong { .. })) => {}
        other => pending.set(Pending::of(other)),
    });
    let notice = move || match result.get() {
        Some(Err(
            AppError::TanRequired { .. } | AppError::TanPasskeyRequired { .. } | AppError::EmailCodeRequired { .. },
        ))
        | None
        | Some(Ok(())) => None,
        Some(Err(err)) => Some(view! { <ErrorNotice err /> }),
    };
    // Server-rendered first paint (JavaScript off): the effect has not run, so read directly.
    let shown = move || pending.get().or_else(|| Pending::of(result.get()));
    view! {
        {notice}
        {move || {
            shown()
                .map(|p| match p {
                    Pending::Sms { description, phone, cooldown_secs, tries_left } => {
                        view! { <SmsTan description phone cooldown_secs tries_left /> }.into_any()
                    }
                    Pending::Passkey { description, options, phone, tries_left } => {
                        view! { <PasskeyTan description options phone tries_left /> }.into_any()
                    }
                })
        }}
    }
}

#[component]
fn SmsTan(description: String, phone: String, cooldown_secs: i64, tries_left: u32) -> impl IntoView {
    let locale = use_locale();
    view! {
        <fieldset class="tan">
            <legend>{td!(locale, tan.legend)}</legend>
            <p>{td!(locale, tan.sent, phone = move || phone.clone(), what = move || description.clone())}</p>
            <label for="tan-input">{td!(locale, tan.label)}</label>
            <input
                id="tan-input"
                name="tan"
                type="text"
                autocomplete="one-time-code"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="12"
                aria-describedby="tan-hint"
            />
            <p id="tan-hint" class="hint">
                {td!(locale, tan.hint)}
                " "
                {td!(locale, tan.tries, tries = move || tries_left)}
            </p>
            <button type="submit">{td!(locale, tan.confirm)}</button>
            <ResendButton seconds=cooldown_secs new_tan=true />
        </fieldset>
    }
}

/// The passkey's confirmation: the button runs the ceremony and submits the action's form with
/// the answer in `tan` (a hidden field, disabled until then, so that without JavaScript the
/// fallback's `tan=sms` is the only one sent). A cancelled ceremony sends nothing.
#[component]
fn PasskeyTan(description: String, options: String, phone: String, tries_left: u32) -> impl IntoView {
    let locale = use_locale();
    let problem = RwSignal::new(None::<CeremonyProblem>);
    let field = NodeRef::<leptos::html::Input>::new();
    let confirm = move |_| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            let options = options.clone();
            leptos::task::spawn_local(async move {
                use crate::components::passkey_ceremony::{CredentialCall, run};
                let answer = match run(CredentialCall::Get, &options).await {
                    Ok(answer) => answer,
                    Err(p) => return problem.set(Some(p)),
                };
                let Some(input) = field.get_untracked() else { return };
                input.set_value(&answer);
                input.set_disabled(false);
                if let Some(form) = input.form() {
                    let _ = form.request_submit();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &options;
    };
    view! {
        <fieldset class="tan">
            // The form's default button (Enter in a field): asks again, without `tan`, so the
            // same ceremony is shown; the SMS fallback below is sent only when pressed.
            <button type="submit" hidden tabindex="-1" aria-hidden="true"></button>
            <legend>{td!(locale, tan.legend)}</legend>
            <p>{td!(locale, tan.passkey_asked, what = move || description.clone())}</p>
            <p class="hint">
                {td!(locale, tan.passkey_hint)}
                " "
                {td!(locale, tan.tries, tries = move || tries_left)}
            </p>
            <input type="hidden" name="tan" disabled node_ref=field />
            <button type="button" id="tan-passkey" on:click=confirm>
                {td!(locale, tan.passkey_confirm)}
            </button>
            {move || problem.get().map(|problem| view! { <CeremonyNotice problem /> })}
            <button type="submit" name="tan" value="sms" class="link">
                {td!(locale, tan.sms_instead, phone = move || phone.clone())}
            </button>
        </fieldset>
    }
}
