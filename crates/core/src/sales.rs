//! Sales and their reversals. A sale is one transaction: header, lines, stock movements,
//! kasbon entry, daily aggregates and audit row commit together or not at all.
//! A void or return never edits or deletes the sale: it appends a reversing sale row
//! (kind 'void'/'return') with negative amounts, dated when it happens.

use crate::batch::{insert_rows, int, set_stock, text};
use crate::catalog::{Lookup, Product, load_line_product, resolve_product, resolve_unit};
use crate::contacts::{ContactKind, DebtPosting, find_or_create_contact, post_debt};
use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Lang, Problem, Result};
use crate::money::{
    COST_DECIMALS, MAX_NAME, MAX_NOTE, PRICE_DECIMALS, QTY_DECIMALS, add, add_to, check_base_qty,
    check_line_count, check_line_qty, check_money, check_opt_text, check_text, format_id,
    format_qty, format_rupiah, mul, round_rupiah, sum,
};
use crate::report::{DailyDelta, PRODUCT_DAY_UPSERT, bump_daily, bump_product_day};
use crate::stock::{MovementKind, apply_movement, next_movement_id};
use crate::time::stamp;
use crate::units::canonical_unit;
use rusqlite::types::Value;
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
                Field::Payment,
                Problem::UnknownChoice {
                    value: other.to_string(),
                    choices: "cash, qris, transfer, kasbon".into(),
                },
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
    /// Discount on the line as a percentage of its price × quantity (instead of `discount`),
    /// rounded to the rupiah; follows the quantity when it changes.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null", optional))]
    pub discount_percent: Option<Decimal>,
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
    /// The sale's discount as a percentage of the lines' total (instead of `discount`),
    /// rounded to the rupiah.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null", optional))]
    pub discount_percent: Option<Decimal>,
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
    pub unit: String,
}

impl Warning {
    /// The warning in words, for the edge that shows it.
    pub fn message(&self, lang: Lang) -> String {
        let stock = format_qty(self.stock, &self.unit);
        match lang {
            Lang::En => format!(
                "{} stock is now {stock} (below zero): check the shelf",
                self.product
            ),
            Lang::Id => format!(
                "stok {} jadi {stock} (di bawah nol): cek stok fisik",
                self.product
            ),
        }
    }
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
    /// Who booked it.
    pub actor: String,
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
    /// The unit `qty` is counted in; the line's unit when absent. Another unit of the
    /// product is converted exactly ("1 kg" back from a karung line) or refused.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub unit: Option<String>,
    /// Must equal the price the line was sold at, when given.
    #[serde(with = "crate::money::json_opt", default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null", optional))]
    pub price: Option<Decimal>,
}

struct PricedLine {
    /// The line at the catalog's price, without discount (what a cashier's change is
    /// measured against).
    catalog: Decimal,
    product: Product,
    qty: Decimal,
    unit: String,
    qty_base: Decimal,
    price: Decimal,
    discount: Decimal,
    total: Decimal,
    cogs: Decimal,
}

/// Prices one line. Every number is checked at this edge of the core: quantity (positive,
/// exact at 3 decimals, not a barcode), price (cents at most), discount (whole rupiah, not
/// above the line), and the results stay within `MAX_AMOUNT`, so later sums cannot overflow.
fn price_line(conn: &Connection, l: &SaleLineInput) -> Result<PricedLine> {
    let coded;
    let l = match crate::catalog::line_by_unit_code(conn, &l.product, l.unit.as_deref())? {
        Some((product, unit)) => {
            coded = SaleLineInput {
                product,
                unit: Some(unit),
                ..l.clone()
            };
            &coded
        }
        None => l,
    };
    let product = load_line_product(conn, &l.product, l.unit.as_deref(), Lookup::Selling)?;
    let name = product.name.clone();
    price_checked(product, l).map_err(|e| e.for_product(&name))
}

