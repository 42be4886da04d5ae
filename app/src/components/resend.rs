use leptos::prelude::*;

use crate::i18n::*;

/// "Erneut senden" / "Resend", disabled with a visible countdown while the server's cooldown
/// runs (SPEC 3.2). The server renders the remaining seconds; once hydrated, a gloo-timers
/// interval counts down. Without JavaScript, the button is enabled on the next page load.
#[component]
pub fn ResendButton(seconds: i64, #[prop(optional)] new_code: bool) -> impl IntoView {
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
        <button type="submit" class="secondary" disabled=move || { left.get() > 0 }>
            {move || {
                let secs = left.get();
                if secs > 0 {
                    t!(i18n, mfa.resend_in, secs = move || secs).into_any()
                } else if new_code {
                    t!(i18n, mfa.new_code).into_any()
                } else {
                    t!(i18n, mfa.resend).into_any()
                }
            }}
        </button>
    }
}
