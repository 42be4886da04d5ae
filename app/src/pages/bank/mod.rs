//! The payout bank account (SPEC 7): every change needs its own TAN (SPEC 5.3).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::portal::{ChangeBankAccount, bank_account},
    components::{PortalNav, TanPrompt, load_error, provide_locale},
    i18n::*,
};

#[component]
pub fn BankPage() -> impl IntoView {
    let i18n = use_i18n();
    let account = Resource::new(|| (), |_| bank_account());
    view! {
        <Title text=move || t_string!(i18n, bank.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="bank-heading">
            <h1 id="bank-heading">{t!(i18n, bank.heading)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(Some(a)) => {
                            view! {
                                <h2>{t!(i18n, bank.current)}</h2>
                                <dl class="facts">
                                    <dt>{t!(i18n, bank.holder)}</dt>
                                    <dd>{a.holder}</dd>
                                    <dt>{t!(i18n, bank.iban)}</dt>
                                    <dd class="iban">{a.iban}</dd>
                                    <dt>"BIC"</dt>
                                    <dd>{a.bic.unwrap_or_else(|| "–".into())}</dd>
                                </dl>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <p>{t!(i18n, bank.none)}</p> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            <BankForm locale=i18n.get_locale_untracked() />
        </section>
    }
}

/// The change form with its TAN prompt, in the browser: the data stays in the form while the
/// TAN is typed; once saved, the page reloads its account above.
#[island(lazy)]
fn BankForm(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let change = ServerAction::<ChangeBankAccount>::new();
    let result = Signal::derive(move || change.value().get());
    crate::islands::reload_on_success(result);
    let saved = move || matches!(result.get(), Some(Ok(())));
    view! {
        {move || saved().then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, bank.saved)}</p> })}
        <p class="hint">{td!(locale, bank.note)}</p>
        <ActionForm action=change>
            <label for="bank-holder">{td!(locale, bank.holder)}</label>
            <input id="bank-holder" name="holder" type="text" autocomplete="name" required />
            <label for="bank-iban">{td!(locale, bank.iban)}</label>
            <input id="bank-iban" name="iban" type="text" autocomplete="off" spellcheck="false" required />
            <label for="bank-bic">{td!(locale, bank.bic)}</label>
            <input id="bank-bic" name="bic" type="text" autocomplete="off" spellcheck="false" />
            <TanPrompt result />
            <button type="submit" class="secondary">
                {td!(locale, bank.save)}
            </button>
        </ActionForm>
    }
}