fn price_checked(product: Product, l: &SaleLineInput) -> Result<PricedLine> {
    let qty = check_line_qty(Field::Quantity, l.qty)?;
    let unit = resolve_unit(&product, l.unit.as_deref())?;
    // A typed price is whole rupiah; one derived for a smaller unit (a gram of something
    // priced by the kg) may carry decimals, and the line total is rounded anyway.
    let price = match l.price {
        Some(p) => check_money(Field::Price, p, PRICE_DECIMALS)?,
        None => check_money(Field::Price, unit.price, COST_DECIMALS)?,
    };
    let gross = mul(qty, price)?;
    let discount = match l.discount_percent {
        Some(p) => percent_of(Field::Discount, gross, p)?,
        None => check_money(Field::Discount, l.discount, 0)?,
    };
    if discount > gross {
        return Err(CoreError::invalid(
            Field::Discount,
            Problem::MoreThanPrice {
                discount: format_rupiah(discount),
                price: format_rupiah(round_rupiah(gross)),
            },
        ));
    }
    let total = check_money(Field::Amount, round_rupiah(gross - discount), 0)?;
    let qty_base = check_base_qty(Field::Quantity, mul(qty, unit.factor)?)?;
    let catalog = round_rupiah(mul(
        qty,
        check_money(Field::Price, unit.price, COST_DECIMALS)?,
    )?);
    Ok(PricedLine {
        catalog,
        total,
        cogs: round_rupiah(mul(qty_base, product.cost)?),
        qty,
        unit: unit.unit,
        qty_base,
        price,
        discount,
        product,
    })
}

/// How far a cashier may take prices below (or above) the catalog's: a snapshot taken before
/// the write transaction (see `staff`).
pub(crate) struct PriceRule {
    owner: bool,
    limit: Decimal,
    approved: bool,
    /// How far the cart the owner approved went (set by the first check after approving):
    /// an approval covers that much, not a bigger discount made afterwards.
    bound: Option<Decimal>,
}

impl PriceRule {
    /// How far (percent, either way) the cart moves from the catalog's prices: the worst
    /// line, and the whole sale (line and sale discounts together) against the catalog.
    fn worst(lines: &[PricedLine], subtotal: Decimal, discount: Decimal) -> Result<Decimal> {
        let off = |catalog: Decimal, charged: Decimal| {
            if catalog > Decimal::ZERO {
                ((catalog - charged) * Decimal::ONE_HUNDRED / catalog).abs()
            } else {
                Decimal::ZERO
            }
        };
        let catalog = sum(lines.iter().map(|l| l.catalog))?;
        Ok(lines
            .iter()
            .map(|l| off(l.catalog, l.total))
            .chain([off(catalog, subtotal - discount)])
            .max()
            .unwrap_or(Decimal::ZERO))
    }

    /// A cashier's cart within the limit, or within what an owner approved. Returns how far
    /// it goes when that needed the approval.
    fn check(
        &self,
        lines: &[PricedLine],
        subtotal: Decimal,
        discount: Decimal,
    ) -> Result<Option<Decimal>> {
        if self.owner {
            return Ok(None);
        }
        let worst = Self::worst(lines, subtotal, discount)?;
        if worst <= self.limit {
            return Ok(None);
        }
        if self.approved && self.bound.is_none_or(|b| worst <= b) {
            return Ok(Some(worst));
        }
        Err(CoreError::NeedsOwner {
            action: "price.change".into(),
        })
    }
}

impl Shop {
    pub(crate) fn price_rule(&self) -> Result<PriceRule> {
        let (approved, bound) = self.price_change_approval();
        Ok(PriceRule {
            owner: self.role() == crate::staff::Role::Owner,
            limit: self.price_limit()?,
            approved,
            bound,
        })
    }

    /// A cashier's cart within the price limit (or approved): checked when it is quoted. The
    /// first cart checked after an owner's approval sets how far that approval goes.
    fn cashier_prices(
        &self,
        lines: &[PricedLine],
        subtotal: Decimal,
        discount: Decimal,
    ) -> Result<()> {
        if let Some(worst) = self.price_rule()?.check(lines, subtotal, discount)? {
            self.bind_price_approval(worst);
        }
        Ok(())
    }
}

/// A line quantity (canonical text, as the cart holds it) plus `by`: what the + and −
/// buttons and a repeated scan do. The result is checked like any line quantity (more than
/// zero, at most a million, three decimals).
pub fn step_qty(qty: &str, by: i64) -> Result<Decimal> {
    let q: Decimal = qty.trim().parse().map_err(|_| CoreError::InvalidNumber {
        text: qty.trim().into(),
    })?;
    check_line_qty(Field::Quantity, add(q, Decimal::from(by))?)
}

