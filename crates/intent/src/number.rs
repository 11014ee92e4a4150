//! Numbers as shop talk writes them: digits with dot thousands and comma decimals ("12.000",
//! "1,5"), suffixes (12rb, 12 ribu, 12k, 1,5 jt, 16 ewu, 28 rebu), number words in Indonesian,
//! Javanese and Sundanese ("dua ratus lima puluh ribu", "rong atus ewu", "lima welas rebu"),
//! slang (cepek, gopek, seceng, goceng, ceban, goban), fractions (setengah, seperempat, 1/2)
//! and "1500an". Pure functions over tokens; never panics, never overflows (values are
//! bounded).

use rust_decimal::Decimal;

/// A number read from the start of a token slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Num {
    pub value: Decimal,
    /// Tokens it took.
    pub len: usize,
    /// Written as money: a thousands/millions word or suffix, "Rp", or slang for an amount.
    pub money: bool,
}

/// The largest figure read: a shop's message never names more than a billion rupiah, and the
/// bound keeps every product of two figures inside `Decimal`.
const MAX: i64 = 1_000_000_000_000;

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

/// A money multiplier word or suffix.
fn multiplier(w: &str) -> Option<(Decimal, bool)> {
    Some(match w {
        "rb" | "rbu" | "ribu" | "rebu" | "ewu" | "k" | "rb," | "ribuan" | "rbn" | "ceng" => {
            (dec(1_000), true)
        }
        "jt" | "juta" | "yuta" | "jeti" | "jtan" | "jutaan" => (dec(1_000_000), true),
        _ => return None,
    })
}

/// Slang for amounts (Betawi/Hokkien numbers the market uses).
fn slang(w: &str) -> Option<i64> {
    Some(match w {
        "gocap" => 50,
        "cepek" => 100,
        "nopek" => 200,
        "gopek" => 500,
        "seceng" => 1_000,
        "noceng" => 2_000,
        "goceng" => 5_000,
        "ceban" => 10_000,
        "noban" => 20_000,
        "goban" => 50_000,
        "cepban" => 100_000,
        _ => return None,
    })
}

/// Digits as written: "12.000", "1.250.000", "12,5", "1.250,75", "12,000.50", "1500an".
/// Returns the value and any letters glued behind ("12rb" → (12, "rb")).
pub fn digits(token: &str) -> Option<(Decimal, &str)> {
    let t = token.strip_prefix("rp").unwrap_or(token);
    let t = t.strip_prefix('.').unwrap_or(t);
    let end = t
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map_or(t.len(), |(i, _)| i);
    let (num, rest) = t.split_at(end);
    let num = num.trim_end_matches([',', '.']);
    let rest = rest.trim_start_matches('-');
    if num.is_empty() || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let dots = num.matches('.').count();
    let commas = num.matches(',').count();
    let groups_of_three = |sep: char| num.split(sep).skip(1).all(|g| g.len() == 3);
    let plain: String = match (dots, commas) {
        (0, 0) => num.to_string(),
        (_, 0) if groups_of_three('.') => num.replace('.', ""),
        (1, 0) => num.to_string(),
        (0, 1) if !groups_of_three(',') => num.replace(',', "."),
        (0, _) if groups_of_three(',') => num.replace(',', ""),
        (_, _) if dots > 0 && commas > 0 => {
            if num.rfind(',') > num.rfind('.') {
                num.replace('.', "").replace(',', ".")
            } else {
                num.replace(',', "")
            }
        }
        _ => return None,
    };
    if plain.len() > 18 || plain.matches('.').count() > 1 {
        return None;
    }
    let v: Decimal = plain.parse().ok()?;
    (v <= dec(MAX)).then_some((v.normalize(), rest))
}

/// A number word's value: (value, kind).
#[derive(Clone, Copy, PartialEq)]
enum Word {
    Digit(i64),
    /// A whole amount below a thousand ("sepuluh", "seket", "satus", "selawe").
    Small(i64),
    Ten,
    Teen,
    Hundred,
    TwentyPlus,
    Thousand(i64),
    Million(i64),
    Half,
    Quarter,
}

