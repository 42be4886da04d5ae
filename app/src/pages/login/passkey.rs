//! "Log in with a passkey" on the login page (SPEC 14.2): no password, no address typed. The
//! browser offers the passkeys it holds for Riegel in the e-mail field's autofill as soon as
//! the page is ready, and at the button. Either way the answer is submitted with the page's
//! plain form beside it, so a login goes on like any other (to the start page, or back to an
//! application).

use leptos::prelude::*;

use crate::{
    api::passkeys::PasskeyLoginOptions,
    components::{CeremonyNotice, CeremonyProblem, ErrorNotice, provide_locale},
    i18n::*,
};

/// The id of the form the answer is submitted with.
pub(super) const FORM_ID: &str = "passkey-login-form";

/// The button (a form asking for the ceremony's options), the autofill's ceremony begun when
/// the island wakes, and what went wrong with the button's last ceremony. `autofill`: offer
/// the keys in the autofill; not right after a key was refused, which would offer it again.
#[island(lazy)]
pub(super) fn PasskeyLogin(locale: Locale, autofill: bool) -> impl IntoView {
    let locale = provide_locale(locale);
    let options = ServerAction::<PasskeyLoginOptions>::new();
    let problem = RwSignal::new(None::<CeremonyProblem>);
    // The autofill: asked once, in the browser; it waits for the user to pick a key, and the
    // button ends it (a browser runs one ceremony at a time).
    #[cfg(not(feature = "hydrate"))]
    let _ = autofill;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::components::passkey_ceremony::{CredentialCall, autofill_offered, run, submit_answer};
            if !autofill || !autofill_offered().await {
                return;
            }
            let Ok(o) = crate::api::passkeys::passkey_login_options().await else { return };
            // The button was pressed meanwhile: its ceremony goes on, this one is not begun.
            if options.version().get_untracked() > 0 {
                return;
            }
            if let Ok(answer) = run(CredentialCall::GetConditional, &o.options).await {
                submit_answer(FORM_ID, &[("ceremony", &o.ceremony), ("answer", &answer)]);
            }
        });
    });
    Effect::new(move |_| {
        let Some(Ok(o)) = options.value().get() else { return };
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::components::passkey_ceremony::{CredentialCall, run, submit_answer};
            match run(CredentialCall::Get, &o.options).await {
                Ok(answer) => submit_answer(FORM_ID, &[("ceremony", &o.ceremony), ("answer", &answer)]),
                Err(p) => problem.set(Some(p)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = o;
    });
    view! {
        <ActionForm action=options>
            <button type="submit" id="passkey-login-button" class="secondary">
                {td!(locale, login.passkey)}
            </button>
        </ActionForm>
        {move || problem.get().map(|problem| view! { <CeremonyNotice problem /> })}
        {move || options.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
    }
}
