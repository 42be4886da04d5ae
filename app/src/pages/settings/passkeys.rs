//! Passkeys in the settings (SPEC 14.1): the account's keys with when each was added and last
//! used, renamed and removed with plain forms; a new one added behind a TAN by an island that
//! runs the browser's ceremony and submits its answer with the plain "finish" form (the page
//! then shows the new list).

use leptos::prelude::*;

use super::factors::TanSubmit;
use crate::{
    api::passkeys::{FinishPasskey, RemovePasskey, RenamePasskey, StartPasskey, passkeys},
    components::{CeremonyNotice, CeremonyProblem, ErrorNotice, first_error, provide_locale},
    i18n::*,
    wire::passkeys::PasskeyView,
};

/// The id of the form a new key's answer is submitted with.
const FINISH_FORM_ID: &str = "passkey-finish";

#[component]
pub(super) fn Passkeys() -> impl IntoView {
    let i18n = use_i18n();
    let finish = ServerAction::<FinishPasskey>::new();
    let rename = ServerAction::<RenamePasskey>::new();
    let remove = ServerAction::<RemovePasskey>::new();
    let keys =
        Resource::new(move || (finish.version().get(), rename.version().get(), remove.version().get()), |_| passkeys());
    view! {
        <h2>{t!(i18n, passkeys.heading)}</h2>
        <p>{t!(i18n, passkeys.settings_intro)}</p>
        {move || {
            matches!(finish.value().get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, passkeys.added)}</p> })
        }}
        {move || {
            first_error([finish.value().get(), rename.value().get(), remove.value().get()])
                .map(|err| view! { <ErrorNotice err /> })
        }}
        <Suspense>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, passkeys.none)}</p> }.into_any(),
                    Ok(list) => {
                        view! {
                            <ul class="passkeys">
                                {list.into_iter().map(|key| view! { <Key key rename remove /> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(err) => view! { <ErrorNotice err /> }.into_any(),
                }
            })}
        </Suspense>
        <ActionForm action=finish attr:id=FINISH_FORM_ID>
            <input type="hidden" name="answer" value="" />
        </ActionForm>
        <PasskeyEnrolment locale=i18n.get_locale_untracked() />
        <noscript>
            <p class="hint">{t!(i18n, passkeys.noscript)}</p>
        </noscript>
    }
}

/// One key: its name and dates, a rename form and a remove button.
#[component]
fn Key(key: PasskeyView, rename: ServerAction<RenamePasskey>, remove: ServerAction<RemovePasskey>) -> impl IntoView {
    let i18n = use_i18n();
    let PasskeyView { id, name, created_at_text, last_used_at_text } = key;
    let used = match last_used_at_text {
        Some(at) => t!(i18n, passkeys.last_used, at = move || at.clone()).into_any(),
        None => t!(i18n, passkeys.never_used).into_any(),
    };
    let field = format!("passkey-name-{id}");
    view! {
        <li>
            <strong class="passkey-name">{name.clone()}</strong>
            " · "
            {t!(i18n, passkeys.created, at = move || created_at_text.clone())}
            " · "
            {used}
            <ActionForm action=rename>
                <input type="hidden" name="id" value=id />
                <label for=field.clone()>{t!(i18n, passkeys.rename_label)}</label>
                <input id=field name="name" type="text" value=name maxlength="60" required />
                <button type="submit" class="secondary">
                    {t!(i18n, passkeys.rename)}
                </button>
            </ActionForm>
            <ActionForm action=remove>
                <input type="hidden" name="id" value=id />
                <button type="submit" class="secondary">
                    {t!(i18n, passkeys.remove)}
                </button>
            </ActionForm>
        </li>
    }
}

/// A new key: its name, the TAN, then the browser's ceremony; the answer goes with the finish
/// form.
#[island(lazy)]
fn PasskeyEnrolment(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let start = ServerAction::<StartPasskey>::new();
    let problem = RwSignal::new(None::<CeremonyProblem>);
    Effect::new(move |_| {
        let Some(Ok(options)) = start.value().get() else { return };
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::components::passkey_ceremony::{CredentialCall, run, submit_answer};
            match run(CredentialCall::Create, &options.options).await {
                Ok(answer) => submit_answer(FINISH_FORM_ID, &answer),
                Err(p) => problem.set(Some(p)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = options;
    });
    view! {
        {move || problem.get().map(|problem| view! { <CeremonyNotice problem /> })}
        <ActionForm action=start>
            <label for="passkey-new-name">{td!(locale, passkeys.name_label)}</label>
            <input id="passkey-new-name" name="name" type="text" maxlength="60" required />
            <TanSubmit value=start.value()>{td!(locale, passkeys.add)}</TanSubmit>
        </ActionForm>
    }
}
