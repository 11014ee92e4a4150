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

/// With an assistant configured (here a local fake speaking the Gemini API's wire format), a
/// message the rules cannot read is proposed by it, shown, and written only after "iya";
/// --offline and an unreachable assistant leave the chat working without it.
#[test]
fn the_online_assistant_proposes_and_the_user_confirms() {
    use pasar_assist::fake::{FakeGemini, Reply};
    let (_dir, db) = super::hostile::shop(); // Beras Pulen 14rb/kg, 50 kg
    let fake = FakeGemini::start(Reply::Text(
        r#"{"intent":"sale","items":[{"product":"beras pulen","quantity":"2","unit":"kg","unit_price":"14000"}]}"#
            .into(),
    ));
    for (k, v) in [
        ("assistant_url", fake.base_url.as_str()),
        ("assistant_model", "gemini-test"),
        ("assistant_key", "TEST-KEY"),
    ] {
        assert!(
            super::pasar(&db, &["setting", "set", k, v])
                .status
                .success()
        );
    }
    let chat = |args: &[&str]| {
        let mut all = vec!["chat", "--conversation", "wa-1"];
        all.extend_from_slice(args);
        ok_json(&db, &all)
    };
    let odd = "ujang ngangkut beras tadi sore pokoknya";

    let v = chat(&["--offline", odd]);
    assert_eq!(v["assisted"], false);
    assert_eq!(fake.seen().len(), 0, "--offline asks nobody");

    // A message the rules read is never sent out.
    let v = chat(&["laporan hari ini"]);
    assert_eq!(v["status"], "answered");
    assert_eq!(fake.seen().len(), 0);

    let v = chat(&[odd]);
    assert_eq!(fake.seen().len(), 1);
    assert_eq!(fake.seen()[0].api_key.as_deref(), Some("TEST-KEY"));
    assert_eq!(
        (&v["assisted"], &v["status"]),
        (&true.into(), &"needs_confirmation".into()),
        "{v}"
    );
    assert!(v["document"].is_null());
    let v = chat(&["iya"]);
    assert_eq!(
        fake.seen().len(),
        1,
        "the answer to a question is not sent out"
    );
    assert_eq!(
        (&v["status"], &v["document"]["type"]),
        (&"applied".into(), &"sale".into())
    );
    assert_eq!(
        ok_json(&db, &["report", "--period", "today"])["revenue"],
        "28000"
    );

    // The assistant gone: the chat answers on its own, with a note on stderr.
    assert!(
        super::pasar(
            &db,
            &["setting", "set", "assistant_url", "http://127.0.0.1:9"]
        )
        .status
        .success()
    );
    let out = super::pasar(&db, &["--json", "chat", "--conversation", "wa-1", odd]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "needs_clarification");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("asisten online") && !err.contains("TEST-KEY"),
        "{err}"
    );
    assert_eq!(
        ok_json(&db, &["report", "--period", "today"])["revenue"],
        "28000"
    );
}

/// Two processes answering the same question at once (two windows, the WhatsApp bridge and
/// the CLI): the pending draft is claimed by one, so the kasbon is written once.
#[test]
fn a_confirmation_answered_twice_at_once_writes_once() {
    let (_dir, db) = super::hostile::shop();
    for name in ["sri", "ani", "tini"] {
        let conv = format!("wa-{name}");
        let v = ok_json(
            &db,
            &[
                "chat",
                "--conversation",
                &conv,
                &format!("bu {name} ngutang 60rb"),
            ],
        );
        assert_eq!(v["status"], "needs_confirmation", "{v}");
        let answers: Vec<_> = (0..4)
            .map(|_| {
                let (db, conv) = (db.clone(), conv.clone());
                std::thread::spawn(move || ok_json(&db, &["chat", "--conversation", &conv, "iya"]))
            })
            .collect();
        let applied = answers
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|v| v["status"] == "applied")
            .count();
        assert_eq!(applied, 1, "one of the four answers writes");
    }
    let debts = ok_json(&db, &["debt", "list"]);
    let balances: Vec<_> = debts
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["balance"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(balances, ["60000", "60000", "60000"], "{debts}");
}
