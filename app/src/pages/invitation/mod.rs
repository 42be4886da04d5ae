//! An invitation link (SPEC 6.1): the colleague sets a password, then sets up MFA with their
//! own phone.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::accounts::{AcceptInvitation, invitation},
    components::{ErrorNotice, NewPasswordInput, Steps},
    i18n::*,
};

/// The two steps of an invited colleague, shared with the setup page.
pub fn invitation_steps() -> Vec<AnyView> {
    let i18n = use_i18n();
    vec![t!(i18n, invitation.step_password).into_any(), t!(i18n, register.step_phone).into_any()]
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let i18n = use_i18n();
    let accept = ServerAction::<AcceptInvitation>::new();
    let token = move || use_query_map().with_untracked(|q| q.get("token").unwrap_or_default());
    let info = Resource::new(|| (), move |_| invitation(token()));
    view! {
        <Title text=move || t_string!(i18n, invitation.title).to_string() />
        <section class="card" aria-labelledby="invitation-heading">
            <h1 id="invitation-heading">{t!(i18n, invitation.heading)}</h1>
            {move || accept.value().get().and_then(Result::err).map(|err| view! { <ErrorNotice err /> })}
            <Suspense>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(i) => {
                            let org = i.organisation.clone().unwrap_or_default();
                            let name = i.full_name.clone();
                            view! {
                                <Steps names=invitation_steps() current=0 />
                                <p>
                                    {t!(
                                        i18n, invitation.intro, name = move || name.clone(), organisation = move || org.clone()
                                    )}
                                </p>
                                <ActionForm action=accept>
                                    <input type="hidden" name="token" value=token() />
                                    <label for="inv-email">{t!(i18n, register.email)}</label>
                                    <input id="inv-email" type="email" autocomplete="username" value=i.email readonly />
                                    <NewPasswordInput
                                        id="inv-password"
                                        name="password"
                                        label=t!(i18n, register.password).into_any()
                                    />
                                    <button type="submit">{t!(i18n, invitation.submit)}</button>
                                </ActionForm>
                            }
                                .into_any()
                        }
                        Err(err) => view! { <ErrorNotice err /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
