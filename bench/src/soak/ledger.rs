//! What the soak's traffic did to each account, kept from the server's answers, and the check
//! at the end that the database holds exactly that.
//!
//! Each account is driven by one simulated user at a time (`Accounts::take`), so its answers
//! come in order and the expected answer of every request is known: the 21st login code in a
//! rolling 24 h locks the account (SPEC 4.1; a passed MFA step resets the count), the third
//! wrong TAN in a row locks the TAN system (SPEC 5.4), the 21st TAN SMS is refused (5.5).

use std::{collections::VecDeque, sync::Mutex};

use app::domain::policy::Policy;

use super::super::backends;

/// The server runs with the policy's defaults: the code quota per channel, the TAN SMS quota,
/// and the wrong TANs in a row that lock.
pub fn code_quota() -> u32 {
    Policy::default().login_codes_per_channel
}

pub fn tan_quota() -> u32 {
    Policy::default().tan_sms_quota
}

pub fn tan_strikes() -> u32 {
    Policy::default().tan_max_wrong
}

/// Where a login code goes: the channel of the account's last passed MFA step (SMS at first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Channel {
    #[default]
    Sms,
    Email,
}

impl Channel {
    pub fn other(self) -> Self {
        match self {
            Channel::Sms => Channel::Email,
            Channel::Email => Channel::Sms,
        }
    }

    pub fn form_value(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub index: usize,
    pub last_channel: Channel,
    /// Codes sent since the last passed MFA step, per channel: what the quota counts.
    pub sms_since_pass: u32,
    pub email_since_pass: u32,
    /// Rows of `code_sends`, per channel.
    pub sms_codes: u32,
    pub email_codes: u32,
    /// Wrong codes answered "wrong" (each audited as `code.refused`).
    pub wrong_codes: u32,
    /// Passed MFA steps (`code.accepted`).
    pub passes: u32,
    pub locked: bool,
    pub tans: u32,
    pub tan_wrong_in_a_row: u32,
    /// Wrong TANs answered (`tan.refused`), and bank account changes made (`bank_account.changed`).
    pub wrong_tans: u32,
    pub bank_changes: u32,
    pub tan_locked: bool,
    /// The newest outbox message of this account's that was read.
    pub last_outbox_id: i64,
}

impl Account {
    pub fn email(&self) -> String {
        format!("soak{}@soak.example", self.index)
    }

    pub fn phone(&self) -> String {
        format!("+4915121{:06}", self.index)
    }

    /// Messages this account caused: codes on both channels and TAN SMS.
    pub fn messages(&self) -> u32 {
        self.sms_codes + self.email_codes + self.tans
    }
}

/// The accounts not in use, and all of them once the traffic ends.
pub struct Accounts {
    free: Mutex<VecDeque<Account>>,
}

impl Accounts {
    pub fn new(n: usize) -> Self {
        Accounts { free: Mutex::new((0..n).map(|index| Account { index, ..Account::default() }).collect()) }
    }

    /// The account unused for longest.
    pub fn take(&self) -> Option<Account> {
        self.free.lock().ok()?.pop_front()
    }

    pub fn put(&self, account: Account) {
        if let Ok(mut free) = self.free.lock() {
            free.push_back(account);
        }
    }

    pub fn all(&self) -> Vec<Account> {
        let mut all: Vec<Account> = self.free.lock().map(|f| f.iter().cloned().collect()).unwrap_or_default();
        all.sort_by_key(|a| a.index);
        all
    }
}

/// An account's e-mail address and its ten counts, in the order of `compare`'s names.
type CountsRow = (String, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// One line of the check: what the traffic did, what the database holds.
pub struct Check {
    pub what: &'static str,
    pub traffic: i64,
    pub database: i64,
}

/// Compares every count the traffic caused with the database, account by account; returns the
/// totals and the number of accounts whose rows differ from what their answers said.
pub async fn compare(db: &str, accounts: &[Account]) -> (Vec<Check>, usize) {
    let pool = backends::open(db).await;
    let audited =
        |kind: &str| format!("(SELECT count(*) FROM audit_events e WHERE e.user_id = u.id AND e.kind = '{kind}')");
    // The kinds are constants of this file.
    let rows: Vec<CountsRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT u.email,
                (SELECT count(*) FROM code_sends c WHERE c.user_id = u.id AND c.channel = 'sms'),
                (SELECT count(*) FROM code_sends c WHERE c.user_id = u.id AND c.channel = 'email'),
                {}, {},
                CASE WHEN u.locked_until IS NULL THEN 0 ELSE 1 END,
                (SELECT count(*) FROM tans t WHERE t.user_id = u.id),
                {}, {},
                CAST(u.tan_wrong_in_a_row AS BIGINT),
                CASE WHEN u.tan_locked_at IS NULL THEN 0 ELSE 1 END
         FROM users u WHERE u.email LIKE 'soak%'",
        audited("code.refused"),
        audited("code.accepted"),
        audited("tan.refused"),
        audited("bank_account.changed"),
    )))
    .fetch_all(&pool)
    .await
    .expect("the accounts' counts");
    let outbox: (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), CAST(coalesce(sum(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(coalesce(sum(CASE WHEN attempts <> 1 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM outbox",
    )
    .fetch_one(&pool)
    .await
    .expect("the outbox");
    pool.close().await;

    let by_email: std::collections::HashMap<&str, _> = rows.iter().map(|r| (r.0.as_str(), r)).collect();
    let mut differ = 0;
    let mut db = [0i64; 10];
    let mut tr = [0i64; 10];
    for a in accounts {
        let email = a.email();
        let Some(r) = by_email.get(email.as_str()) else {
            differ += 1;
            continue;
        };
        let mine = [
            i64::from(a.sms_codes),
            i64::from(a.email_codes),
            i64::from(a.wrong_codes),
            i64::from(a.passes),
            i64::from(a.locked),
            i64::from(a.tans),
            i64::from(a.wrong_tans),
            i64::from(a.bank_changes),
            i64::from(a.tan_wrong_in_a_row),
            i64::from(a.tan_locked),
        ];
        let theirs = [r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10];
        if mine != theirs {
            differ += 1;
            if differ <= 5 {
                eprintln!("soak: {email}: traffic {mine:?}, database {theirs:?}");
            }
        }
        for i in 0..mine.len() {
            tr[i] += mine[i];
            db[i] += theirs[i];
        }
    }
    let messages: i64 = accounts.iter().map(|a| i64::from(a.messages())).sum();
    let names = [
        "login codes sent by SMS",
        "login codes sent by e-mail",
        "wrong codes refused (audited)",
        "MFA steps passed (audited)",
        "accounts locked (code quota)",
        "TANs sent",
        "wrong TANs refused (audited)",
        "bank account changes (audited)",
        "wrong TANs in a row now (sum)",
        "TAN systems locked",
    ];
    let mut checks: Vec<Check> = names
        .iter()
        .zip(tr.iter().zip(db.iter()))
        .map(|(w, (t, d))| Check { what: w, traffic: *t, database: *d })
        .collect();
    checks.push(Check { what: "outbox rows", traffic: messages, database: outbox.0 });
    checks.push(Check { what: "outbox rows not delivered", traffic: 0, database: outbox.1 });
    checks.push(Check { what: "outbox rows delivered more than once or retried", traffic: 0, database: outbox.2 });
    (checks, differ)
}
