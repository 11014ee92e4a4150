//! Exact numbers in Indonesian formats: parsing what people type ("12rb", "Rp 12.500",
//! "1,5 jt", "1,25") and formatting what they read ("Rp 12.500", "1,25 kg", "12rb").
//! Everything is `rust_decimal::Decimal`; no float ever touches money.

use crate::error::{CoreError, Field, Problem, Result};
use rust_decimal::{Decimal, RoundingStrategy};

/// Quantities (typed and in the base unit) are exact at this many decimals: grams of a kg,
/// millilitres of a litre. A unit whose size cannot be written this way is refused.
pub const QTY_DECIMALS: u32 = 3;
/// Largest quantity on one line, in the unit typed (a barcode in the quantity is far above).
pub const MAX_LINE_QTY: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// Largest quantity in a product's base unit: one movement, on-hand, a count.
pub const MAX_BASE_QTY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Largest single amount of money: a price, a line, a sale, an expense, a kasbon (Rp 1 triliun).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// Prices people type are whole rupiah; a price derived for a smaller unit (Rp 14.000 a kg
/// is Rp 14 a gram) may carry decimals. Costs are moving averages kept to 4 decimals.
pub const PRICE_DECIMALS: u32 = 0;
pub const COST_DECIMALS: u32 = 4;
/// Largest debt balance of one contact: a hundred of the largest single amounts.
pub const MAX_BALANCE: Decimal = Decimal::from_parts(276_447_232, 23_283, 0, false, 0);
/// Most lines on one document.
pub const MAX_LINES: usize = 5_000;

/// A document has at most `MAX_LINES` lines.
pub fn check_line_count(n: usize) -> Result<()> {
    if n > MAX_LINES {
        return Err(refuse(
            Field::Lines,
            Problem::OutOfRange {
                value: n.to_string(),
                min: "1".into(),
                max: MAX_LINES.to_string(),
            },
        ));
    }
    Ok(())
}

/// Exact addition that reports overflow instead of panicking.
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or(CoreError::Overflow)
}

/// Exact subtraction that reports overflow instead of panicking.
pub fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_sub(b).ok_or(CoreError::Overflow)
}

/// Exact multiplication that reports overflow instead of panicking.
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or(CoreError::Overflow)
}

/// Exact sum that reports overflow instead of panicking.
pub fn sum(items: impl IntoIterator<Item = Decimal>) -> Result<Decimal> {
    items.into_iter().try_fold(Decimal::ZERO, add)
}

/// `*slot += v`, checked.
pub fn add_to(slot: &mut Decimal, v: Decimal) -> Result<()> {
    *slot = add(*slot, v)?;
    Ok(())
}

fn decimals(v: Decimal) -> u32 {
    v.normalize().scale()
}

fn refuse(field: Field, problem: Problem) -> CoreError {
    CoreError::invalid(field, problem)
}

/// A quantity on a document line, in the unit typed: more than 0, at most `QTY_DECIMALS`
/// decimals, at most `MAX_LINE_QTY` (a barcode scanned into the quantity is named as such).
pub fn check_line_qty(field: Field, q: Decimal) -> Result<Decimal> {
    if q <= Decimal::ZERO {
        return Err(refuse(
            field,
            Problem::NotPositive {
                value: format_id(q),
            },
        ));
    }
    check_scale(field, q, QTY_DECIMALS)?;
    if q > MAX_LINE_QTY {
        let value = format_id(q);
        // EAN-8 to EAN-14 / GTIN: whole numbers of 8 to 14 digits.
        if q.fract().is_zero()
            && q >= Decimal::from(10_000_000)
            && q < Decimal::from(100_000_000_000_000i64)
        {
            return Err(refuse(field, Problem::LooksLikeBarcode { value }));
        }
        return Err(refuse(
            field,
            Problem::OutOfRange {
                value,
                min: "0".into(),
                max: format_id(MAX_LINE_QTY),
            },
        ));
    }
    Ok(q.normalize())
}

