//! pasar-intent: shop talk in, a typed command out — offline, in microseconds. "jual 5 kg
//! beras @12rb", "bu Sri ngutang 60rb", "stok gula berapa", "laporan kemarin", in Indonesian,
//! Javanese and Sundanese, with the shorthand and slang of a market.
//!
//! Architecture invariant: no SQL, no I/O, no clock. The caller passes today's date and,
//! when it has one, a `Catalog` to resolve product names and prices (pasar-core implements it
//! over the shop's catalog). Never panics on any input (property-tested).

mod answer;
mod lexicon;
pub mod number;
mod period;
mod proposal;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use answer::{Answer, answer};
pub use lexicon::honorific;
pub use period::Period;
pub use proposal::{Figure, PROPOSAL_CONFIDENCE, Proposal, ProposedItem, Refused, unfence};

/// What a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Sale,
    Purchase,
    Expense,
    StockQuery,
    PriceQuery,
    StockAdjust,
    Report,
    Debt,
    DebtPayment,
    DebtQuery,
    Order,
    Greeting,
    Help,
    Unknown,
}

/// What a stock correction does with its quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjust {
    /// The stock now is the quantity ("stok beras sekarang 45 kg", "opname gula tinggal 12").
    Set,
    /// Found or brought in outside a purchase ("stok aqua tambah 3 dus").
    Add,
    /// Broken, spoiled, lost ("telur pecah 6 butir", "roti kadaluarsa 4 dibuang").
    Remove,
}

/// One line of goods in a message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Item {
    /// As written, lowercase ("beras", "mie sedaap").
    pub product: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "dec")]
    pub quantity: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "dec")]
    pub unit_price: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "dec")]
    pub total: Option<Decimal>,
    /// The catalog's product, when a catalog was given and the name is unambiguous.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<i64>,
    /// The catalog's name for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// The price was written bare (no @, per, total): the catalog may tell which it is.
    #[serde(skip)]
    pub bare_price: bool,
}

/// The parse of one message (the `pasar nlu --json` contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    pub intent: Intent,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "dec")]
    pub amount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// For a stock correction: set, add or remove.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjust: Option<Adjust>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    pub confidence: f32,
    /// A question to ask before acting, when the message leaves something open.
    pub clarification: Option<String>,
    /// Goods a kasbon message names ("bu Ani ngutang gula 2 kg 32rb"): not part of the
    /// contract's fields (a debt is an amount), but an agent books them as a kasbon sale.
    #[serde(skip)]
    pub goods: Vec<Item>,
    /// A figure was written with a minus sign: an agent books nothing from it.
    #[serde(skip)]
    pub negative: bool,
}

fn dec<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(d) => s.serialize_str(&d.normalize().to_string()),
        None => s.serialize_none(),
    }
}

/// A product the catalog knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownProduct {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub price: Decimal,
}

/// How the engine sees the shop's catalog (pasar-core implements it; tests use tables).
pub trait Catalog {
    /// The one product `words` names ("brs" → Beras Pulen), or None when none or several.
    fn product(&self, words: &str) -> Option<KnownProduct>;
}

/// What the engine knows besides the text.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The shop's today (for "kemarin", "tanggal 5").
    pub today: NaiveDate,
    pub catalog: Option<&'a dyn Catalog>,
}

impl<'a> Context<'a> {
    pub fn new(today: NaiveDate) -> Self {
        Context {
            today,
            catalog: None,
        }
    }

    pub fn with_catalog(today: NaiveDate, catalog: &'a dyn Catalog) -> Self {
        Context {
            today,
            catalog: Some(catalog),
        }
    }
}

/// The longest message read (a pasted stock list is not a chat message).
const MAX_CHARS: usize = 2_000;

/// Text as tokens: lowercase, emoji and decoration gone, "@12rb" → "@" "12rb", "5kg" → "5"
/// "kg", "44rb/kg" → "44rb" "/" "kg", a comma between items → ",", shorthand expanded.
fn tokens(text: &str) -> Vec<String> {
    let lower: String = text
        .chars()
        .take(MAX_CHARS)
        .collect::<String>()
        .to_lowercase()
        // "½ kg": the fraction signs as written digits.
        .replace('½', " 1/2")
        .replace('¼', " 1/4")
        .replace('¾', " 3/4");
    let chars: Vec<char> = lower.chars().collect();
    let mut spaced = String::with_capacity(lower.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let digit_around =
            prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
        match c {
            c if c.is_alphanumeric() => spaced.push(c),
            '.' | ',' if digit_around => spaced.push(c),
            ',' | ';' | '@' | '/' | '?' | '+' | '&' | ':' | '\n' => {
                spaced.push(' ');
                spaced.push(if c == '\n' { ',' } else { c });
                spaced.push(' ');
            }
            '-' if prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric) =>
            {
                spaced.push('-')
            }
            '\'' => spaced.push('\''),
            _ => spaced.push(' '),
        }
    }
    let mut out = Vec::new();
    for w in spaced.split_whitespace() {
        let w = w.trim_matches('\'');
        if w.is_empty() {
            continue;
        }
        // "5kg", "2btl", "1,5kg": a number glued to a unit.
        let split = w
            .char_indices()
            .find(|(_, c)| c.is_alphabetic())
            .map(|(i, _)| i)
            .filter(|&i| {
                i > 0
                    && w[..i]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            });
        // "600ml" stays one word: a size in a product's name (Aqua 600ml), not an amount sold.
        if let Some(i) = split
            && (lexicon::unit(&w[i..]).is_some() || w[i..] == *"x")
            && w[i..] != *"ml"
        {
            out.push(w[..i].to_string());
            out.push(w[i..].to_string());
            continue;
        }
        // "masing-masing", "kue-kue": reduplication is one word. "ongkir" → "ongkos kirim".
        out.extend(lexicon::expand(w).split(' ').map(str::to_string));
    }
    out
}

