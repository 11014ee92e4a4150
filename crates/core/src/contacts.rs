//! Contacts (customers, suppliers) and the kasbon/debt ledger kept per contact.
//! A contact's `balance` is maintained in the same transaction as each debt entry and always
//! equals the sum of its entries: > 0 the contact owes the shop, < 0 the shop owes them.

use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{
    MAX_BALANCE, MAX_NAME, MAX_NOTE, add, check_opt_text, check_payment, check_text, format_rupiah,
};
use crate::time::stamp;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Customer,
    Supplier,
}

impl ContactKind {
    fn as_str(self) -> &'static str {
        match self {
            ContactKind::Customer => "customer",
            ContactKind::Supplier => "supplier",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub phone: Option<String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub balance: Decimal,
    pub last_activity: Option<String>,
}

/// One row of `pasar debt list`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DebtBalance {
    pub contact_id: i64,
    pub contact: String,
    pub phone: Option<String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub balance: Decimal,
    pub last_activity: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DebtEntry {
    pub id: i64,
    pub contact_id: i64,
    pub kind: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub balance: Decimal,
    pub occurred_at: String,
    pub sale_id: Option<i64>,
    pub note: Option<String>,
}

/// What `Shop::update_contact` changes; `None` leaves a field as it is (an empty phone
/// removes it).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ContactPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Also a supplier (true), or a customer only (false).
    #[serde(default)]
    pub supplier: Option<bool>,
}

/// Normalises an Indonesian phone number to WhatsApp's form: "0812-3456-789" → "628123456789".
pub fn normalize_phone(raw: &str) -> Result<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let n = if let Some(rest) = digits.strip_prefix("62") {
        format!("62{rest}")
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("62{rest}")
    } else if digits.starts_with('8') {
        format!("62{digits}")
    } else {
        digits.clone()
    };
    if !(10..=15).contains(&n.len()) || raw.chars().any(|c| c.is_alphabetic()) {
        return Err(CoreError::invalid(
            Field::Phone,
            Problem::BadFormat {
                value: raw.trim().to_string(),
                example: "0812-3456-7890".into(),
            },
        ));
    }
    Ok(n)
}

const CONTACT_COLS: &str = "id, name, kind, phone, balance, last_activity";

fn contact_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        phone: r.get(3)?,
        balance: dec(r, 4)?,
        last_activity: r.get(5)?,
    })
}

