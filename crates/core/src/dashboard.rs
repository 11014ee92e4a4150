//! What the Beranda screen shows: today's figures, cash in the drawer, a daily series for the
//! chart. Read-only; computed from the same aggregates as reports.

use crate::db::{Shop, dec};
use crate::error::Result;
use crate::report::{Period, Report};
use chrono::Duration;
use rusqlite::params;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// One day of the sales chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DayFigures {
    pub date: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub revenue: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub gross_profit: Decimal,
    pub sales_count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Dashboard {
    pub shop_name: String,
    pub today: Report,
    /// Cash that should be in the drawer from today's activity: cash sales (net of refunds) and
    /// kasbon repayments in, cash expenses and cash purchases out.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cash_in_drawer: Decimal,
    /// The last 30 days, oldest first, every day present.
    pub series: Vec<DayFigures>,
    /// Best sellers of the last 30 days.
    pub top_products: Vec<crate::report::TopProduct>,
    /// False for a cashier: cost and profit are blanked (zero) and not to be shown.
    pub shows_profit: bool,
    /// The shift open now, and the last one closed (with its drawer difference).
    pub open_shift: Option<crate::shifts::ShiftView>,
    pub last_shift: Option<crate::shifts::ShiftView>,
}

impl Shop {
    /// Daily figures for `from..=to`, one entry per day (zero when nothing was sold).
    pub fn daily_series(&self, p: Period) -> Result<Vec<DayFigures>> {
        // One entry per day: a chart of more than ten years is a mistake, not a request.
        if (p.to - p.from).num_days() > 3660 {
            return Err(crate::error::CoreError::invalid(
                crate::error::Field::Period,
                crate::error::Problem::OutOfRange {
                    value: format!("{} d", (p.to - p.from).num_days() + 1),
                    min: "1 d".into(),
                    max: "3660 d".into(),
                },
            ));
        }
        let mut st = self.conn.prepare_cached(
            "SELECT local_date, revenue, cogs, sales_count FROM daily_sales WHERE local_date BETWEEN ?1 AND ?2",
        )?;
        let mut by_day: HashMap<String, (Decimal, Decimal, i64)> = HashMap::new();
        for row in st.query_map(params![p.from.to_string(), p.to.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                dec(r, 1)?,
                dec(r, 2)?,
                r.get::<_, i64>(3)?,
            ))
        })? {
            let (day, rev, cogs, n) = row?;
            by_day.insert(day, (rev, cogs, n));
        }
        let mut out = Vec::new();
        let mut day = p.from;
        while day <= p.to {
            let key = day.to_string();
            let (rev, cogs, n) = by_day.remove(&key).unwrap_or_default();
            out.push(DayFigures {
                date: key,
                revenue: rev,
                gross_profit: rev - cogs,
                sales_count: n,
            });
            day += Duration::days(1);
        }
        // A cashier sees the sales, not the profit.
        if self.owner_may_see("report.view").is_err() {
            for d in &mut out {
                d.gross_profit = Decimal::ZERO;
            }
        }
        Ok(out)
    }

    pub fn dashboard(&self) -> Result<Dashboard> {
        let shows_profit = self.owner_may_see("report.view").is_ok();
        let today = self.today();
        let report = self.report_for(Period {
            from: today,
            to: today,
        })?;
        let day = today.to_string();
        let drawer = crate::shifts::DrawerFlows::read(&self.conn, "local_date = ?1", &[&day])?;
        Ok(Dashboard {
            shop_name: self
                .setting("shop_name")?
                .unwrap_or_else(|| "Toko Saya".into()),
            today: if shows_profit {
                report
            } else {
                report.without_costs()
            },
            cash_in_drawer: drawer.after(Decimal::ZERO)?,
            series: self
                .daily_series(Period {
                    from: today - Duration::days(29),
                    to: today,
                })?
                .into_iter()
                .map(|mut d| {
                    if !shows_profit {
                        d.gross_profit = Decimal::ZERO;
                    }
                    d
                })
                .collect(),
            top_products: self
                .top_products(
                    Period {
                        from: today - Duration::days(29),
                        to: today,
                    },
                    8,
                )?
                .into_iter()
                .map(|mut t| {
                    if !shows_profit {
                        t.gross_profit = Decimal::ZERO;
                    }
                    t
                })
                .collect(),
            shows_profit,
            open_shift: self.current_shift()?,
            last_shift: self.last_closed_shift()?,
        })
    }
}
