//! Durable webhook ingest on loopback: a load generator of 64 concurrent senders posts signed
//! WhatsApp deliveries (each a new message) to a real relay over a temporary SQLite store
//! (WAL, synchronous=FULL), then a waiting desktop measures event-to-client latency. The same
//! again on PostgreSQL when PASAR_RELAY_TEST_PG names a server (`./x bench` starts one), with
//! the desktop also waiting on a second instance (the news crossing by LISTEN/NOTIFY).
//! Prints figures against the goals (≥ 5,000 requests/s, p99 < 50 ms; event to an online
//! client < 100 ms); asserts nothing. `PASAR_BENCH_SECS` sets the load duration (default 5).

#[path = "../tests/common/mod.rs"]
mod common;

use pasar_link::PairRequest;
use pasar_link::client::Client;
use pasar_relay::store::Store;
use pasar_relay::{Config, auth, whatsapp};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "bench-secret";
const SENDERS: usize = 64;

fn delivery(n: usize) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"6281100002222","phone_number_id":"9001"}},"contacts":[{{"profile":{{"name":"Pelanggan"}},"wa_id":"6281200000000"}}],"messages":[{{"from":"6281200000000","id":"wamid.BENCH.{n:09}","timestamp":"1795300000","type":"text","text":{{"body":"beras 5 kg ada?"}}}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would run this too quickly.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let secs: u64 = std::env::var("PASAR_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("relay.db");
    rt.block_on(run(
        "SQLite, synchronous=FULL",
        pasar_relay::store::open(&sqlite.to_string_lossy()).unwrap(),
        None,
        secs,
    ));
    if common::postgres_server().is_some() {
        let path = dir.path().join("relay-pg");
        let (a, b) = (common::store(&path), common::store(&path));
        rt.block_on(run("PostgreSQL, synchronous_commit=on", a, Some(b), secs));
    } else {
        println!(
            "relay ingest on PostgreSQL: skipped (PASAR_RELAY_TEST_PG is not set; `./x bench` sets it)"
        );
    }
}

async fn start(store: Arc<dyn Store>) -> String {
    let config = Config {
        whatsapp_app_secret: Some(SECRET.into()),
        ..Config::default()
    };
    common::serve(store, config).await
}

/// Load on one instance over `store`; event latency to a desktop waiting on it, and on a
/// second instance over `other` when given.
async fn run(label: &str, store: Arc<dyn Store>, other: Option<Arc<dyn Store>>, secs: u64) {
    {
        let code = auth::new_code();
        let shop = store
            .create_shop(
                "Bench",
                &auth::hash(&code),
                "2999-01-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
            )
            .unwrap();
        store.set_whatsapp_number(shop, "9001").unwrap();
        let base = start(store.clone()).await;
        let device = Client::new(&base).unwrap();
        let token = device
            .pair(&PairRequest {
                code,
                device_name: "bench".into(),
            })
            .await
            .unwrap()
            .token;
        let device = device.with_token(&token);

        // Load: SENDERS tasks, each with its own keep-alive connection.
        let counter = Arc::new(AtomicUsize::new(0));
        let stop = Instant::now() + Duration::from_secs(secs);
        let url = format!("{base}/webhooks/whatsapp");
        let started = Instant::now();
        let tasks: Vec<_> = (0..SENDERS)
            .map(|_| {
                let (counter, url) = (counter.clone(), url.clone());
                tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    let mut lat = Vec::new();
                    let mut errors = 0usize;
                    while Instant::now() < stop {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        let body = delivery(n);
                        let sig = whatsapp::signature(SECRET.as_bytes(), &body);
                        let t = Instant::now();
                        let ok = http
                            .post(&url)
                            .header("x-hub-signature-256", sig)
                            .body(body)
                            .send()
                            .await
                            .map(|r| r.status().as_u16() == 200)
                            .unwrap_or(false);
                        lat.push(t.elapsed());
                        if !ok {
                            errors += 1;
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        let mut lat = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (l, e) = t.await.unwrap();
            lat.extend(l);
            errors += e;
        }
        let elapsed = started.elapsed();
        lat.sort();
        let rps = lat.len() as f64 / elapsed.as_secs_f64();
        let stored = store.events_after(shop, 0, i64::MAX).unwrap().len();
        println!(
            "relay ingest ({label}, {SENDERS} senders, {secs} s): {:.0} requests/s (goal ≥ 5,000), p50 {:.1} ms, p99 {:.1} ms (goal < 50 ms), {} stored, {} errors",
            rps,
            pct(&lat, 0.5).as_secs_f64() * 1e3,
            pct(&lat, 0.99).as_secs_f64() * 1e3,
            stored,
            errors
        );

        // Event to an online client: a desktop waits; a delivery arrives; time to its hands.
        let mut after = store
            .events_after(shop, 0, i64::MAX)
            .unwrap()
            .last()
            .map_or(0, |e| e.seq);
        let mut waiters = vec![("on the instance that stored it", device.clone())];
        if let Some(other) = other {
            let b = start(other).await;
            waiters.push((
                "on another instance",
                Client::new(&b).unwrap().with_token(&token),
            ));
        }
        let http = reqwest::Client::new();
        let mut fresh = 900_000_000;
        for (where_, waiter) in waiters {
            let mut delays = Vec::new();
            for _ in 0..50 {
                let d = waiter.clone();
                let waiting = tokio::spawn(async move {
                    let page = d.events(after, Duration::from_secs(10)).await.unwrap();
                    (Instant::now(), page.next)
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
                fresh += 1;
                let body = delivery(fresh);
                let sent = Instant::now();
                http.post(&url)
                    .header(
                        "x-hub-signature-256",
                        whatsapp::signature(SECRET.as_bytes(), &body),
                    )
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let (got, next) = waiting.await.unwrap();
                after = next;
                delays.push(got.saturating_duration_since(sent));
            }
            delays.sort();
            println!(
                "event to an online client ({label}, long-poll {where_}): p50 {:.1} ms, p99 {:.1} ms (goal < 100 ms)",
                pct(&delays, 0.5).as_secs_f64() * 1e3,
                pct(&delays, 0.99).as_secs_f64() * 1e3
            );
        }
    }
}
