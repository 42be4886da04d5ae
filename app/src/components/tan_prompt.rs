use leptos::prelude::*;

use super::{ErrorNotice, ResendButton, use_locale};
use crate::{i18n::*, wire::AppError};

/// What the TAN prompt shows while a TAN is pending.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    description: String,
    phone: String,
    cooldown_secs: i64,
    tries_left: u32,
}

/// The one TAN prompt of every protected action (SPEC 5), placed inside the action's form.
///
/// It follows the action's last result: a `TanRequired` opens it (what the TAN is for, the
/// masked phone, the resend countdown, the tries left); a wrong TAN keeps it open with the
/// new count; success or any other error closes it. Submitting the form with the TAN field
/// filled authorises exactly the data in the form; submitting it empty requests a new TAN.
#[component]
pub fn TanPrompt(result: Signal<Option<Result<(), AppError>>>) -> impl IntoView {
    let locale = use_locale();
    let pending = RwSignal::new(None::<Pending>);
    Effect::new(move |_| match result.get() {
        Some(Err(AppError::TanRequired { description, phone, cooldown_secs, tries_left })) => {
            pending.set(Some(Pending { description, phone, cooldown_secs, tries_left }))
        }
        Some(Err(AppError::TanWrong { tries_left })) => pending.update(|p| {
            if let Some(p) = p {
                p.tries_left = tries_left;
                p.cooldown_secs = 0;
            }
        }),
        Some(Err(AppError::Input(_) | AppError::CodeWrong { .. })) => {}
        _ => pending.set(None),
    });
    let notice = move || match result.get() {
        Some(Err(AppError::TanRequired { .. } | AppError::EmailCodeRequired { .. })) | None | Some(Ok(())) => None,
        Some(Err(err)) => Some(view! { <ErrorNotice err /> }),
    };
    // Server-rendered first paint (JavaScript off): the effect has not run, so read directly.
    let shown = move || {
        pending.get().or_else(|| match result.get() {
            Some(Err(AppError::TanRequired { description, phone, cooldown_secs, tries_left })) => {
                Some(Pending { description, phone, cooldown_secs, tries_left })
            }
            _ => None,
        })
    };
    view! {
        {notice}
        {move || {
            shown()
                .map(|p| {
                    let Pending { description, phone, cooldown_secs, tries_left } = p;
                    view! {
                        <fieldset class="tan">
                            <legend>{td!(locale, tan.legend)}</legend>
                            <p>
                                {td!(
                                    locale, tan.sent, phone = move || phone.clone(), what = move || description.clone()
                                )}
                            </p>
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
                })
        }}
    }
}
