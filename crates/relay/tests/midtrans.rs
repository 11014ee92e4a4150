//! Payments through the relay against a local fake of Midtrans that speaks its wire format
//! (Basic auth with the server key, Idempotency-Key, the charge and Snap bodies and answers),
//! and notifications signed (and forged) as Midtrans signs them.

mod common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use pasar_link::client::{Client, LinkError};
use pasar_link::{EventBody, PaymentMethod, PaymentRequest};
use pasar_relay::store::Store;
use pasar_relay::{Config, midtrans};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const RELAY_KEY: &str = "SB-Mid-server-relay-TEST";
const SHOP_KEY: &str = "SB-Mid-server-shop-OWN";
/// The relay's RELAY_SECRET_KEY in these tests.
const SEAL: &str = "5f0c1e9a7b3d4c2e8f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<(String, HeaderMap, Value)>>>,
    /// Answer every call with 401 (a wrong key).
    refuse: Arc<Mutex<bool>>,
    /// Each transaction as Midtrans has it (what GET status answers).
    tx: Arc<Mutex<HashMap<String, Value>>>,
    /// Status questions asked, per order.
    asked: Arc<Mutex<HashMap<String, usize>>>,
    /// Cancel answers 412 for a pending QRIS (it only lets them expire).
    no_cancel: Arc<Mutex<bool>>,
}

impl Fake {
    /// Midtrans's transaction moves (the customer paid, or it lapsed), with no notification.
    fn set(&self, order: &str, status: &str, code: &str, gross: &str) {
        let mut tx = self.tx.lock().unwrap();
        let t = tx.entry(order.to_string()).or_insert_with(|| {
            json!({"order_id": order, "transaction_id": format!("tx-{order}"),
                   "payment_type": "qris", "fraud_status": "accept", "currency": "IDR",
                   "merchant_id": "G000111222", "transaction_time": "2026-11-22 09:15:00"})
        });
        t["transaction_status"] = json!(status);
        t["status_code"] = json!(code);
        t["gross_amount"] = json!(gross);
        t["status_message"] = json!("Success, transaction is found");
    }

    fn asked(&self, order: &str) -> usize {
        self.asked.lock().unwrap().get(order).copied().unwrap_or(0)
    }
}

async fn status(
    State(f): State<Fake>,
    Path(order): Path<String>,
    h: HeaderMap,
) -> (StatusCode, Json<Value>) {
    // The relay's key, or the shop's own for its orders.
    let auth = h["authorization"].to_str().unwrap();
    assert!(
        auth == basic(RELAY_KEY) || auth == basic(SHOP_KEY),
        "{auth}"
    );
    *f.asked.lock().unwrap().entry(order.clone()).or_default() += 1;
    match f.tx.lock().unwrap().get(&order) {
        Some(t) => (StatusCode::OK, Json(t.clone())),
        None => (
            StatusCode::NOT_FOUND,
            Json(
                json!({"status_code": "404", "status_message": "The requested resource is not found"}),
            ),
        ),
    }
}

/// POST /v2/{order}/cancel and /expire: only a pending transaction ends; a settled one is
/// 412, an unknown one 404.
async fn end(
    State(f): State<Fake>,
    Path((order, verb)): Path<(String, String)>,
) -> (StatusCode, Json<Value>) {
    f.seen
        .lock()
        .unwrap()
        .push((verb.clone(), HeaderMap::new(), json!(order)));
    let mut all = f.tx.lock().unwrap();
    let Some(t) = all.get_mut(&order) else {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"status_code": "404", "status_message": "The requested resource is not found"}),
            ),
        );
    };
    let pending = t["transaction_status"] == "pending";
    if !pending || (verb == "cancel" && *f.no_cancel.lock().unwrap()) {
        return (
            StatusCode::OK,
            Json(
                json!({"status_code": "412", "status_message": "Merchant cannot modify the status of the transaction"}),
            ),
        );
    }
    let (status, message) = if verb == "cancel" {
        ("cancel", "Success, transaction is canceled")
    } else {
        ("expire", "Success, transaction is expired")
    };
    t["transaction_status"] = json!(status);
    t["status_code"] = json!("407");
    let mut answer = t.clone();
    answer["status_code"] = json!("200");
    answer["status_message"] = json!(message);
    (StatusCode::OK, Json(answer))
}

fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        pasar_relay::media::base64(format!("{key}:").as_bytes())
    )
}

async fn charge(
    State(f): State<Fake>,
    h: HeaderMap,
    Json(b): Json<Value>,
) -> (StatusCode, Json<Value>) {
    f.seen.lock().unwrap().push(("charge".into(), h, b.clone()));
    if *f.refuse.lock().unwrap() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"status_code": "401", "status_message": "Access denied due to unauthorized transaction, please check client or server key"}),
            ),
        );
    }
    let order = b["transaction_details"]["order_id"]
        .as_str()
        .unwrap()
        .to_string();
    let gross = b["transaction_details"]["gross_amount"].as_i64().unwrap();
    f.set(&order, "pending", "201", &format!("{gross}.00"));
    (
        StatusCode::OK,
        Json(json!({
            "status_code": "201", "status_message": "QRIS transaction is created",
            "transaction_id": format!("tx-{order}"), "order_id": order, "merchant_id": "G000111222",
            "gross_amount": format!("{gross}.00"), "currency": "IDR", "payment_type": "qris",
            "transaction_time": "2026-11-22 09:15:00", "transaction_status": "pending",
            "fraud_status": "accept", "acquirer": "gopay",
            "actions": [{"name": "generate-qr-code", "method": "GET", "url": "https://example.invalid/qr"}],
            "qr_string": format!("00020101021226QRIS-{order}-{gross}"),
        })),
    )
}

async fn snap(
    State(f): State<Fake>,
    h: HeaderMap,
    Json(b): Json<Value>,
) -> (StatusCode, Json<Value>) {
    f.seen.lock().unwrap().push(("snap".into(), h, b));
    (
        StatusCode::CREATED,
        Json(json!({"token": "5c2b7d0e-1111-2222-3333-444455556666",
                    "redirect_url": "https://app.sandbox.midtrans.com/snap/v3/redirection/5c2b7d0e-1111-2222-3333-444455556666"})),
    )
}

struct World {
    base: String,
    store: Arc<dyn Store>,
    fake: Fake,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let fake = Fake::default();
    let app = Router::new()
        .route("/v2/charge", post(charge))
        .route("/snap/v1/transactions", post(snap))
        .route("/v2/{order}/status", get(status))
        .route("/v2/{order}/{verb}", post(end))
        .with_state(fake.clone());
    let fake_base = common::fake(app).await;

    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let config = Config {
        midtrans_server_key: Some(RELAY_KEY.into()),
        midtrans_base_url: Some(fake_base),
        payment_first_check: Some(Duration::from_millis(300)),
        relay_secret_key: Some(SEAL.into()),
        ..Config::default()
    };
    let base = common::serve(store.clone(), config).await;
    World {
        base,
        store,
        fake,
        _dir: dir,
    }
}

impl World {
    async fn device(&self, name: &str) -> (i64, Client) {
        let (id, client, _) = common::paired(self.store.as_ref(), &self.base, name).await;
        (id, client)
    }

