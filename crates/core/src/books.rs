//! The books as the Transaksi screen pages through them: sales, purchases and expenses of a
//! period, newest first, filtered by part of a contact's name and by who booked them, one
//! page at a time with the true count of all that match. Reversals are rows of their own
//! (negative amounts, pointing at what they reverse); an entry that was reversed says so.

use crate::db::{Shop, dec};
use crate::error::{CoreError, Result};
use crate::expenses::ExpenseCategory;
use crate::purchases::PurchaseSummary;
use crate::sales::{Payment, SaleSummary};
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which entries a list shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ListQuery {
    /// A period as `Period::parse` reads it ("today", "this_month", "2026-11-01..2026-11-15").
    pub period: String,
    /// Part of the customer's or supplier's name, any case ("budi" finds "Pak Budi").
    #[serde(default)]
    pub contact: Option<String>,
    /// Who booked it (the audit actor: a cashier's name).
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub offset: i64,
    /// At most 500; 50 when absent or zero.
    #[serde(default)]
    pub limit: i64,
}

/// One page of a list and how many entries match in all.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many entries match in all.
    pub total: i64,
    pub offset: i64,
    /// The money of all that match (reversals count negative): the net figure of the list.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sum: Decimal,
}

/// One line of a purchase as its detail shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurchaseDetailLine {
    pub product_id: i64,
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    pub unit: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub unit_cost: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
}

/// A purchase with its lines.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PurchaseDetail {
    pub row: PurchaseSummary,
    pub items: Vec<PurchaseDetailLine>,
}

/// One row of the expenses list.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExpenseRow {
    pub expense_id: i64,
    pub occurred_at: String,
    pub category: ExpenseCategory,
    pub payment: Payment,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
    pub note: Option<String>,
    pub reverses: Option<i64>,
    pub voided_by: Option<i64>,
    pub actor: String,
}

