//! Staff, roles and PINs. A shop without staff runs as its owner (one person, no PIN: the CLI
//! and a one-person warung). Once staff exist, the window locks the shop until someone signs
//! in with a PIN (`Shop::lock_for_sign_in`, `Shop::sign_in`), and every write names them in
//! the audit log. A cashier sells, takes kasbon and payments, buys and spends from the
//! drawer; voiding or correcting, changing the catalog, stock or settings, managing staff,
//! seeing cost and profit, and more off a price than the shop's limit need an owner: signed
//! in, or approving that one action with an owner's PIN at the cashier's side
//! (`Shop::approve`, valid for that action for two minutes, written to the audit log).
//!
//! PINs are 4–8 digits, kept as a salted, iterated SHA-256 (the salt from SQLite's
//! randomblob), compared in constant time; five wrong PINs in a row lock PIN entry for 30 s.

use crate::db::{Shop, audit};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{MAX_NAME, check_text};
use crate::time::stamp;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Cashier,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Cashier => "cashier",
        }
    }

    fn parse(s: &str) -> Role {
        if s == "owner" {
            Role::Owner
        } else {
            Role::Cashier
        }
    }
}

/// An owner's yes to one action a cashier asked for.
#[derive(Debug, Clone)]
struct Approval {
    action: String,
    until: DateTime<Utc>,
    /// For a price change: how far the cart went when first checked after approving.
    bound: std::cell::Cell<Option<rust_decimal::Decimal>>,
}

/// Who is at the counter. The default is the owner, unlocked (no staff configured).
#[derive(Debug, Clone)]
pub struct Session {
    pub(crate) role: Role,
    pub(crate) locked: bool,
    approval: Option<Approval>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            role: Role::Owner,
            locked: false,
            approval: None,
        }
    }
}

/// A staff member as the window shows them (never the PIN).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StaffMember {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

/// Who is signed in now.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SessionView {
    /// The name written to the audit log ("owner" when the shop has no staff).
    pub name: String,
    pub role: Role,
    /// Nobody is signed in yet: the window shows the sign-in screen.
    pub locked: bool,
    /// The shop has staff (so there is someone to switch to).
    pub has_staff: bool,
    /// How far a cashier may move a price (or discount) without the owner, in percent.
    pub price_limit_percent: String,
}

const ITERATIONS: u32 = 20_000;
const MAX_FAILURES: u32 = 5;
const LOCK_SECONDS: i64 = 30;
const APPROVAL_MINUTES: i64 = 2;

fn hash_pin(salt: &str, pin: &str) -> String {
    let mut h: [u8; 32] = Sha256::digest(format!("{salt}:{pin}")).into();
    for _ in 0..ITERATIONS {
        let mut d = Sha256::new();
        d.update(h);
        d.update(salt.as_bytes());
        h = d.finalize().into();
    }
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_pin(pin: &str) -> Result<&str> {
    let pin = pin.trim();
    if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(CoreError::invalid(
            Field::Pin,
            Problem::BadFormat {
                value: "*".repeat(pin.chars().count().min(8)),
                example: "4–8 angka / digits".into(),
            },
        ));
    }
    Ok(pin)
}

/// Constant-time comparison of two hex strings of equal length.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn verify(stored: &str, pin: &str) -> bool {
    match stored.split('$').collect::<Vec<_>>().as_slice() {
        ["v1", salt, hash] => same(&hash_pin(salt, pin), hash),
        _ => false,
    }
}

