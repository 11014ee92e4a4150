//! Receipt rendering benchmarks (criterion), with a summary of medians against the goals:
//! one 58 mm receipt PDF with 10 lines under 5 ms, its ESC/POS under 0.5 ms.
//! Run: `./x bench` (or `cargo bench -p pasar-print`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::Criterion;
use pasar_core::{
    Decimal, ManualClock, NewProduct, NewSale, Payment, ProductRef, SaleLineInput, Shop,
};
use pasar_print::{PrintSetup, receipt_escpos, receipt_pdf, receipt_text};

fn median_us(n: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let quick = std::env::var_os("PASAR_BENCH_QUICK").is_some();
    let mut c = Criterion::default().configure_from_args();
    if quick {
        c = c
            .warm_up_time(std::time::Duration::from_millis(300))
            .measurement_time(std::time::Duration::from_secs(1))
            .sample_size(10);
    }
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap(),
    ));
    let mut shop = Shop::open_in_memory(clock).unwrap();
    shop.set_setting("shop_name", "Warung Bu Tini").unwrap();
    shop.set_setting("shop_address", "Jl. Melati No. 12, Sleman")
        .unwrap();
    let mut lines = Vec::new();
    for i in 0..10 {
        shop.add_product(NewProduct {
            name: format!("Produk Sembako Nomor {i} Kemasan Hemat"),
            sku: Some(format!("P{i}")),
            price: Decimal::from(3500 + i * 1000),
            stock: Some(Decimal::from(100)),
            ..Default::default()
        })
        .unwrap();
        lines.push(SaleLineInput {
            product: ProductRef::Query(format!("P{i}")),
            qty: Decimal::from(1 + i % 3),
            unit: None,
            price: None,
            discount: Decimal::ZERO,
            discount_percent: None,
        });
    }
    let id = shop
        .record_sale(&NewSale {
            lines,
            payment: Payment::Cash,
            tendered: Some(Decimal::from(200_000)),
            customer: None,
            discount: Decimal::ZERO,
            note: None,
            discount_percent: None,
        })
        .unwrap()
        .sale_id;
    let r = shop.receipt(id).unwrap();
    let setup = PrintSetup::of(&shop).unwrap();
    c.bench_function("receipt_pdf_58mm_10_lines", |b| {
        b.iter(|| black_box(receipt_pdf(&r, 58)))
    });
    c.bench_function("receipt_escpos_58mm_10_lines", |b| {
        b.iter(|| black_box(receipt_escpos(&r, &setup, 58)))
    });
    c.bench_function("receipt_text_58mm_10_lines", |b| {
        b.iter(|| black_box(receipt_text(&r, 58)))
    });
    let n = if quick { 50 } else { 300 };
    let pdf = median_us(n, || {
        black_box(receipt_pdf(&r, 58));
    });
    let esc = median_us(n * 10, || {
        black_box(receipt_escpos(&r, &setup, 58));
    });
    // Building the receipt from the database, once per print.
    let build = median_us(n * 10, || {
        black_box(shop.receipt(id).unwrap());
    });
    c.final_summary();
    println!(
        "\nPasarSuara print benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  {:<58} {:>10.2} ms   goal < 5 ms",
        "58 mm receipt PDF, 10 lines (median)",
        pdf / 1000.0
    );
    println!(
        "  {:<58} {:>10.1} µs   goal < 500 µs",
        "58 mm receipt ESC/POS, 10 lines (median)", esc
    );
    println!(
        "  {:<58} {:>10.1} µs",
        "receipt built from the database (median)", build
    );
    println!(
        "  {:<58} {:>10} KB",
        "58 mm receipt PDF size",
        receipt_pdf(&r, 58).len() / 1024
    );
}