/// `%part%` for LIKE, with the wildcard characters of the text itself escaped.
fn like(part: Option<&str>) -> Option<String> {
    part.map(str::trim).filter(|p| !p.is_empty()).map(|p| {
        format!(
            "%{}%",
            p.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    })
}

struct Bounds {
    from: String,
    to: String,
    contact: Option<String>,
    actor: Option<String>,
    offset: i64,
    limit: i64,
}

impl Shop {
    /// How many rows `filter` matches and the exact sum of their `money` column.
    fn count_sum(&self, money: &str, filter: &str, b: &Bounds) -> Result<(i64, Decimal)> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {money} {filter}"))?;
        let values = st
            .query_map(params![b.from, b.to, b.contact, b.actor], |r| dec(r, 0))?
            .collect::<rusqlite::Result<Vec<Decimal>>>()?;
        Ok((values.len() as i64, crate::money::sum(values)?))
    }

    fn bounds(&self, q: &ListQuery) -> Result<Bounds> {
        let p = self.period(&q.period)?;
        Ok(Bounds {
            from: p.from.to_string(),
            to: p.to.to_string(),
            contact: like(q.contact.as_deref()),
            actor: q
                .actor
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            offset: q.offset.max(0),
            limit: if q.limit <= 0 { 50 } else { q.limit.min(500) },
        })
    }

    /// One page of rows `cols` from `from_where` (bound: ?1..?4 as in `Bounds`), newest first,
    /// with the count and the sum of `money` over all that match.
    fn page<T>(
        &self,
        q: &ListQuery,
        money: &str,
        cols: &str,
        from_where: &str,
        order: &str,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Page<T>> {
        let b = self.bounds(q)?;
        let (total, sum) = self.count_sum(money, from_where, &b)?;
        let items = self
            .conn
            .prepare_cached(&format!(
                "SELECT {cols} {from_where} ORDER BY {order} LIMIT ?5 OFFSET ?6"
            ))?
            .query_map(
                params![b.from, b.to, b.contact, b.actor, b.limit, b.offset],
                row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Page {
            items,
            total,
            offset: b.offset,
            sum,
        })
    }

    /// Sales, voids and returns of a period, newest first.
    pub fn sales_page(&self, q: &ListQuery) -> Result<Page<SaleSummary>> {
        self.page(
            q,
            "s.total",
            SALE_COLS,
            "FROM sales s LEFT JOIN contacts c ON c.id = s.contact_id
             WHERE s.local_date BETWEEN ?1 AND ?2
               AND (?3 IS NULL OR c.name LIKE ?3 ESCAPE '\\')
               AND (?4 IS NULL OR s.actor = ?4)",
            "s.occurred_at DESC, s.id DESC",
            sale_row,
        )
    }

    /// Purchases (and their voids, dated like the purchase they void) of a period, newest first.
    pub fn purchases_page(&self, q: &ListQuery) -> Result<Page<PurchaseSummary>> {
        self.page(
            q,
            "p.total",
            PURCHASE_COLS,
            "FROM purchases p LEFT JOIN contacts c ON c.id = p.contact_id
             WHERE p.local_date BETWEEN ?1 AND ?2
               AND (?3 IS NULL OR c.name LIKE ?3 ESCAPE '\\')
               AND (?4 IS NULL OR p.actor = ?4)",
            "p.occurred_at DESC, p.id DESC",
            purchase_row,
        )
    }

    /// One purchase and its lines.
    pub fn purchase_detail(&self, id: i64) -> Result<PurchaseDetail> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {PURCHASE_COLS} FROM purchases p LEFT JOIN contacts c ON c.id = p.contact_id
                 WHERE p.id = ?1"
            ))?
            .query_row([id], purchase_row)
            .optional()?
            .ok_or(CoreError::PurchaseNotFound { id })?;
        let items = self
            .conn
            .prepare_cached(
                "SELECT l.product_id, pr.name, l.qty, l.unit, l.unit_cost, l.total
                 FROM purchase_lines l JOIN products pr ON pr.id = l.product_id
                 WHERE l.purchase_id = ?1 ORDER BY l.id",
            )?
            .query_map([id], |r| {
                Ok(PurchaseDetailLine {
                    product_id: r.get(0)?,
                    product: r.get(1)?,
                    qty: dec(r, 2)?,
                    unit: r.get(3)?,
                    unit_cost: dec(r, 4)?,
                    total: dec(r, 5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(PurchaseDetail { row, items })
    }

    /// Expenses (and their voids) of a period, newest first. `contact` matches the note.
    pub fn expenses_page(&self, q: &ListQuery) -> Result<Page<ExpenseRow>> {
        self.page(
            q,
            "e.amount",
            "e.id, e.occurred_at, e.category, e.payment, e.amount, e.note, e.reverses,
             (SELECT r.id FROM expenses r WHERE r.reverses = e.id), e.actor",
            "FROM expenses e WHERE e.local_date BETWEEN ?1 AND ?2
               AND (?3 IS NULL OR e.note LIKE ?3 ESCAPE '\\')
               AND (?4 IS NULL OR e.actor = ?4)",
            "e.occurred_at DESC, e.id DESC",
            |r| {
                let cat: String = r.get(2)?;
                let pay: String = r.get(3)?;
                Ok(ExpenseRow {
                    expense_id: r.get(0)?,
                    occurred_at: r.get(1)?,
                    category: ExpenseCategory::parse(&cat).unwrap_or(ExpenseCategory::Other),
                    payment: Payment::parse(&pay).unwrap_or(Payment::Cash),
                    amount: dec(r, 4)?,
                    note: r.get(5)?,
                    reverses: r.get(6)?,
                    voided_by: r.get(7)?,
                    actor: r.get(8)?,
                })
            },
        )
    }

    /// Everyone who booked a sale, purchase or expense: the choices of the "who" filter.
    pub fn actors(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT actor FROM sales UNION SELECT actor FROM purchases
                 UNION SELECT actor FROM expenses ORDER BY 1",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
}

/// The columns `sale_row` reads (sales `s`, contacts `c`).
pub(crate) const SALE_COLS: &str =
    "s.id, s.kind, s.reverses, s.occurred_at, s.payment, c.name, s.total,
    (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id),
    EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.id), s.actor";

pub(crate) fn sale_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SaleSummary> {
    let payment: String = r.get(4)?;
    Ok(SaleSummary {
        sale_id: r.get(0)?,
        kind: r.get(1)?,
        reverses: r.get(2)?,
        occurred_at: r.get(3)?,
        payment: Payment::parse(&payment).unwrap_or(Payment::Cash),
        customer: r.get(5)?,
        total: dec(r, 6)?,
        lines: r.get(7)?,
        reversed: r.get(8)?,
        actor: r.get(9)?,
    })
}

/// The columns `purchase_row` reads (purchases `p`, contacts `c`).
pub(crate) const PURCHASE_COLS: &str = "p.id, p.occurred_at, c.name, p.payment, p.total,
    (SELECT count(*) FROM purchase_lines l WHERE l.purchase_id = p.id), p.reverses,
    (SELECT r.id FROM purchases r WHERE r.reverses = p.id), p.note, p.actor";

pub(crate) fn purchase_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PurchaseSummary> {
    let payment: String = r.get(3)?;
    Ok(PurchaseSummary {
        purchase_id: r.get(0)?,
        occurred_at: r.get(1)?,
        supplier: r.get(2)?,
        payment: Payment::parse(&payment).unwrap_or(Payment::Cash),
        total: dec(r, 4)?,
        lines: r.get(5)?,
        reverses: r.get(6)?,
        voided_by: r.get(7)?,
        note: r.get(8)?,
        actor: r.get(9)?,
    })
}
