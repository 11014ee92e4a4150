//! Benchmarks for the targets. Criterion prints its estimates per bench; at the end a
//! summary prints medians against the goals:
//! - record a 5-line sale, synchronous=OFF (CPU cost): < 50 µs median
//! - the same sale durable (WAL, synchronous=FULL) vs a bare one-row durable transaction
//!   on the same machine, timed alternately so both see the same disk: ≤ 2× (a sale should
//!   cost about one fsync and little else)
//! - report for a month over a 1,000,000-sale database: < 20 ms
//! - product search over 50,000 products: < 5 ms per query
//!
//! Large fixtures are built once into target/bench-data and reused.
//! `PASAR_BENCH_QUICK=1` shortens measurement (smoke runs).

use chrono::{Duration, TimeZone, Utc};
use criterion::Criterion;
use pasar_core::{
    Decimal, ManualClock, NewProduct, NewSale, OpenMode, Payment, ProductRef, SaleLineInput, Shop,
};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    dir
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap()
}

fn new_shop(path: &Path, clock: Arc<ManualClock>) -> Shop {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    Shop::open_with_clock(path, OpenMode::Create, clock).expect("open bench shop")
}

fn add_products(shop: &mut Shop, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            shop.add_product(NewProduct {
                name: format!("Produk {i}"),
                sku: Some(format!("SKU{i:05}")),
                price: Decimal::from(1000 + (i as i64 % 50) * 500),
                cost: Some(Decimal::from(800 + (i as i64 % 50) * 400)),
                stock: Some(Decimal::from(1_000_000)),
                unit: Some(if i % 7 == 0 { "kg" } else { "pcs" }.into()),
                ..Default::default()
            })
            .expect("add product")
            .id
        })
        .collect()
}

fn sale(ids: &[i64], k: usize, lines: usize) -> NewSale {
    NewSale {
        lines: (0..lines)
            .map(|j| SaleLineInput {
                product: ProductRef::Id(ids[(k * 7 + j * 13) % ids.len()]),
                qty: if j % 3 == 0 {
                    Decimal::new(125, 2)
                } else {
                    Decimal::from(1 + j as i64)
                },
                unit: None,
                price: None,
                discount: Decimal::ZERO,
                discount_percent: None,
            })
            .collect(),
        payment: if k.is_multiple_of(5) {
            Payment::Qris
        } else {
            Payment::Cash
        },
        tendered: None,
        customer: None,
        discount: Decimal::ZERO,
        discount_percent: None,
        note: None,
    }
}

/// Median of `iters` individually timed runs, in microseconds.
fn median_us(iters: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..iters)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

struct Summary(Vec<String>);

impl Summary {
    fn add(&mut self, what: &str, figure: String, goal: &str) {
        self.0
            .push(format!("{what:<58} {figure:>14}   goal {goal}"));
    }
}

fn bench_sales(c: &mut Criterion, sum: &mut Summary, quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start()));

    // CPU cost: synchronous=OFF on a real file.
    let mut shop = new_shop(&dir.path().join("off.db"), clock.clone());
    let ids = add_products(&mut shop, 1000);
    shop.set_durable(false).unwrap();
    let mut k = 0;
    c.bench_function("record_sale_5_lines_sync_off", |b| {
        b.iter(|| {
            k += 1;
            clock.advance(Duration::seconds(30));
            black_box(shop.record_sale(&sale(&ids, k, 5)).unwrap());
        })
    });
    let off = median_us(if quick { 300 } else { 3000 }, || {
        k += 1;
        clock.advance(Duration::seconds(30));
        black_box(shop.record_sale(&sale(&ids, k, 5)).unwrap());
    });
    sum.add(
        "record 5-line sale, synchronous=OFF (median)",
        format!("{off:.1} µs"),
        "< 50 µs",
    );

    // Durable: the same sale with WAL + synchronous=FULL, against a bare one-row transaction.
    let mut durable = new_shop(&dir.path().join("full.db"), clock.clone());
    let ids = add_products(&mut durable, 1000);
    durable.set_durable(true).unwrap();
    let bare = rusqlite::Connection::open(dir.path().join("bare.db")).unwrap();
    bare.pragma_update(None, "journal_mode", "WAL").unwrap();
    bare.pragma_update(None, "synchronous", "FULL").unwrap();
    bare.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        .unwrap();
    let mut bare_tx = || {
        bare.execute_batch("BEGIN IMMEDIATE").unwrap();
        bare.prepare_cached("INSERT INTO t(v) VALUES (?1)")
            .unwrap()
            .execute(["12500"])
            .unwrap();
        bare.execute_batch("COMMIT").unwrap();
    };
    let mut group = c.benchmark_group("durable");
    group.sample_size(if quick { 10 } else { 50 });
    group.bench_function("bare_one_row_transaction", |b| b.iter(&mut bare_tx));
    group.bench_function("record_sale_5_lines_sync_full", |b| {
        b.iter(|| {
            k += 1;
            clock.advance(Duration::seconds(30));
            black_box(durable.record_sale(&sale(&ids, k, 5)).unwrap());
        })
    });
    group.finish();
    // Alternate the two, so a disk that is slower for a while slows both alike.
    let n = if quick { 50 } else { 400 };
    let (mut bare_t, mut sale_t) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        bare_t.push(median_us(1, &mut bare_tx));
        sale_t.push(median_us(1, || {
            k += 1;
            clock.advance(Duration::seconds(30));
            black_box(durable.record_sale(&sale(&ids, k, 5)).unwrap());
        }));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (bare_us, sale_us) = (median(bare_t), median(sale_t));
    sum.add(
        "bare one-row durable transaction (median)",
        format!("{bare_us:.0} µs"),
        "reference",
    );
    sum.add(
        "record 5-line sale, durable (median)",
        format!("{sale_us:.0} µs"),
        "",
    );
    sum.add(
        "  durable sale / bare durable transaction",
        format!("{:.2}×", sale_us / bare_us),
        "≤ 2×",
    );
}

