//! A realistic demo warung kelontong: ~150 products, suppliers, regular customers, and N days
//! of sales, restocking, expenses, kasbon and repayments. Every entry goes through the same
//! public API as real use, with a pinned clock, so the demo exercises the real rules.
//! Deterministic for a given seed.

use crate::catalog::{NewProduct, ProductUnit};
use crate::db::{OpenMode, Shop};
use crate::error::{CoreError, Field, Problem, Result};
use crate::expenses::{ExpenseCategory, NewExpense};
use crate::purchases::{NewPurchase, PurchaseLineInput};
use crate::sales::{NewSale, Payment, ProductRef, SaleLineInput};
use crate::stock::CountLine;
use crate::time::ManualClock;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const CATALOG: &str = include_str!("../../../assets/demo/catalog.csv");

const SUPPLIERS: [(&str, &str); 5] = [
    ("Toko Grosir Makmur Jaya", "081234500011"),
    ("Agen Beras Sumber Rejeki", "081234500012"),
    ("Sales Indofood (Pak Herman)", "081234500013"),
    ("Pangkalan Gas Pak Darto", "081234500014"),
    ("Pasar Induk (sayur & segar)", "081234500015"),
];

const CUSTOMERS: [(&str, &str); 8] = [
    ("Bu Sri", "081298760001"),
    ("Pak Budi", "081298760002"),
    ("Mbak Rina", "081298760003"),
    ("Bu Yati", "081298760004"),
    ("Mas Joko", "081298760005"),
    ("Pak RT Slamet", "081298760006"),
    ("Teh Imas", "081298760007"),
    ("Bu Dewi Warung Nasi", "081298760008"),
];

/// SplitMix64: tiny, fast, good enough for demo data (not for anything secret).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct DemoProduct {
    id: i64,
    sku: String,
    unit: String,
    popularity: u64,
    supplier: usize,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DemoSummary {
    pub products: usize,
    pub days: u32,
    pub sales: usize,
    pub purchases: usize,
    pub expenses: usize,
    pub kasbon_payments: usize,
}