/// A signed quantity in a base unit (a movement, on-hand, a count): at most `QTY_DECIMALS`
/// decimals and `MAX_BASE_QTY` either way.
pub fn check_base_qty(field: Field, q: Decimal) -> Result<Decimal> {
    check_scale(field, q, QTY_DECIMALS)?;
    if q.abs() > MAX_BASE_QTY {
        return Err(refuse(
            field,
            Problem::OutOfRange {
                value: format_id(q),
                min: format_id(-MAX_BASE_QTY),
                max: format_id(MAX_BASE_QTY),
            },
        ));
    }
    Ok(q.normalize())
}

fn check_scale(field: Field, v: Decimal, max: u32) -> Result<()> {
    if decimals(v) > max {
        return Err(refuse(
            field,
            Problem::TooPrecise {
                value: format_id(v),
                decimals: max,
            },
        ));
    }
    Ok(())
}

/// A non-negative amount of money with at most `max_decimals` decimals (0 = whole rupiah),
/// at most `MAX_AMOUNT`.
pub fn check_money(field: Field, v: Decimal, max_decimals: u32) -> Result<Decimal> {
    if v.is_sign_negative() && !v.is_zero() {
        return Err(refuse(
            field,
            Problem::Negative {
                value: format_rupiah(v),
            },
        ));
    }
    if decimals(v) > max_decimals {
        return Err(if max_decimals == 0 {
            refuse(
                field,
                Problem::NotWholeRupiah {
                    value: format_rupiah(v),
                },
            )
        } else {
            refuse(
                field,
                Problem::TooPrecise {
                    value: format_id(v),
                    decimals: max_decimals,
                },
            )
        });
    }
    if v > MAX_AMOUNT {
        return Err(refuse(
            field,
            Problem::OutOfRange {
                value: format_rupiah(v),
                min: "Rp 0".into(),
                max: format_rupiah(MAX_AMOUNT),
            },
        ));
    }
    Ok(v.normalize())
}

/// Money that changes hands (kasbon, a payment, an expense): more than 0, whole rupiah.
pub fn check_payment(field: Field, v: Decimal) -> Result<Decimal> {
    if v <= Decimal::ZERO {
        return Err(refuse(
            field,
            Problem::NotPositive {
                value: format_rupiah(v),
            },
        ));
    }
    check_money(field, v, 0)
}

/// Text a person typed for a name or a note: trimmed, at most `max` characters, no control
/// characters or terminal escape codes (a name is printed on receipts and shown in
/// terminals); notes may keep line breaks.
pub fn check_text(field: Field, s: &str, max: usize) -> Result<String> {
    let allow_newline = field == Field::Note || field == Field::Reason;
    if s.chars()
        .any(|c| invisible(c) && !(allow_newline && c == '\n'))
    {
        return Err(refuse(field, Problem::ControlCharacters));
    }
    // Runs of spaces (also no-break spaces) are one space: "Beras  Pulen" is "Beras Pulen".
    let t = if allow_newline {
        s.trim().to_string()
    } else {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if t.chars().count() > max {
        return Err(refuse(field, Problem::TooLong { max }));
    }
    // A name needs a letter or a digit: a lone accent or symbol names nothing.
    let name = matches!(
        field,
        Field::ProductName
            | Field::ContactName
            | Field::Customer
            | Field::Supplier
            | Field::Unit
            | Field::Alias
            | Field::User
    );
    if name && !t.is_empty() && !t.chars().any(char::is_alphanumeric) {
        return Err(refuse(
            field,
            Problem::BadFormat {
                value: t,
                example: "Beras Pulen".into(),
            },
        ));
    }
    Ok(t)
}

/// Characters that cannot be seen or that change how the text around them is shown:
/// controls, escape codes, bidirectional marks and overrides, zero-width and other format
/// characters, line and paragraph separators, variation selectors, tags, noncharacters.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}'
            | '\u{17b5}' | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{2800}' | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}'
            | '\u{fdd0}'..='\u{fdef}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
        || (c as u32 & 0xfffe) == 0xfffe
}

