//! Operating expenses (listrik, sewa, gaji, bensin, plastik...) with categories, guessed from
//! the note when the user gives none.

use crate::db::{Shop, audit, d, dec};
use crate::error::{CoreError, Field, Problem, Result};
use crate::money::{MAX_NOTE, check_opt_text, check_payment};
use crate::sales::Payment;
use crate::time::stamp;
use rusqlite::params;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum ExpenseCategory {
    Utilities,
    Rent,
    Salary,
    Transport,
    Supplies,
    Fees,
    Other,
}

pub const EXPENSE_CATEGORIES: [ExpenseCategory; 7] = [
    ExpenseCategory::Utilities,
    ExpenseCategory::Rent,
    ExpenseCategory::Salary,
    ExpenseCategory::Transport,
    ExpenseCategory::Supplies,
    ExpenseCategory::Fees,
    ExpenseCategory::Other,
];

impl ExpenseCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseCategory::Utilities => "utilities",
            ExpenseCategory::Rent => "rent",
            ExpenseCategory::Salary => "salary",
            ExpenseCategory::Transport => "transport",
            ExpenseCategory::Supplies => "supplies",
            ExpenseCategory::Fees => "fees",
            ExpenseCategory::Other => "other",
        }
    }

    /// Indonesian label for screens and receipts.
    pub fn label_id(self) -> &'static str {
        match self {
            ExpenseCategory::Utilities => "Listrik, air & pulsa",
            ExpenseCategory::Rent => "Sewa",
            ExpenseCategory::Salary => "Gaji",
            ExpenseCategory::Transport => "Transportasi",
            ExpenseCategory::Supplies => "Perlengkapan",
            ExpenseCategory::Fees => "Biaya & iuran",
            ExpenseCategory::Other => "Lain-lain",
        }
    }

    /// English codes or Indonesian names.
    pub fn parse(s: &str) -> Result<ExpenseCategory> {
        let l = s.trim().to_lowercase();
        EXPENSE_CATEGORIES
            .into_iter()
            .find(|c| c.as_str() == l)
            .or(match l.as_str() {
                "utilitas" | "listrik" | "air" | "pulsa" => Some(ExpenseCategory::Utilities),
                "sewa" | "kontrakan" => Some(ExpenseCategory::Rent),
                "gaji" | "upah" => Some(ExpenseCategory::Salary),
                "transportasi" | "bensin" | "ongkos" => Some(ExpenseCategory::Transport),
                "perlengkapan" | "plastik" => Some(ExpenseCategory::Supplies),
                "biaya" | "iuran" | "pajak" | "admin" => Some(ExpenseCategory::Fees),
                "lain" | "lainnya" | "lain-lain" => Some(ExpenseCategory::Other),
                _ => None,
            })
            .ok_or_else(|| {
                CoreError::invalid(
                    Field::ExpenseCategory,
                    Problem::UnknownChoice {
                        value: s.trim().to_string(),
                        choices: "utilities, rent, salary, transport, supplies, fees, other".into(),
                    },
                )
            })
    }

    /// Guesses the category from a free-text note ("bayar listrik token 100rb").
    pub fn from_note(note: &str) -> ExpenseCategory {
        const RULES: &[(ExpenseCategory, &[&str])] = &[
            (
                ExpenseCategory::Utilities,
                &[
                    "listrik", "pln", "token", "pdam", "air", "pulsa", "internet", "wifi",
                    "indihome", "telepon", "kuota", "gas", "elpiji", "lpg",
                ],
            ),
            (
                ExpenseCategory::Rent,
                &[
                    "sewa",
                    "kontrakan",
                    "kontrak",
                    "kios",
                    "lapak",
                    "ruko",
                    "los",
                ],
            ),
            (
                ExpenseCategory::Salary,
                &[
                    "gaji", "upah", "honor", "karyawan", "pegawai", "kuli", "lembur", "thr",
                    "bonus",
                ],
            ),
            (
                ExpenseCategory::Transport,
                &[
                    "bensin",
                    "bbm",
                    "pertalite",
                    "pertamax",
                    "solar",
                    "ojek",
                    "ojol",
                    "ongkir",
                    "angkot",
                    "parkir",
                    "transport",
                    "grab",
                    "gojek",
                    "tol",
                    "becak",
                    "bengkel",
                    "servis",
                    "ongkos",
                ],
            ),
            (
                ExpenseCategory::Supplies,
                &[
                    "plastik",
                    "kresek",
                    "kantong",
                    "lakban",
                    "struk",
                    "kertas",
                    "nota",
                    "sabun",
                    "sapu",
                    "atk",
                    "tinta",
                    "label",
                    "karet",
                    "timbangan",
                    "perlengkapan",
                ],
            ),
            (
                ExpenseCategory::Fees,
                &[
                    "admin",
                    "fee",
                    "retribusi",
                    "iuran",
                    "pajak",
                    "keamanan",
                    "kebersihan",
                    "sampah",
                    "mdr",
                    "biaya",
                    "asuransi",
                    "bpjs",
                    "sumbangan",
                    "pungutan",
                ],
            ),
        ];
        let words: Vec<String> = note
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        RULES
            .iter()
            .find(|(_, keys)| words.iter().any(|w| keys.contains(&w.as_str())))
            .map_or(ExpenseCategory::Other, |(c, _)| *c)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NewExpense {
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
    pub category: Option<ExpenseCategory>,
    pub note: Option<String>,
    pub payment: Option<Payment>,
    /// The day it was paid, when not today ("kemarin bayar listrik"): within the last year,
    /// never in the future.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Expense {
    pub expense_id: i64,
    #[serde(with = "crate::money::json")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub amount: Decimal,
    pub category: ExpenseCategory,
    /// True when the category was guessed from the note.
    pub auto_category: bool,
    pub payment: Payment,
    pub note: Option<String>,
    pub occurred_at: String,
    pub local_date: String,
}

impl Shop {
    pub fn record_expense(&mut self, e: &NewExpense) -> Result<Expense> {
        let amount = check_payment(Field::Amount, e.amount)?;
        let payment = e.payment.unwrap_or(Payment::Cash);
        if payment == Payment::Kasbon {
            return Err(CoreError::invalid(
                Field::Payment,
                Problem::UnknownChoice {
                    value: "kasbon".into(),
                    choices: "cash, qris, transfer".into(),
                },
            ));
        }
        let note = check_opt_text(Field::Note, e.note.as_deref(), MAX_NOTE)?;
        let note = note.as_deref();
        let (category, auto) = match e.category {
            Some(c) => (c, false),
            None => (ExpenseCategory::from_note(note.unwrap_or("")), true),
        };
        let mut now = self.clock.now();
        let today = self.settings.tz.local_date(now);
        if let Some(day) = e.date.filter(|d| *d != today) {
            if day > today || day < today - chrono::Duration::days(366) {
                return Err(CoreError::invalid(
                    Field::Date,
                    Problem::OutOfRange {
                        value: day.to_string(),
                        min: (today - chrono::Duration::days(366)).to_string(),
                        max: today.to_string(),
                    },
                ));
            }
            // Booked at noon of that day in the shop's zone.
            now = self.settings.tz.start_of(day) + chrono::Duration::hours(12);
        }
        let at = stamp(now);
        let local_date = self.settings.tz.local_date(now).to_string();
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO expenses(occurred_at, local_date, category, amount, payment, note, actor)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                at,
                local_date,
                category.as_str(),
                d(amount),
                payment.as_str(),
                note,
                actor
            ],
        )?;
        let id = tx.last_insert_rowid();
        audit(
            &tx,
            &at,
            &actor,
            "expense.record",
            "expense",
            Some(id),
            &serde_json::json!({"amount": d(amount), "category": category.as_str()}),
        )?;
        tx.commit()?;
        Ok(Expense {
            expense_id: id,
            amount,
            category,
            auto_category: auto,
            payment,
            note: note.map(str::to_string),
            occurred_at: at,
            local_date,
        })
    }

    /// Expenses booked on local dates `from..=to`, oldest first.
    pub fn expenses(&self, from: &str, to: &str) -> Result<Vec<Expense>> {
        let mut st = self.conn.prepare(
            "SELECT id, amount, category, payment, note, occurred_at, local_date FROM expenses
             WHERE local_date BETWEEN ?1 AND ?2 ORDER BY id",
        )?;
        let rows = st.query_map(params![from, to], |r| {
            let cat: String = r.get(2)?;
            let pay: String = r.get(3)?;
            Ok(Expense {
                expense_id: r.get(0)?,
                amount: dec(r, 1)?,
                category: ExpenseCategory::parse(&cat).unwrap_or(ExpenseCategory::Other),
                auto_category: false,
                payment: Payment::parse(&pay).unwrap_or(Payment::Cash),
                note: r.get(4)?,
                occurred_at: r.get(5)?,
                local_date: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::ExpenseCategory as C;

    #[test]
    fn categorises_notes() {
        assert_eq!(C::from_note("bayar listrik token"), C::Utilities);
        assert_eq!(C::from_note("Sewa kios bulan Nov"), C::Rent);
        assert_eq!(C::from_note("gaji Ani minggu ini"), C::Salary);
        assert_eq!(C::from_note("bensin motor kulakan"), C::Transport);
        assert_eq!(C::from_note("beli plastik kresek"), C::Supplies);
        assert_eq!(C::from_note("retribusi pasar"), C::Fees);
        assert_eq!(C::from_note("sumbangan 17an"), C::Fees);
        assert_eq!(C::from_note("entah apa"), C::Other);
        assert_eq!(C::parse("gaji").unwrap(), C::Salary);
        assert!(C::parse("rokok").is_err());
    }
}
