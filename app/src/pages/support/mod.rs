//! The support console (SPEC 6.4): search, the account's security state, actions with a
//! reason. `?q=` searches, `?id=` opens an account.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::support::{LiftLock, SendPhoneReset, UnlockTan, account, search_accounts},
    components::{ErrorNotice, LocalTime, PortalNav, first_error, load_error},
    domain::mfa::Method,
    i18n::*,
    pages::activity::EventTable,
    wire::support::{AccountDetail, AccountHit, MessageState},
};

#[component]
pub fn SupportPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = move || query.with(|m| m.get("q")).unwrap_or_default();
    let id = move || query.with(|m| m.get("id")).and_then(|v| v.parse::<i64>().ok());
    let reset = ServerAction::<SendPhoneReset>::new();
    let lift = ServerAction::<LiftLock>::new();
    let unlock = ServerAction::<UnlockTan>::new();
    let hits =
        Resource::new(
            q,
            |q| async move { if q.trim().is_empty() { Ok(Vec::new()) } else { search_accounts(q).await } },
        );
    let detail = Resource::new(
        move || (id(), reset.version().get(), lift.version().get(), unlock.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => account(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text=move || t_string!(i18n, support.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="support-heading">
            <h1 id="support-heading">{t!(i18n, support.heading)}</h1>
            <form method="get" action="/support" role="search">
                <label for="support-q">{t!(i18n, support.search_label)}</label>
                <input id="support-q" name="q" type="search" value=q minlength="3" required />
                <button type="submit">{t!(i18n, support.search)}</button>
            </form>
            <Suspense>
                {move || Suspend::new(async move {
                    match hits.await {
                        Ok(list) => view! { <Hits list /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            {move || {
                first_error([reset.value().get(), lift.value().get(), unlock.value().get()])
                    .map(|err| view! { <ErrorNotice err /> })
            }}
            {move || {
                let failed = first_error([reset.value().get(), lift.value().get(), unlock.value().get()]).is_some();
                (query.with(|m| m.get("done").is_some()) && !failed)
                    .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, support.done)}</p> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(Some(d)) => view! { <Detail d reset lift unlock /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Hits(list: Vec<AccountHit>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="hits">
            {list
                .into_iter()
                .map(|h| {
                    let org = h.organisation.unwrap_or_else(|| t_string!(i18n, support.staff).to_string());
                    view! {
                        <li>
                            <a href=format!("/support?id={}", h.id)>{format!("{} <{}>", h.full_name, h.email)}</a>
                            " · "
                            {org}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The fields of one support action's form: the account and the reason (SPEC 6.4).
fn reason_fields(user_id: i64, field: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("reason-{field}");
    view! {
        <input type="hidden" name="user_id" value=user_id />
        <label for=id.clone()>{t!(i18n, support.reason)}</label>
        <input id=id name="reason" type="text" minlength="10" maxlength="500" required />
    }
}

#[component]
fn Detail(
    d: AccountDetail,
    reset: ServerAction<SendPhoneReset>,
    lift: ServerAction<LiftLock>,
    unlock: ServerAction<UnlockTan>,
) -> impl IntoView {
    let i18n = use_i18n();
    let yes_no = move |b: bool| if b { t!(i18n, support.yes).into_any() } else { t!(i18n, support.no).into_any() };
    let quota_label = move |name: &str| match name {
        "login_sms" => t!(i18n, support.quota_login_sms).into_any(),
        "login_email" => t!(i18n, support.quota_login_email).into_any(),
        "setup_sms" => t!(i18n, support.quota_setup_sms).into_any(),
        "wrong_entries" => t!(i18n, support.quota_wrong_entries).into_any(),
        _ => t!(i18n, support.quota_tan_sms).into_any(),
    };
    let locked = d.locked_until.clone();
    view! {
        <h2>{format!("{} <{}>", d.full_name, d.email)}</h2>
        <dl class="facts">
            <dt>{t!(i18n, home.organisation)}</dt>
            <dd>{d.organisation.clone().unwrap_or_else(|| t_string!(i18n, support.staff).to_string())}</dd>
            <dt>{t!(i18n, home.role)}</dt>
            <dd>{d.role.clone()}</dd>
            <dt>{t!(i18n, support.disabled)}</dt>
            <dd>{yes_no(d.disabled)}</dd>
            <dt>{t!(i18n, support.mfa)}</dt>
            <dd>{d.phone.clone().unwrap_or_else(|| t_string!(i18n, support.mfa_pending).to_string())}</dd>
            <dt>{t!(i18n, support.last_method)}</dt>
            <dd>{d.last_method.clone()}</dd>
            <dt>{t!(i18n, support.trusted_ip)}</dt>
            <dd>{d.trusted_ip.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>{t!(i18n, support.lock)}</dt>
            <dd>
                {match locked {
                    Some((unix, text)) => view! { <LocalTime unix text /> }.into_any(),
                    None => t!(i18n, support.no).into_any(),
                }}
            </dd>
            <dt>{t!(i18n, support.tan)}</dt>
            <dd>
                {if d.tan_locked {
                    let ip = d.tan_locked_ip.clone().unwrap_or_else(|| "—".into());
                    t!(i18n, support.tan_locked, ip = move || ip.clone()).into_any()
                } else {
                    t!(i18n, support.tan_open).into_any()
                }}
            </dd>
        </dl>
        <h3>{t!(i18n, support.quotas)}</h3>
        <ul>
            {d
                .quotas
                .iter()
                .map(|q| {
                    let (used, limit) = (q.used, q.limit);
                    view! {
                        <li>
                            {quota_label(&q.name)}
                            ": "
                            {format!("{used} / {limit}")}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <h3>{t!(i18n, support.actions)}</h3>
        {if d.own_account {
            view! { <p class="notice notice-info">{t!(i18n, support.own_account)}</p> }.into_any()
        } else {
            let (user_id, reset_open, locked, tan_locked) =
                (d.id, d.phone_reset_open, d.locked_until.is_some(), d.tan_locked);
            view! { <Actions user_id reset_open locked tan_locked reset lift unlock /> }.into_any()
        }}
        <h3>{t!(i18n, support.messages)}</h3>
        <Messages list=d.messages />
        <h3>{t!(i18n, support.events)}</h3>
        <EventTable items=d.events />
    }
}

/// The support actions on an account that is not the agent's own (SPEC 6.4).
#[component]
fn Actions(
    user_id: i64,
    reset_open: bool,
    locked: bool,
    tan_locked: bool,
    reset: ServerAction<SendPhoneReset>,
    lift: ServerAction<LiftLock>,
    unlock: ServerAction<UnlockTan>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {reset_open.then(|| view! { <p class="notice notice-info">{t!(i18n, support.reset_open)}</p> })}
        <ActionForm action=reset>
            {reason_fields(user_id, "reset")}
            <button type="submit" class="secondary">
                {t!(i18n, support.send_reset)}
            </button>
        </ActionForm>
        {locked
            .then(|| {
                view! {
                    <ActionForm action=lift>
                        {reason_fields(user_id, "lift")}
                        <button type="submit" class="secondary">
                            {t!(i18n, support.lift)}
                        </button>
                    </ActionForm>
                }
            })}
        {tan_locked
            .then(|| {
                view! {
                    <ActionForm action=unlock>
                        {reason_fields(user_id, "unlock")}
                        <button type="submit" class="secondary">
                            {t!(i18n, support.unlock)}
                        </button>
                    </ActionForm>
                }
            })}
    }
}

/// The newest messages to the account and their delivery (a failing provider shows here).
#[component]
fn Messages(list: Vec<MessageState>) -> impl IntoView {
    let i18n = use_i18n();
    if list.is_empty() {
        return view! { <p>{t!(i18n, support.no_messages)}</p> }.into_any();
    }
    view! {
        <table>
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, support.message_written)}</th>
                    <th scope="col">{t!(i18n, support.message_channel)}</th>
                    <th scope="col">{t!(i18n, support.message_state)}</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|m| {
                        let (unix, text) = m.created;
                        let channel = match m.channel {
                            Method::Sms => "SMS",
                            Method::Email => "E-Mail",
                        };
                        let attempts = m.attempts;
                        let state = match (m.sent, m.next_attempt, m.last_error, m.gave_up) {
                            (_, _, error, Some((unix, text))) => {
                                view! {
                                    <strong>{t!(i18n, support.message_gave_up)}</strong>
                                    " "
                                    <LocalTime unix text />
                                    " "
                                    <code>{error.unwrap_or_default()}</code>
                                }
                                    .into_any()
                            }
                            (Some((unix, text)), ..) => {
                                view! {
                                    {t!(i18n, support.message_sent)}
                                    " "
                                    <LocalTime unix text />
                                }
                                    .into_any()
                            }
                            (None, Some((unix, text)), Some(error), None) => {
                                view! {
                                    <strong>{t!(i18n, support.message_failed, attempts = move || attempts)}</strong>
                                    " "
                                    <code>{error}</code>
                                    " · "
                                    {t!(i18n, support.message_next)}
                                    " "
                                    <LocalTime unix text />
                                }
                                    .into_any()
                            }
                            _ => t!(i18n, support.message_waiting).into_any(),
                        };
                        view! {
                            <tr>
                                <td>
                                    <LocalTime unix text />
                                </td>
                                <td>{channel}</td>
                                <td>{state}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
