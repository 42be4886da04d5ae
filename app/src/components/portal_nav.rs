use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{api::auth::current_user, i18n::*};

/// The navigation of the portal area, marking the current page. Suppliers see the portal;
/// organisation admins also their team; support agents the console instead of the portal.
#[component]
pub fn PortalNav() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    let current = move |href: &'static str| move || (path.get() == href).then_some("page");
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <nav class="portal-nav" aria-label=move || t_string!(i18n, nav.main).to_string()>
            <a href="/" aria-current=current("/")>
                {t!(i18n, nav.start)}
            </a>
            <Suspense>
                {move || Suspend::new(async move {
                    let role = user.await.ok().flatten().map(|u| u.role).unwrap_or_default();
                    if role == "support" {
                        view! {
                            <a href="/support" aria-current=current("/support")>
                                {t!(i18n, nav.support)}
                            </a>
                        }
                            .into_any()
                    } else {
                        view! {
                            <a href="/invoices" aria-current=current("/invoices")>
                                {t!(i18n, nav.invoices)}
                            </a>
                            <a href="/bank" aria-current=current("/bank")>
                                {t!(i18n, nav.bank)}
                            </a>
                            {(role == "admin")
                                .then(|| {
                                    view! {
                                        <a href="/team" aria-current=current("/team")>
                                            {t!(i18n, nav.team)}
                                        </a>
                                    }
                                })}
                        }
                            .into_any()
                    }
                })}
            </Suspense>
            <a href="/settings" aria-current=current("/settings")>
                {t!(i18n, nav.settings)}
            </a>
            <a href="/activity" aria-current=current("/activity")>
                {t!(i18n, nav.activity)}
            </a>
        </nav>
    }
}

/// Sends an anonymous visitor to the login and shows other load errors.
pub fn load_error(err: crate::wire::AppError) -> AnyView {
    use leptos_router::components::Redirect;
    match err {
        crate::wire::AppError::NotAuthenticated => view! { <Redirect path="/login" /> }.into_any(),
        err => view! { <super::ErrorNotice err /> }.into_any(),
    }
}