/// Cash handed over, read from what the cashier typed ("50rb", "100.000"), and the change
/// due on `total`; a negative change is what is still missing. Shown live while typing.
pub fn cash_change(total: Decimal, tendered: &str) -> Result<(Decimal, Decimal)> {
    let t = check_money(Field::Tendered, crate::money::parse_number(tendered)?, 0)?;
    Ok((t, t - total))
}

/// `percent` % of `amount`, rounded to the rupiah. A percentage is above 0, at most 100,
/// with at most two decimals ("12,5%").
fn percent_of(field: Field, amount: Decimal, percent: Decimal) -> Result<Decimal> {
    if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
        return Err(CoreError::invalid(
            field,
            Problem::OutOfRange {
                value: format!("{}%", format_id(percent)),
                min: "0%".into(),
                max: "100%".into(),
            },
        ));
    }
    if percent.normalize().scale() > 2 {
        return Err(CoreError::invalid(
            field,
            Problem::TooPrecise {
                value: format!("{}%", format_id(percent)),
                decimals: 2,
            },
        ));
    }
    Ok(round_rupiah(mul(amount, percent)? / Decimal::ONE_HUNDRED))
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
        return Err(CoreError::invalid(Field::Cart, Problem::Required));
    }
    check_line_count(sale.lines.len())?;
    let lines: Vec<PricedLine> = sale
        .lines
        .iter()
        .map(|l| price_line(conn, l))
        .collect::<Result<_>>()?;
    let subtotal = check_money(Field::Amount, sum(lines.iter().map(|l| l.total))?, 0)?;
    let discount = match sale.discount_percent {
        Some(p) => percent_of(Field::SaleDiscount, subtotal, p)?,
        None => check_money(Field::SaleDiscount, sale.discount, 0)?,
    };
    if discount > subtotal {
        return Err(CoreError::invalid(
            Field::SaleDiscount,
            Problem::MoreThanPrice {
                discount: format_rupiah(discount),
                price: format_rupiah(subtotal),
            },
        ));
    }
    Ok((lines, subtotal, discount))
}

