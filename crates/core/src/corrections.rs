//! Corrections of purchases, expenses and standalone kasbon entries: a reversing row with
//! negative amounts that points at the original (`reverses`), never a delete or an update.
//! A correction carries the original's date and time of booking, so every period's books
//! read as if the mistake had never been booked; the audit log records when and why it was
//! corrected. (Sale voids and returns are different: goods and money really move back on
//! the day of the return — see `sales`.)

use crate::catalog::load_product;
use crate::contacts::{DebtPosting, post_debt};
use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{COST_DECIMALS, MAX_NOTE, check_text, sub};
use crate::stock::{MovementKind, apply_movement};
use crate::time::stamp;
use rusqlite::{OptionalExtension, params};
use rust_decimal::{Decimal, RoundingStrategy};

/// The average cost once a purchase's goods are taken back out: what the remaining stock
/// cost before that purchase came in. Unchanged when nothing would be left, or when the goods
/// were partly sold meanwhile and the figure would not make sense.
pub fn average_without(stock: Decimal, avg: Decimal, qty: Decimal, unit_cost: Decimal) -> Decimal {
    let left = stock - qty;
    if left <= Decimal::ZERO {
        return avg;
    }
    let value = stock * avg - qty * unit_cost;
    if value < Decimal::ZERO {
        return avg;
    }
    (value / left)
        .round_dp_with_strategy(COST_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// An entry can be reversed once, and a reversal is not reversed itself.
fn reversible(id: i64, reverses: Option<i64>, reversed_by: Option<i64>) -> Result<()> {
    if reverses.is_some() {
        return Err(CoreError::invalid(
            Field::Void,
            Problem::IsReversal { sale: id },
        ));
    }
    if reversed_by.is_some() {
        return Err(CoreError::invalid(
            Field::Void,
            Problem::AlreadyVoided { id },
        ));
    }
    Ok(())
}

fn reason_of(reason: &str) -> Result<String> {
    let reason = check_text(Field::Reason, reason, MAX_NOTE)?;
    if reason.is_empty() {
        return Err(CoreError::invalid(Field::Reason, Problem::Required));
    }
    Ok(reason)
}

impl Shop {
    /// Voids a purchase typed by mistake: its goods go back out of stock, the average cost
    /// returns to what it was, and a purchase on credit comes off the supplier's balance.
    /// Returns the id of the reversing purchase.
    pub fn void_purchase(&mut self, purchase_id: i64, reason: &str) -> Result<i64> {
        self.require_owner("purchase.void")?;
        let reason = reason_of(reason)?;
        let now = stamp(self.clock.now());
        let actor = self.actor.clone();
        let allow_negative = self.settings.allow_negative_stock;
        let tx = self.write_tx()?;
        let orig = tx
            .query_row(
                "SELECT occurred_at, local_date, contact_id, payment, total, reverses,
                        (SELECT id FROM purchases r WHERE r.reverses = p.id)
                 FROM purchases p WHERE id = ?1",
                [purchase_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, String>(3)?,
                        dec(r, 4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                    ))
                },
            )
            .optional()?
            .ok_or(CoreError::PurchaseNotFound { id: purchase_id })?;
        let (at, local_date, contact_id, payment, total, reverses, reversed_by) = orig;
        reversible(purchase_id, reverses, reversed_by)?;
        tx.execute(
            "INSERT INTO purchases(occurred_at, local_date, contact_id, payment, total, note, actor, reverses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![at, local_date, contact_id, payment, d(-total), reason, actor, purchase_id],
        )?;
        let rev_id = tx.last_insert_rowid();
        let lines: Vec<(i64, Decimal, String, Decimal, Decimal, Decimal)> = tx
            .prepare(
                "SELECT product_id, qty, unit, qty_base, unit_cost, total
                 FROM purchase_lines WHERE purchase_id = ?1 ORDER BY id",
            )?
            .query_map([purchase_id], |r| {
                Ok((
                    r.get(0)?,
                    dec(r, 1)?,
                    r.get(2)?,
                    dec(r, 3)?,
                    dec(r, 4)?,
                    dec(r, 5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (product_id, qty, unit, qty_base, unit_cost, line_total) in lines {
            let p = load_product(&tx, product_id)?.ok_or(CoreError::ProductNotFound {
                query: format!("#{product_id}"),
            })?;
            if !allow_negative && p.stock - qty_base < Decimal::ZERO {
                return Err(CoreError::InsufficientStock {
                    product: p.name,
                    stock: crate::money::format_qty(p.stock, &p.unit),
                });
            }
            // Cost per base unit of this line.
            let base_cost = if qty_base.is_zero() {
                unit_cost
            } else {
                unit_cost * qty / qty_base
            };
            let avg = average_without(p.stock, p.cost, qty_base, base_cost);
            tx.execute(
                "INSERT INTO purchase_lines(purchase_id, product_id, qty, unit, qty_base, unit_cost, total)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    rev_id,
                    product_id,
                    d(-qty),
                    unit,
                    d(-qty_base),
                    d(unit_cost),
                    d(-line_total)
                ],
            )?;
            tx.execute(
                "UPDATE products SET cost = ?2, updated_at = ?3 WHERE id = ?1",
                params![product_id, d(avg), now],
            )?;
            apply_movement(
                &tx,
                product_id,
                MovementKind::Void,
                -qty_base,
                "purchase",
                rev_id,
                &now,
            )?;
        }
        if payment == "kasbon" {
            let entry: Option<(i64, Decimal)> = tx
                .query_row(
                    "SELECT contact_id, amount FROM debt_entries WHERE purchase_id = ?1",
                    [purchase_id],
                    |r| Ok((r.get(0)?, dec(r, 1)?)),
                )
                .optional()?;
            if let Some((cid, amount)) = entry {
                post_debt(
                    &tx,
                    &DebtPosting {
                        contact_id: cid,
                        kind: "reversal",
                        amount: -amount,
                        cash_flow: Decimal::ZERO,
                        at: &at,
                        local_date: &local_date,
                        sale_id: None,
                        purchase_id: Some(rev_id),
                        note: Some(&reason),
                        actor: &actor,
                    },
                )?;
            }
        }
        audit(
            &tx,
            &now,
            &actor,
            "purchase.void",
            "purchase",
            Some(purchase_id),
            &serde_json::json!({"reversal": rev_id, "total": d(-total), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(rev_id)
    }

    /// Voids an expense typed by mistake. Returns the id of the reversing expense.
    pub fn void_expense(&mut self, expense_id: i64, reason: &str) -> Result<i64> {
        self.require_owner("expense.void")?;
        let reason = reason_of(reason)?;
        let now = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let (at, local_date, category, amount, payment, reverses, reversed_by) = tx
            .query_row(
                "SELECT occurred_at, local_date, category, amount, payment, reverses,
                        (SELECT id FROM expenses r WHERE r.reverses = e.id)
                 FROM expenses e WHERE id = ?1",
                [expense_id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        dec(r, 3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                    ))
                },
            )
            .optional()?
            .ok_or(CoreError::ExpenseNotFound { id: expense_id })?;
        reversible(expense_id, reverses, reversed_by)?;
        tx.execute(
            "INSERT INTO expenses(occurred_at, local_date, category, amount, payment, note, actor, reverses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![at, local_date, category, d(-amount), payment, reason, actor, expense_id],
        )?;
        let rev_id = tx.last_insert_rowid();
        audit(
            &tx,
            &now,
            &actor,
            "expense.void",
            "expense",
            Some(expense_id),
            &serde_json::json!({"reversal": rev_id, "amount": d(-amount), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(rev_id)
    }

    /// Takes back a kasbon entry or a payment booked by mistake ("bu Sri ngutang 60rb" typed
    /// for the wrong person). Entries that belong to a sale or a purchase are corrected by
    /// voiding that document instead. Returns the id of the reversing entry.
    pub fn reverse_debt_entry(&mut self, entry_id: i64, reason: &str) -> Result<i64> {
        self.require_owner("debt.reverse")?;
        let reason = reason_of(reason)?;
        let now = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let row = tx
            .query_row(
                "SELECT contact_id, amount, cash_flow, occurred_at, local_date, sale_id,
                        purchase_id, reverses,
                        (SELECT id FROM debt_entries r WHERE r.reverses = e.id)
                 FROM debt_entries e WHERE id = ?1",
                [entry_id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        dec(r, 1)?,
                        dec(r, 2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, Option<i64>>(8)?,
                    ))
                },
            )
            .optional()?
            .ok_or(CoreError::DebtEntryNotFound { id: entry_id })?;
        let (contact_id, amount, cash_flow, at, local_date, sale, purchase, reverses, reversed_by) =
            row;
        if let Some(doc) = sale
            .map(|s| format!("#{s}"))
            .or(purchase.map(|p| format!("#{p}")))
        {
            return Err(CoreError::invalid(
                Field::Void,
                Problem::PartOfDocument { document: doc },
            ));
        }
        reversible(entry_id, reverses, reversed_by)?;
        post_debt(
            &tx,
            &DebtPosting {
                contact_id,
                kind: "reversal",
                amount: -amount,
                cash_flow: -cash_flow,
                at: &at,
                local_date: &local_date,
                sale_id: None,
                purchase_id: None,
                note: Some(&reason),
                actor: &actor,
            },
        )?;
        let rev_id = tx.last_insert_rowid();
        tx.execute(
            "UPDATE debt_entries SET reverses = ?2 WHERE id = ?1",
            params![rev_id, entry_id],
        )?;
        audit(
            &tx,
            &now,
            &actor,
            "debt.reverse",
            "contact",
            Some(contact_id),
            &serde_json::json!({"entry": entry_id, "reversal": rev_id, "amount": d(sub(Decimal::ZERO, amount)?), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(rev_id)
    }
}
