//! Corrections without deleting: purchases and expenses voided by reversing rows (stock,
//! average cost, supplier debt and reports stay exact), the pages the Transaksi screen reads,
//! and contacts edited and merged.

use crate::common::*;
use pasar_core::books::ListQuery;
use pasar_core::contacts::ContactPatch;
use pasar_core::{
    Decimal, ExpenseCategory, NewExpense, NewPurchase, Payment, ProductRef, PurchaseLineInput, Shop,
};

fn buy(
    shop: &mut Shop,
    sku: &str,
    qty: &str,
    cost: &str,
    supplier: Option<&str>,
    pay: Payment,
) -> i64 {
    shop.record_purchase(&NewPurchase {
        lines: vec![PurchaseLineInput {
            product: ProductRef::Query(sku.into()),
            qty: d(qty),
            unit: None,
            unit_cost: Some(d(cost)),
            total: None,
        }],
        supplier: supplier.map(str::to_string),
        payment: pay,
        note: None,
    })
    .unwrap()
    .purchase_id
}

fn expense(shop: &mut Shop, amount: &str, note: &str) -> i64 {
    shop.record_expense(&NewExpense {
        amount: d(amount),
        category: None,
        note: Some(note.into()),
        payment: Some(Payment::Cash),
        date: None,
    })
    .unwrap()
    .expense_id
}

fn clean(shop: &Shop) {
    assert!(shop.verify_books().unwrap().is_empty(), "books recompute");
    assert!(
        shop.verify_stock().unwrap().is_empty(),
        "stock ledger whole"
    );
}

fn today() -> ListQuery {
    ListQuery {
        period: "today".into(),
        ..Default::default()
    }
}

#[test]
fn a_voided_purchase_leaves_stock_cost_debt_and_reports_as_before() {
    let (mut shop, clock) = shop();
    product(&mut shop, "GL", "Gula Pasir", "kg", "17500", "12000", "10");
    let before = shop.report("today").unwrap();
    // A typo: 5 kg at 150.000 a kg instead of 15.000, on credit from the supplier.
    let wrong = buy(
        &mut shop,
        "GL",
        "5",
        "150000",
        Some("Toko Makmur"),
        Payment::Kasbon,
    );
    let p = shop.resolve_product("GL").unwrap();
    assert_eq!((p.stock, p.cost), (d("15"), d("58000")));
    assert_eq!(shop.contacts().unwrap()[0].balance, d("-750000"));

    clock.advance(chrono::Duration::hours(2));
    let rev = shop.void_purchase(wrong, "salah ketik harga").unwrap();
    let p = shop.resolve_product("GL").unwrap();
    assert_eq!(
        (p.stock, p.cost),
        (d("10"), d("12000")),
        "stock and average cost as before"
    );
    assert_eq!(
        shop.contacts().unwrap()[0].balance,
        d("0"),
        "the supplier is owed nothing"
    );
    let after = shop.report("today").unwrap();
    assert_eq!(
        after.purchases, before.purchases,
        "the day's purchases read as before"
    );
    assert_eq!(after.cash_out, before.cash_out);
    clean(&shop);

    // The list shows both rows: the purchase marked voided, its reversal with the reason.
    let page = shop.purchases_page(&today()).unwrap();
    assert_eq!(page.total, 2);
    let orig = page.items.iter().find(|r| r.purchase_id == wrong).unwrap();
    assert_eq!(orig.voided_by, Some(rev));
    let reversal = page.items.iter().find(|r| r.purchase_id == rev).unwrap();
    assert_eq!(
        (reversal.reverses, reversal.total),
        (Some(wrong), d("-750000"))
    );
    assert_eq!(reversal.note.as_deref(), Some("salah ketik harga"));
    let detail = shop.purchase_detail(rev).unwrap();
    assert_eq!(detail.items[0].qty, d("-5"));

    // Re-entered right: exact figures.
    buy(
        &mut shop,
        "GL",
        "5",
        "15000",
        Some("Toko Makmur"),
        Payment::Kasbon,
    );
    let p = shop.resolve_product("GL").unwrap();
    assert_eq!((p.stock, p.cost), (d("15"), d("13000")));
    assert_eq!(shop.contacts().unwrap()[0].balance, d("-75000"));
    clean(&shop);

    // Once only; a reversal is not reversed; a reason is required; unknown ids are named.
    assert_eq!(
        shop.void_purchase(wrong, "lagi").unwrap_err().code(),
        "already_voided"
    );
    assert_eq!(
        shop.void_purchase(rev, "x").unwrap_err().code(),
        "is_reversal"
    );
    let third = buy(&mut shop, "GL", "1", "15000", None, Payment::Cash);
    assert_eq!(
        shop.void_purchase(third, "  ").unwrap_err().code(),
        "required"
    );
    assert_eq!(
        shop.void_purchase(9999, "x").unwrap_err().code(),
        "purchase_not_found"
    );
    clean(&shop);
}

