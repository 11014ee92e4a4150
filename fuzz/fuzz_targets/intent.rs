//! Any bytes as a chat message: the engine never panics, answers the same way twice, and
//! what it says holds together — confidence within 0..=1, no negative figure, a catalog id
//! only from the catalog, a contract object that serialises.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use pasar_intent::{Catalog, Context, KnownProduct, answer, parse};
use rust_decimal::Decimal;

/// A small catalog, matched the way pasar-core's is in spirit: every word of a name must be
/// a prefix of one of the message's words.
struct Shelf(Vec<KnownProduct>);

impl Catalog for Shelf {
    fn product(&self, words: &str) -> Option<KnownProduct> {
        let words: Vec<&str> = words.split_whitespace().collect();
        if words.is_empty() {
            return None;
        }
        let mut hits = self.0.iter().filter(|p| {
            let name = p.name.to_lowercase();
            words
                .iter()
                .all(|w| name.split_whitespace().any(|n| n.starts_with(w)))
        });
        match (hits.next(), hits.next()) {
            (Some(p), None) => Some(p.clone()),
            _ => None,
        }
    }
}

fn shelf() -> Shelf {
    let p = |id, name: &str, unit: &str, price: i64| KnownProduct {
        id,
        name: name.into(),
        unit: unit.into(),
        price: Decimal::from(price),
    };
    Shelf(vec![
        p(1, "Beras Pulen", "kg", 12_000),
        p(2, "Gula Pasir", "kg", 16_000),
        p(3, "Minyak Goreng", "liter", 17_500),
        p(4, "Indomie Goreng", "pcs", 3_500),
        p(5, "Telur Ayam", "kg", 28_000),
        p(6, "Teh Pucuk", "botol", 4_000),
    ])
}

fn check(text: &str, ctx: &Context<'_>, ids: &[i64]) {
    let c = parse(text, ctx);
    assert!(
        c.confidence.is_finite() && (0.0..=1.0).contains(&c.confidence),
        "confidence {} for {text:?}",
        c.confidence
    );
    assert_eq!(c, parse(text, ctx), "two parses of {text:?} differ");
    let figures = c
        .items
        .iter()
        .chain(&c.goods)
        .flat_map(|i| [i.quantity, i.unit_price, i.total])
        .chain([c.amount])
        .flatten();
    for f in figures {
        assert!(
            f >= Decimal::ZERO,
            "negative figure {f} for {text:?}: {c:?}"
        );
    }
    for i in c.items.iter().chain(&c.goods) {
        if let Some(id) = i.product_id {
            assert!(ids.contains(&id), "unknown product id {id} for {text:?}");
        }
    }
    let json = serde_json::to_value(&c).expect("the contract serialises");
    assert!(json["intent"].is_string(), "no intent for {text:?}: {json}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    check(text, &Context::new(today), &[]);
    let shelf = shelf();
    let ids: Vec<i64> = shelf.0.iter().map(|p| p.id).collect();
    check(text, &Context::with_catalog(today, &shelf), &ids);
    let a = answer(text);
    assert!(!(a.yes && a.no), "both yes and no for {text:?}");
});
