//! The relay as it runs: a real server on loopback over a temporary SQLite store, real HTTP,
//! webhooks signed (and forged) exactly as Meta signs them, and the desktop's own client
//! (`pasar_link::client`) pairing and pulling events.

mod common;

use pasar_link::client::{Client, LinkError};
use pasar_link::{EventBody, PairRequest};
use pasar_relay::store::Store;
use pasar_relay::{AppState, Config, auth, whatsapp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "test-app-secret-3f9a";
const VERIFY: &str = "kopi-tubruk-42";

struct Relay {
    base: String,
    store: Arc<dyn Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Relay {
    async fn start(db: &Path) -> Relay {
        let store = common::store(db);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = Config {
            whatsapp_app_secret: Some(SECRET.into()),
            whatsapp_verify_token: Some(VERIFY.into()),
            ..Config::default()
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = AppState::new(store.clone(), config);
        let task = tokio::spawn(pasar_relay::serve(listener, state, async {
            let _ = rx.await;
        }));
        Relay {
            base,
            store,
            stop: Some(tx),
            task,
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }

    /// A shop owning WhatsApp number `pnid`, and a device paired with it over HTTP.
    async fn shop_with_device(&self, name: &str, pnid: &str) -> (i64, Client) {
        let (id, client, _) = self.shop_with_token(name, pnid).await;
        (id, client)
    }

    async fn shop_with_token(&self, name: &str, pnid: &str) -> (i64, Client, String) {
        let (id, client, token) = common::paired(self.store.as_ref(), &self.base, name).await;
        self.store.set_whatsapp_number(id, pnid).unwrap();
        (id, client, token)
    }

    async fn post(&self, body: &[u8], signature: Option<String>) -> reqwest::StatusCode {
        let mut req = reqwest::Client::new()
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        req.send().await.unwrap().status()
    }

    async fn deliver(&self, body: &[u8]) -> reqwest::StatusCode {
        self.post(body, Some(whatsapp::signature(SECRET.as_bytes(), body)))
            .await
    }
}

fn fixture(name: &str, pnid: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/whatsapp")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .replace("\"PNID\"", &format!("\"{pnid}\""))
        .into_bytes()
}

async fn all_events(c: &Client) -> Vec<pasar_link::Event> {
    c.events(0, Duration::ZERO).await.unwrap().events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_handshake_answers_only_the_right_verify_token() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let get = |q: String| {
        let url = format!("{}/webhooks/whatsapp?{q}", relay.base);
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(
        get(format!(
            "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY}"
        ))
        .await,
        (200, "1158201444".to_string())
    );
    assert_eq!(
        get("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong".into())
            .await
            .0,
        403
    );
    assert_eq!(
        get("hub.mode=subscribe&hub.challenge=1".into()).await.0,
        403
    );
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_messages_reach_the_shops_device_once_and_forgeries_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let (_, device) = relay.shop_with_device("Warung Bu Sri", "1001").await;
    let body = fixture("text.json", "1001");

    // Unsigned, forged, signed with another secret, or signed over other bytes: 401.
    assert_eq!(relay.post(&body, None).await, 401);
    assert_eq!(relay.post(&body, Some("sha256=00ff".into())).await, 401);
    let other = whatsapp::signature(b"another-secret", &body);
    assert_eq!(relay.post(&body, Some(other)).await, 401);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let sig = whatsapp::signature(SECRET.as_bytes(), &body);
    assert_eq!(relay.post(&tampered, Some(sig)).await, 401);
    assert!(
        all_events(&device).await.is_empty(),
        "nothing from a forgery"
    );

    // Signed: stored, then 200; Meta's retry of the same delivery is the same event.
    assert_eq!(relay.deliver(&body).await, 200);
    assert_eq!(relay.deliver(&body).await, 200);
    let events = all_events(&device).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].seq, 1);
    let EventBody::WhatsappMessage(m) = &events[0].body else {
        panic!("{events:?}")
    };
    assert_eq!(m.id, "wamid.TEST.text.0001");
    assert_eq!(m.from.as_deref(), Some("6281234567890"));
    assert_eq!(m.name.as_deref(), Some("Bu Sri Wahyuni"));
    assert_eq!(m.kind, "text");
    assert_eq!(
        m.text.as_deref(),
        Some("mas, beras pulen 5 kg ada? sekalian gula 2 kg")
    );
    assert_eq!(m.timestamp, 1_795_300_000);
    // The customer's message opened their 24-hour window.
    let shop = relay.store.shops().unwrap()[0].id;
    assert_eq!(
        relay.store.last_inbound(shop, "6281234567890").unwrap(),
        Some(1_795_300_000)
    );
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_update_maps_to_our_events() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let (_, device) = relay.shop_with_device("Toko Makmur", "2002").await;
    for f in [
        "voice.json",
        "image.json",
        "button_reply.json",
        "list_reply.json",
        "location.json",
        "status_failed.json",
        "statuses_two.json",
        "errors_rate_limit.json",
    ] {
        assert_eq!(relay.deliver(&fixture(f, "2002")).await, 200, "{f}");
    }
    let events = all_events(&device).await;
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=9).collect::<Vec<_>>(), "numbered without gaps");
    let msg = |i: usize| match &events[i].body {
        EventBody::WhatsappMessage(m) => m.clone(),
        other => panic!("{other:?}"),
    };
    let voice = msg(0);
    assert_eq!(voice.kind, "voice");
    let media = voice.media.unwrap();
    assert!(media.voice && media.id == "7700112233");
    assert_eq!(media.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    let image = msg(1);
    assert_eq!(
        (image.kind.as_str(), image.text.as_deref()),
        ("image", Some("yang ini ada kak?"))
    );
    let button = msg(2);
    assert_eq!(button.choice.as_deref(), Some("bayar-qris"));
    assert_eq!(button.text.as_deref(), Some("Bayar QRIS"));
    assert_eq!(button.reply_to.as_deref(), Some("wamid.TEST.sent.0100"));
    let list = msg(3);
    assert_eq!(
        (list.choice.as_deref(), list.text.as_deref()),
        (Some("produk-12"), Some("Minyakita 1 L"))
    );
    let loc = msg(4).location.unwrap();
    assert_eq!((loc.latitude, loc.longitude), (-6.9147, 107.6098));
    let EventBody::WhatsappStatus(failed) = &events[5].body else {
        panic!("{:?}", events[5])
    };
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.errors[0].code, 131047);
    // "sent" then "read" of one message are two events.
    assert!(matches!(&events[6].body, EventBody::WhatsappStatus(s) if s.status == "sent"));
    assert!(matches!(&events[7].body, EventBody::WhatsappStatus(s) if s.status == "read"));
    assert!(matches!(&events[8].body, EventBody::WhatsappError(e) if e.code == 130429));
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_sees_only_its_own_and_unowned_numbers_are_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let (_, a) = relay.shop_with_device("Warung A", "3001").await;
    let (_, b) = relay.shop_with_device("Warung B", "3002").await;
    assert_eq!(relay.deliver(&fixture("text.json", "3002")).await, 200);
    assert_eq!(relay.deliver(&fixture("voice.json", "3002")).await, 200);
    // For a number no shop owns: acknowledged (Meta would retry for days), kept aside.
    assert_eq!(relay.deliver(&fixture("image.json", "9999")).await, 200);
    assert!(all_events(&a).await.is_empty(), "A sees nothing of B's");
    assert_eq!(all_events(&b).await.len(), 2);
    // A's device asking after B's cursor still sees only A's (nothing).
    assert!(a.events(0, Duration::ZERO).await.unwrap().events.is_empty());
    // A signed delivery that is not JSON: kept aside, acknowledged, nobody's event.
    assert_eq!(relay.deliver(b"{not json").await, 200);
    assert_eq!(all_events(&b).await.len(), 2);
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_codes_work_once_and_revoked_tokens_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let code = auth::new_code();
    let shop = relay
        .store
        .create_shop(
            "Kios Pak Darto",
            &auth::hash(&code),
            "2999-01-01T00:00:00Z",
            "2026-11-22T00:00:00Z",
        )
        .unwrap();
    let client = Client::new(&relay.base).unwrap();
    let req = |code: &str| PairRequest {
        code: code.into(),
        device_name: "Laptop".into(),
    };
    // Two laptops with the same code at once: one pairs.
    let (r1, r2) = (req(&code), req(&code));
    let (x, y) = tokio::join!(client.pair(&r1), client.pair(&r2));
    assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
    let paired = x.or(y).unwrap();
    assert!(matches!(
        client.pair(&req(&code)).await,
        Err(LinkError::Refused { status: 403, ref code, .. }) if code == "bad_code"
    ));
    assert!(matches!(
        client.pair(&req("AAAA-BBBB-CCCC")).await,
        Err(LinkError::Refused { status: 403, .. })
    ));
    // An expired code does not pair.
    let old = auth::new_code();
    relay
        .store
        .add_pairing_code(shop, &auth::hash(&old), "2000-01-01T00:00:00Z")
        .unwrap();
    assert!(client.pair(&req(&old)).await.is_err());

    let device = client.clone().with_token(&paired.token);
    assert!(device.events(0, Duration::ZERO).await.is_ok());
    // Revoked while it waits for events: what comes next is not handed to it.
    relay.store.set_whatsapp_number(shop, "4099").unwrap();
    let stolen = {
        let d = device.clone();
        tokio::spawn(async move { d.events(0, Duration::from_secs(20)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = auth::new_code();
    relay
        .store
        .add_pairing_code(shop, &auth::hash(&again), "2999-01-01T00:00:00Z")
        .unwrap();
    let second = client.pair(&req(&again)).await.unwrap();
    let other = client.clone().with_token(&second.token);
    relay
        .store
        .revoke_device(paired.device_id, "2026-11-22T00:30:00Z")
        .unwrap();
    assert_eq!(relay.deliver(&fixture("text.json", "4099")).await, 200);
    assert!(matches!(
        stolen.await.unwrap(),
        Err(LinkError::Refused { status: 401, .. })
    ));
    assert_eq!(
        other.events(0, Duration::ZERO).await.unwrap().events.len(),
        1
    );
    assert!(matches!(
        client
            .clone()
            .with_token("0123")
            .events(0, Duration::ZERO)
            .await,
        Err(LinkError::Refused { status: 401, .. })
    ));
    assert!(matches!(
        client.events(0, Duration::ZERO).await,
        Err(LinkError::Refused { status: 401, .. })
    ));
    assert!(
        relay
            .store
            .revoke_device(paired.device_id, "2026-11-22T01:00:00Z")
            .unwrap(),
        "revoking again is harmless"
    );
    assert!(matches!(
        device.events(0, Duration::ZERO).await,
        Err(LinkError::Refused { status: 401, ref code, .. }) if code == "revoked"
    ));
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_desktop_gets_an_event_as_it_arrives_and_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let relay = Relay::start(&db).await;
    let (_, device, token) = relay.shop_with_token("Warung Bu Sri", "4001").await;
    let waiting = {
        let d = device.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            let page = d.events(0, Duration::from_secs(20)).await.unwrap();
            (page, t.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(relay.deliver(&fixture("text.json", "4001")).await, 200);
    let (page, waited) = waiting.await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert!(
        waited < Duration::from_secs(15),
        "woken by the event, not the deadline"
    );
    device.ack(page.next).await.unwrap();
    let shop = relay.store.shops().unwrap()[0].id;
    assert_eq!(relay.store.devices(shop).unwrap()[0].acked_seq, 1);

    // An empty wait returns at its deadline with the cursor unchanged.
    let page = device.events(1, Duration::from_secs(1)).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.next, 1);

    // Stopped and started on the same file: what was stored is there, the token still
    // works, and the cursor goes on from where the desktop left it.
    relay.stop().await;
    let relay = Relay::start(&db).await;
    assert_eq!(relay.deliver(&fixture("voice.json", "4001")).await, 200);
    assert_eq!(
        relay.deliver(&fixture("text.json", "4001")).await,
        200,
        "a retry after the restart"
    );
    let device = Client::new(&relay.base).unwrap().with_token(&token);
    let page = device.events(1, Duration::ZERO).await.unwrap();
    assert_eq!(
        page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![2]
    );
    relay.stop().await;
}

/// Conformance: Meta's own published webhook payloads (../shared/fixtures/whatsapp, beside the
/// project in CI), signed as Meta signs them, are accepted and each yields events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metas_published_webhook_payloads_are_accepted() {
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/whatsapp");
    let Ok(dir) = std::fs::read_dir(&shared) else {
        eprintln!("../shared/fixtures/whatsapp is not beside the project: conformance skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let relay = Relay::start(&tmp.path().join("relay.db")).await;
    let mut numbers = std::collections::HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("webhook_") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in &files {
        let body = std::fs::read(f).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let pnid = v
            .pointer("/entry/0/changes/0/value/metadata/phone_number_id")
            .and_then(|x| x.as_str())
            .unwrap()
            .to_string();
        if !numbers.contains_key(&pnid) {
            let (shop, client) = relay.shop_with_device(&format!("Toko {pnid}"), &pnid).await;
            numbers.insert(pnid.clone(), (shop, client));
        }
        let before = all_events(&numbers[&pnid].1).await.len();
        let items = whatsapp::inbound(&body).unwrap();
        assert!(!items.is_empty(), "{} yields no event", f.display());
        // Payloads copied between Meta's pages repeat message ids: those are duplicates.
        let new = items
            .iter()
            .filter(|i| seen.insert((pnid.clone(), i.dedupe.clone())))
            .count();
        assert_eq!(relay.deliver(&body).await, 200, "{}", f.display());
        let after = all_events(&numbers[&pnid].1).await.len();
        assert_eq!(after, before + new, "{}", f.display());
    }
    relay.stop().await;
}

/// A delivery with one unreadable string (a lone surrogate) loses none of its other
/// messages; the same platform error in a later delivery is news; and a server asked to
/// stop answers its waiting desktops at once instead of holding the shutdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_deliveries_lose_nothing_and_stopping_wakes_the_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let (_, a) = relay.shop_with_device("Warung A", "5001").await;
    let (_, b) = relay.shop_with_device("Warung B", "5002").await;
    let entry = |body: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        v["entry"][0].to_string()
    };
    let text_b = String::from_utf8(fixture("text.json", "5002")).unwrap();
    let text_a = String::from_utf8(fixture("text.json", "5001"))
        .unwrap()
        .replace("wamid.TEST.text.0001", "wamid.TEST.text.A");
    // The broken escape goes in after serialising (serde_json would not write one).
    let entry_a = entry(&text_a).replace("gula 2 kg", "gula 2 kg \\ud83d");
    let both = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{entry_a},{}]}}"#,
        entry(&text_b)
    );
    assert_eq!(relay.deliver(both.as_bytes()).await, 200);
    assert_eq!(
        all_events(&a).await.len(),
        1,
        "A's message, its broken character mended"
    );
    assert_eq!(all_events(&b).await.len(), 1, "B's message, untouched");

    // NULs (valid JSON, not storable text) in a message id, a sender and a text: stored with
    // U+FFFD in their place, once however often Meta repeats the delivery.
    let nul = String::from_utf8(fixture("text.json", "5001"))
        .unwrap()
        .replace("wamid.TEST.text.0001", "wamid.NUL\\u0000.1")
        .replace("gula 2 kg", "gula\\u0000 2 kg");
    assert!(nul.contains("\\u0000"), "{nul}");
    assert_eq!(relay.deliver(nul.as_bytes()).await, 200);
    assert_eq!(relay.deliver(nul.as_bytes()).await, 200);
    // An absurdly long message id and sender (3,000 characters; PostgreSQL cannot index
    // such a key as it is): stored, once however often repeated.
    let long = String::from_utf8(fixture("text.json", "5001"))
        .unwrap()
        .replace(
            "wamid.TEST.text.0001",
            &format!("wamid.{}", "L".repeat(3000)),
        )
        .replace("\"6281234567890\"", &format!("\"{}\"", "9".repeat(3000)));
    assert_eq!(relay.deliver(long.as_bytes()).await, 200);
    assert_eq!(relay.deliver(long.as_bytes()).await, 200);
    let events = all_events(&a).await;
    assert_eq!(events.len(), 3, "{events:?}");
    let events: Vec<_> = events.into_iter().take(2).collect();
    assert_eq!(events.len(), 2, "{events:?}");
    match &events[1].body {
        EventBody::WhatsappMessage(m) => {
            assert_eq!(m.id, "wamid.NUL\u{fffd}.1");
            assert_eq!(
                m.text.as_deref(),
                Some("mas, beras pulen 5 kg ada? sekalian gula\u{fffd} 2 kg")
            );
        }
        other => panic!("{other:?}"),
    }

    let err = fixture("errors_rate_limit.json", "5002");
    assert_eq!(relay.deliver(&err).await, 200);
    assert_eq!(
        relay.deliver(&err).await,
        200,
        "Meta's retry of the same delivery"
    );
    let later = String::from_utf8(err.clone())
        .unwrap()
        .replace("880011223344", "880011223345");
    assert_eq!(
        relay.deliver(later.as_bytes()).await,
        200,
        "a later delivery, same error"
    );
    let errors = all_events(&b)
        .await
        .into_iter()
        .filter(|e| matches!(e.body, EventBody::WhatsappError(_)))
        .count();
    assert_eq!(errors, 2);

    let waiting = {
        let a = a.clone();
        tokio::spawn(async move { a.events(3, Duration::from_secs(25)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    relay.stop().await;
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "stopped in {:?}",
        t.elapsed()
    );
    assert!(waiting.await.unwrap().unwrap().events.is_empty());
}

/// A client that opens a connection and never finishes its headers is cut off (it held the
/// relay's connections forever), while others are served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(&dir.path().join("relay.db")).await;
    let addr = relay.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    // Others are served while it dawdles.
    let ok = reqwest::get(format!("{}/healthz", relay.base))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "still open after 20 s");
    assert!(
        t.elapsed() >= pasar_relay::HEADER_TIMEOUT - Duration::from_secs(1),
        "closed after the header timeout, not before ({:?})",
        t.elapsed()
    );
    relay.stop().await;
}
