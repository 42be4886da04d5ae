use leptos::prelude::*;

use super::use_locale;
use crate::i18n::*;

/// The one-time-code field (SPEC 3.4): numeric keyboard, the browser's one-time-code
/// autofill, pasted codes with spaces accepted (the server strips them).
#[component]
pub fn CodeInput() -> impl IntoView {
    let locale = use_locale();
    view! {
        <label for="mfa-code">{td!(locale, mfa.code)}</label>
        <input
            id="mfa-code"
            name="code"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            maxlength="12"
            aria-describedby="mfa-code-hint"
            required
        />
        <p id="mfa-code-hint" class="hint">
            {td!(locale, mfa.code_hint)}
        </p>
    }
}

/// The code of an authenticator app (6 digits, a space allowed), at login and when an app is
/// set up; `id` tells the two forms apart on a page.
#[component]
pub fn AppCodeInput(id: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <label for=id>{td!(locale, totp.code_label)}</label>
        <input
            id=id
            name="code"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxlength="7"
            required
        />
    }
}
