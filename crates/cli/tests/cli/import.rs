//! `pasar import` and `pasar export` as scripts call them: the JSON contract, the modes'
//! exit codes, a file that is not a stock list, and an import killed halfway.

use super::{fails, ok_json, pasar, tmp_db};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn products(db: &Path) -> Vec<(String, String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare("SELECT name, price, stock FROM products ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const LIST: &str = "\
Kode;Nama Barang;Satuan;Harga Jual;Stok
G1;Gula Pasir;kg;16.500;12,5
T1;Teh Celup;bks;6.000;40
X1;;pcs;1.000;3
";

#[test]
fn import_reports_counts_and_row_errors_as_json() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    let f = write(dir.path(), "stok.csv", LIST);
    let f = f.to_str().unwrap();
    let dry = ok_json(&db, &["import", f, "--dry-run"]);
    assert_eq!(dry["inserted"], 2);
    assert_eq!(dry["committed"], false);
    assert!(products(&db).is_empty(), "a dry run writes nothing");
    let v = ok_json(&db, &["import", f]);
    assert_eq!(
        (
            &v["inserted"],
            &v["updated"],
            &v["unchanged"],
            &v["skipped"]
        ),
        (&2.into(), &0.into(), &0.into(), &1.into())
    );
    let e = &v["errors"][0];
    assert_eq!(
        (&e["row"], &e["column"]),
        (&4.into(), &"Nama Barang".into())
    );
    assert_eq!(e["message"], "nama produk wajib diisi");
    assert_eq!(
        products(&db),
        vec![
            ("Gula Pasir".into(), "16500".into(), "12.5".into()),
            ("Teh Celup".into(), "6000".into(), "40".into())
        ]
    );
    // English, and the second time nothing changes.
    let v = ok_json(&db, &["--lang", "en", "import", f]);
    assert_eq!((&v["inserted"], &v["unchanged"]), (&0.into(), &2.into()));
    assert_eq!(v["errors"][0]["message"], "product name is required");
    // The stock arrived through the ledger.
    let moves = ok_json(&db, &["stock", "movements", "--product", "G1"]);
    assert_eq!(moves[0]["kind"], "initial");
    assert_eq!(moves[0]["doc_type"], "import");
}

#[test]
fn strict_refuses_with_a_non_zero_exit_and_writes_nothing() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    let f = write(dir.path(), "stok.csv", LIST);
    let out = pasar(&db, &["import", f.to_str().unwrap(), "--strict", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&v["inserted"], &v["committed"]),
        (&0.into(), &false.into())
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("import_refused"));
    assert!(products(&db).is_empty());
}

#[test]
fn files_that_are_not_stock_lists_are_one_clear_error() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    let png = dir.path().join("foto.xlsx");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let cut = dir.path().join("potong.xlsx");
    std::fs::write(&cut, b"PK\x03\x04\x14\0\0\0\x08\0rest is gone").unwrap();
    for (file, words) in [
        (png.to_str().unwrap(), "bukan lembar kerja"),
        (cut.to_str().unwrap(), "rusak atau terpotong"),
        (dir.path().to_str().unwrap(), "bukan lembar kerja"),
        ("/nowhere/stok.xlsx", "tidak ditemukan"),
    ] {
        let err = fails(&db, &["import", file]);
        assert!(err.contains(words), "{file}: {err}");
    }
    assert!(products(&db).is_empty());
}

#[test]
fn export_writes_xlsx_and_csv_that_import_back_unchanged() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["demo", "--days", "3"]);
    for name in ["katalog.xlsx", "katalog.csv"] {
        let out = dir.path().join(name);
        let out = out.to_str().unwrap();
        ok_json(&db, &["export", "catalog", "--out", out]);
        let v = ok_json(&db, &["import", out]);
        assert_eq!(
            (&v["inserted"], &v["updated"]),
            (&0.into(), &0.into()),
            "{name}"
        );
        assert!(v["errors"].as_array().unwrap().is_empty(), "{name}: {v}");
    }
    for what in ["transactions", "report"] {
        let out = dir.path().join(format!("{what}.xlsx"));
        let v = ok_json(
            &db,
            &[
                "export",
                what,
                "--period",
                "last_7_days",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(v["bytes"].as_u64().unwrap() > 1000);
        assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    }
    let err = fails(
        &db,
        &[
            "export",
            "catalog",
            "--out",
            dir.path().join("x.pdf").to_str().unwrap(),
        ],
    );
    assert!(err.contains(".xlsx, .csv"), "{err}");
    let err = fails(&db, &["export", "catalog", "--out", db.to_str().unwrap()]);
    assert!(err.contains("database"), "{err}");
}

/// An import is one transaction: killed at any moment, the shop holds all of it or none.
#[test]
fn an_import_killed_halfway_leaves_all_or_nothing() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    let mut csv = String::from("Kode,Nama Barang,Harga Jual,Stok\n");
    for i in 0..60_000 {
        csv.push_str(&format!(
            "K{i},Barang Nomor {i},{},{}\n",
            1000 + i,
            i % 50 + 1
        ));
    }
    let f = write(dir.path(), "besar.csv", &csv);
    for delay in [1000u64, 2000, 2800] {
        let mut child = std::process::Command::new(super::BIN)
            .arg("--db")
            .arg(&db)
            .args(["import", f.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        child.wait().unwrap();
        let n = products(&db).len();
        assert!(n == 0 || n == 60_000, "after {delay} ms: {n} products");
        let check = ok_json(&db, &["stock", "check"]);
        assert_eq!(check["ok"], true, "{check}");
        if n == 60_000 {
            break;
        }
    }
}

#[test]
fn the_text_report_shows_how_the_file_was_read_and_read_flips_a_column() {
    let (dir, db) = tmp_db();
    ok_json(&db, &["init"]);
    let f = write(
        dir.path(),
        "stok.csv",
        "Nama Barang,Harga Jual,Stok\nGula,\"12.000\",\"36.000\"\nBeras,\"15.000\",\"2.000\"\n",
    );
    let f = f.to_str().unwrap();
    let out = pasar(&db, &["import", f, "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("\"Nama Barang\" = nama, \"Harga Jual\" = harga jual, \"Stok\" = stok"),
        "{text}"
    );
    assert!(
        text.contains("kolom \"Stok\": titik = desimal") && text.contains("--read stock=thousands"),
        "the ambiguous column and how to flip it: {text}"
    );
    let v = ok_json(&db, &["import", f, "--read", "stock=thousands"]);
    assert_eq!(v["inserted"], 2);
    assert_eq!(products(&db)[0].2, "36000");
    let e = fails(&db, &["import", f, "--read", "stok"]);
    assert!(e.contains("stock=thousands"), "{e}");
    let e = fails(&db, &["--lang", "en", "export", "foo", "--out", "x.csv"]);
    assert!(e.contains("export kind \"foo\""), "{e}");
}
