//! Sales and their reversals. A sale is one transaction: header, lines, stock movements,
//! kasbon entry, daily aggregates and audit row commit together or not at all.
//! A void or return never edits or deletes the sale: it appends a reversing sale row
//! (kind 'void'/'return') with negative amounts, dated when it happens.

use crate::catalog::{Product, load_line_product, resolve_product, resolve_unit};
use crate::contacts::{ContactKind, DebtPosting, find_or_create_contact, post_debt};
use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Result};
use crate::money::{canon, format_qty, format_rupiah, non_negative, round_rupiah};
use crate::report::{DailyDelta, bump_daily, bump_product_day};
use crate::stock::{MovementKind, apply_movement, apply_movement_from};
use crate::time::stamp;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Payment {
    Cash,
    Qris,
    Transfer,
    Kasbon,
}

impl Payment {
    pub fn parse(s: &str) -> Result<Payment> {
        match s.trim().to_lowercase().as_str() {
            "cash" | "tunai" | "kontan" => Ok(Payment::Cash),
            "qris" | "qr" => Ok(Payment::Qris),
            "transfer" | "tf" | "bank" => Ok(Payment::Transfer),
            "kasbon" | "utang" | "hutang" | "bon" | "credit" => Ok(Payment::Kasbon),
            other => Err(CoreError::invalid(
                "pembayaran",
                format!("\"{other}\" (pilih cash, qris, transfer, atau kasbon)"),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Cash => "cash",
            Payment::Qris => "qris",
            Payment::Transfer => "transfer",
            Payment::Kasbon => "kasbon",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(untagged)]
pub enum ProductRef {
    Id(i64),
    Query(String),
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SaleLineInput {
    pub product: ProductRef,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    pub unit: Option<String>,
    /// Price per `unit`; the catalog price when absent.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub price: Option<Decimal>,
    /// Discount on the line, in rupiah.
    #[serde(with = "crate::money::json", default)]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discount: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewSale {
    pub lines: Vec<SaleLineInput>,
    pub payment: Payment,
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub tendered: Option<Decimal>,
    pub customer: Option<String>,
    #[serde(with = "crate::money::json", default)]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discount: Decimal,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SaleLine {
    pub id: i64,
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
    pub price: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discount: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cogs: Decimal,
}

/// Something the cashier should know about a saved sale; never blocks it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Warning {
    pub code: &'static str,
    pub product_id: i64,
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    pub message: String,
}

/// A product that this sale pushed to or below its reorder point.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LowStockAlert {
    pub product_id: i64,
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub reorder_point: Decimal,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Sale {
    pub sale_id: i64,
    pub kind: String,
    pub reverses: Option<i64>,
    pub occurred_at: String,
    pub local_date: String,
    pub payment: Payment,
    pub customer: Option<String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub subtotal: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discount: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cogs: Decimal,
    #[serde(with = "crate::money::json_opt")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub tendered: Option<Decimal>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub change: Decimal,
    pub note: Option<String>,
    pub lines: Vec<SaleLine>,
    pub warnings: Vec<Warning>,
    pub low_stock: Vec<LowStockAlert>,
}

/// One row of the sales list.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SaleSummary {
    pub sale_id: i64,
    pub kind: String,
    pub reverses: Option<i64>,
    pub occurred_at: String,
    pub payment: Payment,
    pub customer: Option<String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    pub lines: i64,
    /// Some or all of it was voided/returned.
    pub reversed: bool,
}

/// Which part of a sale to take back: a product on the sale and a quantity in the unit it
/// was sold in. An empty list on `return_sale` means everything still outstanding (void).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReturnLine {
    pub product: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
}

struct PricedLine {
    product: Product,
    qty: Decimal,
    unit: String,
    qty_base: Decimal,
    price: Decimal,
    discount: Decimal,
    total: Decimal,
    cogs: Decimal,
}

fn price_line(conn: &Connection, l: &SaleLineInput) -> Result<PricedLine> {
    let product = load_line_product(conn, &l.product, l.unit.as_deref())?;
    if !product.active {
        return Err(CoreError::invalid(
            "produk",
            format!("{} sudah nonaktif", product.name),
        ));
    }
    if l.qty <= Decimal::ZERO {
        return Err(CoreError::invalid(
            "jumlah",
            format!("{} untuk {} harus lebih dari 0", canon(l.qty), product.name),
        ));
    }
    let unit = resolve_unit(&product, l.unit.as_deref())?;
    let price = l.price.unwrap_or(unit.price);
    non_negative("harga", price)?;
    non_negative("diskon", l.discount)?;
    let gross = l.qty * price;
    if l.discount > gross {
        return Err(CoreError::invalid(
            "diskon",
            format!(
                "{} lebih besar dari harga {}",
                format_rupiah(l.discount),
                product.name
            ),
        ));
    }
    let qty_base = (l.qty * unit.factor).normalize();
    Ok(PricedLine {
        total: round_rupiah(gross - l.discount),
        cogs: round_rupiah(qty_base * product.cost),
        qty: l.qty.normalize(),
        unit: unit.unit,
        qty_base,
        price: price.normalize(),
        discount: l.discount,
        product,
    })
}

/// A priced cart that has not been saved: what the cashier screen shows before payment.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Quote {
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub subtotal: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discount: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub total: Decimal,
    pub lines: Vec<SaleLine>,
}

fn price_cart(conn: &Connection, sale: &NewSale) -> Result<(Vec<PricedLine>, Decimal, Decimal)> {
    if sale.lines.is_empty() {
        return Err(CoreError::invalid("penjualan", "keranjang kosong"));
    }
    non_negative("diskon", sale.discount)?;
    let lines: Vec<PricedLine> = sale
        .lines
        .iter()
        .map(|l| price_line(conn, l))
        .collect::<Result<_>>()?;
    let subtotal: Decimal = lines.iter().map(|l| l.total).sum();
    let discount = round_rupiah(sale.discount);
    if discount > subtotal {
        return Err(CoreError::invalid(
            "diskon",
            "lebih besar dari total belanja",
        ));
    }
    Ok((lines, subtotal, discount))
}

impl Shop {
    /// Prices a cart exactly as `record_sale` would, without writing anything.
    pub fn quote_sale(&self, sale: &NewSale) -> Result<Quote> {
        let (lines, subtotal, discount) = price_cart(&self.conn, sale)?;
        Ok(Quote {
            subtotal,
            discount,
            total: subtotal - discount,
            lines: lines
                .into_iter()
                .map(|l| SaleLine {
                    id: 0,
                    product_id: l.product.id,
                    product: l.product.name,
                    qty: l.qty,
                    unit: l.unit,
                    qty_base: l.qty_base,
                    price: l.price,
                    discount: l.discount,
                    total: l.total,
                    cogs: l.cogs,
                })
                .collect(),
        })
    }

