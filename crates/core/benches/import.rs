//! Stock-list import, end to end, against the obvious script: both load the same generated
//! 100,000-row, 6-column xlsx into a store, in one run. Ours: read the file, find the header
//! and columns, read every number, validate every row, match against the shop and write the
//! products, their search index and their opening movements in one durable transaction.
//! Theirs: tools/bench/import_openpyxl.py (openpyxl read-only + sqlite3 executemany).
//! Goal: at least 10x faster. Run: `./x bench` (or `cargo bench -p pasar-core --bench import`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use pasar_core::export::{Table, Value, to_xlsx};
use pasar_core::import::{ImportMode, ImportOptions, read_file};
use pasar_core::{Decimal, OpenMode, Shop};

const ROWS: usize = 100_000;

fn stock_list() -> Vec<u8> {
    let units = ["pcs", "kg", "bks", "btl", "dus", "liter"];
    let words = [
        "Beras", "Gula", "Minyak", "Kopi", "Teh", "Sabun", "Mie", "Susu", "Kecap", "Garam",
    ];
    let rows = (0..ROWS)
        .map(|i| {
            let buy = 1_000 + (i * 37) % 90_000;
            vec![
                Value::Text(format!("BRG-{i:06}")),
                Value::Text(format!(
                    "{} {} Kemasan {}",
                    words[i % 10],
                    words[(i / 10) % 10],
                    i
                )),
                Value::Text(units[i % 6].into()),
                Value::Money(Decimal::from(buy)),
                Value::Money(Decimal::from(buy + buy / 5)),
                Value::Qty(Decimal::new((i % 5000) as i64 * 25, 2)),
            ]
        })
        .collect();
    let headers = [
        "Kode",
        "Nama Barang",
        "Satuan",
        "Harga Beli",
        "Harga Jual",
        "Stok",
    ];
    to_xlsx(&[Table {
        name: "Stok".into(),
        headers: headers.iter().map(|s| s.to_string()).collect(),
        rows,
    }])
    .expect("xlsx")
}

fn median(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// One import into a fresh shop: (end to end, reading and checking alone). The second is a
/// dry run of the same file (read, plan, every row checked and matched; nothing written).
fn ours(file: &Path, dir: &Path, run: usize) -> (f64, f64) {
    let db = dir.join(format!("ours-{run}.db"));
    let mut shop = Shop::open(&db, OpenMode::Create).expect("shop");
    let dry = ImportOptions {
        mode: ImportMode::DryRun,
        ..Default::default()
    };
    let start = Instant::now();
    let bytes = read_file(file).expect("read");
    let r = shop
        .import_products(&bytes, "stok.xlsx", &dry)
        .expect("dry run");
    let checked = start.elapsed().as_secs_f64();
    assert_eq!((r.inserted, r.errors.len()), (ROWS, 0));
    let start = Instant::now();
    let bytes = read_file(file).expect("read");
    let r = shop
        .import_products(&bytes, "stok.xlsx", &ImportOptions::default())
        .expect("import");
    let took = start.elapsed().as_secs_f64();
    assert_eq!(
        (r.inserted, r.errors.len(), r.committed),
        (ROWS, 0, true),
        "{:?}",
        r.errors.first()
    );
    (took, checked)
}

/// The script's run: (end to end, its own reading phase as it reports it).
fn theirs(python: &str, file: &Path, dir: &Path, run: usize) -> Option<(f64, f64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/bench/import_openpyxl.py");
    let db = dir.join(format!("theirs-{run}.db"));
    let start = Instant::now();
    let out = Command::new(python)
        .arg(&script)
        .arg(file)
        .arg(&db)
        .output()
        .ok()?;
    let took = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("baseline failed: {}", err.trim());
        return None;
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        ROWS.to_string()
    );
    // "read 4.123 write 0.321"
    let read = err
        .split_whitespace()
        .skip_while(|w| *w != "read")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    Some((took, read))
}

fn main() {
    // `cargo bench` passes --bench; a filter that is not ours skips this bench.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|f| "import".contains(f.as_str())) {
        return;
    }
    let quick = std::env::var_os("PASAR_BENCH_QUICK").is_some();
    let runs = if quick { 1 } else { 3 };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("stok.xlsx");
    let t = Instant::now();
    std::fs::write(&file, stock_list()).expect("write xlsx");
    println!(
        "import: generated {ROWS} rows x 6 columns, {:.1} MB xlsx in {:.2} s",
        std::fs::metadata(&file).unwrap().len() as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let (ours_all, ours_read): (Vec<f64>, Vec<f64>) =
        (0..runs).map(|r| ours(&file, dir.path(), r)).unzip();
    let (ours_s, ours_read) = (median(ours_all), median(ours_read));
    println!(
        "import: ours (read, validate, write, durable) median {ours_s:.3} s ({:.0} rows/s)",
        ROWS as f64 / ours_s
    );
    println!(
        "import:   of which reading and checking every row {ours_read:.3} s, writing {:.3} s",
        ours_s - ours_read
    );
    let python = std::env::var("PASAR_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let (theirs_all, theirs_read): (Vec<f64>, Vec<f64>) = (0..runs)
        .filter_map(|r| theirs(&python, &file, dir.path(), r))
        .unzip();
    if theirs_all.is_empty() {
        println!(
            "import: baseline not run ({python} with openpyxl is needed; ./x bench installs it)"
        );
        return;
    }
    let (theirs_s, theirs_read) = (median(theirs_all), median(theirs_read));
    println!("import: openpyxl + sqlite3 executemany median {theirs_s:.3} s");
    println!(
        "import:   of which reading {theirs_read:.3} s ({:.1}x ours with the checks), writing {:.3} s",
        theirs_read / ours_read,
        theirs_s - theirs_read
    );
    let ratio = theirs_s / ours_s;
    println!(
        "import: {ratio:.1}x faster than the obvious script end to end (goal >= 10x): {}",
        if ratio >= 10.0 { "met" } else { "NOT MET" }
    );
}
