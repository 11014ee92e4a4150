//! The defects a hostile test found, reproduced exactly as reported, through the real binary.
//! Each test is one family; the property test in pasar-core covers the same families with
//! random operations.

use super::{dec, fails, ok_json, pasar, sales_count, tmp_db};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The reproduction shop: Beras Pulen by kg with a karung of 25 kg, Indomie by bks
/// with a dus of 40.
pub(crate) fn shop() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Beras Pulen",
            "--sku",
            "BRS",
            "--unit",
            "kg",
            "--price",
            "14rb",
            "--cost",
            "12.200",
            "--stock",
            "50",
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
            "--unit",
            "bks",
            "--price",
            "3.500",
            "--cost",
            "3.100",
            "--stock",
            "200",
            "--unit-def",
            "dus=40@128rb",
        ],
    );
    (dir, db)
}

fn code_of(db: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--json");
    let out = pasar(db, &all);
    assert!(!out.status.success(), "{args:?} should fail");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: a refusal, not a crash"
    );
    let err: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    err["error"]["code"].as_str().unwrap().to_string()
}

/// `pasar return --sale SALE --item ITEM --reason REASON`, which must succeed.
fn ret(db: &Path, sale: &str, item: &str, reason: &str) -> Value {
    ok_json(
        db,
        &["return", "--sale", sale, "--item", item, "--reason", reason],
    )
}

fn stock(db: &Path, sku: &str) -> rust_decimal::Decimal {
    dec(&ok_json(db, &["product", "show", sku])[0]["stock"])
}

fn check_ok(db: &Path) {
    assert_eq!(ok_json(db, &["stock", "check"])["ok"], true);
}

#[test]
fn returns_follow_the_unit_and_the_price() {
    let (_d, db) = shop();
    let s = ok_json(&db, &["sell", "--item", "BRS=1karung"]);
    assert_eq!(s["total"], "335000");
    assert_eq!(stock(&db, "BRS"), "25".parse().unwrap());
    // 1 kg back from a karung line is 0,04 karung: Rp 13.400, 1 kg into stock.
    let r = ret(&db, "1", "BRS=1kg", "x");
    assert_eq!(r["total"], "-13400");
    assert_eq!(r["lines"][0]["qty"], "-0.04");
    assert_eq!(r["lines"][0]["unit"], "karung");
    assert_eq!(r["lines"][0]["qty_base"], "-1");
    assert_eq!(stock(&db, "BRS"), "26".parse().unwrap());
    // A price other than the selling price is refused, not silently refunded.
    let args = [
        "return",
        "--sale",
        "1",
        "--item",
        "BRS=1kg@99rb",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "price_mismatch");
    // It was sold at Rp 335.000 a karung: Rp 13.400 a kg, not the Rp 14.000 kg price.
    let args = [
        "return",
        "--sale",
        "1",
        "--item",
        "BRS=1kg@14rb",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "price_mismatch");
    ret(&db, "1", "BRS=1kg@13.400", "x");
    // More than is left (23 kg of the karung) is refused in the unit asked.
    let args = [
        "return", "--sale", "1", "--item", "BRS=24kg", "--reason", "x",
    ];
    assert_eq!(code_of(&db, &args), "exceeds_outstanding");
    // 1 dus + 5 bks of one product on one sale: each line is returnable by its unit.
    let s = ok_json(&db, &["sell", "--item", "MIE=1dus", "--item", "MIE=5bks"]);
    let id = s["sale_id"].as_i64().unwrap().to_string();
    let args = [
        "return",
        "--sale",
        id.as_str(),
        "--item",
        "MIE=1",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "sold_in_several_units");
    let r = ret(&db, &id, "MIE=5bks", "x");
    assert_eq!(
        (r["total"].as_str(), r["lines"][0]["unit"].as_str()),
        (Some("-17500"), Some("bks"))
    );
    let r = ret(&db, &id, "MIE=1dus", "x");
    assert_eq!(
        (r["total"].as_str(), r["lines"][0]["unit"].as_str()),
        (Some("-128000"), Some("dus"))
    );
    assert_eq!(stock(&db, "MIE"), "200".parse().unwrap());
    // 10 bks of a "1 dus + 5 bks" sale: the 5 loose ones, then 5 out of the dus.
    let s = ok_json(&db, &["sell", "--item", "MIE=1dus", "--item", "MIE=5bks"]);
    let id = s["sale_id"].as_i64().unwrap().to_string();
    let r = ret(&db, &id, "MIE=10bks", "x");
    assert_eq!(r["total"], "-33500", "5 × 3.500 + 5/40 of 128.000");
    let r = ret(&db, &id, "MIE=35bks", "x");
    assert_eq!(r["total"], "-112000");
    let args = [
        "return",
        "--sale",
        id.as_str(),
        "--item",
        "MIE=1bks",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "exceeds_outstanding");
    // One egg back from a dozen: 1/12 of the line, exact in the base unit.
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Telur",
            "--sku",
            "TLR",
            "--unit",
            "pcs",
            "--price",
            "2rb",
            "--unit-def",
            "lusin=12@23rb",
            "--stock",
            "120",
        ],
    );
    let s = ok_json(&db, &["sell", "--item", "TLR=1lusin"]);
    let id = s["sale_id"].as_i64().unwrap().to_string();
    let r = ret(&db, &id, "TLR=1pcs", "pecah");
    assert_eq!(
        (r["total"].as_str(), r["lines"][0]["unit"].as_str()),
        (Some("-1917"), Some("pcs"))
    );
    assert_eq!(stock(&db, "TLR"), "109".parse().unwrap());
    let r = ret(&db, &id, "TLR=11pcs", "x");
    assert_eq!(r["total"], "-21083", "the rest: 23.000 in all");
    check_ok(&db);
}

