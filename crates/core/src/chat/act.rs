//! What the finance and inventory agents write: a draft (`Action`) built from a parse, the
//! first thing it still lacks, whether it needs a "iya" first, and the write itself through
//! the shop's own functions.

use super::{Ask, ChatStatus, DocumentRef, Outcome, Pending, Undo};
use crate::catalog::resolve_unit;
use crate::db::Shop;
use crate::error::{CoreError, Lang, Result};
use crate::expenses::{ExpenseCategory, NewExpense};
use crate::money::{format_id, format_qty, format_rupiah, round_rupiah};
use crate::purchases::{NewPurchase, PurchaseLineInput};
use crate::sales::{NewSale, Payment, ProductRef, SaleLineInput};
use crate::stock::CountLine;
use crate::units::canonical_unit;
use chrono::NaiveDate;
use pasar_intent::{Adjust, Intent, Item};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Below this parse confidence a write asks first.
pub const CONFIRM_BELOW: f32 = 0.8;

/// One line of goods in a draft.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
pub struct Line {
    /// As written ("brs").
    pub words: String,
    pub product_id: Option<i64>,
    /// The catalog's name once known.
    pub name: Option<String>,
    /// Products the words could mean, when more than one.
    pub candidates: Vec<(i64, String)>,
    pub qty: Option<Decimal>,
    pub unit: Option<String>,
    pub unit_price: Option<Decimal>,
    pub total: Option<Decimal>,
    /// The quantity was worked out (total ÷ price), not written.
    #[serde(default)]
    pub inferred: bool,
    /// The stock on hand, when the line asks for more than that.
    #[serde(default)]
    pub short: Option<Decimal>,
    /// A price and a total that disagree (price, total as written), while the agent asks
    /// which one is right.
    #[serde(default)]
    pub conflict: Option<(Decimal, Decimal)>,
    /// A unit the product is not sold in ("5 liter beras"), while the agent asks again.
    #[serde(default)]
    pub unit_refused: Option<String>,
}

impl Line {
    fn from_item(i: &Item) -> Line {
        Line {
            words: i.product.clone(),
            product_id: i.product_id,
            name: i.product_name.clone(),
            candidates: Vec::new(),
            qty: i.quantity,
            unit: i.unit.clone(),
            unit_price: i.unit_price,
            total: i.total,
            inferred: false,
            short: None,
            conflict: None,
            unit_refused: None,
        }
    }

    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.words)
    }
}

/// A write the agent is putting together.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Sale {
        lines: Vec<Line>,
        customer: Option<String>,
        kasbon: bool,
    },
    Purchase {
        lines: Vec<Line>,
        supplier: Option<String>,
        kasbon: bool,
    },
    Expense {
        amount: Option<Decimal>,
        category: String,
        note: String,
        date: Option<NaiveDate>,
    },
    Debt {
        contact: Option<String>,
        amount: Option<Decimal>,
        note: String,
    },
    DebtPayment {
        contact: Option<String>,
        amount: Option<Decimal>,
        /// "lunas": the whole balance.
        settle: bool,
    },
    StockAdjust {
        line: Line,
        mode: Adjust,
    },
    /// Take back what chat message `message` wrote.
    Undo {
        message: i64,
        what: String,
    },
}

/// "bu sri" → "Bu Sri": how a new contact's name is written.
pub fn title_case(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn words_of(text: &str, any: &[&str]) -> bool {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| any.contains(&w))
}

/// Words that make a sale a kasbon sale.
const KASBON_WORDS: &[&str] = &[
    "kasbon",
    "ngutang",
    "utang",
    "hutang",
    "ngebon",
    "bon",
    "nyicil",
    "ngahutang",
    "tempo",
    "kredit",
];

/// Words that settle a whole balance.
const SETTLE_WORDS: &[&str] = &[
    "lunas",
    "lunasin",
    "melunasi",
    "pelunasan",
    "dilunasi",
    "lunasi",
];

