//! The start page after login: where the supplier stands. The login before this one and the
//! wrong passwords since, the MFA methods, the TAN system, the payout account and the newest
//! invoices, each with a link to where it is changed, and a notice when few recovery codes
//! are left.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{auth::Logout, overview::overview},
    components::{ErrorNotice, LocalTime, PortalNav, load_error},
    domain::{
        mfa::{Factor, Method},
        money::format_eur,
    },
    i18n::*,
    wire::overview::Overview,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| overview());
    view! {
        <Title text=move || t_string!(i18n, home.title).to_string() />
        <PortalNav />
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => view! { <Welcome o /> }.into_any(),
                    Err(err) => load_error(err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let logout = ServerAction::<Logout>::new();
    let name = o.full_name.clone();
    let role = match o.role.as_str() {
        "admin" => t!(i18n, roles.admin).into_any(),
        "support" => t!(i18n, roles.support).into_any(),
        _ => t!(i18n, roles.member).into_any(),
    };
    // After a recovery code: how many are left (from the login's redirect).
    let query = use_query_map();
    let recovery_left = move || query.with(|m| m.get("recovery_left")).and_then(|v| v.parse::<u32>().ok());
    let portal = o.organisation.is_some();
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
            {o.recovery_codes_low.then(|| {
                let left = o.methods.recovery_codes_left;
                let how_many = if left == 0 {
                    t!(i18n, home.recovery_none).into_any()
                } else {
                    t!(i18n, home.recovery_low, left = move || left).into_any()
                };
                view! {
                    <p class="notice notice-warn">
                        {how_many} " "
                        <a href="/settings#recovery-codes">{t!(i18n, home.recovery_make)}</a>
                    </p>
                }
            })}
            <dl class="facts">
                <dt>{t!(i18n, home.signed_in_as)}</dt>
                <dd>{o.email.clone()}</dd>
                {o.organisation.clone().map(|org| view! {
                    <dt>{t!(i18n, home.organisation)}</dt>
                    <dd>{org}</dd>
                })}
                <dt>{t!(i18n, home.role)}</dt>
                <dd>{role}</dd>
            </dl>
        </section>
        <LastLogin o=o.clone() />
        <MethodsCard o=o.clone() />
        <TanCard o=o.clone() />
        {portal.then(|| view! { <PortalCard o=o.clone() /> })}
        <section class="card">
            {move || logout.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <ActionForm action=logout>
                <button type="submit">{t!(i18n, home.logout)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn LastLogin(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let failed = o.failed_since;
    let failed_class = if failed > 0 { "notice notice-warn" } else { "" };
    view! {
        <section class="card" aria-labelledby="last-login-heading">
            <h2 id="last-login-heading">{t!(i18n, home.last_login)}</h2>
            {match o.previous_login {
                Some(l) => {
                    let via = match l.method {
                        Some(Factor::Code(Method::Sms)) => t!(i18n, home.via_sms).into_any(),
                        Some(Factor::Code(Method::Email)) => t!(i18n, home.via_email).into_any(),
                        Some(Factor::Totp) => t!(i18n, home.via_app).into_any(),
                        Some(Factor::Push) => t!(i18n, home.via_push).into_any(),
                        Some(Factor::Passkey) => t!(i18n, home.via_passkey).into_any(),
                        None => t!(i18n, home.via_other).into_any(),
                    };
                    view! {
                        <dl class="facts">
                            <dt>{t!(i18n, home.when)}</dt>
                            <dd><LocalTime unix=l.at text=l.at_text /></dd>
                            <dt>{t!(i18n, home.from_ip)}</dt>
                            <dd>{l.ip.unwrap_or_else(|| "—".into())}</dd>
                            <dt>{t!(i18n, home.method)}</dt>
                            <dd>{via}</dd>
                        </dl>
                    }
                        .into_any()
                }
                None => view! { <p>{t!(i18n, home.first_login)}</p> }.into_any(),
            }}
            <p class=failed_class data-testid="failed-since">
                {t!(i18n, home.failed_since, count = move || failed)} " "
                <a href="/activity">{t!(i18n, home.see_activity)}</a>
            </p>
        </section>
    }
}

#[component]
fn MethodsCard(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let m = o.methods;
    view! {
        <section class="card" aria-labelledby="methods-heading">
            <h2 id="methods-heading">{t!(i18n, home.methods)}</h2>
            <ul class="facts-list">
                {m.phone.map(|p| view! { <li>{t!(i18n, home.method_sms, phone = move || p.clone())}</li> })}
                <li>{t!(i18n, home.method_email, email = move || m.email.clone())}</li>
                {m.app.then(|| view! { <li>{t!(i18n, home.method_app)}</li> })}
                {m.push_device.map(|d| view! { <li>{t!(i18n, home.method_push, device = move || d.clone())}</li> })}
                <li>{t!(i18n, home.method_recovery, left = move || m.recovery_codes_left)}</li>
            </ul>
            <p><a href="/settings">{t!(i18n, home.add_method)}</a></p>
        </section>
    }
}

#[component]
fn TanCard(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let state = if o.tan_locked {
        view! { <p class="notice notice-error">{t!(i18n, home.tan_locked)}</p> }.into_any()
    } else if !o.tan_active {
        view! { <p>{t!(i18n, home.tan_inactive)}</p> }.into_any()
    } else if o.tan_session_open {
        view! { <p>{t!(i18n, home.tan_session_open)}</p> }.into_any()
    } else {
        view! { <p>{t!(i18n, home.tan_active)}</p> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="tan-heading">
            <h2 id="tan-heading">{t!(i18n, home.tan)}</h2>
            {state}
            <p><a href="/settings">{t!(i18n, home.tan_rules)}</a></p>
        </section>
    }
}

#[component]
fn PortalCard(o: Overview) -> impl IntoView {
    let i18n = use_i18n();
    let german = move || i18n.get_locale() == Locale::de;
    view! {
        <section class="card" aria-labelledby="payout-heading">
            <h2 id="payout-heading">{t!(i18n, home.payout)}</h2>
            {match o.payout {
                Some((holder, iban)) => view! { <p>{holder} ", " <span class="mono">{iban}</span></p> }.into_any(),
                None => view! { <p>{t!(i18n, home.no_payout)}</p> }.into_any(),
            }}
            <p><a href="/bank">{t!(i18n, home.change_payout)}</a></p>
        </section>
        <section class="card" aria-labelledby="newest-heading">
            <h2 id="newest-heading">{t!(i18n, home.newest_invoices)}</h2>
            {if o.invoices.is_empty() {
                view! { <p>{t!(i18n, invoices.empty)}</p> }.into_any()
            } else {
                view! {
                    <ul class="facts-list">
                        {o.invoices
                            .into_iter()
                            .map(|r| view! {
                                <li>
                                    <span class="mono">{r.number}</span> " · " {r.date} " · "
                                    {move || format_eur(r.amount_cents, german())}
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <p><a href="/invoices">{t!(i18n, home.all_invoices)}</a></p>
        </section>
    }
}