/// A person's name after a title ("bu sri", "pak haji budi"), or before a debt word.
fn contact(toks: &[&str], debt_context: bool) -> Option<(usize, usize)> {
    for (i, t) in toks.iter().enumerate() {
        // "teh" is tea, unless it is someone's title: "ka teh Euis", "ngutang teh Euis".
        // "teh imas hoyong pesen": first, with a wish or an order after the name.
        let to_someone = (i > 0
            && matches!(
                toks[i - 1],
                "ka" | "ke" | "ti" | "keur" | "ku" | "jeung" | "untuk" | "buat" | "dari" | "sama"
            ))
            || (i == 0
                && toks
                    .get(2)
                    .is_some_and(|w| lexicon::wanting(w) || lexicon::order_word(w)));
        if !lexicon::honorific(t) || (*t == "teh" && !debt_context && !to_someone) {
            continue;
        }
        let name_len = toks[i + 1..]
            .iter()
            .take(2)
            .take_while(|w| is_name_word(w))
            .count();
        if name_len > 0 {
            // A second word only when it is not the start of what follows ("bu sri gula").
            let len = if name_len == 2 && debt_context && !is_name_tail(toks.get(i + 3)) {
                1
            } else {
                name_len.min(if debt_context { 2 } else { 1 })
            };
            return Some((i, len + 1));
        }
    }
    None
}

/// Whether the word after a two-word name suggests the name ended at one word.
fn is_name_tail(next: Option<&&str>) -> bool {
    next.is_some_and(|w| {
        lexicon::debt_word(w) || lexicon::repay_word(w) || lexicon::pay_verb(w) || *w == ","
    })
}

fn is_name_word(w: &str) -> bool {
    w.chars().all(char::is_alphabetic)
        && w.chars().count() >= 2
        && !is_keyword(w)
        && lexicon::unit(w).is_none()
        && number::read(&[w]).is_none()
}

/// Words that carry meaning for the engine (never part of a product or a name).
fn is_keyword(w: &str) -> bool {
    lexicon::sale_verb(w)
        || lexicon::purchase_verb(w)
        || lexicon::pay_verb(w)
        || lexicon::debt_word(w)
        || lexicon::repay_word(w)
        || lexicon::stock_word(w)
        || lexicon::count_word(w)
        || lexicon::price_word(w)
        || lexicon::question_word(w)
        || lexicon::report_word(w)
        || lexicon::order_word(w)
        || lexicon::wanting(w)
        || lexicon::filler(w)
        || lexicon::joiner(w)
        || lexicon::per_unit_marker(w)
        || lexicon::total_marker(w)
        || lexicon::loss_word(w)
        || period::word(w)
        || matches!(
            w,
            "dari"
                | "ke"
                | "ka"
                | "keur"
                | "kepada"
                | "oleh"
                | "aku"
                | "saya"
                | "kula"
                | "abdi"
                | "gue"
                | "gw"
                | "kami"
                | "kita"
                | "belum"
                | "durung"
                | "dereng"
                | "acan"
                | "can"
                | "during"
                | "sudah"
                | "wis"
                | "uwis"
                | "wes"
                | "sampun"
                | "geus"
                | "parantos"
                | "atos"
                | "tidak"
                | "ora"
                | "mboten"
                | "teu"
                | "henteu"
                | "meh"
                | "ngapain"
                | "siapa"
                | "saja"
                | "apa"
                | "mana"
                | "daftar"
                | "list"
                | "semua"
                | "habis"
                | "menipis"
                | "hampir"
                | "kurang"
                | "mau"
                | "akan"
                | "lunas"
                | "tanggal"
                | "tgl"
                | "lalu"
                | "yang"
                | "toko"
                | "warung"
                | "kedai"
                | "lapak"
                | "barang"
                | "produk"
                | "item"
        )
}

/// How a figure in an item reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    PerUnit,
    Total,
    Bare,
}