#[test]
fn absurd_numbers_are_refused_and_reports_never_crash() {
    let (dir, db) = shop();
    let huge = "BRS=99999999999999999999@99999999999999999999";
    assert_eq!(code_of(&db, &["sell", "--item", huge]), "out_of_range");
    assert_eq!(
        code_of(&db, &["sell", "--item", "MIE=8991002101234"]),
        "looks_like_barcode"
    );
    let tiny = "MIE=0.0000000000000000000000000001";
    assert_eq!(code_of(&db, &["sell", "--item", tiny]), "too_precise");
    for _ in 0..2 {
        let args = [
            "debt",
            "add",
            "--contact",
            "Sri",
            "--amount",
            "99999999999999999999",
        ];
        assert_eq!(code_of(&db, &args), "out_of_range");
    }
    let args = ["debt", "add", "--contact", "Sri", "--amount", "Rp 12,5"];
    assert_eq!(code_of(&db, &args), "not_whole_rupiah");
    assert_eq!(
        code_of(&db, &["expense", "--amount", "12,5"]),
        "not_whole_rupiah"
    );
    let args = ["sell", "--item", "MIE=1", "--tendered", "3.500,5"];
    assert_eq!(code_of(&db, &args), "not_whole_rupiah");
    for _ in 0..3 {
        let args = [
            "stock",
            "adjust",
            "--product",
            "MIE",
            "--delta",
            "900000000",
            "--reason",
            "x",
        ];
        let out = pasar(&db, &args);
        assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    }
    let args = [
        "stock",
        "adjust",
        "--product",
        "MIE",
        "--delta",
        "99999999999999999999",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "out_of_range");
    let args = [
        "product", "add", "--name", "Minus", "--price", "1000", "--stock", "-5",
    ];
    assert_eq!(code_of(&db, &args), "negative");
    // Whatever was accepted, every report still works.
    for period in ["today", "this_month", "2000-01-01..2100-12-31"] {
        ok_json(&db, &["report", "--period", period]);
    }
    check_ok(&db);
    // A demo of four billion days is refused before anything is made.
    let demo = dir.path().join("demo.db");
    assert_eq!(
        code_of(&demo, &["demo", "--days", "4294967295"]),
        "out_of_range"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("demo"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn units_that_cannot_be_exact_are_refused() {
    let (_d, db) = shop();
    ok_json(
        &db,
        &[
            "product", "add", "--name", "Telur", "--sku", "TLR", "--unit", "lusin", "--price",
            "24rb", "--stock", "10",
        ],
    );
    // 1 pcs = 1/12 lusin: never rounded into the ledger.
    assert_eq!(
        code_of(&db, &["sell", "--item", "TLR=1pcs"]),
        "inexact_unit"
    );
    assert_eq!(
        code_of(&db, &["sell", "--item", "TLR=6pcs"]),
        "inexact_unit"
    );
    ok_json(&db, &["sell", "--item", "TLR=0,5"]);
    assert_eq!(stock(&db, "TLR"), "9.5".parse().unwrap());
    // A scale reading with three decimals after a dot is ambiguous; the comma is not.
    assert_eq!(
        code_of(&db, &["sell", "--item", "BRS=1.250kg"]),
        "ambiguous_number"
    );
    let s = ok_json(&db, &["sell", "--item", "BRS=1,250kg"]);
    assert_eq!(s["lines"][0]["qty"], "1.25");
    let s = ok_json(&db, &["sell", "--item", "BRS=0.750kg"]);
    assert_eq!(s["lines"][0]["qty"], "0.75");
    check_ok(&db);
}

#[test]
fn files_name_the_real_cause() {
    let dir = tempfile::tempdir().unwrap();
    // A zero-byte file is not a shop, for reading or writing; `init` may make it one.
    let empty = dir.path().join("kosong.db");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(code_of(&empty, &["report"]), "database_empty");
    assert_eq!(
        code_of(&empty, &["sell", "--item", "X=1"]),
        "database_empty"
    );
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    assert!(!dir.path().join("kosong.db-wal").exists());
    ok_json(&empty, &["init"]);
    ok_json(&empty, &["report"]);
    // A folder, and a path under a file.
    assert_eq!(code_of(dir.path(), &["report"]), "database_is_folder");
    let under = empty.join("x.db");
    assert_eq!(code_of(&under, &["init"]), "parent_not_folder");
    let line = fails(&under, &["--lang", "en", "init"]);
    assert!(line.contains("is a file, not a folder"), "{line}");
    // A read-only file is read, leaves nothing that blocks writing once unlocked.
    let (_d, db) = shop();
    ok_json(&db, &["sell", "--item", "MIE=2"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set =
            |mode| std::fs::set_permissions(&db, std::fs::Permissions::from_mode(mode)).unwrap();
        set(0o444);
        assert_eq!(ok_json(&db, &["report"])["sales_count"], 1);
        assert_eq!(
            code_of(&db, &["sell", "--item", "MIE=1"]),
            "database_read_only"
        );
        set(0o644);
        ok_json(&db, &["sell", "--item", "MIE=1"]);
        assert_eq!(sales_count(&db), 2);
    }
}

/// A healthy read-only shop in a read-only folder is read, not called damaged. Root ignores
/// folder permissions, so as root the binary runs as `nobody` (setpriv); elsewhere as is.
#[cfg(unix)]
#[test]
fn a_read_only_shop_in_a_read_only_folder_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("arsip");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("toko.db");
    ok_json(&db, &["init"]);
    ok_json(
        &db,
        &[
            "product", "add", "--name", "Teh", "--sku", "TEH", "--price", "4000", "--stock", "5",
        ],
    );
    ok_json(&db, &["sell", "--item", "TEH=2"]);
    let mode =
        |p: &Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(&db, 0o444);
    mode(&folder, 0o555);
    mode(dir.path(), 0o755);
    let root = unsafe { libc_geteuid() } == 0;
    let mut cmd = if root {
        if !Path::new("/usr/bin/setpriv").exists() {
            eprintln!("skipped: running as root without setpriv to drop privileges");
            mode(&folder, 0o755);
            return;
        }
        let mut c = std::process::Command::new("/usr/bin/setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_pasar"),
        ]);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
    };
    let out = cmd
        .arg("--db")
        .arg(&db)
        .args(["--json", "report"])
        .env_remove("PASAR_LANG")
        .output()
        .unwrap();
    mode(&folder, 0o755);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["sales_count"], 1);
    let left: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, vec!["toko.db".to_string()], "nothing left beside it");
}

