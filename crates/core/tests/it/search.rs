//! Product search: exact codes, aliases, substrings, word order, typos.

use crate::common::*;
use pasar_core::{NewProduct, ProductPatch, Shop};

fn catalog() -> Shop {
    let (mut shop, _) = shop();
    beras(&mut shop);
    for (sku, name, alias) in [
        ("MIE-001", "Indomie Goreng", "idm"),
        ("MIE-002", "Indomie Soto", ""),
        ("MNR-001", "Aqua 600 ml", "air mineral"),
        ("MYK-001", "Minyak Goreng Bimoli 2 L", "bimoli"),
        ("SBN-001", "Sabun Lifebuoy", ""),
    ] {
        shop.add_product(NewProduct {
            name: name.into(),
            sku: Some(sku.into()),
            price: d("1000"),
            aliases: if alias.is_empty() {
                vec![]
            } else {
                vec![alias.into()]
            },
            ..Default::default()
        })
        .unwrap();
    }
    shop
}

fn names(shop: &Shop, q: &str) -> Vec<String> {
    shop.search_products(q, 10)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn finds_by_code_alias_substring_and_typo() {
    let shop = catalog();
    assert_eq!(names(&shop, "8990000000011"), ["Beras Pulen"]);
    assert_eq!(names(&shop, "mie-002"), ["Indomie Soto"]);
    assert_eq!(names(&shop, "brs"), ["Beras Pulen"]);
    assert_eq!(names(&shop, "bimoli")[0], "Minyak Goreng Bimoli 2 L");
    assert_eq!(names(&shop, "omie").len(), 2, "mid-word substring");
    assert_eq!(
        names(&shop, "goreng indomie"),
        ["Indomie Goreng"],
        "any word order"
    );
    assert_eq!(names(&shop, "GORENG").len(), 2, "case-insensitive");
    assert_eq!(
        names(&shop, "indomei")[..2].len(),
        2,
        "typo still finds Indomie"
    );
    assert!(
        names(&shop, "indomei")
            .iter()
            .all(|n| n.starts_with("Indomie"))
    );
    assert_eq!(names(&shop, "lifbuoy"), ["Sabun Lifebuoy"]);
    assert_eq!(
        names(&shop, "ai"),
        ["Aqua 600 ml"],
        "short query: substring scan"
    );
    assert!(names(&shop, "qwertyuiop").is_empty());
}

#[test]
fn spelling_vocabulary_holds_words_not_numbers_or_codes() {
    let shop = catalog();
    let vocabulary: Vec<String> = shop
        .connection()
        .prepare("SELECT word FROM search_words ORDER BY word")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for word in ["minyak", "goreng", "bimoli", "mie", "myk", "mineral"] {
        assert!(
            vocabulary.contains(&word.to_string()),
            "{word} in {vocabulary:?}"
        );
    }
    for not in ["600", "mie-001", "001", "ml"] {
        assert!(
            !vocabulary.contains(&not.to_string()),
            "{not} in {vocabulary:?}"
        );
    }
    // A typo beside a number is still corrected; the number is kept as written.
    assert_eq!(names(&shop, "minyk 2 l"), ["Minyak Goreng Bimoli 2 L"]);
    assert_eq!(
        names(&shop, "sabun lifbuoy 600").len(),
        0,
        "600 is not corrected"
    );
    // Codes are found by their text, never "corrected" into another code.
    assert_eq!(names(&shop, "myk-001"), ["Minyak Goreng Bimoli 2 L"]);
    assert!(names(&shop, "myk-009").is_empty());
}

#[test]
fn resolve_never_guesses_between_several() {
    let mut shop = catalog();
    assert_eq!(
        shop.resolve_product("indomie soto").unwrap().name,
        "Indomie Soto"
    );
    let err = shop.resolve_product("indomie").unwrap_err();
    assert_eq!(err.code(), "ambiguous_product");
    assert!(err.message(pasar_core::Lang::Id).contains("Indomie Goreng"));
    assert_eq!(
        shop.resolve_product("lifebuoy").unwrap().sku.as_deref(),
        Some("SBN-001")
    );
    shop.update_product(
        6,
        ProductPatch {
            active: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        shop.resolve_product("SBN-001").unwrap().id,
        6,
        "an inactive product is still found by code, to reactivate, count or take back"
    );
    assert_eq!(shop.resolve_product("lifebuoy").unwrap().id, 6);
    let sell = shop
        .record_sale(&pasar_core::NewSale {
            lines: vec![line("SBN-001", "1", None)],
            payment: pasar_core::Payment::Cash,
            tendered: None,
            customer: None,
            discount: Default::default(),
            note: None,
            discount_percent: None,
        })
        .unwrap_err();
    assert_eq!(sell.code(), "product_inactive", "only selling refuses it");
    assert!(
        names(&shop, "lifebuoy").is_empty(),
        "inactive products are not offered"
    );
}

#[test]
fn duplicate_codes_are_refused() {
    let mut shop = catalog();
    let err = shop
        .add_product(NewProduct {
            name: "X".into(),
            sku: Some("MIE-001".into()),
            price: d("1"),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    let err = shop
        .add_product(NewProduct {
            name: "Y".into(),
            barcode: Some("8990000000011".into()),
            price: d("1"),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "duplicate");
    assert!(
        shop.add_product(NewProduct {
            name: " ".into(),
            price: d("1"),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        shop.add_product(NewProduct {
            name: "Z".into(),
            price: d("-1"),
            ..Default::default()
        })
        .is_err()
    );
    assert_eq!(shop.products(true).unwrap().len(), 6);
}