/// Items of a message: quantities, units, products and prices, several per message.
fn items(toks: &[&str], intent: Intent) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut cur = Item::default();
    let mut words: Vec<&str> = Vec::new();
    let mut marker: Option<Marker> = None;
    let mut priced = false;
    // Where the last quantity was written (tokens), to tell "gas 3 kg 1 tabung" (a size in
    // the name, then the quantity) from "3 kg telur 2 kg terigu" (two items).
    let mut last_qty: Option<(usize, usize)> = None;
    // How many name words came before the current item's quantity ("telur 6 butir": 1), so
    // words after it ("pas bongkar") are a remark, not more of the name.
    let mut words_at_qty = 0usize;
    // Items that began as such a remark: dropped if nothing but words follows.
    let mut remarks: Vec<usize> = Vec::new();
    // Where in `words` a "dari"/"ke" came ("kulakan telur dari peternak:").
    let mut from_mark: Option<usize> = None;
    let from_word = |w: &str| matches!(w, "dari" | "ke" | "ka" | "saking" | "ti");
    let flush = |cur: &mut Item, words: &mut Vec<&str>, out: &mut Vec<Item>, priced: &mut bool| {
        // "telurnya", "minyaknya": the goods, not the possessive.
        cur.product = words
            .iter()
            .map(|w| match w.strip_suffix("nya") {
                Some(stem) if stem.chars().count() >= 4 => stem,
                _ => w,
            })
            .collect::<Vec<_>>()
            .join(" ");
        words.clear();
        *priced = false;
        let item = std::mem::take(cur);
        if !item.product.is_empty()
            || item.quantity.is_some()
            || item.unit_price.is_some()
            || item.total.is_some()
        {
            out.push(item);
        }
    };
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        // "belanja ke agen: aqua 5 dus": the words before a colon head the list; "kulakan
        // telur dari peternak: 15 peti": the goods before the "dari" stay.
        if t == ":" && cur.quantity.is_none() && !priced {
            words.truncate(from_mark.take().unwrap_or(0));
            i += 1;
            continue;
        }
        if from_word(t) {
            from_mark = Some(words.len());
        }
        // "stok beras di gudang", "cabe ning pasar": a place, not part of the goods.
        if matches!(t, "di" | "ning" | "nang" | "neng" | "dina" | "ing")
            && toks.get(i + 1).is_some_and(|n| {
                n.chars().all(char::is_alphabetic) && !is_keyword(n) && lexicon::unit(n).is_none()
            })
            && matches!(
                toks[i + 1],
                "gudang"
                    | "toko"
                    | "warung"
                    | "rumah"
                    | "pasar"
                    | "etalase"
                    | "rak"
                    | "kulkas"
                    | "lapak"
                    | "kios"
                    | "depan"
                    | "belakang"
                    | "dalam"
                    | "luar"
                    | "sawah"
                    | "kebon"
                    | "kebun"
                    | "omah"
                    | "imah"
            )
        {
            i += 2;
            continue;
        }
        // "5 biji jadi 17.500": what it came to, the line's total.
        if matches!(t, "jadi" | "dadi" | "janten" | "jadinya")
            && (cur.quantity.is_some() || out.last().is_some_and(|p| p.quantity.is_some()))
            && number::read(&toks[i + 1..]).is_some_and(|n| is_money(n, &toks[i + 1..]))
        {
            marker = Some(Marker::Total);
            i += 1;
            continue;
        }
        // "mas, pesen endog": a title alone is someone spoken to, not goods.
        if lexicon::honorific(t) && toks.get(i + 1).is_none_or(|n| *n == "," || *n == ":") {
            i += 1;
            continue;
        }
        if lexicon::joiner(t) && t != "tambah" {
            flush(&mut cur, &mut words, &mut out, &mut priced);
            marker = None;
            i += 1;
            continue;
        }
        if lexicon::total_marker(t) {
            marker = Some(Marker::Total);
            i += 1;
            continue;
        }
        if lexicon::price_word(t) {
            marker.get_or_insert(Marker::Bare);
            i += 1;
            continue;
        }
        if let Some((unit, size)) = lexicon::one_of(t) {
            let money_next =
                number::read(&toks[i + 1..]).is_some_and(|n| is_money(n, &toks[i + 1..]));
            // "gulo rong kilo, sekilo 17 ewu": the price of one for the line before.
            let after_line = words.is_empty()
                && out.last().is_some_and(|p| {
                    p.quantity.is_some() && p.unit_price.is_none() && p.total.is_none()
                });
            if cur.quantity.is_some() || priced || (after_line && money_next) {
                marker = Some(Marker::PerUnit);
            } else {
                // "sekilo 45 ewu": one kilo, and 45 ewu is its price.
                cur.quantity = Some(size);
                words_at_qty = words.len();
                cur.unit = Some(unit.to_string());
                if money_next {
                    marker = Some(Marker::PerUnit);
                }
            }
            i += 1;
            continue;
        }
        // "5 renteng x 12rb": times the price of one.
        let times_price = t == "x"
            && cur.quantity.is_some()
            && number::read(&toks[i + 1..]).is_some_and(|n| is_money(n, &toks[i + 1..]));
        if times_price || (lexicon::per_unit_marker(t) && !(t == "a" || t == "x")) {
            marker = Some(Marker::PerUnit);
            i += 1;
            continue;
        }
        if let Some(n) = number::read(&toks[i..]) {
            let after = &toks[i + n.len..];
            let unit_after = after.first().and_then(|u| lexicon::unit(u));
            // A size inside a name: "aqua 600 2 dus", "aqua 600 @4rb" — a plain figure of
            // 100 or more right after the name's words, with the quantity or the price next.
            if !n.money
                && n.len == 1
                && unit_after.is_none()
                && marker.is_none()
                && n.value >= Decimal::from(100)
                && n.value < Decimal::from(10_000)
                && n.value.fract().is_zero()
                && i > 0
                && words.last() == Some(&toks[i - 1])
                && after.first().is_some_and(|nx| {
                    *nx == "@"
                        || *nx == "x"
                        || lexicon::per_unit_marker(nx)
                        || number::read(after).is_some()
                })
            {
                words.push(t);
                i += 1;
                continue;
            }
            // A product word after a figure that already has its price starts the next item.
            if !n.money && unit_after.is_some() && marker.is_none() {
                match last_qty {
                    Some((s, e)) if e == i && !priced && !words.is_empty() => {
                        // The first size was part of the name.
                        words.extend(&toks[s..e]);
                    }
                    _ if cur.quantity.is_some() && (priced || !words.is_empty()) => {
                        flush(&mut cur, &mut words, &mut out, &mut priced);
                    }
                    _ => {}
                }
                last_qty = Some((i, i + n.len + 1));
                let (unit, size) = unit_after.unwrap_or(("pcs", Decimal::ONE));
                let (unit, size) = match lexicon::count_of(unit) {
                    Some(c) => ("pcs", c),
                    None => (unit, size),
                };
                cur.quantity = Some((n.value * size).normalize());
                cur.unit = Some(unit.to_string());
                words_at_qty = words.len();
                i += n.len + 1;
                continue;
            }
            let money = is_money(n, &toks[i..])
                || marker.is_some()
                || (cur.quantity.is_some() && n.value >= Decimal::from(100));
            if !money {
                if cur.quantity.is_some() && (priced || !words.is_empty()) {
                    flush(&mut cur, &mut words, &mut out, &mut priced);
                }
                if cur.quantity.is_none() {
                    cur.quantity = Some(n.value);
                    words_at_qty = words.len();
                }
                i += n.len;
                continue;
            }
            // A price: by its marker, or by what follows ("3rb per bungkus", "44rb/kg").
            let mut used = n.len;
            let mut how = marker.take().unwrap_or(Marker::Bare);
            if let Some(next) = after.first() {
                if (*next == "per" || *next == "/" || *next == "@")
                    && after.get(1).is_some_and(|u| {
                        lexicon::unit(u).is_some() || lexicon::one_of(u).is_some() || *u == "biji"
                    })
                {
                    how = Marker::PerUnit;
                    used += 2;
                } else if lexicon::one_of(next).is_some() || lexicon::per_unit_word(next) {
                    how = Marker::PerUnit;
                    used += 1;
                } else if lexicon::total_marker(next) && how != Marker::PerUnit {
                    // "12rb semua"; but "@12rb total 30rb" keeps its price and its total.
                    used += 1;
                    how = Marker::Total;
                }
            }
            if priced {
                // A second price with no product between: the next item's.
                flush(&mut cur, &mut words, &mut out, &mut priced);
            }
            match how {
                Marker::PerUnit => cur.unit_price = Some(n.value),
                Marker::Total => cur.total = Some(n.value),
                Marker::Bare => {
                    cur.bare_price = true;
                    match (intent, cur.quantity) {
                        (Intent::Sale | Intent::Order, Some(_)) => cur.unit_price = Some(n.value),
                        _ => cur.total = Some(n.value),
                    }
                }
            }
            priced = true;
            i += used;
            continue;
        }
        // A unit with no figure: "stok beras berapa karung" asks in karung; it names nothing.
        if lexicon::unit(t).is_some()
            && ((words.is_empty() && cur.quantity.is_none())
                || matches!(intent, Intent::StockQuery | Intent::PriceQuery))
        {
            i += 1;
            continue;
        }
        // "aqua 2 dus 90rb dari agen": where a priced line came from, not more goods.
        if priced && from_word(t) {
            i += 1;
            while i < toks.len()
                && toks[i] != ","
                && number::read(&toks[i..]).is_none()
                && !lexicon::sale_verb(toks[i])
            {
                i += 1;
            }
            continue;
        }
        if is_keyword(t) || t == "," || t == "?" || t == "/" {
            i += 1;
            continue;
        }
        if priced {
            flush(&mut cur, &mut words, &mut out, &mut priced);
        } else if cur.quantity.is_some() && words_at_qty > 0 && i > 0 && from_word(toks[i - 1]) {
            // "telur 10 kg dr agen @25.500": where it came from, not more goods.
            i += 1;
            continue;
        } else if cur.quantity.is_some() && words_at_qty > 0 && t.chars().any(char::is_alphanumeric)
        {
            // "telur 6 butir pas bongkar", "beras 5 kg gula 2 kg": the name came before
            // the quantity, so a word after it starts something else.
            flush(&mut cur, &mut words, &mut out, &mut priced);
            remarks.push(out.len());
        }
        if !t.chars().any(char::is_alphanumeric) {
            i += 1;
            continue;
        }
        words.push(t);
        i += 1;
    }
    flush(&mut cur, &mut words, &mut out, &mut priced);
    // "jual 3 kg telur dan 2 kg terigu, telur 27rb terigu 12rb": a price named by its product
    // belongs to that product's line.
    let mut merged: Vec<Item> = Vec::new();
    for (k, it) in out.into_iter().enumerate() {
        // A remark after a line ("pas bongkar"): nothing to book.
        if remarks.contains(&k)
            && it.quantity.is_none()
            && it.unit_price.is_none()
            && it.total.is_none()
        {
            continue;
        }
        // "cabai keriting, ternyata 25 kg": a quantity alone for the line before.
        if it.product.is_empty()
            && it.quantity.is_some()
            && it.unit_price.is_none()
            && it.total.is_none()
            && let Some(prev) = merged.last_mut()
            && !prev.product.is_empty()
            && prev.quantity.is_none()
        {
            prev.quantity = it.quantity;
            prev.unit = it.unit;
            continue;
        }
        let lone_price = it.quantity.is_none() && it.unit.is_none();
        if lone_price
            && let Some(prev) = merged.iter_mut().find(|p| {
                !it.product.is_empty()
                    && (p.product == it.product
                        || p.product.starts_with(&format!("{} ", it.product)))
                    && p.unit_price.is_none()
                    && p.total.is_none()
            })
        {
            match (intent, it.unit_price, it.total) {
                (_, Some(u), _) => prev.unit_price = Some(u),
                (Intent::Sale | Intent::Order, None, Some(t)) if prev.quantity.is_some() => {
                    prev.unit_price = Some(t)
                }
                (_, None, t) => prev.total = t,
            }
            continue;
        }
        // A price alone after a line: that line's ("beras 2 kg, 12rb sekilo", "15 peti @
        // 360rb, total 5,4jt").
        if it.product.is_empty()
            && it.quantity.is_none()
            && let Some(prev) = merged.last_mut()
            && prev.total.is_none()
            && (prev.unit_price.is_none() || (it.unit_price.is_none() && !it.bare_price))
        {
            if it.unit_price.is_some() {
                prev.unit_price = it.unit_price;
            }
            prev.total = it.total;
            // A bare figure in a sale is the price of one, as on its own line.
            if prev.unit_price.is_none()
                && it.bare_price
                && matches!(intent, Intent::Sale)
                && prev.quantity.is_some()
            {
                prev.unit_price = prev.total.take();
            }
            continue;
        }
        merged.push(it);
    }
    merged.retain(|it| !it.product.is_empty() || it.quantity.is_some());
    merged
}

