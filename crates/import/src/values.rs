//! Numbers as shops write them in sheets: numbers stored as numbers, "Rp 12.000",
//! "Rp12.000,-", "12.000", "12,5", "1.250,75", "IDR 12,000.00", "-" for nothing. A column is
//! read one way for all its values: where "36.000" could be thirty-six thousand or thirty-six,
//! the column's other values decide, and the preview shows (and lets the user flip) the choice.

use rust_decimal::Decimal;

use crate::grid::{Cell, number_text};

/// How a column's text numbers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// 12.500 is twelve thousand five hundred; 12,5 is twelve and a half.
    DotThousands,
    /// 12,500 is twelve thousand five hundred; 12.5 is twelve and a half.
    DotDecimal,
}

/// The column's reading and whether the values alone left it open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnReading {
    pub reading: Reading,
    pub ambiguous: bool,
}

/// Strips currency marks and the ",-" price-tag ending; None for an empty marker.
fn bare(s: &str) -> Option<String> {
    let mut t = s.trim().to_string();
    for p in ["Rp.", "Rp", "rp", "RP", "IDR", "idr", "$", "USD"] {
        if let Some(r) = t.strip_prefix(p) {
            t = r.trim_start().to_string();
        }
    }
    let mut t = t
        .trim_end_matches(",-")
        .trim_end_matches(",00-")
        .replace([' ', '\u{a0}'], "");
    // Accounting negatives "(5.000)" and an explicit "+5.000".
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        t = format!("-{inner}");
    }
    if let Some(r) = t.strip_prefix('+') {
        t = r.to_string();
    }
    if t.is_empty() || t == "-" || t == "–" {
        None
    } else {
        Some(t)
    }
}

/// Decides a column's reading from all its text values. `money`: Indonesian prices are whole
/// rupiah, so "12.000" is twelve thousand unless the column shows decimals elsewhere.
pub fn decide(values: &[&Cell], money: bool) -> ColumnReading {
    let mut dot_decimal = 0;
    let mut dot_thousands = 0;
    let mut three_after_dot = 0;
    let mut texts = 0;
    for c in values {
        let Cell::Text(raw) = c else { continue };
        let Some(t) = bare(raw) else { continue };
        texts += 1;
        let dots = t.matches('.').count();
        let commas = t.matches(',').count();
        match (dots, commas) {
            (0, _) => {}
            (1, 0) => {
                let after = t.rsplit('.').next().unwrap_or("").len();
                if after == 3 {
                    three_after_dot += 1;
                } else {
                    dot_decimal += 1;
                }
            }
            (_, 0) => dot_thousands += 1,
            _ => {
                if t.rfind('.') > t.rfind(',') {
                    dot_decimal += 1;
                } else {
                    dot_thousands += 1;
                }
            }
        }
    }
    // In a price column "12.000" is thousands: rupiah are not written with three decimals.
    let thousands = dot_thousands + if money { three_after_dot } else { 0 };
    let reading = if dot_decimal > thousands {
        Reading::DotDecimal
    } else if thousands > 0 || money {
        Reading::DotThousands
    } else if three_after_dot > 0 && three_after_dot == texts {
        // Every value written with exactly three decimals ("36.000", "1.500", "2.000"): the
        // fixed format of a POS export, not thousands.
        Reading::DotDecimal
    } else {
        Reading::DotThousands
    };
    // Rupiah have no fractions anyone writes: "12.000" in a price column is twelve thousand,
    // not a question to ask. Quantities are where "36.000" may be either.
    // Both kinds of evidence (a typo among prices, "2.5" beside "12.000") also leave it open.
    let ambiguous = (!money && three_after_dot > 0 && dot_decimal == 0 && dot_thousands == 0)
        || (dot_decimal > 0 && thousands > 0);
    ColumnReading { reading, ambiguous }
}

