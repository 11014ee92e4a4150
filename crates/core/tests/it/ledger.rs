//! Concrete scenarios with figures checked to the rupiah.

use crate::common::*;
use chrono::Duration;
use pasar_core::Clock;
use pasar_core::sales::ReturnLine;
use pasar_core::{
    CoreError, CountLine, ExpenseCategory, NewExpense, NewPurchase, NewSale, Payment, ProductRef,
    PurchaseLineInput,
};

#[test]
fn fractional_quantities_units_and_change() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    indomie(&mut shop, "80");
    let mut sale = cash(vec![
        line("beras", "1,25".replace(',', ".").as_str(), None),
        line("BRS", "1", Some("karung")),
        line("MIE", "1", Some("dus")),
    ]);
    sale.tendered = Some(d("500000"));
    let s = shop.record_sale(&sale).unwrap();
    assert_eq!(s.lines[0].total, d("17500"));
    assert_eq!(s.lines[1].total, d("335000"));
    assert_eq!(s.lines[1].qty_base, d("25"));
    assert_eq!(
        s.lines[2].total,
        d("140000"),
        "1 dus = 40 x 3.500 without a unit price"
    );
    assert_eq!(s.total, d("492500"));
    assert_eq!(s.change, d("7500"));
    assert_eq!(s.cogs, d("15000") + d("300000") + d("122000"));
    assert_eq!(shop.product(1).unwrap().stock, d("73.75"));
    assert_eq!(shop.product(2).unwrap().stock, d("40"));
    // Builtin metric conversion: 500 gram of a kg product.
    let s = shop
        .record_sale(&cash(vec![line("beras", "500", Some("gram"))]))
        .unwrap();
    assert_eq!((s.lines[0].qty_base, s.total), (d("0.5"), d("7000")));
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn rounding_to_the_rupiah_reconciles() {
    let (mut shop, _) = shop();
    product(
        &mut shop,
        "CBE",
        "Cabai Rawit",
        "kg",
        "62345",
        "50001",
        "10",
    );
    let s = shop
        .record_sale(&cash(vec![
            line("CBE", "0.3", None),
            line("CBE", "0.15", None),
        ]))
        .unwrap();
    assert_eq!(
        s.lines[0].total,
        d("18704"),
        "18.703,5 rounds half away from zero"
    );
    assert_eq!(s.lines[1].total, d("9352"), "9.351,75 rounds to 9.352");
    assert_eq!(s.total, d("28056"));
    let r = shop.report("today").unwrap();
    assert_eq!(r.revenue, sum(&shop, "SELECT total FROM sales"));
    assert_eq!(r.cogs, sum(&shop, "SELECT cogs FROM sale_lines"));
}

#[test]
fn failed_sale_writes_nothing() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    let before = (
        count(&shop, "sales"),
        count(&shop, "sale_lines"),
        count(&shop, "stock_movements"),
        count(&shop, "audit_log"),
    );
    let mut short = cash(vec![line("beras", "2", None)]);
    short.tendered = Some(d("20000"));
    assert!(
        matches!(shop.record_sale(&short), Err(CoreError::Invalid { .. })),
        "28.000 due, 20.000 given"
    );
    for bad in [
        cash(vec![line("beras", "0", None)]),
        cash(vec![line("beras", "-1", None)]),
        cash(vec![line("tidak ada", "1", None)]),
        cash(vec![line("beras", "1", Some("dus"))]),
        cash(vec![line("beras", "1", None), line("nope", "1", None)]),
        cash(vec![]),
        NewSale {
            payment: Payment::Kasbon,
            ..cash(vec![line("beras", "1", None)])
        },
        NewSale {
            discount: d("999999"),
            ..cash(vec![line("beras", "1", None)])
        },
    ] {
        let err = shop.record_sale(&bad).unwrap_err();
        assert!(!err.message(pasar_core::Lang::Id).is_empty());
    }
    let after = (
        count(&shop, "sales"),
        count(&shop, "sale_lines"),
        count(&shop, "stock_movements"),
        count(&shop, "audit_log"),
    );
    assert_eq!(before, after);
    assert_eq!(shop.product(1).unwrap().stock, d("100"));
}

