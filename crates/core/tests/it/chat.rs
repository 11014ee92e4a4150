//! Multi-turn conversations with the shop's agents: every script ends with the books a human
//! bookkeeper would keep — the report's figures, stock, kasbon balances — and with
//! `verify_books` finding nothing out of place.

use crate::common::{beras, d, product, shop, t0};
use chrono::Duration;
use pasar_core::{ChatReply, ChatStatus, ManualClock, OpenMode, Shop};
use std::sync::Arc;

fn say(shop: &mut Shop, text: &str) -> ChatReply {
    shop.chat("kasir", text).expect("chat")
}

fn books_exact(shop: &Shop) {
    assert_eq!(shop.verify_books().unwrap(), Vec::<String>::new());
}

#[test]
fn a_sale_is_booked_and_undone_by_a_reversal() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let r = say(&mut shop, "jual 5 kg beras @14rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(serde_json::json!(r.intent), "sale");
    let doc = r.document.clone().unwrap();
    assert_eq!(doc.kind, "sale");
    assert!(r.reply.contains("Rp 70.000"), "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("95"));
    assert_eq!(shop.report("today").unwrap().revenue, d("70000"));

    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Undone, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("100"));
    let rep = shop.report("today").unwrap();
    assert_eq!((rep.revenue, rep.reversal_count), (d("0"), 1));
    // The sale is still there, voided: nothing was deleted.
    assert_eq!(shop.sale(doc.id).unwrap().kind, "sale");
    books_exact(&shop);

    // "gak mau" with nothing asked is not an undo of the sale before.
    say(&mut shop, "jual 1 kg beras @14rb");
    let r = say(&mut shop, "gak mau");
    assert_ne!(r.status, ChatStatus::Undone, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("99"));
    say(&mut shop, "batal yang tadi");

    // Nothing left to take back in this conversation.
    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Answered, "{}", r.reply);
    let history = shop.chat_history("kasir", 50).unwrap();
    assert!(
        history.iter().any(|m| m.undone),
        "the first sale's reply is marked undone"
    );
}

#[test]
fn an_ambiguous_product_is_asked_and_the_answer_picks_it() {
    let (mut shop, _) = shop();
    product(&mut shop, "B1", "Beras Pulen", "kg", "14000", "12000", "50");
    let merah = product(&mut shop, "B2", "Beras Merah", "kg", "18000", "15000", "20");
    let r = say(&mut shop, "jual beras 2 kg");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(r.reply.contains("Beras Pulen") && r.reply.contains("Beras Merah"));
    assert_eq!(shop.report("today").unwrap().sales_count, 0);

    let r = say(&mut shop, "yang merah");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(merah.id).unwrap().stock, d("18"));
    assert_eq!(shop.report("today").unwrap().revenue, d("36000"));
    books_exact(&shop);
}

