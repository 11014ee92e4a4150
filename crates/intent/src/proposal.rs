//! A command proposed from outside the rules — the optional online model's answer — read
//! strictly into the same `Command` the rules produce. Nothing in a proposal is trusted: the
//! intent, units, categories and periods must be the contract's own words, figures must be
//! plain positive decimals of sane size, names short text. A proposal that breaks any of this
//! is refused whole, never half-used. What it proposes is marked low-confidence, so anything
//! that would write money or stock is shown to the user and confirmed first.

use crate::{Command, Context, Intent, Item, Period, lexicon, resolve};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

/// The confidence given to every proposal: below any threshold at which an agent writes
/// without asking.
pub const PROPOSAL_CONFIDENCE: f32 = 0.5;

/// The contract's fields, as a proposal carries them (decimals as strings, as in
/// `pasar nlu --json`; numbers are accepted too, since models write them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Proposal {
    pub intent: String,
    pub items: Vec<ProposedItem>,
    pub amount: Option<Figure>,
    pub category: Option<String>,
    pub contact: Option<String>,
    pub period: Option<String>,
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProposedItem {
    pub product: String,
    pub quantity: Option<Figure>,
    pub unit: Option<String>,
    pub unit_price: Option<Figure>,
    pub total: Option<Figure>,
}

/// A decimal written as a string ("12000", "1.5") or as a JSON number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Figure {
    Text(String),
    Int(i64),
    Float(f64),
}

/// A model's answer without the Markdown code fence it may wrap JSON in ("```json … ```").
pub fn unfence(answer: &str) -> &str {
    let t = answer.trim();
    t.strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .map(|r| r.trim_end().trim_end_matches("```").trim())
        .unwrap_or(t)
}

/// Why a proposal was refused (English, for logs: the user never sees it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "proposal refused: {}", self.0)
    }
}

const MAX_MONEY: i64 = 1_000_000_000_000;
const MAX_QUANTITY: i64 = 1_000_000;
const MAX_ITEMS: usize = 50;

fn refuse<T>(why: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(why.into()))
}

fn figure(f: &Option<Figure>, what: &str, max: i64) -> Result<Option<Decimal>, Refused> {
    let Some(f) = f else { return Ok(None) };
    let d = match f {
        Figure::Text(s) => {
            let s = s.trim();
            // Plain decimals only: "12.000" or "12rb" in a proposal is not the contract.
            if s.is_empty()
                || !s.chars().all(|c| c.is_ascii_digit() || c == '.')
                || s.matches('.').count() > 1
            {
                return refuse(format!("{what} {s:?} is not a plain decimal"));
            }
            Decimal::from_str(s).map_err(|_| Refused(format!("{what} {s:?} is not a number")))?
        }
        Figure::Int(i) => Decimal::from(*i),
        Figure::Float(x) => Decimal::from_str(&x.to_string())
            .map_err(|_| Refused(format!("{what} {x} is not a number")))?,
    };
    if d <= Decimal::ZERO || d > Decimal::from(max) || d.scale() > 4 {
        return refuse(format!("{what} {d} is out of range"));
    }
    Ok(Some(d.normalize()))
}

fn text(s: &str, what: &str, max_chars: usize) -> Result<String, Refused> {
    let t = s.trim().to_lowercase();
    if t.chars().count() > max_chars || t.chars().any(char::is_control) {
        return refuse(format!("{what} is too long or has control characters"));
    }
    Ok(t)
}

/// A contract word read by the enum's own serde names (one list: the one `pasar nlu` writes).
fn named<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T, Refused> {
    use serde::de::IntoDeserializer;
    let d: serde::de::value::StrDeserializer<'_, serde::de::value::Error> = s.into_deserializer();
    T::deserialize(d).map_err(|_| Refused(format!("unknown {what} {s:?}")))
}

fn category(s: &str) -> Result<&'static str, Refused> {
    Ok(match s {
        "utilities" => "utilities",
        "rent" => "rent",
        "salary" => "salary",
        "transport" => "transport",
        "supplies" => "supplies",
        "fees" => "fees",
        "other" => "other",
        other => return refuse(format!("unknown category {other:?}")),
    })
}