#[test]
fn negative_stock_warns_by_default_and_can_be_forbidden() {
    let (mut shop, _) = shop();
    product(
        &mut shop,
        "GAS",
        "Gas LPG 3 kg",
        "tabung",
        "22000",
        "19000",
        "1",
    );
    let s = shop
        .record_sale(&cash(vec![line("GAS", "3", None)]))
        .unwrap();
    assert_eq!(s.warnings.len(), 1);
    assert_eq!(s.warnings[0].code, "negative_stock");
    assert_eq!(s.warnings[0].stock, d("-2"));
    shop.set_setting("allow_negative_stock", "false").unwrap();
    let err = shop
        .record_sale(&cash(vec![line("GAS", "1", None)]))
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_stock");
    assert_eq!(count(&shop, "sales"), 1);
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn low_stock_alert_when_crossing_reorder_point() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    let s = shop
        .record_sale(&cash(vec![line("beras", "79", None)]))
        .unwrap();
    assert!(s.low_stock.is_empty(), "100 -> 21 stays above 20");
    let s = shop
        .record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap();
    assert_eq!(s.low_stock.len(), 1);
    let s = shop
        .record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap();
    assert!(s.low_stock.is_empty(), "only the crossing sale alerts");
}

#[test]
fn kasbon_ledger_payment_and_void() {
    let (mut shop, clock) = shop();
    beras(&mut shop);
    let sale = NewSale {
        payment: Payment::Kasbon,
        customer: Some("Bu Sri".into()),
        ..cash(vec![line("beras", "5", None)])
    };
    let s = shop.record_sale(&sale).unwrap();
    assert_eq!(s.total, d("70000"));
    shop.add_debt("bu sri", d("60000"), Some("ngutang uang"))
        .unwrap();
    let debts = shop.debts().unwrap();
    assert_eq!(
        (debts[0].contact.as_str(), debts[0].balance),
        ("Bu Sri", d("130000"))
    );
    clock.advance(Duration::hours(2));
    let p = shop.pay_debt("Bu Sri", d("50000"), None).unwrap();
    assert_eq!(p.balance, d("80000"));
    assert_eq!(
        shop.pay_debt("Bu Sri", d("80001"), None)
            .unwrap_err()
            .code(),
        "overpaid"
    );
    assert_eq!(
        shop.pay_debt("Pak Nobody", d("1"), None)
            .unwrap_err()
            .code(),
        "contact_not_found"
    );
    shop.void_sale(s.sale_id, "salah catat").unwrap();
    assert_eq!(shop.debts().unwrap()[0].balance, d("10000"));
    let r = shop.report("today").unwrap();
    assert_eq!(r.revenue, d("0"));
    assert_eq!(r.cash_in, d("50000"), "only the repayment moved money");
    assert_eq!(r.debts_outstanding, d("10000"));
    let hist = shop.debt_history("Bu Sri").unwrap();
    assert_eq!(hist.last().unwrap().balance, d("10000"));
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn void_and_returns_are_reversing_entries() {
    let (mut shop, clock) = shop();
    beras(&mut shop);
    product(&mut shop, "TLR", "Telur", "kg", "29000", "26000", "20");
    let mut sale = cash(vec![line("beras", "3", None), line("TLR", "1.5", None)]);
    sale.discount = d("1000");
    let s = shop.record_sale(&sale).unwrap();
    assert_eq!(s.total, d("42000") + d("43500") - d("1000"));
    clock.advance(Duration::days(1));
    let r1 = shop
        .return_sale(
            s.sale_id,
            &[ReturnLine {
                product: "beras".into(),
                qty: d("1"),
                unit: None,
                price: None,
            }],
            "beras apek",
        )
        .unwrap();
    assert_eq!(r1.kind, "return");
    assert_eq!(r1.lines[0].total, d("-14000"));
    assert_eq!(
        r1.discount,
        d("-164"),
        "proportional share of the sale discount: 1.000 x 14.000 / 85.500 = 163,74"
    );
    assert_eq!(shop.product(1).unwrap().stock, d("98"));
    let err = shop
        .return_sale(
            s.sale_id,
            &[ReturnLine {
                product: "beras".into(),
                qty: d("3"),
                unit: None,
                price: None,
            }],
            "lagi",
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        "exceeds_outstanding",
        "only 2 kg left to return"
    );
    let v = shop.void_sale(s.sale_id, "batal semua").unwrap();
    assert_eq!(v.kind, "void");
    assert_eq!(
        v.total + r1.total,
        -s.total,
        "reversals add up exactly to the sale"
    );
    assert_eq!(v.cogs + r1.cogs, -s.cogs);
    assert_eq!(shop.product(1).unwrap().stock, d("100"));
    assert_eq!(shop.product(2).unwrap().stock, d("20"));
    assert!(
        shop.void_sale(s.sale_id, "lagi").is_err(),
        "cannot void twice"
    );
    assert!(
        shop.void_sale(v.sale_id, "x").is_err(),
        "cannot void a void"
    );
    assert!(shop.void_sale(s.sale_id, "  ").is_err(), "reason required");
    // The original sale is untouched; the sale day keeps its revenue, the return day carries the reversal.
    assert_eq!(shop.sale(s.sale_id).unwrap().total, s.total);
    assert_eq!(shop.report("yesterday").unwrap().revenue, s.total);
    assert_eq!(shop.report("today").unwrap().revenue, -s.total);
    assert_eq!(shop.report("last_7_days").unwrap().revenue, d("0"));
    assert_eq!(
        shop.report("today").unwrap().cash_out,
        s.total,
        "refund paid out"
    );
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn purchases_move_average_cost_and_stock() {
    let (mut shop, _) = shop();
    product(&mut shop, "GLA", "Gula", "kg", "17000", "15000", "10");
    let p = shop.record_purchase(&NewPurchase {
        lines: vec![PurchaseLineInput {
            product: ProductRef::Query("GLA".into()),
            qty: d("1"),
            unit: Some("karung".into()),
            unit_cost: Some(d("800000")),
            total: None,
        }],
        supplier: Some("Toko Grosir".into()),
        payment: Payment::Cash,
        note: None,
    });
    assert_eq!(
        p.unwrap_err().code(),
        "unknown_unit",
        "gula has no karung unit yet"
    );
    let p = shop
        .record_purchase(&NewPurchase {
            lines: vec![PurchaseLineInput {
                product: ProductRef::Query("GLA".into()),
                qty: d("10"),
                unit: None,
                unit_cost: Some(d("16000")),
                total: None,
            }],
            supplier: Some("Toko Grosir".into()),
            payment: Payment::Kasbon,
            note: None,
        })
        .unwrap();
    assert_eq!(p.total, d("160000"));
    assert_eq!(p.lines[0].average_cost, d("15500"));
    assert_eq!(shop.product(1).unwrap().stock, d("20"));
    let s = shop
        .record_sale(&cash(vec![line("GLA", "2", None)]))
        .unwrap();
    assert_eq!(s.cogs, d("31000"));
    let debts = shop.debts().unwrap();
    assert_eq!(debts[0].balance, d("-160000"), "the shop owes its supplier");
    let r = shop.report("today").unwrap();
    assert_eq!(
        (r.purchases, r.debts_payable, r.cash_out),
        (d("160000"), d("160000"), d("0"))
    );
    let paid = shop.pay_debt("Toko Grosir", d("100000"), None).unwrap();
    assert_eq!(paid.balance, d("-60000"));
    assert_eq!(shop.report("today").unwrap().cash_out, d("100000"));
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn expenses_categorised_and_net_profit() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    shop.record_sale(&cash(vec![line("beras", "10", None)]))
        .unwrap();
    let e = shop
        .record_expense(&NewExpense {
            amount: d("100000"),
            category: None,
            note: Some("token listrik".into()),
            payment: None,
            date: None,
        })
        .unwrap();
    assert_eq!(
        (e.category, e.auto_category),
        (ExpenseCategory::Utilities, true)
    );
    shop.record_expense(&NewExpense {
        amount: d("5000"),
        category: Some(ExpenseCategory::Fees),
        note: None,
        payment: None,
        date: None,
    })
    .unwrap();
    assert!(
        shop.record_expense(&NewExpense {
            amount: d("0"),
            category: None,
            note: None,
            payment: None,
            date: None,
        })
        .is_err()
    );
    assert!(
        shop.record_expense(&NewExpense {
            amount: d("-5"),
            category: None,
            note: None,
            payment: None,
            date: None,
        })
        .is_err()
    );
    let r = shop.report("today").unwrap();
    assert_eq!(r.revenue, d("140000"));
    assert_eq!(r.gross_profit, d("20000"));
    assert_eq!(r.gross_margin, d("0.1429"));
    assert_eq!(r.expenses, d("105000"));
    assert_eq!(r.expenses_by_category["utilities"], "100000");
    assert_eq!(r.expenses_by_category["fees"], "5000");
    assert_eq!(r.expenses_by_category.len(), 7);
    assert_eq!(r.net_profit, d("-85000"));
    assert_eq!((r.cash_in, r.cash_out), (d("140000"), d("105000")));
}

#[test]
fn opname_uses_stock_at_the_moment_of_counting() {
    let (mut shop, clock) = shop();
    product(&mut shop, "SBN", "Sabun", "pcs", "4000", "3000", "10");
    let counted_at = clock.now();
    clock.advance(Duration::minutes(30));
    shop.record_sale(&cash(vec![line("SBN", "2", None)]))
        .unwrap();
    clock.advance(Duration::minutes(30));
    let c = shop
        .post_stock_count(
            &[CountLine {
                product: "SBN".into(),
                counted: d("8"),
                counted_at: Some(counted_at),
            }],
            None,
        )
        .unwrap();
    assert_eq!(
        (c[0].expected, c[0].difference, c[0].stock),
        (d("10"), d("-2"), d("6"))
    );
    let m = shop.movements(1, 10).unwrap();
    assert_eq!((m[0].kind.as_str(), m[0].qty), ("opname", d("-2")));
    assert!(
        shop.post_stock_count(
            &[CountLine {
                product: "SBN".into(),
                counted: d("-1"),
                counted_at: None
            }],
            None
        )
        .is_err()
    );
    assert!(shop.verify_books().unwrap().is_empty());
}

#[test]
fn days_follow_the_shop_time_zone() {
    let (mut shop, clock) = shop();
    beras(&mut shop);
    // 17:30 UTC on the 20th is 00:30 WIB on the 21st.
    clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 20, 17, 30, 0).unwrap());
    let s = shop
        .record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap();
    assert_eq!(s.local_date, "2026-11-21");
    assert_eq!(
        shop.report("2026-11-21..2026-11-21").unwrap().sales_count,
        1
    );
    shop.set_setting("timezone", "UTC").unwrap();
    assert_eq!(
        shop.report("2026-11-20..2026-11-20").unwrap().sales_count,
        1,
        "re-bucketed"
    );
    assert!(shop.verify_books().unwrap().is_empty());
    assert!(shop.set_setting("timezone", "Mars/Olympus").is_err());
}

