//! Cashier shifts and the cash drawer. A shift opens with the cash put in the drawer (the
//! float); while it is open, what the drawer should hold follows the books: cash sales (less
//! cash voids and returns), kasbon paid in cash, cash put in or taken out (`cash_move`),
//! less expenses and purchases paid in cash. Closing records the cash counted, what was
//! expected and the difference, for the dashboard and the report. One drawer, so at most one
//! shift is open at a time; nothing about a closed shift changes afterwards.

use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{MAX_NOTE, add, check_money, check_opt_text, check_text, sum};
use crate::time::stamp;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;

/// A shift and its drawer, as the window and the report show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ShiftView {
    pub id: i64,
    pub staff: String,
    pub opened_at: String,
    pub local_date: String,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub opening_float: Decimal,
    /// Cash sales less cash voids and returns.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub cash_sales: Decimal,
    /// Kasbon paid (and supplier debts paid) in cash: in (+) or out (−).
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub debt_cash: Decimal,
    /// Cash put in (+) or taken out (−) that is not a sale, purchase or expense.
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub moves: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expenses: Decimal,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub purchases: Decimal,
    /// What the drawer should hold (now, or when it closed).
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expected: Decimal,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    #[serde(with = "crate::money::json_opt")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub counted: Option<Decimal>,
    /// Counted − expected: below zero the drawer is short, above zero it is over.
    #[serde(with = "crate::money::json_opt")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub difference: Option<Decimal>,
    pub note: Option<String>,
}

struct Row {
    id: i64,
    staff: String,
    opened_at: String,
    local_date: String,
    float: Decimal,
    closed_at: Option<String>,
    closed_by: Option<String>,
    counted: Option<Decimal>,
    expected: Option<Decimal>,
    difference: Option<Decimal>,
    note: Option<String>,
}

const COLS: &str = "id, staff, opened_at, local_date, opening_float, closed_at, closed_by, counted,
                    expected, difference, note";

fn opt_dec(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Decimal>> {
    Ok(r.get::<_, Option<String>>(i)?.and_then(|v| v.parse().ok()))
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        staff: r.get(1)?,
        opened_at: r.get(2)?,
        local_date: r.get(3)?,
        float: dec(r, 4)?,
        closed_at: r.get(5)?,
        closed_by: r.get(6)?,
        counted: opt_dec(r, 7)?,
        expected: opt_dec(r, 8)?,
        difference: opt_dec(r, 9)?,
        note: r.get(10)?,
    })
}

/// The sum of one money column over the rows `sql` selects for the window `from..=to`.
fn total(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Decimal> {
    let mut st = conn.prepare_cached(sql)?;
    let values = st
        .query_map(args, |r| dec(r, 0))?
        .collect::<rusqlite::Result<Vec<Decimal>>>()?;
    sum(values)
}

/// Cash through the drawer in the entries that `cond` selects (a time window, a day): cash
/// sales less cash voids and returns, kasbon cash flows, cash expenses and cash purchases.
/// The one definition of the drawer, for a shift and for the dashboard's day.
pub(crate) struct DrawerFlows {
    pub cash_sales: Decimal,
    pub debt_cash: Decimal,
    pub expenses: Decimal,
    pub purchases: Decimal,
}

impl DrawerFlows {
    pub(crate) fn read(
        conn: &Connection,
        cond: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Self> {
        let of = |sql: &str| total(conn, &format!("{sql} AND {cond}"), args);
        Ok(DrawerFlows {
            cash_sales: of("SELECT total FROM sales WHERE payment = 'cash'")?,
            debt_cash: of("SELECT cash_flow FROM debt_entries WHERE cash_flow != '0'")?,
            expenses: of("SELECT amount FROM expenses WHERE payment = 'cash'")?,
            purchases: of("SELECT total FROM purchases WHERE payment = 'cash'")?,
        })
    }

    /// What the flows leave in a drawer that started with `float`.
    pub(crate) fn after(&self, float: Decimal) -> Result<Decimal> {
        sum([
            float,
            self.cash_sales,
            self.debt_cash,
            -self.expenses,
            -self.purchases,
        ])
    }
}

/// The drawer of a shift between its opening and `to` (its close, or now).
fn view(conn: &Connection, r: Row, to: &str) -> Result<ShiftView> {
    let (from, to) = (r.opened_at.as_str(), to);
    let flows = DrawerFlows::read(
        conn,
        "occurred_at >= ?1 AND occurred_at <= ?2",
        &[&from, &to],
    )?;
    let moves = total(
        conn,
        "SELECT amount FROM cash_moves WHERE shift_id = ?1",
        &[&r.id],
    )?;
    let DrawerFlows {
        cash_sales,
        debt_cash,
        expenses,
        purchases,
    } = flows;
    let live = sum([r.float, cash_sales, debt_cash, moves, -expenses, -purchases])?;
    Ok(ShiftView {
        id: r.id,
        staff: r.staff,
        opened_at: r.opened_at,
        local_date: r.local_date,
        opening_float: r.float,
        cash_sales,
        debt_cash,
        moves,
        expenses,
        purchases,
        // A closed shift shows what was expected when it closed, whatever came later.
        expected: r.expected.unwrap_or(live),
        closed_at: r.closed_at,
        closed_by: r.closed_by,
        counted: r.counted,
        difference: r.difference,
        note: r.note,
    })
}

fn open_row(conn: &Connection) -> Result<Option<Row>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM shifts WHERE closed_at IS NULL"
        ))?
        .query_row([], row)
        .optional()?)
}