    pub fn record_sale(&mut self, sale: &NewSale) -> Result<Sale> {
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let allow_negative = self.settings.allow_negative_stock;
        let tx = self.write_tx()?;

        let (lines, subtotal, discount) = price_cart(&tx, sale)?;
        let total = subtotal - discount;
        let cogs: Decimal = lines.iter().map(|l| l.cogs).sum();
        let (tendered, change) = match sale.payment {
            Payment::Cash => {
                let t = sale.tendered.unwrap_or(total);
                if t < total {
                    return Err(CoreError::invalid(
                        "uang diterima",
                        format!(
                            "{} kurang dari total {}",
                            format_rupiah(t),
                            format_rupiah(total)
                        ),
                    ));
                }
                (Some(t), t - total)
            }
            _ => (None, Decimal::ZERO),
        };
        let customer = sale
            .customer
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if sale.payment == Payment::Kasbon && customer.is_none() {
            return Err(CoreError::invalid("kasbon", "nama pelanggan wajib diisi"));
        }
        if !allow_negative {
            let mut need: HashMap<i64, (Decimal, &Product)> = HashMap::new();
            for l in &lines {
                need.entry(l.product.id)
                    .or_insert((Decimal::ZERO, &l.product))
                    .0 += l.qty_base;
            }
            for (q, p) in need.values() {
                if p.stock < *q {
                    return Err(CoreError::InsufficientStock {
                        product: p.name.clone(),
                        stock: format_qty(p.stock, &p.unit),
                    });
                }
            }
        }
        let contact_id = customer
            .map(|c| find_or_create_contact(&tx, c, ContactKind::Customer, &at, &actor))
            .transpose()?;

        tx.prepare_cached(
            "INSERT INTO sales(kind, occurred_at, local_date, contact_id, payment, subtotal, discount,
                               total, cogs, tendered, change, note, actor)
             VALUES ('sale', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            at,
            local_date,
            contact_id,
            sale.payment.as_str(),
            d(subtotal),
            d(discount),
            d(total),
            d(cogs),
            tendered.map(d),
            d(change),
            sale.note,
            actor
        ])?;
        let sale_id = tx.last_insert_rowid();