#[test]
fn period_names() {
    use pasar_core::Period;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(); // a Saturday
    let p = |s| {
        let p = Period::parse(s, today).unwrap();
        (p.from.to_string(), p.to.to_string())
    };
    assert_eq!(p("today"), ("2026-11-21".into(), "2026-11-21".into()));
    assert_eq!(p("yesterday"), ("2026-11-20".into(), "2026-11-20".into()));
    assert_eq!(p("this_week"), ("2026-11-16".into(), "2026-11-22".into()));
    assert_eq!(p("last_week"), ("2026-11-09".into(), "2026-11-15".into()));
    assert_eq!(p("this_month"), ("2026-11-01".into(), "2026-11-30".into()));
    assert_eq!(p("last_month"), ("2026-10-01".into(), "2026-10-31".into()));
    assert_eq!(p("last_7_days"), ("2026-11-15".into(), "2026-11-21".into()));
    assert_eq!(
        p("2026-01-01..2026-03-31"),
        ("2026-01-01".into(), "2026-03-31".into())
    );
    for bad in [
        "tomorrow",
        "2026-13-01..2026-12-01",
        "2026-02-01..2026-01-01",
        "",
    ] {
        assert!(Period::parse(bad, today).is_err(), "{bad}");
    }
}

#[test]
fn low_stock_suggests_orders_from_velocity() {
    let (mut shop, clock) = shop();
    beras(&mut shop); // reorder point 20
    for _ in 0..14 {
        shop.record_sale(&cash(vec![line("beras", "5", None)]))
            .unwrap();
        clock.advance(Duration::days(1));
    }
    // 70 kg sold over 28 days = 2,5 kg/day; stock 30 > 20 but runs out in 12 days: not low.
    assert!(shop.low_stock().unwrap().is_empty());
    shop.record_sale(&cash(vec![line("beras", "12", None)]))
        .unwrap();
    let low = shop.low_stock().unwrap();
    assert_eq!(low.len(), 1);
    let l = &low[0];
    assert_eq!((l.stock, l.daily_sales), (d("18"), d("2.929")));
    // target = max(2,929 x (2 lead + 7), 2 x 20) = 40 -> order 22.
    assert_eq!(l.suggested_order, d("22"));
}

#[test]
fn every_write_is_audited() {
    let (mut shop, _) = shop();
    shop.set_actor("kasir-ani").unwrap();
    beras(&mut shop);
    let s = shop
        .record_sale(&cash(vec![line("beras", "1", None)]))
        .unwrap();
    shop.void_sale(s.sale_id, "salah").unwrap();
    shop.record_expense(&NewExpense {
        amount: d("1000"),
        category: None,
        note: None,
        payment: None,
        date: None,
    })
    .unwrap();
    let log = shop.audit_log(10).unwrap();
    let actions: Vec<&str> = log.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["expense.record", "sale.void", "sale.record", "product.add"]
    );
    assert!(
        log.iter()
            .all(|a| a.actor == "kasir-ani" && a.at.ends_with('Z'))
    );
}