/// `check_text` for an optional field; blank becomes `None`.
pub fn check_opt_text(field: Field, s: Option<&str>, max: usize) -> Result<Option<String>> {
    s.map(|s| check_text(field, s, max))
        .transpose()
        .map(|o| o.filter(|s| !s.is_empty()))
}

/// Longest name (product, contact, unit, alias) and longest note.
pub const MAX_NAME: usize = 120;
pub const MAX_NOTE: usize = 500;

/// Rounds an amount to the whole rupiah, halves away from zero (how cashiers round).
pub fn round_rupiah(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Canonical storage/JSON form: no trailing zeros, no exponent ("12500", "1.25", "-3").
pub fn canon(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        return "0".to_string();
    }
    // Most stored figures are whole rupiah: format those as integers (a sale formats ~40
    // figures, and the general decimal formatter costs several times more).
    if n.scale() == 0
        && let Some(i) = rust_decimal::prelude::ToPrimitive::to_i64(&n)
    {
        return i.to_string();
    }
    n.to_string()
}

/// Parses a stored canonical decimal.
pub fn parse_canon(s: &str) -> Result<Decimal> {
    s.parse::<Decimal>().map_err(|_| CoreError::InvalidNumber {
        text: s.to_string(),
    })
}

/// Parses a number as an Indonesian shop owner writes it.
///
/// - `,` is the decimal separator ("1,25"); `.` groups thousands ("12.500").
/// - A single `.` not followed by exactly three digits is a decimal point ("1.25", JSON-style).
/// - Suffixes: `rb`/`ribu`/`k` (×1.000), `jt`/`juta` (×1.000.000), an `Rp` prefix is ignored.
/// - Market slang: cepek (100), gopek (500), seceng (1rb), goceng (5rb), ceban (10rb).
/// - Price-tag endings: "Rp 12.500,-" and "Rp12.500,00"; "IDR 12.500".
pub fn parse_number(input: &str) -> Result<Decimal> {
    let bad = || CoreError::InvalidNumber {
        text: input.trim().to_string(),
    };
    let mut s = input.trim().to_lowercase();
    for prefix in ["rp", "idr"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start_matches('.').trim().to_string();
        }
    }
    for ending in [",-", ".-", ",--"] {
        if let Some(rest) = s.strip_suffix(ending) {
            s = rest.trim_end().to_string();
        }
    }
    s.retain(|c| c != ' ' && c != '\u{a0}');
    match s.as_str() {
        "cepek" => return Ok(Decimal::from(100)),
        "gopek" => return Ok(Decimal::from(500)),
        "seceng" => return Ok(Decimal::from(1_000)),
        "goceng" => return Ok(Decimal::from(5_000)),
        "ceban" => return Ok(Decimal::from(10_000)),
        _ => {}
    }
    let (num, mult) = split_multiplier(&s);
    let negative = num.starts_with('-');
    let num = num.strip_prefix(['-', '+']).unwrap_or(num);
    // "3,500": Rp 3,5 in Indonesian writing, 3.500 in English; off by 1000 either way.
    if let Some((int, frac)) = num.split_once(',')
        && frac.len() == 3
        && (1..=3).contains(&int.len())
        && !int.starts_with('0')
        && int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        return Err(ambiguous(input.trim(), format!("{int}.{frac}"), int, frac));
    }
    if num.is_empty()
        || !num
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(bad());
    }
    let plain = normalise_separators(num).ok_or_else(bad)?;
    let mut d: Decimal = plain.parse().map_err(|_| bad())?;
    d = d.checked_mul(mult).ok_or_else(bad)?;
    if negative {
        d = -d;
    }
    Ok(d.normalize())
}

fn split_multiplier(s: &str) -> (&str, Decimal) {
    const SUFFIXES: [(&str, i64); 7] = [
        ("ribu", 1_000),
        ("rb", 1_000),
        ("k", 1_000),
        ("juta", 1_000_000),
        ("jt", 1_000_000),
        ("miliar", 1_000_000_000),
        ("m", 1_000_000_000),
    ];
    for (suffix, mult) in SUFFIXES {
        if let Some(n) = s.strip_suffix(suffix)
            && !n.is_empty()
            && n.ends_with(|c: char| c.is_ascii_digit())
        {
            return (n, Decimal::from(mult));
        }
    }
    (s, Decimal::ONE)
}

