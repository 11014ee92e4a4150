//! The stock ledger. Every change of on-hand stock is one appended `stock_movements` row,
//! written in the same transaction as the `products.stock` update, so on-hand always equals
//! the sum of movements. Nothing here updates or deletes a movement.

use crate::catalog::{Lookup, Product, resolve_product};
use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{MAX_NOTE, add, add_to, check_base_qty, check_opt_text, check_text, format_id};
use crate::time::stamp;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Sale,
    Purchase,
    Adjustment,
    Opname,
    Import,
    Return,
    Void,
    Initial,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Sale => "sale",
            MovementKind::Purchase => "purchase",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Opname => "opname",
            MovementKind::Import => "import",
            MovementKind::Return => "return",
            MovementKind::Void => "void",
            MovementKind::Initial => "initial",
        }
    }
}

/// Appends one movement and moves on-hand by `qty` (base units, signed).
/// Returns the new on-hand figure.
pub(crate) fn apply_movement(
    conn: &Connection,
    product_id: i64,
    kind: MovementKind,
    qty: Decimal,
    doc_type: &str,
    doc_id: i64,
    at: &str,
) -> Result<Decimal> {
    let (stock, prev): (Decimal, Option<i64>) = conn
        .prepare_cached("SELECT stock, last_movement FROM products WHERE id = ?1")?
        .query_row([product_id], |r| Ok((dec(r, 0)?, r.get(1)?)))?;
    // On-hand stays within the same bounds as any single quantity: repeated huge deltas are
    // refused one by one instead of overflowing later sums.
    let after = check_base_qty(Field::Stock, add(stock, qty)?)?;
    conn.prepare_cached(
        "INSERT INTO stock_movements(product_id, kind, qty, stock_after, doc_type, doc_id, occurred_at, prev_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![product_id, kind.as_str(), d(qty), d(after), doc_type, doc_id, at, prev])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE products SET stock = ?2, last_movement = ?3 WHERE id = ?1")?
        .execute(params![product_id, d(after), id])?;
    Ok(after)
}

/// The id the next stock movement will get (inside a write transaction nobody else can
/// insert meanwhile), so a batch can chain its movements before inserting them.
pub(crate) fn next_movement_id(conn: &Connection) -> Result<i64> {
    // A bare max(rowid) is answered from the end of the table's B-tree.
    let max: Option<i64> = conn
        .prepare_cached("SELECT max(id) FROM stock_movements")?
        .query_row([], |r| r.get(0))?;
    Ok(max.unwrap_or(0) + 1)
}

/// Walks a product's chain from its newest movement back (ids, newest first), as a
/// recursive query: `{select}` over `chain(id)` joined to the movement rows.
const CHAIN: &str = "WITH RECURSIVE chain(id) AS (
        SELECT last_movement FROM products WHERE id = ?1 AND last_movement IS NOT NULL
        UNION ALL
        SELECT m.prev_id FROM stock_movements m JOIN chain c ON m.id = c.id
        WHERE m.prev_id IS NOT NULL";

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Movement {
    pub id: i64,
    pub product_id: i64,
    pub kind: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock_after: Decimal,
    pub doc_type: String,
    pub doc_id: i64,
    pub occurred_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StockCount {
    pub id: i64,
    pub product_id: i64,
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub counted: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expected: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub difference: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    pub unit: String,
    /// The difference in money at the product's average cost, to the rupiah (negative: lost).
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub value: Decimal,
}

/// One line of a stock opname: what was counted, and when (the count may be posted later).
/// `product` is a SKU, barcode, name or `#id`.
#[derive(Debug, Clone, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CountLine {
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub counted: Decimal,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub counted_at: Option<DateTime<Utc>>,
}

/// A product whose stored on-hand differs from the sum of its movements.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StockMismatch {
    pub product_id: i64,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub ledger: Decimal,
}