#[test]
fn kasbon_for_a_new_name_asks_first_and_payments_follow() {
    let (mut shop, _) = shop();
    let r = say(&mut shop, "bu Sri ngutang 60rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(shop.debts().unwrap().is_empty(), "nothing before the yes");
    let r = say(&mut shop, "iya");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(r.document.as_ref().unwrap().kind, "debt");
    let sri = shop.find_contact_named("bu sri").unwrap().unwrap();
    assert_eq!((sri.name.as_str(), sri.balance), ("Bu Sri", d("60000")));

    // A known name is booked at once; "sri" finds "Bu Sri".
    let r = say(&mut shop, "bu sri bayar 20rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(r.document.as_ref().unwrap().kind, "debt_payment");
    assert!(r.reply.contains("Rp 40.000"), "{}", r.reply);
    let r = say(&mut shop, "kasbon sri berapa?");
    assert!(r.reply.contains("Rp 40.000"), "{}", r.reply);

    // Overpaying is refused in words and writes nothing.
    let r = say(&mut shop, "bu sri bayar 100rb");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(r.reply.contains("Tidak dicatat"), "{}", r.reply);

    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Undone, "{}", r.reply);
    let sri = shop.find_contact_named("Bu Sri").unwrap().unwrap();
    assert_eq!(sri.balance, d("60000"));
    // The cash of the payment left the day's books with it.
    assert_eq!(shop.report("today").unwrap().cash_in, d("0"));

    // A reminder is drafted with the balance.
    let r = say(&mut shop, "tagih bu sri");
    let reminder = r.reminder.expect("reminder");
    assert!(reminder.text.contains("Rp 60.000"), "{}", reminder.text);
    books_exact(&shop);
}

#[test]
fn batal_drops_a_pending_question_and_writes_nothing() {
    let (mut shop, _) = shop();
    let r = say(&mut shop, "pak Budi kasbon 40rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation);
    let r = say(&mut shop, "batal");
    assert_eq!(r.status, ChatStatus::Cancelled, "{}", r.reply);
    let r = say(&mut shop, "iya");
    assert_ne!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert!(shop.debts().unwrap().is_empty());
    assert!(shop.contacts().unwrap().is_empty());
}

#[test]
fn a_price_far_from_the_catalog_is_confirmed_and_can_be_corrected() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let r = say(&mut shop, "jual 5 kg beras @140rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    let r = say(&mut shop, "harganya 14rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(r.reply.contains("Rp 70.000"), "{}", r.reply);
    let r = say(&mut shop, "iya");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().revenue, d("70000"));
    assert_eq!(shop.product(b.id).unwrap().stock, d("95"));

    // "tambah 2 lagi": the same goods at the same price, once more.
    let r = say(&mut shop, "tambah 2 lagi");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().revenue, d("98000"));
    assert_eq!(shop.product(b.id).unwrap().stock, d("93"));
    books_exact(&shop);
}

#[test]
fn another_message_replaces_an_unanswered_question() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    let r = say(&mut shop, "jual 5 kg beras @140rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation);
    // A figure with other words is a message of its own, not a correction.
    let r = say(&mut shop, "bayar listrik 150rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(r.document.as_ref().unwrap().kind, "expense");
    let rep = shop.report("today").unwrap();
    assert_eq!((rep.revenue, rep.expenses), (d("0"), d("150000")));
    assert_eq!(rep.expenses_by_category["utilities"], "150000");
    let r = say(&mut shop, "iya");
    assert_ne!(
        r.status,
        ChatStatus::Applied,
        "the dropped sale stays dropped"
    );
    assert_eq!(shop.report("today").unwrap().revenue, d("0"));
}

#[test]
fn a_dated_expense_lands_on_its_day_and_its_undo_too() {
    let (mut shop, _) = shop();
    let r = say(&mut shop, "kemarin bayar listrik 200rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("yesterday").unwrap().expenses, d("200000"));
    assert_eq!(shop.report("today").unwrap().expenses, d("0"));
    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Undone, "{}", r.reply);
    assert_eq!(shop.report("yesterday").unwrap().expenses, d("0"));
    // Both rows are kept: the expense and its reversal.
    let day = (t0() - Duration::days(1)).date_naive().to_string();
    assert_eq!(shop.expenses(&day, &day).unwrap().len(), 2);
}

#[test]
fn a_purchase_undone_restores_stock_and_average_cost() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let r = say(&mut shop, "beli beras 50 kg @13rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    let p = shop.product(b.id).unwrap();
    assert_eq!((p.stock, p.cost), (d("150"), d("12333.3333")));
    assert_eq!(shop.report("today").unwrap().purchases, d("650000"));
    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Undone, "{}", r.reply);
    let p = shop.product(b.id).unwrap();
    assert_eq!((p.stock, p.cost), (d("100"), d("12000")));
    assert_eq!(shop.report("today").unwrap().purchases, d("0"));
    books_exact(&shop);
}

#[test]
fn stock_corrections_set_add_remove_and_undo() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let r = say(&mut shop, "stok beras sekarang 90 kg");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("90"));
    let r = say(&mut shop, "beras rusak 2 kg dibuang");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("88"));
    say(&mut shop, "batal yang tadi");
    assert_eq!(shop.product(b.id).unwrap().stock, d("90"));
    // A second undo does not walk back to the write before: that is done from Transaksi.
    let r = say(&mut shop, "batal yang tadi");
    assert_eq!(r.status, ChatStatus::Answered, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("90"));
    books_exact(&shop);
}

