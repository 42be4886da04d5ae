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
    /// Signing, asked for at once (a button).
    Get,
    /// Signing, offered in the browser's autofill of a field marked `webauthn`: it waits until
    /// the user picks a key there.
    GetConditional,
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The ceremony under way on this page: a browser runs one at a time, so a new one (the
    /// button, while the autofill waits) ends it first.
    static UNDER_WAY: std::cell::RefCell<Option<web_sys::AbortController>> = const { std::cell::RefCell::new(None) };
}

/// Whether the browser can offer passkeys in a field's autofill.
#[cfg(feature = "hydrate")]
pub async fn autofill_offered() -> bool {
    use js_sys::{Function, Reflect};
    use leptos::wasm_bindgen::{JsCast, JsValue};
    let Ok(class) = Reflect::get(&window(), &JsValue::from_str("PublicKeyCredential")) else { return false };
    let check = Reflect::get(&class, &JsValue::from_str("isConditionalMediationAvailable"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(promise) = check.and_then(|f| f.call0(&class).ok()).and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok_and(|v| v.as_bool() == Some(true))
}

/// Puts each value into its (hidden) field of the form `form_id`, `answer` the ceremony's,
/// and submits that form.
#[cfg(feature = "hydrate")]
pub fn submit_answer(form_id: &str, fields: &[(&str, &str)]) {
    use leptos::wasm_bindgen::JsCast;
    let Some(form) = document().get_element_by_id(form_id).and_then(|e| e.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    for (name, value) in fields {
        let field = form
            .query_selector(&format!("input[name={name}]"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok());
        match field {
            Some(field) => field.set_value(value),
            None => return,
        }
    }
    let _ = form.request_submit();
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
        CredentialCall::Get | CredentialCall::GetConditional => "parseRequestOptionsFromJSON",
    };
    let parse =
        get(&class, parse_name).and_then(|f| f.dyn_into::<Function>().ok()).ok_or(CeremonyProblem::Unsupported)?;
    let options = JSON::parse(options).map_err(|_| CeremonyProblem::Failed)?;
    let public_key = get(&options, "publicKey").ok_or(CeremonyProblem::Failed)?;
    let public_key = parse.call1(&class, &public_key).map_err(|_| CeremonyProblem::Failed)?;
    let request = Object::new();
    Reflect::set(&request, &JsValue::from_str("publicKey"), &public_key).map_err(|_| CeremonyProblem::Failed)?;
    if call == CredentialCall::GetConditional {
        Reflect::set(&request, &JsValue::from_str("mediation"), &JsValue::from_str("conditional"))
            .map_err(|_| CeremonyProblem::Failed)?;
    }
    let controller = web_sys::AbortController::new().map_err(|_| CeremonyProblem::Unsupported)?;
    Reflect::set(&request, &JsValue::from_str("signal"), &controller.signal()).map_err(|_| CeremonyProblem::Failed)?;
    if let Some(earlier) = UNDER_WAY.with(|u| u.replace(Some(controller))) {
        earlier.abort();
    }
    let credentials = window.navigator().credentials();
    let promise = match call {
        CredentialCall::Create => credentials.create_with_options(request.unchecked_ref()),
        CredentialCall::Get | CredentialCall::GetConditional => credentials.get_with_options(request.unchecked_ref()),
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
