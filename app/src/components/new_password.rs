use leptos::prelude::*;

use super::use_locale;
use crate::i18n::*;

/// The field of every new password (registration, invitation, forgotten password, change):
/// the browser's password manager may suggest one; the hint says the rules (SPEC 2.1).
#[component]
pub fn NewPasswordInput(id: &'static str, name: &'static str, label: AnyView) -> impl IntoView {
    let locale = use_locale();
    let hint = format!("{id}-hint");
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            name=name
            type="password"
            autocomplete="new-password"
            minlength="12"
            aria-describedby=hint.clone()
            required
        />
        <p id=hint class="hint">
            {td!(locale, register.password_hint)}
        </p>
    }
}
