//! The conversation: what the agent asked, how the next message answers it ("yang 5 kg",
//! "13rb", "iya", "batal", "tambah 2 lagi", "yang pulen"), taking back what was booked
//! ("batal yang tadi"), and which agent a fresh message goes to.

use super::act::{Action, CONFIRM_BELOW, Line, doc, title_case};

/// The line above a reply read with the online assistant's help.
const ASSISTED: &str = "(Dibaca dengan bantuan asisten online; periksa dulu sebelum mencatat.)";
use super::{ChatStatus, Outcome, Pending, Undo};
use crate::contacts::Contact;
use crate::db::Shop;
use crate::error::{Lang, Result};
use crate::money::{format_id, format_rupiah};
use pasar_intent::{Answer, Intent, answer};
use rusqlite::OptionalExtension;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the agent asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ask", content = "line", rename_all = "snake_case")]
pub enum Ask {
    /// Which goods (nothing named).
    Goods,
    /// Which product line `n` means.
    Product(usize),
    Quantity(usize),
    Price(usize),
    Amount,
    Contact,
    /// A payment from a name the shop does not know.
    UnknownContact,
    /// "Catat?" — iya or batal.
    Confirm,
}

/// A name without its title: "Bu Sri" → "sri".
pub(crate) fn bare(name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| w.trim_matches('.').to_lowercase())
        .collect();
    let start = words
        .iter()
        // The engine's titles, and the initials a stored name may start with ("A Ujang",
        // "H. Mamat") that running text never uses as titles.
        .position(|w| !(pasar_intent::honorific(w) || matches!(w.as_str(), "a" | "h")))
        .unwrap_or(0);
    words[start..].join(" ")
}