impl Shop {
    /// A draft from a parsed message, or None when the intent writes nothing.
    pub(crate) fn draft(&self, cmd: &pasar_intent::Command, text: &str) -> Option<Action> {
        let contact = cmd.contact.as_deref().map(title_case);
        Some(match cmd.intent {
            Intent::Sale | Intent::Order => Action::Sale {
                lines: cmd.items.iter().map(Line::from_item).collect(),
                kasbon: contact.is_some() && words_of(text, KASBON_WORDS),
                customer: contact,
            },
            Intent::Purchase => Action::Purchase {
                lines: cmd.items.iter().map(Line::from_item).collect(),
                kasbon: contact.is_some() && words_of(text, KASBON_WORDS),
                supplier: contact,
            },
            Intent::Expense => Action::Expense {
                amount: cmd.amount,
                category: cmd.category.unwrap_or("other").to_string(),
                note: text.chars().take(200).collect(),
                date: cmd.date,
            },
            Intent::Debt
                if !cmd.goods.is_empty() && cmd.goods.iter().all(|g| g.product_id.is_some()) =>
            {
                // Goods taken on kasbon leave the shelf: a kasbon sale, priced by what the
                // message says the whole comes to when it names one amount.
                let mut lines: Vec<Line> = cmd.goods.iter().map(Line::from_item).collect();
                if let ([line], Some(amount)) = (lines.as_mut_slice(), cmd.amount)
                    && line.unit_price.is_none()
                {
                    line.total = Some(amount);
                }
                Action::Sale {
                    lines,
                    customer: contact,
                    kasbon: true,
                }
            }
            Intent::Debt => Action::Debt {
                contact,
                amount: cmd.amount,
                note: text.chars().take(200).collect(),
            },
            Intent::DebtPayment => Action::DebtPayment {
                contact,
                amount: cmd.amount,
                settle: cmd.amount.is_none() && words_of(text, SETTLE_WORDS),
            },
            Intent::StockAdjust => Action::StockAdjust {
                line: cmd.items.first().map(Line::from_item).unwrap_or_default(),
                mode: cmd.adjust.unwrap_or(Adjust::Set),
            },
            _ => return None,
        })
    }

    /// Moves a draft on: fills what the catalog knows, asks for the first thing missing,
    /// asks "catat?" when it must, and otherwise writes it.
    pub(crate) fn advance(
        &mut self,
        intent: Intent,
        action: Action,
        confirm: bool,
        confirmed: bool,
    ) -> Result<Outcome> {
        self.advance_with(intent, action, confirm, confirm, confirmed)
    }

    /// `advance`, where `sticky` says whether the wish to confirm outlives the questions
    /// asked first (a reading that was unsure or proposed from outside, not merely one that
    /// lacked what the questions supply).
    pub(crate) fn advance_with(
        &mut self,
        intent: Intent,
        mut action: Action,
        mut confirm: bool,
        sticky: bool,
        confirmed: bool,
    ) -> Result<Outcome> {
        if let Action::Undo { message, .. } = action {
            return self.undo_message(message);
        }
        let asked_before = confirm;
        let open = match self.complete(&mut action, &mut confirm) {
            Ok(open) => open,
            Err(e) if e.is_user_error() => {
                return Ok(Outcome::says(
                    intent,
                    ChatStatus::NeedsClarification,
                    format!("✗ Belum bisa dicatat: {}.", e.message(Lang::Id)),
                ));
            }
            Err(e) => return Err(e),
        };
        if let Some(ask) = open {
            let mut out = self.asking(intent, action, ask);
            if let Some(p) = out.pending.as_mut() {
                // A reason found while completing (a guess, a short shelf) always holds.
                p.confirm = (confirm && !asked_before) || (asked_before && sticky);
            }
            return Ok(out);
        }
        if confirm && !confirmed {
            return Ok(self.asking(intent, action, Ask::Confirm));
        }
        self.execute(intent, action)
    }