/// A benchmark database built once into target/bench-data (under a temporary name, renamed
/// when complete) and reused by later runs.
fn fixture(name: &str, clock: Arc<ManualClock>, fill: impl FnOnce(&mut Shop)) -> PathBuf {
    let path = data_dir().join(format!("{name}-v{}.db", pasar_core::SCHEMA_VERSION));
    if path.exists() {
        return path;
    }
    let tmp = path.with_extension("building");
    let mut shop = new_shop(&tmp, clock);
    fill(&mut shop);
    shop.set_durable(true).unwrap();
    shop.connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(shop);
    std::fs::rename(&tmp, &path).unwrap();
    path
}

/// A shop with 1,000,000 sales over two years (takes a minute or two the first time).
fn million_sale_db() -> PathBuf {
    let clock = Arc::new(ManualClock::new(start()));
    fixture("sales-1m", clock.clone(), |shop| {
        let ids = add_products(shop, 150);
        shop.set_durable(false).unwrap();
        let t = Instant::now();
        for k in 0..1_000_000usize {
            clock.advance(Duration::seconds(63));
            shop.record_sale(&sale(&ids, k, 1 + k % 3)).unwrap();
            if k % 100_000 == 99_999 {
                eprintln!(
                    "  built {} sales ({:.0} s)",
                    k + 1,
                    t.elapsed().as_secs_f64()
                );
            }
        }
    })
}

fn bench_report(c: &mut Criterion, sum: &mut Summary, quick: bool) {
    let path = million_sale_db();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 10, 20, 5, 0, 0).unwrap(),
    ));
    let shop = Shop::open_with_clock(&path, OpenMode::Existing, clock).unwrap();
    let sales: i64 = shop
        .connection()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    let period = "2025-10-01..2025-10-31";
    let r = shop.report(period).unwrap();
    c.bench_function("report_one_month_of_1m_sales", |b| {
        b.iter(|| black_box(shop.report(period).unwrap()))
    });
    let us = median_us(if quick { 20 } else { 200 }, || {
        black_box(shop.report(period).unwrap());
    });
    sum.add(
        &format!(
            "report {period} over {sales} sales ({} that month)",
            r.sales_count
        ),
        format!("{:.2} ms", us / 1000.0),
        "< 20 ms",
    );
}

fn search_db() -> PathBuf {
    fixture("catalog-50k", Arc::new(ManualClock::new(start())), |shop| {
        pasar_core::demo::bulk_catalog(shop, 50_000).unwrap()
    })
}

fn bench_search(c: &mut Criterion, sum: &mut Summary, quick: bool) {
    let shop = Shop::open(&search_db(), OpenMode::Existing).unwrap();
    let queries = [
        "indomie goreng",
        "beras pulen 5",
        "aqua",
        "kopi kapal",
        "sabun",
        "minyk gorng",
        "P012345",
        "8990000031337",
        "teh",
        "sedap soto pedas",
        "pepsodnt",
        "ml",
    ];
    let mut group = c.benchmark_group("search_50k");
    for q in queries {
        group.bench_function(q, |b| {
            b.iter(|| black_box(shop.search_products(q, 20).unwrap()))
        });
    }
    group.finish();
    let mut worst = (0.0f64, "");
    let mut all = Vec::new();
    for q in queries {
        let us = median_us(if quick { 10 } else { 100 }, || {
            black_box(shop.search_products(q, 20).unwrap());
        });
        all.push(us);
        if us > worst.0 {
            worst = (us, q);
        }
    }
    all.sort_by(f64::total_cmp);
    sum.add(
        "product search over 50,000 products (median query)",
        format!("{:.2} ms", all[all.len() / 2] / 1000.0),
        "< 5 ms",
    );
    sum.add(
        &format!("  slowest query median (\"{}\")", worst.1),
        format!("{:.2} ms", worst.0 / 1000.0),
        "< 5 ms",
    );
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
    // PASAR_BENCH_ONLY=sales|search|report runs one section.
    let only = std::env::var("PASAR_BENCH_ONLY").unwrap_or_default();
    let on = |s: &str| only.is_empty() || only == s;
    let mut sum = Summary(Vec::new());
    if on("sales") {
        bench_sales(&mut c, &mut sum, quick);
    }
    if on("search") {
        bench_search(&mut c, &mut sum, quick);
    }
    if on("report") {
        bench_report(&mut c, &mut sum, quick);
    }
    c.final_summary();
    println!(
        "\nPasarSuara core benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for line in sum.0 {
        println!("  {line}");
    }
}
