//! The browser's half of a passkey ceremony (WebAuthn): the server's options in, the
//! authenticator's answer out, both as WebAuthn Level 3's JSON
//! (`PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` and
//! the credential's `toJSON()`), which is what the relying-party library on the server writes
//! and reads. The islands that run a ceremony put its answer into a hidden field of a plain
//! form and submit it, so the answer goes where a form post goes (the next challenge, an
//! application's page).

use leptos::prelude::*;

use super::use_locale;
use crate::i18n::*;

/// Why a ceremony gave no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyProblem {
    /// The user cancelled it, or let it time out: nothing was sent, nothing counted.
    Cancelled,
    /// The browser has no passkeys (or too old a WebAuthn).
    Unsupported,
    /// The authenticator or the browser refused (no matching key, an error).
    Failed,
}

/// What the user reads about a ceremony that gave no answer.
#[component]
pub fn CeremonyNotice(problem: CeremonyProblem) -> impl IntoView {
    let locale = use_locale();
    let text = match problem {
        CeremonyProblem::Cancelled => td!(locale, passkeys.cancelled).into_any(),
        CeremonyProblem::Unsupported => td!(locale, passkeys.unsupported).into_any(),
        CeremonyProblem::Failed => td!(locale, passkeys.failed).into_any(),
    };
    view! {
        <p class="notice notice-warn" role="alert">
            {text}
        </p>
    }
}

/// Which ceremony: making a new key, or signing with one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialCall {
    Create,
    Get,
}

/// Puts `answer` into the field `answer` of the form `form_id` and submits that form.
#[cfg(feature = "hydrate")]
pub fn submit_answer(form_id: &str, answer: &str) {
    use leptos::wasm_bindgen::JsCast;
    let Some(form) = document().get_element_by_id(form_id).and_then(|e| e.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    if let Some(field) = form
        .query_selector("input[name=answer]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        field.set_value(answer);
        let _ = form.request_submit();
    }
}

/// Runs the ceremony for `options` (the server's JSON, `publicKey` inside) and returns the
/// answer as JSON.
#[cfg(feature = "hydrate")]
pub async fn run(call: CredentialCall, options: &str) -> Result<String, CeremonyProblem> {
    use js_sys::{Function, JSON, Object, Reflect};
    use leptos::wasm_bindgen::{JsCast, JsValue};

    let get = |target: &JsValue, name: &str| Reflect::get(target, &JsValue::from_str(name)).ok();
    let window = window();
    let class =
        get(&window, "PublicKeyCredential").filter(|c| !c.is_undefined()).ok_or(CeremonyProblem::Unsupported)?;
    let parse_name = match call {
        CredentialCall::Create => "parseCreationOptionsFromJSON",
        CredentialCall::Get => "parseRequestOptionsFromJSON",
    };
    let parse =
        get(&class, parse_name).and_then(|f| f.dyn_into::<Function>().ok()).ok_or(CeremonyProblem::Unsupported)?;
    let options = JSON::parse(options).map_err(|_| CeremonyProblem::Failed)?;
    let public_key = get(&options, "publicKey").ok_or(CeremonyProblem::Failed)?;
    let public_key = parse.call1(&class, &public_key).map_err(|_| CeremonyProblem::Failed)?;
    let request = Object::new();
    Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key).map_err(|_| CeremonyProblem::Failed)?;
    let credentials = window.navigator().credentials();
    let promise = match call {
        CredentialCall::Create => credentials.create_with_options(request.unchecked_ref()),
        CredentialCall::Get => credentials.get_with_options(request.unchecked_ref()),
    }
    .map_err(|_| CeremonyProblem::Failed)?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| {
        // The user said no, or the time ran out ("NotAllowedError"): nothing happened.
        match get(&e, "name").and_then(|n| n.as_string()).as_deref() {
            Some("NotAllowedError" | "AbortError") => CeremonyProblem::Cancelled,
            _ => CeremonyProblem::Failed,
        }
    })?;
    let to_json =
        get(&credential, "toJSON").and_then(|f| f.dyn_into::<Function>().ok()).ok_or(CeremonyProblem::Unsupported)?;
    let answer = to_json.call0(&credential).map_err(|_| CeremonyProblem::Failed)?;
    JSON::stringify(&answer).ok().and_then(|s| s.as_string()).ok_or(CeremonyProblem::Failed)
}