fn word(w: &str) -> Option<Word> {
    use Word::*;
    Some(match w {
        "nol" | "kosong" => Digit(0),
        "satu" | "siji" | "hiji" | "setunggal" => Digit(1),
        "dua" | "loro" | "rong" | "kalih" => Digit(2),
        "tiga" | "telu" | "telung" | "tilu" | "tigo" => Digit(3),
        "empat" | "papat" | "patang" | "opat" => Digit(4),
        "lima" | "limo" | "limang" => Digit(5),
        "enam" | "enem" | "nem" | "genep" => Digit(6),
        "tujuh" | "pitu" | "pitung" => Digit(7),
        "delapan" | "wolu" | "wolung" | "dalapan" => Digit(8),
        "sembilan" | "songo" | "sanga" | "sangang" | "salapan" => Digit(9),
        "sepuluh" | "sapuluh" | "sedoso" => Small(10),
        "sebelas" | "sewelas" | "sabelas" => Small(11),
        "rolas" => Small(12),
        "telulas" | "tlulas" => Small(13),
        "patbelas" | "patlas" => Small(14),
        "limolas" | "limalas" => Small(15),
        "nembelas" | "nemlas" => Small(16),
        "pitulas" => Small(17),
        "wolulas" => Small(18),
        "sangalas" | "songolas" => Small(19),
        "selikur" => Small(21),
        "selawe" => Small(25),
        "seket" => Small(50),
        "sewidak" => Small(60),
        "seratus" | "satus" | "saratus" => Small(100),
        "puluh" | "dasa" => Ten,
        "belas" | "welas" => Teen,
        "ratus" | "atus" => Hundred,
        "likur" => TwentyPlus,
        "ribu" | "rebu" | "ewu" | "rb" => Thousand(0),
        "seribu" | "sewu" | "sarebu" => Thousand(1),
        "juta" | "yuta" | "jt" => Million(0),
        "sejuta" | "sayuta" | "sajuta" => Million(1),
        "setengah" | "setengahnya" | "separo" | "separuh" | "satengah" => Half,
        "seperempat" | "saparapat" => Quarter,
        _ => return None,
    })
}

/// Number words from the start of `tokens` ("dua ratus lima puluh ribu", "satus seket ewu",
/// "satu setengah", "tiga perempat").
fn words(tokens: &[&str]) -> Option<Num> {
    let mut total = Decimal::ZERO;
    let mut group: i64 = 0;
    let mut pending: Option<i64> = None;
    let mut frac = Decimal::ZERO;
    let mut len = 0;
    let mut money = false;
    let mut any = false;
    while let Some(t) = tokens.get(len) {
        // "tiga perempat": a digit before "perempat" is quarters.
        if *t == "perempat" || *t == "parapat" {
            let Some(p) = pending.take() else { break };
            frac += Decimal::new(25, 2) * dec(p);
            len += 1;
            any = true;
            continue;
        }
        let Some(w) = word(t) else { break };
        match w {
            Word::Digit(d) => {
                if let Some(p) = pending.replace(d) {
                    group += p;
                }
            }
            Word::Small(v) => {
                group += pending.take().unwrap_or(0) + v;
            }
            Word::Ten => group += pending.take().unwrap_or(1) * 10,
            Word::Teen => group += pending.take().unwrap_or(1) + 10,
            Word::Hundred => group += pending.take().unwrap_or(1) * 100,
            Word::TwentyPlus => group += pending.take().unwrap_or(1) + 20,
            Word::Thousand(one) | Word::Million(one) => {
                let scale = if matches!(w, Word::Thousand(_)) {
                    1_000
                } else {
                    1_000_000
                };
                let n = group + pending.take().unwrap_or(0) + one;
                // "ribu" alone after nothing is not a number.
                if n == 0 && !any {
                    break;
                }
                total += dec(n.max(1)) * dec(scale) + frac * dec(scale);
                frac = Decimal::ZERO;
                group = 0;
                money = true;
            }
            Word::Half => frac += Decimal::new(5, 1),
            Word::Quarter => frac += Decimal::new(25, 2),
        }
        any = true;
        len += 1;
        if total > dec(MAX) || group > MAX {
            return None;
        }
    }
    if !any {
        return None;
    }
    let value = total + dec(group + pending.unwrap_or(0)) + frac;
    Some(Num {
        value: value.normalize(),
        len,
        money,
    })
}

