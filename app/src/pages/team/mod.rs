//! The team page of an organisation admin (SPEC 6.1): colleagues with their MFA status,
//! invitations, disabling and re-enabling accounts (each behind the TAN of the admin mode).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        AppError,
        accounts::{Invite, MemberStatus, SetAccountEnabled, TeamMember, team},
    },
    components::{PortalNav, TanPrompt, load_error},
    i18n::*,
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let i18n = use_i18n();
    let invite = ServerAction::<Invite>::new();
    let enabled = ServerAction::<SetAccountEnabled>::new();
    let members = Resource::new(move || (invite.version().get(), enabled.version().get()), |_| team());
    let invite_result = Signal::derive(move || invite.value().get());
    let enabled_result = Signal::derive(move || enabled.value().get());
    view! {
        <Title text=move || t_string!(i18n, team.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="team-heading">
            <h1 id="team-heading">{t!(i18n, team.heading)}</h1>
            <p>{t!(i18n, team.intro)}</p>
            {move || {
                matches!(enabled.value().get(), Some(Ok(())))
                    .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, team.saved)}</p> })
            }}
            <Suspense>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! { <Members list enabled result=enabled_result /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            <h2>{t!(i18n, team.invite_heading)}</h2>
            {move || {
                matches!(invite.value().get(), Some(Ok(())))
                    .then(|| view! { <p class="notice notice-ok" role="status">{t!(i18n, team.invited)}</p> })
            }}
            <ActionForm action=invite>
                <label for="invite-name">{t!(i18n, register.full_name)}</label>
                <input id="invite-name" name="full_name" type="text" autocomplete="off" maxlength="200" required />
                <label for="invite-email">{t!(i18n, register.email)}</label>
                <input id="invite-email" name="email" type="email" autocomplete="off" required />
                <TanPrompt result=invite_result />
                <button type="submit">{t!(i18n, team.invite)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Members(
    list: Vec<TeamMember>,
    enabled: ServerAction<SetAccountEnabled>,
    result: Signal<Option<Result<(), AppError>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    // The TAN prompt belongs to the row whose button was pressed last.
    let acting = RwSignal::new(None::<i64>);
    view! {
        <table class="team">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, register.full_name)}</th>
                    <th scope="col">{t!(i18n, register.email)}</th>
                    <th scope="col">{t!(i18n, team.status)}</th>
                    <th scope="col">{t!(i18n, team.action)}</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|m| {
                        let status = match m.status {
                            MemberStatus::Invited => t!(i18n, team.status_invited).into_any(),
                            MemberStatus::SetupPending => t!(i18n, team.status_setup).into_any(),
                            MemberStatus::Active => {
                                let phone = m.phone.clone().unwrap_or_default();
                                t!(i18n, team.status_active, phone = move || phone.clone()).into_any()
                            }
                            MemberStatus::Disabled => t!(i18n, team.status_disabled).into_any(),
                        };
                        let id = m.id;
                        let enable = m.status == MemberStatus::Disabled;
                        let action = (!m.is_me)
                            .then(|| {
                                view! {
                                    <ActionForm action=enabled on:submit=move |_| acting.set(Some(id))>
                                        <input type="hidden" name="user_id" value=id />
                                        <input type="hidden" name="enabled" value=enable.to_string() />
                                        {move || {
                                            (acting.get() == Some(id)).then(|| view! { <TanPrompt result /> })
                                        }}
                                        <button type="submit" class="secondary">
                                            {if enable {
                                                t!(i18n, team.enable).into_any()
                                            } else {
                                                t!(i18n, team.disable).into_any()
                                            }}
                                        </button>
                                    </ActionForm>
                                }
                            });
                        view! {
                            <tr>
                                <td>{m.full_name}</td>
                                <td>{m.email}</td>
                                <td>{status}</td>
                                <td>{action}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
