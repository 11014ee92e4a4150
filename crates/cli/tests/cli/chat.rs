//! `pasar chat` as a script (or the WhatsApp bridge) drives it: one process per message, the
//! conversation's state kept in the shop's file between them, the JSON contract
//! {reply, intent, status, document}, and the books a bookkeeper would keep.

use super::ok_json;

#[test]
fn a_conversation_across_processes_keeps_the_books() {
    let (_dir, db) = super::hostile::shop(); // Beras Pulen 14rb/kg, 50 kg
    let chat = |text: &str| ok_json(&db, &["chat", "--conversation", "wa-62812", text]);

    let v = chat("jual 3 kg beras pulen @14rb");
    assert_eq!(
        (&v["intent"], &v["status"]),
        (&"sale".into(), &"applied".into())
    );
    assert_eq!(v["document"]["type"], "sale");
    assert!(v["document"]["id"].as_i64().unwrap() > 0);
    assert!(v["reply"].as_str().unwrap().contains("*Total: Rp 42.000*"));

    // A clarification asked by one process is answered in the next.
    let v = chat("bu Sri ngutang 60rb");
    assert_eq!(v["status"], "needs_confirmation");
    assert!(v["document"].is_null());
    let v = chat("iya");
    assert_eq!(
        (&v["status"], &v["document"]["type"]),
        (&"applied".into(), &"debt".into())
    );

    let v = chat("laporan hari ini");
    assert_eq!(
        (&v["intent"], &v["status"]),
        (&"report".into(), &"answered".into())
    );
    assert!(v["reply"].as_str().unwrap().contains("Rp 42.000"));

    let v = chat("batal yang tadi");
    assert_eq!(v["status"], "undone");
    let debts = ok_json(&db, &["debt", "list"]);
    assert_eq!(debts.as_array().map(Vec::len), Some(0), "{debts}");

    let report = ok_json(&db, &["report", "--period", "today"]);
    assert_eq!(report["revenue"], "42000");
    let check = super::pasar(&db, &["stock", "check"]);
    assert!(check.status.success());
}
