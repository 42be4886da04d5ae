//! Accounts (SPEC 2.1, 6.1, 6.5): invitations (sent by an organisation's admin, accepted with
//! a new password), the team page of organisation admins, enabling and disabling a colleague,
//! the security activity list, and accounts made on the command line.
//!
//! An invited account exists from the invitation on, with an empty password hash: nobody can
//! log in to it (the login verifies against the dummy hash) until the link sets a password.

use crate::{
    backend::{
        audit::{self, AuditEvent},
        db::LockKey,
        delivery::outbox::{self},
        input,
        login::access,
        login::links,
        login::sessions,
        messages,
        messages::tan::Authorises,
        request::RequestCtx,
        state::AppState,
        store, tan,
        tools::crypto::{Password, Secret},
    },
    domain::{email, links::LinkKind, login::LoginState, mask, role::Role, tan::Action, time::Timestamp},
    wire::{
        AppError, InputError,
        accounts::{ActivityItem, InvitationInfo, MemberStatus, TeamMember},
    },
};

pub async fn team(state: &AppState, ctx: &RequestCtx) -> Result<Vec<TeamMember>, AppError> {
    let (mut conn, _, me) = access::member_reading(state, ctx).await?;
    let org = me.admin_of()?;
    let rows = store::users::team_of(&mut conn, org).await?;
    Ok(rows
        .into_iter()
        .map(|m| TeamMember {
            id: m.id,
            status: match (m.disabled_at, m.invited, m.phone_verified_at) {
                (Some(_), _, _) => MemberStatus::Disabled,
                (None, true, _) => MemberStatus::Invited,
                (None, false, None) => MemberStatus::SetupPending,
                (None, false, Some(_)) => MemberStatus::Active,
            },
            phone: m.phone_e164.filter(|_| m.phone_verified_at.is_some()).as_deref().map(mask::phone),
            is_me: m.id == me.id,
            full_name: m.full_name,
            email: m.email,
            role: m.role,
        })
        .collect())
}

/// An admin invites a colleague (SPEC 6.1): the account exists at once without a password,
/// the link (72 h, single use) lets the colleague set one. Inviting a pending colleague again
/// sends a new link and voids the old one.
pub async fn invite(
    state: &AppState,
    ctx: &RequestCtx,
    raw_name: &str,
    raw_email: &str,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let full_name = input::name_field(raw_name, InputError::NameMissing)?;
    let address = email::normalise(raw_email).ok_or(AppError::Input(InputError::EmailMalformed))?;
    let mut tx = state.writer.begin().await?;
    let (session, me) = access::member(&mut tx, state, ctx).await?;
    let org = me.admin_of()?;
    let policy = &state.config.policy;
    let made =
        store::audit_events::count_invitations_since(&mut tx, me.id, ctx.now.minus_secs(policy.quota_window_secs))
            .await?;
    if made >= i64::from(policy.invitations_per_window) {
        return Err(AppError::TooManyAttempts { retry_after_secs: policy.quota_window_secs });
    }
    // The TAN comes first: whether an address has an account is told only to an admin who
    // just proved the second factor, and every such answer counts and is audited.
    let canonical = format!("invite\n{address}\n{full_name}");
    let description = messages::tan::describe(ctx.lang, Authorises::Invite { address: &address });
    let protected = tan::Protected { action: Action::AdminAccountChange, canonical: &canonical, description };
    let mut tx = tan::require(tx, state, ctx, &session, &me, protected, tan).await?;
    // A colleague already invited is read again under their account's lock: a disable or
    // another invitation meanwhile decides.
    if let Some(u) = store::users::invitee_by_email(&mut tx, &address).await? {
        tx.lock([LockKey::Account(u.id)]).await?;
    }
    let existing = store::users::invitee_by_email(&mut tx, &address).await?;
    let pending = match existing {
        None => None,
        Some(u) if u.organisation_id == Some(org) && u.invited && !u.disabled => Some(u.id),
        Some(_) => {
            let event = AuditEvent::InvitationRefused { by: me.id, email: &address };
            audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
            tx.commit().await?;
            return Err(AppError::Input(InputError::EmailUnavailable));
        }
    };
    let user_id = match pending {
        Some(id) => id,
        None => store::users::insert_invited(&mut tx, org, &address, &full_name, ctx.now).await?,
    };
    let organisation = store::organisations::name(&mut tx, Some(org)).await?.ok_or(sqlx::Error::RowNotFound)?;
    let link = links::issue(&mut tx, state, LinkKind::Invitation, user_id, Some(me.id), ctx.now).await?;
    let hours = state.config.policy.invitation_ttl_secs / 3600;
    let text = messages::invitation(ctx.lang, &organisation, &me.full_name, link.expose(), hours);
    outbox::email_to(&mut tx, &address, text, ctx.now).await?;
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::InvitationSent { user_id, by: me.id }).await?;
    state.commit(tx).await?;
    Ok(())
}

