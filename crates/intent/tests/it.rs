//! The intent contract on tables of messages: the public examples (../shared/nlu, when beside
//! the project), our own corpus (tests/corpus.jsonl, three languages), a catalog-backed case,
//! and a property test that no input makes the engine panic.

use chrono::NaiveDate;
use pasar_intent::{Catalog, Context, KnownProduct, parse};
use serde_json::Value;
use std::path::PathBuf;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

const FIELDS: [&str; 6] = ["intent", "amount", "category", "contact", "period", "date"];
const ITEM_FIELDS: [&str; 5] = ["product", "quantity", "unit", "unit_price", "total"];

/// Differences between what the engine says and what a line expects (both ways: a field the
/// line leaves out must be left out).
fn diff(expected: &Value) -> Vec<String> {
    let text = expected["text"].as_str().unwrap();
    let got = serde_json::to_value(parse(text, &Context::new(today()))).unwrap();
    let mut out = Vec::new();
    for f in FIELDS {
        if got.get(f) != expected.get(f) {
            out.push(format!(
                "{f}: got {:?}, want {:?}",
                got.get(f),
                expected.get(f)
            ));
        }
    }
    let none = Value::Array(Vec::new());
    let (g, w) = (
        got.get("items").unwrap_or(&none).as_array().unwrap(),
        expected.get("items").unwrap_or(&none).as_array().unwrap(),
    );
    if g.len() != w.len() {
        out.push(format!("items: got {g:?}, want {w:?}"));
    } else {
        for (a, b) in g.iter().zip(w) {
            for f in ITEM_FIELDS {
                if a.get(f) != b.get(f) {
                    out.push(format!("item {f}: got {:?}, want {:?}", a.get(f), b.get(f)));
                }
            }
        }
    }
    out.into_iter().map(|d| format!("{text:?}: {d}")).collect()
}

fn lines(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn check_all(path: PathBuf) {
    let all = lines(&path);
    let problems: Vec<String> = all.iter().flat_map(diff).collect();
    assert!(
        problems.is_empty(),
        "{} of {} lines of {} wrong:\n{}",
        problems.len(),
        all.len(),
        path.display(),
        problems.join("\n")
    );
}

#[test]
fn public_examples() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/nlu/examples.jsonl");
    if !path.exists() {
        eprintln!("../shared/nlu/examples.jsonl is not beside the project: conformance skipped");
        return;
    }
    check_all(path);
}

#[test]
fn own_corpus() {
    check_all(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus.jsonl"));
}

struct Shop;
impl Catalog for Shop {
    fn product(&self, words: &str) -> Option<KnownProduct> {
        let p = |id, name: &str, unit: &str, price| KnownProduct {
            id,
            name: name.into(),
            unit: unit.into(),
            price: rust_decimal::Decimal::from(price),
        };
        match words {
            "gula" | "gula pasir" => Some(p(1, "Gula Pasir", "kg", 16_000)),
            "brs" | "beras" => Some(p(2, "Beras Pulen", "kg", 12_000)),
            _ => None,
        }
    }
}

#[test]
fn a_catalog_names_products_and_tells_a_total_from_a_unit_price() {
    let ctx = Context::with_catalog(today(), &Shop);
    let c = parse("jual 3 kg gula 48rb", &ctx);
    let i = &c.items[0];
    assert_eq!(
        (i.product_id, i.total.map(|t| t.to_string()), i.unit_price),
        (Some(1), Some("48000".into()), None),
        "48rb for 3 kg of a 16rb product is the total"
    );
    let c = parse("jual brs 2 kg 12rb", &ctx);
    assert_eq!(
        (
            c.items[0].product_name.as_deref(),
            c.items[0].unit_price.map(|t| t.to_string())
        ),
        (Some("Beras Pulen"), Some("12000".into()))
    );
}

#[test]
fn dates_follow_today() {
    let c = parse("kemarin bayar listrik 150rb", &Context::new(today()));
    assert_eq!(
        (c.date, c.category),
        (NaiveDate::from_ymd_opt(2026, 11, 20), Some("utilities"))
    );
    let c = parse("tgl 25 beli gula 10 kg total 150rb", &Context::new(today()));
    assert_eq!(
        c.date,
        NaiveDate::from_ymd_opt(2026, 10, 25),
        "a day not yet come this month is last month's"
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s, &Context::new(today()));
    }

    #[test]
    fn never_panics_on_shop_like_noise(s in "[a-z0-9 .,@/rbjtk?]{0,80}") {
        let c = parse(&s, &Context::new(today()));
        proptest::prop_assert!((0.0..=1.0).contains(&c.confidence));
    }
}

/// A blind set: 150 messages a helper wrote without seeing the rules (tests/blind.jsonl;
/// "debatable" lines left out, fields named in "skip" not scored). Prints the accuracy and
/// holds its floor. It was blind when written (85.1 % / 86.1 %); its failures have since been
/// worked on (now 100 % / 100 %), so it guards against regressions and no longer measures
/// unseen text.
#[test]
fn blind_set_accuracy_does_not_fall() {
    let (ia, fa) = score("blind.jsonl");
    assert!(
        ia >= 0.99 && fa >= 0.99,
        "accuracy fell: intents {ia:.3}, fields {fa:.3}"
    );
}

/// A second blind set (tests/blind2.jsonl, 150 messages by another helper who saw neither
/// the rules nor the first set), scored once before any rule was changed for it: 92.7 %
/// intents, 94.6 % fields — the honest figure on unseen text at the time. Its failures were
/// then worked on with general rules (now 100 % / 100 %); like the first, it now guards
/// against regressions.
#[test]
fn second_blind_set_accuracy_does_not_fall() {
    let (ia, fa) = score("blind2.jsonl");
    assert!(
        ia >= 0.99 && fa >= 0.99,
        "accuracy fell: intents {ia:.3}, fields {fa:.3}"
    );
}

