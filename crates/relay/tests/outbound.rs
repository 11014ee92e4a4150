//! Messages to customers through the relay's durable queue, against a local fake of the
//! WhatsApp Cloud API (Graph) that answers as Meta does: a wamid, or an error object with a
//! code — rate limits retried, a closed window reported back, nothing sent twice.

mod common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use pasar_link::client::{Client, LinkError};
use pasar_link::{Choice, EventBody, OutboundMessage, OutboundRequest, OutboundResult};
use pasar_relay::Config;
use pasar_relay::store::{Inbound, Route, Store};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "EAAG-test-access-token";
const PNID: &str = "106500000000001";
const CUSTOMER: &str = "6281234567890";

#[derive(Clone, Default)]
struct Graph {
    seen: Arc<Mutex<Vec<(String, HeaderMap, Value)>>>,
    /// Answers to give first (status, body); then every send succeeds.
    script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    /// The texts whose send was answered, in the order the answers went out.
    done: Arc<Mutex<Vec<String>>>,
}

async fn messages(
    State(g): State<Graph>,
    Path(pnid): Path<String>,
    h: HeaderMap,
    Json(b): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let n = {
        let mut seen = g.seen.lock().unwrap();
        seen.push((pnid, h, b.clone()));
        seen.len()
    };
    if let Some((status, body)) = g.script.lock().unwrap().pop_front() {
        return (StatusCode::from_u16(status).unwrap(), Json(body));
    }
    let text = b["text"]["body"].as_str().unwrap_or_default().to_string();
    if text.starts_with("lambat") {
        // WhatsApp taking its time over one shop's message.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    g.done.lock().unwrap().push(text);
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": b["to"], "wa_id": b["to"]}],
            "messages": [{"id": format!("wamid.OUT.{n:04}")}],
        })),
    )
}

fn graph_error(code: i64, message: &str) -> Value {
    json!({"error": {"message": message, "type": "OAuthException", "code": code,
                     "error_data": {"messaging_product": "whatsapp", "details": message},
                     "fbtrace_id": "AbCdEf123"}})
}

struct World {
    base: String,
    store: Arc<dyn Store>,
    graph: Graph,
    device: Client,
    _dir: tempfile::TempDir,
}

async fn world(window_open: bool) -> World {
    let graph = Graph::default();
    let app = Router::new()
        .route("/v24.0/{pnid}/messages", post(messages))
        .with_state(graph.clone());
    let graph_base = format!("{}/v24.0", common::fake(app).await);

    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let config = Config {
        whatsapp_access_token: Some(TOKEN.into()),
        whatsapp_graph_url: Some(graph_base),
        ..Config::default()
    };
    let base = common::serve(store.clone(), config).await;
    let (shop, device, _) = common::paired(store.as_ref(), &base, "Warung Bu Sri").await;
    store.set_whatsapp_number(shop, PNID).unwrap();
    if window_open {
        customer_wrote(store.as_ref(), PNID, "wamid.IN.1");
    }
    World {
        base,
        store,
        graph,
        device,
        _dir: dir,
    }
}

fn text(key: &str, body: &str) -> OutboundRequest {
    OutboundRequest {
        key: key.into(),
        to: format!("+{CUSTOMER}"),
        message: OutboundMessage::Text {
            body: body.into(),
            preview_url: false,
        },
    }
}

