//! What an operator relies on: Prometheus metrics that count what happened (and a token in
//! front of them when asked), and the brakes — one shop's runaway desktop gets 429s with
//! Retry-After while another shop is served; pairing codes cannot be guessed at speed.

mod common;

use pasar_link::PairRequest;
use pasar_link::client::{Client, LinkError};
use pasar_relay::store::Store;
use pasar_relay::{Config, whatsapp};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "ops-app-secret";

async fn start(config: Config) -> (String, Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let base = common::serve(store.clone(), config).await;
    (base, store, dir)
}

fn text_webhook(pnid: &str, wamid: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "628111", "phone_number_id": pnid},
            "messages": [{"from": "628122", "id": wamid, "timestamp": "1763800000",
                          "type": "text", "text": {"body": "beras ada?"}}]}}]}]
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_happened_behind_a_token() {
    let (base, store, _dir) = start(Config {
        whatsapp_app_secret: Some(SECRET.into()),
        metrics_token: Some("scrape-me".into()),
        ..Config::default()
    })
    .await;
    let (shop, dev, _) = common::paired(store.as_ref(), &base, "Warung Metrik").await;
    store.set_whatsapp_number(shop, "10650001").unwrap();
    let http = reqwest::Client::new();
    let body = text_webhook("10650001", "wamid.M.1");
    for sig in [
        whatsapp::signature(SECRET.as_bytes(), &body),
        whatsapp::signature(SECRET.as_bytes(), &body),
        "sha256=00".to_string(),
    ] {
        http.post(format!("{base}/webhooks/whatsapp"))
            .header("x-hub-signature-256", sig)
            .body(body.clone())
            .send()
            .await
            .unwrap();
    }
    dev.events(0, Duration::ZERO).await.unwrap();

    let no = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(no.status(), 401, "the token is asked for");
    let res = http
        .get(format!("{base}/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let t = res.text().await.unwrap();
    for line in [
        "pasar_relay_webhooks_total{source=\"whatsapp\",outcome=\"stored\"} 2",
        "pasar_relay_webhooks_total{source=\"whatsapp\",outcome=\"forged\"} 1",
        "pasar_relay_webhook_items_total{source=\"whatsapp\",outcome=\"stored\"} 1",
        "pasar_relay_webhook_items_total{source=\"whatsapp\",outcome=\"duplicate\"} 1",
        "pasar_relay_http_requests_total{route=\"/webhooks/whatsapp\",status=\"401\"} 1",
        "pasar_relay_http_requests_total{route=\"/v1/events\",status=\"200\"} 1",
        "pasar_relay_shops 1",
        "pasar_relay_devices 1",
        "pasar_relay_outbox_queued 0",
    ] {
        assert!(t.lines().any(|l| l == line), "missing {line:?} in:\n{t}");
    }
    assert!(t.contains("pasar_relay_http_request_duration_seconds_count{route=\"/v1/events\"} 1"));
    assert!(!t.contains("10650001"), "no phone-number ids in labels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shops_runaway_desktop_is_braked_and_others_are_served() {
    let (base, store, _dir) = start(Config {
        shop_rate: Some(1.0),
        shop_burst: Some(5.0),
        ..Config::default()
    })
    .await;
    let (_, busy, token) = common::paired(store.as_ref(), &base, "Toko Sibuk").await;
    let (_, calm, _) = common::paired(store.as_ref(), &base, "Toko Tenang").await;
    for _ in 0..5 {
        busy.ack(0).await.unwrap();
    }
    let err = busy.ack(0).await.unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 429, code, .. } if code == "rate_limited"),
        "{err:?}"
    );
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/ack"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"upto": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Another shop is not held back; the busy one is served again after the wait.
    calm.ack(0).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    busy.ack(0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_codes_cannot_be_guessed_at_speed() {
    let (base, store, _dir) = start(Config::default()).await;
    let code = pasar_relay::auth::new_code();
    store
        .create_shop(
            "Warung",
            &pasar_relay::auth::hash(&code),
            "2999-01-01T00:00:00Z",
            "2026-11-22T00:00:00Z",
        )
        .unwrap();
    let c = Client::new(&base).unwrap();
    let guess = |n: usize| PairRequest {
        code: format!("AAAA-BBBB-{n:04}"),
        device_name: "Laptop".into(),
    };
    let mut refused = 0;
    let mut braked = 0;
    for n in 0..12 {
        match c.pair(&guess(n)).await {
            Err(LinkError::Refused { status: 403, .. }) => refused += 1,
            Err(LinkError::Refused { status: 429, .. }) => braked += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((refused, braked), (10, 2));
    // The right code from the same address now waits too (6 s per try after the burst):
    // a guesser gains nothing by mixing guesses in.
    assert!(matches!(
        c.pair(&PairRequest {
            code,
            device_name: "Laptop".into()
        })
        .await,
        Err(LinkError::Refused { status: 429, .. })
    ));
}

/// Behind the relay's own proxy (TRUSTED_PROXIES) every request comes from the proxy's
/// address: the pairing limit counts the client the proxy names instead, and a client's own
/// X-Forwarded-For is ignored when it talks to the relay directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pairing_limit_counts_clients_behind_a_trusted_proxy() {
    let pair = async |base: &str, forwarded: &str| -> u16 {
        reqwest::Client::new()
            .post(format!("{base}/v1/pair"))
            .header("x-forwarded-for", forwarded)
            .json(&serde_json::json!({"code": "AAAA-BBBB-CCCC", "device_name": "Laptop"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // The tests reach the relay from 127.0.0.1: here that is the proxy.
    let behind = Config {
        trusted_proxies: pasar_relay::metrics::Proxies::parse("127.0.0.1, ::1").unwrap(),
        ..Config::default()
    };
    let (base, _store, _dir) = start(behind).await;
    let mut answers = Vec::new();
    for _ in 0..11 {
        answers.push(pair(&base, "203.0.113.5").await);
    }
    assert_eq!(
        answers.iter().filter(|a| **a == 403).count(),
        10,
        "{answers:?}"
    );
    assert_eq!(answers[10], 429, "the guesser is braked");
    // Another shop's laptop behind the same proxy is not.
    assert_eq!(pair(&base, "203.0.113.6").await, 403);
    // A guesser cannot shed the brake by naming another address to the left of the proxy's.
    assert_eq!(pair(&base, "198.51.100.1, 203.0.113.5").await, 429);

    // Without trusted proxies the header is nobody's word: a fresh forged address each time
    // is still the same client.
    let (base, _store, _dir) = start(Config::default()).await;
    let mut braked = 0;
    for n in 0..11 {
        if pair(&base, &format!("203.0.113.{n}")).await == 429 {
            braked += 1;
        }
    }
    assert_eq!(braked, 1);
}
