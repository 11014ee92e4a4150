//! Backups: daily with rotation, listed, restored without losing the file in use; bad
//! backups refused with the shop untouched; a damaged shop restored.

use crate::common::*;
use pasar_core::backups::{list_backups, restore_backup};
use pasar_core::{Clock, ManualClock, OpenMode, Shop};
use std::sync::Arc;

fn file_shop(dir: &std::path::Path) -> (Shop, Arc<ManualClock>, std::path::PathBuf) {
    let clock = Arc::new(ManualClock::new(t0()));
    let path = dir.join("toko.db");
    let mut shop = Shop::open_with_clock(&path, OpenMode::Create, clock.clone()).unwrap();
    product(&mut shop, "TP", "Telur Puyuh", "pcs", "500", "300", "1000");
    (shop, clock, path)
}

fn offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).unwrap()
}

#[test]
fn a_restore_brings_the_backup_back_and_keeps_the_current_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("cadangan");
    let (mut shop, clock, path) = file_shop(dir.path());
    shop.record_sale(&cash(vec![line("TP", "2", None)]))
        .unwrap();
    let made = shop
        .auto_backup(&backups, 14)
        .unwrap()
        .expect("first backup of the day");
    assert!(
        shop.auto_backup(&backups, 14).unwrap().is_none(),
        "once a day"
    );
    // After the backup: a sale that the restore will take away (kept in the file aside).
    clock.advance(chrono::Duration::minutes(30));
    shop.record_sale(&cash(vec![line("TP", "5", None)]))
        .unwrap();
    assert_eq!(count(&shop, "sales"), 2);
    drop(shop);

    let list = list_backups(std::slice::from_ref(&backups), Some(&path)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].taken_at, "2026-11-20 10:00:00");
    assert!(list[0].bytes > 0);
    let report = restore_backup(&path, &made, clock.now(), offset()).unwrap();
    let aside = std::path::PathBuf::from(report.kept_aside.unwrap());
    assert!(
        aside
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("toko.sebelum-pulih-20261120-103000")
    );

    let shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(count(&shop, "sales"), 1, "the shop as it was at the backup");
    assert!(shop.verify_books().unwrap().is_empty());
    let old = Shop::open(&aside, OpenMode::Existing).unwrap();
    assert_eq!(
        count(&old, "sales"),
        2,
        "the file that was in use is kept, whole"
    );
    assert!(made.exists(), "the backup itself is untouched");
}

#[test]
fn a_bad_backup_is_refused_and_the_shop_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (mut shop, clock, path) = file_shop(dir.path());
    shop.record_sale(&cash(vec![line("TP", "2", None)]))
        .unwrap();
    drop(shop);
    let junk = dir.path().join("pasarsuara-20261101-080000.db");
    std::fs::write(&junk, b"SQLite format 3\0 but not really a database at all").unwrap();
    let err = restore_backup(&path, &junk, clock.now(), offset()).unwrap_err();
    assert_eq!(err.code(), "database_corrupt");
    // Another program's database.
    let foreign = dir.path().join("pasarsuara-20261102-080000.db");
    let c = rusqlite::Connection::open(&foreign).unwrap();
    c.execute_batch("PRAGMA application_id = 12345; CREATE TABLE notes(x);")
        .unwrap();
    drop(c);
    assert_eq!(
        restore_backup(&path, &foreign, clock.now(), offset())
            .unwrap_err()
            .code(),
        "database_foreign"
    );
    assert_eq!(
        restore_backup(&path, &dir.path().join("nothing.db"), clock.now(), offset())
            .unwrap_err()
            .code(),
        "file_not_found"
    );
    let shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(count(&shop, "sales"), 1, "nothing changed");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with(".pulih") || n.contains("sebelum-pulih")),
        "{names:?}"
    );
}

#[test]
fn a_damaged_shop_is_restored_from_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (mut shop, clock, path) = file_shop(dir.path());
    shop.record_sale(&cash(vec![line("TP", "3", None)]))
        .unwrap();
    let made = shop.backup_to(dir.path()).unwrap();
    drop(shop);
    // The disk garbles the shop's file.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100).take(4096) {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(
        Shop::open(&path, OpenMode::Existing).is_err() || {
            let s = Shop::open(&path, OpenMode::Existing).unwrap();
            s.verify_books().is_err()
        }
    );
    let found = list_backups(&[dir.path().to_path_buf()], None).unwrap();
    assert_eq!(found.len(), 1, "the backup beside the shop is offered");
    restore_backup(&path, &made, clock.now(), offset()).unwrap();
    let shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(count(&shop, "sales"), 1);
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn daily_backups_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("cadangan");
    let (shop, clock, _) = file_shop(dir.path());
    for _ in 0..5 {
        shop.auto_backup(&backups, 3)
            .unwrap()
            .expect("a new day, a new backup");
        clock.advance(chrono::Duration::days(1));
    }
    let list = list_backups(&[backups], None).unwrap();
    let days: Vec<&str> = list.iter().map(|b| &b.taken_at[..10]).collect();
    assert_eq!(
        days,
        ["2026-11-24", "2026-11-23", "2026-11-22"],
        "the newest three stay"
    );
}

#[test]
fn two_shops_in_one_folder_keep_their_backups_apart_and_hand_made_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("cadangan");
    let (a, clock, a_path) = file_shop(dir.path());
    let b_path = dir.path().join("gudang.db");
    let b = Shop::open_with_clock(&b_path, OpenMode::Create, clock.clone()).unwrap();
    let by_hand = a.backup_to(&backups).unwrap();
    a.auto_backup(&backups, 2)
        .unwrap()
        .expect("shop a's daily backup");
    b.auto_backup(&backups, 2)
        .unwrap()
        .expect("shop b's own, the same day");
    for _ in 0..3 {
        clock.advance(chrono::Duration::days(1));
        a.auto_backup(&backups, 2).unwrap().unwrap();
    }
    let of_a = list_backups(std::slice::from_ref(&backups), Some(&a_path)).unwrap();
    assert_eq!(
        of_a.iter().filter(|x| x.daily).count(),
        2,
        "two daily ones of shop a kept"
    );
    assert!(
        by_hand.exists(),
        "a backup taken by hand is never rotated away"
    );
    let of_b = list_backups(std::slice::from_ref(&backups), Some(&b_path)).unwrap();
    assert_eq!(of_b.len(), 1, "shop b sees only its own: {of_b:?}");
    assert!(of_b[0].name.starts_with("pasarsuara-gudang-"));
}