/// Whether a figure is money as written: a thousands word, "Rp", slang, or a round figure of
/// a thousand or more.
fn is_money(n: number::Num, toks: &[&str]) -> bool {
    n.money || n.value >= Decimal::from(1000) || toks.first().is_some_and(|t| t.starts_with("rp"))
}

/// The amount of a message that names one (an expense, a debt): its largest money figure.
fn amount(toks: &[&str]) -> Option<Decimal> {
    let mut best: Option<Decimal> = None;
    let mut i = 0;
    while i < toks.len() {
        if let Some(n) = number::read(&toks[i..]) {
            let unit_after = toks
                .get(i + n.len)
                .is_some_and(|u| lexicon::unit(u).is_some());
            if is_money(n, &toks[i..]) && !unit_after {
                best = Some(best.map_or(n.value, |b| b.max(n.value)));
            }
            i += n.len;
        } else {
            i += 1;
        }
    }
    best
}

fn has(toks: &[&str], f: fn(&str) -> bool) -> bool {
    toks.iter().any(|t| f(t))
}

/// Whether a message thanks ("makasih ya", "matur nuwun", "hatur nuhun").
pub fn thanks(text: &str) -> bool {
    let toks = tokens(text);
    toks.iter().any(|w| lexicon::thanks(w)) || toks.windows(2).any(|w| w == ["terima", "kasih"])
}