impl Shop {
    /// Prices a cart exactly as `record_sale` would, without writing anything.
    pub fn quote_sale(&self, sale: &NewSale) -> Result<Quote> {
        let (lines, subtotal, discount) = price_cart(&self.conn, sale)?;
        self.cashier_prices(&lines, subtotal, discount)?;
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
        let customer = check_opt_text(Field::Customer, sale.customer.as_deref(), MAX_NAME)?;
        let note = check_opt_text(Field::Note, sale.note.as_deref(), MAX_NOTE)?;
        if sale.payment == Payment::Kasbon && customer.is_none() {
            return Err(CoreError::invalid(Field::Customer, Problem::Required));
        }
        let tendered = sale
            .tendered
            .map(|t| check_money(Field::Tendered, t, 0))
            .transpose()?;
        let price_rule = self.price_rule()?;
        let tx = self.write_tx()?;

        let (lines, subtotal, discount) = price_cart(&tx, sale)?;
        price_rule.check(&lines, subtotal, discount)?;
        let total = subtotal - discount;
        let cogs = sum(lines.iter().map(|l| l.cogs))?;
        let (tendered, change) = match sale.payment {
            Payment::Cash => {
                let t = tendered.unwrap_or(total);
                if t < total {
                    return Err(CoreError::invalid(
                        Field::Tendered,
                        Problem::LessThanTotal {
                            given: format_rupiah(t),
                            total: format_rupiah(total),
                        },
                    ));
                }
                (Some(t), t - total)
            }
            _ => (None, Decimal::ZERO),
        };
        // Each product once, in the order it first appears: its stock before and after.
        let mut per_product: Vec<(&Product, Decimal)> = Vec::new();
        for l in &lines {
            match per_product.iter_mut().find(|(p, _)| p.id == l.product.id) {
                Some((_, q)) => add_to(q, l.qty_base)?,
                None => per_product.push((&l.product, l.qty_base)),
            }
        }
        if !allow_negative {
            for (p, q) in &per_product {
                if p.stock < *q {
                    return Err(CoreError::InsufficientStock {
                        product: p.name.clone(),
                        stock: format_qty(p.stock, &p.unit),
                    });
                }
            }
        }
        let contact_id = customer
            .as_deref()
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
            note,
            actor
        ])?;
        let sale_id = tx.last_insert_rowid();

        // All lines in four statements: the lines, their stock movements, the products'
        // new on-hand, and the day's per-product aggregates.
        let line_rows: Vec<Vec<Value>> = lines
            .iter()
            .map(|l| {
                vec![
                    int(sale_id),
                    int(l.product.id),
                    text(&d(l.qty)),
                    text(&l.unit),
                    text(&d(l.qty_base)),
                    text(&d(l.price)),
                    text(&d(l.discount)),
                    text(&d(l.total)),
                    text(&d(l.cogs)),
                ]
            })
            .collect();
        let line_ids = insert_rows(
            &tx,
            "INSERT INTO sale_lines(sale_id, product_id, qty, unit, qty_base, price, discount, total, cogs)",
            "",
            9,
            &line_rows,
        )?;
        // On-hand as read in this transaction, and each product's newest movement, carried
        // along as lines of a product repeat; the movements get their ids up front so each
        // can point at the product's previous one.
        let mut on_hand: HashMap<i64, (Decimal, Option<i64>)> = HashMap::new();
        let mut moves = Vec::with_capacity(lines.len());
        let first_move = next_movement_id(&tx)?;
        for (i, l) in lines.iter().enumerate() {
            let (before, prev) = on_hand
                .get(&l.product.id)
                .copied()
                .unwrap_or((l.product.stock, l.product.last_movement));
            let after = check_base_qty(Field::Stock, add(before, -l.qty_base)?)
                .map_err(|e| e.for_product(&l.product.name))?;
            let id = first_move + i as i64;
            on_hand.insert(l.product.id, (after, Some(id)));
            moves.push(vec![
                int(id),
                prev.map_or(Value::Null, int),
                int(l.product.id),
                text(MovementKind::Sale.as_str()),
                text(&d(-l.qty_base)),
                text(&d(after)),
                text("sale"),
                int(sale_id),
                text(&at),
            ]);
        }
        insert_rows(
            &tx,
            "INSERT INTO stock_movements(id, prev_id, product_id, kind, qty, stock_after, doc_type, doc_id, occurred_at)",
            "",
            9,
            &moves,
        )?;
        let stock: Vec<(i64, String, i64)> = per_product
            .iter()
            .map(|(p, _)| {
                let (s, last) = on_hand[&p.id];
                (p.id, d(s), last.unwrap_or_default())
            })
            .collect();
        set_stock(&tx, &stock)?;
        let day_rows: Vec<Vec<Value>> = lines
            .iter()
            .map(|l| {
                vec![
                    text(&local_date),
                    int(l.product.id),
                    text(&d(l.qty_base)),
                    text(&d(l.total)),
                    text(&d(l.cogs)),
                ]
            })
            .collect();
        insert_rows(
            &tx,
            "INSERT INTO daily_product_sales(local_date, product_id, qty_base, revenue, cogs)",
            PRODUCT_DAY_UPSERT,
            5,
            &day_rows,
        )?;
        let out_lines: Vec<SaleLine> = lines
            .iter()
            .zip(line_ids)
            .map(|(l, id)| SaleLine {
                id,
                product_id: l.product.id,
                product: l.product.name.clone(),
                qty: l.qty,
                unit: l.unit.clone(),
                qty_base: l.qty_base,
                price: l.price,
                discount: l.discount,
                total: l.total,
                cogs: l.cogs,
            })
            .collect();
        // One notice per product, about where the whole sale leaves it (a 3000-line sale of
        // one product gives one warning, not 3000).
        let mut warnings = Vec::new();
        let mut low_stock = Vec::new();
        for (p, _) in &per_product {
            let after = on_hand.get(&p.id).map_or(p.stock, |h| h.0);
            stock_notices(p, p.stock, after, &mut warnings, &mut low_stock);
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
        // An owner's yes to a price is for one sale: this one.
        self.spend_price_approval();
        Ok(Sale {
            sale_id,
            kind: "sale".into(),
            reverses: None,
            occurred_at: at,
            local_date,
            payment: sale.payment,
            customer,
            subtotal,
            discount,
            total,
            cogs,
            tendered,
            change,
            note,
            lines: out_lines,
            warnings,
            low_stock,
        })
    }

    /// Voids a whole sale (what is still outstanding of it) with a reason.
    pub fn void_sale(&mut self, sale_id: i64, reason: &str) -> Result<Sale> {
        self.require_owner("sale.void")?;
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
            return Err(CoreError::invalid(Field::ReturnItems, Problem::Required));
        }
        self.require_owner("sale.return")?;
        self.reverse_sale(sale_id, lines, reason)
    }

    fn reverse_sale(&mut self, sale_id: i64, pick: &[ReturnLine], reason: &str) -> Result<Sale> {
        let reason = check_text(Field::Reason, reason, MAX_NOTE)?;
        if reason.is_empty() {
            return Err(CoreError::invalid(Field::Reason, Problem::Required));
        }
        check_line_count(pick.len())?;
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let orig = load_sale(&tx, sale_id)?.ok_or(CoreError::SaleNotFound { id: sale_id })?;
        if orig.kind != "sale" {
            let field = if pick.is_empty() {
                Field::Void
            } else {
                Field::ReturnItems
            };
            return Err(CoreError::invalid(
                field,
                Problem::IsReversal { sale: sale_id },
            ));
        }
        let before = taken_back(&tx, sale_id)?;
        let take = if pick.is_empty() {
            let all: Vec<(&SaleLine, Decimal)> = orig
                .lines
                .iter()
                .map(|l| (l, l.qty_base - before.line(l.id).qty_base))
                .filter(|(_, left)| *left > Decimal::ZERO)
                .collect();
            if all.is_empty() {
                return Err(CoreError::invalid(
                    Field::Void,
                    Problem::AlreadyReversed { sale: sale_id },
                ));
            }
            all
        } else {
            let mut take = Vec::new();
            for r in pick {
                pick_return(&tx, &orig, &before, r, &mut take)?;
            }
            take
        };
        let mut base_units = HashMap::new();
        for l in &orig.lines {
            if !base_units.contains_key(&l.product_id)
                && let Some(p) = crate::catalog::load_product_row(&tx, l.product_id)?
            {
                base_units.insert(p.id, p.unit);
            }
        }
        let rev = split_reversal(&orig, &before, &take, &base_units)?;
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
        .execute(params![kind, at, local_date, d(-rev.subtotal), d(-rev.discount), d(-rev.total), d(-rev.cogs), reason, actor, sale_id])?;
        let rev_id = tx.last_insert_rowid();
        let mut out_lines = Vec::new();
        for (l, part) in &rev.lines {
            tx.prepare_cached(
                "INSERT INTO sale_lines(sale_id, product_id, reverses_line, qty, unit, qty_base, price,
                                        discount, total, cogs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '0', ?8, ?9)",
            )?
            .execute(params![rev_id, l.product_id, l.id, d(-part.qty), part.unit, d(-part.qty_base), d(part.price), d(-part.total), d(-part.cogs)])?;
            let line_id = tx.last_insert_rowid();
            apply_movement(&tx, l.product_id, mkind, part.qty_base, "sale", rev_id, &at)
                .map_err(|e| e.for_product(&l.product))?;
            bump_product_day(
                &tx,
                &local_date,
                l.product_id,
                -part.qty_base,
                -part.total,
                -part.cogs,
            )?;
            out_lines.push(SaleLine {
                id: line_id,
                product_id: l.product_id,
                product: l.product.clone(),
                qty: -part.qty,
                unit: part.unit.clone(),
                qty_base: -part.qty_base,
                price: part.price,
                discount: Decimal::ZERO,
                total: -part.total,
                cogs: -part.cogs,
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
                    amount: -rev.total,
                    cash_flow: Decimal::ZERO,
                    at: &at,
                    local_date: &local_date,
                    sale_id: Some(rev_id),
                    purchase_id: None,
                    note: Some(&reason),
                    actor: &actor,
                },
            )?;
        }
        let refunded = if orig.payment == Payment::Kasbon {
            Decimal::ZERO
        } else {
            rev.total
        };
        bump_daily(
            &tx,
            &local_date,
            &DailyDelta {
                revenue: -rev.total,
                cogs: -rev.cogs,
                discount: -rev.discount,
                sales: 0,
                reversals: 1,
                paid_in: Decimal::ZERO,
                refunded,
                cash: if orig.payment == Payment::Cash {
                    -rev.total
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
            &serde_json::json!({"reversal_id": rev_id, "total": d(-rev.total), "reason": reason}),
        )?;
        tx.commit()?;
        Ok(Sale {
            sale_id: rev_id,
            kind: kind.into(),
            reverses: Some(sale_id),
            occurred_at: at,
            local_date,
            payment: orig.payment,
            customer: orig.customer.clone(),
            subtotal: -rev.subtotal,
            discount: -rev.discount,
            total: -rev.total,
            cogs: -rev.cogs,
            tendered: None,
            change: Decimal::ZERO,
            note: Some(reason),
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
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {} FROM sales s LEFT JOIN contacts c ON c.id = s.contact_id
             WHERE s.local_date BETWEEN ?1 AND ?2 AND (?3 IS NULL OR c.name = ?3 COLLATE NOCASE)
             ORDER BY s.id DESC LIMIT ?4",
            crate::books::SALE_COLS
        ))?;
        let rows = st.query_map(params![from, to, contact, limit], crate::books::sale_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn sale(&self, id: i64) -> Result<Sale> {
        load_sale(&self.conn, id)?.ok_or(CoreError::SaleNotFound { id })
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
            unit: p.unit.clone(),
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

/// What has been (or is being) taken back of one original line (positive figures). `qty`,
/// `unit` and `price` describe a reversal line for people; the accounting is in `qty_base`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    pub qty: Decimal,
    pub qty_base: Decimal,
    pub total: Decimal,
    pub cogs: Decimal,
    pub unit: String,
    pub price: Decimal,
}

/// What earlier voids/returns of one sale took back: per line, and the sale discount.
#[derive(Debug, Clone, Default)]
pub struct TakenBack {
    pub lines: HashMap<i64, Part>,
    pub discount: Decimal,
}

impl TakenBack {
    pub fn line(&self, id: i64) -> Part {
        self.lines.get(&id).cloned().unwrap_or_default()
    }
}

fn taken_back(conn: &Connection, sale_id: i64) -> Result<TakenBack> {
    let mut tb = TakenBack::default();
    let mut st = conn.prepare_cached(
        "SELECT l.reverses_line, l.qty_base, l.total, l.cogs FROM sale_lines l
         JOIN sales s ON s.id = l.sale_id WHERE s.reverses = ?1",
    )?;
    // Counted in base units only: a reversal line may be in another unit than its line.
    for row in st.query_map([sale_id], |r| {
        Ok((r.get::<_, i64>(0)?, dec(r, 1)?, dec(r, 2)?, dec(r, 3)?))
    })? {
        let (lid, qb, t, c) = row?;
        let e = tb.lines.entry(lid).or_default();
        add_to(&mut e.qty_base, -qb)?;
        add_to(&mut e.total, -t)?;
        add_to(&mut e.cogs, -c)?;
    }
    let mut st = conn.prepare_cached("SELECT discount FROM sales WHERE reverses = ?1")?;
    for v in st.query_map([sale_id], |r| dec(r, 0))? {
        add_to(&mut tb.discount, -v?)?;
    }
    Ok(tb)
}

/// Base units in one of the line's unit (exact: the line's qty_base is qty × factor).
fn line_factor(l: &SaleLine) -> Decimal {
    if l.qty.is_zero() {
        Decimal::ONE
    } else {
        (l.qty_base / l.qty).normalize()
    }
}

/// Turns one requested return line into (original line, base quantity) pairs appended to
/// `take`. Outstanding is counted in the product's base unit, which every line holds
/// exactly, so "1 pcs" back from a lusin line or "1 kg" from a 3 kg sack are exact. The unit
/// picks the lines: those sold in it first (a product on "1 dus" and "5 bks" lines gives
/// back "5 bks" from the bks line), then, for more than they hold, the product's other lines
/// ("10 bks" takes the 5 loose ones and 5 from the dus). Without a unit the product must
/// have been sold in one unit only. A price, when given, must be what was paid per unit: a
/// return refunds what was paid.
fn pick_return<'a>(
    conn: &Connection,
    orig: &'a Sale,
    before: &TakenBack,
    r: &ReturnLine,
    take: &mut Vec<(&'a SaleLine, Decimal)>,
) -> Result<()> {
    let p = resolve_product(conn, &r.product, Lookup::Any)?;
    let name = p.name.clone();
    let sale = orig.sale_id;
    let result = (|| {
        let qty = check_line_qty(Field::ReturnQty, r.qty)?;
        let of_product: Vec<&'a SaleLine> =
            orig.lines.iter().filter(|l| l.product_id == p.id).collect();
        if of_product.is_empty() {
            return Err(CoreError::invalid(
                Field::ReturnItems,
                Problem::NotOnSale { sale },
            ));
        }
        let mut units: Vec<&str> = Vec::new();
        for l in &of_product {
            if !units
                .iter()
                .any(|u| canonical_unit(u) == canonical_unit(&l.unit))
            {
                units.push(&l.unit);
            }
        }
        let same_unit = |l: &&SaleLine, u: &str| canonical_unit(&l.unit) == canonical_unit(u);
        // The unit the quantity is counted in, its size in base units, and the lines to
        // drain first.
        let (unit, factor, first): (String, Decimal, Vec<&'a SaleLine>) =
            match r.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                None if units.len() > 1 => {
                    return Err(CoreError::invalid(
                        Field::Unit,
                        Problem::SoldInSeveralUnits {
                            units: units.join(", "),
                        },
                    ));
                }
                None => (
                    units[0].to_string(),
                    line_factor(of_product[0]),
                    of_product.clone(),
                ),
                Some(u) => match of_product.iter().find(|l| same_unit(l, u)) {
                    Some(l) => (
                        l.unit.clone(),
                        line_factor(l),
                        of_product
                            .iter()
                            .copied()
                            .filter(|l| same_unit(l, u))
                            .collect(),
                    ),
                    None => {
                        let mut full = p.clone();
                        full.units = crate::catalog::load_units(conn, p.id)?;
                        let ru = resolve_unit(&full, Some(u))?;
                        (ru.unit, ru.factor, Vec::new())
                    }
                },
            };
        let base = mul(qty, factor)?;
        if base.normalize().scale() > QTY_DECIMALS {
            return Err(CoreError::invalid(
                Field::ReturnQty,
                Problem::NotExactIn {
                    qty: format_qty(qty, &unit),
                    unit: p.unit.clone(),
                },
            ));
        }
        let base = check_base_qty(Field::ReturnQty, base)?;
        // Within each group, the cheapest lines per base unit first: a return without a
        // price never refunds a paid line while a free one of the same goods is open.
        let per_base = |l: &SaleLine| l.price / line_factor(l);
        let mut first = first;
        first.sort_by_key(|l| per_base(l));
        let mut rest_lines: Vec<&'a SaleLine> = of_product
            .iter()
            .copied()
            .filter(|l| !first.iter().any(|f| f.id == l.id))
            .collect();
        rest_lines.sort_by_key(|l| per_base(l));
        let mut order: Vec<&'a SaleLine> = first.into_iter().chain(rest_lines).collect();
        if let Some(price) = r.price {
            let price = check_money(Field::Price, price, PRICE_DECIMALS)?;
            // A price names the lines sold at it (per base unit, exactly: price / factor ==
            // line price / line factor): "@0" takes back the free ones.
            let mut matching = Vec::new();
            for l in &order {
                if mul(price, line_factor(l))? == mul(l.price, factor)? {
                    matching.push(*l);
                }
            }
            if matching.is_empty() {
                let sold: Vec<String> = order
                    .iter()
                    .map(|l| format!("{}/{}", format_rupiah(l.price), l.unit))
                    .collect();
                return Err(CoreError::invalid(
                    Field::Price,
                    Problem::PriceMismatch {
                        given: format!("{}/{unit}", format_rupiah(price)),
                        sold: sold.join(", "),
                    },
                ));
            }
            order = matching;
        }
        let left_of = |l: &SaleLine, take: &[(&SaleLine, Decimal)]| {
            let taking: Decimal = take
                .iter()
                .filter(|(t, _)| t.id == l.id)
                .map(|(_, q)| *q)
                .sum();
            l.qty_base - before.line(l.id).qty_base - taking
        };
        let left: Decimal = order
            .iter()
            .map(|l| left_of(l, take).max(Decimal::ZERO))
            .sum();
        if base > left {
            // Say what is left in the unit asked when it can be said exactly there.
            let in_unit = (left / factor).normalize();
            let left = if in_unit.scale() <= QTY_DECIMALS {
                format_qty(in_unit, &unit)
            } else {
                format_qty(left, &p.unit)
            };
            return Err(CoreError::invalid(
                Field::ReturnQty,
                Problem::ExceedsOutstanding {
                    qty: format_qty(qty, &unit),
                    left,
                    sale,
                },
            ));
        }
        let mut rest = base;
        for l in &order {
            let left = left_of(l, take);
            if rest.is_zero() || left <= Decimal::ZERO {
                continue;
            }
            let part = rest.min(left);
            take.push((l, part));
            rest -= part;
        }
        Ok(())
    })();
    result.map_err(|e| e.for_product(&name))
}

/// The amounts of one reversal. Every figure is cumulative, in base units: after this
/// reversal a line has given back round(total × base back / base sold) (its whole total once
/// all of it is back), and the sale its discount in proportion to the line totals given back
/// (all of it once everything is back). Cumulative rounding is monotone, so no reversal can
/// give back more than is outstanding, per line or per sale, and a fully reversed sale nets
/// to exactly zero. Each reversal line is shown in its line's unit when the quantity is exact
/// there, otherwise in the product's base unit (`base_units`).
pub struct Reversal<'a> {
    pub lines: Vec<(&'a SaleLine, Part)>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub total: Decimal,
    pub cogs: Decimal,
}

pub fn split_reversal<'a>(
    orig: &Sale,
    before: &TakenBack,
    take: &[(&'a SaleLine, Decimal)],
    base_units: &HashMap<i64, String>,
) -> Result<Reversal<'a>> {
    let mut after = before.lines.clone();
    let mut lines = Vec::with_capacity(take.len());
    for (l, qb) in take {
        let prev = after.get(&l.id).cloned().unwrap_or_default();
        let qty_base = add(prev.qty_base, *qb)?;
        let (total, cogs) = if qty_base >= l.qty_base {
            (l.total, l.cogs)
        } else {
            (
                round_rupiah(l.total * qty_base / l.qty_base),
                round_rupiah(l.cogs * qty_base / l.qty_base),
            )
        };
        let in_line = (*qb / line_factor(l)).normalize();
        let (qty, unit, price) = if in_line.scale() <= QTY_DECIMALS {
            (in_line, l.unit.clone(), l.price)
        } else {
            let per_base = (l.price / line_factor(l))
                .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            let base = base_units.get(&l.product_id).cloned().unwrap_or_default();
            (*qb, base, per_base)
        };
        let part = Part {
            qty,
            qty_base: *qb,
            total: total - prev.total,
            cogs: cogs - prev.cogs,
            unit,
            price,
        };
        after.insert(
            l.id,
            Part {
                qty_base,
                total,
                cogs,
                ..Part::default()
            },
        );
        lines.push((*l, part));
    }
    let subtotal = sum(lines.iter().map(|(_, p)| p.total))?;
    let given_back = sum(after.values().map(|p| p.total))?;
    let everything = orig
        .lines
        .iter()
        .all(|l| after.get(&l.id).is_some_and(|p| p.qty_base >= l.qty_base));
    let discount_after = if everything {
        orig.discount
    } else if orig.subtotal.is_zero() {
        Decimal::ZERO
    } else {
        round_rupiah(orig.discount * given_back / orig.subtotal)
            .clamp(before.discount, orig.discount)
    };
    let discount = (discount_after - before.discount).min(subtotal);
    Ok(Reversal {
        total: subtotal - discount,
        cogs: sum(lines.iter().map(|(_, p)| p.cogs))?,
        subtotal,
        discount,
        lines,
    })
}