    async fn notify(&self, n: &Value) -> u16 {
        reqwest::Client::new()
            .post(format!("{}/webhooks/midtrans", self.base))
            .header("content-type", "application/json")
            .header("user-agent", "Veritrans")
            .body(n.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

fn request(reference: &str, amount: i64, method: PaymentMethod) -> PaymentRequest {
    PaymentRequest {
        reference: reference.into(),
        amount,
        method,
        customer_name: Some("Bu Sri".into()),
        customer_phone: Some("081234567890".into()),
    }
}

/// A notification as Midtrans sends it, signed with `key`.
fn notification(order: &str, status: &str, code: &str, fraud: Option<&str>, key: &str) -> Value {
    notification_of(order, status, code, fraud, key, "35000.00")
}

/// The same, for a payment of another amount.
fn notification_of(
    order: &str,
    status: &str,
    code: &str,
    fraud: Option<&str>,
    key: &str,
    gross: &str,
) -> Value {
    let mut n = json!({
        "transaction_type": "on-us", "transaction_time": "2026-11-22 09:15:00",
        "transaction_status": status, "transaction_id": format!("tx-{order}"),
        "status_message": "midtrans payment notification", "status_code": code,
        "payment_type": "qris", "order_id": order, "merchant_id": "G000111222",
        "gross_amount": gross, "currency": "IDR", "acquirer": "gopay", "issuer": "gopay",
        "signature_key": midtrans::signature(order, code, gross, key),
    });
    if let Some(f) = fraud {
        n["fraud_status"] = json!(f);
    }
    n
}

async fn payment_states(c: &Client) -> Vec<String> {
    c.events(0, Duration::ZERO)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter_map(|e| match e.body {
            EventBody::Payment(p) => Some(p.state),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qris_payment_is_created_once_and_paid_once() {
    let w = world().await;
    let (shop, dev) = w.device("Warung Bu Sri").await;
    let made = dev
        .create_payment(&request("sale-1001", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    let order = format!("ps{shop}-sale-1001");
    assert_eq!(made.order_id, order);
    assert_eq!(made.state, "pending");
    assert!(made.qr_string.as_deref().unwrap().contains(&order));
    {
        let seen = w.fake.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let (what, h, b) = &seen[0];
        assert_eq!(what, "charge");
        assert_eq!(
            h["authorization"],
            basic(RELAY_KEY).as_str(),
            "Basic auth with the server key"
        );
        assert_eq!(h["idempotency-key"], order.as_str());
        assert_eq!(b["payment_type"], "qris");
        assert_eq!(b["transaction_details"]["gross_amount"], 35_000);
    }
    // Asked again (a retry after a lost answer): the same payment, no second charge.
    let again = dev
        .create_payment(&request("sale-1001", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    assert_eq!(again, made);
    assert_eq!(w.fake.seen.lock().unwrap().len(), 1);
    // The same reference for another amount is refused.
    assert!(matches!(
        dev.create_payment(&request("sale-1001", 40_000, PaymentMethod::Qris))
            .await,
        Err(LinkError::Refused { status: 409, .. })
    ));

    // Forged (wrong key, or altered amount): 401, nothing applied.
    assert_eq!(
        w.notify(&notification(
            &order,
            "settlement",
            "200",
            Some("accept"),
            "guess"
        ))
        .await,
        401
    );
    let mut altered = notification(&order, "settlement", "200", Some("accept"), RELAY_KEY);
    altered["gross_amount"] = json!("1.00");
    assert_eq!(w.notify(&altered).await, 401);
    // Signed with the key but for another amount: not this payment, not applied.
    altered["signature_key"] = json!(midtrans::signature(&order, "200", "1.00", RELAY_KEY));
    assert_eq!(w.notify(&altered).await, 409);
    assert!(payment_states(&dev).await.is_empty());

    // The pending notification replayed as a "failure" or a review (the same status_code,
    // the signature does not cover the status): Midtrans's status API says pending, so
    // nothing moves and the real settlement still lands.
    w.fake.set(&order, "pending", "201", "35000.00");
    let pending = notification(&order, "pending", "201", Some("accept"), RELAY_KEY);
    for (status, fraud) in [("failure", None), ("capture", Some("challenge"))] {
        let mut replay = pending.clone();
        replay["transaction_status"] = json!(status);
        if let Some(f) = fraud {
            replay["fraud_status"] = json!(f);
        }
        assert_eq!(w.notify(&replay).await, 503, "{status}");
    }
    assert!(payment_states(&dev).await.is_empty());
    // Settlement, its repeat, then a late pending: paid, once.
    let paid = notification(&order, "settlement", "200", Some("accept"), RELAY_KEY);
    assert_eq!(w.notify(&paid).await, 200);
    assert_eq!(w.notify(&paid).await, 200);
    assert_eq!(
        w.notify(&notification(
            &order,
            "pending",
            "201",
            Some("accept"),
            RELAY_KEY
        ))
        .await,
        200
    );
    assert_eq!(payment_states(&dev).await, vec!["paid"]);
    assert_eq!(w.store.payment(&order).unwrap().unwrap().state, "paid");
    // The settlement notification replayed with its status edited to "refund": the signature
    // still matches (status_code 200 fits both), so the relay asks Midtrans, which says the
    // payment is settled — nothing moves back.
    w.fake.set(&order, "settlement", "200", "35000.00");
    let mut replayed = paid.clone();
    replayed["transaction_status"] = json!("refund");
    let asked = w.fake.asked(&order);
    assert_eq!(
        w.notify(&replayed).await,
        503,
        "not confirmed: Midtrans may send it again"
    );
    assert_eq!(w.fake.asked(&order), asked + 1, "asked the status API");
    assert_eq!(payment_states(&dev).await, vec!["paid"]);
    assert_eq!(w.store.payment(&order).unwrap().unwrap().state, "paid");
    // A real refund later: Midtrans confirms it, and it is news, once.
    w.fake.set(&order, "refund", "200", "35000.00");
    let refund = notification(&order, "refund", "200", None, RELAY_KEY);
    assert_eq!(w.notify(&refund).await, 200);
    assert_eq!(w.notify(&refund).await, 200);
    assert_eq!(payment_states(&dev).await, vec!["paid", "refunded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shops_own_key_links_and_foreign_orders() {
    let w = world().await;
    let (shop, dev) = w.device("Toko Makmur").await;
    // Kept sealed, as `shop set` stores it.
    let sealer = pasar_relay::secrets::Sealer::from_hex(SEAL).unwrap();
    let sealed = sealer.seal(
        &pasar_relay::secrets::midtrans_context(shop),
        SHOP_KEY.as_bytes(),
    );
    w.store.set_midtrans_key(shop, &sealed).unwrap();
    let made = dev
        .create_payment(&request("inv-7", 120_000, PaymentMethod::Link))
        .await
        .unwrap();
    assert!(
        made.redirect_url
            .as_deref()
            .unwrap()
            .contains("/snap/v3/redirection/")
    );
    {
        let seen = w.fake.seen.lock().unwrap();
        let (what, h, b) = seen.last().unwrap();
        assert_eq!(what, "snap");
        assert_eq!(
            h["authorization"],
            basic(SHOP_KEY).as_str(),
            "the shop's own key"
        );
        assert_eq!(b["transaction_details"]["gross_amount"], 120_000);
        assert_eq!(b["customer_details"]["first_name"], "Bu Sri");
    }
    // Signed with the relay's key, not the shop's: a forgery for this shop's order.
    let order = made.order_id.clone();
    let mut n = notification_of(
        &order,
        "settlement",
        "200",
        Some("accept"),
        RELAY_KEY,
        "120000.00",
    );
    assert_eq!(w.notify(&n).await, 401);
    n = notification_of(
        &order,
        "capture",
        "201",
        Some("challenge"),
        SHOP_KEY,
        "120000.00",
    );
    // A review is believed as Midtrans's status API (asked with the shop's key) tells it.
    w.fake.set(&order, "capture", "201", "120000.00");
    w.fake.tx.lock().unwrap().get_mut(&order).unwrap()["fraud_status"] = json!("challenge");
    assert_eq!(w.notify(&n).await, 200);
    assert_eq!(payment_states(&dev).await, vec!["challenge"]);

    // A genuine notification for an order the relay never made: acknowledged, kept aside;
    // an unsigned one: refused.
    assert_eq!(
        w.notify(&notification(
            "other-system-1",
            "settlement",
            "200",
            None,
            RELAY_KEY
        ))
        .await,
        200
    );
    assert_eq!(w.notify(&json!({"order_id": "other-system-1"})).await, 401);
    assert_eq!(w.notify(&json!("not an object")).await, 400);
    assert_eq!(payment_states(&dev).await, vec!["challenge"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn midtrans_saying_no_is_told_and_nothing_is_pending() {
    let w = world().await;
    let (_, dev) = w.device("Kios").await;
    *w.fake.refuse.lock().unwrap() = true;
    let err = dev
        .create_payment(&request("sale-9", 5_000, PaymentMethod::Qris))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 502, code, message } if code == "midtrans_refused" && message.contains("unauthorized")),
        "{err:?}"
    );
    // Fixed (the key corrected): the same reference goes through, with the same order id.
    *w.fake.refuse.lock().unwrap() = false;
    let made = dev
        .create_payment(&request("sale-9", 5_000, PaymentMethod::Qris))
        .await
        .unwrap();
    assert_eq!(made.state, "pending");
    {
        let seen = w.fake.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].1["idempotency-key"], seen[1].1["idempotency-key"]);
    }
    // Bad requests never reach Midtrans.
    for bad in [
        request("bad ref!", 5_000, PaymentMethod::Qris),
        request("ok", 0, PaymentMethod::Qris),
    ] {
        assert!(matches!(
            dev.create_payment(&bad).await,
            Err(LinkError::Refused { status: 400, .. })
        ));
    }
    assert_eq!(w.fake.seen.lock().unwrap().len(), 2);
}

/// Conformance: Midtrans's own published notifications (../shared/fixtures/midtrans, beside the
/// project in CI), re-signed with a test key over their fields exactly as written (their
/// published signatures cannot be checked without Midtrans's key), are accepted and move the
/// payment as their status says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn midtrans_published_notifications_are_applied() {
    let shared = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/midtrans");
    let Ok(dir) = std::fs::read_dir(&shared) else {
        eprintln!("../shared/fixtures/midtrans is not beside the project: conformance skipped");
        return;
    };
    let w = world().await;
    let (shop, dev) = w.device("Toko Konformans").await;
    let mut files: Vec<_> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("notification_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert!(files.len() > 10);
    let mut expected = 0;
    for (i, f) in files.iter().enumerate() {
        let mut n: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        // Each file's order is a payment of this shop (orders repeat across files).
        let order = format!("{}-{i}", n["order_id"].as_str().unwrap());
        n["order_id"] = json!(order);
        let amount: i64 = n["gross_amount"]
            .as_str()
            .and_then(|g| g.split('.').next())
            .and_then(|g| g.parse().ok())
            .unwrap_or_else(|| panic!("{}: gross_amount", f.display()));
        w.store
            .open_payment(
                shop,
                &order,
                &format!("ref-{i}"),
                amount,
                "qris",
                "2026-11-22T00:00:00Z",
            )
            .unwrap();
        let field = |k: &str| {
            n[k].as_str()
                .unwrap_or_else(|| panic!("{}: {k}", f.display()))
                .to_string()
        };
        let sig = midtrans::signature(
            &order,
            &field("status_code"),
            &field("gross_amount"),
            RELAY_KEY,
        );
        let state = midtrans::state(
            &field("transaction_status"),
            n.get("fraud_status").and_then(Value::as_str),
        );
        n["signature_key"] = json!(sig);
        // Midtrans's status API tells the same (a refund or chargeback is applied only as
        // the status API confirms it).
        w.fake.tx.lock().unwrap().insert(order.clone(), n.clone());
        // Every file moves a fresh payment (creating → pending is news too): one event each.
        expected += 1;
        assert_eq!(w.notify(&n).await, 200, "{}", f.display());
        assert_eq!(
            w.store.payment(&order).unwrap().unwrap().state,
            state,
            "{}",
            f.display()
        );
    }
    assert_eq!(payment_states(&dev).await.len(), expected);
}

/// What a hostile pass found, each now refused or single: a blank shop key (it let anyone
/// sign "paid" with an empty key), a status edited into a signed body, five requests for one
/// reference at once (five charges), and a refused charge holding its reference for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_paid_states_and_double_charges_are_not_possible() {
    let w = world().await;
    let (shop, dev) = w.device("Warung Aman").await;
    w.store.set_midtrans_key(shop, "   ").unwrap();
    assert_eq!(w.store.midtrans_key(shop).unwrap(), None, "blank is no key");
    let made = dev
        .create_payment(&request("big-1", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    assert_eq!(
        w.fake.seen.lock().unwrap()[0].1["authorization"],
        basic(RELAY_KEY).as_str(),
        "the relay's key, not an empty one"
    );
    let order = made.order_id;
    assert_eq!(
        w.notify(&notification(
            &order,
            "settlement",
            "200",
            Some("accept"),
            ""
        ))
        .await,
        401
    );

    // A genuine pending notification with its status edited to settlement: the signature
    // still matches (it does not cover the status), the status_code does not.
    let mut edited = notification(&order, "pending", "201", Some("accept"), RELAY_KEY);
    edited["transaction_status"] = json!("settlement");
    assert_eq!(w.notify(&edited).await, 401);
    assert_eq!(w.store.payment(&order).unwrap().unwrap().state, "pending");

    // Five at once for one reference: one charge, one answer for all.
    let before = w.fake.seen.lock().unwrap().len();
    let req = request("conc-1", 20_000, PaymentMethod::Qris);
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let (d, r) = (dev.clone(), req.clone());
            tokio::spawn(async move { d.create_payment(&r).await })
        })
        .collect();
    let mut answers = Vec::new();
    for c in calls {
        answers.push(c.await.unwrap());
    }
    assert_eq!(
        w.fake.seen.lock().unwrap().len(),
        before + 1,
        "charged once"
    );
    let first = answers[0].as_ref().unwrap();
    assert!(answers.iter().all(|a| a.as_ref().unwrap() == first));

    // Refused by Midtrans: the reference is free for a corrected request.
    *w.fake.refuse.lock().unwrap() = true;
    assert!(
        dev.create_payment(&request("typo-1", 15_000_000, PaymentMethod::Qris))
            .await
            .is_err()
    );
    *w.fake.refuse.lock().unwrap() = false;
    let fixed = dev
        .create_payment(&request("typo-1", 150_000, PaymentMethod::Link))
        .await
        .unwrap();
    assert_eq!(fixed.amount, 150_000);
}

/// Waits (up to 10 s) until the device has heard of payment states `want`.
async fn hear(c: &Client, want: &[&str]) {
    for _ in 0..100 {
        if payment_states(c).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(payment_states(c).await, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_notification_is_asked_for_and_applied_once() {
    let w = world().await;
    let (shop, dev) = w.device("Warung Pojok").await;
    // Paid, but Midtrans's notification is late: the relay asks, and the desktop hears.
    dev.create_payment(&request("late-1", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    let order = format!("ps{shop}-late-1");
    w.fake.set(&order, "settlement", "200", "35000.00");
    hear(&dev, &["paid"]).await;
    assert!(w.fake.asked(&order) >= 1);
    // The notification when it comes changes nothing more: one event.
    let n = notification(&order, "settlement", "200", Some("accept"), RELAY_KEY);
    assert_eq!(w.notify(&n).await, 200);
    assert_eq!(payment_states(&dev).await, vec!["paid"]);
    // A settled payment is not asked about again.
    let asked = w.fake.asked(&order);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(w.fake.asked(&order), asked);

    // The notification first, then the status says the same: one event, and no more asking.
    dev.create_payment(&request("late-2", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    let order2 = format!("ps{shop}-late-2");
    let n = notification(&order2, "settlement", "200", Some("accept"), RELAY_KEY);
    assert_eq!(w.notify(&n).await, 200);
    w.fake.set(&order2, "settlement", "200", "35000.00");
    hear(&dev, &["paid", "paid"]).await;
    let asked = w.fake.asked(&order2);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(w.fake.asked(&order2), asked);
    assert_eq!(payment_states(&dev).await, vec!["paid", "paid"]);

    // A status answer for another amount is not this payment: not applied.
    dev.create_payment(&request("late-3", 35_000, PaymentMethod::Qris))
        .await
        .unwrap();
    let order3 = format!("ps{shop}-late-3");
    w.fake.set(&order3, "settlement", "200", "1.00");
    for _ in 0..50 {
        if w.fake.asked(&order3) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(w.fake.asked(&order3) >= 2, "asked, and asked again later");
    assert_eq!(w.store.payment(&order3).unwrap().unwrap().state, "pending");
    assert_eq!(payment_states(&dev).await, vec!["paid", "paid"]);

    // The cashier's "cek pembayaran": asked at once, answered with the news.
    // The status API writes an expired transaction with status_code 407.
    w.fake.set(&order3, "expire", "407", "35000.00");
    let now = dev.payment("late-3", true).await.unwrap();
    assert_eq!(now.state, "expired");
    assert!(now.expires_at.is_some());
    assert_eq!(payment_states(&dev).await, vec!["paid", "paid", "expired"]);
    // Without asking: the stored state.
    assert_eq!(dev.payment("late-3", false).await.unwrap().state, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_cancelled_unless_the_customer_paid_first() {
    let w = world().await;
    let (shop, dev) = w.device("Toko Sembako").await;
    let (_, other) = w.device("Toko Lain").await;
    let qris = |r: &str| request(r, 35_000, PaymentMethod::Qris);

    // The customer pays cash instead: cancelled at Midtrans, the desktop hears it once.
    dev.create_payment(&qris("c-1")).await.unwrap();
    let gone = dev.cancel_payment("c-1").await.unwrap();
    assert_eq!(gone.state, "cancelled");
    assert_eq!(
        w.fake.tx.lock().unwrap()[&format!("ps{shop}-c-1")]["transaction_status"],
        "cancel"
    );
    // Again (a retry): the same answer, Midtrans not asked again.
    let calls = w.fake.seen.lock().unwrap().len();
    assert_eq!(dev.cancel_payment("c-1").await.unwrap().state, "cancelled");
    assert_eq!(w.fake.seen.lock().unwrap().len(), calls);
    hear(&dev, &["cancelled"]).await;

    // Midtrans will not cancel a pending QRIS (412): it is expired instead.
    *w.fake.no_cancel.lock().unwrap() = true;
    dev.create_payment(&qris("c-2")).await.unwrap();
    assert_eq!(dev.cancel_payment("c-2").await.unwrap().state, "expired");
    *w.fake.no_cancel.lock().unwrap() = false;

    // The customer paid a moment before the cancel: the payment stands, and says so.
    dev.create_payment(&qris("c-3")).await.unwrap();
    w.fake
        .set(&format!("ps{shop}-c-3"), "settlement", "200", "35000.00");
    let err = dev.cancel_payment("c-3").await.unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 409, code, .. } if code == "already_paid"),
        "{err:?}"
    );
    assert_eq!(dev.payment("c-3", false).await.unwrap().state, "paid");
    hear(&dev, &["cancelled", "expired", "paid"]).await;

    // A link nobody has opened has no transaction at Midtrans yet: told plainly.
    dev.create_payment(&request("l-1", 35_000, PaymentMethod::Link))
        .await
        .unwrap();
    let err = dev.cancel_payment("l-1").await.unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 409, code, .. } if code == "not_started"),
        "{err:?}"
    );
    assert_eq!(dev.payment("l-1", true).await.unwrap().state, "pending");

    // Unknown references, and another shop's, are not found.
    for (c, r) in [(&dev, "nope"), (&other, "c-1")] {
        for err in [
            c.cancel_payment(r).await.unwrap_err(),
            c.payment(r, true).await.unwrap_err(),
        ] {
            assert!(
                matches!(&err, LinkError::Refused { status: 404, code, .. } if code == "unknown_payment"),
                "{err:?}"
            );
        }
    }
    assert_eq!(dev.payment("c-1", false).await.unwrap().state, "cancelled");
    // A reference that could reach another path is refused before anything is looked up.
    assert!(matches!(
        dev.payment("../../v1/events", false).await,
        Err(LinkError::Refused {
            status: 400 | 404,
            ..
        })
    ));
}

/// A cancel that finds a payment still "creating" and Midtrans knowing nothing of it: while a
/// creator (on any instance) may still be asking Midtrans, the payment is left alone (it was
/// forgotten, and the charge that then landed belonged to nothing); one left creating long
/// ago is forgotten and its reference freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_still_being_created_elsewhere_is_not_forgotten_by_a_cancel() {
    let w = world().await;
    let (shop, dev) = w.device("Toko Dua Kasir").await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let busy = format!("ps{shop}-dua-1");
    w.store
        .open_payment(shop, &busy, "dua-1", 20_000, "qris", &now)
        .unwrap();
    match dev.cancel_payment("dua-1").await {
        Err(LinkError::Refused {
            status: 409, code, ..
        }) => assert_eq!(code, "creating"),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.store.payment(&busy).unwrap().unwrap().state, "creating");

    let old = format!("ps{shop}-lama-1");
    w.store
        .open_payment(
            shop,
            &old,
            "lama-1",
            20_000,
            "qris",
            "2026-01-01T00:00:00.000Z",
        )
        .unwrap();
    let gone = dev.cancel_payment("lama-1").await.unwrap();
    assert_eq!(gone.state, "cancelled");
    assert!(w.store.payment(&old).unwrap().is_none());
}
