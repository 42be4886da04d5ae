use leptos::prelude::*;

use crate::i18n::*;

/// "Erneut senden" / "Resend", disabled with a visible countdown while the server's cooldown
/// runs (SPEC 3.2). The server renders the remaining seconds; once hydrated, a gloo-timers
/// interval counts down. Without JavaScript, the button is enabled on the next page load.
#[component]
pub fn ResendButton(
    seconds: i64,
    #[prop(optional)] new_code: bool,
    /// In a TAN prompt: empties the TAN field first, so the submission asks for a new TAN.
    #[prop(optional)]
    new_tan: bool,
) -> impl IntoView {
    let i18n = use_i18n();
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
        <button type="submit" class="secondary" disabled=move || { left.get() > 0 } on:click=move |_| clear_tan(new_tan)>
            {move || {
                let secs = left.get();
                if secs > 0 {
                    t!(i18n, mfa.resend_in, secs = move || secs).into_any()
                } else if new_tan {
                    t!(i18n, tan.request_new).into_any()
                } else if new_code {
                    t!(i18n, mfa.new_code).into_any()
                } else {
                    t!(i18n, mfa.resend).into_any()
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