#[test]
fn refused_writes_say_why_and_change_nothing() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    // More than the shelf holds asks first, even where stock may go below zero.
    let r = say(&mut shop, "jual 500 kg beras");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(
        r.reply.contains("stok Beras Pulen hanya 100 kg"),
        "{}",
        r.reply
    );
    say(&mut shop, "batal");
    assert_eq!(shop.product(b.id).unwrap().stock, d("100"));
    // Where it may not, the yes is refused in words.
    shop.set_setting("allow_negative_stock", "false").unwrap();
    say(&mut shop, "jual 500 kg beras");
    let r = say(&mut shop, "iya");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(r.reply.contains("Tidak dicatat"), "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("100"));
    let r = say(&mut shop, "jual 2 kg durian");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().sales_count, 0);
    // Odd input is answered, never an error.
    for text in ["", "   ", "🤷", "\u{0}\u{1}jual", &"jual ".repeat(2000)] {
        let r = shop.chat("kasir", text).expect("a reply, not an error");
        assert!(!r.reply.is_empty());
    }
    assert!(shop.chat("", "halo").is_err(), "a conversation needs an id");
    books_exact(&shop);
}

#[test]
fn questions_are_answered_from_the_books() {
    let (mut shop, _) = shop();
    beras(&mut shop);
    say(&mut shop, "jual 5 kg beras @14rb");
    let r = say(&mut shop, "laporan hari ini");
    assert_eq!(r.status, ChatStatus::Answered);
    assert!(r.reply.contains("Rp 70.000"), "{}", r.reply);
    let r = say(&mut shop, "stok beras berapa");
    assert!(r.reply.contains("95 kg"), "{}", r.reply);
    let r = say(&mut shop, "harga beras");
    assert!(
        r.reply.contains("Rp 14.000") && r.reply.contains("Rp 335.000"),
        "{}",
        r.reply
    );
    let r = say(&mut shop, "halo");
    assert_eq!(serde_json::json!(r.intent), "greeting");
    let r = say(&mut shop, "matur nuwun nggih");
    assert!(r.reply.starts_with("Sama-sama"), "{}", r.reply);
    let r = say(&mut shop, "pengeluaran bulan ini brp");
    assert_eq!(
        (serde_json::json!(r.intent), r.status),
        (serde_json::json!("report"), ChatStatus::Answered),
        "{}",
        r.reply
    );
    // Asking wrote nothing.
    assert_eq!(shop.report("today").unwrap().revenue, d("70000"));
    books_exact(&shop);
}

#[test]
fn kasbon_with_goods_is_a_kasbon_sale() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    shop.add_debt("Bu Ani", d("10000"), None).unwrap();
    let r = say(&mut shop, "bu ani ngutang beras 2 kg 28rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(r.document.as_ref().unwrap().kind, "sale");
    assert_eq!(shop.product(b.id).unwrap().stock, d("98"));
    let ani = shop.find_contact_named("bu ani").unwrap().unwrap();
    assert_eq!(ani.balance, d("38000"));
    books_exact(&shop);
}

#[test]
fn a_question_survives_closing_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("toko.db");
    let clock = Arc::new(ManualClock::new(t0()));
    {
        let mut shop = Shop::open_with_clock(&path, OpenMode::Create, clock.clone()).unwrap();
        let r = shop.chat("wa-1", "pak Joko kasbon 25rb").unwrap();
        assert_eq!(r.status, ChatStatus::NeedsConfirmation);
        // Another conversation's "iya" is not this one's.
        let r = shop.chat("wa-2", "iya").unwrap();
        assert_ne!(r.status, ChatStatus::Applied);
    }
    let mut shop = Shop::open_with_clock(&path, OpenMode::Existing, clock).unwrap();
    let r = shop.chat("wa-1", "iya").unwrap();
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(
        shop.find_contact_named("pak joko")
            .unwrap()
            .unwrap()
            .balance,
        d("25000")
    );
}

