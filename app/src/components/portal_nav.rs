use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::*;

/// The navigation of the portal area, marking the current page.
#[component]
pub fn PortalNav() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    let current = move |href: &'static str| move || (path.get() == href).then_some("page");
    view! {
        <nav class="portal-nav" aria-label=move || t_string!(i18n, nav.main).to_string()>
            <a href="/" aria-current=current("/")>
                {t!(i18n, nav.start)}
            </a>
            <a href="/invoices" aria-current=current("/invoices")>
                {t!(i18n, nav.invoices)}
            </a>
            <a href="/bank" aria-current=current("/bank")>
                {t!(i18n, nav.bank)}
            </a>
            <a href="/settings" aria-current=current("/settings")>
                {t!(i18n, nav.settings)}
            </a>
        </nav>
    }
}

/// Sends an anonymous visitor to the login and shows other load errors.
pub fn load_error(err: crate::api::AppError) -> AnyView {
    use leptos_router::components::Redirect;
    match err {
        crate::api::AppError::NotAuthenticated => view! { <Redirect path="/login" /> }.into_any(),
        err => view! { <super::ErrorNotice err /> }.into_any(),
    }
}
