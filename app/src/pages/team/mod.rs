//! The team page of an organisation admin (SPEC 6.1): colleagues with their MFA status,
//! invitations, disabling and re-enabling accounts (each behind the TAN of the admin mode).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::accounts::{Invite, SetAccountEnabled, team},
    components::{PortalNav, TanPrompt, load_error, provide_locale},
    i18n::*,
    wire::accounts::{MemberStatus, TeamMember},
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let i18n = use_i18n();
    let members = Resource::new(|| (), |_| team());
    view! {
        <Title text=move || t_string!(i18n, team.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="team-heading">
            <h1 id="team-heading">{t!(i18n, team.heading)}</h1>
            <p>{t!(i18n, team.intro)}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! { <Members list /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
            <h2>{t!(i18n, team.invite_heading)}</h2>
            <InviteForm locale=i18n.get_locale_untracked() />
        </section>
    }
}

/// The invitation form with its TAN prompt, in the browser; once sent, the page reloads its
/// list above.
#[island(lazy)]
fn InviteForm(locale: Locale) -> impl IntoView {
    let locale = provide_locale(locale);
    let invite = ServerAction::<Invite>::new();
    let result = Signal::derive(move || invite.value().get());
    crate::islands::reload_on_success(result);
    view! {
        {move || {
            matches!(result.get(), Some(Ok(())))
                .then(|| view! { <p class="notice notice-ok" role="status">{td!(locale, team.invited)}</p> })
        }}
        <ActionForm action=invite>
            <label for="invite-name">{td!(locale, register.full_name)}</label>
            <input id="invite-name" name="full_name" type="text" autocomplete="off" maxlength="200" required />
            <label for="invite-email">{td!(locale, register.email)}</label>
            <input id="invite-email" name="email" type="email" autocomplete="off" required />
            <TanPrompt result />
            <button type="submit">{td!(locale, team.invite)}</button>
        </ActionForm>
    }
}

#[component]
fn Members(list: Vec<TeamMember>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
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
                        let enable = m.status == MemberStatus::Disabled;
                        let action = (!m.is_me).then(|| view! { <MemberSwitch locale user_id=m.id enable /> });
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

/// Disabling or re-enabling one colleague, with its own TAN prompt, in the browser. Once
/// done, the page reloads the list, and this row's switch comes back the other way round.
#[island(lazy)]
fn MemberSwitch(locale: Locale, user_id: i64, enable: bool) -> impl IntoView {
    let locale = provide_locale(locale);
    let enabled = ServerAction::<SetAccountEnabled>::new();
    let result = Signal::derive(move || enabled.value().get());
    crate::islands::reload_on_success(result);
    view! {
        <ActionForm action=enabled>
            <input type="hidden" name="user_id" value=user_id />
            <input type="hidden" name="enabled" value=enable.to_string() />
            <TanPrompt result />
            <button type="submit" class="secondary">
                {if enable { td!(locale, team.enable).into_any() } else { td!(locale, team.disable).into_any() }}
            </button>
        </ActionForm>
    }
}