/// The online assistant's proposal: used only where the rules are unsure, read strictly, and
/// never written without the user's "iya".
#[test]
fn an_assistant_proposal_is_confirmed_before_it_writes() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let odd = "ujang ngangkut beras tadi sore pokoknya";
    assert!(shop.wants_assistant("kasir", odd).unwrap());
    assert!(
        !shop
            .wants_assistant("kasir", "jual 5 kg beras @14rb")
            .unwrap()
    );
    assert!(!shop.wants_assistant("kasir", "iya").unwrap());

    let proposal = r#"{"intent":"sale","items":[{"product":"beras","quantity":"2","unit":"kg","unit_price":"14000"}]}"#;
    let r = shop.chat_with("kasir", odd, Some(proposal)).unwrap();
    assert!(r.assisted);
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(
        r.reply.contains("asisten online") && r.reply.contains("Rp 28.000"),
        "{}",
        r.reply
    );
    assert_eq!(
        shop.product(b.id).unwrap().stock,
        d("100"),
        "nothing written yet"
    );
    // While the question is pending, the assistant is not asked about the answer.
    assert!(!shop.wants_assistant("kasir", "iya betul").unwrap());
    let r = say(&mut shop, "iya");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("98"));
    assert_eq!(shop.report("today").unwrap().revenue, d("28000"));
    // Undone like any other write.
    assert_eq!(say(&mut shop, "batal yang tadi").status, ChatStatus::Undone);
    assert_eq!(shop.product(b.id).unwrap().stock, d("100"));
    books_exact(&shop);
}

#[test]
fn a_bad_or_needless_proposal_changes_nothing() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    let odd = "ujang ngangkut beras tadi sore pokoknya";
    for bad in [
        "not json",
        r#"{"intent":"refund_everything"}"#,
        r#"{"intent":"sale","items":[{"product":"beras","quantity":"-5","unit_price":"14000"}]}"#,
        r#"{"intent":"sale","items":[{"product":"beras","quantity":"2","unit_price":"1e30"}]}"#,
        r#"{"intent":"sale","items":[{"product":"beras","quantity":"2","unit_price":"12.000,50"}]}"#,
        r#"{"intent":"expense","amount":"50000","category":"bribes"}"#,
        r#"{"intent":"expense","amount":"50000","date":"1999-01-01"}"#,
        r#"{"intent":"sale","items":[]}"#,
        r#"{"intent":"unknown"}"#,
    ] {
        let r = shop.chat_with("kasir", odd, Some(bad)).unwrap();
        assert!(!r.assisted, "{bad}");
        assert_ne!(r.status, ChatStatus::Applied, "{bad}");
        if bad != r#"{"intent":"unknown"}"# {
            assert!(
                r.assistant_error.is_some(),
                "{bad}: the refusal is told to the log"
            );
        }
    }
    // A message the rules read with confidence ignores any proposal.
    let r = shop
        .chat_with(
            "kasir",
            "jual 5 kg beras @14rb",
            Some(r#"{"intent":"expense","amount":"1000000"}"#),
        )
        .unwrap();
    assert!(!r.assisted);
    assert_eq!(serde_json::json!(r.intent), "sale");
    assert_eq!(shop.product(b.id).unwrap().stock, d("95"));
    assert_eq!(shop.report("today").unwrap().expenses, d("0"));
    books_exact(&shop);
}

