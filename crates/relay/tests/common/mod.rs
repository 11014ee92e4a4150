//! What the relay's test binaries share: a shop created on the store, and a device paired
//! with it over HTTP through the desktop's own client.

use pasar_link::client::Client;
use pasar_link::{EventBody, PairRequest};
use pasar_relay::auth;
use pasar_relay::store::Store;

/// A new shop and a device paired with it: (shop id, the device's client, its token).
#[allow(dead_code)] // not every test binary pairs over HTTP
pub async fn paired(store: &dyn Store, base: &str, name: &str) -> (i64, Client, String) {
    let code = auth::new_code();
    let id = store
        .create_shop(
            name,
            &auth::hash(&code),
            "2999-01-01T00:00:00Z",
            "2026-11-22T00:00:00Z",
        )
        .unwrap();
    let client = Client::new(base).unwrap();
    let p = client
        .pair(&PairRequest {
            // As a person might type it.
            code: code.to_lowercase(),
            device_name: "Laptop kasir".into(),
        })
        .await
        .unwrap();
    assert_eq!((p.shop_id, p.shop_name.as_str()), (id, name));
    (id, client.with_token(&p.token), p.token)
}

/// Waits (up to `secs`) for an event `pick` recognises, polling every 100 ms.
#[allow(dead_code)] // not every test binary waits for events
pub async fn wait_event<T>(
    c: &Client,
    secs: u64,
    what: &str,
    pick: impl Fn(EventBody) -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let page = c
            .events(0, std::time::Duration::from_secs(1))
            .await
            .unwrap();
        if let Some(t) = page.events.into_iter().find_map(|e| pick(e.body)) {
            return t;
        }
        assert!(std::time::Instant::now() < deadline, "no {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Where the relay under test keeps its data: a SQLite file at `path`, or — when
/// PASAR_RELAY_TEST_PG names a PostgreSQL server (`./x test` starts one on loopback) — a
/// database of its own named after `path`, so the same path is the same store after a
/// restart and tests running at once never share one.
#[allow(dead_code)] // not every test binary opens a store itself
pub fn db(path: &std::path::Path) -> String {
    let Some(server) = postgres_server() else {
        return path.to_string_lossy().into_owned();
    };
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(path.to_string_lossy().as_bytes()));
    let name = format!("relay_test_{}", &digest[..24]);
    // Created from a plain thread: the client runs a runtime of its own.
    let admin = format!("{server}/postgres");
    let create = name.clone();
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("PASAR_RELAY_TEST_PG={admin}: {e}"));
        match c.batch_execute(&format!("CREATE DATABASE {create}")) {
            Ok(()) => {}
            Err(e) if e.code() == Some(&postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => panic!("creating the test database: {e}"),
        }
    })
    .join()
    .unwrap();
    format!("{server}/{name}")
}

/// The store under test at `path` (see `db`).
#[allow(dead_code)]
pub fn store(path: &std::path::Path) -> std::sync::Arc<dyn Store> {
    pasar_relay::store::open(&db(path)).unwrap()
}

/// The PostgreSQL server the suite runs against, when it does.
#[allow(dead_code)]
pub fn postgres_server() -> Option<String> {
    std::env::var("PASAR_RELAY_TEST_PG")
        .ok()
        .map(|s| s.trim().trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty())
}

/// A relay on loopback over `store`, serving until the test ends: its base URL.
#[allow(dead_code)]
pub async fn serve(store: std::sync::Arc<dyn Store>, config: pasar_relay::Config) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(pasar_relay::serve(
        listener,
        pasar_relay::AppState::new(store, config),
        std::future::pending(),
    ));
    base
}

/// A fake of another service (WhatsApp's Graph API, Midtrans) on loopback: its base URL.
#[allow(dead_code)]
pub async fn fake(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}
