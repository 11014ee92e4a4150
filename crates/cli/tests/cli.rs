//! The `pasar` binary as outside tools call it: JSON contract, one-line errors that write
//! nothing, the demo shop, and a writer killed with SIGKILL mid-sale.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "cli/chat.rs"]
mod chat;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/import.rs"]
mod import;
#[path = "cli/nlu.rs"]
mod nlu;
#[path = "cli/print.rs"]
mod print;

const BIN: &str = env!("CARGO_BIN_EXE_pasar");

fn pasar(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("PASAR_LANG")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run pasar")
}

fn ok_json(db: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = pasar(db, &all);
    assert!(
        out.status.success(),
        "pasar {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs a command that must fail; returns its one stderr line.
fn fails(db: &Path, args: &[&str]) -> String {
    let out = pasar(db, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "pasar {args:?} should fail");
    assert_eq!(err.lines().count(), 1, "one clear line, got: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace") && !err.contains("Error {"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout for a failure");
    err.trim().to_string()
}

fn is_decimal(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let s = s.strip_prefix('-').unwrap_or(s);
        let (a, b) = s.split_once('.').unwrap_or((s, "1"));
        !a.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && !b.is_empty()
            && b.chars().all(|c| c.is_ascii_digit())
    })
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    assert!(is_decimal(v), "{v} is not a decimal string");
    v.as_str().unwrap().parse().unwrap()
}

fn tmp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("toko.db");
    (dir, p)
}

