//! The demo seed for development mode: one organisation with an admin, a member, and a
//! two members who have not set up MFA yet (like imported legacy accounts), and a support agent.
//! The others have verified demo phones, so their first login asks for an SMS code, which the
//! development outbox shows. Idempotent: accounts that exist are left as they are.

use crate::backend::{
    AppState,
    audit::{self, AuditEvent},
    crypto::Secret,
};
use crate::domain::time::Timestamp;

pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    /// The verified mobile number; `None` for an account that must still set up MFA.
    pub phone: Option<&'static str>,
}

pub const ORGANISATION: &str = "Muster Lieferant GmbH";

/// Development-only passwords, printed at start; the seed refuses to run outside dev mode.
pub const LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        role: "admin",
        email: "anna.admin@muster-lieferant.example",
        password: "Demo-Admin-Riegel-2026",
        phone: Some("+4915110000001"),
    },
    DemoLogin {
        role: "member",
        email: "max.mitglied@muster-lieferant.example",
        password: "Demo-Mitglied-Riegel-2026",
        phone: Some("+4915110000002"),
    },
    DemoLogin {
        role: "member",
        email: "nora.neu@muster-lieferant.example",
        password: "Demo-Neu-Riegel-2026",
        phone: None,
    },
    DemoLogin {
        role: "member",
        email: "otto.offen@muster-lieferant.example",
        password: "Demo-Offen-Riegel-2026",
        phone: None,
    },
    DemoLogin {
        role: "support",
        email: "sam.support@riegel.example",
        password: "Demo-Support-Riegel-2026",
        phone: Some("+4915110000009"),
    },
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
        let org: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE name = ?")
            .bind(ORGANISATION)
            .fetch_optional(&mut *tx)
            .await?;
        let org = match org {
            Some(id) => id,
            None => {
                sqlx::query_scalar("INSERT INTO organisations (name, created_at) VALUES (?, ?) RETURNING id")
                    .bind(ORGANISATION)
                    .bind(now.0)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        for ((login, name), hash) in LOGINS.iter().zip(NAMES).zip(&hashes) {
            let org_id = (login.role != "support").then_some(org);
            let created: Option<i64> = sqlx::query_scalar(
                "INSERT INTO users (organisation_id, email, full_name, role, password_hash, phone_e164, phone_verified_at,
                                    created_at, origin)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'seed') ON CONFLICT (email) DO NOTHING RETURNING id",
            )
            .bind(org_id)
            .bind(login.email)
            .bind(name)
            .bind(login.role)
            .bind(hash)
            .bind(login.phone)
            .bind(login.phone.map(|_| now.0))
            .bind(now.0)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(user_id) = created {
                audit::record(&mut tx, now, None, AuditEvent::AccountCreated { user_id, by: None }).await?;
            }
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(())
    };
    run.await.map_err(|e| format!("seeding the demo failed: {e}"))?;
    Ok(&LOGINS)
}