impl Shop {
    /// The contact a message names: the exact name first, then the same name with or
    /// without its title ("sri" finds "Bu Sri", "bu sri" finds "Sri") when only one fits.
    pub fn find_contact_named(&self, name: &str) -> Result<Option<Contact>> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        if let Some((id, _)) = crate::contacts::find_contact(&self.conn, name)? {
            return self.contact(id).map(Some);
        }
        let want = bare(name);
        // "bu budi" is not Pak Budi: a title of the other sex names someone else.
        let sex = title_sex(name);
        let mut same = self.contacts()?.into_iter().filter(|c| {
            bare(&c.name) == want
                && !matches!((sex, title_sex(&c.name)), (Some(a), Some(b)) if a != b)
        });
        match (same.next(), same.next()) {
            (Some(c), None) => Ok(Some(c)),
            _ => Ok(None),
        }
    }

    /// The question that asks for `ask`.
    pub(crate) fn question(&self, action: &Action, ask: Ask) -> String {
        let line = |i: usize| -> Option<&Line> {
            match action {
                Action::Sale { lines, .. } | Action::Purchase { lines, .. } => lines.get(i),
                Action::StockAdjust { line, .. } => Some(line),
                _ => None,
            }
        };
        let unit_of = |l: &Line| {
            l.unit.clone().or_else(|| {
                l.product_id
                    .and_then(|id| self.product(id).ok())
                    .map(|p| p.unit)
            })
        };
        let tail = "\n_(ketik *batal* untuk membatalkan)_";
        match ask {
            Ask::Goods => format!("Barang apa dan berapa banyak? (mis. *beras 5 kg*){tail}"),
            Ask::Product(i) => {
                let Some(l) = line(i).filter(|l| !l.words.trim().is_empty()) else {
                    return format!("Barang apa? (mis. *beras*){tail}");
                };
                if l.candidates.is_empty() {
                    format!(
                        "Produk *{}* belum ada di katalog. Tulis nama lain, atau tambahkan dulu di menu Produk.{tail}",
                        l.words
                    )
                } else {
                    let mut q = format!("*{}* yang mana?", l.words);
                    for (n, (id, name)) in l.candidates.iter().enumerate() {
                        let price = self
                            .product(*id)
                            .map(|p| format!(" — {}/{}", format_rupiah(p.price), p.unit))
                            .unwrap_or_default();
                        q.push_str(&format!("\n{}. {name}{price}", n + 1));
                    }
                    q.push_str("\nBalas nomor atau namanya.");
                    q.push_str(tail);
                    q
                }
            }
            Ask::Quantity(i) => {
                let l = line(i);
                let unit = l.and_then(unit_of).unwrap_or_default();
                // "5 liter beras": say which units it is sold in.
                let refused = l
                    .and_then(|l| Some((l.unit_refused.as_deref()?, l.product_id?)))
                    .and_then(|(u, id)| Some((u, self.product(id).ok()?)))
                    .map(|(u, p)| {
                        let mut units = vec![p.unit.clone()];
                        units.extend(p.units.iter().map(|x| x.unit.clone()));
                        format!(
                            "{} tidak dijual per {u} (dijual per {}). ",
                            p.name,
                            units.join(", ")
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "{refused}Berapa {} {}? (mis. *5 {}*){tail}",
                    unit,
                    l.map(Line::label).unwrap_or("barangnya"),
                    if unit.is_empty() { "kg" } else { &unit }
                )
                .replace("  ", " ")
            }
            Ask::Price(i) => {
                let l = line(i);
                let unit = l.and_then(unit_of).unwrap_or_default();
                let name = l.map(Line::label).unwrap_or("barangnya");
                // "2 kg beras @12rb total 30rb": say what disagrees, and how to answer with
                // the total instead.
                let (clash, tail) = match l.and_then(|l| Some((l.conflict?, l.qty?))) {
                    Some(((u, t), q)) => (
                        format!(
                            "{} {unit} × {} = {}, tapi totalnya ditulis {}. ",
                            format_id(q),
                            format_rupiah(u),
                            format_rupiah(crate::money::round_rupiah(u * q)),
                            format_rupiah(t)
                        )
                        .replace("  ", " "),
                        format!(
                            "\nAtau tulis totalnya (mis. *totalnya {}*).{tail}",
                            format_rupiah(t)
                        ),
                    ),
                    None => (String::new(), tail.to_string()),
                };
                if matches!(action, Action::Purchase { .. }) {
                    let last = l
                        .and_then(|l| l.product_id)
                        .and_then(|id| self.product(id).ok())
                        .filter(|p| p.cost > Decimal::ZERO)
                        .map(|p| {
                            format!(
                                " (modal rata-rata {}/{}; balas *iya* untuk memakainya)",
                                format_rupiah(crate::money::round_rupiah(p.cost)),
                                p.unit
                            )
                        })
                        .unwrap_or_default();
                    format!("{clash}Harga beli {name} per {unit} berapa?{last}{tail}")
                } else {
                    format!("{clash}Harga {name} per {unit} berapa?{tail}")
                }
            }
            Ask::Amount => match action {
                Action::DebtPayment { contact, .. } => {
                    let left = contact
                        .as_deref()
                        .and_then(|c| self.find_contact_named(c).ok().flatten())
                        .map(|c| format!(" (kasbon sekarang {})", format_rupiah(c.balance)))
                        .unwrap_or_default();
                    let who = contact
                        .as_deref()
                        .map(|c| format!(" *{c}*"))
                        .unwrap_or_default();
                    format!("Berapa yang dibayar{who}?{left}{tail}")
                }
                Action::Debt { contact, .. } => format!(
                    "Berapa kasbon {}?{tail}",
                    contact.as_deref().unwrap_or("nya")
                ),
                _ => format!("Berapa nominalnya? (mis. *50rb*){tail}"),
            },
            Ask::Contact => format!("Atas nama siapa? (mis. *bu Sri*){tail}"),
            Ask::UnknownContact => {
                let name = match action {
                    Action::DebtPayment { contact, .. } => contact.clone().unwrap_or_default(),
                    _ => String::new(),
                };
                let debtors: Vec<String> = self
                    .debts()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|d| d.balance > Decimal::ZERO)
                    .take(5)
                    .map(|d| d.contact)
                    .collect();
                let hint = if debtors.is_empty() {
                    String::new()
                } else {
                    format!("\nYang masih punya kasbon: {}.", debtors.join(", "))
                };
                format!("*{name}* tidak ada di kontak. Siapa namanya?{hint}{tail}")
            }
            Ask::Confirm => format!(
                "{}\n\nBalas *iya* untuk mencatat, atau *batal*.",
                self.summary(action)
            ),
        }
    }

    /// One message, with what the agent was waiting for.
    pub(crate) fn respond(
        &mut self,
        conv: &str,
        pending: Option<Pending>,
        text: &str,
        proposal: Option<&str>,
    ) -> Result<Outcome> {
        if text.is_empty() {
            return Ok(Outcome::says(
                Intent::Unknown,
                ChatStatus::NeedsClarification,
                "Pesannya kosong. Ketik *bantuan* untuk melihat contoh.",
            ));
        }
        let a = answer(text);
        let numbers = a.money.is_some() || a.quantity.is_some();
        if let Some(p) = pending {
            if (a.no || a.undo) && !numbers {
                return Ok(Outcome::says(
                    p.intent,
                    ChatStatus::Cancelled,
                    "Oke, tidak jadi. Tidak ada yang dicatat.",
                ));
            }
            if p.ask == Ask::Confirm && a.yes && !numbers {
                return self.advance(p.intent, p.action, true, true);
            }
            // A whole message of its own while a name is asked for ("siapa namanya?" →
            // "bu sri ngutang 60rb", "laporan hari ini"): not a name.
            let fresh = self.understand(text);
            let is_fresh = !matches!(fresh.intent, Intent::Unknown | Intent::Greeting)
                && fresh.confidence >= 0.6
                && !(a.yes || a.no);
            let takes_words = matches!(p.ask, Ask::Product(_) | Ask::Contact | Ask::UnknownContact);
            if let Some(action) = (!(takes_words && is_fresh))
                .then(|| self.fill(&p, &a))
                .transpose()?
                .flatten()
            {
                // A changed draft is shown again before it is written, and so is one that
                // was to be confirmed once complete.
                let changed = p.ask == Ask::Confirm || p.confirm;
                return self.advance(p.intent, action, changed, false);
            }
            // Not an answer: perhaps a new message. The draft is dropped, and said so.
            if is_fresh {
                let mut out = self.handle(conv, fresh, text)?;
                out.reply = format!("_(Yang tadi tidak dicatat.)_\n{}", out.reply);
                return Ok(out);
            }
            let mut out = self.asking(p.intent, p.action, p.ask);
            out.reply = format!("Maaf, jawabannya belum saya pahami.\n{}", out.reply);
            return Ok(out);
        }
        if a.undo {
            return self.undo_last(conv);
        }
        let cmd = self.understand(text);
        if a.more
            && a.quantity.is_some()
            && matches!(cmd.intent, Intent::Unknown | Intent::StockAdjust)
            && a.words.is_empty()
        {
            return self.more_of_last(conv, &a);
        }
        let mut refused = None;
        if let Some(json) = proposal.filter(|_| crate::intent::is_unsure(&cmd)) {
            match self.read_proposal(text, json) {
                Ok(proposed) if proposed.intent != Intent::Unknown => {
                    let mut out = self.handle(conv, proposed, text)?;
                    out.reply = format!("_{ASSISTED}_\n{}", out.reply);
                    out.assisted = true;
                    return Ok(out);
                }
                Ok(_) => {}
                Err(e) => refused = Some(e.to_string()),
            }
        }
        let mut out = self.handle(conv, cmd, text)?;
        out.assistant_error = refused;
        Ok(out)
    }

    /// A fresh message to the agent it is for.
    fn handle(&mut self, _conv: &str, cmd: pasar_intent::Command, text: &str) -> Result<Outcome> {
        if let Some(out) = self.reminder(&cmd, text)? {
            return Ok(out);
        }
        let writes = matches!(
            cmd.intent,
            Intent::Sale
                | Intent::Order
                | Intent::Purchase
                | Intent::Expense
                | Intent::Debt
                | Intent::DebtPayment
                | Intent::StockAdjust
        );
        if writes && cmd.negative {
            return Ok(Outcome::says(
                cmd.intent,
                ChatStatus::NeedsClarification,
                "Angka minus tidak dicatat. Untuk mengoreksi catatan, tulis *batal yang tadi*, \
                 atau buka layar *Transaksi*.",
            ));
        }
        // Several records in one message, one per line ("bu sri ngutang 60rb" / "jual 2 kg
        // beras"): read together they would make one wrong record.
        if writes && text.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
            let own = text
                .lines()
                .map(|l| self.understand(l))
                .filter(|c| !matches!(c.intent, Intent::Unknown | Intent::Greeting))
                .filter(|c| c.confidence >= 0.6)
                .count();
            if own > 1 {
                return Ok(Outcome::says(
                    cmd.intent,
                    ChatStatus::NeedsClarification,
                    "Pesan ini berisi beberapa catatan. Kirim satu per satu, ya — tidak ada yang \
                     dicatat.",
                ));
            }
        }
        // "joko bayar 50rb", "bayar sales indofood 200rb": someone in the books pays, or is
        // paid — a kasbon payment, not a shop expense.
        if cmd.intent == Intent::Expense
            && cmd.category.is_none_or(|c| c == "other")
            && let Some(c) = self.contact_in(text)?
        {
            let action = Action::DebtPayment {
                contact: Some(c.name),
                amount: cmd.amount,
                settle: false,
            };
            return self.advance(Intent::DebtPayment, action, true, false);
        }
        if let Some(action) = self.draft(&cmd, text) {
            let mut confirm = cmd.confidence < CONFIRM_BELOW || cmd.intent == Intent::Order;
            // "kemarin jual 2 kg beras": a sale is booked when it is recorded; say so first.
            let past = matches!(action, Action::Sale { .. } | Action::Purchase { .. })
                && cmd.date.is_some_and(|d| d != self.today());
            confirm |= past;
            let sticky = past || cmd.confidence < 0.6;
            let mut out = self.advance_with(cmd.intent, action, confirm, sticky, false)?;
            if past && out.status != ChatStatus::Applied {
                out.reply = format!(
                    "_(Dicatat dengan tanggal hari ini: penjualan dan pembelian tidak bisa \
                     dicatat mundur.)_\n{}",
                    out.reply
                );
            }
            return Ok(out);
        }
        self.query(&cmd, text)
    }

    /// The one contact with an open balance whose whole name (without its title) is in the
    /// text, if there is exactly one.
    fn contact_in(&self, text: &str) -> Result<Option<Contact>> {
        let words: Vec<String> = text
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let mut found = self.contacts()?.into_iter().filter(|c| {
            !c.balance.is_zero() && {
                // "Sales Indofood (Pak Herman)": the name before the remark in brackets.
                let name = bare(c.name.split('(').next().unwrap_or(&c.name));
                !name.is_empty()
                    && name
                        .split_whitespace()
                        .all(|n| words.iter().any(|w| w == n))
            }
        });
        Ok(match (found.next(), found.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        })
    }

    /// A draft with the answer to `p.ask` filled in, or None when the message does not
    /// answer it.
    fn fill(&self, p: &Pending, a: &Answer) -> Result<Option<Action>> {
        let mut action = p.action.clone();
        // A figure with other words ("bayar listrik 150rb", "telur pecah 2") is a message of
        // its own, not the quantity or price asked for.
        let bare_figure = a.words.is_empty();
        let filled = match (p.ask, &mut action) {
            (Ask::Quantity(_) | Ask::Price(_) | Ask::Amount | Ask::Confirm, _) if !bare_figure => {
                false
            }
            (Ask::Product(i), Action::Sale { lines, .. } | Action::Purchase { lines, .. }) => {
                lines.get_mut(i).is_some_and(|l| self.pick(l, a))
            }
            (Ask::Product(_), Action::StockAdjust { line, .. }) => self.pick(line, a),
            (Ask::Quantity(i), Action::Sale { lines, .. } | Action::Purchase { lines, .. }) => {
                lines.get_mut(i).is_some_and(|l| set_quantity(l, a))
            }
            (Ask::Quantity(_), Action::StockAdjust { line, .. }) => set_quantity(line, a),
            (Ask::Price(i), Action::Sale { lines, .. }) => {
                lines.get_mut(i).is_some_and(|l| set_price(l, a))
            }
            (Ask::Price(i), Action::Purchase { lines, .. }) => match lines.get_mut(i) {
                Some(l) if a.yes && a.money.is_none() => {
                    let cost = l
                        .product_id
                        .and_then(|id| self.product(id).ok())
                        .and_then(|p| {
                            let unit = crate::catalog::resolve_unit(&p, l.unit.as_deref()).ok()?;
                            Some(crate::money::round_rupiah(p.cost * unit.factor))
                        })
                        .filter(|c| *c > Decimal::ZERO);
                    l.unit_price = cost;
                    cost.is_some()
                }
                Some(l) => set_price(l, a),
                None => false,
            },
            (Ask::Amount, Action::Expense { amount, .. })
            | (Ask::Amount, Action::Debt { amount, .. })
            | (Ask::Amount, Action::DebtPayment { amount, .. }) => match a.money {
                Some(m) => {
                    *amount = Some(m);
                    true
                }
                None => false,
            },
            (Ask::Contact | Ask::UnknownContact, Action::Debt { contact, .. })
            | (Ask::Contact | Ask::UnknownContact, Action::DebtPayment { contact, .. }) => {
                if a.words.is_empty() || numbers_only(a) || a.yes || a.no {
                    false
                } else {
                    *contact = Some(title_case(&a.words));
                    true
                }
            }
            (Ask::Goods, _) => false,
            (Ask::Confirm, _) => self.correct(&mut action, a),
            _ => false,
        };
        Ok(filled.then_some(action))
    }

    /// Picks the product a reply names among the candidates ("2", "yang pulen"), or in the
    /// catalog.
    fn pick(&self, l: &mut Line, a: &Answer) -> bool {
        if a.words.is_empty()
            && let Some(n) = a.quantity
            && n >= Decimal::ONE
            && n.fract().is_zero()
            && let Some((id, name)) = usize::try_from(n.mantissa())
                .ok()
                .and_then(|n| l.candidates.get(n.wrapping_sub(1)))
        {
            l.product_id = Some(*id);
            l.name = Some(name.clone());
            return true;
        }
        if a.words.is_empty() || a.yes || a.no {
            return false;
        }
        let words: Vec<String> = a.words.split_whitespace().map(str::to_lowercase).collect();
        let fits: Vec<&(i64, String)> = l
            .candidates
            .iter()
            .filter(|(_, name)| {
                let name = name.to_lowercase();
                words.iter().all(|w| name.contains(w.as_str()))
            })
            .collect();
        if let [(id, name)] = fits.as_slice() {
            l.product_id = Some(*id);
            l.name = Some(name.clone());
            return true;
        }
        // Another name altogether: look it up as a fresh line would — unless the reply brings
        // figures of its own ("gula curah 3 kg 51rb"): that is another line, not this one's
        // name, and taking it would book the old quantity under the new name.
        if a.quantity.is_some() || a.money.is_some() {
            return false;
        }
        l.words = a.words.clone();
        l.candidates.clear();
        l.product_id = None;
        true
    }

    /// A change to a draft shown for confirmation: "harganya 13rb", "yang 3 kg", "tambah
    /// 2 lagi" (one line), or a new amount.
    fn correct(&self, action: &mut Action, a: &Answer) -> bool {
        match action {
            Action::Sale { lines, .. } | Action::Purchase { lines, .. } if lines.len() == 1 => {
                let l = &mut lines[0];
                let mut changed = false;
                if a.money.is_some() {
                    changed |= set_price(l, a);
                }
                if let Some(q) = a.quantity {
                    if a.more {
                        l.qty = Some(l.qty.unwrap_or_default() + q);
                    } else {
                        l.qty = Some(q);
                    }
                    if a.unit.is_some() {
                        l.unit = a.unit.clone();
                    }
                    l.inferred = false;
                    if l.unit_price.is_none() {
                        l.total = None;
                    }
                    changed = true;
                }
                changed
            }
            Action::Expense { amount, .. }
            | Action::Debt { amount, .. }
            | Action::DebtPayment { amount, .. } => match a.money {
                Some(m) => {
                    *amount = Some(m);
                    true
                }
                None => false,
            },
            Action::StockAdjust { line, .. } => set_quantity(line, a),
            _ => false,
        }
    }

    /// The newest message of this conversation whose write is not yet taken back, with its
    /// undo (JSON).
    fn last_undoable(&self, conv: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, undo FROM chat_messages WHERE conversation = ?1 AND undo IS NOT NULL
                   AND undone_by IS NULL ORDER BY id DESC LIMIT 1",
                [conv],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// "batal yang tadi": the newest write of this conversation not yet taken back.
    /// Only the newest write: a second "batal yang tadi" does not walk back through the
    /// conversation to something written long before (that is done from Transaksi).
    fn undo_last(&mut self, conv: &str) -> Result<Outcome> {
        let newest: Option<(i64, bool)> = self
            .conn
            .query_row(
                "SELECT id, undone_by IS NOT NULL FROM chat_messages
                  WHERE conversation = ?1 AND undo IS NOT NULL ORDER BY id DESC LIMIT 1",
                [conv],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match newest {
            Some((id, false)) => self.undo_message(id),
            Some((_, true)) => Ok(Outcome::says(
                Intent::Unknown,
                ChatStatus::Answered,
                "Catatan terakhir sudah dibatalkan. Catatan yang lebih lama dibatalkan dari \
                 layar *Transaksi*.",
            )),
            None => Ok(Outcome::says(
                Intent::Unknown,
                ChatStatus::Answered,
                "Tidak ada catatan dari percakapan ini yang bisa dibatalkan.",
            )),
        }
    }

    /// Takes back what message `id` wrote, by a reversing entry.
    pub(crate) fn undo_message(&mut self, id: i64) -> Result<Outcome> {
        let (undo, intent): (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT undo, intent FROM chat_messages WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let intent: Intent = intent
            .and_then(|i| serde_json::from_value(serde_json::Value::String(i)).ok())
            .unwrap_or(Intent::Unknown);
        let Some(undo) = undo.and_then(|u| serde_json::from_str::<Undo>(&u).ok()) else {
            return Ok(Outcome::says(
                intent,
                ChatStatus::Answered,
                "Catatan itu tidak bisa dibatalkan dari sini.",
            ));
        };
        let reason = "dibatalkan lewat chat";
        let done = match &undo {
            Undo::Sale { id } => self.void_sale(*id, reason).map(|s| {
                (
                    format!("Penjualan #{id} dibatalkan"),
                    doc("sale", s.sale_id),
                )
            }),
            Undo::Purchase { id } => self
                .void_purchase(*id, reason)
                .map(|r| (format!("Pembelian #{id} dibatalkan"), doc("purchase", r))),
            Undo::Expense { id } => self
                .void_expense(*id, reason)
                .map(|r| (format!("Pengeluaran #{id} dibatalkan"), doc("expense", r))),
            Undo::Debt { id } => self
                .reverse_debt_entry(*id, reason)
                .map(|r| ("Catatan kasbon dibatalkan".to_string(), doc("debt", r))),
            Undo::Stock { product_id, delta } => self
                .adjust_stock_entry(&format!("#{product_id}"), -*delta, reason)
                .map(|(p, r)| {
                    (
                        format!(
                            "Koreksi stok {} dibatalkan; stok sekarang {}",
                            p.name,
                            crate::money::format_qty(p.stock, &p.unit)
                        ),
                        doc("stock_adjust", r),
                    )
                }),
        };
        match done {
            Ok((what, document)) => {
                let mut out = Outcome::says(
                    intent,
                    ChatStatus::Undone,
                    format!("↩ {what} (dicatat sebagai pembatalan, bukan dihapus)."),
                );
                out.document = Some(document);
                out.undid = Some(id);
                Ok(out)
            }
            Err(e) if e.is_user_error() => Ok(Outcome::says(
                intent,
                ChatStatus::NeedsClarification,
                format!("✗ Tidak bisa dibatalkan: {}.", e.message(Lang::Id)),
            )),
            Err(e) => Err(e),
        }
    }

    /// "tambah 2 lagi" after a one-line sale: the same goods at the same price, once more.
    fn more_of_last(&mut self, conv: &str, a: &Answer) -> Result<Outcome> {
        let sale = self
            .last_undoable(conv)?
            .and_then(|(_, u)| serde_json::from_str::<Undo>(&u).ok())
            .and_then(|u| match u {
                Undo::Sale { id } => self.sale(id).ok(),
                _ => None,
            })
            .filter(|s| s.lines.len() == 1 && s.kind == "sale");
        let Some(sale) = sale else {
            return Ok(Outcome::says(
                Intent::Sale,
                ChatStatus::NeedsClarification,
                "Tambah apa? Tulis lengkap, mis. *jual 2 kg beras*.",
            ));
        };
        let l = &sale.lines[0];
        let same_unit = a.unit.as_deref().is_none_or(|u| {
            crate::units::canonical_unit(u) == crate::units::canonical_unit(&l.unit)
        });
        // At the same rate as before: a line that was a total ("3 kg 50rb", price rounded up
        // with a discount) scales its total, so twice the goods is twice the money to the
        // rupiah; in another unit ("tambah 1 karung") the catalog's price for that unit, shown
        // first.
        let (unit_price, total) = match a.quantity {
            Some(q) if same_unit && !l.discount.is_zero() && !l.qty.is_zero() => {
                (None, Some(crate::money::round_rupiah(l.total * q / l.qty)))
            }
            _ if same_unit => (Some(l.price), None),
            _ => (None, None),
        };
        let line = Line {
            words: l.product.clone(),
            product_id: Some(l.product_id),
            name: Some(l.product.clone()),
            qty: a.quantity,
            unit: a.unit.clone().or(Some(l.unit.clone())),
            unit_price,
            total,
            ..Line::default()
        };
        let action = Action::Sale {
            lines: vec![line],
            customer: sale.customer.clone(),
            kasbon: sale.payment == crate::sales::Payment::Kasbon,
        };
        self.advance(Intent::Sale, action, !same_unit, false)
    }
}

/// Whether a name's title says a woman (Some(true)) or a man (Some(false)); None without
/// one, or for titles used for both (kak, dek).
pub(crate) fn title_sex(name: &str) -> Option<bool> {
    let first = name.split_whitespace().next()?.to_lowercase();
    match first.as_str() {
        "bu" | "ibu" | "mbak" | "mba" | "teh" | "ceu" | "bi" | "bibi" | "tante" | "cik" | "ci"
        | "mak" | "neng" | "yu" | "nyai" | "nek" => Some(true),
        "pak" | "bapak" | "bpk" | "mas" | "aa" | "akang" | "kang" | "mang" | "om" | "koh"
        | "bang" | "abang" | "kek" => Some(false),
        _ => None,
    }
}

fn numbers_only(a: &Answer) -> bool {
    a.words.chars().all(|c| !c.is_alphabetic())
}

fn set_quantity(l: &mut Line, a: &Answer) -> bool {
    match a.quantity {
        Some(q) if q > Decimal::ZERO => {
            l.qty = Some(q);
            if a.unit.is_some() {
                l.unit = a.unit.clone();
            }
            l.inferred = false;
            l.unit_refused = None;
            true
        }
        _ => false,
    }
}

fn set_price(l: &mut Line, a: &Answer) -> bool {
    let Some(m) = a.money.or(a.quantity.filter(|_| a.unit.is_none())) else {
        return false;
    };
    if a.total {
        l.total = Some(m);
        l.unit_price = None;
    } else {
        l.unit_price = Some(m);
        l.total = None;
    }
    l.conflict = None;
    true
}

#[cfg(test)]
mod tests {
    use super::bare;

    #[test]
    fn names_without_titles() {
        assert_eq!(bare("Bu Sri"), "sri");
        assert_eq!(bare("pak rt"), "rt");
        assert_eq!(bare("Sri Wahyuni"), "sri wahyuni");
        assert_eq!(bare("Mas"), "mas");
    }
}