fn ean13(n: u64) -> String {
    let body = format!("899{:09}", n % 1_000_000_000);
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn dec(s: &str) -> Result<Decimal> {
    s.trim()
        .parse()
        .map_err(|_| CoreError::InvalidNumber { text: s.into() })
}

fn load_catalog() -> Result<Vec<(NewProduct, u64)>> {
    let mut out = Vec::new();
    for (i, line) in CATALOG
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .enumerate()
    {
        let f: Vec<&str> = line.split(';').collect();
        if f.len() != 10 {
            return Err(CoreError::Io {
                detail: format!("demo catalog line {}", i + 1),
            });
        }
        let units = f[8]
            .split('|')
            .filter(|u| !u.is_empty())
            .map(|u| {
                let parts: Vec<&str> = u.split(':').collect();
                Ok(ProductUnit {
                    code: None,
                    unit: parts[0].to_string(),
                    factor: dec(parts.get(1).copied().unwrap_or("1"))?,
                    price: parts.get(2).map(|p| dec(p)).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let packaged = !matches!(f[3], "kg" | "l");
        out.push((
            NewProduct {
                sku: Some(f[0].into()),
                name: f[1].into(),
                category: Some(f[2].into()),
                unit: Some(f[3].into()),
                price: dec(f[4])?,
                cost: Some(dec(f[5])?),
                reorder_point: Some(dec(f[6])?),
                aliases: f[7]
                    .split('|')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
                units,
                barcode: packaged.then(|| ean13(1000 + i as u64 * 37)),
                stock: None,
            },
            f[9].trim().parse().unwrap_or(3),
        ));
    }
    Ok(out)
}

fn supplier_for(category: &str, sku: &str) -> usize {
    match category {
        _ if sku.starts_with("BRS") => 1,
        "Mi Instan" => 2,
        "Gas & Air" => 3,
        "Segar" => 4,
        _ if sku.starts_with("BWG") || sku.starts_with("CBE") || sku.starts_with("TMT") => 4,
        _ => 0,
    }
}

const WORDS: [&[&str]; 4] = [
    &[
        "Indomie",
        "Mie Sedaap",
        "Beras",
        "Gula",
        "Minyak",
        "Kopi",
        "Teh",
        "Sabun",
        "Sampo",
        "Susu",
        "Rokok",
        "Biskuit",
        "Kecap",
        "Saus",
        "Tepung",
        "Air Mineral",
        "Deterjen",
        "Pasta Gigi",
        "Permen",
        "Roti",
    ],
    &[
        "Goreng",
        "Soto",
        "Pulen",
        "Pasir",
        "Curah",
        "Kapal Api",
        "Celup",
        "Lifebuoy",
        "Sunsilk",
        "Kental",
        "Filter",
        "Coklat",
        "Manis",
        "Sambal",
        "Terigu",
        "Aqua",
        "Rinso",
        "Pepsodent",
        "Kopiko",
        "Tawar",
    ],
    &[
        "Original",
        "Pedas",
        "Premium",
        "Ekonomis",
        "Jumbo",
        "Mini",
        "Spesial",
        "Rasa Ayam",
        "Rasa Sapi",
        "Jeruk",
        "Melati",
        "Strawberry",
        "Vanila",
        "Keju",
        "Gurih",
        "Super",
        "Lite",
        "Plus",
        "Extra",
        "Klasik",
    ],
    &[
        "50 g", "100 g", "250 g", "500 g", "1 kg", "5 kg", "200 ml", "600 ml", "1 L", "2 L",
        "isi 10", "isi 12", "isi 20", "sachet", "pouch", "botol", "kaleng", "dus", "pak",
        "renteng",
    ],
];

/// Adds `count` generated products (a wholesaler-sized catalog) for load tests and benchmarks:
/// names like "Kopi Kapal Api Premium 200 ml", SKU `P000123`, barcode `899` + 10 digits.
pub fn bulk_catalog(shop: &mut Shop, count: usize) -> Result<()> {
    shop.set_durable(false)?;
    let result = (|| {
        for i in 0..count {
            let name = format!(
                "{} {} {} {}",
                WORDS[0][i % 20],
                WORDS[1][(i / 20) % 20],
                WORDS[2][(i / 400) % 20],
                WORDS[3][(i / 8000 + i) % 20]
            );
            shop.add_product(NewProduct {
                name,
                sku: Some(format!("P{i:06}")),
                barcode: Some(format!("899{i:010}")),
                price: Decimal::from(1000 + (i % 90) as i64 * 500),
                cost: Some(Decimal::from(800 + (i % 90) as i64 * 400)),
                stock: Some(Decimal::from(10 + i % 50)),
                ..Default::default()
            })?;
        }
        Ok(())
    })();
    shop.set_durable(true)?;
    result
}

/// Makes the file at `path` a demo shop, never leaving a half-made one behind: a new file is
/// built under a temporary name and renamed into place when complete; an empty shop is filled
/// in place; a previous demo shop is rebuilt. A shop with real data is refused untouched.
pub fn build_file(
    path: &Path,
    days: u32,
    seed: u64,
    actor: &str,
    force: bool,
) -> Result<DemoSummary> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(CoreError::invalid(
            Field::Days,
            Problem::OutOfRange {
                value: days.to_string(),
                min: "1".into(),
                max: MAX_DAYS.to_string(),
            },
        ));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(CoreError::DatabaseIsFolder {
            path: path.display().to_string(),
        });
    }
    remove_stale_temp_files(path);
    let existing = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0);
    // The newest entry when the command began: `--force` replaces entries made before it,
    // never ones made while the demo was being built.
    let mut seen = 0;
    if existing {
        let shop = Shop::open(path, OpenMode::Existing)?;
        // Refuse early what will be refused anyway; the same checks run again under the
        // write lock when the new demo goes in.
        if is_demo(&shop)? {
            refuse_replacing_in(&shop.conn, force, None)?;
        } else if has_data(&shop.conn)? {
            return Err(CoreError::invalid(Field::Demo, Problem::HasData));
        }
        seen = last_entry(&shop.conn)?;
        drop(shop);
        if crate::db::in_use(path)? {
            return Err(CoreError::DatabaseInUse {
                path: path.display().to_string(),
            });
        }
    }
    // Built under a name of its own (two demos at once never share it), then installed.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = sibling(path, &format!(".demo-{}-{nonce}.tmp", std::process::id()));
    remove_db_files(&tmp);
    let built = (|| {
        let mut shop = Shop::open(&tmp, OpenMode::Create)?;
        shop.set_actor(actor)?;
        let summary = generate(&mut shop, days, seed)?;
        drop(shop);
        install(path, &tmp, existing, force, seen)?;
        Ok(summary)
    })();
    remove_db_files(&tmp);
    built
}

/// Puts the demo built in `tmp` at `path`. A new file is linked into place only if nobody
/// created one meanwhile. An existing file is never replaced by renaming (a process that
/// has it open would go on writing into the replaced file, and its sale would be lost): the
/// demo's rows are copied into it in one write transaction, after checking again, under the
/// write lock, that nobody's entries would be lost.
fn install(path: &Path, tmp: &Path, existing: bool, force: bool, seen: i64) -> Result<()> {
    if !existing {
        match std::fs::hard_link(tmp, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut shop = Shop::open(path, OpenMode::Create)?;
    let tmp_path = tmp.display().to_string();
    shop.conn
        .execute("ATTACH DATABASE ?1 AS demo", [&tmp_path])?;
    // Whole tables are swapped, so the keys are checked once at the end (with deferred keys,
    // SQLite's bulk INSERT … SELECT into a table without keys of its own skips the count).
    shop.conn.pragma_update(None, "foreign_keys", "OFF")?;
    let copied = (|| {
        let tx = shop.write_tx()?;
        let demo_file = tx.query_row(
            "SELECT value FROM settings WHERE key = 'demo_shop'",
            [],
            |r| r.get::<_, String>(0),
        );
        if demo_file.ok().as_deref() == Some("true") {
            refuse_replacing_in(&tx, force, Some(seen))?;
        } else if has_data(&tx)? {
            return Err(CoreError::invalid(Field::Demo, Problem::HasData));
        }
        // Print jobs belong to the sales being replaced.
        tx.execute_batch("DELETE FROM main.print_jobs;")?;
        for table in DEMO_TABLES {
            tx.execute_batch(&format!(
                "DELETE FROM main.{table}; INSERT INTO main.{table} SELECT * FROM demo.{table};"
            ))?;
        }
        for (table, cols) in [
            ("product_search", "rowid, text"),
            ("search_words_fts", "rowid, word"),
        ] {
            tx.execute_batch(&format!(
                "DELETE FROM main.{table}; INSERT INTO main.{table}({cols}) SELECT {cols} FROM demo.{table};"
            ))?;
        }
        // The shop's own settings (name, address, receipt, language, theme, printer, time
        // zone, stock rules) stay; the demo's entries are re-bucketed into its time zone.
        tx.execute_batch(
            "DELETE FROM main.settings WHERE key NOT IN
                 ('shop_name', 'shop_address', 'shop_phone', 'receipt_footer', 'receipt_paper_mm',
                  'printer', 'language', 'theme', 'backup_dir', 'timezone',
                  'allow_negative_stock', 'lead_time_days', 'receipt_header', 'receipt_qr',
                  'receipt_drawer', 'receipt_cut', 'receipt_auto_print', 'printer_codepage',
                  'printer_status', 'invoice_terms');
             INSERT OR IGNORE INTO main.settings SELECT * FROM demo.settings;",
        )?;
        let tz: Option<String> = tx
            .query_row(
                "SELECT value FROM main.settings WHERE key = 'timezone'",
                [],
                |r| r.get(0),
            )
            .ok();
        if let Some(tz) = tz {
            crate::report::rebuild_daily_sales(&tx, &crate::time::ShopTz::parse(&tz)?)?;
        }
        let broken = tx
            .prepare("PRAGMA main.foreign_key_check")?
            .query_map([], |_| Ok(()))?
            .count();
        if broken > 0 {
            return Err(CoreError::Database {
                detail: format!("demo copy left {broken} broken references"),
            });
        }
        tx.commit()?;
        Ok(())
    })();
    shop.conn.pragma_update(None, "foreign_keys", "ON")?;
    shop.conn.execute_batch("DETACH DATABASE demo")?;
    copied
}

/// Every table of the shop, in an order that keeps foreign keys whole (they are checked at
/// commit anyway), except the full-text indexes and the settings, copied on their own.
const DEMO_TABLES: [&str; 16] = [
    "products",
    "product_units",
    "product_aliases",
    "search_words",
    "contacts",
    "sales",
    "sale_lines",
    "purchases",
    "purchase_lines",
    "expenses",
    "debt_entries",
    "stock_counts",
    "stock_movements",
    "daily_sales",
    "daily_product_sales",
    "audit_log",
];

fn has_data(conn: &rusqlite::Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM sales)",
        [],
        |r| r.get(0),
    )?)
}

/// A demo shop with entries the demo did not make is replaced only when forced, and even
/// then not over entries made after `seen` (while this command was building its demo).
fn refuse_replacing_in(conn: &rusqlite::Connection, force: bool, seen: Option<i64>) -> Result<()> {
    let others = match (force, seen) {
        (false, _) => entries_not_from_demo(conn)?,
        (true, Some(seen)) => entries_after(conn, seen)?,
        (true, None) => 0,
    };
    if others > 0 {
        return Err(CoreError::invalid(
            Field::Demo,
            Problem::HasOtherEntries { count: others },
        ));
    }
    Ok(())
}

/// The id of the newest audit entry (every write has one).
fn last_entry(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM audit_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// Entries (settings changes aside) written after audit entry `id`.
fn entries_after(conn: &rusqlite::Connection, id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM audit_log WHERE id > ?1 AND action NOT LIKE 'setting.%'",
        [id],
        |r| r.get(0),
    )?)
}