    /// Fills in what the catalog knows and returns the first question still open. Sets
    /// `confirm` when something was worked out rather than written.
    fn complete(&self, action: &mut Action, confirm: &mut bool) -> Result<Option<Ask>> {
        match action {
            Action::Sale {
                lines,
                customer,
                kasbon,
            } => {
                // Goods on kasbon for a name not in the contacts: a new debtor, shown first.
                if *kasbon
                    && let Some(c) = customer.as_deref()
                    && self.find_contact_named(c)?.is_none()
                {
                    *confirm = true;
                }
                self.complete_lines(lines, true, confirm)
            }
            Action::Purchase { lines, .. } => self.complete_lines(lines, false, confirm),
            Action::Expense { amount, .. } => Ok(amount.is_none().then_some(Ask::Amount)),
            Action::Debt {
                contact, amount, ..
            } => {
                if contact.is_none() {
                    return Ok(Some(Ask::Contact));
                }
                if amount.is_none() {
                    return Ok(Some(Ask::Amount));
                }
                if self
                    .find_contact_named(contact.as_deref().unwrap_or(""))?
                    .is_none()
                {
                    *confirm = true;
                }
                Ok(None)
            }
            Action::DebtPayment {
                contact,
                amount,
                settle,
            } => {
                let Some(name) = contact.as_deref() else {
                    return Ok(Some(Ask::Contact));
                };
                let Some(found) = self.find_contact_named(name)? else {
                    return Ok(Some(Ask::UnknownContact));
                };
                *contact = Some(found.name.clone());
                if amount.is_none() {
                    if *settle && found.balance > Decimal::ZERO {
                        *amount = Some(found.balance);
                        *confirm = true;
                    } else {
                        return Ok(Some(Ask::Amount));
                    }
                }
                Ok(None)
            }
            Action::StockAdjust { line, mode } => {
                if line.words.is_empty() && line.product_id.is_none() {
                    return Ok(Some(Ask::Goods));
                }
                if let Some(ask) = self.find_line_product(0, line)? {
                    return Ok(Some(ask));
                }
                if line.qty.is_none() {
                    return Ok(Some(Ask::Quantity(0)));
                }
                // A change larger than the shelf and than a hundred of the product's unit
                // ("stok telur jadi 999999999 kg") is more often a slip than a count.
                if let (Some(id), Some(q)) = (line.product_id, line.qty) {
                    let p = self.product(id)?;
                    let factor =
                        resolve_unit(&p, line.unit.as_deref()).map_or(Decimal::ONE, |u| u.factor);
                    let delta = match mode {
                        Adjust::Set => q * factor - p.stock,
                        Adjust::Add | Adjust::Remove => q * factor,
                    };
                    if delta.abs() > p.stock.abs().max(Decimal::from(100)) {
                        *confirm = true;
                    }
                }
                Ok(None)
            }
            Action::Undo { .. } => Ok(None),
        }
    }

