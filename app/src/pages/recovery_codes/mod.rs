//! The recovery codes after MFA setup, shown once; and the list component the
//! settings page shows a new set with.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::recovery_codes::due_recovery_codes,
    components::{ErrorNotice, PortalNav},
    i18n::*,
    wire::AppError,
};

#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let i18n = use_i18n();
    let codes = Resource::new(|| (), |_| due_recovery_codes());
    view! {
        <Title text=move || t_string!(i18n, recovery_codes.title).to_string() />
        <PortalNav />
        <section class="card" aria-labelledby="codes-heading">
            <h1 id="codes-heading">{t!(i18n, recovery_codes.heading)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match codes.await {
                        Ok(Some(list)) => view! { <CodeList list /> }.into_any(),
                        Ok(None) => view! { <p>{t!(i18n, recovery_codes.already_shown)}</p> }.into_any(),
                        Err(AppError::NotAuthenticated) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(err) => view! { <ErrorNotice err /> }.into_any(),
                    }
                })}
            </Suspense>
            // Through the server: an application waiting for this login (OpenID Connect) gets
            // its answer now, anyone else goes to the start page.
            <p>
                <a href="/oidc/resume" rel="external">
                    {t!(i18n, recovery_codes.continue_to_portal)}
                </a>
            </p>
        </section>
    }
}

/// A new set: what the codes are for, the ten codes, and that they are shown only now.
#[component]
pub fn CodeList(list: Vec<String>) -> impl IntoView {
    let locale = crate::components::use_locale();
    view! {
        <p>{td!(locale, recovery_codes.intro)}</p>
        <ol class="recovery-codes" aria-label=td_string!(locale, recovery_codes.heading).to_string()>
            {list.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ol>
        <p class="notice notice-warn">{td!(locale, recovery_codes.once)}</p>
    }
}