#[cfg(unix)]
unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

#[test]
fn demo_never_replaces_entries_it_did_not_make_or_a_file_in_use() {
    let (_d, db) = tmp_db();
    ok_json(&db, &["demo", "--days", "2"]);
    ok_json(&db, &["demo", "--days", "3"]);
    ok_json(&db, &["setting", "set", "theme", "dark"]);
    ok_json(&db, &["demo", "--days", "2"]);
    let sale = ok_json(&db, &["sell", "--item", "GLA-001=1"]);
    assert!(sale["sale_id"].as_i64().is_some());
    assert_eq!(code_of(&db, &["demo", "--days", "2"]), "has_other_entries");
    // Open in another program (this test holds a connection): never replaced, even forced.
    let other = rusqlite::Connection::open(&db).unwrap();
    let _: i64 = other
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        code_of(&db, &["demo", "--days", "2", "--force"]),
        "database_in_use"
    );
    drop(other);
    ok_json(&db, &["demo", "--days", "2", "--force"]);
}

#[test]
fn codes_win_inactive_products_are_found_and_names_are_unique() {
    let (_d, db) = shop();
    // A product whose name is another product's SKU: the SKU wins.
    ok_json(
        &db,
        &[
            "product", "add", "--name", "MIE", "--sku", "X1", "--price", "1000",
        ],
    );
    let s = ok_json(&db, &["sell", "--item", "MIE=1"]);
    assert_eq!(s["lines"][0]["product"], "Indomie Goreng");
    let args = ["product", "add", "--name", "indomie goreng", "--price", "1"];
    assert_eq!(code_of(&db, &args), "duplicate");
    let args = ["product", "edit", "X1", "--name", "Beras Pulen"];
    assert_eq!(code_of(&db, &args), "duplicate");
    // Deactivated: found by SKU, barcode-free name and search --all; counted, returned,
    // reactivated; only selling refuses it.
    ok_json(&db, &["product", "edit", "MIE", "--deactivate"]);
    assert_eq!(
        ok_json(&db, &["product", "show", "MIE"])[0]["active"],
        false
    );
    assert_eq!(
        ok_json(&db, &["product", "show", "Indomie Goreng"])[0]["sku"],
        "MIE"
    );
    let found = ok_json(&db, &["product", "list", "--search", "indomie", "--all"]);
    assert_eq!(found[0]["sku"], "MIE");
    assert_eq!(
        code_of(&db, &["sell", "--item", "MIE=1"]),
        "product_inactive"
    );
    assert_eq!(
        code_of(&db, &["sell", "--item", "Indomie Goreng=1"]),
        "product_inactive"
    );
    ret(&db, "1", "MIE=1", "x");
    ok_json(
        &db,
        &["stock", "adjust", "--product", "MIE", "--counted", "150"],
    );
    ok_json(&db, &["product", "edit", "MIE", "--activate"]);
    ok_json(&db, &["sell", "--item", "MIE=1"]);
    check_ok(&db);
}