/// A price and a total that disagree are never booked silently: less than the price comes
/// to is a discount shown before the yes; more is asked, and either answer settles it. (Once
/// "@12rb total 30rb" booked 2 kg at Rp 6.000, and "12rb/kg jadi 30rb" booked Rp 24.000 while
/// showing Rp 30.000.)
#[test]
fn a_price_and_a_total_that_disagree_are_settled_before_booking() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);

    let r = say(&mut shop, "jual 2 kg beras @14rb total 30rb");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(
        r.reply.contains("Rp 28.000") && r.reply.contains("Rp 30.000"),
        "{}",
        r.reply
    );
    assert_eq!(shop.report("today").unwrap().sales_count, 0);
    let r = say(&mut shop, "totalnya 30rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().revenue, d("30000"));

    let r = say(&mut shop, "jual beras 2 kg 14rb/kg jadi 30rb");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    let r = say(&mut shop, "harganya 14rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().revenue, d("58000"));

    // Three at Rp 14.000 "semua 40rb": a Rp 2.000 discount, shown and confirmed.
    let r = say(&mut shop, "jual 3 kg beras @14rb semua 40rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(
        r.reply.contains("potongan Rp 2.000") && r.reply.contains("Rp 40.000"),
        "{}",
        r.reply
    );
    let r = say(&mut shop, "iya");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    let sale = shop.sale(r.document.unwrap().id).unwrap();
    assert_eq!(sale.total, d("40000"));
    assert_eq!(shop.report("today").unwrap().revenue, d("98000"));

    // Agreeing figures book at once.
    let r = say(&mut shop, "jual 1 kg beras @14rb total 14rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("92"));

    // A purchase has no discount line: any disagreement is asked.
    let r = say(&mut shop, "kulakan beras 10 kg @12rb total 110rb");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    let r = say(&mut shop, "totalnya 110rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.product(b.id).unwrap().stock, d("102"));
    books_exact(&shop);
}

fn balance(shop: &Shop, name: &str) -> rust_decimal::Decimal {
    shop.debts()
        .unwrap()
        .into_iter()
        .find(|d| d.contact == name)
        .map(|d| d.balance)
        .unwrap_or_default()
}

/// Defects a hostile pass over `pasar chat` found, each one a way money or stock went into
/// the books without the user's "iya" (or the wrong way): now asked, refused or exact.
#[test]
fn what_a_hostile_pass_found_is_asked_or_exact() {
    let (mut shop, _) = shop();
    let b = beras(&mut shop);
    product(
        &mut shop,
        "M1",
        "Minyak Goreng Sania",
        "pcs",
        "20000",
        "18000",
        "40",
    );
    product(
        &mut shop,
        "M2",
        "Minyak Goreng Bimoli",
        "pcs",
        "41000",
        "38000",
        "40",
    );
    let stock = |shop: &Shop| shop.product(b.id).unwrap().stock;

    // A whole new line while "which minyak?" is asked is not that product's name: it once
    // booked 5 kg of rice (the old quantity) at once.
    say(&mut shop, "jual minyak 5");
    let r = say(&mut shop, "beras 3 kg 51rb");
    assert_ne!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(stock(&shop), d("100"));
    say(&mut shop, "batal");

    // Minus signs are refused, not dropped; "gratis" is a price of nothing, shown first;
    // "kurang" takes away.
    for text in [
        "jual -2 kg beras",
        "bu sri ngutang -50rb",
        "bayar listrik -150rb",
    ] {
        let r = say(&mut shop, text);
        assert_eq!(
            r.status,
            ChatStatus::NeedsClarification,
            "{text}: {}",
            r.reply
        );
    }
    assert!(shop.debts().unwrap().is_empty());
    let r = say(&mut shop, "jual beras 2 kg gratis");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    say(&mut shop, "batal");
    let r = say(&mut shop, "stok beras kurang 5 kg");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(stock(&shop), d("95"));

    // "2 1/2 kg" is two and a half.
    let r = say(&mut shop, "jual 2 1/2 kg beras");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(stock(&shop), d("92.5"));

    // The same goods on two lines are judged together against the shelf.
    let r = say(&mut shop, "jual 50 kg beras, 50 kg beras");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    say(&mut shop, "batal");

    // A total that is not a whole price per unit, then "tambah 3 lagi": the same money again,
    // to the rupiah (it once came to Rp 50.001).
    let before = shop.report("today").unwrap().revenue;
    say(&mut shop, "jual 3 kg beras 50rb");
    let r = say(&mut shop, "tambah 3 lagi");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    assert_eq!(shop.report("today").unwrap().revenue - before, d("100000"));

    // A purchase paid as a total is that total (it once came to Rp 99.999).
    let r = say(&mut shop, "beli 3 kg beras 100rb");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);
    let rep = shop.report("today").unwrap();
    assert_eq!(rep.purchases, d("100000"), "{}", r.reply);

    // A unit the product is not sold in is asked again, not an error.
    let r = say(&mut shop, "jual 5 liter beras");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(r.reply.contains("tidak dijual per liter"), "{}", r.reply);
    let r = say(&mut shop, "2 kg");
    assert_eq!(r.status, ChatStatus::Applied, "{}", r.reply);

    // Two records in one message are not read as one.
    let r = say(&mut shop, "bu sri ngutang 60rb\njual 2 kg beras");
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    assert!(shop.debts().unwrap().is_empty());

    // "bu budi" is not Pak Budi; "budi bayar" is a kasbon payment, not an expense.
    shop.add_debt("Pak Budi", d("80000"), None).unwrap();
    let r = say(&mut shop, "bu budi bayar 10rb");
    assert_ne!(r.status, ChatStatus::Applied, "{}", r.reply);
    say(&mut shop, "batal");
    assert_eq!(balance(&shop, "Pak Budi"), d("80000"));
    let expenses = shop.report("today").unwrap().expenses;
    let r = say(&mut shop, "budi bayar 30rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(r.reply.contains("Pak Budi"), "{}", r.reply);
    assert_eq!(say(&mut shop, "iya").status, ChatStatus::Applied);
    assert_eq!(balance(&shop, "Pak Budi"), d("50000"));
    assert_eq!(shop.report("today").unwrap().expenses, expenses);

    // Goods on kasbon for a new name are shown first, like a plain kasbon.
    let r = say(&mut shop, "bu ani ngutang beras 2 kg 28rb");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    say(&mut shop, "batal");

    // A huge stock correction is shown first.
    let r = say(&mut shop, "stok beras jadi 999999999 kg");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    say(&mut shop, "batal");

    // "laporan tanggal N" is that day's report, not today's.
    let r = say(&mut shop, "laporan tanggal 3");
    assert!(r.reply.contains("03-11-2026"), "{}", r.reply);
    books_exact(&shop);
}

/// An assistant's proposal that needs a question first is still shown for "iya" once the
/// question is answered (it was once written straight after the answer).
#[test]
fn a_proposal_that_asks_first_still_waits_for_yes() {
    let (mut shop, _) = shop();
    product(
        &mut shop,
        "M1",
        "Minyak Goreng Sania",
        "pcs",
        "20000",
        "18000",
        "40",
    );
    let bimoli = product(
        &mut shop,
        "M2",
        "Minyak Goreng Bimoli",
        "pcs",
        "41000",
        "38000",
        "40",
    );
    let proposal = r#"{"intent":"sale","items":[{"product":"minyak","quantity":"12"}]}"#;
    let r = shop
        .chat_with("kasir", "tlg cttn mnyk yg kmrn itu", Some(proposal))
        .unwrap();
    assert_eq!(r.status, ChatStatus::NeedsClarification, "{}", r.reply);
    let r = say(&mut shop, "2");
    assert_eq!(r.status, ChatStatus::NeedsConfirmation, "{}", r.reply);
    assert!(r.reply.contains("12"), "{}", r.reply);
    assert_eq!(shop.product(bimoli.id).unwrap().stock, d("40"));
    assert_eq!(say(&mut shop, "iya").status, ChatStatus::Applied);
    assert_eq!(shop.product(bimoli.id).unwrap().stock, d("28"));
    books_exact(&shop);
}

/// The assistant's key is a secret: the audit log records that it changed, not its value.
#[test]
fn the_assistant_key_never_reaches_the_audit_log() {
    let (mut shop, _) = shop();
    shop.set_setting("assistant_key", "AIzaSECRET123").unwrap();
    let log = serde_json::to_string(
        &shop
            .audit_log(50)
            .unwrap()
            .iter()
            .map(|e| e.detail.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(!log.contains("AIzaSECRET123"), "{log}");
    assert!(log.contains("assistant_key"), "{log}");
}