/// Removes temporary demo files left by a demo that was killed (its process is gone).
fn remove_stale_temp_files(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.demo-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        // Only where it can be told that the process is gone (Linux /proc).
        let proc_fs = Path::new("/proc/self").exists();
        if proc_fs
            && pid != std::process::id()
            && !Path::new("/proc").join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Longest demo history: ten years of days.
pub const MAX_DAYS: u32 = 3660;

/// Entries written after the demo was generated (settings changes aside). A demo file from
/// before the mark existed counts every non-setting entry after its last generated sale.
fn entries_not_from_demo(conn: &rusqlite::Connection) -> Result<i64> {
    let mark: i64 = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'demo_mark'",
            [],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    Ok(conn.query_row(
        "SELECT count(*) FROM audit_log WHERE id > ?1 AND action NOT LIKE 'setting.%'
           AND (?1 > 0 OR at > coalesce((SELECT max(occurred_at) FROM sales), ''))",
        [mark],
        |r| r.get(0),
    )?)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn remove_db_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(path, suffix));
    }
}

/// Whether this database holds a generated demo shop (and so may be rebuilt freely).
pub fn is_demo(shop: &Shop) -> Result<bool> {
    Ok(shop.setting("demo_shop")?.as_deref() == Some("true"))
}

/// Builds the demo shop in `shop` (which must be empty), ending at the clock's current time.
pub fn generate(shop: &mut Shop, days: u32, seed: u64) -> Result<DemoSummary> {
    let has_data: i64 = shop.conn.query_row(
        "SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM sales)",
        [],
        |r| r.get(0),
    )?;
    if has_data > 0 {
        return Err(CoreError::invalid(Field::Demo, Problem::HasData));
    }
    let real_clock = shop.clock.clone();
    let end = real_clock.now();
    let tz = shop.settings.tz.clone();
    let first_day = tz.local_date(end) - Duration::days(i64::from(days.max(1)) - 1);
    let clock = Arc::new(ManualClock::new(
        tz.start_of(first_day) + Duration::hours(6),
    ));
    shop.clock = clock.clone();
    shop.set_durable(false)?;
    let result = populate(shop, &clock, first_day, days.max(1), seed, end);
    shop.clock = real_clock;
    shop.set_durable(true)?;
    if result.is_ok() {
        // Everything up to here is the demo's own; later entries are somebody's work.
        shop.conn.execute(
            "INSERT INTO settings(key, value) VALUES ('demo_mark', (SELECT max(id) FROM audit_log))
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [],
        )?;
        shop.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    result
}

fn populate(
    shop: &mut Shop,
    clock: &ManualClock,
    first_day: NaiveDate,
    days: u32,
    seed: u64,
    end: DateTime<Utc>,
) -> Result<DemoSummary> {
    let mut rng = Rng::new(seed);
    let mut summary = DemoSummary {
        days,
        ..Default::default()
    };
    shop.set_setting("demo_shop", "true")?;
    shop.set_setting("shop_name", "Warung Bu Tini (demo)")?;
    shop.set_setting("shop_address", "Jl. Melati No. 12, Sleman, Yogyakarta")?;
    shop.set_setting("receipt_footer", "Terima kasih, sehat selalu!")?;
    for (name, phone) in SUPPLIERS {
        shop.add_contact(name, true, Some(phone))?;
    }
    for (name, phone) in CUSTOMERS {
        shop.add_contact(name, false, Some(phone))?;
    }
    let mut products = Vec::new();
    for (mut p, popularity) in load_catalog()? {
        // Opening stock: a few days of cover above the reorder point.
        let rp = p.reorder_point.unwrap_or_default();
        p.stock = Some(rp * Decimal::from(2) + Decimal::from(popularity * 2));
        let supplier = supplier_for(
            p.category.as_deref().unwrap_or(""),
            p.sku.as_deref().unwrap_or(""),
        );
        let added = shop.add_product(p)?;
        products.push(DemoProduct {
            id: added.id,
            sku: added.sku.unwrap_or_default(),
            unit: added.unit,
            popularity,
            supplier,
        });
    }
    summary.products = products.len();
    let weights: u64 = products.iter().map(|p| p.popularity * p.popularity).sum();
    let tz = shop.settings.tz.clone();

    for day_index in 0..days {
        let day = first_day + Duration::days(i64::from(day_index));
        let day_start = tz.start_of(day);
        let at = |h: u32, m: u32| day_start + Duration::seconds(i64::from(h * 3600 + m * 60));
        if at(6, 0) > end {
            break;
        }
        // 07:00 restock from suppliers whatever is at or below its reorder point.
        clock.set(at(7, 0));
        let low = shop.low_stock()?;
        let mut by_supplier: Vec<Vec<PurchaseLineInput>> = vec![Vec::new(); SUPPLIERS.len()];
        for item in &low {
            let Some(dp) = products.iter().find(|p| p.id == item.product_id) else {
                continue;
            };
            let qty = item.suggested_order.max(Decimal::ONE);
            by_supplier[dp.supplier].push(PurchaseLineInput {
                product: ProductRef::Id(item.product_id),
                qty,
                unit: None,
                unit_cost: None,
                total: None,
            });
        }
        for (i, lines) in by_supplier.into_iter().enumerate() {
            if lines.is_empty() {
                continue;
            }
            let payment = if i == 2 && rng.chance(50) {
                Payment::Kasbon
            } else if rng.chance(30) {
                Payment::Transfer
            } else {
                Payment::Cash
            };
            shop.record_purchase(&NewPurchase {
                lines,
                supplier: Some(SUPPLIERS[i].0.into()),
                payment,
                note: None,
            })?;
            summary.purchases += 1;
        }

        // Daily and periodic expenses.
        let weekday = chrono::Datelike::weekday(&day).num_days_from_monday();
        let mut expenses: Vec<(i64, Option<ExpenseCategory>, &str)> =
            vec![(2000, None, "retribusi kebersihan pasar")];
        if rng.chance(40) {
            expenses.push((
                15000 + 1000 * rng.below(10) as i64,
                None,
                "bensin motor kulakan",
            ));
        }
        if rng.chance(20) {
            expenses.push((12000, None, "plastik kresek"));
        }
        if weekday == 5 {
            expenses.push((350000, None, "gaji mingguan Ani"));
        }
        if chrono::Datelike::day(&day) == 1 || day_index == 0 {
            expenses.push((200000, None, "token listrik PLN"));
            expenses.push((1500000, Some(ExpenseCategory::Rent), "sewa kios bulanan"));
        }
        for (k, (amount, category, note)) in expenses.into_iter().enumerate() {
            clock.set(at(8, k as u32));
            shop.record_expense(&NewExpense {
                amount: Decimal::from(amount),
                category,
                note: Some(note.into()),
                payment: None,
                date: None,
            })?;
            summary.expenses += 1;
        }

        // Sales through the day; busier on weekends.
        let count = 55 + rng.below(30) + if weekday >= 5 { 20 } else { 0 };
        let mut minutes: Vec<u32> = (0..count)
            .map(|_| 6 * 60 + rng.below(15 * 60) as u32)
            .collect();
        minutes.sort_unstable();
        for m in minutes {
            let t = at(m / 60, m % 60) + Duration::seconds(rng.below(60) as i64);
            if t > end {
                break;
            }
            clock.set(t);
            let n_lines = 1 + rng.below(3) + u64::from(rng.chance(15));
            let mut lines = Vec::new();
            for _ in 0..n_lines {
                let mut pick = rng.below(weights);
                let p = products
                    .iter()
                    .find(|p| {
                        let w = p.popularity * p.popularity;
                        if pick < w {
                            true
                        } else {
                            pick -= w;
                            false
                        }
                    })
                    .unwrap_or(&products[0]);
                let qty = match p.unit.as_str() {
                    "kg" | "l" => Decimal::new([5, 10, 10, 20, 25, 50][rng.below(6) as usize], 1),
                    _ => Decimal::from(1 + rng.below(3) * u64::from(rng.chance(30))),
                };
                lines.push(SaleLineInput {
                    product: ProductRef::Query(p.sku.clone()),
                    qty,
                    unit: None,
                    price: None,
                    discount: Decimal::ZERO,
                    discount_percent: None,
                });
            }
            let roll = rng.below(100);
            let (payment, customer) = match roll {
                0..=77 => (Payment::Cash, None),
                78..=89 => (Payment::Qris, None),
                90..=93 => (Payment::Transfer, None),
                _ => (
                    Payment::Kasbon,
                    Some(
                        CUSTOMERS[rng.below(CUSTOMERS.len() as u64) as usize]
                            .0
                            .to_string(),
                    ),
                ),
            };
            let mut sale = NewSale {
                lines,
                payment,
                tendered: None,
                customer,
                discount: Decimal::ZERO,
                note: None,
                discount_percent: None,
            };
            if payment == Payment::Cash {
                // Customers hand over the next round note (or exact money now and then).
                let total = shop.quote_sale(&sale)?.total;
                let note = [2000, 5000, 10000, 20000, 50000, 100000]
                    .into_iter()
                    .map(Decimal::from)
                    .find(|n| *n >= total)
                    .unwrap_or(total);
                sale.tendered = Some(if rng.chance(25) { total } else { note });
            }
            shop.record_sale(&sale)?;
            summary.sales += 1;
        }

        // Evening: some kasbon gets paid off; now and then a sale is voided or a shelf counted.
        clock.set(at(20, 30));
        if at(20, 30) <= end {
            for b in shop.debts()? {
                if b.balance > Decimal::ZERO && rng.chance(20) {
                    let thousand = Decimal::from(1000);
                    let part = ((b.balance / Decimal::from(2) / thousand).round() * thousand)
                        .max(Decimal::from(5000))
                        .min(b.balance);
                    shop.pay_debt(&b.contact, part, Some("cicilan"))?;
                    summary.kasbon_payments += 1;
                }
            }
            if rng.chance(15) {
                let ids = shop.sale_ids(&day.to_string(), &day.to_string(), 50)?;
                if let Some(&id) = ids.get(rng.below(ids.len().max(1) as u64) as usize)
                    && shop.sale(id)?.kind == "sale"
                {
                    shop.void_sale(id, "salah input kasir")?;
                }
            }
            if weekday == 6 {
                let p = &products[rng.below(products.len() as u64) as usize];
                let live = shop.resolve_product(&p.sku)?.stock.max(Decimal::ZERO);
                let counted = (live - Decimal::from(rng.below(2)))
                    .max(Decimal::ZERO)
                    .round();
                shop.post_stock_count(
                    &[CountLine {
                        product: p.sku.clone(),
                        counted,
                        counted_at: Some(at(20, 0)),
                    }],
                    Some("opname mingguan"),
                )?;
            }
        }
    }
    Ok(summary)
}
