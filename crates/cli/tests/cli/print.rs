//! Receipts, notas, reports and printing through the binary: files written whole, and every
//! bad input (unknown sale, unwritable path, a logo that is not an image, a printer that does
//! not answer) one clear line that writes nothing to the books.

use super::hostile::shop;
use super::*;
use std::os::unix::fs::FileTypeExt;

fn books(db: &Path) -> (i64, String) {
    let c = rusqlite::Connection::open(db).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    let a: String = c
        .query_row("SELECT group_concat(action) FROM audit_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    (n, a)
}

#[test]
fn receipts_notas_and_reports_are_written_as_files() {
    let (dir, db) = shop();
    let sale = ok_json(
        &db,
        &[
            "sell",
            "--item",
            "BRS=1,25kg",
            "--item",
            "MIE=2",
            "--tendered",
            "50rb",
        ],
    );
    let id = sale["sale_id"].as_i64().unwrap().to_string();
    let text = pasar(&db, &["receipt", &id]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("1,25 kg x 14.000") && text.contains("TOTAL") && text.contains("Rp 24.500"),
        "{text}"
    );
    for (fmt, name, magic) in [
        ("pdf", "s.pdf", &b"%PDF"[..]),
        ("escpos", "s.bin", &b"\x1b@"[..]),
        ("text", "s.txt", &b"  "[..]),
    ] {
        let out = dir.path().join(name);
        let v = ok_json(
            &db,
            &[
                "receipt",
                &id,
                "--format",
                fmt,
                "--paper",
                "80",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(v["path"], out.to_str().unwrap());
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(magic), "{fmt}");
        assert_eq!(v["bytes"].as_u64().unwrap() as usize, bytes.len());
    }
    let nota = dir.path().join("nota.pdf");
    ok_json(&db, &["invoice", &id, "--out", nota.to_str().unwrap()]);
    assert!(std::fs::read(&nota).unwrap().starts_with(b"%PDF"));
    let buy = ok_json(
        &db,
        &["buy", "--item", "MIE=1dus@120rb", "--supplier", "CV Sumber"],
    );
    let pid = buy["purchase_id"].as_i64().unwrap().to_string();
    ok_json(
        &db,
        &[
            "invoice",
            "--purchase",
            &pid,
            "--out",
            nota.to_str().unwrap(),
        ],
    );
    let rep = dir.path().join("lap.pdf");
    let v = ok_json(
        &db,
        &[
            "report",
            "--period",
            "this_month",
            "--pdf",
            rep.to_str().unwrap(),
        ],
    );
    assert!(v["revenue"].is_string());
    assert!(std::fs::read(&rep).unwrap().starts_with(b"%PDF"));
    // No temporary files are left beside them.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let (dir, db) = shop();
    let sale = ok_json(&db, &["sell", "--item", "MIE=2"]);
    let id = sale["sale_id"].as_i64().unwrap().to_string();
    let before = books(&db);
    let out = dir.path().join("x.pdf");
    let o = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["receipt", "999", "--format", "pdf", "--out", o],
            "penjualan #999 tidak ditemukan",
        ),
        (
            vec![
                "receipt",
                &id,
                "--format",
                "pdf",
                "--out",
                "/no/such/folder/x.pdf",
            ],
            "tidak bisa menulis /no/such/folder/x.pdf",
        ),
        (
            vec![
                "receipt",
                &id,
                "--format",
                "pdf",
                "--out",
                dir.path().to_str().unwrap(),
            ],
            "tidak bisa menulis",
        ),
        (
            vec!["receipt", &id, "--format", "pdf"],
            "berkas tujuan (--out) wajib diisi",
        ),
        (
            vec!["receipt", &id, "--format", "docx", "--out", o],
            "\"docx\" tidak dikenal",
        ),
        (
            vec!["receipt", &id, "--paper", "75"],
            "lebar kertas \"75\" tidak dikenal",
        ),
        (
            vec!["invoice", "--purchase", "42", "--out", o],
            "pembelian #42 tidak ditemukan",
        ),
        (
            vec!["invoice", "--out", o],
            "nomor penjualan atau pembelian wajib diisi",
        ),
        (
            vec!["report", "--period", "kapan", "--pdf", o],
            "periode \"kapan\" tidak dikenal",
        ),
        (vec!["print", &id], "belum ada printer"),
        (
            vec!["print", &id, "--printer", "tcp://"],
            "printer \"tcp://\" tidak bisa dibaca",
        ),
        (
            vec!["print", "999", "--printer", "tcp://127.0.0.1:9"],
            "penjualan #999 tidak ditemukan",
        ),
    ];
    for (args, want) in cases {
        let err = fails(&db, &args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(!out.exists(), "no file for a refused document");
    // A logo that is not an image, or too big, or missing.
    let fake = dir.path().join("logo.png");
    std::fs::write(&fake, b"GIF89a not a png").unwrap();
    assert!(fails(&db, &["setting", "logo", fake.to_str().unwrap()]).contains("bukan gambar PNG"));
    let mut truncated = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x00\0\0\0".to_vec();
    truncated.extend([0u8; 8]);
    std::fs::write(&fake, &truncated).unwrap();
    assert!(fails(&db, &["setting", "logo", fake.to_str().unwrap()]).contains("bukan gambar PNG"));
    assert!(fails(&db, &["setting", "logo", "/no/such.png"]).contains("/no/such.png"));
    assert_eq!(books(&db), before, "nothing written to the books");
    // English too.
    let err = fails(&db, &["--lang", "en", "receipt", "999"]);
    assert_eq!(err, "error: sale #999 not found");
}

#[test]
fn a_printer_that_does_not_answer_keeps_the_receipt_queued() {
    let (_dir, db) = shop();
    let sale = ok_json(&db, &["sell", "--item", "MIE=2"]);
    let id = sale["sale_id"].as_i64().unwrap().to_string();
    // Nothing listens on this port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let printer = format!("tcp://127.0.0.1:{port}");
    let out = pasar(&db, &["print", &id, "--printer", &printer]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("tidak menjawab"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("Struk #{id}")) && stdout.contains("tetap di antrean"),
        "{stdout}"
    );
    assert_eq!(sales_count(&db), 1, "the sale stands");
    let c = rusqlite::Connection::open(&db).unwrap();
    let (status, last): (String, String) = c
        .query_row("SELECT status, last_error FROM print_jobs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (status.as_str(), last.as_str()),
        ("queued", "printer_unreachable")
    );
    // The printer comes up: `print --pending` sends it (once its short backoff has passed).
    let l = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let got = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = l.accept().unwrap();
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // A printer answers the paper-status query (0x12: paper present), before and after.
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    if all.ends_with(&[0x10, 0x04, 0x04]) {
                        let _ = s.write_all(&[0x12]);
                    }
                }
            }
        }
        all
    });
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let v = ok_json(&db, &["print", "--pending"]);
    assert_eq!(v["jobs"][0]["status"], "printed", "{v}");
    let bytes = got.join().unwrap();
    assert!(bytes.windows(14).any(|w| w == b"Indomie Goreng"));
}