/// Turns "12.500", "1.234,5", "1,25", "1.25" into a plain "12500", "1234.5", "1.25", "1.25".
fn normalise_separators(s: &str) -> Option<String> {
    let commas = s.matches(',').count();
    let dots = s.matches('.').count();
    let grouped = |part: &str, sep: char| {
        let mut groups = part.split(sep);
        let first = groups.next().unwrap_or("");
        !first.is_empty()
            && first.len() <= 3
            && !(first.starts_with('0'))
            && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
    };
    match (dots, commas) {
        (0, 0) => Some(s.to_string()),
        // "1,25" decimal comma; "1,234,567" English thousands.
        (0, 1) => {
            let (a, b) = s.split_once(',')?;
            (!a.is_empty() && !b.is_empty()).then(|| format!("{a}.{b}"))
        }
        (0, _) => grouped(s, ',').then(|| s.replace(',', "")),
        // "12.500" thousands; "1.25" / "0.125" decimal point.
        (1, 0) => {
            let (a, b) = s.split_once('.')?;
            if a.is_empty() || b.is_empty() {
                None
            } else if b.len() == 3 && grouped(s, '.') {
                Some(format!("{a}{b}"))
            } else {
                Some(s.to_string())
            }
        }
        (_, 0) => grouped(s, '.').then(|| s.replace('.', "")),
        // "1.234,5": dots group, comma is decimal.
        (_, 1) if s.rfind(',') > s.rfind('.') => {
            let (int, frac) = s.split_once(',')?;
            (grouped(int, '.') && !frac.is_empty() && !frac.contains('.'))
                .then(|| format!("{}.{frac}", int.replace('.', "")))
        }
        // "12,000.00" (English-locale exports): commas group, the one dot is decimal.
        (1, _) => {
            let (int, frac) = s.split_once('.')?;
            (grouped(int, ',') && !frac.is_empty() && frac.chars().all(|c| c.is_ascii_digit()))
                .then(|| format!("{}.{frac}", int.replace(',', "")))
        }
        _ => None,
    }
}

/// Reads a quantity. Like `parse_number`, with one rule for scale readings: a single dot
/// followed by exactly three digits ("1.250") is ambiguous in a quantity — thousands in
/// Indonesian writing, a decimal point on a digital scale — and is refused with both
/// readings offered, because guessing wrong is off by a factor of 1000. "0.750" (no
/// thousands reading), "1.250.000" (two groups) and "1,25" (decimal comma) are unambiguous.
pub fn parse_qty(input: &str) -> Result<Decimal> {
    let t = input.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if let Some((int, frac)) = digits.split_once('.')
        && !frac.contains('.')
        && !digits.contains(',')
        && frac.len() == 3
        && frac.chars().all(|c| c.is_ascii_digit())
        && (1..=3).contains(&int.len())
        && int.chars().all(|c| c.is_ascii_digit())
        && !int.starts_with('0')
    {
        return Err(ambiguous(t, format!("{int}{frac}"), int, frac));
    }
    // "1,250" on a scale is 1,25: in a quantity the comma is always the decimal separator.
    if let Some((int, frac)) = digits.split_once(',')
        && !int.is_empty()
        && !frac.is_empty()
        && int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
    {
        let sign = if t.starts_with('-') { "-" } else { "" };
        return format!("{sign}{int}.{frac}")
            .parse::<Decimal>()
            .map(|d| d.normalize())
            .map_err(|_| CoreError::InvalidNumber {
                text: t.to_string(),
            });
    }
    parse_number(t)
}

/// "INT?FRAC" with three digits after the separator, offered in its two readings: thousands
/// (`thousands`, as the field writes it) and a decimal comma ("1,25").
fn ambiguous(text: &str, thousands: String, int: &str, frac: &str) -> CoreError {
    CoreError::AmbiguousNumber {
        text: text.to_string(),
        thousands,
        decimal: format!("{int},{}", frac.trim_end_matches('0'))
            .trim_end_matches(',')
            .to_string(),
    }
}

