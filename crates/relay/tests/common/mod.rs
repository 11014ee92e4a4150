//! What the relay's test binaries share: a shop created on the store, and a device paired
//! with it over HTTP through the desktop's own client.

use pasar_link::client::Client;
use pasar_link::{EventBody, PairRequest};
use pasar_relay::auth;
use pasar_relay::store::Store;

/// A new shop and a device paired with it: (shop id, the device's client, its token).
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
