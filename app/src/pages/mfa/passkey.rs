//! "Authenticate via passkey" at the login challenge (SPEC 14.2): a button that asks the
//! server for the ceremony's options, lets the browser sign with one of the account's
//! passkeys, and submits the answer with the page's plain form beside it, so a passed
//! challenge goes on like any other (to the start page, or back to an application).

use leptos::prelude::*;

use crate::{
    api::passkeys::PasskeyChallengeOptions,
    components::{CeremonyNotice, CeremonyProblem, ErrorNotice, provide_locale},
    i18n::*,
};

/// The id of the form the answer is submitted with.
pub(super) const FORM_ID: &str = "passkey-form";

/// The button (a form asking for the ceremony's options), and what went wrong with its last
/// ceremony. `primary`: the challenge opened on passkeys, so it is the page's main button.
#[island(lazy)]
pub(super) fn PasskeyButton(locale: Locale, primary: bool) -> impl IntoView {
    let locale = provide_locale(locale);
    let options = ServerAction::<PasskeyChallengeOptions>::new();
    let problem = RwSignal::new(None::<CeremonyProblem>);
    Effect::new(move |_| {
        let Some(Ok(o)) = options.value().get() else { return };
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::components::passkey_ceremony::{CredentialCall, run, submit_answer};
            match run(CredentialCall::Get, &o.options).await {
                Ok(answer) => submit_answer(FORM_ID, &answer),
                Err(p) => problem.set(Some(p)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = o;
    });
    view! {
        <ActionForm action=options>
            <button type="submit" id="passkey-button" class=(!primary).then_some("link")>
                {td!(locale, passkeys.via)}
            </button>
        </ActionForm>
        {move || problem.get().map(|problem| view! { <CeremonyNotice problem /> })}
        {move || options.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
    }
}
