//! Any path without a page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=move || t_string!(i18n, not_found.title).to_string() />
        <section class="card">
            <h1>{t!(i18n, not_found.heading)}</h1>
            <p>
                <a href="/login">{t!(i18n, not_found.back)}</a>
            </p>
        </section>
    }
}
