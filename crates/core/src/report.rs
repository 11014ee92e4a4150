//! Period reports. Sales figures come from per-day aggregates (`daily_sales`,
//! `daily_product_sales`) that every sale and reversal updates in its own transaction, so a
//! month over a million sales reads ~31 rows. `verify_books` recomputes the aggregates from
//! the entries and reports any difference; `rebuild_daily_sales` repairs/re-buckets them.

use crate::db::{Shop, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::expenses::{EXPENSE_CATEGORIES, ExpenseCategory};
use crate::money::{add_to, sub, sum};
use crate::time::{ShopTz, month_end, month_start, parse_stamp, week_start};
use chrono::{Datelike, Duration, NaiveDate};
use rusqlite::{Connection, params};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Change to one day's sales aggregate.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DailyDelta {
    pub revenue: Decimal,
    pub cogs: Decimal,
    pub discount: Decimal,
    pub sales: i64,
    pub reversals: i64,
    pub paid_in: Decimal,
    pub refunded: Decimal,
    pub cash: Decimal,
}

impl DailyDelta {
    /// Adds another day's figures; every sum is checked (a report never panics on data).
    fn add(&mut self, o: &DailyDelta) -> Result<()> {
        add_to(&mut self.revenue, o.revenue)?;
        add_to(&mut self.cogs, o.cogs)?;
        add_to(&mut self.discount, o.discount)?;
        self.sales = self.sales.checked_add(o.sales).ok_or(CoreError::Overflow)?;
        self.reversals = self
            .reversals
            .checked_add(o.reversals)
            .ok_or(CoreError::Overflow)?;
        add_to(&mut self.paid_in, o.paid_in)?;
        add_to(&mut self.refunded, o.refunded)?;
        add_to(&mut self.cash, o.cash)
    }
}

pub(crate) fn bump_daily(conn: &Connection, day: &str, delta: &DailyDelta) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO daily_sales(local_date, revenue, cogs, discount, sales_count, reversal_count,
                                 paid_in, refunded, cash_sales)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(local_date) DO UPDATE SET
             revenue = dec_add(revenue, excluded.revenue),
             cogs = dec_add(cogs, excluded.cogs),
             discount = dec_add(discount, excluded.discount),
             sales_count = sales_count + excluded.sales_count,
             reversal_count = reversal_count + excluded.reversal_count,
             paid_in = dec_add(paid_in, excluded.paid_in),
             refunded = dec_add(refunded, excluded.refunded),
             cash_sales = dec_add(cash_sales, excluded.cash_sales)",
    )?
    .execute(params![
        day,
        d(delta.revenue),
        d(delta.cogs),
        d(delta.discount),
        delta.sales,
        delta.reversals,
        d(delta.paid_in),
        d(delta.refunded),
        d(delta.cash)
    ])?;
    Ok(())
}

fn day_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DailyDelta> {
    Ok(DailyDelta {
        revenue: dec(r, 0)?,
        cogs: dec(r, 1)?,
        discount: dec(r, 2)?,
        sales: r.get(3)?,
        reversals: r.get(4)?,
        paid_in: dec(r, 5)?,
        refunded: dec(r, 6)?,
        cash: dec(r, 7)?,
    })
}

/// How a day's per-product row absorbs another sale line (exact decimal sums).
pub(crate) const PRODUCT_DAY_UPSERT: &str = "ON CONFLICT(local_date, product_id) DO UPDATE SET
             qty_base = dec_add(qty_base, excluded.qty_base),
             revenue = dec_add(revenue, excluded.revenue),
             cogs = dec_add(cogs, excluded.cogs)";

pub(crate) fn bump_product_day(
    conn: &Connection,
    day: &str,
    product_id: i64,
    qty: Decimal,
    revenue: Decimal,
    cogs: Decimal,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO daily_product_sales(local_date, product_id, qty_base, revenue, cogs)
         VALUES (?1, ?2, ?3, ?4, ?5) {PRODUCT_DAY_UPSERT}"
    ))?
    .execute(params![day, product_id, d(qty), d(revenue), d(cogs)])?;
    Ok(())
}

