//! The user's own recent security activity (SPEC 6.5).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::accounts::activity,
    components::{LocalTime, PortalNav, load_error},
    i18n::*,
    wire::accounts::ActivityItem,
};

/// A security event in words; unknown kinds show their technical name.
pub fn event_label(kind: &str) -> AnyView {
    let i18n = use_i18n();
    match kind {
        "login.password_accepted" => t!(i18n, events.password_accepted).into_any(),
        "login.succeeded" => t!(i18n, events.login_succeeded).into_any(),
        "login.failed" => t!(i18n, events.login_failed).into_any(),
        "login.locked" => t!(i18n, events.login_locked).into_any(),
        "logout" => t!(i18n, events.logout).into_any(),
        "account.created" => t!(i18n, events.account_created).into_any(),
        "code.sent" => t!(i18n, events.code_sent).into_any(),
        "code.accepted" => t!(i18n, events.code_accepted).into_any(),
        "code.refused" => t!(i18n, events.code_refused).into_any(),
        "challenge.exhausted" => t!(i18n, events.challenge_exhausted).into_any(),
        "quota.exceeded" => t!(i18n, events.quota_exceeded).into_any(),
        "account.locked" => t!(i18n, events.account_locked).into_any(),
        "account.lock_lifted" => t!(i18n, events.lock_lifted).into_any(),
        "mfa.setup_completed" => t!(i18n, events.mfa_setup).into_any(),
        "tan.issued" => t!(i18n, events.tan_issued).into_any(),
        "tan.accepted" => t!(i18n, events.tan_accepted).into_any(),
        "tan.refused" => t!(i18n, events.tan_refused).into_any(),
        "tan.voided" => t!(i18n, events.tan_voided).into_any(),
        "tan.locked" => t!(i18n, events.tan_locked).into_any(),
        "tan.unlocked" => t!(i18n, events.tan_unlocked).into_any(),
        "tan.session_ended" => t!(i18n, events.tan_session_ended).into_any(),
        "settings.tan_changed" => t!(i18n, events.tan_settings).into_any(),
        "bank_account.changed" => t!(i18n, events.bank_account).into_any(),
        "invoice.submitted" => t!(i18n, events.invoice).into_any(),
        "password.changed" => t!(i18n, events.password_changed).into_any(),
        "password.current_refused" => t!(i18n, events.current_password_refused).into_any(),
        "support.viewed" => t!(i18n, events.support_viewed).into_any(),
        "email.code_sent" => t!(i18n, events.email_code).into_any(),
        "email.changed" => t!(i18n, events.email_changed).into_any(),
        "registration.started" => t!(i18n, events.registration_started).into_any(),
        "registration.completed" => t!(i18n, events.registration_completed).into_any(),
        "invitation.sent" => t!(i18n, events.invitation_sent).into_any(),
        "invitation.accepted" => t!(i18n, events.invitation_accepted).into_any(),
        "account.disabled" => t!(i18n, events.account_disabled).into_any(),
        "account.enabled" => t!(i18n, events.account_enabled).into_any(),
        "password_reset.requested" => t!(i18n, events.reset_requested).into_any(),
        "password_reset.link_followed" => t!(i18n, events.reset_followed).into_any(),
        "password_reset.completed" => t!(i18n, events.reset_completed).into_any(),
        "phone_reset.link_sent" => t!(i18n, events.phone_link_sent).into_any(),
        "phone_reset.started" => t!(i18n, events.phone_reset_started).into_any(),
        "phone_reset.completed" => t!(i18n, events.phone_reset_completed).into_any(),
        "recovery_codes.created" => t!(i18n, events.recovery_codes_created).into_any(),
        "recovery_code.used" => t!(i18n, events.recovery_code_used).into_any(),
        "totp.enrolled" => t!(i18n, events.totp_enrolled).into_any(),
        "totp.accepted" => t!(i18n, events.totp_accepted).into_any(),
        other => other.to_owned().into_any(),
    }
}

/// A list of security events, newest first.
#[component]
pub fn EventTable(items: Vec<ActivityItem>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="events">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, activity.when)}</th>
                    <th scope="col">{t!(i18n, activity.what)}</th>
                    <th scope="col">{t!(i18n, activity.ip)}</th>
                    <th scope="col">{t!(i18n, activity.by)}</th>
                </tr>
            </thead>
            <tbody>
                {items
                    .into_iter()
                    .map(|e| {
                        view! {
                            <tr>
                                <td>
                                    <LocalTime unix=e.at text=e.at_text />
                                </td>
                                <td>{event_label(&e.kind)}</td>
                                <td>{e.ip.unwrap_or_default()}</td>
                                <td>{e.by.unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let items = Resource::new(|| (), |_| activity());
    view! {
        <Title text=move || t_string!(i18n, activity.title).to_string() />
        <PortalNav />
        <section class="card wide" aria-labelledby="activity-heading">
            <h1 id="activity-heading">{t!(i18n, activity.heading)}</h1>
            <p>{t!(i18n, activity.intro)}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(items) => view! { <EventTable items /> }.into_any(),
                        Err(err) => load_error(err),
                    }
                })}
            </Suspense>
        </section>
    }
}
