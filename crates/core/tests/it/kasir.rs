//! What the cashier's screen asks of the core: what Enter adds, how search ranks, percent
//! discounts, and the contacts a typed name may mean.

use crate::common::*;
use pasar_core::{NewProduct, ProductPatch, ProductUnit, SalePick, Shop};

fn named(shop: &mut Shop, name: &str, sku: &str, category: Option<&str>) -> i64 {
    shop.add_product(NewProduct {
        name: name.into(),
        sku: Some(sku.into()),
        category: category.map(str::to_string),
        price: d("2000"),
        stock: Some(d("500")),
        ..Default::default()
    })
    .unwrap()
    .id
}

fn pick(shop: &Shop, q: &str) -> SalePick {
    shop.pick_for_sale(q).unwrap()
}

fn one(p: SalePick) -> (String, Option<String>) {
    match p {
        SalePick::One { product, unit } => (product.name.clone(), unit),
        other => panic!("expected one product, got {other:?}"),
    }
}

fn choices(p: SalePick) -> Vec<String> {
    match p {
        SalePick::Choose { products } => products.into_iter().map(|p| p.name).collect(),
        other => panic!("expected choices, got {other:?}"),
    }
}

#[test]
fn enter_adds_only_what_is_meant() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    named(&mut shop, "Popok Mamy Poko M", "BYI-001", Some("Bayi"));
    named(&mut shop, "Indomie Goreng", "MIE-1", None);
    named(&mut shop, "Indomie Soto", "MIE-2", None);
    let kopi = shop
        .add_product(NewProduct {
            name: "Kopi Kapal Api".into(),
            price: d("1500"),
            units: vec![ProductUnit {
                unit: "renteng".into(),
                factor: d("10"),
                price: Some(d("14000")),
                code: Some("8991002000109".into()),
            }],
            ..Default::default()
        })
        .unwrap();

    // Codes and exact names are one product.
    assert_eq!(one(pick(&shop, "8990000000011")).0, "Beras Pulen");
    assert_eq!(one(pick(&shop, "mie-2")).0, "Indomie Soto");
    assert_eq!(one(pick(&shop, "indomie goreng")).0, "Indomie Goreng");
    assert_eq!(one(pick(&shop, "beras")).0, "Beras Pulen", "an alias");
    assert_eq!(
        one(pick(&shop, "8991002000109")),
        ("Kopi Kapal Api".into(), Some("renteng".into())),
        "a unit's own code adds that unit"
    );
    // One product contains the words: unambiguous.
    assert_eq!(one(pick(&shop, "kapal")).0, kopi.name);
    // Several contain them: the cashier chooses, best first.
    assert_eq!(choices(pick(&shop, "indomie")).len(), 2);
    // A spelling guess is never added on its own: "rokok" is two edits from "poko".
    let guessed = choices(pick(&shop, "rokok"));
    assert_eq!(guessed, ["Popok Mamy Poko M"], "offered, not added");
    assert!(matches!(pick(&shop, "indomei"), SalePick::Choose { .. }));
    // Nothing at all: a scanned code offers a new product with it, words do not.
    assert_eq!(
        pick(&shop, "8999999999999"),
        SalePick::Unknown { code: true }
    );
    assert_eq!(pick(&shop, "xqzw"), SalePick::Unknown { code: false });
    assert_eq!(pick(&shop, "BRG-0012"), SalePick::Unknown { code: true });
    // A product taken off sale is named, not replaced by another.
    let soto = shop.resolve_product("MIE-2").unwrap();
    shop.update_product(
        soto.id,
        ProductPatch {
            active: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    let err = shop.pick_for_sale("indomie soto").unwrap_err();
    assert_eq!(err.code(), "product_inactive");
    assert_eq!(
        shop.pick_for_sale("  ").unwrap_err().code(),
        "required",
        "an empty search is not a product"
    );
}

#[test]
fn search_ranks_name_words_then_sales_and_finds_categories() {
    let (mut shop, clock) = shop();
    named(&mut shop, "Roti Isi Telur", "R1", Some("Roti"));
    named(&mut shop, "Telur Puyuh", "T2", Some("Telur"));
    named(&mut shop, "Telur Ayam", "T1", Some("Telur"));
    named(&mut shop, "Gudang Garam Filter 12", "GG12", Some("Rokok"));
    named(&mut shop, "Susu Kental Manis", "SKM", Some("Telur & Susu"));
    let names = |shop: &Shop, q: &str| -> Vec<String> {
        shop.search_products(q, 10)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    // No sales yet: names that start with the word, shorter first; the word inside a name
    // next; a category match last.
    assert_eq!(
        names(&shop, "telur"),
        [
            "Telur Ayam",
            "Telur Puyuh",
            "Roti Isi Telur",
            "Susu Kental Manis"
        ]
    );
    // Quail eggs sell on three days, chicken eggs on one: quail eggs come first now.
    for day in 0..3 {
        clock.set(t0() + chrono::Duration::days(day));
        shop.record_sale(&cash(vec![line("Telur Puyuh", "1", None)]))
            .unwrap();
    }
    shop.record_sale(&cash(vec![line("Telur Ayam", "1", None)]))
        .unwrap();
    assert_eq!(names(&shop, "telur")[..2], ["Telur Puyuh", "Telur Ayam"]);
    // The category is searched ("rokok" → the cigarettes), and follows an edit.
    assert_eq!(names(&shop, "rokok"), ["Gudang Garam Filter 12"]);
    let gg = shop.resolve_product("GG12").unwrap();
    shop.update_product(
        gg.id,
        ProductPatch {
            category: Some(Some("Tembakau".into())),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(names(&shop, "rokok").is_empty());
    assert_eq!(names(&shop, "tembakau"), ["Gudang Garam Filter 12"]);
}

#[test]
fn percent_discounts_follow_the_quantity_and_round_to_the_rupiah() {
    let (mut shop, _) = shop();
    product(&mut shop, "GL", "Gula Pasir", "kg", "17500", "15000", "100");
    let mut l = line("GL", "3", None);
    l.discount_percent = Some(d("10"));
    let mut sale = cash(vec![l]);
    let q = shop.quote_sale(&sale).unwrap();
    assert_eq!(q.lines[0].discount, d("5250"), "10% of 3 x 17.500");
    assert_eq!(q.lines[0].total, d("47250"));
    sale.lines[0].qty = d("1.25");
    let q = shop.quote_sale(&sale).unwrap();
    // 10% of 21.875 = 2.187,5 → 2.188 (half away from zero), total 19.687.
    assert_eq!(
        (q.lines[0].discount, q.lines[0].total),
        (d("2188"), d("19687"))
    );
    // A sale-wide 12,5% on top, of the lines' total.
    sale.discount_percent = Some(d("12.5"));
    let q = shop.quote_sale(&sale).unwrap();
    assert_eq!(q.discount, d("2461"), "12,5% of 19.687 = 2.460,875");
    assert_eq!(q.total, d("17226"));
    let saved = shop.record_sale(&sale).unwrap();
    assert_eq!((saved.discount, saved.total), (d("2461"), d("17226")));
    assert_eq!(saved.lines[0].discount, d("2188"));
    shop.verify_books().unwrap();
    // Out of range or too precise: refused with the field named.
    for (p, code) in [
        ("0", "out_of_range"),
        ("100.01", "out_of_range"),
        ("-5", "out_of_range"),
        ("12.345", "too_precise"),
    ] {
        let mut l = line("GL", "1", None);
        l.discount_percent = Some(d(p));
        let err = shop.quote_sale(&cash(vec![l])).unwrap_err();
        assert_eq!(err.code(), code, "{p}%");
    }
    // 100% gives the line away (a free sample), never a negative total.
    let mut l = line("GL", "1", None);
    l.discount_percent = Some(d("100"));
    assert_eq!(shop.quote_sale(&cash(vec![l])).unwrap().total, d("0"));
}

#[test]
fn a_typed_name_finds_the_contact_it_may_mean() {
    let (mut shop, _) = shop();
    shop.add_debt("Pak Budi", d("50000"), None).unwrap();
    shop.add_contact("Bu Sri", false, None).unwrap();
    shop.add_contact("Toko Sinar Jaya", true, None).unwrap();
    let similar = |shop: &Shop, n: &str| -> Vec<String> {
        shop.similar_contacts(n)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(similar(&shop, "Pak Budy"), ["Pak Budi"], "one letter off");
    assert_eq!(similar(&shop, "budi"), ["Pak Budi"], "without the title");
    assert_eq!(
        similar(&shop, "Mas Budi"),
        ["Pak Budi"],
        "another man's title"
    );
    assert!(
        similar(&shop, "Bu Budi").is_empty(),
        "a woman is someone else"
    );
    assert!(
        similar(&shop, "pak budi").is_empty(),
        "the contact itself: nothing to ask"
    );
    // Asking costs a tap; a second debtor costs money: a near name is asked about.
    assert_eq!(similar(&shop, "Bu Sari"), ["Bu Sri"]);
    assert!(
        similar(&shop, "Bu Ani").is_empty(),
        "three letters: only the same name"
    );
    assert_eq!(similar(&shop, "Toko Sinar Jya"), ["Toko Sinar Jaya"]);
    assert!(similar(&shop, "Pak Joko").is_empty());

    let found: Vec<String> = shop
        .search_contacts("s", 10)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        found[0], "Bu Sri",
        "a name that starts with it first (after the title)"
    );
    assert!(found.contains(&"Toko Sinar Jaya".to_string()));
    assert!(!found.contains(&"Pak Budi".to_string()));
}

#[test]
fn tiles_show_what_sells_most_and_filter_by_category() {
    let (mut shop, clock) = shop();
    named(&mut shop, "Teh Pucuk", "TP", Some("Minuman"));
    named(&mut shop, "Aqua 600 ml", "AQ", Some("minuman"));
    named(&mut shop, "Kopi Kapal Api", "KK", Some("Kopi"));
    named(&mut shop, "Sabun Lifebuoy", "SL", None);
    for day in 0..2 {
        clock.set(t0() + chrono::Duration::days(day));
        shop.record_sale(&cash(vec![line("KK", "1", None)]))
            .unwrap();
    }
    shop.record_sale(&cash(vec![line("TP", "1", None)]))
        .unwrap();
    let names = |v: Vec<pasar_core::Product>| v.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(
        names(shop.popular_products(None, 10).unwrap()),
        [
            "Kopi Kapal Api",
            "Teh Pucuk",
            "Aqua 600 ml",
            "Sabun Lifebuoy"
        ]
    );
    assert_eq!(
        names(shop.popular_products(Some("MINUMAN"), 10).unwrap()),
        ["Teh Pucuk", "Aqua 600 ml"],
        "a category in any case"
    );
    assert_eq!(
        names(shop.popular_products(None, 1).unwrap()),
        ["Kopi Kapal Api"]
    );
    assert_eq!(
        shop.categories().unwrap(),
        ["Kopi", "Minuman"],
        "one entry per category whatever its case"
    );
}