fn sales_count(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn json_contract() {
    let (_dir, db) = tmp_db();
    let init = ok_json(&db, &["init", "--shop-name", "Warung Uji"]);
    assert_eq!(init["db"], db.display().to_string());
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Beras Pulen",
            "--sku",
            "BRS",
            "--barcode",
            "8991234567890",
            "--unit",
            "kg",
            "--price",
            "14rb",
            "--cost",
            "12.000",
            "--stock",
            "50",
            "--reorder-point",
            "10",
            "--alias",
            "brs",
            "--unit-def",
            "karung=25@335rb",
        ],
    );
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Indomie Goreng",
            "--sku",
            "MIE",
            "--price",
            "3500",
            "--cost",
            "3050",
            "--stock",
            "40",
        ],
    );

    let list = ok_json(&db, &["product", "list"]);
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    let p = items.iter().find(|p| p["sku"] == "BRS").unwrap();
    for k in [
        "id",
        "sku",
        "barcode",
        "name",
        "unit",
        "price",
        "cost",
        "stock",
        "reorder_point",
    ] {
        assert!(p.get(k).is_some(), "product list lacks {k}");
    }
    assert!(p["id"].is_i64());
    assert_eq!(
        (p["price"].as_str(), p["cost"].as_str(), p["stock"].as_str()),
        (Some("14000"), Some("12000"), Some("50"))
    );
    assert_eq!(p["reorder_point"], "10");
    let found = ok_json(&db, &["product", "list", "--search", "brs"]);
    assert_eq!(found[0]["name"], "Beras Pulen");

    let sale = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "BRS=1,25kg",
            "--item",
            "Indomie Goreng=2",
            "--tendered",
            "50rb",
        ],
    );
    assert!(sale["sale_id"].is_i64());
    assert_eq!(
        (dec(&sale["total"]), dec(&sale["change"])),
        (dec(&"24500".into()), dec(&"25500".into()))
    );
    assert_eq!(sale["warnings"], Value::Array(vec![]));
    let sale = ok_json(
        &db,
        &["sell", "--item", "brs=1karung@330rb", "--pay", "qris"],
    );
    assert_eq!(
        (sale["total"].as_str(), sale["change"].as_str()),
        (Some("330000"), Some("0"))
    );
    let kasbon = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "MIE=40",
            "--pay",
            "kasbon",
            "--customer",
            "Bu Sri",
        ],
    );
    assert_eq!(kasbon["total"], "140000");
    assert_eq!(
        kasbon["warnings"][0]["code"], "negative_stock",
        "40 - 2 - 40 = -2 indomie"
    );

    let buy = ok_json(
        &db,
        &[
            "buy",
            "--item",
            "MIE=40@3100",
            "--supplier",
            "Sales Indofood",
        ],
    );
    assert_eq!(buy["total"], "124000");
    let exp = ok_json(
        &db,
        &["expense", "--amount", "25rb", "--note", "bensin kulakan"],
    );
    assert_eq!(
        (exp["amount"].as_str(), exp["category"].as_str()),
        (Some("25000"), Some("transport"))
    );
    let exp = ok_json(&db, &["expense", "--amount", "2000", "--category", "fees"]);
    assert_eq!(exp["category"], "fees");
    let adj = ok_json(
        &db,
        &["stock", "adjust", "--product", "BRS", "--counted", "23,5"],
    );
    assert_eq!(
        (
            adj["expected"].as_str(),
            adj["difference"].as_str(),
            adj["stock"].as_str()
        ),
        (Some("23.75"), Some("-0.25"), Some("23.5"))
    );

    let debts = ok_json(&db, &["debt", "list"]);
    let sri = debts
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["contact"] == "Bu Sri")
        .unwrap();
    assert_eq!(sri["balance"], "140000");
    assert!(sri["last_activity"].as_str().unwrap().starts_with("20"));
    let pay = ok_json(
        &db,
        &["debt", "pay", "--contact", "bu sri", "--amount", "40000"],
    );
    assert_eq!(pay["balance"], "100000");

    let r = ok_json(&db, &["report", "--period", "today"]);
    for k in [
        "from",
        "to",
        "revenue",
        "cogs",
        "gross_profit",
        "gross_margin",
        "expenses",
        "expenses_by_category",
        "net_profit",
        "cash_in",
        "cash_out",
        "sales_count",
        "top_products",
        "low_stock",
        "debts_outstanding",
    ] {
        assert!(r.get(k).is_some(), "report lacks {k}");
    }
    assert!(chrono::NaiveDate::parse_from_str(r["from"].as_str().unwrap(), "%Y-%m-%d").is_ok());
    assert_eq!(dec(&r["revenue"]), "494500".parse().unwrap());
    assert_eq!(r["sales_count"], 3);
    assert_eq!(dec(&r["expenses"]), "27000".parse().unwrap());
    let by_cat: rust_decimal::Decimal = r["expenses_by_category"]
        .as_object()
        .unwrap()
        .values()
        .map(dec)
        .sum();
    assert_eq!(by_cat, dec(&r["expenses"]));
    assert_eq!(
        dec(&r["net_profit"]),
        dec(&r["gross_profit"]) - dec(&r["expenses"])
    );
    assert_eq!(
        dec(&r["cash_in"]),
        "24500".parse::<rust_decimal::Decimal>().unwrap()
            + "330000".parse::<rust_decimal::Decimal>().unwrap()
            + "40000".parse::<rust_decimal::Decimal>().unwrap()
    );
    assert_eq!(dec(&r["cash_out"]), "151000".parse().unwrap());
    assert_eq!(dec(&r["debts_outstanding"]), "100000".parse().unwrap());
    assert_eq!(r["top_products"][0]["name"], "Beras Pulen");
    for k in [
        "revenue",
        "cogs",
        "gross_profit",
        "gross_margin",
        "net_profit",
        "cash_in",
        "cash_out",
        "debts_outstanding",
    ] {
        assert!(is_decimal(&r[k]), "{k} = {}", r[k]);
    }
    let check = ok_json(&db, &["stock", "check"]);
    assert_eq!(check["ok"], true);
}

