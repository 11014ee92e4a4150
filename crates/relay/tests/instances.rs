//! Two relay instances on one store, as a provider runs them behind a load balancer (on
//! PostgreSQL when the suite runs there; on one SQLite file otherwise): Meta delivering the
//! same webhooks to both at once, desktops reading and sending through either — every event
//! is stored once, numbered without gaps, and every message goes out once.

mod common;

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use pasar_link::client::Client;
use pasar_link::{EventBody, OutboundMessage, OutboundRequest};
use pasar_relay::store::Store;
use pasar_relay::{Config, whatsapp};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "two-instances-secret";
const TOKEN: &str = "EAAG-two-instances";
const PNID: &str = "106500000000777";

/// A Graph API that counts what it was asked to send, per recipient and text.
#[derive(Clone, Default)]
struct Graph {
    sent: Arc<Mutex<HashMap<String, usize>>>,
}

async fn messages(
    State(g): State<Graph>,
    Path(_pnid): Path<String>,
    Json(b): Json<Value>,
) -> Json<Value> {
    // A send takes a moment, so both instances' senders are busy at once.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let text = b["text"]["body"].as_str().unwrap_or_default().to_string();
    let n = {
        let mut sent = g.sent.lock().unwrap();
        *sent.entry(text).or_default() += 1;
        sent.values().sum::<usize>()
    };
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": b["to"], "wa_id": b["to"]}],
        "messages": [{"id": format!("wamid.TWO.{n:05}")}],
    }))
}

/// One relay instance on `store`, serving until the test ends.
async fn instance(store: Arc<dyn Store>, graph: &str) -> String {
    let config = Config {
        whatsapp_app_secret: Some(SECRET.into()),
        whatsapp_access_token: Some(TOKEN.into()),
        whatsapp_graph_url: Some(graph.into()),
        ..Config::default()
    };
    common::serve(store, config).await
}