/// Waits (up to `secs`) for the outbound result of `key`.
async fn result(c: &Client, key: &str, secs: u64) -> OutboundResult {
    common::wait_event(c, secs, &format!("result for {key}"), |b| match b {
        EventBody::WhatsappOutbound(r) if r.key == key => Some(r),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_sent_once_in_the_cloud_api_format() {
    let w = world(true).await;
    let accepted = w
        .device
        .send_message(&text("reply-1", "Ada bu, beras pulen 5 kg Rp 70.000"))
        .await
        .unwrap();
    assert_eq!(accepted.state, "queued");
    // The same key again (a retry from the desktop): not a second message.
    w.device
        .send_message(&text("reply-1", "Ada bu, beras pulen 5 kg Rp 70.000"))
        .await
        .unwrap();
    let r = result(&w.device, "reply-1", 10).await;
    assert_eq!((r.state.as_str(), r.attempts), ("sent", 1));
    assert_eq!(r.wamid.as_deref(), Some("wamid.OUT.0001"));
    let seen = w.graph.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "sent once");
    let (pnid, h, b) = &seen[0];
    assert_eq!(pnid, PNID);
    assert_eq!(h["authorization"], format!("Bearer {TOKEN}").as_str());
    assert_eq!(
        b,
        &json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                "type": "text", "text": {"preview_url": false, "body": "Ada bu, beras pulen 5 kg Rp 70.000"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_retried_and_a_closed_window_reported() {
    let w = world(true).await;
    w.graph
        .script
        .lock()
        .unwrap()
        .push_back((400, graph_error(130429, "(#130429) Rate limit hit")));
    let buttons = OutboundRequest {
        key: "pay-1".into(),
        to: CUSTOMER.into(),
        message: OutboundMessage::Buttons {
            body: "Total Rp 70.000. Bayar pakai?".into(),
            buttons: vec![
                Choice {
                    id: "qris".into(),
                    title: "QRIS".into(),
                    description: None,
                },
                Choice {
                    id: "tunai".into(),
                    title: "Tunai".into(),
                    description: None,
                },
            ],
            footer: Some("Warung Bu Sri".into()),
        },
    };
    w.device.send_message(&buttons).await.unwrap();
    let r = result(&w.device, "pay-1", 15).await;
    assert_eq!(
        (r.state.as_str(), r.attempts),
        ("sent", 2),
        "retried after the rate limit"
    );
    let b = w.graph.seen.lock().unwrap()[1].2.clone();
    assert_eq!(b["type"], "interactive");
    assert_eq!(
        b["interactive"]["action"]["buttons"][1]["reply"]["title"],
        "Tunai"
    );
    assert_eq!(b["interactive"]["footer"]["text"], "Warung Bu Sri");

    // WhatsApp says the window closed (131047, as it does asynchronously or at once): the
    // desktop hears it failed, with the code; not retried.
    w.graph
        .script
        .lock()
        .unwrap()
        .push_back((400, graph_error(131047, "Re-engagement message")));
    w.device
        .send_message(&text("late-1", "Terima kasih"))
        .await
        .unwrap();
    let r = result(&w.device, "late-1", 10).await;
    assert_eq!(r.state, "failed");
    assert_eq!(r.error.unwrap().code, 131047);
    assert_eq!(w.graph.seen.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_only_a_template_goes_and_bad_messages_never_queue() {
    let w = world(false).await;
    let err = w
        .device
        .send_message(&text("cold-1", "Halo"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 409, code, .. } if code == "outside_window"),
        "{err:?}"
    );
    let template = OutboundRequest {
        key: "tagih-1".into(),
        to: CUSTOMER.into(),
        message: OutboundMessage::Template {
            name: "pengingat_kasbon".into(),
            language: "id".into(),
            parameters: vec!["Bu Sri".into(), "Rp 60.000".into()],
        },
    };
    w.device.send_message(&template).await.unwrap();
    let r = result(&w.device, "tagih-1", 10).await;
    assert_eq!(r.state, "sent");
    let b = w.graph.seen.lock().unwrap()[0].2.clone();
    assert_eq!(b["template"]["name"], "pengingat_kasbon");
    assert_eq!(b["template"]["language"]["code"], "id");
    assert_eq!(
        b["template"]["components"][0]["parameters"][1]["text"],
        "Rp 60.000"
    );

    for bad in [
        OutboundRequest {
            key: "b1".into(),
            to: "not-a-number".into(),
            message: OutboundMessage::Text {
                body: "x".into(),
                preview_url: false,
            },
        },
        OutboundRequest {
            key: "b2".into(),
            to: CUSTOMER.into(),
            message: OutboundMessage::Text {
                body: "".into(),
                preview_url: false,
            },
        },
        OutboundRequest {
            key: "b3".into(),
            to: CUSTOMER.into(),
            message: OutboundMessage::Buttons {
                body: "Pilih".into(),
                buttons: (0..4)
                    .map(|i| Choice {
                        id: format!("{i}"),
                        title: format!("B{i}"),
                        description: None,
                    })
                    .collect(),
                footer: None,
            },
        },
        OutboundRequest {
            key: "b4".into(),
            to: CUSTOMER.into(),
            message: OutboundMessage::Buttons {
                body: "Pilih".into(),
                buttons: vec![Choice {
                    id: "x".into(),
                    title: "Judul tombol yang terlalu panjang".into(),
                    description: None,
                }],
                footer: None,
            },
        },
    ] {
        assert!(
            matches!(
                w.device.send_message(&bad).await,
                Err(LinkError::Refused { status: 400, .. })
            ),
            "{bad:?}"
        );
    }
    // The same key for another message is a conflict, not a silent drop of the new text.
    let mut other = template.clone();
    other.to = "6289999999999".into();
    assert!(matches!(
        w.device.send_message(&other).await,
        Err(LinkError::Refused { status: 409, .. })
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        w.graph.seen.lock().unwrap().len(),
        1,
        "nothing bad was sent"
    );
    let _ = &w.store;
}

/// The customer of `pnid`'s shop wrote a minute ago (their 24-hour window is open).
fn customer_wrote(store: &dyn Store, pnid: &str, wamid: &str) {
    let at = chrono::Utc::now().timestamp() - 60;
    store
        .ingest(
            &[Inbound {
                route: Route::WhatsappNumber(pnid.into()),
                kind: "whatsapp_message".into(),
                dedupe: format!("wa:{wamid}"),
                body: json!({"kind": "whatsapp_message", "id": wamid, "from": CUSTOMER,
                             "name": null, "timestamp": at, "type": "text", "text": "halo",
                             "media": null, "location": null, "choice": null,
                             "reply_to": null, "referral": null})
                .to_string(),
                window: Some((CUSTOMER.into(), at)),
                media: None,
            }],
            "2026-11-22T00:00:00Z",
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shops_take_turns_and_one_slow_shop_holds_up_no_other() {
    let w = world(true).await;
    let (other, b, _) = common::paired(w.store.as_ref(), &w.base, "Toko Sebelah").await;
    w.store
        .set_whatsapp_number(other, "106500000000002")
        .unwrap();
    customer_wrote(w.store.as_ref(), "106500000000002", "wamid.IN.B");
    // Shop A queues a message WhatsApp is slow to take, then twenty more; shop B one.
    w.device
        .send_message(&text("a-slow", "lambat 1"))
        .await
        .unwrap();
    for k in 0..20 {
        w.device
            .send_message(&text(&format!("a-{k}"), &format!("pesan A {k:02}")))
            .await
            .unwrap();
    }
    b.send_message(&text("b-0", "pesan B")).await.unwrap();
    result(&b, "b-0", 10).await;
    for k in 0..20 {
        result(&w.device, &format!("a-{k}"), 20).await;
    }
    let done = w.graph.done.lock().unwrap().clone();
    let pos = |t: &str| {
        done.iter()
            .position(|d| d == t)
            .unwrap_or_else(|| panic!("{t}: {done:?}"))
    };
    // B was not kept waiting behind A's slow message (nor behind A's twenty).
    assert!(pos("pesan B") < pos("lambat 1"), "{done:?}");
    // A's messages went out one at a time, in the order A queued them.
    let a: Vec<&String> = done
        .iter()
        .filter(|d| d.starts_with("pesan A") || d.starts_with("lambat"))
        .collect();
    let mut sorted = a.clone();
    sorted.sort_by_key(|d| {
        if d.starts_with("lambat") {
            String::new()
        } else {
            d.to_string()
        }
    });
    assert_eq!(a, sorted, "A's order kept");
    assert_eq!(a.len(), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_message_holds_back_the_later_ones_to_the_same_customer() {
    let w = world(true).await;
    // WhatsApp refuses the first for a moment (the pair rate limit): it is sent again after
    // its backoff, and the second and third wait for it.
    w.graph
        .script
        .lock()
        .unwrap()
        .push_back((400, graph_error(131056, "pair rate limit hit")));
    for (k, t) in ["pertama", "kedua", "ketiga"].iter().enumerate() {
        w.device
            .send_message(&text(&format!("o-{k}"), t))
            .await
            .unwrap();
    }
    for k in 0..3 {
        assert_eq!(result(&w.device, &format!("o-{k}"), 30).await.state, "sent");
    }
    assert_eq!(
        *w.graph.done.lock().unwrap(),
        vec!["pertama", "kedua", "ketiga"]
    );
}