    fn complete_lines(
        &self,
        lines: &mut [Line],
        sale: bool,
        confirm: &mut bool,
    ) -> Result<Option<Ask>> {
        if lines.is_empty() {
            return Ok(Some(Ask::Goods));
        }
        for (i, line) in lines.iter_mut().enumerate() {
            if let Some(ask) = self.complete_line(i, line, sale, confirm)? {
                return Ok(Some(ask));
            }
        }
        // The same goods on several lines ("20 kg beras, 20 kg beras"): more than the shelf
        // holds is judged on their sum, as on one line.
        if sale {
            let mut wanted: Vec<(i64, Decimal, usize)> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                let (Some(id), Some(q)) = (l.product_id, l.qty) else {
                    continue;
                };
                let p = self.product(id)?;
                let factor = resolve_unit(&p, l.unit.as_deref()).map_or(Decimal::ONE, |u| u.factor);
                match wanted.iter_mut().find(|w| w.0 == id) {
                    Some(w) => {
                        w.1 += q * factor;
                        w.2 = i;
                    }
                    None => wanted.push((id, q * factor, i)),
                }
            }
            for (id, total, last) in wanted {
                let p = self.product(id)?;
                if total > p.stock.max(Decimal::ZERO) {
                    *confirm = true;
                    lines[last].short = Some(p.stock);
                }
            }
        }
        Ok(None)
    }

    fn find_line_product(&self, i: usize, line: &mut Line) -> Result<Option<Ask>> {
        if line.product_id.is_some() {
            return Ok(None);
        }
        if line.candidates.is_empty() && !line.words.is_empty() {
            let found = self.search_products(&line.words, 5)?;
            if found.len() == 1 {
                line.product_id = Some(found[0].id);
                line.name = Some(found[0].name.clone());
                return Ok(None);
            }
            line.candidates = found.into_iter().map(|p| (p.id, p.name)).collect();
        }
        Ok(Some(Ask::Product(i)))
    }

    fn complete_line(
        &self,
        i: usize,
        line: &mut Line,
        sale: bool,
        confirm: &mut bool,
    ) -> Result<Option<Ask>> {
        if let Some(ask) = self.find_line_product(i, line)? {
            return Ok(Some(ask));
        }
        let Some(pid) = line.product_id else {
            return Ok(Some(Ask::Product(i)));
        };
        let p = self.product(pid)?;
        // A match by spelling alone ("rice" → So Nice), whoever made it, is shown first.
        if !line.words.trim().is_empty() && !names_fit(&p, &line.words) {
            *confirm = true;
        }
        line.name = Some(p.name.clone());
        // "2 biji indomie" where indomie is counted in bungkus: a piece is the product's
        // own unit, not an error.
        if let Some(u) = line.unit.as_deref()
            && resolve_unit(&p, Some(u)).is_err()
            && canonical_unit(u) == "pcs"
        {
            line.unit = None;
        }
        // A unit the product is not sold in: asked again in one it is, not an error.
        let Ok(unit) = resolve_unit(&p, line.unit.as_deref()) else {
            line.unit_refused = line.unit.take();
            line.qty = None;
            line.unit_price = None;
            line.inferred = false;
            return Ok(Some(Ask::Quantity(i)));
        };
        let catalog_price = if sale {
            unit.price
        } else {
            round_rupiah(p.cost * unit.factor)
        };
        if line.qty.is_none() {
            // "jual beras 60rb": the quantity the money buys, when it comes out exact.
            let per = line
                .unit_price
                .or((catalog_price > Decimal::ZERO).then_some(catalog_price));
            match (line.total, per) {
                (Some(total), Some(per)) if per > Decimal::ZERO => {
                    let q = (total / per).normalize();
                    if q.scale() <= crate::money::QTY_DECIMALS && q > Decimal::ZERO {
                        line.qty = Some(q);
                        line.inferred = true;
                        *confirm = true;
                    } else {
                        return Ok(Some(Ask::Quantity(i)));
                    }
                }
                _ => return Ok(Some(Ask::Quantity(i))),
            }
        }
        // "3 indomie @3.500 semua 10rb": a price and a total that disagree. Less than the
        // price comes to is a discount in a sale (shown, and asked first); anything else is a
        // slip only the user can settle.
        if let (Some(u), Some(t), Some(q)) = (line.unit_price, line.total, line.qty) {
            let full = round_rupiah(u * q);
            if full == t {
                line.total = None;
            } else if sale && t < full && t > Decimal::ZERO {
                *confirm = true;
            } else {
                line.conflict = Some((u, t));
                line.unit_price = None;
                line.total = None;
                return Ok(Some(Ask::Price(i)));
            }
        }
        if line.unit_price.is_none() && line.total.is_none() {
            if sale && catalog_price > Decimal::ZERO {
                line.unit_price = Some(catalog_price);
            } else {
                return Ok(Some(Ask::Price(i)));
            }
        }
        // More than the shelf holds is usually a slip ("500 kg" for 5), even where the shop
        // lets stock go below zero.
        if sale
            && let Some(q) = line.qty
            && q * unit.factor > p.stock.max(Decimal::ZERO)
        {
            *confirm = true;
            line.short = Some(p.stock);
        }
        // A price far from the catalog's is usually a slip ("@120rb" for 12rb a kilo).
        if sale && catalog_price > Decimal::ZERO {
            let per = match (line.unit_price, line.total, line.qty) {
                (Some(p), _, _) => Some(p),
                (None, Some(t), Some(q)) if q > Decimal::ZERO => Some(t / q),
                _ => None,
            };
            if let Some(per) = per
                && (per > catalog_price * Decimal::from(3)
                    || per * Decimal::from(3) < catalog_price)
            {
                *confirm = true;
            }
        }
        Ok(None)
    }

    /// The question for what a draft lacks, with the draft kept for the answer.
    pub(crate) fn asking(&self, intent: Intent, action: Action, ask: Ask) -> Outcome {
        let question = self.question(&action, ask);
        let status = if ask == Ask::Confirm {
            ChatStatus::NeedsConfirmation
        } else {
            ChatStatus::NeedsClarification
        };
        let mut out = Outcome::says(intent, status, question);
        out.pending = Some(Pending {
            intent,
            action,
            ask,
            confirm: false,
        });
        out
    }

    /// What the draft would write, in words ("5 kg Beras Pulen × Rp 12.000 = Rp 60.000").
    pub(crate) fn summary(&self, action: &Action) -> String {
        let line_text = |l: &Line| {
            let qty = l.qty.map(format_id).unwrap_or_else(|| "?".into());
            let unit = l.unit.clone().unwrap_or_else(|| {
                l.product_id
                    .and_then(|id| self.product(id).ok())
                    .map(|p| p.unit)
                    .unwrap_or_default()
            });
            let amount = match (l.unit_price, l.total, l.qty) {
                (Some(p), Some(t), Some(q)) => format!(
                    " × {} − potongan {} = {}",
                    format_rupiah(p),
                    format_rupiah(round_rupiah(p * q) - t),
                    format_rupiah(t)
                ),
                (_, Some(t), _) => format!(" = {}", format_rupiah(t)),
                (Some(p), None, Some(q)) => format!(
                    " × {} = {}",
                    format_rupiah(p),
                    format_rupiah(round_rupiah(p * q))
                ),
                (Some(p), None, None) => format!(" × {}", format_rupiah(p)),
                _ => String::new(),
            };
            let short = l
                .short
                .zip(l.product_id.and_then(|id| self.product(id).ok()))
                .map(|(s, p)| format!("\n  ⚠ stok {} hanya {}", p.name, format_qty(s, &p.unit)))
                .unwrap_or_default();
            format!("• {qty} {unit} {}{amount}{short}", l.label()).replace("  ", " ")
        };
        match action {
            Action::Sale {
                lines,
                customer,
                kasbon,
            } => {
                let who = match (customer, kasbon) {
                    (Some(c), true) => format!(" (kasbon *{c}*)"),
                    (Some(c), false) => format!(" untuk {c}"),
                    _ => String::new(),
                };
                let body: Vec<String> = lines.iter().map(line_text).collect();
                format!("Penjualan{who}:\n{}", body.join("\n"))
            }
            Action::Purchase {
                lines, supplier, ..
            } => {
                let who = supplier
                    .as_ref()
                    .map(|s| format!(" dari {s}"))
                    .unwrap_or_default();
                let body: Vec<String> = lines.iter().map(line_text).collect();
                format!("Pembelian{who}:\n{}", body.join("\n"))
            }
            Action::Expense {
                amount,
                category,
                date,
                ..
            } => {
                let cat = ExpenseCategory::parse(category)
                    .map(|c| c.label_id())
                    .unwrap_or("Lain-lain");
                let on = date
                    .filter(|d| *d != self.today())
                    .map(|d| format!(", tanggal {}", d.format("%d-%m-%Y")))
                    .unwrap_or_default();
                format!(
                    "Pengeluaran {cat} {}{on}",
                    amount.map(format_rupiah).unwrap_or_else(|| "?".into())
                )
            }
            Action::Debt {
                contact, amount, ..
            } => {
                let new = match contact.as_deref().map(|c| self.find_contact_named(c)) {
                    Some(Ok(None)) => " (kontak baru)",
                    _ => "",
                };
                format!(
                    "Kasbon *{}*{new} {}",
                    contact.as_deref().unwrap_or("?"),
                    amount.map(format_rupiah).unwrap_or_else(|| "?".into())
                )
            }
            Action::DebtPayment {
                contact, amount, ..
            } => format!(
                "Pembayaran kasbon *{}* {}",
                contact.as_deref().unwrap_or("?"),
                amount.map(format_rupiah).unwrap_or_else(|| "?".into())
            ),
            Action::StockAdjust { line, mode } => {
                let unit = line.unit.clone().unwrap_or_default();
                let qty = line.qty.map(|q| format_qty(q, &unit)).unwrap_or_default();
                match mode {
                    Adjust::Set => format!("Stok {} menjadi {qty}", line.label()),
                    Adjust::Add => format!("Stok {} ditambah {qty}", line.label()),
                    Adjust::Remove => {
                        format!("Stok {} dikurangi {qty} (rusak/hilang)", line.label())
                    }
                }
            }
            Action::Undo { what, .. } => format!("Batalkan {what}"),
        }
    }

    /// Writes a complete draft and says what was written.
    fn execute(&mut self, intent: Intent, action: Action) -> Result<Outcome> {
        match self.write(intent, &action) {
            Ok(out) => Ok(out),
            // The books refused it (not enough stock, overpaid, a unit the product lacks):
            // say why in the user's words; nothing was written.
            Err(e) if e.is_user_error() => Ok(Outcome::says(
                intent,
                ChatStatus::NeedsClarification,
                format!("✗ Tidak dicatat: {}.", e.message(Lang::Id)),
            )),
            Err(e) => Err(e),
        }
    }

    fn write(&mut self, intent: Intent, action: &Action) -> Result<Outcome> {
        match action {
            Action::Sale {
                lines,
                customer,
                kasbon,
            } => {
                let inputs = lines
                    .iter()
                    .map(sale_line)
                    .collect::<Option<Vec<_>>>()
                    .ok_or(CoreError::invalid(
                        crate::error::Field::Cart,
                        crate::error::Problem::Required,
                    ))?;
                let sale = self.record_sale(&NewSale {
                    lines: inputs,
                    payment: if *kasbon {
                        Payment::Kasbon
                    } else {
                        Payment::Cash
                    },
                    tendered: None,
                    customer: customer.clone(),
                    discount: Decimal::ZERO,
                    note: Some("chat".into()),
                    discount_percent: None,
                })?;
                let mut text = format!("✓ *Penjualan #{}* dicatat", sale.sale_id);
                if *kasbon {
                    text.push_str(" (kasbon)");
                }
                for l in &sale.lines {
                    text.push_str(&format!(
                        "\n• {} {} × {} = {}",
                        format_qty(l.qty, &l.unit),
                        l.product,
                        format_rupiah(l.price),
                        format_rupiah(l.total)
                    ));
                    if !l.discount.is_zero() {
                        text.push_str(&format!(" (potongan {})", format_rupiah(l.discount)));
                    }
                }
                text.push_str(&format!("\n*Total: {}*", format_rupiah(sale.total)));
                if let (true, Some(c)) = (*kasbon, customer)
                    && let Some(found) = self.find_contact_named(c)?
                {
                    text.push_str(&format!(
                        "\nKasbon {} sekarang *{}*",
                        found.name,
                        format_rupiah(found.balance)
                    ));
                }
                for a in &sale.low_stock {
                    text.push_str(&format!(
                        "\n⚠ Stok {} tinggal {}",
                        a.product,
                        format_qty(a.stock, &a.unit)
                    ));
                }
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("sale", sale.sale_id));
                out.undo = Some(Undo::Sale { id: sale.sale_id });
                out.low_stock = sale.low_stock;
                Ok(out)
            }
            Action::Purchase {
                lines,
                supplier,
                kasbon,
            } => {
                let inputs = lines
                    .iter()
                    .map(purchase_line)
                    .collect::<Option<Vec<_>>>()
                    .ok_or(CoreError::invalid(
                        crate::error::Field::PurchaseItems,
                        crate::error::Problem::Required,
                    ))?;
                let p = self.record_purchase(&NewPurchase {
                    lines: inputs,
                    supplier: supplier.clone(),
                    payment: if *kasbon {
                        Payment::Kasbon
                    } else {
                        Payment::Cash
                    },
                    note: Some("chat".into()),
                })?;
                let mut text = format!("✓ *Pembelian #{}* dicatat", p.purchase_id);
                if let Some(s) = supplier {
                    text.push_str(&format!(" dari {s}"));
                }
                for l in &p.lines {
                    text.push_str(&format!(
                        "\n• {} {} × {} = {} (stok sekarang {})",
                        format_qty(l.qty, &l.unit),
                        l.product,
                        format_rupiah(l.unit_cost),
                        format_rupiah(l.total),
                        format_qty(l.stock, &l.stock_unit)
                    ));
                }
                text.push_str(&format!("\n*Total: {}*", format_rupiah(p.total)));
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("purchase", p.purchase_id));
                out.undo = Some(Undo::Purchase { id: p.purchase_id });
                Ok(out)
            }
            Action::Expense {
                amount,
                category,
                note,
                date,
            } => {
                let e = self.record_expense(&NewExpense {
                    amount: amount.unwrap_or_default(),
                    category: ExpenseCategory::parse(category).ok(),
                    note: Some(note.clone()),
                    payment: None,
                    date: *date,
                })?;
                let on = if e.local_date != self.today().to_string() {
                    format!(" tanggal {}", e.local_date)
                } else {
                    String::new()
                };
                let text = format!(
                    "✓ *Pengeluaran #{}* dicatat{on}: {} — {}",
                    e.expense_id,
                    e.category.label_id(),
                    format_rupiah(e.amount)
                );
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("expense", e.expense_id));
                out.undo = Some(Undo::Expense { id: e.expense_id });
                Ok(out)
            }
            Action::Debt {
                contact,
                amount,
                note,
            } => {
                let name = contact.clone().unwrap_or_default();
                let name = self
                    .find_contact_named(&name)?
                    .map(|c| c.name)
                    .unwrap_or(name);
                let entry = self.add_debt(&name, amount.unwrap_or_default(), Some(note))?;
                let text = format!(
                    "Kasbon *{name}* +{} dicatat.\nTotal kasbon {name}: *{}*",
                    format_rupiah(entry.amount),
                    format_rupiah(entry.balance)
                );
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("debt", entry.id));
                out.undo = Some(Undo::Debt { id: entry.id });
                Ok(out)
            }
            Action::DebtPayment {
                contact, amount, ..
            } => {
                let name = contact.clone().unwrap_or_default();
                let entry = self.pay_debt(&name, amount.unwrap_or_default(), None)?;
                let left = if entry.balance.is_zero() {
                    "Kasbon *lunas*".to_string()
                } else {
                    format!("Sisa kasbon: *{}*", format_rupiah(entry.balance.abs()))
                };
                let text = format!(
                    "Pembayaran kasbon *{name}* {} dicatat.\n{left}",
                    format_rupiah(entry.amount.abs())
                );
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("debt_payment", entry.id));
                out.undo = Some(Undo::Debt { id: entry.id });
                Ok(out)
            }
            Action::StockAdjust { line, mode } => {
                let pid = line.product_id.unwrap_or_default();
                let p = self.product(pid)?;
                let unit =
                    resolve_unit(&p, line.unit.as_deref()).map_err(|e| e.for_product(&p.name))?;
                let qty = line.qty.unwrap_or_default() * unit.factor;
                let (id, delta, stock) = match mode {
                    Adjust::Set => {
                        let c = self.post_stock_count(
                            &[CountLine {
                                product: format!("#{pid}"),
                                counted: qty,
                                counted_at: None,
                            }],
                            Some("chat"),
                        )?;
                        let c = &c[0];
                        (c.id, c.difference, c.stock)
                    }
                    Adjust::Add | Adjust::Remove => {
                        let delta = if *mode == Adjust::Add { qty } else { -qty };
                        let reason = if *mode == Adjust::Add {
                            "tambah stok lewat chat"
                        } else {
                            "rusak/hilang (chat)"
                        };
                        let (after, id) =
                            self.adjust_stock_entry(&format!("#{pid}"), delta, reason)?;
                        (id, delta, after.stock)
                    }
                };
                let change = if delta.is_zero() {
                    "tidak berubah".to_string()
                } else if delta > Decimal::ZERO {
                    format!("+{}", format_qty(delta, &p.unit))
                } else {
                    format!("-{}", format_qty(-delta, &p.unit))
                };
                let text = format!(
                    "Stok *{}* sekarang {} ({change}).",
                    p.name,
                    format_qty(stock, &p.unit)
                );
                let mut out = Outcome::says(intent, ChatStatus::Applied, text);
                out.document = Some(doc("stock_adjust", id));
                if !delta.is_zero() {
                    out.undo = Some(Undo::Stock {
                        product_id: pid,
                        delta,
                    });
                }
                Ok(out)
            }
            Action::Undo { message, .. } => self.undo_message(*message),
        }
    }
}

