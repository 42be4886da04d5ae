//! The organisation's invoices (SPEC 7) and their submission, which needs a TAN once today's
//! total would exceed the user's threshold (SPEC 5.3).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::portal::{SubmitInvoice, invoices},
    components::{PortalNav, TanPrompt, load_error, provide_locale},
    domain::money::format_eur,
    i18n::*,
};

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let page = move || query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0));
    let list = Resource::new(page, invoices);
    let german = move || i18n.get_locale() == Locale::de;
    view! {
        <Title text=move || t_string!(i18n, invoices.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="invoices-heading">
            <h1 id="invoices-heading">{t!(i18n, invoices.heading)}</h1>
            <h2>{t!(i18n, invoices.submit_heading)}</h2>
            <InvoiceForm locale=i18n.get_locale_untracked() />
            <Suspense>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(p) => {
                            let total = format_eur(p.today_total_cents, german());
                            let threshold = format_eur(p.threshold_cents, german());
                            let page_no = p.page;
                            view! {
                                <p class="hint">
                                    {t!(
                                        i18n, invoices.today, total = move || total.clone(), threshold = move || threshold.clone()
                                    )}
                                </p>
                                <h2>{t!(i18n, invoices.list)}</h2>
                                {if p.items.is_empty() {
                                    view! { <p>{t!(i18n, invoices.empty)}</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="invoices">
                                            <thead>
                                                <tr>
                                                    <th scope="col">{t!(i18n, invoices.number)}</th>
                                                    <th scope="col">{t!(i18n, invoices.date)}</th>
                                                    <th scope="col" class="num">
                                                        {t!(i18n, invoices.amount)}
                                                    </th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {p
                                                    .items
                                                    .into_iter()
                                                    .map(|r| {
                                                        view! {
                                                            <tr>
                                                                <td data-label=move || {
                                                                    t_string!(i18n, invoices.number).to_string()
                                                                }>{r.number}</td>
                                                                <td data-label=move || {
                                                                    t_string!(i18n, invoices.date).to_string()
                                                                }>{r.date}</td>
                                                                <td
                                                                    class="num"
                                                                    data-label=move || {
                                                                        t_string!(i18n, invoices.amount).to_string()
                                                                    }
                                                                >
                                                                    {format_eur(r.amount_cents, german())}
                                                                </td>
                                                            </tr>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    }
                                        .into_any()
                                }}
                                <p class="pager">
                                    {(page_no > 0)
                                        .then(|| {
                                            view! {
                                                <a href=format!("/invoices?page={}", page_no - 1)>
                                                    {t!(i18n, invoices.newer)}
                                                </a>
                                            }
                                        })}
                                    {p
                                        .has_more
                                        .then(|| {
                                            view! {
                                                <a href=format!("/invoices?page={}", page_no + 1)>
                                                    {t!(i18n, invoices.older)}
                                                </a>
                                            }
                                        })}
                                </p>
                            }
                                .into_any()
                        }
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The submission form with its TAN prompt, in the browser; once submitted, the page reloads
/// its list below.
#[island(lazy)]
fn InvoiceForm(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let submit = ServerAction::<SubmitInvoice>::new();
    let result = Signal::derive(move || submit.value().get());
    crate::islands::reload_on_success(result);
    view! {
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, invoices.submitted)}</p> })
        }}
        <ActionForm action=submit>
            <label for="invoice-number">{td!(locale, invoices.number)}</label>
            <input id="invoice-number" name="number" type="text" required />
            <label for="invoice-date">{td!(locale, invoices.date)}</label>
            <input id="invoice-date" name="date" type="date" required />
            <label for="invoice-amount">{td!(locale, invoices.amount)}</label>
            <input id="invoice-amount" name="amount" type="text" inputmode="decimal" required />
            <TanPrompt result />
            <button type="submit" class="secondary">
                {td!(locale, invoices.submit)}
            </button>
        </ActionForm>
    }
}