/// A cell as a number in the column's reading. Ok(None) for an empty cell or marker.
pub fn parse(cell: &Cell, reading: Reading) -> Result<Option<Decimal>, String> {
    let text = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) => return Ok(Some(from_f64(*n)?)),
        Cell::Bool(_) => return Err(cell.text()),
        Cell::Text(t) => t.clone(),
    };
    let Some(t) = bare(&text) else {
        return Ok(None);
    };
    let (thousands, decimal) = match reading {
        Reading::DotThousands => ('.', ','),
        Reading::DotDecimal => (',', '.'),
    };
    // Thousands separators only between groups of three digits: "12.5" read with dot
    // thousands, or "12500,50" with comma thousands, is not a number but a misreading.
    let whole = t.split(decimal).next().unwrap_or_default();
    let whole = whole.strip_prefix('-').unwrap_or(whole);
    if whole.contains(thousands) {
        let mut groups = whole.split(thousands);
        let first = groups.next().unwrap_or_default();
        if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err(text.trim().to_string());
        }
    }
    let mut s: String = t.chars().filter(|c| *c != thousands).collect();
    s = s.replace(decimal, ".");
    if s.matches('.').count() > 1 {
        return Err(text.trim().to_string());
    }
    s.parse::<Decimal>()
        .map(|d| Some(d.normalize()))
        .map_err(|_| text.trim().to_string())
}

fn from_f64(n: f64) -> Result<Decimal, String> {
    if !n.is_finite() {
        return Err(n.to_string());
    }
    number_text(n)
        .parse::<Decimal>()
        .map(|d| d.round_dp(6).normalize())
        .map_err(|_| number_text(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn prices_in_every_spelling() {
        let r = Reading::DotThousands;
        for (s, want) in [
            ("Rp 12.000", "12000"),
            ("Rp12.000,-", "12000"),
            ("12.000", "12000"),
            ("12,5", "12.5"),
            ("1.250,75", "1250.75"),
            ("-", ""),
        ] {
            let got = parse(&t(s), r)
                .unwrap()
                .map(|x| x.to_string())
                .unwrap_or_default();
            assert_eq!(got, want, "{s}");
        }
        assert_eq!(
            parse(&t("IDR 12,000.00"), Reading::DotDecimal).unwrap(),
            Some(d("12000"))
        );
        assert_eq!(parse(&Cell::Number(87678.0), r).unwrap(), Some(d("87678")));
        assert!(parse(&t("dua ribu"), r).is_err());
        for (s, want) in [
            ("(5.000)", "-5000"),
            ("+5.000", "5000"),
            ("Rp. 5.000,-", "5000"),
        ] {
            assert_eq!(parse(&t(s), r).unwrap(), Some(d(want)), "{s}");
        }
        // A misreading is an error, never another number.
        for s in ["12.5", "1.25.000", "12500.50"] {
            assert!(parse(&t(s), r).is_err(), "{s} with dot thousands");
        }
        assert!(parse(&t("12500,50"), Reading::DotDecimal).is_err());
        // One typo among prices does not turn the column into decimals.
        let prices = ["12.000", "15.000", "18.500", "2.5"].map(t);
        let read = decide(&prices.iter().collect::<Vec<_>>(), true);
        assert_eq!(
            read,
            ColumnReading {
                reading: Reading::DotThousands,
                ambiguous: true
            }
        );
    }

    #[test]
    fn a_column_decides_how_its_dots_read() {
        let c = |v: &[&str]| v.iter().map(|s| t(s)).collect::<Vec<_>>();
        let stock = c(&["36.000", "2.000", "-1.500"]);
        let r = decide(&stock.iter().collect::<Vec<_>>(), false);
        assert_eq!(
            r,
            ColumnReading {
                reading: Reading::DotDecimal,
                ambiguous: true
            }
        );
        let prices = c(&["Rp 12.000", "5.500", "3.500"]);
        assert_eq!(
            decide(&prices.iter().collect::<Vec<_>>(), true),
            ColumnReading {
                reading: Reading::DotThousands,
                ambiguous: false
            },
            "a price column is not ambiguous"
        );
        let cafe = c(&["25.00", "3.50"]);
        assert_eq!(
            decide(&cafe.iter().collect::<Vec<_>>(), true).reading,
            Reading::DotDecimal
        );
        let mixed = c(&["36", "1.250.000"]);
        assert_eq!(
            decide(&mixed.iter().collect::<Vec<_>>(), false).reading,
            Reading::DotThousands
        );
    }
}