/// Splits what a cashier types for a quantity: "1,25kg" → (1.25, Some("kg")), "2 dus" →
/// (2, Some("dus")), "3" → (3, None). The number is read with `parse_qty`.
pub fn parse_qty_unit(text: &str) -> Result<(Decimal, Option<String>)> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.trim().is_empty() {
        return Err(CoreError::InvalidNumber {
            text: t.to_string(),
        });
    }
    let unit = unit.trim();
    Ok((
        parse_qty(num)?,
        (!unit.is_empty()).then(|| unit.to_string()),
    ))
}

/// "12.500" / "1.234.567,5" / "-3,25": Indonesian digit grouping, no currency.
pub fn format_id(d: Decimal) -> String {
    let n = d.normalize();
    let s = n.abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut out = String::with_capacity(s.len() + 6);
    if n.is_sign_negative() && !n.is_zero() {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// "Rp 12.500", "-Rp 5.000".
pub fn format_rupiah(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_sign_negative() && !n.is_zero() {
        format!("-Rp {}", format_id(-n))
    } else {
        format!("Rp {}", format_id(n))
    }
}

/// "1,25 kg".
pub fn format_qty(d: Decimal, unit: &str) -> String {
    if unit.is_empty() {
        format_id(d)
    } else {
        format!("{} {unit}", format_id(d))
    }
}

/// Short spoken form for chat replies: "12rb", "12,5rb", "1,5 jt", "750".
pub fn format_compact(d: Decimal) -> String {
    let n = d.normalize();
    let abs = n.abs();
    let sign = if n.is_sign_negative() && !n.is_zero() {
        "-"
    } else {
        ""
    };
    let short =
        |v: Decimal| format_id(v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
    if abs >= Decimal::from(1_000_000) {
        format!("{sign}{} jt", short(abs / Decimal::from(1_000_000)))
    } else if abs >= Decimal::from(1_000) {
        format!("{sign}{}rb", short(abs / Decimal::from(1_000)))
    } else {
        format!("{sign}{}", format_id(abs))
    }
}

/// Serde adapter: decimals as canonical JSON strings ("23.5", never "23.50" or 2.35e1),
/// parsed back from strings. Use as `#[serde(with = "crate::money::json")]`.
pub mod json {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::canon(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(de)?;
        s.trim().parse().map_err(serde::de::Error::custom)
    }
}

/// `json` for `Option<Decimal>` (null when absent).
pub mod json_opt {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&super::canon(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Decimal>, D::Error> {
        Option::<String>::deserialize(de)?
            .map(|s| s.trim().parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        canon(parse_number(s).unwrap())
    }

    #[test]
    fn parses_indonesian_forms() {
        assert_eq!(p("12500"), "12500");
        assert_eq!(p("12.500"), "12500");
        assert_eq!(p("Rp 12.500"), "12500");
        assert_eq!(p("Rp12.500,-"), "12500");
        assert_eq!(p("Rp 12.500,-"), "12500");
        assert_eq!(p("Rp 12.500,00"), "12500");
        assert_eq!(p("IDR 12,000.00"), "12000");
        assert_eq!(p("1.234.567"), "1234567");
        assert_eq!(p("1.234.567,5"), "1234567.5");
        assert_eq!(p("12rb"), "12000");
        assert_eq!(p("12 rb"), "12000");
        assert_eq!(p("12,5rb"), "12500");
        assert_eq!(p("1,5 jt"), "1500000");
        assert_eq!(p("1,5jt"), "1500000");
        assert_eq!(p("2 juta"), "2000000");
        assert_eq!(p("15k"), "15000");
        assert_eq!(p("1,25"), "1.25");
        assert_eq!(p("1.25"), "1.25");
        assert_eq!(p("0.125"), "0.125");
        assert_eq!(p("0,5"), "0.5");
        assert_eq!(p("goceng"), "5000");
        assert_eq!(p("-3"), "-3");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "", "abc", "12abc", "1..2", "1,2,3.4", "NaN", "1e5", ",5", "5,", "rb", "--1",
        ] {
            assert!(parse_number(s).is_err(), "{s} should fail");
        }
    }

    #[test]
    fn splits_quantity_and_unit() {
        let q = |s: &str| parse_qty_unit(s).map(|(d, u)| (canon(d), u));
        assert_eq!(q("1,25kg").unwrap(), ("1.25".into(), Some("kg".into())));
        assert_eq!(q(" 2 dus ").unwrap(), ("2".into(), Some("dus".into())));
        assert_eq!(q("3").unwrap(), ("3".into(), None));
        assert!(q("kg").is_err());
        assert!(q("1..2kg").is_err());
        // One rule for three-decimal scale readings: ambiguous unless only one reading exists.
        assert_eq!(
            parse_qty_unit("1.250kg").unwrap_err().code(),
            "ambiguous_number"
        );
        assert_eq!(q("0.750kg").unwrap(), ("0.75".into(), Some("kg".into())));
        assert_eq!(q("1,250kg").unwrap(), ("1.25".into(), Some("kg".into())));
        assert_eq!(q("1.250.000").unwrap(), ("1250000".into(), None));
        assert_eq!(q("1.5 kg").unwrap(), ("1.5".into(), Some("kg".into())));
    }

    #[test]
    fn bounds_and_scales() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let code = |r: Result<Decimal>| r.unwrap_err().code();
        assert_eq!(
            check_line_qty(Field::Quantity, d("1.25")).unwrap(),
            d("1.25")
        );
        assert_eq!(
            code(check_line_qty(Field::Quantity, d("0"))),
            "not_positive"
        );
        assert_eq!(
            code(check_line_qty(Field::Quantity, d("0.0001"))),
            "too_precise"
        );
        assert_eq!(
            code(check_line_qty(Field::Quantity, d("8991002101234"))),
            "looks_like_barcode"
        );
        assert_eq!(
            code(check_line_qty(Field::Quantity, d("2000000"))),
            "out_of_range"
        );
        assert_eq!(
            code(check_money(Field::Amount, d("12.5"), 0)),
            "not_whole_rupiah"
        );
        assert_eq!(code(check_money(Field::Price, d("-1"), 2)), "negative");
        assert_eq!(
            code(check_money(Field::Price, d("99999999999999999999"), 2)),
            "out_of_range"
        );
        assert_eq!(
            check_money(Field::Price, MAX_AMOUNT, 0).unwrap(),
            MAX_AMOUNT
        );
        assert_eq!(MAX_AMOUNT, Decimal::from(1_000_000_000_000i64));
        assert_eq!(MAX_BALANCE, MAX_AMOUNT * Decimal::from(100));
        assert_eq!(code(add(Decimal::MAX, Decimal::ONE)), "overflow");
        assert_eq!(
            check_text(Field::ProductName, "  Beras  ", 10).unwrap(),
            "Beras"
        );
        assert_eq!(
            check_text(Field::ProductName, "Beras\u{1b}[31m", 50)
                .unwrap_err()
                .code(),
            "control_characters"
        );
        assert!(check_text(Field::Note, "baris 1\nbaris 2", 50).is_ok());
    }

    #[test]
    fn formats() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(format_rupiah(d("12500")), "Rp 12.500");
        assert_eq!(format_rupiah(d("1234567")), "Rp 1.234.567");
        assert_eq!(format_rupiah(d("-5000")), "-Rp 5.000");
        assert_eq!(format_rupiah(d("0")), "Rp 0");
        assert_eq!(format_qty(d("1.25"), "kg"), "1,25 kg");
        assert_eq!(format_compact(d("12000")), "12rb");
        assert_eq!(format_compact(d("12500")), "12,5rb");
        assert_eq!(format_compact(d("1500000")), "1,5 jt");
        assert_eq!(format_compact(d("750")), "750");
        assert_eq!(round_rupiah(d("4162.5")), d("4163"));
        assert_eq!(canon(d("12500.00")), "12500");
    }
}