impl Proposal {
    /// The proposal as a command, resolved against the catalog like a rules parse, or why
    /// it cannot be one.
    pub fn into_command(self, message: &str, ctx: &Context<'_>) -> Result<Command, Refused> {
        let intent: Intent = named(self.intent.trim(), "intent")?;
        if self.items.len() > MAX_ITEMS {
            return refuse("too many items");
        }
        let mut items = Vec::with_capacity(self.items.len());
        for it in &self.items {
            let product = text(&it.product, "product", 80)?;
            if product.is_empty() {
                return refuse("an item without a product");
            }
            let unit = match &it.unit {
                None => None,
                Some(u) => {
                    let u = text(u, "unit", 20)?;
                    // Normal units in the contract's spelling; others kept as written.
                    Some(match lexicon::unit(&u) {
                        Some((normal, size)) if size == Decimal::ONE => normal.to_string(),
                        Some(_) => return refuse(format!("unit {u:?} is not a normal unit")),
                        None if u.chars().all(char::is_alphabetic) && !u.is_empty() => u,
                        None => return refuse(format!("unit {u:?}")),
                    })
                }
            };
            items.push(Item {
                product,
                quantity: figure(&it.quantity, "quantity", MAX_QUANTITY)?,
                unit,
                unit_price: figure(&it.unit_price, "unit_price", MAX_MONEY)?,
                total: figure(&it.total, "total", MAX_MONEY)?,
                ..Default::default()
            });
        }
        let date = match self.date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => {
                let d = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Refused(format!("date {d:?}")))?;
                if (d - ctx.today).num_days().abs() > 366 {
                    return refuse(format!("date {d} is more than a year away"));
                }
                Some(d)
            }
        };
        let contact = match self.contact.as_deref() {
            None => None,
            Some(c) => Some(text(c, "contact", 60)?).filter(|c| !c.is_empty()),
        };
        let mut cmd = Command {
            intent,
            items,
            amount: figure(&self.amount, "amount", MAX_MONEY)?,
            category: self.category.as_deref().map(category).transpose()?,
            contact,
            period: self
                .period
                .as_deref()
                .map(|p| named::<Period>(p, "period"))
                .transpose()?,
            adjust: None,
            date,
            confidence: PROPOSAL_CONFIDENCE,
            clarification: None,
            goods: Vec::new(),
            negative: false,
        };
        // Fields the intent does not use are dropped, as the rules never set them.
        match intent {
            Intent::Sale | Intent::Purchase | Intent::Order => {
                cmd.amount = None;
                cmd.category = None;
                cmd.period = None;
                if cmd.items.is_empty() {
                    return refuse("a sale, purchase or order without items");
                }
            }
            Intent::StockQuery | Intent::PriceQuery | Intent::StockAdjust => {
                cmd.amount = None;
                cmd.category = None;
                cmd.date = None;
                if cmd.items.is_empty() {
                    return refuse("a stock or price message without items");
                }
                if intent == Intent::StockAdjust {
                    if cmd.items.iter().any(|i| i.quantity.is_none()) {
                        return refuse("a stock correction without a quantity");
                    }
                    // Set, add or remove, read from the message itself as the rules do.
                    let owned = crate::tokens(message);
                    let toks: Vec<&str> = owned.iter().map(String::as_str).collect();
                    cmd.adjust = Some(crate::adjust_kind(&toks));
                }
            }
            Intent::Expense => {
                cmd.items.clear();
                cmd.category.get_or_insert("other");
            }
            Intent::Debt | Intent::DebtPayment => {
                cmd.items.clear();
                cmd.category = None;
            }
            Intent::Report => {
                cmd.items.clear();
                cmd.period.get_or_insert(Period::Today);
            }
            Intent::DebtQuery | Intent::Greeting | Intent::Help | Intent::Unknown => {
                cmd.items.clear();
                cmd.amount = None;
                cmd.category = None;
                cmd.date = None;
            }
        }
        if let Some(cat) = ctx.catalog {
            resolve(&mut cmd.items, cat, intent);
        }
        Ok(cmd)
    }
}
