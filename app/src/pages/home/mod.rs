//! The start page after login.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::auth::{Logout, UserInfo, current_user},
    components::{ErrorNotice, PortalNav},
    i18n::*,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <Title text=move || t_string!(i18n, home.title).to_string() />
        <PortalNav />
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Welcome user /> }.into_any(),
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(err) => view! { <ErrorNotice err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome(user: UserInfo) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let name = user.full_name.clone();
    let role = match user.role.as_str() {
        "admin" => t!(i18n, roles.admin).into_any(),
        "support" => t!(i18n, roles.support).into_any(),
        _ => t!(i18n, roles.member).into_any(),
    };
    // After a recovery code: how many are left (from the login's redirect).
    let query = use_query_map();
    let recovery_left = move || query.with(|m| m.get("recovery_left")).and_then(|v| v.parse::<u32>().ok());
    view! {
        <section class="card" aria-labelledby="home-heading">
            <h1 id="home-heading">{t!(i18n, home.heading, name = move || name.clone())}</h1>
            {move || {
                recovery_left()
                    .map(|left| {
                        view! {
                            <p class="notice notice-warn" role="status">
                                {t!(i18n, recovery_codes.used, left = move || left)}
                            </p>
                        }
                    })
            }}
            <dl class="facts">
                <dt>{t!(i18n, home.signed_in_as)}</dt>
                <dd>{user.email}</dd>
                {user
                    .organisation
                    .map(|org| {
                        view! {
                            <dt>{t!(i18n, home.organisation)}</dt>
                            <dd>{org}</dd>
                        }
                    })}
                <dt>{t!(i18n, home.role)}</dt>
                <dd>{role}</dd>
            </dl>
            {move || logout.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <ActionForm action=logout>
                <button type="submit">{t!(i18n, home.logout)}</button>
            </ActionForm>
        </section>
    }
}
