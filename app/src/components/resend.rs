use leptos::prelude::*;

use super::use_locale;
use crate::i18n::*;

/// "Erneut senden" / "Resend", disabled with a visible countdown while the server's cooldown
/// runs (SPEC 3.2). The server renders the remaining seconds; once hydrated, a gloo-timers
/// interval counts down. Without JavaScript, the button is enabled on the next page load.
///
/// The countdown is an island of its own on a page rendered on the server; inside another
/// island (a TAN prompt) it is part of that one.
#[component]
pub fn ResendButton(
    seconds: i64,
    #[prop(optional)] new_code: bool,
    /// In a TAN prompt: empties the TAN field first, so the submission asks for a new TAN.
    #[prop(optional)]
    new_tan: bool,
) -> impl IntoView {
    let locale = use_locale();
    view! { <ResendCountdown locale seconds new_code new_tan /> }
}

/// The button of [`ResendButton`], hydrated in the browser (its props are serialised into the page).
#[island]
fn ResendCountdown(locale: Locale, seconds: i64, new_code: bool, new_tan: bool) -> impl IntoView {
    let left = RwSignal::new(seconds.max(0));
    #[cfg(feature = "hydrate")]
    if seconds > 0 {
        let interval = gloo_timers::callback::Interval::new(1_000, move || {
            left.update(|s| *s = (*s - 1).max(0));
        });
        // Dropped (and so cancelled) with the component.
        StoredValue::new_local(interval);
    }
    view! {
        // A new TAN is asked for by SMS (`tan=sms`): on an account whose TANs come by passkey,
        // this is the fallback the user chose, not a new ceremony.
        <button
            type="submit"
            class="secondary"
            name=new_tan.then_some("tan")
            value=new_tan.then_some("sms")
            disabled=move || { left.get() > 0 }
            on:click=move |_| clear_tan(new_tan)
        >
            {move || {
                let secs = left.get();
                if secs > 0 {
                    td!(locale, mfa.resend_in, secs = move || secs).into_any()
                } else if new_tan {
                    td!(locale, tan.request_new).into_any()
                } else if new_code {
                    td!(locale, mfa.new_code).into_any()
                } else {
                    td!(locale, mfa.resend).into_any()
                }
            }}
        </button>
    }
}

/// Empties the TAN field of the page (before a "new TAN" submission).
fn clear_tan(new_tan: bool) {
    #[cfg(feature = "hydrate")]
    if new_tan {
        use leptos::wasm_bindgen::JsCast;
        if let Some(input) = document()
            .get_element_by_id("tan-input")
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        {
            input.set_value("");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = new_tan;
}