#[test]
fn a_purchase_whose_goods_were_sold_cannot_take_the_shelf_below_zero() {
    let (mut shop, _) = shop();
    shop.set_setting("allow_negative_stock", "false").unwrap();
    product(&mut shop, "MY", "Minyak 1 L", "pcs", "17500", "15000", "0");
    let id = buy(&mut shop, "MY", "12", "15000", None, Payment::Cash);
    shop.record_sale(&cash(vec![line("MY", "10", None)]))
        .unwrap();
    let err = shop.void_purchase(id, "salah").unwrap_err();
    assert_eq!(err.code(), "insufficient_stock");
    assert_eq!(
        shop.resolve_product("MY").unwrap().stock,
        d("2"),
        "nothing written"
    );
    assert_eq!(shop.purchases_page(&today()).unwrap().total, 1);
    clean(&shop);
    // A shop that sells before booking (the default) may take it below zero, and sees it.
    shop.set_setting("allow_negative_stock", "true").unwrap();
    shop.void_purchase(id, "salah").unwrap();
    assert_eq!(shop.resolve_product("MY").unwrap().stock, d("-10"));
    clean(&shop);
}

#[test]
fn a_voided_expense_leaves_profit_and_cash_as_before() {
    let (mut shop, _) = shop();
    let before = shop.report("today").unwrap();
    let wrong = expense(&mut shop, "250000", "bensin motor kulakan");
    let mid = shop.report("today").unwrap();
    assert_eq!(mid.expenses - before.expenses, d("250000"));
    let rev = shop.void_expense(wrong, "seharusnya 25rb").unwrap();
    let after = shop.report("today").unwrap();
    assert_eq!(after.expenses, before.expenses);
    assert_eq!(after.net_profit, before.net_profit);
    assert_eq!(after.cash_out, before.cash_out);
    assert!(
        after
            .expenses_by_category
            .get("transport")
            .is_none_or(|v| v == "0"),
        "{:?}",
        after.expenses_by_category
    );
    let right = expense(&mut shop, "25000", "bensin motor kulakan");
    let page = shop.expenses_page(&today()).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items[0].expense_id, right, "newest first");
    let orig = page.items.iter().find(|e| e.expense_id == wrong).unwrap();
    assert_eq!(
        (orig.voided_by, orig.category),
        (Some(rev), ExpenseCategory::Transport)
    );
    assert_eq!(
        shop.report("today").unwrap().expenses - before.expenses,
        d("25000")
    );
    assert_eq!(
        shop.void_expense(wrong, "x").unwrap_err().code(),
        "already_voided"
    );
    assert_eq!(
        shop.void_expense(rev, "x").unwrap_err().code(),
        "is_reversal"
    );
    clean(&shop);
}

