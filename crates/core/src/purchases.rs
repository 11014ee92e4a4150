//! Purchases from suppliers: stock comes in, the moving average cost is updated, and money
//! goes out now (cash/qris/transfer) or onto the supplier's ledger (kasbon = bought on credit).

use crate::catalog::{Lookup, Product, load_line_product, resolve_unit};
use crate::contacts::{ContactKind, DebtPosting, find_or_create_contact, post_debt};
use crate::db::{Shop, audit, d};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{
    COST_DECIMALS, MAX_NAME, MAX_NOTE, add_to, check_base_qty, check_line_count, check_line_qty,
    check_money, check_opt_text, mul, round_rupiah,
};
use crate::sales::{Payment, ProductRef};
use crate::stock::{MovementKind, apply_movement};
use crate::time::stamp;
use rusqlite::params;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurchaseLineInput {
    pub product: ProductRef,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    pub unit: Option<String>,
    /// Cost per `unit`; the current average cost when absent.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub unit_cost: Option<Decimal>,
    /// What the line came to, as paid ("3 kg telur 100rb"), when no cost per unit is given:
    /// the line total is exactly this and the cost per unit is worked out from it (to 4
    /// decimals), so the books never lose the rupiah a division leaves over.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub total: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewPurchase {
    pub lines: Vec<PurchaseLineInput>,
    pub supplier: Option<String>,
    pub payment: Payment,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurchaseLine {
    pub product_id: i64,
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    pub unit: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty_base: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub unit_cost: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    /// The product's base unit: `stock` and `average_cost` are in it.
    pub stock_unit: String,
    /// Moving average cost per base unit after this purchase.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub average_cost: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Purchase {
    pub purchase_id: i64,
    pub supplier: Option<String>,
    pub payment: Payment,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    pub occurred_at: String,
    pub lines: Vec<PurchaseLine>,
}

/// Moving average cost per base unit, kept to 4 decimals. Negative on-hand (sold before it
/// was booked in) counts as zero, so the new goods' cost is not diluted by phantom stock.
pub fn moving_average(stock: Decimal, avg: Decimal, qty: Decimal, unit_cost: Decimal) -> Decimal {
    let held = stock.max(Decimal::ZERO);
    let total_qty = held + qty;
    if total_qty <= Decimal::ZERO {
        return unit_cost;
    }
    ((held * avg + qty * unit_cost) / total_qty)
        .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// One row of the purchases list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurchaseSummary {
    pub purchase_id: i64,
    pub occurred_at: String,
    pub supplier: Option<String>,
    pub payment: Payment,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    pub lines: i64,
    /// The purchase this row voids (its reason is `note`).
    pub reverses: Option<i64>,
    /// The row that voided this purchase.
    pub voided_by: Option<i64>,
    pub note: Option<String>,
    /// Who booked it.
    pub actor: String,
}

impl Shop {
    /// Purchases booked on local dates `from..=to`, newest first.
    pub fn purchases_list(&self, from: &str, to: &str, limit: i64) -> Result<Vec<PurchaseSummary>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {} FROM purchases p LEFT JOIN contacts c ON c.id = p.contact_id
             WHERE p.local_date BETWEEN ?1 AND ?2 ORDER BY p.id DESC LIMIT ?3",
            crate::books::PURCHASE_COLS
        ))?;
        let rows = st.query_map(params![from, to, limit], crate::books::purchase_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn record_purchase(&mut self, p: &NewPurchase) -> Result<Purchase> {
        if p.lines.is_empty() {
            return Err(CoreError::invalid(Field::PurchaseItems, Problem::Required));
        }
        check_line_count(p.lines.len())?;
        let supplier = check_opt_text(Field::Supplier, p.supplier.as_deref(), MAX_NAME)?;
        let supplier = supplier.as_deref();
        let note = check_opt_text(Field::Note, p.note.as_deref(), MAX_NOTE)?;
        if p.payment == Payment::Kasbon && supplier.is_none() {
            return Err(CoreError::invalid(Field::Supplier, Problem::Required));
        }
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let contact_id = supplier
            .map(|s| find_or_create_contact(&tx, s, ContactKind::Supplier, &at, &actor))
            .transpose()?;
        tx.execute(
            "INSERT INTO purchases(occurred_at, local_date, contact_id, payment, total, note, actor)
             VALUES (?1, ?2, ?3, ?4, '0', ?5, ?6)",
            params![at, local_date, contact_id, p.payment.as_str(), note, actor],
        )?;
        let purchase_id = tx.last_insert_rowid();
        let mut total = Decimal::ZERO;
        let mut lines = Vec::with_capacity(p.lines.len());
        for l in &p.lines {
            let coded;
            let l = match crate::catalog::line_by_unit_code(&tx, &l.product, l.unit.as_deref())? {
                Some((product, unit)) => {
                    coded = PurchaseLineInput {
                        product,
                        unit: Some(unit),
                        ..l.clone()
                    };
                    &coded
                }
                None => l,
            };
            let prod = load_line_product(&tx, &l.product, l.unit.as_deref(), Lookup::Any)?;
            let name = prod.name.clone();
            let (qty, unit, unit_cost, qty_base, line_total) =
                check_purchase_line(&prod, l).map_err(|e| e.for_product(&name))?;
            let avg = moving_average(prod.stock, prod.cost, qty_base, unit_cost / unit.factor);
            tx.prepare_cached(
                "INSERT INTO purchase_lines(purchase_id, product_id, qty, unit, qty_base, unit_cost, total)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![purchase_id, prod.id, d(qty), unit.unit, d(qty_base), d(unit_cost), d(line_total)])?;
            tx.prepare_cached("UPDATE products SET cost = ?2, updated_at = ?3 WHERE id = ?1")?
                .execute(params![prod.id, d(avg), at])?;
            let stock = apply_movement(
                &tx,
                prod.id,
                MovementKind::Purchase,
                qty_base,
                "purchase",
                purchase_id,
                &at,
            )
            .map_err(|e| e.for_product(&name))?;
            add_to(&mut total, line_total)?;
            lines.push(PurchaseLine {
                product_id: prod.id,
                product: prod.name,
                qty,
                unit: unit.unit,
                qty_base,
                unit_cost: unit_cost.normalize(),
                total: line_total,
                stock_unit: prod.unit,
                average_cost: avg,
                stock,
            });
        }
        let total = check_money(Field::Amount, total, 0)?;
        tx.execute(
            "UPDATE purchases SET total = ?2 WHERE id = ?1",
            params![purchase_id, d(total)],
        )?;
        if let (Payment::Kasbon, Some(cid)) = (p.payment, contact_id) {
            post_debt(
                &tx,
                &DebtPosting {
                    contact_id: cid,
                    kind: "supplier_credit",
                    amount: -total,
                    cash_flow: Decimal::ZERO,
                    at: &at,
                    local_date: &local_date,
                    sale_id: None,
                    purchase_id: Some(purchase_id),
                    note: note.as_deref(),
                    actor: &actor,
                },
            )?;
        }
        audit(
            &tx,
            &at,
            &actor,
            "purchase.record",
            "purchase",
            Some(purchase_id),
            &serde_json::json!({"total": d(total), "payment": p.payment.as_str(), "supplier": supplier}),
        )?;
        tx.commit()?;
        Ok(Purchase {
            purchase_id,
            supplier: supplier.map(str::to_string),
            payment: p.payment,
            total,
            occurred_at: at,
            lines,
        })
    }
}

fn round_cost(c: Decimal) -> Decimal {
    c.round_dp_with_strategy(COST_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

type CheckedLine = (
    Decimal,
    crate::catalog::ResolvedUnit,
    Decimal,
    Decimal,
    Decimal,
);

/// Quantity, unit, cost per unit, base quantity and line total of one purchase line, all
/// checked like a sale line's.
fn check_purchase_line(prod: &Product, l: &PurchaseLineInput) -> Result<CheckedLine> {
    let qty = check_line_qty(Field::Quantity, l.qty)?;
    let unit = resolve_unit(prod, l.unit.as_deref())?;
    // A typed cost is whole rupiah; the default (the average cost, kept to 4 decimals)
    // may carry decimals.
    if let (None, Some(total)) = (l.unit_cost, l.total) {
        let total = check_money(Field::Amount, total, 0)?;
        let qty_base = check_base_qty(Field::Quantity, mul(qty, unit.factor)?)?;
        let unit_cost = check_money(Field::Cost, round_cost(total / qty), COST_DECIMALS)?;
        return Ok((qty, unit, unit_cost, qty_base, total));
    }
    let unit_cost = match l.unit_cost {
        Some(c) => check_money(Field::Cost, c, 0)?,
        None => check_money(
            Field::Cost,
            round_cost(prod.cost * unit.factor),
            COST_DECIMALS,
        )?,
    };
    let qty_base = check_base_qty(Field::Quantity, mul(qty, unit.factor)?)?;
    let line_total = check_money(Field::Amount, round_rupiah(mul(qty, unit_cost)?), 0)?;
    Ok((qty, unit, unit_cost, qty_base, line_total))
}

#[cfg(test)]
mod tests {
    use super::moving_average;
    use rust_decimal::Decimal;

    #[test]
    fn average_cost() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            moving_average(d("10"), d("100"), d("10"), d("200")),
            d("150")
        );
        assert_eq!(
            moving_average(d("-5"), d("100"), d("10"), d("200")),
            d("200")
        );
        assert_eq!(moving_average(d("0"), d("0"), d("3"), d("10")), d("10"));
        assert_eq!(moving_average(d("1"), d("0"), d("2"), d("10")), d("6.6667"));
    }
}
