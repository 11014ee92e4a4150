//! Opening files: new, reopened, corrupt, foreign, too new, read-only. A refused file is
//! never modified.

use crate::common::*;
use pasar_core::db::{MIGRATIONS, apply_migrations};
use pasar_core::{CoreError, OpenMode, SCHEMA_VERSION, Shop};
use std::path::Path;

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn sidecars_absent(p: &Path) -> bool {
    ["-wal", "-shm", "-journal"].iter().all(|s| {
        let mut q = p.as_os_str().to_owned();
        q.push(s);
        !Path::new(&q).exists()
    })
}

#[test]
fn new_database_is_wal_with_current_schema_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/toko.db");
    {
        let mut shop = Shop::open(&path, OpenMode::Create).unwrap();
        beras(&mut shop);
        let c = shop.connection();
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let sync: i64 = c
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        let fk: i64 = c
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk, v), ("wal", 2, 1, SCHEMA_VERSION));
    }
    let shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(shop.products(false).unwrap().len(), 1);
}

#[test]
fn missing_file_is_not_created_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.db");
    let err = Shop::open(&path, OpenMode::Existing).err().unwrap();
    assert_eq!(err.code(), "database_missing");
    assert!(!path.exists());
}

#[test]
fn garbage_and_foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        b"this is a spreadsheet, not a database\n".repeat(200),
    )
    .unwrap();
    let foreign = dir.path().join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('hello');")
            .unwrap();
    }
    for p in [&garbage, &foreign] {
        let before = bytes(p);
        let err = Shop::open(p, OpenMode::Existing).err().unwrap();
        // Garbage is damaged; another program's SQLite file is named as such.
        assert!(
            matches!(
                err,
                CoreError::DatabaseCorrupt { .. } | CoreError::DatabaseForeign { .. }
            ),
            "{err:?}"
        );
        assert_eq!(
            matches!(err, CoreError::DatabaseForeign { .. }),
            p.ends_with("foreign.db")
        );
        assert!(
            err.message(pasar_core::Lang::Id)
                .contains(&p.display().to_string())
        );
        assert_eq!(before, bytes(p));
        assert!(sidecars_absent(p));
    }
}

#[test]
fn truncated_database_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    {
        let mut shop = Shop::open(&path, OpenMode::Create).unwrap();
        for i in 0..200 {
            product(
                &mut shop,
                &format!("P{i}"),
                &format!("Produk nomor {i} dengan nama panjang"),
                "pcs",
                "1000",
                "800",
                "5",
            );
        }
        shop.connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let full = bytes(&path);
    std::fs::write(&path, &full[..full.len() / 3]).unwrap();
    let result = Shop::open(&path, OpenMode::Existing).and_then(|s| s.products(false).map(|_| ()));
    let err = result.expect_err("a truncated file must not read as fine");
    assert!(
        matches!(err.code(), "database_corrupt" | "database_error"),
        "{err:?}"
    );
}

#[test]
fn newer_schema_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    drop(Shop::open(&path, OpenMode::Create).unwrap());
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
            .unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let before = bytes(&path);
    let err = Shop::open(&path, OpenMode::Existing).err().unwrap();
    assert!(matches!(err, CoreError::DatabaseTooNew { found, .. } if found == SCHEMA_VERSION + 5));
    assert!(err.message(pasar_core::Lang::En).contains("newer"));
    assert_eq!(before, bytes(&path));
    assert!(sidecars_absent(&path));
}

#[cfg(unix)]
#[test]
fn read_only_file_reads_but_refuses_writes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    {
        let mut shop = Shop::open(&path, OpenMode::Create).unwrap();
        beras(&mut shop);
        shop.connection()
            .pragma_update(None, "journal_mode", "DELETE")
            .unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = bytes(&path);
    let mut shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert!(shop.is_read_only());
    assert_eq!(shop.products(false).unwrap().len(), 1);
    assert!(shop.report("today").is_ok());
    let err = shop
        .record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap_err();
    assert_eq!(err.code(), "database_read_only");
    drop(shop);
    assert_eq!(before, bytes(&path));
}

#[test]
fn a_failing_migration_leaves_nothing_behind() {
    let mut c = rusqlite::Connection::open_in_memory().unwrap();
    let broken = [
        ("0001_a.sql", "CREATE TABLE a(x);"),
        ("0002_b.sql", "CREATE TABLE b(x); THIS IS NOT SQL;"),
    ];
    let err = apply_migrations(&mut c, &broken).unwrap_err();
    assert!(err.message(pasar_core::Lang::En).contains("0002_b.sql"));
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let tables: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!((v, tables), (0, 0));
}

#[test]
fn embedded_migrations_match_the_migrations_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let embedded: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        files, embedded,
        "every file in migrations/ must be embedded, in order"
    );
    for (i, name) in embedded.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "{name} is out of sequence"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join(name)).unwrap(),
            MIGRATIONS[i].1
        );
    }
}

/// A shop made by schema v1 (stock movements indexed by product) is upgraded to the
/// movement chain: every movement points at its product's previous one, history and the
/// opname's "movements since the count" read the same as before, and new sales extend it.
#[test]
fn a_v1_shop_is_upgraded_to_the_movement_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        apply_migrations(&mut conn, &MIGRATIONS[..1]).unwrap();
        conn.execute_batch(
            "INSERT INTO products(id, name, unit, price, cost, stock, created_at, updated_at)
                 VALUES (1, 'Beras', 'kg', '14000', '12000', '7', 'x', 'x'),
                        (2, 'Gula', 'kg', '15000', '13000', '3', 'x', 'x');
             INSERT INTO stock_movements(product_id, kind, qty, stock_after, doc_type, doc_id, occurred_at) VALUES
                 (1, 'initial', '10', '10', 'product', 1, '2026-11-01T00:00:00.000Z'),
                 (2, 'initial', '5', '5', 'product', 2, '2026-11-01T00:00:00.000Z'),
                 (1, 'adjustment', '-2', '8', 'audit', 1, '2026-11-02T00:00:00.000Z'),
                 (2, 'adjustment', '-2', '3', 'audit', 2, '2026-11-03T00:00:00.000Z'),
                 (1, 'adjustment', '-1', '7', 'audit', 3, '2026-11-04T00:00:00.000Z');",
        )
        .unwrap();
    }
    let (clock, _) = (std::sync::Arc::new(pasar_core::ManualClock::new(t0())), ());
    let mut shop = Shop::open_with_clock(&path, OpenMode::Existing, clock).unwrap();
    assert!(shop.verify_books().unwrap().is_empty());
    let history: Vec<i64> = shop
        .movements(1, 10)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(history, vec![5, 3, 1]);
    assert_eq!(shop.movements(1, 2).unwrap().len(), 2);
    // Counted on 2 Nov, posted now: the movement of 4 Nov is not lost.
    let counted_at = chrono::DateTime::parse_from_rfc3339("2026-11-02T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let c = shop
        .post_stock_count(
            &[pasar_core::CountLine {
                product: "Beras".into(),
                counted: d("8"),
                counted_at: Some(counted_at),
            }],
            None,
        )
        .unwrap();
    assert_eq!((c[0].expected, c[0].difference), (d("8"), d("0")));
    shop.record_sale(&cash(vec![
        line("Beras", "1", None),
        line("#2", "1", None),
        line("Beras", "2", None),
    ]))
    .unwrap();
    assert!(shop.verify_books().unwrap().is_empty());
    let history: Vec<String> = shop
        .movements(1, 3)
        .unwrap()
        .iter()
        .map(|m| m.stock_after.to_string())
        .collect();
    assert_eq!(history, vec!["4", "6", "7"]);
}
