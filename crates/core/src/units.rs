//! Unit names as shops write them, and the conversions every shop knows without being told
//! (1 kg = 1000 g = 10 ons, 1 l = 1000 ml, 1 lusin = 12, 1 kodi = 20). Per-product units
//! (1 karung = 50 kg, 1 dus = 40 bungkus) live in the catalog.

use rust_decimal::Decimal;

/// Folds spellings of one unit to one name: "Kilo" → "kg", "bungkus" → "bks".
pub fn canonical_unit(s: &str) -> String {
    let l = s.trim().trim_end_matches('.').to_lowercase();
    let c = match l.as_str() {
        "kg" | "kilo" | "kilogram" | "kgs" | "kilogr" => "kg",
        "g" | "gr" | "gram" | "grm" | "grs" => "g",
        "ons" | "on" => "ons",
        "l" | "lt" | "ltr" | "liter" | "litre" => "l",
        "ml" | "mililiter" => "ml",
        "pcs" | "pc" | "bh" | "buah" | "biji" | "bj" | "btr" | "butir" | "unit" | "pieces" => "pcs",
        "bks" | "bungkus" | "bgks" => "bks",
        "dus" | "dos" | "box" | "kardus" | "karton" | "ktk" | "kotak" => "dus",
        "pak" | "pack" | "pax" | "pck" => "pak",
        "sak" | "karung" | "krg" => "karung",
        "btl" | "botol" => "btl",
        "renteng" | "rtg" | "rentengan" => "renteng",
        "lusin" | "lsn" => "lusin",
        "kodi" => "kodi",
        "ikat" | "ikt" => "ikat",
        "sisir" => "sisir",
        "rim" => "rim",
        "slop" | "slof" => "slop",
        "tabung" | "tbg" => "tabung",
        "galon" | "gln" => "galon",
        _ => return l,
    };
    c.to_string()
}

/// How many `base` units one `unit` is, for conversions that hold for every product.
pub fn builtin_factor(base: &str, unit: &str) -> Option<Decimal> {
    let (b, u) = (canonical_unit(base), canonical_unit(unit));
    if b == u {
        return Some(Decimal::ONE);
    }
    let grams = |x: &str| match x {
        "kg" => Some(Decimal::from(1000)),
        "ons" => Some(Decimal::from(100)),
        "g" => Some(Decimal::ONE),
        _ => None,
    };
    let millis = |x: &str| match x {
        "l" => Some(Decimal::from(1000)),
        "ml" => Some(Decimal::ONE),
        _ => None,
    };
    let pieces = |x: &str| match x {
        "pcs" => Some(Decimal::ONE),
        "lusin" => Some(Decimal::from(12)),
        "kodi" => Some(Decimal::from(20)),
        _ => None,
    };
    for table in [&grams as &dyn Fn(&str) -> Option<Decimal>, &millis, &pieces] {
        if let (Some(bv), Some(uv)) = (table(&b), table(&u)) {
            return Some(uv / bv);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_converts() {
        assert_eq!(canonical_unit("Kilo"), "kg");
        assert_eq!(canonical_unit("bungkus"), "bks");
        assert_eq!(builtin_factor("kg", "gram"), Some("0.001".parse().unwrap()));
        assert_eq!(builtin_factor("kg", "ons"), Some("0.1".parse().unwrap()));
        assert_eq!(builtin_factor("pcs", "lusin"), Some(Decimal::from(12)));
        assert_eq!(builtin_factor("kg", "dus"), None);
    }
}
