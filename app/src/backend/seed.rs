//! The demo seed for development mode: one organisation with an admin, a member, and a
//! two members who have not set up MFA yet (like imported legacy accounts), and a support agent.
//! The others have verified demo phones, so their first login asks for an SMS code, which the
//! development outbox shows. The organisation gets a payout account and a dozen invoices over
//! the last weeks, one day of them over the default TAN threshold of 10,000 EUR, so every
//! portal page has something to show. Idempotent: what exists is left as it is.

use crate::backend::{
    audit::{self, AuditEvent},
    state::AppState,
    store::{self, users::SeedUser},
    tools::crypto::Secret,
    tools::timefmt,
};
use crate::domain::{role::Role, time::Timestamp};

pub struct DemoLogin {
    pub role: Role,
    pub email: &'static str,
    pub password: &'static str,
    /// The verified mobile number; `None` for an account that must still set up MFA.
    pub phone: Option<&'static str>,
}

pub const ORGANISATION: &str = "Muster Lieferant GmbH";

/// Development-only passwords, printed at start; the seed refuses to run outside dev mode.
pub const LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        role: Role::Admin,
        email: "anna.admin@muster-lieferant.example",
        password: "Demo-Admin-Riegel-2026",
        phone: Some("+4915110000001"),
    },
    DemoLogin {
        role: Role::Member,
        email: "max.mitglied@muster-lieferant.example",
        password: "Demo-Mitglied-Riegel-2026",
        phone: Some("+4915110000002"),
    },
    DemoLogin {
        role: Role::Member,
        email: "nora.neu@muster-lieferant.example",
        password: "Demo-Neu-Riegel-2026",
        phone: None,
    },
    DemoLogin {
        role: Role::Member,
        email: "otto.offen@muster-lieferant.example",
        password: "Demo-Offen-Riegel-2026",
        phone: None,
    },
    DemoLogin {
        role: Role::Support,
        email: "sam.support@riegel.example",
        password: "Demo-Support-Riegel-2026",
        phone: Some("+4915110000009"),
    },
];

/// The demo payout account: holder, IBAN (electronic form), BIC.
pub const PAYOUT: (&str, &str, &str) = (ORGANISATION, "DE02120300000000202051", "BYLADEM1001");

/// The demo invoices: number, days before the seed, amount in cents. Day 9 totals 12,480 EUR,
/// over the default threshold; today has none, so today's total starts at zero.
const INVOICES: [(&str, i64, i64); 12] = [
    ("RE-2026-0101", 40, 184_000),
    ("RE-2026-0102", 37, 92_050),
    ("RE-2026-0103", 33, 310_000),
    ("RE-2026-0104", 29, 45_990),
    ("RE-2026-0105", 26, 128_400),
    ("RE-2026-0106", 22, 76_300),
    ("RE-2026-0107", 19, 215_000),
    ("RE-2026-0108", 15, 64_800),
    ("RE-2026-0109", 12, 99_900),
    ("RE-2026-0110", 9, 748_000),
    ("RE-2026-0111", 9, 500_000),
    ("RE-2026-0112", 3, 133_700),
];

const NAMES: [&str; 5] = ["Anna Admin", "Max Mitglied", "Nora Neu", "Otto Offen", "Sam Support"];

pub async fn demo(state: &AppState, now: Timestamp) -> Result<&'static [DemoLogin], String> {
    if !state.config.dev_mode {
        return Err("the demo seed runs only in development mode".into());
    }
    let mut hashes = Vec::new();
    for login in &LOGINS {
        hashes.push(state.hasher.hash(&Secret::new(login.password.to_string())).await.map_err(|e| e.to_string())?);
    }
    let run = async {
        let mut tx = state.writer.begin().await?;
        let org = match store::organisations::id_by_name(&mut tx, ORGANISATION).await? {
            Some(id) => id,
            None => store::organisations::create(&mut tx, ORGANISATION, now).await?,
        };
        for ((login, name), hash) in LOGINS.iter().zip(NAMES).zip(&hashes) {
            let org_id = (login.role != Role::Support).then_some(org);
            let user = SeedUser {
                organisation_id: org_id,
                email: login.email,
                full_name: name,
                role: login.role,
                password_hash: hash,
                phone_e164: login.phone,
                phone_verified_at: login.phone.map(|_| now),
            };
            let created = store::users::create_seeded(&mut tx, user, now).await?;
            if let Some(user_id) = created {
                audit::record(&mut tx, now, None, AuditEvent::AccountCreated { user_id, by: None }).await?;
            }
        }
        let admin = store::users::id_by_email(&mut tx, LOGINS[0].email).await?.ok_or(sqlx::Error::RowNotFound)?;
        let (holder, iban, bic) = PAYOUT;
        store::bank_accounts::insert_if_absent(&mut tx, org, holder, iban, bic, now, admin).await?;
        for (number, days_ago, cents) in INVOICES {
            let at = now.minus_secs(days_ago * 86_400);
            store::invoices::insert_if_absent(&mut tx, org, number, &timefmt::date(at), cents, admin, at).await?;
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    };
    run.await.map_err(|e| format!("seeding the demo failed: {e}"))?;
    Ok(&LOGINS)
}
