//! The demo seed for development mode: one organisation with an admin and a member, and a
//! support agent. Idempotent: accounts that exist are left as they are.

use crate::backend::{
    AppState,
    audit::{self, AuditEvent},
    crypto::Secret,
    db,
};
use crate::domain::time::Timestamp;

pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const ORGANISATION: &str = "Muster Lieferant GmbH";

/// Development-only passwords, printed at start; the seed refuses to run outside dev mode.
pub const LOGINS: [DemoLogin; 3] = [
    DemoLogin { role: "admin", email: "anna.admin@muster-lieferant.example", password: "Demo-Admin-Riegel-2026" },
    DemoLogin { role: "member", email: "max.mitglied@muster-lieferant.example", password: "Demo-Mitglied-Riegel-2026" },
    DemoLogin { role: "support", email: "sam.support@riegel.example", password: "Demo-Support-Riegel-2026" },
];

const NAMES: [&str; 3] = ["Anna Admin", "Max Mitglied", "Sam Support"];

pub async fn demo(state: &AppState, now: Timestamp) -> Result<&'static [DemoLogin], String> {
    if !state.config.dev_mode {
        return Err("the demo seed runs only in development mode".into());
    }
    let mut hashes = Vec::new();
    for login in &LOGINS {
        hashes.push(state.hasher.hash(&Secret::new(login.password.to_string())).await.map_err(|e| e.to_string())?);
    }
    let run = async {
        let mut tx = db::begin(&state.pool).await?;
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
                "INSERT INTO users (organisation_id, email, full_name, role, password_hash, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING id",
            )
            .bind(org_id)
            .bind(login.email)
            .bind(name)
            .bind(login.role)
            .bind(hash)
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
