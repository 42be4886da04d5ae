//! The confirmation of a transaction another application asks for (OpenID Connect with
//! `authorization_details`, SPEC 11.3): what the application asks, and the TAN prompt.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::oidc_login::{ConfirmForApplication, waiting_confirmation},
    components::{TanPrompt, load_error},
    i18n::*,
    wire::AppError,
};

#[component]
pub fn ConfirmPage() -> impl IntoView {
    let i18n = use_i18n();
    let confirm = ServerAction::<ConfirmForApplication>::new();
    let waiting = Resource::new(|| (), |_| waiting_confirmation());
    let result = Signal::derive(move || confirm.value().get());
    view! {
        <Title text=move || t_string!(i18n, confirm.title).to_string() />
        <section class="card" aria-labelledby="confirm-heading">
            <h1 id="confirm-heading">{t!(i18n, confirm.heading)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match waiting.await {
                        Ok(Some(c)) => {
                            let application = c.application.clone();
                            view! {
                                <p>{t!(i18n, confirm.asks, application = move || application.clone())}</p>
                                <p class="transaction">
                                    <strong>{c.description}</strong>
                                </p>
                                <p class="hint">{t!(i18n, confirm.note)}</p>
                                <ActionForm action=confirm>
                                    <TanPrompt result />
                                    <button type="submit">{t!(i18n, confirm.submit)}</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <p>{t!(i18n, confirm.none)}</p> }.into_any(),
                        // The application asked for a newer login (or a second factor).
                        Err(AppError::WrongStep { home }) => view! { <Redirect path=home /> }.into_any(),
                        Err(AppError::NotAuthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
        </section>
    }
}