/// A reporting period resolved to inclusive shop-local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// today, yesterday, this_week, last_week, this_month, last_month, last_7_days,
    /// last_30_days, this_year, last_year, or FROM..TO (ISO dates, inclusive).
    pub fn parse(spec: &str, today: NaiveDate) -> Result<Period> {
        let s = spec.trim().to_lowercase().replace('-', "_");
        let p = |from, to| Ok(Period { from, to });
        match s.as_str() {
            "today" | "hari_ini" => p(today, today),
            "yesterday" | "kemarin" => p(today - Duration::days(1), today - Duration::days(1)),
            "this_week" | "minggu_ini" => {
                p(week_start(today), week_start(today) + Duration::days(6))
            }
            "last_week" | "minggu_lalu" => {
                let start = week_start(today) - Duration::days(7);
                p(start, start + Duration::days(6))
            }
            "this_month" | "bulan_ini" => p(month_start(today), month_end(today)),
            "last_month" | "bulan_lalu" => {
                let prev = month_start(today) - Duration::days(1);
                p(month_start(prev), prev)
            }
            "last_7_days" | "7_hari" => p(today - Duration::days(6), today),
            "last_30_days" | "30_hari" => p(today - Duration::days(29), today),
            "this_year" | "tahun_ini" => p(
                NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
                NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today),
            ),
            "last_year" | "tahun_lalu" => p(
                NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(today),
                NaiveDate::from_ymd_opt(today.year() - 1, 12, 31).unwrap_or(today),
            ),
            _ => {
                let (a, b) = spec
                    .trim()
                    .split_once("..")
                    .ok_or_else(|| bad_period(spec))?;
                let from = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d")
                    .map_err(|_| bad_period(spec))?;
                let to = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d")
                    .map_err(|_| bad_period(spec))?;
                if to < from {
                    return Err(CoreError::invalid(
                        Field::Period,
                        Problem::EndBeforeStart {
                            spec: spec.trim().to_string(),
                        },
                    ));
                }
                p(from, to)
            }
        }
    }
}