/// Reads one message.
pub fn parse(text: &str, ctx: &Context<'_>) -> Command {
    let owned = tokens(text);
    let all: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (period, date, spans) = period::find(&all, ctx.today);
    // Period words are not products or names.
    let toks: Vec<&str> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !spans.contains(i))
        .map(|(_, t)| *t)
        .collect();
    let mut cmd = Command {
        intent: Intent::Unknown,
        items: Vec::new(),
        amount: None,
        category: None,
        contact: None,
        period: None,
        adjust: None,
        date: None,
        confidence: 0.0,
        clarification: None,
        goods: Vec::new(),
        negative: false,
    };
    if !toks.iter().any(|t| t.chars().any(char::is_alphanumeric)) {
        cmd.confidence = 0.2;
        return cmd;
    }
    let money = amount(&toks);
    let question = has(&toks, lexicon::question_word)
        || toks.contains(&"?")
        || toks.windows(2).any(|w| w == ["ada", "apa"]);
    // "belum lunas", "blm bayar", "durung nyaur": still owed.
    let unpaid = toks.windows(2).any(|w| {
        matches!(
            w[0],
            "belum" | "durung" | "dereng" | "acan" | "can" | "tidak"
        ) && (matches!(
            w[1],
            "lunas" | "dibayar" | "bayar" | "nyaur" | "mbayar" | "mayar"
        ))
    });
    let debt = has(&toks, lexicon::debt_word) || unpaid;
    let repay = has(&toks, lexicon::repay_word);
    let pay = has(&toks, lexicon::pay_verb);
    // "harga jual beras brp", "rego kulak gula": the verb names which price is asked.
    let deed = |f: fn(&str) -> bool| {
        toks.iter()
            .enumerate()
            .any(|(i, w)| f(w) && !(i > 0 && lexicon::price_word(toks[i - 1])))
    };
    // "kirim ke toko sinar jaya: beras 3 karung @345rb": a supplier's delivery is a sale.
    let sale = deed(lexicon::sale_verb)
        || toks.windows(2).any(|w| {
            matches!(w[0], "kirim" | "ngirim" | "kirimin" | "ngirimi")
                && matches!(w[1], "ke" | "ka")
        });
    let purchase = deed(lexicon::purchase_verb);
    let stock = has(&toks, |w| lexicon::stock_word(w) && w != "ada");
    let count = has(&toks, lexicon::count_word);
    let price = has(&toks, lexicon::price_word);
    let report = has(&toks, lexicon::report_word);
    // "abis opname, stok aqua 14 dus": first, or before the count, "habis" means "after".
    let running_out = toks.iter().enumerate().any(|(i, w)| {
        matches!(
            *w,
            "habis" | "menipis" | "abis" | "entek" | "seep" | "limit"
        ) && !(matches!(*w, "habis" | "abis")
            && (i == 0 || toks.get(i + 1).is_some_and(|n| lexicon::count_word(n))))
    });
    // "servis motor": the vehicle names the category before the generic "other" word.
    let category = toks
        .iter()
        .filter_map(|w| lexicon::expense_category(w))
        .find(|c| *c != "other")
        .or_else(|| toks.iter().find_map(|w| lexicon::expense_category(w)));
    let first_reading = items(&toks, Intent::Sale);
    let has_quantity = first_reading
        .iter()
        .any(|i| i.quantity.is_some() && !i.product.is_empty());
    // The most of one thing the message counts ("10 tabung").
    let counted = first_reading
        .iter()
        .filter_map(|i| i.quantity)
        .max()
        .unwrap_or_default();
    // "pesen", "order", "titip" order by themselves; "pengen", "minta" only with a quantity
    // ("pengen libur" is a wish, not an order).
    let order = toks
        .iter()
        .any(|w| lexicon::order_word(w) && !matches!(*w, "pengen" | "pengin" | "minta" | "pingin"))
        || (has(&toks, lexicon::order_word) && has_quantity)
        || toks
            .windows(2)
            .any(|w| lexicon::wanting(w[0]) && (lexicon::purchase_verb(w[1]) || w[1] == "ambil"));
    let words: Vec<&str> = toks
        .iter()
        .copied()
        .filter(|w| !lexicon::filler(w) && !lexicon::honorific(w) && *w != ",")
        .collect();
    // "pagi bu", "selamat sore": a greeting; "hujan dari pagi": a time of day.
    let greeting = toks.windows(2).any(|w| w == ["terima", "kasih"])
        || toks.iter().enumerate().any(|(i, w)| {
            lexicon::greeting(w)
                && (!matches!(
                    *w,
                    "pagi" | "siang" | "sore" | "malam" | "enjing" | "sonten" | "dalu"
                ) || i == 0
                    || matches!(toks[i - 1], "selamat" | "met" | "sugeng" | "wilujeng"))
        });
    // "masih ada?", "isih ono ora?", "aya keneh teu?", "ready ga?": is it on the shelf.
    let exists = |w: &str| matches!(w, "ada" | "ana" | "aya" | "ono" | "wonten");
    let available = toks.windows(2).any(|w| {
        (matches!(w[0], "masih" | "msh" | "isih" | "isik" | "tesih" | "tacan") && exists(w[1]))
            || (exists(w[0])
                && matches!(
                    w[1],
                    "keneh" | "kenging" | "ora" | "teu" | "mboten" | "tidak" | "nggak" | "lagi"
                ))
    }) || (toks
        .iter()
        .any(|w| matches!(*w, "ready" | "redi" | "tersedia" | "kosong"))
        && (question || toks.contains(&"tidak")));
    // "sekilo berapa?", "sebungkus brp": the price of one.
    let price_of_one = question && toks.iter().any(|w| lexicon::one_of(w).is_some());
    let help_asked = toks.iter().any(|w| {
        matches!(
            *w,
            "cara"
                | "caranya"
                | "bantuan"
                | "help"
                | "panduan"
                | "tutorial"
                | "menu"
                | "fitur"
                | "perintah"
                | "perintahnya"
                | "bingung"
                | "carana"
                | "carane"
                | "caranipun"
                | "fungsi"
                | "kegunaan"
        )
    }) || toks.windows(2).any(|w| {
        (matches!(w[0], "bisa" | "iso" | "bisa2" | "tiasa")
            && matches!(w[1], "apa" | "ngapain" | "opo" | "naon"))
            || (w[0] == "tidak" && matches!(w[1], "ngerti" | "paham" | "mudeng" | "ngarti"))
    }) || (toks
        .iter()
        .any(|w| matches!(*w, "gimana" | "bagaimana" | "piye" | "kumaha" | "kepriye"))
        && toks.iter().any(|w| {
            matches!(
                *w,
                "catat"
                    | "mencatat"
                    | "nyatet"
                    | "pakai"
                    | "pake"
                    | "input"
                    | "masukin"
                    | "memakai"
                    | "menggunakan"
                    | "aplikasi"
                    | "app"
            )
        }));

    // "iki iso digawe opo wae?", "aplikasi ini bisa apa": what the app itself can do.
    let about_app = toks.iter().any(|w| {
        matches!(
            *w,
            "bisa"
                | "iso"
                | "isa"
                | "tiasa"
                | "dipake"
                | "dipakai"
                | "digawe"
                | "dianggo"
                | "kegunaannya"
        )
    }) && toks
        .iter()
        .any(|w| matches!(*w, "apa" | "opo" | "naon" | "ngapain"))
        && toks.iter().all(|w| {
            is_keyword(w)
                || lexicon::greeting(w)
                || matches!(
                    *w,
                    "aplikasi"
                        | "app"
                        | "apk"
                        | "bot"
                        | "kamu"
                        | "anda"
                        | "sampeyan"
                        | "maneh"
                        | "digawe"
                        | "dipake"
                        | "dipakai"
                        | "dianggo"
                        | "iso"
                        | "isa"
                        | "tiasa"
                        | "?"
                        | ","
                        | "aku"
                        | "saya"
                )
        });
    let (intent, confidence) = if (help_asked || about_app) && money.is_none() {
        (Intent::Help, 0.9)
    } else if debt
        && (question
            || running_out
            || toks
                .iter()
                .any(|w| matches!(*w, "belum" | "durung" | "dereng" | "acan"))
            || toks.contains(&"daftar")
            || toks.contains(&"list")
            || toks.contains(&"siapa"))
        && money.is_none()
    {
        (Intent::DebtQuery, 0.92)
    } else if (repay || (pay && debt)) && !unpaid {
        (
            Intent::DebtPayment,
            if money.is_some() { 0.95 } else { 0.75 },
        )
    } else if debt && (money.is_some() || contact(&toks, true).is_some()) {
        (Intent::Debt, if money.is_some() { 0.95 } else { 0.7 })
    } else if report && !has_quantity && !(pay && category.is_some()) {
        (Intent::Report, 0.95)
    } else if (sale || purchase || pay)
        && question
        && !has_quantity
        && period.is_some()
        && money.is_none()
    {
        // "pengeluaran bulan ini brp", "jualan kemarin berapa": a period's figure.
        (Intent::Report, 0.85)
    } else if (stock && (question || running_out))
        || (running_out && question)
        || (available && money.is_none() && !sale && !purchase)
    {
        (Intent::StockQuery, 0.93)
    } else if (stock || count || has(&toks, lexicon::loss_word))
        && has_quantity
        && !sale
        && !purchase
        && money.is_none()
    {
        (Intent::StockAdjust, 0.9)
    } else if (price && (question || money.is_none()) || (price_of_one && money.is_none()))
        && !sale
        && !purchase
    {
        (Intent::PriceQuery, 0.9)
    } else if order && !sale {
        (Intent::Order, 0.9)
    } else if sale {
        (Intent::Sale, 0.95)
    } else if (purchase || pay)
        && category.is_some()
        && !has_known_goods(&toks)
        && !(purchase && category == Some("utilities") && counted > Decimal::ONE)
    {
        // "beli token 100rb" is a cost; "tuku gas 10 tabung @19 ewu" is stock to sell.
        (Intent::Expense, 0.9)
    } else if purchase {
        (Intent::Purchase, 0.93)
    } else if pay && category.is_none() && contact(&toks, true).is_some() {
        // "bu Sri bayar 20rb", "bayar ke pak Budi 200rb": money between the shop and a
        // person, not a cost of running it.
        (
            Intent::DebtPayment,
            if money.is_some() { 0.85 } else { 0.7 },
        )
    } else if pay && money.is_some() {
        (Intent::Expense, 0.8)
    } else if category.is_some() && money.is_some() {
        (Intent::Expense, 0.85)
    } else if stock && !words.is_empty() {
        (Intent::StockQuery, 0.7)
    } else if has_quantity && money.is_some() {
        (Intent::Sale, 0.6)
    } else if greeting && words.len() <= 4 {
        (Intent::Greeting, 0.95)
    } else if words
        .iter()
        .all(|w| lexicon::greeting(w) || lexicon::honorific(w))
        && !words.is_empty()
    {
        (Intent::Greeting, 0.8)
    } else {
        (Intent::Unknown, 0.3)
    };
    cmd.intent = intent;
    cmd.confidence = confidence;
    let debt_context = matches!(
        intent,
        Intent::Debt | Intent::DebtPayment | Intent::DebtQuery
    );
    let found = contact(&toks, debt_context)
        .or_else(|| business(&toks))
        .or_else(|| if debt_context { bare_name(&toks) } else { None })
        .or_else(|| {
            if intent == Intent::Purchase {
                supplier(&toks)
            } else {
                None
            }
        });
    let goods_toks: Vec<&str> = match found {
        Some((at, len)) => {
            cmd.contact = Some(toks[at..at + len].join(" "));
            // "dari bu tini", "ke pak budi": the joining word goes with the name.
            let from = if at > 0
                && matches!(
                    toks[at - 1],
                    "dari"
                        | "ke"
                        | "ka"
                        | "saking"
                        | "kepada"
                        | "sama"
                        | "untuk"
                        | "buat"
                        | "ti"
                        | "saka"
                        | "teka"
                        | "keur"
                ) {
                at - 1
            } else {
                at
            };
            toks[..from]
                .iter()
                .chain(&toks[at + len..])
                .copied()
                .collect()
        }
        None => toks.clone(),
    };
    match intent {
        Intent::Sale | Intent::Purchase | Intent::Order => {
            cmd.items = items(&goods_toks, intent);
            cmd.date = date;
            if let Some(cat) = ctx.catalog {
                resolve(&mut cmd.items, cat, intent);
            }
            if cmd.items.is_empty() {
                cmd.confidence = 0.5;
                cmd.clarification = Some("Barang apa dan berapa banyak?".into());
            } else if intent != Intent::Order
                && cmd.items.iter().any(|i| {
                    // A product the catalog knows has its price there (for a sale).
                    let priced = intent == Intent::Sale && i.product_id.is_some();
                    i.unit_price.is_none() && i.total.is_none() && !priced
                })
            {
                cmd.confidence = cmd.confidence.min(0.7);
                cmd.clarification = Some("Berapa harganya?".into());
            }
            if intent == Intent::Sale && !sale {
                cmd.clarification
                    .get_or_insert_with(|| "Ini penjualan?".into());
            }
        }
        Intent::StockQuery | Intent::PriceQuery => {
            // "beras isih ono ora?": the words asking whether it is there are not its name.
            let goods_toks: Vec<&str> = goods_toks
                .into_iter()
                .filter(|w| {
                    !matches!(
                        *w,
                        "ada" | "ana" | "ono" | "aya" | "wonten" | "keneh" | "kenging"
                    )
                })
                .collect();
            cmd.items = items(&goods_toks, intent)
                .into_iter()
                .filter(|i| !i.product.is_empty())
                .map(|i| Item {
                    product: i.product,
                    ..Default::default()
                })
                .collect();
            if let Some(cat) = ctx.catalog {
                resolve(&mut cmd.items, cat, intent);
            }
        }
        Intent::StockAdjust => {
            cmd.items = items(&goods_toks, intent)
                .into_iter()
                .map(|i| Item {
                    unit_price: None,
                    total: None,
                    ..i
                })
                .collect();
            // "habis opname gudang, beras 42 karung": words with no count set nothing.
            if cmd.items.iter().any(|i| i.quantity.is_some()) {
                cmd.items.retain(|i| i.quantity.is_some());
            }
            if let Some(cat) = ctx.catalog {
                resolve(&mut cmd.items, cat, intent);
            }
            cmd.adjust = Some(adjust_kind(&toks));
        }
        Intent::Expense => {
            cmd.amount = money;
            cmd.category = Some(category.unwrap_or("other"));
            cmd.date = date;
            if money.is_none() {
                cmd.clarification = Some("Berapa jumlahnya?".into());
                cmd.confidence = 0.6;
            }
        }
        Intent::Debt | Intent::DebtPayment => {
            if intent == Intent::Debt {
                cmd.goods = items(&goods_toks, Intent::Sale)
                    .into_iter()
                    .filter(|i| !i.product.is_empty() && i.quantity.is_some())
                    .collect();
                if let Some(cat) = ctx.catalog {
                    resolve(&mut cmd.goods, cat, Intent::Sale);
                }
            }
            cmd.amount = money;
            cmd.date = date;
            if cmd.contact.is_none() {
                cmd.clarification = Some("Atas nama siapa?".into());
                cmd.confidence = cmd.confidence.min(0.6);
            } else if money.is_none() && intent == Intent::Debt {
                cmd.clarification = Some("Berapa jumlahnya?".into());
            }
        }
        Intent::DebtQuery => {}
        // "laporan tanggal 20", "rekap 20/11": that day's report.
        Intent::Report => match (period, date.or_else(|| period::slash_date(&all, ctx.today))) {
            (None, Some(d)) => cmd.date = Some(d),
            (p, _) => cmd.period = Some(p.unwrap_or(Period::Today)),
        },
        Intent::Greeting | Intent::Help | Intent::Unknown => {}
    }
    // "jual 2 kg gratis": given away, at no price.
    if matches!(cmd.intent, Intent::Sale)
        && toks
            .iter()
            .any(|w| matches!(*w, "gratis" | "gratisan" | "free" | "cuma-cuma"))
    {
        for it in cmd.items.iter_mut() {
            if it.unit_price.is_none() && it.total.is_none() {
                it.unit_price = Some(Decimal::ZERO);
                it.bare_price = false;
            }
        }
    }
    // "@1e30", "@12,5,0": a price that does not read is not a missing price.
    if toks.windows(2).any(|w| {
        w[0] == "@" && w[1].chars().any(|c| c.is_ascii_digit()) && number::read(&w[1..]).is_none()
    }) {
        cmd.confidence = cmd.confidence.min(0.5);
        cmd.clarification = Some("Harganya tidak terbaca.".into());
    }
    // "jual -2 kg", "ngutang -50rb": nothing is booked negative from a message.
    cmd.negative = negative_figure(text);
    if cmd.negative {
        cmd.confidence = cmd.confidence.min(0.3);
        cmd.clarification = Some("Angka minus tidak bisa dicatat.".into());
    }
    cmd
}

