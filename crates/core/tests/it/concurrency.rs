//! Readers beside writers on one shop file: `stock check` (verify_books) and reports read one
//! snapshot, so a sale committing meanwhile is seen wholly or not at all and a healthy shop
//! never looks corrupt. Bounded: a fixed number of sales and checks.

use crate::common::*;
use pasar_core::{OpenMode, Shop};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn checks_and_reports_beside_parallel_writers_never_see_false_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    {
        let mut shop = Shop::open(&path, OpenMode::Create).unwrap();
        beras(&mut shop);
        indomie(&mut shop, "100000");
    }
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut shop = Shop::open(&path, OpenMode::Existing).unwrap();
                shop.set_durable(false).unwrap();
                for i in 0..120 {
                    let mut sale = cash(vec![
                        line("MIE", "2", None),
                        line("BRS", "1.5", None),
                        line("MIE", "1", Some("dus")),
                    ]);
                    if i % 4 == w {
                        sale.payment = pasar_core::Payment::Kasbon;
                        sale.customer = Some(format!("Pelanggan {w}"));
                    }
                    let s = shop.record_sale(&sale).unwrap();
                    if i % 10 == 0 {
                        shop.return_sale(
                            s.sale_id,
                            &[pasar_core::sales::ReturnLine {
                                product: "MIE".into(),
                                qty: d("1"),
                                unit: Some("pcs".into()),
                                price: None,
                            }],
                            "uji",
                        )
                        .unwrap();
                    }
                }
            })
        })
        .collect();
    let reader = {
        let path = path.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let shop = Shop::open(&path, OpenMode::Existing).unwrap();
            let mut checks = 0;
            while !done.load(Ordering::Relaxed) || checks < 100 {
                let problems = shop.verify_books().unwrap();
                assert!(problems.is_empty(), "false corruption: {problems:?}");
                let r = shop.report("today").unwrap();
                assert_eq!(r.gross_profit, r.revenue - r.cogs);
                checks += 1;
            }
            checks
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(reader.join().unwrap() >= 100);
    let shop = Shop::open(&path, OpenMode::Existing).unwrap();
    assert!(shop.verify_books().unwrap().is_empty());
    assert_eq!(count(&shop, "sales"), 3 * 120 + 3 * 12);
}