fn bad_period(spec: &str) -> CoreError {
    CoreError::invalid(
        Field::Period,
        Problem::UnknownChoice {
            value: spec.trim().to_string(),
            choices: "today, yesterday, this_week, last_week, this_month, last_month, last_7_days, last_30_days, 2026-11-01..2026-11-30".into(),
        },
    )
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TopProduct {
    pub product_id: i64,
    pub name: String,
    pub unit: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub qty: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub revenue: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub gross_profit: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LowStockItem {
    pub product_id: i64,
    pub name: String,
    pub unit: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub stock: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub reorder_point: Decimal,
    /// Average base units sold per day over the last 28 days.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub daily_sales: Decimal,
    /// Days until it runs out at that pace (absent when it does not sell).
    #[serde(with = "crate::money::json_opt")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub days_left: Option<Decimal>,
    /// Base units to order to cover lead time plus a week of sales.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub suggested_order: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DebtorLine {
    pub contact: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub balance: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Report {
    pub from: String,
    pub to: String,
    pub timezone: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub revenue: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cogs: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub gross_profit: Decimal,
    /// gross_profit / revenue as a fraction with 4 decimals ("0.2312"); "0" without revenue.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub gross_margin: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expenses: Decimal,
    pub expenses_by_category: BTreeMap<String, String>,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub net_profit: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cash_in: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cash_out: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub net_cash_flow: Decimal,
    pub sales_count: i64,
    pub reversal_count: i64,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub discounts: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub purchases: Decimal,
    pub top_products: Vec<TopProduct>,
    pub low_stock: Vec<LowStockItem>,
    /// What customers owe the shop now (kasbon), in total.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub debts_outstanding: Decimal,
    /// What the shop owes suppliers now, in total.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub debts_payable: Decimal,
    /// Credit customers hold at the shop (paid ahead, or a return of a paid-off kasbon):
    /// owed to them, but not a supplier debt.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub customer_credit: Decimal,
    pub debtors: Vec<DebtorLine>,
    /// Shifts closed in the period and the sum of their drawer differences (counted −
    /// expected: below zero the drawers were short).
    pub shifts_closed: i64,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub shift_difference: Decimal,
}

impl Report {
    /// The report as a cashier may see it: sales and cash, no cost or profit.
    pub fn without_costs(mut self) -> Report {
        self.cogs = Decimal::ZERO;
        self.gross_profit = Decimal::ZERO;
        self.gross_margin = Decimal::ZERO;
        self.net_profit = Decimal::ZERO;
        for t in &mut self.top_products {
            t.gross_profit = Decimal::ZERO;
        }
        self
    }
}

fn sum_col(conn: &Connection, sql: &str, from: &str, to: &str) -> Result<Decimal> {
    let mut st = conn.prepare_cached(sql)?;
    let mut total = Decimal::ZERO;
    for v in st.query_map(params![from, to], |r| dec(r, 0))? {
        add_to(&mut total, v?)?;
    }
    Ok(total)
}

impl Shop {
    pub fn today(&self) -> NaiveDate {
        self.settings.tz.local_date(self.clock.now())
    }

    /// Resolves a period name or FROM..TO against today in the shop's time zone.
    pub fn period(&self, spec: &str) -> Result<Period> {
        Period::parse(spec, self.today())
    }

    pub fn report(&self, period: &str) -> Result<Report> {
        self.owner_may_see("report.view")?;
        let p = Period::parse(period, self.today())?;
        self.report_for(p)
    }

    /// The report of a period, read from one snapshot of the books.
    pub fn report_for(&self, p: Period) -> Result<Report> {
        self.snapshot(|shop| shop.report_in(p))
    }

    fn report_in(&self, p: Period) -> Result<Report> {
        let conn = &self.conn;
        let (from, to) = (p.from.to_string(), p.to.to_string());
        let mut day = DailyDelta::default();
        {
            let mut st = conn.prepare_cached(
                "SELECT revenue, cogs, discount, sales_count, reversal_count, paid_in, refunded, cash_sales
                 FROM daily_sales WHERE local_date BETWEEN ?1 AND ?2",
            )?;
            for row in st.query_map(params![from, to], day_row)? {
                day.add(&row?)?;
            }
        }
        let mut by_cat: BTreeMap<ExpenseCategory, Decimal> = EXPENSE_CATEGORIES
            .iter()
            .map(|c| (*c, Decimal::ZERO))
            .collect();
        {
            let mut st = conn.prepare_cached(
                "SELECT category, amount FROM expenses WHERE local_date BETWEEN ?1 AND ?2",
            )?;
            for row in st.query_map(params![from, to], |r| {
                Ok((r.get::<_, String>(0)?, dec(r, 1)?))
            })? {
                let (c, a) = row?;
                add_to(by_cat.entry(ExpenseCategory::parse(&c)?).or_default(), a)?;
            }
        }
        let expenses = sum(by_cat.values().copied())?;
        let purchases = sum_col(
            conn,
            "SELECT total FROM purchases WHERE local_date BETWEEN ?1 AND ?2",
            &from,
            &to,
        )?;
        let purchases_paid = sum_col(
            conn,
            "SELECT total FROM purchases WHERE local_date BETWEEN ?1 AND ?2 AND payment != 'kasbon'",
            &from,
            &to,
        )?;
        let (mut debt_in, mut debt_out) = (Decimal::ZERO, Decimal::ZERO);
        {
            // A correction counts on the side of the entry it reverses: a payment typed by
            // mistake and taken back leaves no money in and no money out.
            let mut st = conn.prepare_cached(
                "SELECT e.cash_flow, coalesce(o.cash_flow, e.cash_flow) FROM debt_entries e
                 LEFT JOIN debt_entries o ON o.id = e.reverses
                 WHERE e.local_date BETWEEN ?1 AND ?2 AND e.cash_flow != '0'",
            )?;
            for v in st.query_map(params![from, to], |r| Ok((dec(r, 0)?, dec(r, 1)?)))? {
                let (v, side) = v?;
                if side > Decimal::ZERO {
                    add_to(&mut debt_in, v)?;
                } else {
                    add_to(&mut debt_out, -v)?;
                }
            }
        }
        let gross_profit = sub(day.revenue, day.cogs)?;
        let gross_margin = if day.revenue.is_zero() {
            Decimal::ZERO
        } else {
            (gross_profit / day.revenue)
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        };
        let cash_in = sum([day.paid_in, debt_in])?;
        let cash_out = sum([day.refunded, expenses, purchases_paid, debt_out])?;
        let (receivable, payable, credit, debtors) = self.debt_totals()?;
        let differences: Vec<Decimal> = conn
            .prepare_cached(
                "SELECT difference FROM shifts WHERE closed_at IS NOT NULL AND local_date BETWEEN ?1 AND ?2",
            )?
            .query_map(params![from, to], |r| dec(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        let shifts_closed = differences.len() as i64;
        let shift_difference = sum(differences)?;
        Ok(Report {
            from,
            to,
            timezone: self.settings.tz.name.clone(),
            revenue: day.revenue,
            cogs: day.cogs,
            gross_profit,
            gross_margin,
            expenses,
            expenses_by_category: by_cat
                .into_iter()
                .map(|(c, v)| (c.as_str().to_string(), d(v)))
                .collect(),
            net_profit: sub(gross_profit, expenses)?,
            cash_in,
            cash_out,
            net_cash_flow: sub(cash_in, cash_out)?,
            sales_count: day.sales,
            reversal_count: day.reversals,
            discounts: day.discount,
            purchases,
            top_products: self.top_products(p, 10)?,
            low_stock: self.low_stock()?,
            debts_outstanding: receivable,
            debts_payable: payable,
            customer_credit: credit,
            debtors,
            shifts_closed,
            shift_difference,
        })
    }

    pub fn top_products(&self, p: Period, limit: usize) -> Result<Vec<TopProduct>> {
        let mut agg: HashMap<i64, (Decimal, Decimal, Decimal)> = HashMap::new();
        let mut st = self.conn.prepare_cached(
            "SELECT product_id, qty_base, revenue, cogs FROM daily_product_sales WHERE local_date BETWEEN ?1 AND ?2",
        )?;
        for row in st.query_map(params![p.from.to_string(), p.to.to_string()], |r| {
            Ok((r.get::<_, i64>(0)?, dec(r, 1)?, dec(r, 2)?, dec(r, 3)?))
        })? {
            let (id, q, rev, c) = row?;
            let e = agg.entry(id).or_default();
            add_to(&mut e.0, q)?;
            add_to(&mut e.1, rev)?;
            add_to(&mut e.2, c)?;
        }
        let mut rows: Vec<(i64, (Decimal, Decimal, Decimal))> = agg
            .into_iter()
            .filter(|(_, v)| v.1 > Decimal::ZERO)
            .collect();
        rows.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
        rows.truncate(limit);
        let mut name = self
            .conn
            .prepare_cached("SELECT name, unit FROM products WHERE id = ?1")?;
        rows.into_iter()
            .map(|(id, (qty, revenue, cogs))| {
                let (n, u): (String, String) =
                    name.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                Ok(TopProduct {
                    product_id: id,
                    name: n,
                    unit: u,
                    qty,
                    revenue,
                    gross_profit: sub(revenue, cogs)?,
                })
            })
            .collect()
    }

    /// Products at or below their reorder point, or that will run out within the lead time
    /// at the pace of the last 28 days; with how much to order.
    pub fn low_stock(&self) -> Result<Vec<LowStockItem>> {
        let today = self.today();
        let since = (today - Duration::days(27)).to_string();
        let lead = Decimal::from(self.settings.lead_time_days);
        let mut sold: HashMap<i64, Decimal> = HashMap::new();
        let mut st = self.conn.prepare_cached(
            "SELECT product_id, qty_base FROM daily_product_sales WHERE local_date BETWEEN ?1 AND ?2",
        )?;
        for row in st.query_map(params![since, today.to_string()], |r| {
            Ok((r.get::<_, i64>(0)?, dec(r, 1)?))
        })? {
            let (id, q) = row?;
            add_to(sold.entry(id).or_default(), q)?;
        }
        let mut st = self.conn.prepare_cached(
            "SELECT id, name, unit, stock, reorder_point FROM products WHERE active = 1 AND reorder_point != '0'",
        )?;
        let mut out = Vec::new();
        for row in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                dec(r, 3)?,
                dec(r, 4)?,
            ))
        })? {
            let (id, name, unit, stock, reorder_point) = row?;
            let velocity = (sold
                .get(&id)
                .copied()
                .unwrap_or_default()
                .max(Decimal::ZERO)
                / Decimal::from(28))
            .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
            let days_left = (velocity > Decimal::ZERO).then(|| {
                (stock.max(Decimal::ZERO) / velocity)
                    .round_dp_with_strategy(1, RoundingStrategy::ToZero)
                    .normalize()
            });
            let runs_out = days_left.is_some_and(|dl| dl < lead);
            if stock > reorder_point && !runs_out {
                continue;
            }
            let target =
                (velocity * (lead + Decimal::from(7))).max(reorder_point * Decimal::from(2));
            let suggested_order = (target - stock).max(Decimal::ZERO).ceil().normalize();
            out.push(LowStockItem {
                product_id: id,
                name,
                unit,
                stock,
                reorder_point,
                daily_sales: velocity,
                days_left,
                suggested_order,
            });
        }
        out.sort_by(|a, b| {
            let da = a.days_left.unwrap_or(Decimal::MAX);
            let db = b.days_left.unwrap_or(Decimal::MAX);
            da.cmp(&db).then(a.name.cmp(&b.name))
        });
        Ok(out)
    }

    /// What customers owe, what the shop owes suppliers, and credit customers hold; the
    /// largest debtors first. A customer's negative balance is credit, never a supplier debt.
    fn debt_totals(&self) -> Result<(Decimal, Decimal, Decimal, Vec<DebtorLine>)> {
        let (mut receivable, mut payable, mut credit) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut debtors = Vec::new();
        let mut st = self
            .conn
            .prepare_cached("SELECT name, kind, balance FROM contacts WHERE balance != '0'")?;
        for row in st.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, dec(r, 2)?))
        })? {
            let (name, kind, balance) = row?;
            if balance > Decimal::ZERO {
                add_to(&mut receivable, balance)?;
                debtors.push(DebtorLine {
                    contact: name,
                    balance,
                });
            } else if kind == "customer" {
                add_to(&mut credit, -balance)?;
            } else {
                add_to(&mut payable, -balance)?;
            }
        }
        debtors.sort_by(|a, b| b.balance.cmp(&a.balance).then(a.contact.cmp(&b.contact)));
        debtors.truncate(10);
        Ok((receivable, payable, credit, debtors))
    }

    /// Recomputes every derived figure (daily aggregates, contact balances) from the entries
    /// and lists what differs. Empty means the books reconcile exactly.
    /// Everything is read in one transaction: a writer committing meanwhile is either
    /// wholly seen or not at all, so a healthy shop never looks corrupt.
    pub fn verify_books(&self) -> Result<Vec<String>> {
        self.snapshot(|shop| shop.verify_books_in())
    }

    fn verify_books_in(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let (days, products) = recompute_daily(&self.conn)?;
        let mut stored_days = HashMap::new();
        let mut st = self.conn.prepare(
            "SELECT revenue, cogs, discount, sales_count, reversal_count, paid_in, refunded, cash_sales,
                    local_date FROM daily_sales",
        )?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(8)?, day_row(r)?)))? {
            let (k, v) = row?;
            stored_days.insert(k, v);
        }
        if stored_days != days {
            problems.push("daily_sales differs from the sales entries".to_string());
        }
        let mut stored_products = HashMap::new();
        let mut st = self.conn.prepare(
            "SELECT local_date, product_id, qty_base, revenue, cogs FROM daily_product_sales",
        )?;
        for row in st.query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, i64>(1)?),
                (dec(r, 2)?, dec(r, 3)?, dec(r, 4)?),
            ))
        })? {
            let (k, v) = row?;
            stored_products.insert(k, v);
        }
        if stored_products != products {
            problems.push("daily_product_sales differs from the sale lines".to_string());
        }
        let mut sums: HashMap<i64, Decimal> = HashMap::new();
        let mut st = self
            .conn
            .prepare("SELECT contact_id, amount FROM debt_entries")?;
        for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, dec(r, 1)?)))? {
            let (id, a) = row?;
            add_to(sums.entry(id).or_default(), a)?;
        }
        for c in self.contacts()? {
            if sums.get(&c.id).copied().unwrap_or_default() != c.balance {
                problems.push(format!(
                    "contact {} balance differs from its debt entries",
                    c.name
                ));
            }
        }
        let mut st = self.conn.prepare(
            "SELECT s.id, s.subtotal, s.discount, s.total, s.cogs,
                    coalesce((SELECT group_concat(total, ' ') FROM sale_lines WHERE sale_id = s.id), ''),
                    coalesce((SELECT group_concat(cogs, ' ') FROM sale_lines WHERE sale_id = s.id), '')
             FROM sales s",
        )?;
        for row in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                dec(r, 1)?,
                dec(r, 2)?,
                dec(r, 3)?,
                dec(r, 4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })? {
            let (id, subtotal, disc, total, cogs, lt, lc) = row?;
            let add_up = |s: &str| sum(s.split_whitespace().filter_map(|x| x.parse().ok()));
            if lt.is_empty()
                || add_up(&lt)? != subtotal
                || sub(subtotal, disc)? != total
                || add_up(&lc)? != cogs
            {
                problems.push(format!("sale #{id} does not add up"));
            }
        }
        for m in self.verify_stock()? {
            problems.push(format!(
                "product #{} stock {} != movements {}",
                m.product_id, m.stock, m.ledger
            ));
        }
        Ok(problems)
    }
}