/// Whether the text writes a figure with a minus sign ("-2", "− 50rb"), as opposed to a
/// range or a code ("2-3", "A-12").
fn negative_figure(text: &str) -> bool {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).collect();
    chars.iter().enumerate().any(|(i, &c)| {
        (c == '-' || c == '−')
            && (i == 0
                || chars[i - 1].is_whitespace()
                || chars[i - 1] == '@'
                || chars[i - 1] == ':')
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| c.is_ascii_digit())
    })
}

/// Whether a stock correction sets, adds or removes: loss words remove, "tambah" adds, and
/// otherwise the figure is what is on the shelf now.
fn adjust_kind(toks: &[&str]) -> Adjust {
    if toks
        .iter()
        .any(|w| lexicon::loss_word(w) || matches!(*w, "kurang" | "dikurangi" | "kurangi"))
    {
        Adjust::Remove
    } else if toks.iter().any(|w| {
        matches!(
            *w,
            "tambah"
                | "tambahin"
                | "ditambah"
                | "ditambahi"
                | "ditambahkan"
                | "nambah"
                | "masuk"
                | "tambih"
                | "nambih"
                | "ketemu"
                | "nemu"
        )
    }) {
        Adjust::Add
    } else {
        Adjust::Set
    }
}

/// A business named as a buyer, debtor or supplier: "toko makmur ngutang", "kirim ke toko
/// sinar jaya:", "rm sederhana mau beli". Two name words only when what follows shows the
/// name ended ("toko sinar jaya pesan"); "toko barokah beras pandan wangi" names one.
fn business(toks: &[&str]) -> Option<(usize, usize)> {
    let at = toks.iter().enumerate().position(|(i, w)| {
        matches!(
            *w,
            "toko" | "warung" | "rm" | "kios" | "depot" | "cv" | "ud" | "pt" | "koperasi" | "resto"
        ) && (i == 0
            || matches!(
                toks[i - 1],
                "ke" | "ka"
                    | "dari"
                    | "saking"
                    | "untuk"
                    | "buat"
                    | "piutang"
                    | "utang"
                    | "hutang"
                    | "kasbon"
                    | ","
            ))
    })?;
    let name = |w: &&&str| is_name_word(w) && lexicon::expense_category(w).is_none();
    let n = toks[at + 1..].iter().take(2).take_while(name).count();
    if n == 0 {
        return None;
    }
    let ends = |k: usize| {
        toks.get(k)
            .is_none_or(|w| is_keyword(w) || matches!(*w, ":" | "," | "?") || lexicon::thanks(w))
    };
    let len = if n == 2 && !ends(at + 3) { 1 } else { n };
    Some((at, len + 1))
}

