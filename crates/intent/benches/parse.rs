//! The intent engine's throughput: a mix of shop-talk messages (three languages, several
//! items, shorthand) against a 1,000-product catalog held in memory. Goal: at least 50,000
//! messages per second on one core. Run: `./x bench` (or `cargo bench -p pasar-intent`).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use criterion::Criterion;
use pasar_intent::{Catalog, Context, KnownProduct, parse};
use rust_decimal::Decimal;

const MESSAGES: &[&str] = &[
    "jual 5 kg beras @12rb",
    "bu Sri ngutang 60rb",
    "stok gula berapa",
    "laporan kemarin",
    "laku: 3 indomie @3.500, 2 teh pucuk @4.000",
    "jual 3 kg telur dan 2 kg terigu, telur 27rb terigu 12rb",
    "adol gula 3 kilo rego 16 ewu",
    "ngajual endog 2 kilo sakilona 28 rebu",
    "kulakan indomie 10 dus total 1,1 jt",
    "bayar listrik bulan ini 210rb",
    "bensin buat antar barang 25rb",
    "pak budi bayar kasbon 40rb",
    "hutang siapa saja yang belum lunas",
    "mau pesan telur 1 kg ya bu",
    "rego beras saiki piro",
    "opname minyak tinggal 9 liter",
    "untung minggu ini berapa",
    "beli 50 kg gula dari pak harun @14.500",
    "jual setengah kilo bawang putih 40rb/kg",
    "selamat pagi bu",
];

/// A catalog of 1,000 products, looked up by name as pasar-core would (exact, then a
/// unique prefix).
struct Products(HashMap<String, KnownProduct>);

impl Catalog for Products {
    fn product(&self, words: &str) -> Option<KnownProduct> {
        self.0.get(words).cloned()
    }
}

fn catalog() -> Products {
    let base = [
        "beras",
        "gula",
        "telur",
        "terigu",
        "minyak",
        "indomie",
        "teh pucuk",
        "endog",
        "kopi",
        "sabun",
    ];
    let mut m = HashMap::new();
    for i in 0..1000 {
        let name = if i < base.len() {
            base[i].to_string()
        } else {
            format!("{} varian {i}", base[i % base.len()])
        };
        m.insert(
            name.clone(),
            KnownProduct {
                id: i as i64 + 1,
                name,
                unit: "pcs".into(),
                price: Decimal::from(1000 + i as i64 * 10),
            },
        );
    }
    Products(m)
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
    let cat = catalog();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let ctx = Context::with_catalog(today, &cat);
    c.bench_function("intent/parse 20 mixed messages", |b| {
        b.iter(|| {
            for m in MESSAGES {
                black_box(parse(black_box(m), &ctx));
            }
        })
    });
    // The printed figure: messages per second on this one thread.
    let rounds = if quick { 200 } else { 2_000 };
    let start = Instant::now();
    for _ in 0..rounds {
        for m in MESSAGES {
            black_box(parse(black_box(m), &ctx));
        }
    }
    let per_sec = (rounds * MESSAGES.len()) as f64 / start.elapsed().as_secs_f64();
    println!(
        "intent: {per_sec:.0} messages/s on one core with a 1,000-product catalog (goal >= 50,000): {}",
        if per_sec >= 50_000.0 {
            "met"
        } else {
            "NOT MET"
        }
    );
}