fn message(n: usize, at: i64) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "880011223344", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100007777", "phone_number_id": PNID},
            "contacts": [{"profile": {"name": "Pelanggan"}, "wa_id": "6281300000000"}],
            "messages": [{"from": "6281300000000", "id": format!("wamid.BOTH.{n:05}"),
                          "timestamp": at.to_string(), "type": "text",
                          "text": {"body": format!("pesan {n}")}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

async fn deliver(http: &reqwest::Client, base: &str, body: &[u8]) -> u16 {
    http.post(format!("{base}/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            whatsapp::signature(SECRET.as_bytes(), body),
        )
        .body(body.to_vec())
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_store_store_each_event_once_and_send_each_message_once() {
    let graph = Graph::default();
    let app = Router::new()
        .route("/v24.0/{pnid}/messages", post(messages))
        .with_state(graph.clone());
    let graph_base = format!("{}/v24.0", common::fake(app).await);

    // Two instances, each with its own connection(s) to the same storage.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.db");
    let (store_a, store_b) = (common::store(&path), common::store(&path));
    let a = instance(store_a.clone(), &graph_base).await;
    let b = instance(store_b.clone(), &graph_base).await;
    let (shop, on_a, token) = common::paired(store_a.as_ref(), &a, "Toko Dua Pintu").await;
    store_b.set_whatsapp_number(shop, PNID).unwrap();
    let on_b = Client::new(&b).unwrap().with_token(&token);

    // A desktop waiting on B hears of a message delivered to A.
    let now = chrono::Utc::now().timestamp();
    let waiting = {
        let on_b = on_b.clone();
        tokio::spawn(async move { on_b.events(0, Duration::from_secs(20)).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let http = reqwest::Client::new();
    assert_eq!(deliver(&http, &a, &message(0, now)).await, 200);
    let first = waiting.await.unwrap();
    assert_eq!(first.events.len(), 1, "{first:?}");
    assert_eq!(first.events[0].seq, 1);

    // Meta delivers 300 messages, each to both instances at the same moment.
    const N: usize = 300;
    let mut flood = tokio::task::JoinSet::new();
    for lane in 0..6 {
        let (http, a, b) = (http.clone(), a.clone(), b.clone());
        flood.spawn(async move {
            for n in (1..=N).filter(|n| n % 6 == lane) {
                let body = message(n, now);
                let (x, y) = tokio::join!(deliver(&http, &a, &body), deliver(&http, &b, &body));
                assert_eq!((x, y), (200, 200), "message {n}");
            }
        });
    }
    while let Some(r) = flood.join_next().await {
        r.unwrap();
    }
    // Read through either instance: N + 1 events, numbered 1… without a gap, each once.
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let reader = if after % 2 == 0 { &on_a } else { &on_b };
        let page = reader.events(after, Duration::ZERO).await.unwrap();
        if page.events.is_empty() {
            break;
        }
        after = page.next;
        events.extend(page.events);
    }
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=(N as i64 + 1)).collect::<Vec<_>>());
    let mut ids: Vec<String> = events
        .iter()
        .map(|e| match &e.body {
            EventBody::WhatsappMessage(m) => m.id.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N + 1, "every message once");

    // Desktops queue 60 replies through both instances (each also retried on the other):
    // both senders run, and each reply reaches WhatsApp once.
    const M: usize = 60;
    let mut queue = tokio::task::JoinSet::new();
    for k in 0..M {
        let (first, second) = if k % 2 == 0 {
            (on_a.clone(), on_b.clone())
        } else {
            (on_b.clone(), on_a.clone())
        };
        queue.spawn(async move {
            let req = OutboundRequest {
                key: format!("reply-{k}"),
                to: "+6281300000000".into(),
                message: OutboundMessage::Text {
                    body: format!("balasan {k}"),
                    preview_url: false,
                },
            };
            first.send_message(&req).await.unwrap();
            second.send_message(&req).await.unwrap();
        });
    }
    while let Some(r) = queue.join_next().await {
        r.unwrap();
    }
    // Each reply's result reaches the desktop once, whichever instance sent it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut results: HashMap<String, usize> = HashMap::new();
    while results.len() < M || results.values().any(|n| *n != 1) {
        assert!(
            std::time::Instant::now() < deadline,
            "results so far: {results:?}"
        );
        let page = on_b.events(after, Duration::from_secs(1)).await.unwrap();
        after = page.next;
        for e in page.events {
            match e.body {
                EventBody::WhatsappOutbound(r) => {
                    assert_eq!(r.state, "sent", "{r:?}");
                    *results.entry(r.key).or_default() += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if results.len() == M {
            // Anything more would be a second result for one reply.
            let extra = on_a
                .events(after, Duration::from_millis(500))
                .await
                .unwrap();
            assert!(extra.events.is_empty(), "{:?}", extra.events);
            break;
        }
    }
    assert!(results.values().all(|n| *n == 1), "{results:?}");
    let sent = graph.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), M, "{sent:?}");
    assert!(
        sent.values().all(|n| *n == 1),
        "a reply went twice: {sent:?}"
    );
}

/// After PostgreSQL drops every connection (a restart, a failover), the relay's next
/// requests are served, not failed once per pooled connection (they answered 503, /healthz
/// included, until each dead connection had been tried).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_database_dropped_are_replaced_unseen() {
    let Some(server) = common::postgres_server() else {
        eprintln!("PASAR_RELAY_TEST_PG is not set: PostgreSQL only, skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.db");
    let store = common::store(&path);
    let base = instance(store.clone(), "http://127.0.0.1:9").await;
    let http = reqwest::Client::new();
    // Warm several connections.
    let mut warm = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, base) = (http.clone(), base.clone());
        warm.spawn(async move {
            http.get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    while let Some(s) = warm.join_next().await {
        assert_eq!(s.unwrap().as_u16(), 200);
    }
    // Every connection to this database is cut.
    let db = common::db(&path);
    let cut = std::thread::spawn(move || {
        let mut c =
            postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls).unwrap();
        let name = db.rsplit('/').next().unwrap().to_string();
        c.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&name],
        )
        .unwrap()
        .len()
    })
    .join()
    .unwrap();
    assert!(cut > 0);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for _ in 0..20 {
        let s = http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s.as_u16(), 200);
    }
}

/// A Midtrans that takes its time to create a QRIS charge and counts the charges asked.
#[derive(Clone, Default)]
struct Midtrans {
    charges: Arc<Mutex<usize>>,
}

async fn charge(State(m): State<Midtrans>, Json(b): Json<Value>) -> Json<Value> {
    *m.charges.lock().unwrap() += 1;
    // Long enough that every request arrives while the first is still waiting.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let order = b["transaction_details"]["order_id"].as_str().unwrap();
    let gross = b["transaction_details"]["gross_amount"].as_i64().unwrap();
    Json(json!({
        "status_code": "201", "status_message": "QRIS transaction is created",
        "transaction_id": format!("tx-{order}"), "order_id": order, "merchant_id": "G000111222",
        "gross_amount": format!("{gross}.00"), "currency": "IDR", "payment_type": "qris",
        "transaction_time": "2026-11-22 09:15:00", "transaction_status": "pending",
        "fraud_status": "accept", "acquirer": "gopay",
        "qr_string": format!("00020101021226QRIS-{order}-{gross}"),
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_payment_is_asked_of_midtrans_once_whichever_instance_is_asked() {
    let midtrans = Midtrans::default();
    let fake = common::fake(
        Router::new()
            .route("/v2/charge", post(charge))
            .with_state(midtrans.clone()),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("relay.db");
    let config = || Config {
        midtrans_server_key: Some("SB-Mid-server-two-instances".into()),
        midtrans_base_url: Some(fake.clone()),
        ..Config::default()
    };
    // Two instances, each with its own connection(s) to the one database.
    let a = common::serve(common::store(&path), config()).await;
    let b = common::serve(common::store(&path), config()).await;
    let store = common::store(&path);
    let (_, desktop_a, token) = common::paired(store.as_ref(), &a, "Warung Bu Sri").await;
    let desktop_b = Client::new(&b).unwrap().with_token(&token);

    // The cashier's laptop retries impatiently through the load balancer: six requests
    // for one payment, three to each instance, all at once.
    let req = pasar_link::PaymentRequest {
        reference: "S-2026-0042".into(),
        amount: 60_000,
        method: pasar_link::PaymentMethod::Qris,
        customer_name: None,
        customer_phone: None,
    };
    let mut asks = Vec::new();
    for i in 0..6 {
        let c = if i % 2 == 0 {
            desktop_a.clone()
        } else {
            desktop_b.clone()
        };
        let r = req.clone();
        asks.push(tokio::spawn(async move { c.create_payment(&r).await }));
    }
    let mut qr = Vec::new();
    for a in asks {
        let made = a.await.unwrap().expect("every request gets the payment");
        qr.push(made.qr_string.expect("a QRIS string"));
    }
    qr.dedup();
    assert_eq!(
        qr,
        vec!["00020101021226QRIS-ps1-S-2026-0042-60000".to_string()]
    );
    assert_eq!(
        *midtrans.charges.lock().unwrap(),
        1,
        "one charge asked of Midtrans for one payment"
    );
}