/// A third blind set (tests/blind3.jsonl, 200 messages — 117 Indonesian, 51 Javanese, 32
/// Sundanese — by a third helper who saw only the contract and the public examples), scored
/// before any rule was changed for it: 93.5 % intents, 95.0 % fields on unseen text. Its
/// failures were then worked on with general rules (now 100 % / 100 %); it guards against
/// regressions from here on.
#[test]
fn third_blind_set_accuracy_does_not_fall() {
    let (ia, fa) = score("blind3.jsonl");
    assert!(
        ia >= 0.99 && fa >= 0.99,
        "accuracy fell: intents {ia:.3}, fields {fa:.3}"
    );
}

/// A fourth blind set (tests/blind4.jsonl, 200 messages by a helper writing as five people —
/// a Javanese warung grandmother, a Jakarta cashier, a Sundanese vegetable seller, a rice and
/// egg supplier, a farmer — who saw only the contract and the public examples), scored before
/// any rule was changed for it: 95.5 % intents, 89.3 % fields on unseen text. Its failures
/// were then worked on with general rules (now 100 % / 99.8 %); it guards against
/// regressions from here on, and the next measure on unseen text needs a fifth set.
#[test]
fn fourth_blind_set_accuracy_does_not_fall() {
    let (ia, fa) = score("blind4.jsonl");
    assert!(
        ia >= 0.99 && fa >= 0.99,
        "accuracy fell: intents {ia:.3}, fields {fa:.3}"
    );
}

/// A fifth blind set (tests/blind5.jsonl, 150 messages by a helper writing as a Padang
/// restaurant, a Betawi grocer, a Javanese tempe maker, a Sundanese kiosk and a gas and
/// phone-credit reseller, who saw only the contract and the public examples), scored before
/// any rule was changed for it: 98.0 % intents, 96.5 % fields on unseen text — the 97 / 95
/// goal met. Held at that floor.
#[test]
fn fifth_blind_set_accuracy_does_not_fall() {
    let (ia, fa) = score("blind5.jsonl");
    assert!(
        ia >= 0.979 && fa >= 0.964,
        "accuracy fell: intents {ia:.3}, fields {fa:.3}"
    );
}

/// Intent and field accuracy of one set, printed.
fn score(name: &str) -> (f64, f64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name);
    let (mut intents, mut intents_ok, mut fields, mut fields_ok) = (0, 0, 0, 0);
    for want in lines(&path) {
        if want.get("debatable").is_some() {
            continue;
        }
        let skip: Vec<&str> = want
            .get("skip")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let got = serde_json::to_value(parse(
            want["text"].as_str().unwrap(),
            &Context::new(today()),
        ))
        .unwrap();
        intents += 1;
        intents_ok += usize::from(got["intent"] == want["intent"]);
        // SHOW_MISSES=1 cargo test -p pasar-intent -- --nocapture: each line that differs.
        if std::env::var_os("SHOW_MISSES").is_some() && !diff(&want).is_empty() {
            println!("  {}", diff(&want).join("\n  "));
        }
        for f in FIELDS.iter().filter(|f| **f != "intent") {
            if let Some(w) = want.get(*f) {
                fields += 1;
                fields_ok += usize::from(got.get(*f) == Some(w));
            }
        }
        let none = Vec::new();
        let got_items = got.get("items").and_then(Value::as_array).unwrap_or(&none);
        for (k, w) in want
            .get("items")
            .and_then(Value::as_array)
            .unwrap_or(&none)
            .iter()
            .enumerate()
        {
            for f in ITEM_FIELDS {
                if skip.contains(&format!("items.{f}").as_str()) {
                    continue;
                }
                if let Some(wv) = w.get(f) {
                    fields += 1;
                    fields_ok += usize::from(got_items.get(k).and_then(|g| g.get(f)) == Some(wv));
                }
            }
        }
    }
    let (ia, fa) = (
        intents_ok as f64 / intents as f64,
        fields_ok as f64 / fields as f64,
    );
    println!(
        "{name}: intents {intents_ok}/{intents} = {:.1} %, fields {fields_ok}/{fields} = {:.1} % (goal 97 % / 95 %)",
        ia * 100.0,
        fa * 100.0
    );
    (ia, fa)
}

proptest::proptest! {
    /// A proposal from outside (the online assistant) is refused or read, never a panic,
    /// and what is read is always low-confidence with positive, bounded figures.
    #[test]
    fn any_proposal_is_read_or_refused(
        intent in "(sale|expense|debt|stock_adjust|report|[a-z_]{0,12})",
        product in "\\PC{0,30}",
        qty in "(-?[0-9.,e]{0,12}|1e30)",
        unit in "\\PC{0,8}",
        amount in "[0-9.]{0,20}",
        date in "(2026-11-2[0-9]|[0-9-]{0,12})",
    ) {
        let json = serde_json::json!({
            "intent": intent, "items": [{"product": product, "quantity": qty, "unit": unit, "unit_price": amount}],
            "amount": amount, "category": "other", "date": date,
        });
        let p: pasar_intent::Proposal = serde_json::from_value(json).unwrap();
        if let Ok(c) = p.into_command("pesan", &Context::new(today())) {
            proptest::prop_assert!(c.confidence < 0.6);
            for i in &c.items {
                for f in [i.quantity, i.unit_price, i.total].into_iter().flatten() {
                    proptest::prop_assert!(f > rust_decimal::Decimal::ZERO);
                }
            }
        }
    }
}