        let mut out_lines = Vec::with_capacity(lines.len());
        let mut warnings = Vec::new();
        let mut low_stock = Vec::new();
        // On-hand as read in this transaction; updated as lines of the same product repeat.
        let mut on_hand: HashMap<i64, Decimal> = HashMap::new();
        for l in &lines {
            tx.prepare_cached(
                "INSERT INTO sale_lines(sale_id, product_id, qty, unit, qty_base, price, discount, total, cogs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                sale_id,
                l.product.id,
                d(l.qty),
                l.unit,
                d(l.qty_base),
                d(l.price),
                d(l.discount),
                d(l.total),
                d(l.cogs)
            ])?;
            let line_id = tx.last_insert_rowid();
            let before = *on_hand.get(&l.product.id).unwrap_or(&l.product.stock);
            let after = apply_movement_from(
                &tx,
                l.product.id,
                before,
                MovementKind::Sale,
                -l.qty_base,
                "sale",
                sale_id,
                &at,
            )?;
            on_hand.insert(l.product.id, after);
            stock_notices(&l.product, before, after, &mut warnings, &mut low_stock);
            bump_product_day(&tx, &local_date, l.product.id, l.qty_base, l.total, l.cogs)?;
            out_lines.push(SaleLine {
                id: line_id,
                product_id: l.product.id,
                product: l.product.name.clone(),
                qty: l.qty,
                unit: l.unit.clone(),
                qty_base: l.qty_base,
                price: l.price,
                discount: l.discount,
                total: l.total,
                cogs: l.cogs,
            });
        }
        if let (Payment::Kasbon, Some(cid)) = (sale.payment, contact_id) {
            post_debt(
                &tx,
                &DebtPosting {
                    contact_id: cid,
                    kind: "kasbon",
                    amount: total,
                    cash_flow: Decimal::ZERO,
                    at: &at,
                    local_date: &local_date,
                    sale_id: Some(sale_id),
                    purchase_id: None,
                    note: None,
                    actor: &actor,
                },
            )?;
        }
        let paid = if sale.payment == Payment::Kasbon {
            Decimal::ZERO
        } else {
            total
        };
        bump_daily(
            &tx,
            &local_date,
            &DailyDelta {
                revenue: total,
                cogs,
                discount,
                sales: 1,
                reversals: 0,
                paid_in: paid,
                refunded: Decimal::ZERO,
                cash: if sale.payment == Payment::Cash {
                    total
                } else {
                    Decimal::ZERO
                },
            },
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "sale.record",
            "sale",
            Some(sale_id),
            &serde_json::json!({"total": d(total), "payment": sale.payment.as_str(), "lines": lines.len()}),
        )?;
        tx.commit()?;
        Ok(Sale {
            sale_id,
            kind: "sale".into(),
            reverses: None,
            occurred_at: at,
            local_date,
            payment: sale.payment,
            customer: customer.map(str::to_string),
            subtotal,
            discount,
            total,
            cogs,
            tendered,
            change,
            note: sale.note.clone(),
            lines: out_lines,
            warnings,
            low_stock,
        })
    }

    /// Voids a whole sale (what is still outstanding of it) with a reason.
    pub fn void_sale(&mut self, sale_id: i64, reason: &str) -> Result<Sale> {
        self.reverse_sale(sale_id, &[], reason)
    }

    /// Takes back part of a sale (a customer returns goods). Stock comes back in, money goes
    /// back out (or off the customer's kasbon), booked on the day of the return.
    pub fn return_sale(
        &mut self,
        sale_id: i64,
        lines: &[ReturnLine],
        reason: &str,
    ) -> Result<Sale> {
        if lines.is_empty() {
            return Err(CoreError::invalid(
                "retur",
                "pilih barang yang dikembalikan",
            ));
        }
        self.reverse_sale(sale_id, lines, reason)
    }

    fn reverse_sale(&mut self, sale_id: i64, pick: &[ReturnLine], reason: &str) -> Result<Sale> {
        if reason.trim().is_empty() {
            return Err(CoreError::invalid(
                "alasan",
                "wajib diisi untuk pembatalan/retur",
            ));
        }
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let orig = load_sale(&tx, sale_id)?.ok_or(CoreError::SaleNotFound(sale_id))?;
        if orig.kind != "sale" {
            return Err(CoreError::invalid(
                "pembatalan",
                format!("#{sale_id} sendiri adalah pembatalan/retur"),
            ));
        }
        // What is still outstanding per original line (earlier returns subtracted).
        let mut back: HashMap<i64, (Decimal, Decimal, Decimal)> = HashMap::new();
        {
            let mut st = tx.prepare_cached(
                "SELECT l.reverses_line, l.qty, l.total, l.cogs FROM sale_lines l JOIN sales s ON s.id = l.sale_id
                 WHERE s.reverses = ?1",
            )?;
            for row in st.query_map([sale_id], |r| {
                Ok((r.get::<_, i64>(0)?, dec(r, 1)?, dec(r, 2)?, dec(r, 3)?))
            })? {
                let (lid, q, t, c) = row?;
                let e = back.entry(lid).or_default();
                e.0 -= q;
                e.1 -= t;
                e.2 -= c;
            }
        }
        let already_discount: Decimal = tx
            .query_row(
                "SELECT coalesce(group_concat(discount, ' '), '') FROM sales WHERE reverses = ?1",
                [sale_id],
                |r| r.get::<_, String>(0),
            )?
            .split_whitespace()
            .filter_map(|s| s.parse::<Decimal>().ok())
            .map(|x| -x)
            .sum();

        let mut take: Vec<(&SaleLine, Decimal)> = Vec::new();
        if pick.is_empty() {
            for l in &orig.lines {
                let left = l.qty - back.get(&l.id).map_or(Decimal::ZERO, |b| b.0);
                if left > Decimal::ZERO {
                    take.push((l, left));
                }
            }
            if take.is_empty() {
                return Err(CoreError::invalid(
                    "pembatalan",
                    format!("penjualan #{sale_id} sudah dibatalkan"),
                ));
            }
        } else {
            for r in pick {
                if r.qty <= Decimal::ZERO {
                    return Err(CoreError::invalid("jumlah retur", "harus lebih dari 0"));
                }
                let p = resolve_product(&tx, &r.product)?;
                let l = orig
                    .lines
                    .iter()
                    .find(|l| l.product_id == p.id)
                    .ok_or_else(|| {
                        CoreError::invalid(
                            "retur",
                            format!("{} tidak ada di penjualan #{sale_id}", p.name),
                        )
                    })?;
                let left = l.qty
                    - back.get(&l.id).map_or(Decimal::ZERO, |b| b.0)
                    - take
                        .iter()
                        .filter(|(t, _)| t.id == l.id)
                        .map(|(_, q)| *q)
                        .sum::<Decimal>();
                if r.qty > left {
                    return Err(CoreError::invalid(
                        "jumlah retur",
                        format!(
                            "{} melebihi sisa {} di penjualan #{sale_id}",
                            format_qty(r.qty, &l.unit),
                            format_qty(left, &l.unit)
                        ),
                    ));
                }
                take.push((l, r.qty));
            }
        }

        // Amounts per line: proportional, and exact remainders when a line is fully taken back.
        let mut rev_lines = Vec::with_capacity(take.len());
        for (l, q) in &take {
            let (bq, bt, bc) = back.get(&l.id).copied().unwrap_or_default();
            let (total, cogs) = if *q == l.qty - bq {
                (l.total - bt, l.cogs - bc)
            } else {
                (
                    round_rupiah(l.total * *q / l.qty),
                    round_rupiah(l.cogs * *q / l.qty),
                )
            };
            let e = back.entry(l.id).or_default();
            e.0 += *q;
            e.1 += total;
            e.2 += cogs;
            rev_lines.push((*l, *q, (l.qty_base * *q / l.qty).normalize(), total, cogs));
        }
        let fully_back = orig
            .lines
            .iter()
            .all(|l| back.get(&l.id).is_some_and(|b| b.0 == l.qty));
        let sub: Decimal = rev_lines.iter().map(|r| r.3).sum();
        let discount = if fully_back {
            orig.discount - already_discount
        } else if orig.subtotal.is_zero() {
            Decimal::ZERO
        } else {
            round_rupiah(orig.discount * sub / orig.subtotal)
        };
        let total = sub - discount;
        let cogs: Decimal = rev_lines.iter().map(|r| r.4).sum();
        let kind = if pick.is_empty() { "void" } else { "return" };
        let mkind = if pick.is_empty() {
            MovementKind::Void
        } else {
            MovementKind::Return
        };

        tx.prepare_cached(
            "INSERT INTO sales(kind, reverses, occurred_at, local_date, contact_id, payment, subtotal,
                               discount, total, cogs, tendered, change, note, actor)
             SELECT ?1, id, ?2, ?3, contact_id, payment, ?4, ?5, ?6, ?7, NULL, '0', ?8, ?9
             FROM sales WHERE id = ?10",
        )?
        .execute(params![kind, at, local_date, d(-sub), d(-discount), d(-total), d(-cogs), reason.trim(), actor, sale_id])?;
        let rev_id = tx.last_insert_rowid();
        let mut out_lines = Vec::new();
        for (l, q, qb, t, c) in &rev_lines {
            tx.prepare_cached(
                "INSERT INTO sale_lines(sale_id, product_id, reverses_line, qty, unit, qty_base, price,
                                        discount, total, cogs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '0', ?8, ?9)",
            )?
            .execute(params![rev_id, l.product_id, l.id, d(-*q), l.unit, d(-*qb), d(l.price), d(-*t), d(-*c)])?;
            let line_id = tx.last_insert_rowid();
            apply_movement(&tx, l.product_id, mkind, *qb, "sale", rev_id, &at)?;
            bump_product_day(&tx, &local_date, l.product_id, -*qb, -*t, -*c)?;
            out_lines.push(SaleLine {
                id: line_id,
                product_id: l.product_id,
                product: l.product.clone(),
                qty: -*q,
                unit: l.unit.clone(),
                qty_base: -*qb,
                price: l.price,
                discount: Decimal::ZERO,
                total: -*t,
                cogs: -*c,
            });
        }
        let contact_id: Option<i64> = tx.query_row(
            "SELECT contact_id FROM sales WHERE id = ?1",
            [sale_id],
            |r| r.get(0),
        )?;
        if let (Payment::Kasbon, Some(cid)) = (orig.payment, contact_id) {
            post_debt(
                &tx,
                &DebtPosting {
                    contact_id: cid,
                    kind: "reversal",
                    amount: -total,
                    cash_flow: Decimal::ZERO,
                    at: &at,
                    local_date: &local_date,
                    sale_id: Some(rev_id),
                    purchase_id: None,
                    note: Some(reason.trim()),
                    actor: &actor,
                },
            )?;
        }
        let refunded = if orig.payment == Payment::Kasbon {
            Decimal::ZERO
        } else {
            total
        };
        bump_daily(
            &tx,
            &local_date,
            &DailyDelta {
                revenue: -total,
                cogs: -cogs,
                discount: -discount,
                sales: 0,
                reversals: 1,
                paid_in: Decimal::ZERO,
                refunded,
                cash: if orig.payment == Payment::Cash {
                    -total
                } else {
                    Decimal::ZERO
                },
            },
        )?;
        audit(
            &tx,
            &at,
            &actor,
            &format!("sale.{kind}"),
            "sale",
            Some(sale_id),
            &serde_json::json!({"reversal_id": rev_id, "total": d(-total), "reason": reason.trim()}),
        )?;
        tx.commit()?;
        Ok(Sale {
            sale_id: rev_id,
            kind: kind.into(),
            reverses: Some(sale_id),
            occurred_at: at,
            local_date,
            payment: orig.payment,
            customer: orig.customer,
            subtotal: -sub,
            discount: -discount,
            total: -total,
            cogs: -cogs,
            tendered: None,
            change: Decimal::ZERO,
            note: Some(reason.trim().to_string()),
            lines: out_lines,
            warnings: Vec::new(),
            low_stock: Vec::new(),
        })
    }

    /// Sales and reversals booked on local dates `from..=to`, newest first, optionally only
    /// those of one contact.
    pub fn sales_list(
        &self,
        from: &str,
        to: &str,
        contact: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SaleSummary>> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.id, s.kind, s.reverses, s.occurred_at, s.payment, c.name, s.total,
                    (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id),
                    EXISTS (SELECT 1 FROM sales r WHERE r.reverses = s.id)
             FROM sales s LEFT JOIN contacts c ON c.id = s.contact_id
             WHERE s.local_date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR c.name = ?3 COLLATE NOCASE)
             ORDER BY s.id DESC LIMIT ?4",
        )?;
        let rows = st.query_map(params![from, to, contact, limit], |r| {
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
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn sale(&self, id: i64) -> Result<Sale> {
        load_sale(&self.conn, id)?.ok_or(CoreError::SaleNotFound(id))
    }

    /// Sale ids (including reversals) booked on local dates `from..=to`, newest first.
    pub fn sale_ids(&self, from: &str, to: &str, limit: i64) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare(
            "SELECT id FROM sales WHERE local_date BETWEEN ?1 AND ?2 ORDER BY id DESC LIMIT ?3",
        )?;
        Ok(st
            .query_map(params![from, to, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
}

fn stock_notices(
    p: &Product,
    before: Decimal,
    after: Decimal,
    warnings: &mut Vec<Warning>,
    low: &mut Vec<LowStockAlert>,
) {
    if after < Decimal::ZERO {
        warnings.push(Warning {
            code: "negative_stock",
            product_id: p.id,
            product: p.name.clone(),
            stock: after,
            message: format!(
                "stok {} jadi {} (di bawah nol) — cek stok fisik",
                p.name,
                format_qty(after, &p.unit)
            ),
        });
    }
    if p.reorder_point > Decimal::ZERO && before > p.reorder_point && after <= p.reorder_point {
        low.push(LowStockAlert {
            product_id: p.id,
            product: p.name.clone(),
            stock: after,
            reorder_point: p.reorder_point,
            unit: p.unit.clone(),
        });
    }
}

pub(crate) fn load_sale(conn: &Connection, id: i64) -> Result<Option<Sale>> {
    let head = conn
        .prepare_cached(
            "SELECT s.id, s.kind, s.reverses, s.occurred_at, s.local_date, s.payment, c.name, s.subtotal,
                    s.discount, s.total, s.cogs, s.tendered, s.change, s.note
             FROM sales s LEFT JOIN contacts c ON c.id = s.contact_id WHERE s.id = ?1",
        )?
        .query_row([id], |r| {
            let payment: String = r.get(5)?;
            let tendered: Option<String> = r.get(11)?;
            Ok(Sale {
                sale_id: r.get(0)?,
                kind: r.get(1)?,
                reverses: r.get(2)?,
                occurred_at: r.get(3)?,
                local_date: r.get(4)?,
                payment: Payment::parse(&payment).unwrap_or(Payment::Cash),
                customer: r.get(6)?,
                subtotal: dec(r, 7)?,
                discount: dec(r, 8)?,
                total: dec(r, 9)?,
                cogs: dec(r, 10)?,
                tendered: tendered.and_then(|t| t.parse().ok()),
                change: dec(r, 12)?,
                note: r.get(13)?,
                lines: Vec::new(),
                warnings: Vec::new(),
                low_stock: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut sale) = head else {
        return Ok(None);
    };
    let mut st = conn.prepare_cached(
        "SELECT l.id, l.product_id, p.name, l.qty, l.unit, l.qty_base, l.price, l.discount, l.total, l.cogs
         FROM sale_lines l JOIN products p ON p.id = l.product_id WHERE l.sale_id = ?1 ORDER BY l.id",
    )?;
    sale.lines = st
        .query_map([id], |r| {
            Ok(SaleLine {
                id: r.get(0)?,
                product_id: r.get(1)?,
                product: r.get(2)?,
                qty: dec(r, 3)?,
                unit: r.get(4)?,
                qty_base: dec(r, 5)?,
                price: dec(r, 6)?,
                discount: dec(r, 7)?,
                total: dec(r, 8)?,
                cogs: dec(r, 9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(sale))
}
