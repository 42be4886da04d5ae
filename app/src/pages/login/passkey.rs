//! "Log in with a passkey" on the login page (SPEC 14.2): no password, no address typed.
//!
//! The browser's half is a small inline script (`passkey.js`), not an island: any Leptos
//! island on `/login` brings the islands' shared runtime with it (measured: 187.6 KB of wasm
//! and JavaScript on the first load for a lazy island, a main wasm of 157.8 KB for an eager
//! one), and the login page's budget is 100 KiB. The script is about 1.5 KB, inline with the
//! page's nonce, so `/login` still loads no script file at all. A script in HTML the islands
//! router fetched would not run: the router loads a page with `data-full-load` in full.

use leptos::{nonce::use_nonce, prelude::*};

use crate::{api::passkeys::LogInWithPasskey, i18n::*};

/// The script, as the page inlines it.
const SCRIPT: &str = include_str!("passkey.js");

/// The form the answer is posted with, the button (shown by the script), a notice for a
/// ceremony that gave no answer, and the script. `autofill`: offer the keys in the e-mail
/// field's autofill; not right after a key was refused, which would offer it again.
#[component]
pub(super) fn PasskeyLogin(action: ServerAction<LogInWithPasskey>, autofill: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        // `data-full-load`: the islands router loads this page in full, so the script runs.
        <div class="passkey" data-full-load>
            <p class="or">{t!(i18n, login.or)}</p>
            <ActionForm action attr:id="passkey-login-form" attr:data-autofill=autofill.to_string()>
                <input type="hidden" name="ceremony" value="" />
                <input type="hidden" name="answer" value="" />
            </ActionForm>
            <button
                type="button"
                id="passkey-login-button"
                class="secondary"
                hidden
                data-cancelled=move || t_string!(i18n, passkeys.cancelled).to_string()
                data-failed=move || t_string!(i18n, passkeys.failed).to_string()
            >
                {t!(i18n, login.passkey)}
            </button>
            <p id="passkey-login-notice" class="notice notice-warn" role="alert" hidden></p>
            <noscript>
                <p class="hint">{t!(i18n, passkeys.noscript)}</p>
            </noscript>
            <script nonce=use_nonce() inner_html=SCRIPT></script>
        </div>
    }
}