type ProductDays = HashMap<(String, i64), (Decimal, Decimal, Decimal)>;

/// Daily aggregates computed from scratch from `sales` and `sale_lines`.
fn recompute_daily(conn: &Connection) -> Result<(HashMap<String, DailyDelta>, ProductDays)> {
    let mut days: HashMap<String, DailyDelta> = HashMap::new();
    let mut st =
        conn.prepare("SELECT local_date, kind, payment, total, cogs, discount FROM sales")?;
    for row in st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            dec(r, 3)?,
            dec(r, 4)?,
            dec(r, 5)?,
        ))
    })? {
        let (day, kind, payment, total, cogs, discount) = row?;
        let paid = payment != "kasbon";
        let sale = kind == "sale";
        days.entry(day).or_default().add(&DailyDelta {
            revenue: total,
            cogs,
            discount,
            sales: sale as i64,
            reversals: (!sale) as i64,
            paid_in: if paid && sale { total } else { Decimal::ZERO },
            refunded: if paid && !sale { -total } else { Decimal::ZERO },
            cash: if payment == "cash" {
                total
            } else {
                Decimal::ZERO
            },
        })?;
    }
    let mut products: ProductDays = HashMap::new();
    let mut st = conn.prepare(
        "SELECT s.local_date, l.product_id, l.qty_base, l.total, l.cogs FROM sale_lines l JOIN sales s ON s.id = l.sale_id",
    )?;
    for row in st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            dec(r, 2)?,
            dec(r, 3)?,
            dec(r, 4)?,
        ))
    })? {
        let (day, pid, q, t, c) = row?;
        let e = products.entry((day, pid)).or_default();
        add_to(&mut e.0, q)?;
        add_to(&mut e.1, t)?;
        add_to(&mut e.2, c)?;
    }
    Ok((days, products))
}

/// Re-buckets every entry into local dates of `tz` and rebuilds the daily aggregates.
/// Runs inside the caller's transaction (used when the shop's time zone changes).
pub(crate) fn rebuild_daily_sales(conn: &Connection, tz: &ShopTz) -> Result<()> {
    for table in ["sales", "purchases", "expenses", "debt_entries"] {
        let rows: Vec<(i64, String)> = conn
            .prepare(&format!("SELECT id, occurred_at FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut up = conn.prepare(&format!("UPDATE {table} SET local_date = ?2 WHERE id = ?1"))?;
        for (id, at) in rows {
            up.execute(params![id, tz.local_date(parse_stamp(&at)?).to_string()])?;
        }
    }
    conn.execute("DELETE FROM daily_sales", [])?;
    conn.execute("DELETE FROM daily_product_sales", [])?;
    let (days, products) = recompute_daily(conn)?;
    for (day, delta) in days {
        bump_daily(conn, &day, &delta)?;
    }
    for ((day, pid), (q, t, c)) in products {
        bump_product_day(conn, &day, pid, q, t, c)?;
    }
    Ok(())
}
