//! Conformance with ../shared/realsheets: 28 stock lists real shops and POS apps published,
//! with a manifest of where the header is and which products must come out. Read when the
//! folder is beside the project (CI has it); without it this test says so and steps aside.

use std::path::PathBuf;

use pasar_import::{Field, read};
use rust_decimal::Decimal;
use serde_json::Value;

fn dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realsheets");
    d.join("manifest.json").exists().then_some(d)
}

fn dec(v: &Value) -> Option<Decimal> {
    v.as_str()
        .map(|s| s.parse::<Decimal>().expect("manifest decimal").normalize())
}

#[test]
fn every_real_sheet_reads_and_its_samples_come_out_right() {
    let Some(dir) = dir() else {
        eprintln!("../shared/realsheets is not beside the project: conformance skipped");
        return;
    };
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut problems = Vec::new();
    for entry in &manifest {
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let sheet = entry["sheet"].as_str().filter(|s| !s.starts_with('('));
        let (plan, rows) = match read(&bytes, sheet) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("{file}: not read: {e:?}"));
                continue;
            }
        };
        let want_header = entry["header_row"].as_u64().unwrap() as usize;
        if plan.header_row != want_header {
            problems.push(format!(
                "{file}: header row {} (want {want_header})",
                plan.header_row
            ));
            continue;
        }
        let map = &entry["column_map"];
        for (key, field) in [
            ("name", Field::Name),
            ("unit", Field::Unit),
            ("buy", Field::Buy),
            ("sell", Field::Sell),
            ("stock", Field::Stock),
        ] {
            if let Some(want) = map[key].as_str() {
                let got = plan.header_of(field).map(str::trim);
                if got != Some(want.trim()) {
                    problems.push(format!("{file}: {key} column {got:?} (want {want:?})"));
                }
            }
        }
        if let Some(want) = map["code"].as_str() {
            let got = plan
                .header_of(Field::Sku)
                .or(plan.header_of(Field::Barcode))
                .map(str::trim);
            if got != Some(want.trim()) {
                problems.push(format!("{file}: code column {got:?} (want {want:?})"));
            }
        }
        for s in entry["samples"].as_array().unwrap() {
            let n = s["row"].as_u64().unwrap() as usize;
            let Some(r) = rows.iter().find(|r| r.row == n) else {
                problems.push(format!("{file}: row {n} missing"));
                continue;
            };
            // Names are kept trimmed (the shop refuses stray spaces in names).
            if r.name.as_deref() != s["name"].as_str().map(str::trim) {
                problems.push(format!(
                    "{file} row {n}: name {:?} (want {:?})",
                    r.name, s["name"]
                ));
            }
            if let Some(want) = dec(&s["sell"])
                && r.sell != Some(want)
            {
                problems.push(format!("{file} row {n}: sell {:?} (want {want})", r.sell));
            }
            if let Some(want) = dec(&s["stock"])
                && r.stock != Some(want)
            {
                problems.push(format!("{file} row {n}: stock {:?} (want {want})", r.stock));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
