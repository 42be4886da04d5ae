//! "Authenticate via passkey" at the login challenge (SPEC 14.2): a button that asks the
//! server for the ceremony's options, lets the browser sign with one of the account's
//! passkeys, and submits the answer with the page's plain form, so a passed challenge goes on
//! like any other (to the start page, or back to an application).

use leptos::prelude::*;

use crate::{
    components::{CeremonyNotice, CeremonyProblem, ErrorNotice, provide_locale},
    i18n::*,
    wire::AppError,
};

/// The id of the form the answer is submitted with.
pub(super) const FORM_ID: &str = "passkey-form";

/// The button, and what went wrong with its last ceremony. `primary`: the challenge opened on
/// passkeys, so it is the page's main button.
#[island(lazy)]
pub(super) fn PasskeyButton(locale: Locale, primary: bool) -> impl IntoView {
    let locale = provide_locale(locale);
    let problem = RwSignal::new(None::<CeremonyProblem>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let go = move |_| {
        problem.set(None);
        error.set(None);
        #[cfg(feature = "hydrate")]
        {
            use crate::components::passkey_ceremony::{CredentialCall, run, submit_answer};
            busy.set(true);
            leptos::task::spawn_local(async move {
                match crate::api::passkeys::passkey_challenge_options().await {
                    Err(e) => error.set(Some(e)),
                    Ok(o) => match run(CredentialCall::Get, &o.options).await {
                        Ok(answer) => submit_answer(FORM_ID, &answer),
                        Err(p) => problem.set(Some(p)),
                    },
                }
                busy.set(false);
            });
        }
    };
    view! {
        <button type="button" id="passkey-button" class=(!primary).then_some("link") on:click=go disabled=busy>
            {td!(locale, passkeys.via)}
        </button>
        {move || problem.get().map(|problem| view! { <CeremonyNotice problem /> })}
        {move || error.get().map(|err| view! { <ErrorNotice err /> })}
    }
}