#[test]
fn a_demo_rebuild_drops_the_print_jobs_of_the_sales_it_replaces() {
    let (_dir, db) = tmp_db();
    ok_json(&db, &["demo", "--days", "2"]);
    let sale = ok_json(&db, &["sell", "--item", "Indomie Goreng=1"]);
    let id = sale["sale_id"].as_i64().unwrap().to_string();
    // Port 9 (discard) has no listener here: the job stays queued.
    let out = pasar(&db, &["print", &id, "--printer", "tcp://127.0.0.1:9"]);
    assert!(!out.status.success());
    ok_json(&db, &["demo", "--days", "2", "--force"]);
    let c = rusqlite::Connection::open(&db).unwrap();
    let jobs: i64 = c
        .query_row("SELECT count(*) FROM print_jobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 0);
    let v = ok_json(&db, &["stock", "check"]);
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn outputs_never_replace_the_shop_a_device_or_a_file_that_is_not_ours() {
    let (dir, db) = shop();
    let sale = ok_json(&db, &["sell", "--item", "MIE=2"]);
    let id = sale["sale_id"].as_i64().unwrap().to_string();
    let before = std::fs::read(&db).unwrap();
    let d = db.to_str().unwrap();
    // The shop itself, its write-ahead log, another database.
    for target in [d.to_string(), format!("{d}-wal")] {
        let err = fails(&db, &["receipt", &id, "--format", "pdf", "--out", &target]);
        assert!(err.contains("adalah database"), "{err}");
    }
    let other = dir.path().join("lain.db");
    std::fs::copy(&db, &other).unwrap();
    assert!(fails(&db, &["report", "--pdf", other.to_str().unwrap()]).contains("adalah database"));
    assert!(
        fails(&db, &["invoice", &id, "--out", other.to_str().unwrap()]).contains("adalah database")
    );
    // A pipe, a device, a read-only file.
    let fifo = dir.path().join("pipa");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        fails(
            &db,
            &[
                "receipt",
                &id,
                "--format",
                "pdf",
                "--out",
                fifo.to_str().unwrap()
            ]
        )
        .contains("tidak bisa menulis")
    );
    assert!(
        fails(
            &db,
            &["receipt", &id, "--format", "pdf", "--out", "/dev/null"]
        )
        .contains("tidak bisa menulis")
    );
    let ro = dir.path().join("ro.pdf");
    std::fs::write(&ro, b"keep").unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&ro, perm).unwrap();
    assert!(
        fails(
            &db,
            &[
                "receipt",
                &id,
                "--format",
                "pdf",
                "--out",
                ro.to_str().unwrap()
            ]
        )
        .contains("tidak bisa menulis")
    );
    assert_eq!(std::fs::read(&ro).unwrap(), b"keep");
    assert!(
        fifo.exists()
            && std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
    );
    // A regular file is not a printer.
    let notes = dir.path().join("catatan.txt");
    std::fs::write(&notes, b"jangan dihapus").unwrap();
    let err = fails(&db, &["print", &id, "--printer", notes.to_str().unwrap()]);
    assert!(err.contains("bukan printer"), "{err}");
    assert!(fails(&db, &["setting", "set", "printer", d]).contains("bukan printer"));
    assert_eq!(std::fs::read(&notes).unwrap(), b"jangan dihapus");
    // A logo read from a device or a pipe: refused at once, never read without end.
    assert!(fails(&db, &["setting", "logo", "/dev/zero"]).contains("bukan gambar PNG"));
    assert!(fails(&db, &["setting", "logo", fifo.to_str().unwrap()]).contains("bukan gambar PNG"));
    // The shop's write-ahead log, named relative to the shop's folder, even when absent.
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--db", "toko.db", "receipt", &id, "--out", "toko.db-wal"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("adalah database"));
    // The shop is as it was, and still opens.
    ok_json(&db, &["stock", "check"]);
    assert!(std::fs::read(&db).unwrap().len() >= before.len() / 2);
}