#[test]
fn errors_are_one_clear_line_and_write_nothing() {
    let (_dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    ok_json(
        &db,
        &[
            "product", "add", "--name", "Beras", "--sku", "BRS", "--unit", "kg", "--price",
            "14000", "--stock", "10",
        ],
    );
    ok_json(&db, &["sell", "--item", "BRS=1"]);
    let before = std::fs::read(&db).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["sell", "--item", "XYZ=1"], "produk tidak ditemukan"),
        (&["sell", "--item", "BRS=0"], "harus lebih dari 0"),
        (&["sell", "--item", "BRS=-2"], "harus lebih dari 0"),
        (&["sell", "--item", "BRS=abc"], "tidak bisa dibaca"),
        (&["sell", "--item", "BRS=1@12x"], "angka tidak valid"),
        (
            &["sell", "--item", "BRS=1", "--tendered", "lima ribu"],
            "angka tidak valid",
        ),
        (
            &["sell", "--item", "BRS=1", "--tendered", "1000"],
            "kurang dari total",
        ),
        (
            &["sell", "--item", "BRS=1", "--pay", "bitcoin"],
            "pembayaran",
        ),
        (&["sell", "--item", "BRS=1", "--pay", "kasbon"], "pelanggan"),
        (&["sell", "--item", "BRS=2dus"], "satuan"),
        (&["sell"], "--item"),
        (&["buy", "--item", "BRS=1e5"], "satuan \"e5\" tidak dikenal"),
        (&["expense", "--amount", "-5000"], "lebih dari 0"),
        (
            &["expense", "--amount", "5000", "--category", "rokok"],
            "kategori",
        ),
        (
            &["debt", "pay", "--contact", "Siapa", "--amount", "1000"],
            "kontak tidak ditemukan",
        ),
        (
            &["stock", "adjust", "--product", "BRS", "--counted", "-3"],
            "negatif",
        ),
        (&["report", "--period", "besok"], "periode"),
        (
            &["void", "--sale", "999", "--reason", "x"],
            "tidak ditemukan",
        ),
        (&["terbang"], "perintah tidak dikenal"),
        (
            &["sell", "--item", "BRS=1", "--bogus"],
            "argumen tidak dikenal",
        ),
    ];
    for (args, needle) in cases {
        let line = fails(&db, args);
        assert!(line.starts_with("galat: "), "{line}");
        assert!(
            line.contains(needle),
            "{args:?}: expected '{needle}' in '{line}'"
        );
    }
    let en = fails(&db, &["--lang", "en", "sell", "--item", "XYZ=1"]);
    assert_eq!(en, "error: product not found: \"XYZ\"");
    assert_eq!(sales_count(&db), 1);
    assert_eq!(
        before,
        std::fs::read(&db).unwrap(),
        "failed commands left the file byte-identical"
    );
}

#[test]
fn bad_database_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    assert!(fails(&missing, &["report"]).contains("pasar init"));
    assert!(!missing.exists());

    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, vec![0x42u8; 8192]).unwrap();
    assert!(fails(&corrupt, &["report"]).contains("rusak"));
    assert_eq!(std::fs::read(&corrupt).unwrap(), vec![0x42u8; 8192]);

    let newer = dir.path().join("newer.db");
    ok_json(&newer, &["init"]);
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let bytes = std::fs::read(&newer).unwrap();
    let line = fails(&newer, &["sell", "--item", "x=1"]);
    assert!(line.contains("versi lebih baru"), "{line}");
    let line = fails(&newer, &["--lang", "en", "report"]);
    assert!(line.contains("newer PasarSuara"), "{line}");
    assert_eq!(bytes, std::fs::read(&newer).unwrap());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro.db");
        ok_json(&ro, &["init"]);
        ok_json(&ro, &["product", "add", "--name", "Teh", "--price", "4000"]);
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
        let bytes = std::fs::read(&ro).unwrap();
        assert!(fails(&ro, &["sell", "--item", "Teh=1"]).contains("hanya-baca"));
        let list = ok_json(&ro, &["product", "list"]);
        assert_eq!(
            list.as_array().unwrap().len(),
            1,
            "a read-only shop can still be read"
        );
        assert_eq!(bytes, std::fs::read(&ro).unwrap());
    }
}