/// The supplier of a purchase written without a title: "dari toko makmur", "dari agen sumber".
fn supplier(toks: &[&str]) -> Option<(usize, usize)> {
    let from = toks
        .iter()
        .position(|w| matches!(*w, "dari" | "saka" | "ti" | "teka" | "saking"))?;
    let len = toks[from + 1..]
        .iter()
        .take(3)
        .take_while(|w| {
            matches!(
                **w,
                "toko"
                    | "warung"
                    | "agen"
                    | "grosir"
                    | "cv"
                    | "pt"
                    | "ud"
                    | "koperasi"
                    | "pasar"
                    | "sales"
            ) || is_name_word(w)
        })
        .count();
    // "dari agen", "dari peternak": a kind of seller, not a name.
    let generic = |w: &str| {
        matches!(
            w,
            "agen"
                | "grosir"
                | "pasar"
                | "sales"
                | "supplier"
                | "suplier"
                | "peternak"
                | "petani"
                | "kelompok"
                | "tani"
                | "tonggo"
                | "tetangga"
                | "distributor"
                | "pabrik"
                | "pengepul"
                | "tengkulak"
        )
    };
    let named = toks[from + 1..from + 1 + len]
        .iter()
        .any(|w| !generic(w) && !matches!(*w, "toko" | "warung" | "cv" | "pt" | "ud" | "koperasi"));
    (len > 0 && named).then_some((from + 1, len))
}

