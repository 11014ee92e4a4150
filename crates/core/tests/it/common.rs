use chrono::{DateTime, TimeZone, Utc};
use pasar_core::{
    Decimal, ManualClock, NewProduct, NewSale, Payment, Product, ProductRef, ProductUnit,
    SaleLineInput, Shop,
};
use std::sync::Arc;

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

/// 2026-11-20 10:00 WIB.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap()
}

pub fn shop() -> (Shop, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0()));
    let shop = Shop::open_in_memory(clock.clone()).expect("in-memory shop");
    (shop, clock)
}

pub fn product(
    shop: &mut Shop,
    sku: &str,
    name: &str,
    unit: &str,
    price: &str,
    cost: &str,
    stock: &str,
) -> Product {
    shop.add_product(NewProduct {
        name: name.into(),
        sku: Some(sku.into()),
        unit: Some(unit.into()),
        price: d(price),
        cost: Some(d(cost)),
        stock: Some(d(stock)),
        ..Default::default()
    })
    .expect("add product")
}

/// Beras: 14.000/kg, cost 12.000, 100 kg, 1 karung = 25 kg sold at 335.000.
pub fn beras(shop: &mut Shop) -> Product {
    shop.add_product(NewProduct {
        name: "Beras Pulen".into(),
        sku: Some("BRS".into()),
        barcode: Some("8990000000011".into()),
        unit: Some("kg".into()),
        price: d("14000"),
        cost: Some(d("12000")),
        stock: Some(d("100")),
        reorder_point: Some(d("20")),
        aliases: vec!["brs".into(), "beras".into()],
        units: vec![ProductUnit {
            unit: "karung".into(),
            factor: d("25"),
            price: Some(d("335000")),
            code: None,
        }],
        ..Default::default()
    })
    .expect("add beras")
}

pub fn line(product: &str, qty: &str, unit: Option<&str>) -> SaleLineInput {
    SaleLineInput {
        product: ProductRef::Query(product.into()),
        qty: d(qty),
        unit: unit.map(str::to_string),
        price: None,
        discount: Decimal::ZERO,
        discount_percent: None,
    }
}

pub fn cash(lines: Vec<SaleLineInput>) -> NewSale {
    NewSale {
        lines,
        payment: Payment::Cash,
        tendered: None,
        customer: None,
        discount: Decimal::ZERO,
        note: None,
        discount_percent: None,
    }
}

pub fn count(shop: &Shop, table: &str) -> i64 {
    shop.connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Sum of a decimal column computed exactly (not with SQLite's floating SUM).
pub fn sum(shop: &Shop, sql: &str) -> Decimal {
    let mut st = shop.connection().prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| d(&s.unwrap()))
        .sum()
}

/// Indomie Goreng: 3.500/pcs, cost 3.050, 1 dus = 40 pcs with no own dus price.
pub fn indomie(shop: &mut Shop, stock: &str) -> Product {
    shop.add_product(NewProduct {
        name: "Indomie Goreng".into(),
        sku: Some("MIE".into()),
        unit: Some("pcs".into()),
        price: d("3500"),
        cost: Some(d("3050")),
        stock: Some(d(stock)),
        units: vec![ProductUnit {
            unit: "dus".into(),
            factor: d("40"),
            price: None,
            code: None,
        }],
        ..Default::default()
    })
    .expect("add indomie")
}