#[test]
fn reversals_never_exceed_what_is_outstanding() {
    let (_d, db) = shop();
    // A discounted sale with a Rp 0 line: partial returns, then the rest.
    let s = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "MIE=3@3.333",
            "--item",
            "BRS=1@0",
            "--discount",
            "7",
            "--tendered",
            "10.000",
        ],
    );
    let paid = -dec(&s["total"]);
    assert_eq!(s["total"], "9992");
    let mut back = rust_decimal::Decimal::ZERO;
    for item in ["MIE=1", "BRS=1", "MIE=1", "MIE=1"] {
        let r = ok_json(
            &db,
            &["return", "--sale", "1", "--item", item, "--reason", "x"],
        );
        let t = dec(&r["total"]);
        assert!(
            t <= rust_decimal::Decimal::ZERO,
            "a return never charges: {t}"
        );
        back += t;
        assert!(back >= paid, "refunded {back} of {paid}");
    }
    assert_eq!(back, paid, "fully returned nets to zero");
    assert_eq!(
        code_of(&db, &["void", "--sale", "1", "--reason", "x"]),
        "already_reversed"
    );
    check_ok(&db);
}

#[test]
fn english_is_english_and_json_errors_are_structured() {
    let (_d, db) = shop();
    const INDONESIAN: [&str; 14] = [
        "tidak",
        "harus",
        "jumlah",
        "untuk",
        "satuan",
        "galat",
        "wajib",
        "pembayaran",
        "kurang",
        "dari",
        "lebih",
        "sudah",
        "pilih",
        "berkas",
    ];
    let cases: &[&[&str]] = &[
        &["sell", "--item", "BRS=0"],
        &["sell", "--item", "BRS=-1"],
        &["sell", "--item", "BRS=1", "--tendered", "1000"],
        &["sell", "--item", "BRS=1", "--pay", "bitcoin"],
        &["sell", "--item", "BRS=1", "--pay", "kasbon"],
        &["sell", "--item", "BRS=2dus"],
        &["sell", "--item", "BRS=abc"],
        &["sell", "--item", "BRS=1", "--discount", "999rb"],
        &["sell"],
        &["sell", "--bogus"],
        &["terbang"],
        &["expense", "--amount", "-5000"],
        &["expense", "--amount", "5000", "--category", "rokok"],
        &["expense", "--amount", "5000", "--pay", "kasbon"],
        &["debt", "pay", "--contact", "Siapa", "--amount", "1000"],
        &["stock", "adjust", "--product", "BRS", "--counted", "-3"],
        &[
            "stock",
            "adjust",
            "--product",
            "BRS",
            "--delta",
            "0",
            "--reason",
            "x",
        ],
        &["report", "--period", "besok"],
        &["report", "--period", "2026-12-01..2026-11-01"],
        &["void", "--sale", "999", "--reason", "x"],
        &[
            "return", "--sale", "999", "--item", "BRS=1", "--reason", "x",
        ],
        &["product", "add", "--name", "", "--price", "1"],
        &[
            "product",
            "add",
            "--name",
            "X",
            "--price",
            "1",
            "--unit-def",
            "dus",
        ],
        &["setting", "set", "lead_time_days", "999"],
        &["setting", "set", "warna", "merah"],
        &["contact", "add", "--name", "Ani", "--phone", "abc"],
        &["buy", "--item", "BRS=1", "--pay", "kasbon"],
    ];
    for args in cases {
        let mut all = vec!["--lang", "en"];
        all.extend_from_slice(args);
        let line = fails(&db, &all);
        assert!(line.starts_with("error: "), "{line}");
        let words: Vec<String> = line
            .split(|c: char| !c.is_alphabetic())
            .map(str::to_lowercase)
            .collect();
        for w in INDONESIAN {
            assert!(
                !words.iter().any(|x| x == w),
                "{args:?}: Indonesian '{w}' in: {line}"
            );
        }
        // The same error for scripts: a code, never text to match.
        let mut json = all.clone();
        json.push("--json");
        let out = pasar(&db, &json);
        let v: Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|e| panic!("{args:?} {e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert!(
            v["error"]["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{v}"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(sales_count(&db), 0);
    // Warnings and the demo summary follow --lang too.
    let out = pasar(&db, &["--lang", "en", "sell", "--item", "BRS=60"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("below zero"), "{text}");
    let (_d2, demo) = tmp_db();
    let out = pasar(&demo, &["--lang", "en", "demo", "--days", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("products") && !text.contains("produk"),
        "{text}"
    );
}

#[test]
fn smaller_ones() {
    let (_d, db) = shop();
    // Price tags as written on shelves.
    let p = ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Gula",
            "--sku",
            "GLA",
            "--unit",
            "kg",
            "--price",
            "Rp 12.500,-",
        ],
    );
    assert_eq!(p[0]["price"], "12500");
    // The purchase summary shows stock in the base unit.
    let out = pasar(&db, &["buy", "--item", "BRS=1karung@300rb"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("75 kg"), "{text}");
    // Control characters and escape codes are not names.
    let args = [
        "product",
        "add",
        "--name",
        "Beras\u{1b}[31m Merah",
        "--price",
        "1",
    ];
    assert_eq!(code_of(&db, &args), "control_characters");
    let args = ["contact", "add", "--name", "Sri\u{7}"];
    assert_eq!(code_of(&db, &args), "control_characters");
    // The documented typo example finds its product.
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Minyak Goreng Bimoli 1L",
            "--price",
            "18rb",
        ],
    );
    let found = ok_json(&db, &["product", "list", "--search", "minyk gorng"]);
    assert_eq!(found[0]["name"], "Minyak Goreng Bimoli 1L");
    // A 3000-line sale that runs stock negative gives one warning per product.
    let mut args = vec!["sell"];
    for _ in 0..3000 {
        args.extend(["--item", "MIE=1"]);
    }
    let s = ok_json(&db, &args);
    assert_eq!(s["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(s["warnings"][0]["stock"], "-2800");
    // A customer's credit is not a supplier debt.
    let s = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "GLA=1",
            "--pay",
            "kasbon",
            "--customer",
            "Bu Sri",
        ],
    );
    ok_json(
        &db,
        &["debt", "pay", "--contact", "Bu Sri", "--amount", "12500"],
    );
    let id = s["sale_id"].as_i64().unwrap().to_string();
    ret(&db, &id, "GLA=1", "x");
    let r = ok_json(&db, &["report"]);
    assert_eq!(r["debts_payable"], "0");
    assert_eq!(r["customer_credit"], "12500");
    check_ok(&db);
}

/// A sale whose summary cannot be written (the reader of its output is gone) is still
/// saved, says so with its id on stderr, and does not panic. (A stdout closed with `>&-` is
/// reopened on /dev/null by Rust's runtime, like `> /dev/null`: the sale is saved quietly.)
#[test]
fn output_that_cannot_be_written_still_says_the_sale_was_saved() {
    let (_d, db) = shop();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
        .arg("--db")
        .arg(&db)
        .args(["sell", "--item", "MIE=1"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("#1") && err.contains("tersimpan"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(sales_count(&db), 1);
    // A read whose reader left ends quietly, as Unix tools do.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
        .arg("--db")
        .arg(&db)
        .args(["product", "list"])
        .stdout(writer)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' --db '{}' sell --item MIE=1 >&-",
            env!("CARGO_BIN_EXE_pasar"),
            db.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(sales_count(&db), 2);
}

/// A sale made while `demo` rebuilds the same file is never lost: either the demo sees it
/// (under the write lock) and refuses, or the sale lands after the demo went in.
#[test]
fn a_sale_during_a_demo_rebuild_is_never_lost() {
    let (_d, db) = tmp_db();
    ok_json(&db, &["demo", "--days", "2"]);
    for round in 0..6 {
        let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
            .arg("--db")
            .arg(&db)
            .args(["demo", "--days", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20 * round));
        let note = format!("jangan-hilang-{round}");
        let out = pasar(&db, &["sell", "--item", "GLA-001=1", "--note", &note]);
        demo.wait().unwrap();
        if out.status.success() {
            let n: i64 = rusqlite::Connection::open(&db)
                .unwrap()
                .query_row("SELECT count(*) FROM sales WHERE note = ?1", [&note], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(n, 1, "round {round}: a saved sale vanished");
        }
        check_ok(&db);
        // Start the next round from a demo nobody has touched.
        ok_json(&db, &["demo", "--days", "2", "--force"]);
    }
}

/// Four `init` at once on a new file all succeed and leave one sound shop.
#[test]
fn concurrent_inits_on_a_new_file_all_succeed() {
    let (_d, db) = tmp_db();
    let kids: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
                .arg("--db")
                .arg(&db)
                .arg("init")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for k in kids {
        let out = k.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    check_ok(&db);
}

/// What a second hostile pass found, each reproduced as reported.
#[test]
fn second_hostile_pass() {
    let (dir, db) = shop();
    // Quantity fields all read "1.250" as ambiguous, not as 1250.
    for args in [
        &["stock", "adjust", "--product", "BRS", "--counted", "1.250"][..],
        &[
            "stock",
            "adjust",
            "--product",
            "BRS",
            "--delta",
            "1.250",
            "--reason",
            "x",
        ],
        &[
            "product", "add", "--name", "Gula", "--price", "1000", "--stock", "1.250",
        ],
        &[
            "product",
            "add",
            "--name",
            "Gula",
            "--price",
            "1000",
            "--unit-def",
            "dus=1.250",
        ],
    ] {
        assert_eq!(code_of(&db, args), "ambiguous_number", "{args:?}");
    }
    // A hand-made unit that is a rounded fraction (0,083 ≈ 1/12) is not exact.
    let args = [
        "product",
        "add",
        "--name",
        "Telur",
        "--unit",
        "lusin",
        "--price",
        "24rb",
        "--unit-def",
        "pcs=0,083@2rb",
    ];
    assert_eq!(code_of(&db, &args), "inexact_unit");
    ok_json(
        &db,
        &[
            "product",
            "add",
            "--name",
            "Susu",
            "--unit",
            "l",
            "--price",
            "20rb",
            "--unit-def",
            "gelas=0,25@5rb",
        ],
    );
    // Typed prices and costs are whole rupiah; "3,500" is ambiguous in money.
    assert_eq!(
        code_of(&db, &["sell", "--item", "MIE=1bks@3,500"]),
        "ambiguous_number"
    );
    assert_eq!(
        code_of(&db, &["sell", "--item", "MIE=1bks@0,4"]),
        "not_whole_rupiah"
    );
    assert_eq!(
        code_of(&db, &["buy", "--item", "MIE=1bks@0,5"]),
        "not_whole_rupiah"
    );
    let args = ["product", "add", "--name", "Permen", "--price", "0,5"];
    assert_eq!(code_of(&db, &args), "not_whole_rupiah");
    // A gram of rice priced by the kg still sells (a derived price may carry decimals).
    let s = ok_json(&db, &["sell", "--item", "BRS=250g"]);
    assert_eq!(s["total"], "3500");
    // Breakage cannot push stock below zero when selling below zero is off.
    ok_json(&db, &["setting", "set", "allow_negative_stock", "false"]);
    let args = [
        "stock",
        "adjust",
        "--product",
        "BRS",
        "--delta",
        "-60",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "insufficient_stock");
    ok_json(&db, &["setting", "set", "allow_negative_stock", "true"]);
    // Invisible characters, look-alike spaces, names without a letter.
    for name in [
        "Gula\u{200f}Pasir",
        "Gula\u{200b}",
        "Gula\u{2028}Pasir",
        "Gula\u{feff}",
    ] {
        let args = ["product", "add", "--name", name, "--price", "1000"];
        assert_eq!(code_of(&db, &args), "control_characters", "{name:?}");
    }
    let args = ["product", "add", "--name", "\u{301}", "--price", "1000"];
    assert_eq!(code_of(&db, &args), "bad_format");
    for name in ["Beras  Pulen", "Beras\u{a0}Pulen", " beras pulen "] {
        let args = ["product", "add", "--name", name, "--price", "1000"];
        assert_eq!(code_of(&db, &args), "duplicate", "{name:?}");
    }
    ok_json(
        &db,
        &[
            "sell",
            "--item",
            "MIE=1",
            "--pay",
            "kasbon",
            "--customer",
            "Bu  Sri",
        ],
    );
    ok_json(
        &db,
        &[
            "sell",
            "--item",
            "MIE=1",
            "--pay",
            "kasbon",
            "--customer",
            "bu sri",
        ],
    );
    assert_eq!(ok_json(&db, &["debt", "list"]).as_array().unwrap().len(), 1);
    // An alias may not be another product's name or code; codes may not cross.
    let args = [
        "product",
        "add",
        "--name",
        "Beras Murah",
        "--price",
        "10rb",
        "--alias",
        "indomie goreng",
    ];
    assert_eq!(code_of(&db, &args), "duplicate");
    let args = [
        "product",
        "add",
        "--name",
        "Kecap",
        "--price",
        "10rb",
        "--barcode",
        "MIE",
    ];
    assert_eq!(code_of(&db, &args), "duplicate");
    // --user is a name too.
    let args = ["--user", "\u{1b}[31mx", "sell", "--item", "MIE=1"];
    assert_eq!(code_of(&db, &args), "control_characters");
    // Settings: an unknown key is refused, not printed empty.
    assert_eq!(code_of(&db, &["setting", "get", "warna"]), "unknown_choice");
    // Another program's database is named as such.
    let other = dir.path().join("lain.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes(x TEXT);")
        .unwrap();
    assert_eq!(code_of(&other, &["report"]), "database_foreign");
    // Human output uses words of the chosen language, not stored codes.
    let out = pasar(&db, &["debt", "history", "--contact", "Bu Sri"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kasbon") && !text.contains("payment"),
        "{text}"
    );
    let r = pasar(
        &db,
        &[
            "--lang", "en", "return", "--sale", "1", "--item", "BRS=1", "--reason", "x",
        ],
    );
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(text.contains("(of #1)") && !text.contains("dari"), "{text}");
    check_ok(&db);
}

/// What a third hostile pass found, each reproduced as reported.
#[test]
fn third_hostile_pass() {
    let (dir, db) = shop();
    // A typed price picks the lines sold at it; without one the cheapest lines go first.
    let s = ok_json(&db, &["sell", "--item", "MIE=1dus", "--item", "MIE=5bks"]);
    let id = s["sale_id"].as_i64().unwrap().to_string();
    let r = ret(&db, &id, "MIE=1dus@128rb", "x");
    assert_eq!(r["total"], "-128000");
    let r = ret(&db, &id, "MIE=5bks@3.500", "x");
    assert_eq!(r["total"], "-17500");
    let s = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "MIE=5bks",
            "--item",
            "MIE=5bks@3000",
            "--item",
            "MIE=2bks@0",
        ],
    );
    let id = s["sale_id"].as_i64().unwrap().to_string();
    let r = ret(&db, &id, "MIE=2bks", "x");
    assert_eq!(r["total"], "0", "the free ones come back first");
    let r = ret(&db, &id, "MIE=2bks@3000", "x");
    assert_eq!(r["total"], "-6000");
    let args = [
        "return",
        "--sale",
        id.as_str(),
        "--item",
        "MIE=1bks@-5",
        "--reason",
        "x",
    ];
    assert_eq!(code_of(&db, &args), "negative");
    // A return of a return names the return.
    let r = ret(&db, &id, "MIE=1bks", "x");
    let rid = r["sale_id"].as_i64().unwrap().to_string();
    let line = fails(
        &db,
        &[
            "--lang", "en", "return", "--sale", &rid, "--item", "MIE=1", "--reason", "x",
        ],
    );
    assert!(line.contains("returned items"), "{line}");
    // Typed costs are whole rupiah; U+2800 is as blank as a space.
    let args = [
        "product", "add", "--name", "Q2", "--price", "1rb", "--cost", "3,5",
    ];
    assert_eq!(code_of(&db, &args), "not_whole_rupiah");
    let args = [
        "product",
        "add",
        "--name",
        "Beras\u{2800}Pulen",
        "--price",
        "1rb",
    ];
    assert_eq!(code_of(&db, &args), "control_characters");
    check_ok(&db);

    // The demo keeps the shop's own settings, and cleans up after a killed demo.
    let shop2 = dir.path().join("toko2.db");
    ok_json(
        &shop2,
        &[
            "init",
            "--shop-name",
            "Toko Saya",
            "--timezone",
            "Asia/Makassar",
        ],
    );
    ok_json(&shop2, &["setting", "set", "lead_time_days", "5"]);
    let stale = dir.path().join("toko2.db.demo-999999999-1.tmp");
    std::fs::write(&stale, b"left by a killed demo").unwrap();
    ok_json(&shop2, &["demo", "--days", "3"]);
    assert!(!stale.exists(), "a dead demo's temp file is removed");
    for (key, want) in [
        ("shop_name", "Toko Saya"),
        ("timezone", "Asia/Makassar"),
        ("lead_time_days", "5"),
    ] {
        assert_eq!(ok_json(&shop2, &["setting", "get", key])["value"], want);
    }
    check_ok(&shop2);
}

/// A demo over an existing empty shop, or a forced rebuild, never swallows a sale made while
/// it was being built.
#[test]
fn sales_made_while_a_demo_is_built_are_never_lost() {
    for forced in [false, true] {
        for round in 0..4u64 {
            let (_d, db) = tmp_db();
            if forced {
                ok_json(&db, &["demo", "--days", "2"]);
                ok_json(&db, &["sell", "--item", "GLA-001=1"]);
            } else {
                ok_json(&db, &["init"]);
            }
            let mut args = vec!["demo", "--days", "20"];
            if forced {
                args.push("--force");
            }
            let mut demo = std::process::Command::new(env!("CARGO_BIN_EXE_pasar"))
                .arg("--db")
                .arg(&db)
                .args(&args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(40 * round));
            let note = format!("jangan-hilang-{forced}-{round}");
            if !forced {
                // Needs a product that exists in the empty shop.
                let _ = pasar(
                    &db,
                    &[
                        "product", "add", "--name", "Teh", "--sku", "TEH", "--price", "4000",
                    ],
                );
            }
            let item = if forced { "GLA-001=1" } else { "TEH=1" };
            let out = pasar(&db, &["sell", "--item", item, "--note", &note]);
            demo.wait().unwrap();
            if out.status.success() {
                let n: i64 = rusqlite::Connection::open(&db)
                    .unwrap()
                    .query_row("SELECT count(*) FROM sales WHERE note = ?1", [&note], |r| {
                        r.get(0)
                    })
                    .unwrap();
                assert_eq!(n, 1, "{note}: a saved sale vanished");
            }
            check_ok(&db);
        }
    }
}