/// A name written without a title, right before the debt word ("sri ngutang 60rb").
fn bare_name(toks: &[&str]) -> Option<(usize, usize)> {
    let at = toks
        .iter()
        .position(|w| lexicon::debt_word(w) || lexicon::repay_word(w) || lexicon::pay_verb(w))?;
    let start = (0..at)
        .rev()
        .take_while(|&i| is_name_word(toks[i]))
        .last()?;
    let len = (at - start).min(2);
    Some((at - len, len))
}

/// Whether the words name goods a shop sells rather than an expense ("beli beras" vs "beli
/// kantong plastik"): any word that is not an expense word, unit, number or keyword.
fn has_known_goods(toks: &[&str]) -> bool {
    // "beli tali rafia buat ikat sayur": what it is for names no goods bought.
    let toks = toks
        .iter()
        .position(|w| matches!(*w, "buat" | "untuk" | "kanggo" | "nggo" | "gawe" | "pikeun"))
        .map_or(toks, |p| &toks[..p]);
    // The words of figures ("30 ewu", "dua puluh ribu") name no goods.
    let mut figure = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        match number::read(&toks[i..]) {
            Some(n) => {
                figure[i..i + n.len].iter_mut().for_each(|f| *f = true);
                i += n.len;
            }
            None => i += 1,
        }
    }
    toks.iter().zip(figure).any(|(w, figure)| {
        !figure
            && w.chars().all(char::is_alphabetic)
            && !is_keyword(w)
            && lexicon::expense_category(w).is_none()
            && lexicon::unit(w).is_none()
            && !lexicon::honorific(w)
            && number::read(&[w]).is_none()
            && !matches!(
                *w,
                "barang"
                    | "toko"
                    | "antar"
                    | "warung"
                    | "dagangan"
                    | "bulanan"
                    | "harian"
                    | "motor"
                    | "mobil"
                    | "pickup"
                    | "truk"
            )
    })
}

/// Catalog names and prices; a bare figure read against the catalog's price.
fn resolve(items: &mut [Item], cat: &dyn Catalog, intent: Intent) {
    for it in items {
        let Some(p) = cat.product(&it.product) else {
            continue;
        };
        // "jual 3 kg gula 48rb" when gula costs 16rb: 48rb is the total.
        if matches!(intent, Intent::Sale | Intent::Purchase)
            && it.bare_price
            && let (Some(q), Some(u), None) = (it.quantity, it.unit_price, it.total)
            && q > Decimal::ONE
            && (u - p.price * q).abs() < (u - p.price).abs()
        {
            it.total = Some(u);
            it.unit_price = None;
        }
        it.product_id = Some(p.id);
        it.product_name = Some(p.name);
    }
}