/// The contact a name means: its own, or the one it was merged into.
pub(crate) fn find_contact(conn: &Connection, name: &str) -> Result<Option<(i64, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT k.id, k.kind FROM contacts c JOIN contacts k ON k.id = coalesce(c.merged_into, c.id)
             WHERE c.name = ?1 COLLATE NOCASE",
        )?
        .query_row([name.trim()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The contact called `name`, created on first use ("bu Sri ngutang" needs no form).
pub(crate) fn find_or_create_contact(
    conn: &Connection,
    name: &str,
    kind: ContactKind,
    at: &str,
    actor: &str,
) -> Result<i64> {
    let name = check_text(Field::ContactName, name, MAX_NAME)?;
    let name = name.as_str();
    if name.is_empty() {
        return Err(CoreError::invalid(Field::ContactName, Problem::Required));
    }
    if let Some((id, k)) = find_contact(conn, name)? {
        if k != kind.as_str() && k != "both" {
            conn.execute("UPDATE contacts SET kind = 'both' WHERE id = ?1", [id])?;
        }
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO contacts(name, kind, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![name, kind.as_str(), at])?;
    let id = conn.last_insert_rowid();
    audit(
        conn,
        at,
        actor,
        "contact.add",
        "contact",
        Some(id),
        &serde_json::json!({"name": name}),
    )?;
    Ok(id)
}

pub(crate) struct DebtPosting<'a> {
    pub contact_id: i64,
    pub kind: &'a str,
    pub amount: Decimal,
    pub cash_flow: Decimal,
    pub at: &'a str,
    pub local_date: &'a str,
    pub sale_id: Option<i64>,
    pub purchase_id: Option<i64>,
    pub note: Option<&'a str>,
    pub actor: &'a str,
}

/// Appends a debt entry and moves the contact's balance with it. Returns the new balance.
pub(crate) fn post_debt(conn: &Connection, e: &DebtPosting<'_>) -> Result<Decimal> {
    let balance: Decimal = conn
        .prepare_cached("SELECT balance FROM contacts WHERE id = ?1")?
        .query_row([e.contact_id], |r| dec(r, 0))?;
    // A balance stays within a hundred times the largest single amount; beyond that the
    // entry is refused instead of overflowing every later report.
    let after = add(balance, e.amount)?;
    if after.abs() > MAX_BALANCE {
        return Err(CoreError::invalid(
            Field::Balance,
            Problem::OutOfRange {
                value: format_rupiah(after),
                min: format_rupiah(-MAX_BALANCE),
                max: format_rupiah(MAX_BALANCE),
            },
        ));
    }
    conn.prepare_cached(
        "INSERT INTO debt_entries(contact_id, kind, amount, cash_flow, occurred_at, local_date,
                                  sale_id, purchase_id, note, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        e.contact_id,
        e.kind,
        d(e.amount),
        d(e.cash_flow),
        e.at,
        e.local_date,
        e.sale_id,
        e.purchase_id,
        e.note,
        e.actor
    ])?;
    conn.prepare_cached("UPDATE contacts SET balance = ?2, last_activity = ?3 WHERE id = ?1")?
        .execute(params![e.contact_id, d(after), e.at])?;
    Ok(after)
}

impl Shop {
    pub fn add_contact(
        &mut self,
        name: &str,
        supplier: bool,
        phone: Option<&str>,
    ) -> Result<Contact> {
        let phone = phone.map(normalize_phone).transpose()?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        if find_contact(&tx, name)?.is_some() {
            return Err(CoreError::Duplicate {
                field: Field::ContactName,
                value: name.trim().into(),
            });
        }
        let kind = if supplier {
            ContactKind::Supplier
        } else {
            ContactKind::Customer
        };
        let id = find_or_create_contact(&tx, name, kind, &at, &actor)?;
        if phone.is_some() {
            tx.execute(
                "UPDATE contacts SET phone = ?2 WHERE id = ?1",
                params![id, phone],
            )?;
        }
        tx.commit()?;
        self.contact(id)
    }

    pub fn contact(&self, id: i64) -> Result<Contact> {
        self.conn
            .query_row(
                &format!("SELECT {CONTACT_COLS} FROM contacts WHERE id = ?1"),
                [id],
                contact_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::ContactNotFound {
                name: format!("#{id}"),
            })
    }

    /// Contacts whose name contains `query` (any case), names that start with it first, then
    /// the most recently active: what a name field offers while it is typed.
    pub fn search_contacts(&self, query: &str, limit: usize) -> Result<Vec<Contact>> {
        let q = query.trim().to_lowercase();
        let mut found: Vec<(bool, Contact)> = self
            .contacts()?
            .into_iter()
            .filter_map(|c| {
                let name = c.name.to_lowercase();
                let bare = crate::chat::ask::bare(&c.name);
                name.contains(&q)
                    .then(|| (name.starts_with(&q) || bare.starts_with(&q), c))
            })
            .collect();
        found.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| b.1.last_activity.cmp(&a.1.last_activity))
                .then_with(|| a.1.name.to_lowercase().cmp(&b.1.name.to_lowercase()))
        });
        Ok(found.into_iter().take(limit).map(|f| f.1).collect())
    }

    /// Existing contacts a typed name may mean when it is not one of them exactly, closest
    /// first: the same name with or without a title ("Budi" → Pak Budi), or a letter or two
    /// off ("Pak Budy" → Pak Budi). A title of the other sex names someone else ("Bu Budi"
    /// is not Pak Budi). Empty when the name is a contact's own (nothing to ask), so a form
    /// asks "maksud Anda Pak Budi?" before a typo makes a second debtor.
    pub fn similar_contacts(&self, name: &str) -> Result<Vec<Contact>> {
        let name = name.trim();
        if name.is_empty() || find_contact(&self.conn, name)?.is_some() {
            return Ok(Vec::new());
        }
        self.near(name, None)
    }

    /// Other contacts that may be the same person as contact `id` (the merge candidates).
    pub fn near_duplicates(&self, id: i64) -> Result<Vec<Contact>> {
        let c = self.contact(id)?;
        self.near(&c.name, Some(id))
    }

    fn near(&self, name: &str, except: Option<i64>) -> Result<Vec<Contact>> {
        use crate::chat::ask::{bare, title_sex};
        let want = bare(name);
        let sex = title_sex(name);
        let budget = match want.chars().count() {
            0..=3 => 0,
            4..=6 => 1,
            _ => 2,
        };
        let mut near: Vec<(usize, Contact)> = self
            .contacts()?
            .into_iter()
            .filter(|c| Some(c.id) != except)
            .filter(|c| !matches!((sex, title_sex(&c.name)), (Some(a), Some(b)) if a != b))
            .filter_map(|c| {
                let e = crate::catalog::edit_distance(&want, &bare(&c.name));
                (e <= budget).then_some((e, c))
            })
            .collect();
        near.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.balance.cmp(&a.1.balance)));
        Ok(near.into_iter().take(5).map(|n| n.1).collect())
    }

    pub fn contacts(&self) -> Result<Vec<Contact>> {
        // One query for all (name fields call this on every key typed).
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {CONTACT_COLS} FROM contacts WHERE merged_into IS NULL
                 ORDER BY name COLLATE NOCASE"
            ))?
            .query_map([], contact_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Changes a contact's name, phone or kind. A new name may not be another contact's
    /// (nor a merged contact's, which still means the one it was merged into).
    pub fn update_contact(&mut self, id: i64, patch: &ContactPatch) -> Result<Contact> {
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let current = self.contact(id)?;
        let name = match &patch.name {
            Some(n) => {
                let n = check_text(Field::ContactName, n, MAX_NAME)?;
                if n.is_empty() {
                    return Err(CoreError::invalid(Field::ContactName, Problem::Required));
                }
                Some(n)
            }
            None => None,
        };
        let phone = match &patch.phone {
            Some(p) if p.trim().is_empty() => Some(None),
            Some(p) => Some(Some(normalize_phone(p)?)),
            None => None,
        };
        let tx = self.write_tx()?;
        if let Some(n) = &name
            && let Some((other, _)) = find_contact(&tx, n)?
            && other != id
        {
            return Err(CoreError::Duplicate {
                field: Field::ContactName,
                value: n.clone(),
            });
        }
        let kind = match patch.supplier {
            Some(true) if current.kind == "customer" => Some("both"),
            Some(false) if current.kind == "supplier" => Some("customer"),
            _ => None,
        };
        tx.execute(
            "UPDATE contacts SET name = coalesce(?2, name), kind = coalesce(?3, kind),
                    phone = CASE WHEN ?4 THEN ?5 ELSE phone END
             WHERE id = ?1",
            params![id, name, kind, phone.is_some(), phone.clone().flatten()],
        )
        .map_err(|e| match &name {
            Some(n) if e.to_string().contains("contacts.name") => CoreError::Duplicate {
                field: Field::ContactName,
                value: n.clone(),
            },
            _ => e.into(),
        })?;
        audit(
            &tx,
            &at,
            &actor,
            "contact.update",
            "contact",
            Some(id),
            &serde_json::json!({"from": current.name, "name": name, "phone": phone, "kind": kind}),
        )?;
        tx.commit()?;
        self.contact(id)
    }

    /// Merges contact `duplicate` into `keep`: its sales, purchases and kasbon entries are
    /// attributed to `keep` (whose balance becomes the sum of both), it disappears from the
    /// lists, and its name goes on meaning `keep`. Nothing is deleted; the audit log records
    /// what moved. Returns the kept contact.
    pub fn merge_contacts(&mut self, keep: i64, duplicate: i64) -> Result<Contact> {
        self.require_owner("contact.merge")?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let (k, dup) = (self.contact(keep)?, self.contact(duplicate)?);
        if keep == duplicate {
            return Err(CoreError::invalid(
                Field::ContactName,
                Problem::SameContact { name: k.name },
            ));
        }
        let tx = self.write_tx()?;
        // Neither may already be merged into someone: a merged contact is only a name now.
        for (id, name) in [(duplicate, &dup.name), (keep, &k.name)] {
            let merged: Option<i64> = tx.query_row(
                "SELECT merged_into FROM contacts WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            if merged.is_some() {
                return Err(CoreError::ContactNotFound { name: name.clone() });
            }
        }
        let balance = add(k.balance, dup.balance)?;
        if balance.abs() > MAX_BALANCE {
            return Err(CoreError::invalid(
                Field::Balance,
                Problem::OutOfRange {
                    value: format_rupiah(balance),
                    min: format_rupiah(-MAX_BALANCE),
                    max: format_rupiah(MAX_BALANCE),
                },
            ));
        }
        let mut moved = serde_json::Map::new();
        for table in ["sales", "purchases", "debt_entries"] {
            let n = tx.execute(
                &format!("UPDATE {table} SET contact_id = ?1 WHERE contact_id = ?2"),
                params![keep, duplicate],
            )?;
            moved.insert(table.into(), n.into());
        }
        let kind = if k.kind == dup.kind {
            k.kind.clone()
        } else {
            "both".into()
        };
        let last = std::cmp::max(k.last_activity.clone(), dup.last_activity.clone());
        tx.execute(
            "UPDATE contacts SET balance = ?2, kind = ?3, last_activity = ?4,
                    phone = coalesce(phone, ?5)
             WHERE id = ?1",
            params![keep, d(balance), kind, last, dup.phone],
        )?;
        tx.execute(
            "UPDATE contacts SET merged_into = ?1, balance = '0' WHERE id = ?2 OR merged_into = ?2",
            params![keep, duplicate],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "contact.merge",
            "contact",
            Some(keep),
            &serde_json::json!({"kept": k.name, "merged": dup.name, "merged_id": duplicate, "moved": moved}),
        )?;
        tx.commit()?;
        self.contact(keep)
    }

    /// Contacts with an open balance, largest first.
    pub fn debts(&self) -> Result<Vec<DebtBalance>> {
        let mut st = self.conn.prepare(
            "SELECT id, name, phone, balance, last_activity FROM contacts WHERE balance != '0'",
        )?;
        let mut rows: Vec<DebtBalance> = st
            .query_map([], |r| {
                Ok(DebtBalance {
                    contact_id: r.get(0)?,
                    contact: r.get(1)?,
                    phone: r.get(2)?,
                    balance: dec(r, 3)?,
                    last_activity: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort_by(|a, b| b.balance.cmp(&a.balance).then(a.contact.cmp(&b.contact)));
        Ok(rows)
    }

    /// Records kasbon that did not come from a sale in the app ("bu Sri ngutang 60rb").
    pub fn add_debt(
        &mut self,
        contact: &str,
        amount: Decimal,
        note: Option<&str>,
    ) -> Result<DebtEntry> {
        let amount = check_payment(Field::Amount, amount)?;
        self.debt_write(
            contact,
            true,
            |_balance| Ok(("kasbon", amount, Decimal::ZERO)),
            note,
        )
    }

    /// Records a payment on a contact's open balance: a customer paying off kasbon
    /// (money in), or the shop paying a supplier it owes (money out). Overpaying is refused.
    pub fn pay_debt(
        &mut self,
        contact: &str,
        amount: Decimal,
        note: Option<&str>,
    ) -> Result<DebtEntry> {
        let amount = check_payment(Field::Amount, amount)?;
        self.debt_write(
            contact,
            false,
            |balance| {
                if balance.is_zero() {
                    Err(CoreError::invalid(Field::Balance, Problem::NoDebt))
                } else if amount > balance.abs() {
                    Err(CoreError::invalid(
                        Field::Amount,
                        Problem::Overpaid {
                            amount: format_rupiah(amount),
                            balance: format_rupiah(balance.abs()),
                        },
                    ))
                } else if balance > Decimal::ZERO {
                    Ok(("payment", -amount, amount))
                } else {
                    Ok(("supplier_payment", amount, -amount))
                }
            },
            note,
        )
    }

    fn debt_write(
        &mut self,
        contact: &str,
        create: bool,
        decide: impl FnOnce(Decimal) -> Result<(&'static str, Decimal, Decimal)>,
        note: Option<&str>,
    ) -> Result<DebtEntry> {
        let note = check_opt_text(Field::Note, note, MAX_NOTE)?;
        let note = note.as_deref();
        let now = self.clock.now();
        let at = stamp(now);
        let local = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let id = if create {
            find_or_create_contact(&tx, contact, ContactKind::Customer, &at, &actor)?
        } else {
            find_contact(&tx, contact)?
                .ok_or_else(|| CoreError::ContactNotFound {
                    name: contact.trim().into(),
                })?
                .0
        };
        let balance: Decimal =
            tx.query_row("SELECT balance FROM contacts WHERE id = ?1", [id], |r| {
                dec(r, 0)
            })?;
        let (kind, amount, cash_flow) = decide(balance)?;
        let after = post_debt(
            &tx,
            &DebtPosting {
                contact_id: id,
                kind,
                amount,
                cash_flow,
                at: &at,
                local_date: &local,
                sale_id: None,
                purchase_id: None,
                note,
                actor: &actor,
            },
        )?;
        let entry_id = tx.last_insert_rowid();
        audit(
            &tx,
            &at,
            &actor,
            &format!("debt.{kind}"),
            "contact",
            Some(id),
            &serde_json::json!({"amount": d(amount), "balance": d(after)}),
        )?;
        tx.commit()?;
        Ok(DebtEntry {
            id: entry_id,
            contact_id: id,
            kind: kind.into(),
            amount,
            balance: after,
            occurred_at: at,
            sale_id: None,
            note: note.map(str::to_string),
        })
    }

    /// A contact's debt ledger, oldest first, with the running balance.
    pub fn debt_history(&self, contact: &str) -> Result<Vec<DebtEntry>> {
        let (id, _) =
            find_contact(&self.conn, contact)?.ok_or_else(|| CoreError::ContactNotFound {
                name: contact.trim().into(),
            })?;
        let mut st = self.conn.prepare(
            "SELECT id, kind, amount, occurred_at, sale_id, note FROM debt_entries
             WHERE contact_id = ?1 ORDER BY id",
        )?;
        let mut running = Decimal::ZERO;
        let rows = st.query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, String>(1)?,
                dec(r, 2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (eid, kind, amount, occurred_at, sale_id, note) = row?;
            running = add(running, amount)?;
            out.push(DebtEntry {
                id: eid,
                contact_id: id,
                kind,
                amount,
                balance: running,
                occurred_at,
                sale_id,
                note,
            });
        }
        Ok(out)
    }
}