impl Shop {
    /// Opens a shift with the cash put in the drawer.
    pub fn open_shift(&mut self, opening_float: Decimal) -> Result<ShiftView> {
        let float = check_money(Field::OpeningFloat, opening_float, 0)?;
        if float.is_sign_negative() && !float.is_zero() {
            return Err(CoreError::invalid(
                Field::OpeningFloat,
                Problem::Negative {
                    value: crate::money::format_rupiah(float),
                },
            ));
        }
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        if let Some(open) = open_row(&tx)? {
            return Err(CoreError::ShiftAlreadyOpen {
                id: open.id,
                staff: open.staff,
            });
        }
        tx.execute(
            "INSERT INTO shifts(staff, opened_at, local_date, opening_float) VALUES (?1, ?2, ?3, ?4)",
            params![actor, at, local_date, d(float)],
        )?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            &at,
            &actor,
            "shift.open",
            "shift",
            Some(id),
            &serde_json::json!({"float": d(float)}),
        )?;
        tx.commit()?;
        self.current_shift()?.ok_or(CoreError::NoOpenShift)
    }

    /// The open shift and what its drawer should hold now.
    pub fn current_shift(&self) -> Result<Option<ShiftView>> {
        let now = stamp(self.clock.now());
        open_row(&self.conn)?
            .map(|r| view(&self.conn, r, &now))
            .transpose()
    }

    /// Cash into (amount > 0) or out of (amount < 0) the drawer that is not a sale, purchase
    /// or expense, with what it was for ("uang kecil dari bank", "setor ke pemilik").
    pub fn cash_move(&mut self, amount: Decimal, note: &str) -> Result<ShiftView> {
        // In or out: the size is checked like any amount, the sign says which way.
        check_money(Field::Amount, amount.abs(), 0)?;
        if amount.is_zero() {
            return Err(CoreError::invalid(Field::Amount, Problem::Zero));
        }
        let note = check_text(Field::Note, note, MAX_NOTE)?;
        if note.is_empty() {
            return Err(CoreError::invalid(Field::Note, Problem::Required));
        }
        let now = self.clock.now();
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let open = open_row(&tx)?.ok_or(CoreError::NoOpenShift)?;
        let shift_id = open.id;
        // The drawer cannot give out more than it holds.
        if amount < Decimal::ZERO {
            let holds = view(&tx, open, &at)?.expected;
            if add(holds, amount)? < Decimal::ZERO {
                return Err(CoreError::invalid(
                    Field::Amount,
                    Problem::Overpaid {
                        amount: crate::money::format_rupiah(-amount),
                        balance: crate::money::format_rupiah(holds),
                    },
                ));
            }
        }
        tx.execute(
            "INSERT INTO cash_moves(shift_id, occurred_at, local_date, amount, note, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![shift_id, at, local_date, d(amount), note, actor],
        )?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            &at,
            &actor,
            "shift.cash_move",
            "cash_move",
            Some(id),
            &serde_json::json!({"amount": d(amount), "note": note}),
        )?;
        tx.commit()?;
        self.current_shift()?.ok_or(CoreError::NoOpenShift)
    }

    /// Closes the open shift with the cash counted in the drawer; records what was expected
    /// and the difference (counted − expected).
    pub fn close_shift(&mut self, counted: Decimal, note: Option<&str>) -> Result<ShiftView> {
        let counted = check_money(Field::CountedCash, counted, 0)?;
        if counted.is_sign_negative() && !counted.is_zero() {
            return Err(CoreError::invalid(
                Field::CountedCash,
                Problem::Negative {
                    value: crate::money::format_rupiah(counted),
                },
            ));
        }
        let note = check_opt_text(Field::Note, note, MAX_NOTE)?;
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let open = open_row(&tx)?.ok_or(CoreError::NoOpenShift)?;
        let id = open.id;
        let v = view(&tx, open, &at)?;
        let difference = counted - v.expected;
        tx.execute(
            "UPDATE shifts SET closed_at = ?2, closed_by = ?3, counted = ?4, expected = ?5,
                    difference = ?6, note = ?7
             WHERE id = ?1",
            params![
                id,
                at,
                actor,
                d(counted),
                d(v.expected),
                d(difference),
                note
            ],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "shift.close",
            "shift",
            Some(id),
            &serde_json::json!({"counted": d(counted), "expected": d(v.expected), "difference": d(difference)}),
        )?;
        tx.commit()?;
        self.shift(id)
    }

    pub fn shift(&self, id: i64) -> Result<ShiftView> {
        let r = self
            .conn
            .prepare_cached(&format!("SELECT {COLS} FROM shifts WHERE id = ?1"))?
            .query_row([id], row)
            .optional()?
            .ok_or(CoreError::NoOpenShift)?;
        let to = r
            .closed_at
            .clone()
            .unwrap_or_else(|| stamp(self.clock.now()));
        view(&self.conn, r, &to)
    }

    /// Shifts opened on local dates `from..=to`, newest first.
    pub fn shifts(&self, from: &str, to: &str) -> Result<Vec<ShiftView>> {
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM shifts WHERE local_date BETWEEN ?1 AND ?2 ORDER BY id DESC",
            )?
            .query_map(params![from, to], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| self.shift(id)).collect()
    }

    /// The newest closed shift (the dashboard shows its difference).
    pub fn last_closed_shift(&self) -> Result<Option<ShiftView>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM shifts WHERE closed_at IS NOT NULL ORDER BY closed_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.shift(id)).transpose()
    }
}