impl Shop {
    fn new_pin_hash(&self, pin: &str) -> Result<String> {
        let salt: String = self
            .conn
            .query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))?;
        Ok(format!("v1${salt}${}", hash_pin(&salt, pin)))
    }

    /// Staff, owners first, then by name.
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, role, active FROM staff
                 ORDER BY active DESC, role = 'cashier', name COLLATE NOCASE",
            )?
            .query_map([], |r| {
                Ok(StaffMember {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: Role::parse(&r.get::<_, String>(2)?),
                    active: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn has_staff(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM staff WHERE active = 1)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Adds a staff member. The first one must be an owner (someone must be able to manage
    /// the others); after that, only an owner adds staff.
    pub fn add_staff(&mut self, name: &str, role: Role, pin: &str) -> Result<StaffMember> {
        let name = check_text(Field::User, name, MAX_NAME)?;
        if name.is_empty() {
            return Err(CoreError::invalid(Field::User, Problem::Required));
        }
        let pin = check_pin(pin)?.to_string();
        let first = !self.has_staff()?;
        if first && role != Role::Owner {
            return Err(CoreError::NeedsOwner {
                action: "staff.manage".into(),
            });
        }
        if !first {
            self.require_owner("staff.manage")?;
        }
        let hash = self.new_pin_hash(&pin)?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO staff(name, role, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.as_str(), hash, at],
        )
        .map_err(|e| {
            if e.to_string().contains("staff.name") {
                CoreError::Duplicate {
                    field: Field::User,
                    value: name.clone(),
                }
            } else {
                e.into()
            }
        })?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            &at,
            &actor,
            "staff.add",
            "staff",
            Some(id),
            &serde_json::json!({"name": name, "role": role.as_str()}),
        )?;
        tx.commit()?;
        // The first owner is who runs the shop from now on.
        if first {
            self.actor = name.clone();
            self.session.role = Role::Owner;
        }
        Ok(StaffMember {
            id,
            name,
            role,
            active: true,
        })
    }

    /// Changes a staff member's PIN (an owner, or the member with their current PIN).
    pub fn set_pin(&mut self, id: i64, current: Option<&str>, pin: &str) -> Result<()> {
        let pin = check_pin(pin)?.to_string();
        let (name, stored): (String, String) = self
            .conn
            .query_row(
                "SELECT name, pin_hash FROM staff WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| CoreError::StaffNotFound {
                name: format!("#{id}"),
            })?;
        let own = current.is_some_and(|c| verify(&stored, c.trim())) && name == self.actor;
        if !own {
            self.require_owner("staff.manage")?;
        }
        let hash = self.new_pin_hash(&pin)?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE staff SET pin_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "staff.pin",
            "staff",
            Some(id),
            &serde_json::json!({"name": name}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes a staff member off (or back on) duty; the last active owner stays.
    pub fn set_staff_active(&mut self, id: i64, active: bool) -> Result<()> {
        self.require_owner("staff.manage")?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let role: String = tx
            .query_row("SELECT role FROM staff WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| CoreError::StaffNotFound {
                name: format!("#{id}"),
            })?;
        if !active && role == "owner" {
            let owners: i64 = tx.query_row(
                "SELECT count(*) FROM staff WHERE role = 'owner' AND active = 1 AND id != ?1",
                [id],
                |r| r.get(0),
            )?;
            if owners == 0 {
                return Err(CoreError::NeedsOwner {
                    action: "staff.manage".into(),
                });
            }
        }
        tx.execute(
            "UPDATE staff SET active = ?2 WHERE id = ?1",
            params![id, active],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "staff.active",
            "staff",
            Some(id),
            &serde_json::json!({"active": active}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Locks the shop until someone signs in, when it has staff (the window does this on
    /// start and on "ganti petugas"). Without staff it stays open as its owner.
    pub fn lock_for_sign_in(&mut self) -> Result<()> {
        if self.has_staff()? {
            self.session.locked = true;
            self.session.approval = None;
        }
        Ok(())
    }

    /// Wrong PINs are counted per target (a staff member's name, or "owner approval") in
    /// the shop file itself, so neither another person's good PIN nor a restart clears them.
    /// Every fifth wrong PIN locks that target, 30 s the first time, doubling up to 15 min.
    fn pin_state(&self, target: &str) -> Result<(u32, Option<DateTime<Utc>>, u32)> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [format!("pin_failures:{}", target.to_lowercase())],
                |r| r.get(0),
            )
            .optional()?;
        let Some(v) = v else { return Ok((0, None, 0)) };
        let mut parts = v.split('|');
        let count = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let until = parts
            .next()
            .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
            .map(|u| u.with_timezone(&Utc));
        let strikes = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        Ok((count, until, strikes))
    }

    fn pin_attempt_allowed(&self, target: &str) -> Result<()> {
        if let (_, Some(until), _) = self.pin_state(target)? {
            let left = (until - self.clock.now()).num_seconds();
            if left > 0 {
                return Err(CoreError::PinLocked { seconds: left });
            }
        }
        Ok(())
    }

    /// A wrong PIN: counted (a write outside any session: the sign-in screen is locked).
    fn pin_failed(&mut self, target: &str) -> Result<CoreError> {
        let (count, _, strikes) = self.pin_state(target)?;
        let count = count + 1;
        let (stored, err) = if count >= MAX_FAILURES {
            let seconds = (LOCK_SECONDS << strikes.min(5)).min(900);
            let until = self.clock.now() + Duration::seconds(seconds);
            (
                format!("0|{}|{}", until.to_rfc3339(), strikes + 1),
                CoreError::PinLocked { seconds },
            )
        } else {
            (format!("{count}||{strikes}"), CoreError::WrongPin)
        };
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![format!("pin_failures:{}", target.to_lowercase()), stored],
        )?;
        Ok(err)
    }

    fn pin_ok(&mut self, target: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM settings WHERE key = ?1",
            [format!("pin_failures:{}", target.to_lowercase())],
        )?;
        Ok(())
    }

    /// Looks up an active staff member's role and PIN hash by name.
    fn staff_pin(&self, name: &str) -> Result<(String, Role, String)> {
        self.conn
            .query_row(
                "SELECT name, role, pin_hash FROM staff WHERE name = ?1 COLLATE NOCASE AND active = 1",
                [name.trim()],
                |r| Ok((r.get(0)?, Role::parse(&r.get::<_, String>(1)?), r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| CoreError::StaffNotFound {
                name: name.trim().into(),
            })
    }

    /// Signs `name` in with their PIN: from now on the shop acts as them, in their role.
    pub fn sign_in(&mut self, name: &str, pin: &str) -> Result<SessionView> {
        let (name, role, stored) = self.staff_pin(name)?;
        self.pin_attempt_allowed(&name)?;
        if !verify(&stored, pin.trim()) {
            return Err(self.pin_failed(&name)?);
        }
        self.pin_ok(&name)?;
        self.session.locked = false;
        self.session.role = role;
        self.session.approval = None;
        self.actor = name;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        audit(
            &tx,
            &at,
            &actor,
            "staff.sign_in",
            "staff",
            None,
            &serde_json::json!({}),
        )?;
        tx.commit()?;
        self.session_view()
    }

    /// An owner approves one action a cashier asked for, with the owner's PIN at the counter
    /// ("Perlu PIN pemilik"). The approval holds for that action for two minutes.
    pub fn approve(&mut self, pin: &str, action: &str) -> Result<String> {
        const TARGET: &str = "owner approval";
        self.pin_attempt_allowed(TARGET)?;
        let owners: Vec<(String, String)> = self
            .conn
            .prepare_cached("SELECT name, pin_hash FROM staff WHERE role = 'owner' AND active = 1")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some((owner, _)) = owners.into_iter().find(|(_, h)| verify(h, pin.trim())) else {
            return Err(self.pin_failed(TARGET)?);
        };
        self.pin_ok(TARGET)?;
        self.session.approval = Some(Approval {
            action: action.to_string(),
            until: self.clock.now() + Duration::minutes(APPROVAL_MINUTES),
            bound: std::cell::Cell::new(None),
        });
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        audit(
            &tx,
            &at,
            &actor,
            "owner.approve",
            "staff",
            None,
            &serde_json::json!({"owner": owner, "action": action}),
        )?;
        tx.commit()?;
        Ok(owner)
    }

    /// Who is at the counter.
    pub fn session_view(&self) -> Result<SessionView> {
        Ok(SessionView {
            name: self.actor.clone(),
            role: self.session.role,
            locked: self.session.locked,
            has_staff: self.has_staff()?,
            price_limit_percent: crate::money::canon(self.price_limit()?),
        })
    }

    pub fn role(&self) -> Role {
        self.session.role
    }

    /// Whether the window must ask someone to sign in before anything else.
    pub fn is_locked(&self) -> bool {
        self.session.locked
    }

    fn approved(&self, action: &str) -> bool {
        self.session
            .approval
            .as_ref()
            .is_some_and(|a| a.action == action && a.until > self.clock.now())
    }

    /// For an action only an owner may do: fine for an owner; for a cashier only with an
    /// owner's approval of this very action, which it uses up.
    pub fn require_owner(&mut self, action: &str) -> Result<()> {
        if self.session.role == Role::Owner {
            return Ok(());
        }
        if self.approved(action) {
            self.session.approval = None;
            return Ok(());
        }
        Err(CoreError::NeedsOwner {
            action: action.into(),
        })
    }

    /// Like `require_owner` for looking (cost and profit): an approval is not used up by it.
    pub(crate) fn owner_may_see(&self, action: &str) -> Result<()> {
        if self.session.role == Role::Owner || self.approved(action) {
            return Ok(());
        }
        Err(CoreError::NeedsOwner {
            action: action.into(),
        })
    }

    /// How far (percent) a cashier may take a price or a discount below the catalog's
    /// without the owner: the `cashier_price_limit` setting, 10 by default.
    pub fn price_limit(&self) -> Result<rust_decimal::Decimal> {
        Ok(self
            .setting("cashier_price_limit")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(rust_decimal::Decimal::TEN))
    }

    /// Whether a price change is approved now, and how far the approval goes (once bound).
    pub(crate) fn price_change_approval(&self) -> (bool, Option<rust_decimal::Decimal>) {
        if !self.approved("price.change") {
            return (false, None);
        }
        (
            true,
            self.session.approval.as_ref().and_then(|a| a.bound.get()),
        )
    }

    /// Binds a fresh price approval to the cart the owner saw approved.
    pub(crate) fn bind_price_approval(&self, worst: rust_decimal::Decimal) {
        if let Some(a) = self.session.approval.as_ref()
            && a.action == "price.change"
            && a.bound.get().is_none()
        {
            a.bound.set(Some(worst));
        }
    }

    /// Uses up a price-change approval once the sale it allowed is saved.
    pub(crate) fn spend_price_approval(&mut self) {
        if self
            .session
            .approval
            .as_ref()
            .is_some_and(|a| a.action == "price.change")
        {
            self.session.approval = None;
        }
    }
}