#[test]
fn pages_count_everything_and_filter_by_part_of_a_name_and_by_who() {
    let (mut shop, clock) = shop();
    product(&mut shop, "TP", "Telur Puyuh", "pcs", "500", "300", "1000");
    for i in 0..23 {
        clock.advance(chrono::Duration::minutes(3));
        let mut sale = cash(vec![line("TP", "1", None)]);
        if i % 4 == 0 {
            sale.payment = Payment::Kasbon;
            sale.customer = Some(if i % 8 == 0 { "Pak Budi" } else { "Bu Sri_50%" }.into());
        }
        if i >= 20 {
            shop.set_actor("Rina").unwrap();
        }
        shop.record_sale(&sale).unwrap();
    }
    let q = |contact: Option<&str>, actor: Option<&str>, offset: i64, limit: i64| ListQuery {
        period: "today".into(),
        contact: contact.map(str::to_string),
        actor: actor.map(str::to_string),
        offset,
        limit,
    };
    let first = shop.sales_page(&q(None, None, 0, 10)).unwrap();
    assert_eq!((first.total, first.items.len()), (23, 10));
    let ids: Vec<i64> = first.items.iter().map(|r| r.sale_id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let last = shop.sales_page(&q(None, None, 20, 10)).unwrap();
    assert_eq!((last.total, last.items.len(), last.offset), (23, 3, 20));
    // Part of a name, any case; the wildcard characters of a name are plain text.
    assert_eq!(
        shop.sales_page(&q(Some("budi"), None, 0, 50))
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        shop.sales_page(&q(Some("SRI_5"), None, 0, 50))
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        shop.sales_page(&q(Some("i_"), None, 0, 50)).unwrap().total,
        3
    );
    assert_eq!(
        shop.sales_page(&q(Some("%"), None, 0, 50)).unwrap().total,
        3
    );
    // By cashier.
    let rina = shop.sales_page(&q(None, Some("Rina"), 0, 50)).unwrap();
    assert_eq!(rina.total, 3);
    assert!(rina.items.iter().all(|r| r.actor == "Rina"));
    assert_eq!(shop.actors().unwrap(), ["Rina", "owner"]);
    // Limits are bounded.
    assert_eq!(
        shop.sales_page(&q(None, None, 0, 100_000))
            .unwrap()
            .items
            .len(),
        23
    );
    assert_eq!(shop.sales_page(&q(None, None, -5, 0)).unwrap().offset, 0);
    assert_eq!(
        shop.sales_page(&ListQuery {
            period: "kemarin lusa".into(),
            ..Default::default()
        })
        .unwrap_err()
        .code(),
        "unknown_choice"
    );
}

#[test]
fn contacts_are_edited_and_merged_without_losing_a_rupiah() {
    let (mut shop, _) = shop();
    product(&mut shop, "TP", "Telur Puyuh", "pcs", "500", "300", "1000");
    shop.add_debt("Pak Budi", d("50000"), None).unwrap();
    let mut sale = cash(vec![line("TP", "20", None)]);
    sale.payment = Payment::Kasbon;
    sale.customer = Some("Pak Budy".into()); // the typo that made a second debtor
    shop.record_sale(&sale).unwrap();
    shop.add_contact("Bu Sri", false, Some("0812-3456-789"))
        .unwrap();
    let budi = shop
        .contacts()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Pak Budi")
        .unwrap();
    let budy = shop
        .contacts()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Pak Budy")
        .unwrap();
    assert_eq!(budy.balance, d("10000"));

    // Edit: a phone the Indonesian way, a name that is taken is refused.
    let edited = shop
        .update_contact(
            budi.id,
            &ContactPatch {
                phone: Some("0813 1111 2222".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(edited.phone.as_deref(), Some("6281311112222"));
    let taken = shop.update_contact(
        budi.id,
        &ContactPatch {
            name: Some("bu sri".into()),
            ..Default::default()
        },
    );
    assert_eq!(taken.unwrap_err().code(), "duplicate");

    // The typo is found as a duplicate of the right name, and the other way round.
    let near: Vec<String> = shop
        .near_duplicates(budi.id)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(near, ["Pak Budy"]);
    assert_eq!(shop.near_duplicates(budy.id).unwrap()[0].name, "Pak Budi");
    // Merge: one debtor owing both amounts, every entry and sale his.
    let kept = shop.merge_contacts(budi.id, budy.id).unwrap();
    assert_eq!(kept.balance, d("60000"));
    assert!(
        shop.contacts()
            .unwrap()
            .iter()
            .all(|c| c.name != "Pak Budy"),
        "gone from the lists"
    );
    let history = shop.debt_history("Pak Budi").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history.last().unwrap().balance, d("60000"));
    let page = shop
        .sales_page(&ListQuery {
            period: "today".into(),
            contact: Some("budi".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.total, 1, "the sale is Pak Budi's now");
    // The old spelling still means him: a kasbon typed with it goes to his name.
    shop.add_debt("Pak Budy", d("5000"), None).unwrap();
    assert_eq!(shop.contact(budi.id).unwrap().balance, d("65000"));
    assert!(shop.similar_contacts("Pak Budy").unwrap().is_empty());
    assert!(
        shop.debts()
            .unwrap()
            .iter()
            .all(|b| b.contact != "Pak Budy")
    );
    clean(&shop);

    // A contact is not merged with itself, nor merged twice.
    assert_eq!(
        shop.merge_contacts(budi.id, budi.id).unwrap_err().code(),
        "same_contact"
    );
    assert_eq!(
        shop.merge_contacts(budi.id, budy.id).unwrap_err().code(),
        "contact_not_found"
    );
    let audit: Vec<String> = shop
        .audit_log(20)
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(audit.contains(&"contact.merge".to_string()));
    let _ = Decimal::ZERO;
}

#[test]
fn a_page_carries_the_net_sum_of_everything_that_matches() {
    let (mut shop, _) = shop();
    product(&mut shop, "TP", "Telur Puyuh", "pcs", "500", "300", "1000");
    let mut ids = vec![];
    for _ in 0..5 {
        ids.push(
            shop.record_sale(&cash(vec![line("TP", "3", None)]))
                .unwrap()
                .sale_id,
        );
    }
    shop.void_sale(ids[0], "salah").unwrap();
    let page = shop
        .sales_page(&ListQuery {
            period: "today".into(),
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.total, page.items.len()), (6, 2));
    assert_eq!(
        page.sum,
        d("6000"),
        "5 x 1.500 less the voided 1.500, over every page"
    );
    expense(&mut shop, "10000", "plastik");
    let e = expense(&mut shop, "7000", "es batu");
    shop.void_expense(e, "dobel").unwrap();
    let ex = shop.expenses_page(&today()).unwrap();
    assert_eq!((ex.total, ex.sum), (3, d("10000")));
}