/// The number at the start of `tokens`, if one is there.
pub fn read(tokens: &[&str]) -> Option<Num> {
    let first = *tokens.first()?;
    let mut at = 0;
    let mut money = false;
    // "Rp 12.000", "Rp12.000", "IDR 12.000"
    let first = if first == "rp" || first == "idr" || first == "rp." {
        money = true;
        at = 1;
        *tokens.get(1)?
    } else {
        if first.starts_with("rp") && first[2..].starts_with(|c: char| c.is_ascii_digit()) {
            money = true;
        }
        first
    };
    if let Some(v) = slang(first) {
        return Some(Num {
            value: dec(v),
            len: at + 1,
            money: true,
        });
    }
    if let Some((v, rest)) = digits(first) {
        let mut value = v;
        let mut len = at + 1;
        // "1/2", "3/4"
        if rest.is_empty()
            && tokens.get(len) == Some(&"/")
            && let Some((den, "")) = tokens.get(len + 1).and_then(|t| digits(t))
            && !den.is_zero()
            && v < den
            && den <= dec(100)
        {
            return Some(Num {
                value: (v / den).round_dp(4).normalize(),
                len: len + 2,
                money,
            });
        }
        let suffix = match rest {
            "" => tokens
                .get(len)
                .copied()
                .filter(|t| multiplier(t).is_some())
                .inspect(|_| {
                    len += 1;
                }),
            "an" => None,
            r => Some(r),
        };
        if let Some(s) = suffix {
            match multiplier(s) {
                Some((m, _)) => {
                    value *= m;
                    money = true;
                }
                // Letters glued on that are not a multiplier: "5kg" — the caller splits.
                None => return None,
            }
        }
        // "2 1/2" (2,5): a whole number and a fraction.
        if rest.is_empty()
            && len == at + 1
            && let Some(f) = tokens.get(len..).and_then(read)
            && f.value < Decimal::ONE
            && f.value > Decimal::ZERO
            && f.len == 3
            && tokens.get(len + 1) == Some(&"/")
        {
            value += f.value;
            len += f.len;
        }
        // "2 setengah" (2,5), "1 setengah juta"
        if let Some(Word::Half) = tokens.get(len).and_then(|t| word(t)) {
            value += Decimal::new(5, 1);
            len += 1;
            if let Some((m, _)) = tokens.get(len).and_then(|t| multiplier(t)) {
                value *= m;
                money = true;
                len += 1;
            }
        }
        if value > dec(MAX) {
            return None;
        }
        return Some(Num {
            value: value.normalize(),
            len,
            money,
        });
    }
    let mut n = words(&tokens[at..])?;
    n.len += at;
    n.money |= money;
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<(String, usize, bool)> {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        read(&tokens).map(|n| (n.value.to_string(), n.len, n.money))
    }

    #[test]
    fn digits_as_indonesians_write_them() {
        for (t, want) in [
            ("12.000", "12000"),
            ("1.250.000", "1250000"),
            ("12,5", "12.5"),
            ("2,5", "2.5"),
            ("1.250,75", "1250.75"),
            ("12,000.50", "12000.5"),
            ("0,25", "0.25"),
            ("1500an", "1500"),
            ("2 1 / 2", "2.5"),
            ("1 3 / 4", "1.75"),
            ("1.5", "1.5"),
            ("12,000", "12000"),
        ] {
            assert_eq!(v(t).map(|x| x.0), Some(want.to_string()), "{t}");
        }
    }

    #[test]
    fn suffixes_and_multiplier_words() {
        for (t, want) in [
            ("12rb", "12000"),
            ("12 rb", "12000"),
            ("12k", "12000"),
            ("1,5 jt", "1500000"),
            ("1,1jt", "1100000"),
            ("16 ewu", "16000"),
            ("28 rebu", "28000"),
            ("rp 15.500", "15500"),
            ("rp12.000", "12000"),
            ("2 setengah juta", "2500000"),
        ] {
            let got = v(t).unwrap();
            assert_eq!(
                (got.0.as_str(), got.1, got.2),
                (want, t.split(' ').count(), true),
                "{t}"
            );
        }
    }

    #[test]
    fn number_words_in_three_languages() {
        for (t, want) in [
            ("dua ratus lima puluh ribu", "250000"),
            ("seribu lima ratus", "1500"),
            ("telung puluh ewu", "30000"),
            ("rong atus ewu", "200000"),
            ("selawe", "25"),
            ("seket", "50"),
            ("satus seket ewu", "150000"),
            ("sapuluh rebu", "10000"),
            ("lima welas rebu", "15000"),
            ("tilu puluh rebu", "30000"),
            ("setengah", "0.5"),
            ("seperempat", "0.25"),
            ("tiga perempat", "0.75"),
            ("satu setengah", "1.5"),
            ("selikur", "21"),
            ("telu likur", "23"),
            ("sejuta", "1000000"),
        ] {
            assert_eq!(v(t).map(|x| x.0), Some(want.to_string()), "{t}");
        }
    }

    #[test]
    fn slang_fractions_and_what_is_not_a_number() {
        for (t, want) in [
            ("ceban", "10000"),
            ("goceng", "5000"),
            ("gopek", "500"),
            ("cepek", "100"),
            ("seceng", "1000"),
            ("goban", "50000"),
            ("1 / 2", "0.5"),
            ("3 / 4", "0.75"),
        ] {
            assert_eq!(v(t).map(|x| x.0), Some(want.to_string()), "{t}");
        }
        for t in ["beras", "ribu", "", "rp", "5kg", "99999999999999999999999"] {
            assert_eq!(v(t), None, "{t}");
        }
    }
}