/// An admin disables or re-enables a colleague (SPEC 6.1). Disabling ends every session of
/// the account; its login then fails like a wrong password.
pub async fn set_enabled(
    state: &AppState,
    ctx: &RequestCtx,
    user_id: i64,
    enabled: bool,
    tan: Option<&str>,
) -> Result<(), AppError> {
    let mut tx = state.writer.begin().await?;
    let (session, me) = access::member(&mut tx, state, ctx).await?;
    let org = me.admin_of()?;
    let target = store::users::email_in_organisation(&mut tx, user_id, org).await?;
    let Some(address) = target.filter(|_| user_id != me.id) else {
        return Err(AppError::Forbidden);
    };
    // The colleague's account is decided on too: its sessions end with a disable.
    tx.lock([LockKey::Account(user_id)]).await?;
    let (verb, what) = if enabled {
        ("enable", Authorises::EnableAccount { address: &address })
    } else {
        ("disable", Authorises::DisableAccount { address: &address })
    };
    let canonical = format!("{verb}\n{user_id}");
    let protected = tan::Protected {
        action: Action::AdminAccountChange,
        canonical: &canonical,
        description: messages::tan::describe(ctx.lang, what),
    };
    let mut tx = tan::require(tx, state, ctx, &session, &me, protected, tan).await?;
    if enabled {
        store::users::enable(&mut tx, user_id).await?;
        audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::AccountEnabled { user_id, by: me.id }).await?;
    } else {
        store::users::disable(&mut tx, user_id, ctx.now).await?;
        let sessions_ended = store::sessions::delete_all_of_user(&mut tx, user_id).await?;
        // Open links (invitation, password reset, phone reset) must not come back to life
        // when the account is enabled again.
        store::links::void_open_for_user(&mut tx, user_id).await?;
        let event = AuditEvent::AccountDisabled { user_id, by: me.id, sessions_ended };
        audit::record(&mut tx, ctx.now, Some(ctx.ip), event).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn invited(conn: &mut store::Conn, user_id: i64) -> Result<store::users::NamesRow, AppError> {
    store::users::invited_names(conn, user_id).await?.ok_or(AppError::LinkInvalid)
}

/// What an invitation link's page shows.
pub async fn invitation(state: &AppState, ctx: &RequestCtx, token: &str) -> Result<InvitationInfo, AppError> {
    let mut conn = state.pool.acquire().await?;
    let link = links::find(&mut conn, &state.keys, LinkKind::Invitation, token, None, ctx.now).await?;
    let i = invited(&mut conn, link.user_id).await?;
    Ok(InvitationInfo { full_name: i.full_name, email: i.email, organisation: i.organisation })
}

/// The invited colleague sets a password (SPEC 6.1); MFA setup with their own phone follows.
pub async fn accept_invitation(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
    password: Password,
) -> Result<Secret<String>, AppError> {
    let i = {
        let mut conn = state.pool.acquire().await?;
        let link = links::find(&mut conn, &state.keys, LinkKind::Invitation, token, None, ctx.now).await?;
        invited(&mut conn, link.user_id).await?
    };
    let hash =
        input::new_password_hash(state, &password, &i.email, &i.full_name, i.organisation.as_deref().unwrap_or(""))
            .await?;
    let mut tx = state.writer.begin().await?;
    let link = links::find(&mut tx, &state.keys, LinkKind::Invitation, token, None, ctx.now).await?;
    tx.lock([LockKey::Account(link.user_id)]).await?;
    links::use_once(&mut tx, link).await?;
    let set = store::users::set_first_password(&mut tx, link.user_id, &hash).await?;
    if set != 1 {
        return Err(AppError::LinkInvalid);
    }
    audit::record(&mut tx, ctx.now, Some(ctx.ip), AuditEvent::InvitationAccepted { user_id: link.user_id }).await?;
    if let Some(old) = &ctx.session_token {
        sessions::delete(&mut tx, &state.keys, old).await?;
    }
    let token =
        sessions::create(&mut tx, &state.keys, link.user_id, LoginState::SetupRequired, ctx.ip, ctx.now).await?;
    tx.commit().await?;
    Ok(token)
}

/// The logged-in user's own recent security activity (SPEC 6.5).
pub async fn activity(state: &AppState, ctx: &RequestCtx) -> Result<Vec<ActivityItem>, AppError> {
    let (mut conn, _, user) = access::member_reading(state, ctx).await?;
    Ok(audit::events_of(&mut conn, user.id, 50, ctx.lang).await?)
}

/// What the admin command line creates (no demo seed needed in a real deployment).
pub enum NewAccount<'a> {
    /// A new organisation with its first admin.
    Organisation { name: &'a str },
    /// A support agent (portal staff, no organisation).
    SupportAgent,
}

/// Creates an account without a password and returns its invitation link (72 h): the person
/// sets a password through it, then sets up MFA like every invited colleague.
pub async fn create_by_command_line(
    state: &AppState,
    now: Timestamp,
    what: NewAccount<'_>,
    raw_email: &str,
    raw_name: &str,
) -> Result<Secret<String>, String> {
    let address = email::normalise(raw_email).ok_or_else(|| format!("not an e-mail address: {raw_email}"))?;
    let full_name =
        input::name_field(raw_name, InputError::NameMissing).map_err(|_| "the name must have 1 to 200 characters")?;
    let run = async {
        let mut tx = state.writer.begin().await?;
        let taken = store::users::email_taken(&mut tx, &address).await?;
        if taken {
            return Ok(Err(format!("an account with {address} exists already")));
        }
        let (organisation_id, role) = match what {
            NewAccount::Organisation { name } => {
                let Ok(name) = input::name_field(name, InputError::CompanyMissing) else {
                    return Ok(Err("the organisation's name must have 1 to 200 characters".to_owned()));
                };
                let id = store::organisations::create(&mut tx, &name, now).await?;
                (Some(id), Role::Admin)
            }
            NewAccount::SupportAgent => (None, Role::Support),
        };
        let user_id =
            store::users::insert_by_command_line(&mut tx, organisation_id, &address, &full_name, role, now).await?;
        audit::record(&mut tx, now, None, AuditEvent::AccountCreated { user_id, by: None }).await?;
        let link = links::issue(&mut tx, state, LinkKind::Invitation, user_id, None, now).await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Ok(link))
    };
    run.await.map_err(|e| format!("database: {e}"))?
}