#[test]
fn demo_shop_gives_sensible_figures() {
    let (_dir, db) = tmp_db();
    let demo = ok_json(&db, &["demo", "--days", "30"]);
    assert!(demo["summary"]["products"].as_u64().unwrap() >= 150);
    assert!(demo["summary"]["sales"].as_u64().unwrap() > 1000);
    // A demo shop may be rebuilt; a real shop is never overwritten.
    let again = ok_json(&db, &["demo", "--days", "2"]);
    assert_eq!(again["summary"]["days"], 2);
    let (_dir2, real) = tmp_db();
    ok_json(&real, &["init"]);
    ok_json(
        &real,
        &["product", "add", "--name", "Teh", "--price", "4000"],
    );
    let refused = fails(&real, &["demo"]);
    assert!(refused.contains("sudah berisi toko"), "{refused}");
    let (_dir3, db) = tmp_db();
    ok_json(&db, &["demo", "--days", "30"]);

    let r = ok_json(&db, &["report", "--period", "last_7_days"]);
    let revenue = dec(&r["revenue"]);
    assert!(
        revenue > rust_decimal::Decimal::from(5_000_000),
        "a warung sells millions a week: {revenue}"
    );
    let margin = dec(&r["gross_margin"]);
    assert!(
        margin > "0.05".parse().unwrap() && margin < "0.4".parse().unwrap(),
        "margin {margin}"
    );
    assert!(r["sales_count"].as_i64().unwrap() > 300);
    assert!(dec(&r["expenses"]) > rust_decimal::Decimal::ZERO);
    assert_eq!(
        dec(&r["net_profit"]),
        dec(&r["gross_profit"]) - dec(&r["expenses"])
    );
    let top = r["top_products"].as_array().unwrap();
    assert!(top.len() >= 5);
    assert!(
        top.windows(2)
            .all(|w| dec(&w[0]["revenue"]) >= dec(&w[1]["revenue"]))
    );
    assert!(
        dec(&r["debts_outstanding"]) > rust_decimal::Decimal::ZERO,
        "regulars run kasbon"
    );
    let month = ok_json(&db, &["report", "--period", "this_month"]);
    assert!(dec(&month["revenue"]) >= rust_decimal::Decimal::ZERO);
    assert_eq!(ok_json(&db, &["stock", "check"])["ok"], true);
}

#[cfg(unix)]
#[test]
fn sigkill_mid_write_loses_no_committed_sale() {
    use pasar_core::{OpenMode, Shop};
    use std::io::{BufRead, BufReader};
    let (_dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    for i in 0..12 {
        let name = format!("Barang {i}");
        ok_json(
            &db,
            &[
                "product",
                "add",
                "--name",
                &name,
                "--sku",
                &format!("B{i}"),
                "--price",
                &format!("{}", 1000 + i * 250),
                "--cost",
                "700",
                "--stock",
                "1000",
            ],
        );
    }
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut committed: Vec<i64> = Vec::new();
    for round in 0..8u64 {
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .args([
                "debug",
                "write-sales",
                "--count",
                "100000",
                "--seed",
                &round.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let target = 20 + rand(150);
        let mut line = String::new();
        for _ in 0..target {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            committed.push(line.trim().parse().unwrap());
        }
        // Let it get somewhere inside the next transaction, then pull the plug.
        std::thread::sleep(std::time::Duration::from_micros(rand(3000)));
        child.kill().unwrap();
        // Ids printed before the kill were committed too.
        for l in reader.lines() {
            match l {
                Ok(l) if !l.trim().is_empty() => committed.push(l.trim().parse().unwrap()),
                _ => break,
            }
        }
        child.wait().unwrap();

        let shop = Shop::open(&db, OpenMode::Existing).unwrap();
        for id in &committed {
            let sale = shop
                .sale(*id)
                .unwrap_or_else(|e| panic!("round {round}: committed sale #{id} missing: {e:?}"));
            assert!(!sale.lines.is_empty());
        }
        let problems = shop.verify_books().unwrap();
        assert!(problems.is_empty(), "round {round}: {problems:?}");
        let orphan: i64 = shop.connection().query_row(
            "SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)
                OR NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.doc_type = 'sale' AND m.doc_id = s.id)",
            [], |r| r.get(0)).unwrap();
        assert_eq!(orphan, 0, "round {round}: partial sale found");
    }
    assert!(committed.len() >= 8 * 20);
}