impl Shop {
    /// Posts a stock opname. For each line the expected figure is the ledger stock at the
    /// moment of counting, so sales rung up between counting and posting are not lost; the
    /// difference is booked as an `opname` movement.
    pub fn post_stock_count(
        &mut self,
        lines: &[CountLine],
        note: Option<&str>,
    ) -> Result<Vec<StockCount>> {
        if lines.is_empty() {
            return Err(CoreError::invalid(Field::Lines, Problem::Required));
        }
        self.require_owner("stock.adjust")?;
        let note = check_opt_text(Field::Note, note, MAX_NOTE)?;
        let now = self.clock.now();
        let at = stamp(now);
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let mut out = Vec::with_capacity(lines.len());
        for line in lines {
            let p = resolve_product(&tx, &line.product, Lookup::Any)?;
            let counted = check_count(line.counted).map_err(|e| e.for_product(&p.name))?;
            let counted_at = line.counted_at.unwrap_or(now).min(now);
            let later: Decimal = sum_movements_after(&tx, p.id, &stamp(counted_at))?;
            let expected = p.stock - later;
            let diff = counted - expected;
            tx.execute(
                "INSERT INTO stock_counts(product_id, counted, expected, difference, counted_at,
                                          posted_at, note, actor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    p.id,
                    d(counted),
                    d(expected),
                    d(diff),
                    stamp(counted_at),
                    at,
                    note,
                    actor
                ],
            )?;
            let count_id = tx.last_insert_rowid();
            let stock = if diff.is_zero() {
                p.stock
            } else {
                apply_movement(
                    &tx,
                    p.id,
                    MovementKind::Opname,
                    diff,
                    "stock_count",
                    count_id,
                    &at,
                )?
            };
            audit(
                &tx,
                &at,
                &actor,
                "stock.count",
                "product",
                Some(p.id),
                &serde_json::json!({"counted": d(counted), "expected": d(expected), "difference": d(diff)}),
            )?;
            out.push(StockCount {
                id: count_id,
                product_id: p.id,
                value: crate::money::round_rupiah(crate::money::mul(diff, p.cost)?),
                product: p.name,
                counted,
                expected,
                difference: diff,
                stock,
                unit: p.unit,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// What posting these counts would do, per product (difference in quantity and in
    /// rupiah at average cost), without writing anything: the opname's review.
    pub fn preview_stock_count(&self, lines: &[CountLine]) -> Result<Vec<StockCount>> {
        let now = self.clock.now();
        let mut out = Vec::with_capacity(lines.len());
        for line in lines {
            let p = resolve_product(&self.conn, &line.product, Lookup::Any)?;
            let counted = check_count(line.counted).map_err(|e| e.for_product(&p.name))?;
            let counted_at = line.counted_at.unwrap_or(now).min(now);
            let later: Decimal = sum_movements_after(&self.conn, p.id, &stamp(counted_at))?;
            let expected = p.stock - later;
            let diff = counted - expected;
            out.push(StockCount {
                id: 0,
                product_id: p.id,
                value: crate::money::round_rupiah(crate::money::mul(diff, p.cost)?),
                product: p.name,
                counted,
                expected,
                difference: diff,
                stock: p.stock + diff,
                unit: p.unit,
            });
        }
        Ok(out)
    }

    /// A manual correction (breakage, spoilage, found goods) by a signed base quantity.
    pub fn adjust_stock(&mut self, product: &str, delta: Decimal, reason: &str) -> Result<Product> {
        self.adjust_stock_entry(product, delta, reason)
            .map(|(p, _)| p)
    }

    /// `adjust_stock`, also returning the id of the adjustment (its audit entry, which the
    /// movement points at).
    pub fn adjust_stock_entry(
        &mut self,
        product: &str,
        delta: Decimal,
        reason: &str,
    ) -> Result<(Product, i64)> {
        self.require_owner("stock.adjust")?;
        if delta.is_zero() {
            return Err(CoreError::invalid(Field::Adjustment, Problem::Zero));
        }
        let delta = check_base_qty(Field::Adjustment, delta)?;
        let reason = check_text(Field::Reason, reason, MAX_NOTE)?;
        if reason.is_empty() {
            return Err(CoreError::invalid(Field::Reason, Problem::Required));
        }
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let allow_negative = self.settings.allow_negative_stock;
        let tx = self.write_tx()?;
        let p = resolve_product(&tx, product, Lookup::Any)?;
        if !allow_negative && p.stock + delta < Decimal::ZERO && delta < Decimal::ZERO {
            return Err(CoreError::InsufficientStock {
                product: p.name,
                stock: crate::money::format_qty(p.stock, &p.unit),
            });
        }
        audit(
            &tx,
            &at,
            &actor,
            "stock.adjust",
            "product",
            Some(p.id),
            &serde_json::json!({"delta": d(delta), "reason": reason}),
        )?;
        let audit_id = tx.last_insert_rowid();
        apply_movement(
            &tx,
            p.id,
            MovementKind::Adjustment,
            delta,
            "audit",
            audit_id,
            &at,
        )?;
        tx.commit()?;
        Ok((self.product(p.id)?, audit_id))
    }

    /// Movement history of one product, newest first.
    pub fn movements(&self, product_id: i64, limit: i64) -> Result<Vec<Movement>> {
        let mut st = self.conn.prepare(&format!(
            "{CHAIN} LIMIT ?2)
             SELECT m.id, m.product_id, m.kind, m.qty, m.stock_after, m.doc_type, m.doc_id, m.occurred_at
             FROM chain c JOIN stock_movements m ON m.id = c.id ORDER BY m.id DESC LIMIT ?2"
        ))?;
        let rows = st.query_map(params![product_id, limit], |r| {
            Ok(Movement {
                id: r.get(0)?,
                product_id: r.get(1)?,
                kind: r.get(2)?,
                qty: dec(r, 3)?,
                stock_after: dec(r, 4)?,
                doc_type: r.get(5)?,
                doc_id: r.get(6)?,
                occurred_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Checks the ledger invariant for every product: on-hand == sum of movements, and the
    /// chain is whole (each movement points at the product's previous one, the product at
    /// its newest). Decimal sums are done in Rust (SQLite's SUM would go through floats).
    pub fn verify_stock(&self) -> Result<Vec<StockMismatch>> {
        self.snapshot(|shop| shop.verify_stock_in())
    }

    fn verify_stock_in(&self) -> Result<Vec<StockMismatch>> {
        let mut sums: std::collections::HashMap<i64, (Decimal, Option<i64>, bool)> =
            Default::default();
        let mut st = self
            .conn
            .prepare("SELECT id, product_id, qty, prev_id FROM stock_movements ORDER BY id")?;
        for row in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                dec(r, 2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })? {
            let (id, product, q, prev) = row?;
            let e = sums.entry(product).or_insert((Decimal::ZERO, None, true));
            add_to(&mut e.0, q)?;
            e.2 &= prev == e.1;
            e.1 = Some(id);
        }
        let mut st = self
            .conn
            .prepare("SELECT id, stock, last_movement FROM products")?;
        let mut bad = Vec::new();
        for row in st.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, dec(r, 1)?, r.get::<_, Option<i64>>(2)?))
        })? {
            let (id, stock, last) = row?;
            let (ledger, newest, chained) =
                sums.get(&id)
                    .copied()
                    .unwrap_or((Decimal::ZERO, None, true));
            if ledger != stock || newest != last || !chained {
                bad.push(StockMismatch {
                    product_id: id,
                    stock,
                    ledger,
                });
            }
        }
        Ok(bad)
    }
}

/// Sum of the product's movements made after `at`, walking its chain back from the newest
/// until a movement at or before `at` (movements of a product are stamped in order).
fn sum_movements_after(conn: &Connection, product_id: i64, at: &str) -> Result<Decimal> {
    let mut st = conn.prepare_cached(&format!(
        "{CHAIN} AND m.occurred_at > ?2)
         SELECT m.qty FROM chain c JOIN stock_movements m ON m.id = c.id WHERE m.occurred_at > ?2"
    ))?;
    let mut sum = Decimal::ZERO;
    for q in st.query_map(params![product_id, at], |r| dec(r, 0))? {
        add_to(&mut sum, q?)?;
    }
    Ok(sum)
}

/// A counted quantity: not negative, exact at the quantity scale, within bounds.
fn check_count(q: Decimal) -> Result<Decimal> {
    if q.is_sign_negative() && !q.is_zero() {
        return Err(CoreError::invalid(
            Field::CountedQty,
            Problem::Negative {
                value: format_id(q),
            },
        ));
    }
    check_base_qty(Field::CountedQty, q)
}
