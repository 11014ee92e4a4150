//! What the window reads: dashboard, daily series, lists, receipt text, settings, backup.

use crate::common::*;
use chrono::Duration;
use pasar_core::{NewExpense, NewSale, OpenMode, Payment, Shop};

#[test]
fn dashboard_figures_and_series() {
    let (mut shop, clock) = shop();
    beras(&mut shop);
    shop.record_sale(&cash(vec![line("beras", "2", None)]))
        .unwrap(); // yesterday
    clock.advance(Duration::days(1));
    shop.record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap();
    shop.record_sale(&NewSale {
        payment: Payment::Qris,
        ..cash(vec![line("beras", "3", None)])
    })
    .unwrap();
    shop.record_sale(&NewSale {
        payment: Payment::Kasbon,
        customer: Some("Bu Sri".into()),
        ..cash(vec![line("beras", "1", None)])
    })
    .unwrap();
    shop.pay_debt("Bu Sri", d("4000"), None).unwrap();
    shop.record_expense(&NewExpense {
        amount: d("2000"),
        category: None,
        note: Some("parkir".into()),
        payment: None,
        date: None,
    })
    .unwrap();
    shop.record_expense(&NewExpense {
        amount: d("9000"),
        category: None,
        note: None,
        payment: Some(Payment::Transfer),
        date: None,
    })
    .unwrap();
    let dash = shop.dashboard().unwrap();
    assert_eq!(dash.today.revenue, d("70000"));
    assert_eq!(dash.today.sales_count, 3);
    // Cash only: 14.000 cash sale + 4.000 kasbon repaid - 2.000 cash expense.
    assert_eq!(dash.cash_in_drawer, d("16000"));
    assert_eq!(dash.series.len(), 30);
    assert_eq!(dash.series[29].revenue, d("70000"));
    assert_eq!(dash.series[28].revenue, d("28000"));
    assert!(dash.series[..28].iter().all(|s| s.revenue.is_zero()));
    assert_eq!(dash.top_products[0].qty, d("7"));
    let huge = shop.period("0001-01-01..9999-12-31").unwrap();
    assert_eq!(shop.daily_series(huge).unwrap_err().code(), "out_of_range");
    assert!(
        shop.report_for(huge).is_ok(),
        "a report over any range is fine"
    );
}

#[test]
fn lists_and_receipt() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    shop.set_setting("shop_name", "Warung Uji").unwrap();
    shop.set_setting("receipt_footer", "Matur nuwun").unwrap();
    let mut sale = cash(vec![line("beras", "1.25", None)]);
    sale.tendered = Some(d("20000"));
    let s = shop.record_sale(&sale).unwrap();
    let k = shop
        .record_sale(&NewSale {
            payment: Payment::Kasbon,
            customer: Some("Pak Budi".into()),
            ..cash(vec![line("beras", "1", None)])
        })
        .unwrap();
    shop.void_sale(k.sale_id, "salah").unwrap();
    let list = shop
        .sales_list("2026-11-20", "2026-11-20", None, 10)
        .unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        (list[0].kind.as_str(), list[0].reverses),
        ("void", Some(k.sale_id))
    );
    assert!(list[1].reversed && !list[2].reversed);
    assert_eq!(
        shop.sales_list("2026-11-20", "2026-11-20", Some("pak budi"), 10)
            .unwrap()
            .len(),
        2
    );

    let text = shop.receipt_text(s.sale_id).unwrap();
    assert!(
        text.lines().all(|l| l.chars().count() <= 32),
        "58 mm paper holds 32 columns:\n{text}"
    );
    for want in [
        "Warung Uji",
        "Beras Pulen",
        "1,25 kg x 14.000",
        "17.500",
        "TOTAL",
        "Rp 17.500",
        "Tunai",
        "Rp 20.000",
        "Kembali",
        "Rp 2.500",
        "Matur nuwun",
    ] {
        assert!(text.contains(want), "receipt lacks {want:?}:\n{text}");
    }
    shop.set_setting("receipt_paper_mm", "80").unwrap();
    let wide = shop.receipt_text(s.sale_id).unwrap();
    assert!(wide.lines().any(|l| l.chars().count() == 48));
    assert!(shop.set_setting("receipt_paper_mm", "75").is_err());
    assert!(shop.receipt_text(k.sale_id + 1).unwrap().contains("BATAL"));
}

#[test]
fn settings_view_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    let mut shop = Shop::open(&path, OpenMode::Create).unwrap();
    beras(&mut shop);
    let v = shop.settings_view().unwrap();
    assert_eq!(
        (
            v.language.as_str(),
            v.theme.as_str(),
            v.receipt_paper_mm.as_str()
        ),
        ("id", "light", "58")
    );
    assert!(v.backup_dir.ends_with("backups"));
    assert!(shop.set_setting("language", "fr").is_err());
    shop.set_setting("theme", "dark").unwrap();
    assert_eq!(shop.settings_view().unwrap().theme, "dark");
    let copy = shop.backup_to(&dir.path().join("backups")).unwrap();
    let restored = Shop::open(&copy, OpenMode::Existing).unwrap();
    assert_eq!(restored.products(false).unwrap().len(), 1);
    assert!(restored.verify_books().unwrap().is_empty());
}
