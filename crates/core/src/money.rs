//! Exact numbers in Indonesian formats: parsing what people type ("12rb", "Rp 12.500",
//! "1,5 jt", "1,25") and formatting what they read ("Rp 12.500", "1,25 kg", "12rb").
//! Everything is `rust_decimal::Decimal`; no float ever touches money.

use crate::error::{CoreError, Result};
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds an amount to the whole rupiah, halves away from zero (how cashiers round).
pub fn round_rupiah(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Canonical storage/JSON form: no trailing zeros, no exponent ("12500", "1.25", "-3").
pub fn canon(d: Decimal) -> String {
    let n = d.normalize();
    if n.is_zero() {
        "0".to_string()
    } else {
        n.to_string()
    }
}

/// Refuses a negative amount or quantity for `field` with a clear message.
pub fn non_negative(field: &str, v: Decimal) -> Result<()> {
    if v.is_sign_negative() && !v.is_zero() {
        return Err(CoreError::invalid(
            field,
            format!("{} tidak boleh negatif", canon(v)),
        ));
    }
    Ok(())
}

/// Parses a stored canonical decimal.
pub fn parse_canon(s: &str) -> Result<Decimal> {
    s.parse::<Decimal>()
        .map_err(|_| CoreError::InvalidNumber(s.to_string()))
}

/// Parses a number as an Indonesian shop owner writes it.
///
/// - `,` is the decimal separator ("1,25"); `.` groups thousands ("12.500").
/// - A single `.` not followed by exactly three digits is a decimal point ("1.25", JSON-style).
/// - Suffixes: `rb`/`ribu`/`k` (×1.000), `jt`/`juta` (×1.000.000), an `Rp` prefix is ignored.
/// - Market slang: cepek (100), gopek (500), seceng (1rb), goceng (5rb), ceban (10rb).
pub fn parse_number(input: &str) -> Result<Decimal> {
    let bad = || CoreError::InvalidNumber(input.trim().to_string());
    let mut s = input.trim().to_lowercase();
    if let Some(rest) = s.strip_prefix("rp") {
        s = rest.trim_start_matches('.').trim().to_string();
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
        (_, 1) => {
            let (int, frac) = s.split_once(',')?;
            (grouped(int, '.') && !frac.is_empty() && !frac.contains('.'))
                .then(|| format!("{}.{frac}", int.replace('.', "")))
        }
        _ => None,
    }
}

/// Splits what a cashier types for a quantity: "1,25kg" → (1.25, Some("kg")), "2 dus" →
/// (2, Some("dus")), "3" → (3, None). The number is read with `parse_number`.
pub fn parse_qty_unit(text: &str) -> Result<(Decimal, Option<String>)> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.trim().is_empty() {
        return Err(CoreError::InvalidNumber(t.to_string()));
    }
    let unit = unit.trim();
    Ok((
        parse_number(num)?,
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
        assert_eq!(p("Rp12.500,-".trim_end_matches(",-")), "12500");
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
