//! `pasar nlu` as scripts call it: the JSON contract with no database, and with --db the
//! catalog's product ids and names.

use super::ok_json;
use std::process::Command;

#[test]
fn nlu_needs_no_database_and_prints_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(super::BIN)
        .args(["nlu", "jual 2,5 kg gula @ Rp 15.500", "--json"])
        .env_remove("PASAR_DB")
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intent"], "sale");
    assert_eq!(
        v["items"][0],
        serde_json::json!({"product": "gula", "quantity": "2.5", "unit": "kg", "unit_price": "15500"})
    );
    assert!(v["clarification"].is_null());
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no database was created"
    );
}

#[test]
fn nlu_with_a_shop_resolves_products_in_its_catalog() {
    let (_dir, db) = super::hostile::shop(); // Beras Pulen, 14rb/kg
    let v = ok_json(&db, &["nlu", "jual 3 kg beras pulen 42rb"]);
    let item = &v["items"][0];
    assert_eq!(item["product_name"], "Beras Pulen");
    assert_eq!(
        (&item["total"], &item["unit_price"]),
        (&serde_json::json!("42000"), &serde_json::Value::Null),
        "42rb for 3 kg of a 14rb product is the line's total"
    );
    let v = ok_json(&db, &["nlu", "laporan kemarin"]);
    assert_eq!(
        (&v["intent"], &v["period"]),
        (&"report".into(), &"yesterday".into())
    );
}