pub(crate) fn doc(kind: &str, id: i64) -> DocumentRef {
    DocumentRef {
        kind: kind.into(),
        id,
    }
}

/// Whether every word written is the start of a word of the product's name, an alias, its
/// category or its code — a match a person would make, not one by spelling alone.
fn names_fit(p: &crate::catalog::Product, words: &str) -> bool {
    let mut known: Vec<String> = Vec::new();
    for text in std::iter::once(&p.name)
        .chain(&p.aliases)
        .chain(p.category.iter())
        .chain(p.sku.iter())
    {
        known.extend(
            text.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    words
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| {
            known
                .iter()
                .any(|k| k.starts_with(w) || w.starts_with(k.as_str()) && k.len() >= 3)
        })
}

/// A draft line as a sale line. A total that is not a whole price per unit becomes the
/// next whole price with the difference as the line's discount, so the line comes to the
/// rupiah the customer paid.
fn sale_line(l: &Line) -> Option<SaleLineInput> {
    let qty = l.qty?;
    let (price, discount) = match (l.unit_price, l.total) {
        // Both, after complete_line: the total is less, the difference a discount.
        (Some(p), Some(t)) => (Some(p), (round_rupiah(p * qty) - t).max(Decimal::ZERO)),
        (Some(p), None) => (Some(p), Decimal::ZERO),
        (None, Some(t)) if qty > Decimal::ZERO => {
            let per = t / qty;
            let whole = per.ceil();
            (
                Some(whole),
                (round_rupiah(whole * qty) - t).max(Decimal::ZERO),
            )
        }
        _ => (None, Decimal::ZERO),
    };
    Some(SaleLineInput {
        product: ProductRef::Id(l.product_id?),
        qty,
        unit: l.unit.clone(),
        price,
        discount,
        discount_percent: None,
    })
}

fn purchase_line(l: &Line) -> Option<PurchaseLineInput> {
    let qty = l.qty?;
    let (unit_cost, total) = match (l.unit_price, l.total) {
        (Some(p), _) => (Some(p), None),
        // "3 kg telur 100rb": the line is 100rb to the rupiah.
        (None, Some(t)) => (None, Some(t)),
        _ => (None, None),
    };
    Some(PurchaseLineInput {
        product: ProductRef::Id(l.product_id?),
        qty,
        unit: l.unit.clone(),
        unit_cost,
        total,
    })
}
