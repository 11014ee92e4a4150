//! Files both ways against a local fake of the Graph API that serves media as Meta does (a
//! media id → a short-lived URL → the bytes, each with the access token) and takes uploads
//! as multipart forms: a customer's picture reaches the desktop through the relay; a receipt
//! PDF the desktop uploads goes to WhatsApp once and is sent by WhatsApp's id.

mod common;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use pasar_link::client::{Client, LinkError};
use pasar_link::{EventBody, MediaReady, OutboundMessage, OutboundRequest};
use pasar_relay::store::Store;
use pasar_relay::{Config, whatsapp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "EAAG-media-test-token";
const SECRET: &str = "media-app-secret";
const PNID: &str = "106500000000077";
const CUSTOMER: &str = "6281299990000";

type Files = HashMap<String, (String, Vec<u8>)>;
type Uploads = Vec<(String, String, Vec<u8>)>;

#[derive(Clone, Default)]
struct Graph {
    base: Arc<Mutex<String>>,
    /// Media WhatsApp holds: id → (mime, bytes).
    files: Arc<Mutex<Files>>,
    /// Downloads of a file that fail with 500 before one succeeds.
    flaky: Arc<Mutex<HashMap<String, usize>>>,
    /// Serves this many bytes less than the file (a cut-short download).
    cut: Arc<Mutex<HashMap<String, usize>>>,
    /// Uploads received: (phone-number id, content type, body).
    uploads: Arc<Mutex<Uploads>>,
    /// Messages sent.
    sent: Arc<Mutex<Vec<Value>>>,
    /// Requests without the right token.
    unauthorised: Arc<Mutex<usize>>,
}

fn authorised(g: &Graph, h: &HeaderMap) -> bool {
    let ok = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"));
    if !ok {
        *g.unauthorised.lock().unwrap() += 1;
    }
    ok
}

fn graph_error(code: i64, message: &str) -> Json<Value> {
    Json(
        json!({"error": {"message": message, "type": "OAuthException", "code": code,
                          "fbtrace_id": "AbC123"}}),
    )
}

/// GET /{media-id}: where to download it (valid a few minutes).
async fn media_url(
    State(g): State<Graph>,
    Path(id): Path<String>,
    h: HeaderMap,
) -> (StatusCode, Json<Value>) {
    if !authorised(&g, &h) {
        return (
            StatusCode::UNAUTHORIZED,
            graph_error(190, "Invalid OAuth access token"),
        );
    }
    match g.files.lock().unwrap().get(&id) {
        Some((mime, bytes)) => (
            StatusCode::OK,
            Json(json!({
                "messaging_product": "whatsapp",
                "url": format!("{}/lookaside/{id}?ext=1", g.base.lock().unwrap()),
                "mime_type": mime,
                "sha256": hex::encode(Sha256::digest(bytes)),
                "file_size": bytes.len().to_string(),
                "id": id,
            })),
        ),
        None => (
            StatusCode::BAD_REQUEST,
            graph_error(100, "Unsupported get request. Object does not exist"),
        ),
    }
}

async fn lookaside(
    State(g): State<Graph>,
    Path(id): Path<String>,
    h: HeaderMap,
) -> axum::response::Response {
    if !authorised(&g, &h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Some(n) = g.flaky.lock().unwrap().get_mut(&id)
        && *n > 0
    {
        *n -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let Some((mime, mut bytes)) = g.files.lock().unwrap().get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(short) = g.cut.lock().unwrap().get(&id) {
        bytes.truncate(bytes.len() - short);
    }
    ([(header::CONTENT_TYPE, mime)], bytes).into_response()
}

async fn upload(
    State(g): State<Graph>,
    Path(pnid): Path<String>,
    h: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    if !authorised(&g, &h) {
        return (
            StatusCode::UNAUTHORIZED,
            graph_error(190, "Invalid OAuth access token"),
        );
    }
    let ct = h[header::CONTENT_TYPE].to_str().unwrap().to_string();
    let n = {
        let mut u = g.uploads.lock().unwrap();
        u.push((pnid, ct, body.to_vec()));
        u.len()
    };
    (
        StatusCode::OK,
        Json(json!({"id": format!("90000000000{n}")})),
    )
}

async fn messages(State(g): State<Graph>, h: HeaderMap, Json(b): Json<Value>) -> Json<Value> {
    assert!(authorised(&g, &h));
    let n = {
        let mut s = g.sent.lock().unwrap();
        s.push(b.clone());
        s.len()
    };
    Json(json!({"messaging_product": "whatsapp",
                "contacts": [{"input": b["to"], "wa_id": b["to"]}],
                "messages": [{"id": format!("wamid.MEDIA.{n}")}]}))
}

struct World {
    base: String,
    store: Arc<dyn Store>,
    graph: Graph,
    device: Client,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    world_with(Config::default()).await
}

/// A world whose relay has these settings besides the Graph API's.
async fn world_with(extra: Config) -> World {
    let graph = Graph::default();
    let app = Router::new()
        .route("/v24.0/{id}", get(media_url))
        .route("/v24.0/{pnid}/media", post(upload))
        .route("/v24.0/{pnid}/messages", post(messages))
        .route("/lookaside/{id}", get(lookaside))
        .with_state(graph.clone());
    let graph_host = common::fake(app).await;
    *graph.base.lock().unwrap() = graph_host.clone();

    let dir = tempfile::tempdir().unwrap();
    let store = common::store(&dir.path().join("relay.db"));
    let config = Config {
        whatsapp_app_secret: Some(SECRET.into()),
        whatsapp_access_token: Some(TOKEN.into()),
        whatsapp_graph_url: Some(format!("{graph_host}/v24.0")),
        ..extra
    };
    let base = common::serve(store.clone(), config).await;
    let (shop, device, _) = common::paired(store.as_ref(), &base, "Warung Foto").await;
    store.set_whatsapp_number(shop, PNID).unwrap();
    World {
        base,
        store,
        graph,
        device,
        _dir: dir,
    }
}

/// A signed webhook with one picture (or document) message, as Meta sends it.
fn picture(wamid: &str, media_id: &str, mime: &str, bytes: &[u8]) -> Vec<u8> {
    let kind = if mime.starts_with("image/") {
        "image"
    } else {
        "document"
    };
    // base64, as in Meta's webhooks
    let sha = pasar_relay::media::base64(&Sha256::digest(bytes));
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340777", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100007777", "phone_number_id": PNID},
            "contacts": [{"profile": {"name": "Bu Ani"}, "wa_id": CUSTOMER}],
            "messages": [{"from": CUSTOMER, "id": wamid, "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": kind, kind: {"caption": "ini daftar belanjanya", "mime_type": mime,
                "sha256": sha, "id": media_id,
                "url": "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"}}]
        }}]}]
    }))
    .unwrap()
}

impl World {
    async fn deliver(&self, body: &[u8]) -> u16 {
        reqwest::Client::new()
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header(
                "x-hub-signature-256",
                whatsapp::signature(SECRET.as_bytes(), body),
            )
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Waits (up to 15 s) for what became of a customer's file.
    async fn media_event(&self, id: &str) -> MediaReady {
        common::wait_event(
            &self.device,
            15,
            &format!("word on file {id}"),
            |b| match b {
                EventBody::WhatsappMedia(m) if m.id == id => Some(m),
                _ => None,
            },
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_picture_reaches_the_desktop_through_the_relay() {
    let w = world().await;
    let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    w.graph
        .files
        .lock()
        .unwrap()
        .insert("7001".into(), ("image/jpeg".into(), photo.clone()));
    // WhatsApp's file server stumbles: the relay tries again.
    w.graph.flaky.lock().unwrap().insert("7001".into(), 1);
    let body = picture("wamid.PIC.1", "7001", "image/jpeg", &photo);
    assert_eq!(w.deliver(&body).await, 200);
    // The message is there at once; the file follows.
    let page = w.device.events(0, Duration::ZERO).await.unwrap();
    let msg = page
        .events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::WhatsappMessage(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(msg.media.as_ref().unwrap().id, "7001");
    // Queued with the message, in the same commit as the 200.
    let row = w.store.media(1, "7001").unwrap().unwrap();
    assert_eq!(
        (row.direction.as_str(), row.mime_type.as_deref()),
        ("in", Some("image/jpeg"))
    );

    let ready = w.media_event("7001").await;
    assert_eq!(ready.state, "ready", "{ready:?}");
    assert_eq!(ready.message_id, "wamid.PIC.1");
    assert_eq!(ready.size, Some(photo.len() as i64));
    let (mime, got) = w.device.media("7001").await.unwrap();
    assert_eq!(mime, "image/jpeg");
    assert!(got == photo, "the same bytes");
    assert_eq!(*w.graph.unauthorised.lock().unwrap(), 0);

    // The same webhook again (Meta retries): one message, one file, one event.
    assert_eq!(w.deliver(&body).await, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page = w.device.events(0, Duration::ZERO).await.unwrap();
    assert_eq!(
        page.events
            .iter()
            .filter(|e| matches!(e.body, EventBody::WhatsappMedia(_)))
            .count(),
        1
    );

    // Another shop's device cannot read it.
    let (_, other, _) = common::paired(w.store.as_ref(), &w.base, "Toko Sebelah").await;
    assert!(matches!(
        other.media("7001").await,
        Err(LinkError::Refused { status: 404, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whatsapp_no_longer_has_is_reported_not_retried_forever() {
    let w = world().await;
    // Never on WhatsApp (or gone after 7 days): the Graph API answers error 100.
    let body = picture("wamid.PIC.2", "7404", "application/pdf", b"%PDF-1.4 nota");
    assert_eq!(w.deliver(&body).await, 200);
    let failed = w.media_event("7404").await;
    assert_eq!(failed.state, "failed");
    assert!(failed.error.unwrap().contains("does not exist"));
    let err = w.device.media("7404").await.unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 410, code, .. } if code == "media_failed"),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_short_download_is_not_kept() {
    let w = world().await;
    let doc = b"%PDF-1.4 daftar harga grosir minggu ini".to_vec();
    w.graph
        .files
        .lock()
        .unwrap()
        .insert("7002".into(), ("application/pdf".into(), doc.clone()));
    w.graph.cut.lock().unwrap().insert("7002".into(), 5);
    assert_eq!(
        w.deliver(&picture("wamid.DOC.1", "7002", "application/pdf", &doc))
            .await,
        200
    );
    // Fetched, found wrong, queued again: still not downloadable.
    let mut seen = None;
    for _ in 0..100 {
        let row = w.store.media(1, "7002").unwrap().unwrap();
        if let Some(e) = &row.error {
            seen = Some((row.state.clone(), e.clone()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (state, error) = seen.expect("fetched and found wrong");
    assert_eq!(state, "queued");
    assert!(error.contains("SHA-256"), "{error}");
    assert!(matches!(
        w.device.media("7002").await,
        Err(LinkError::Refused { status: 409, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_pdf_is_uploaded_once_and_sent_by_whatsapps_id() {
    let w = world().await;
    // The customer wrote (the 24-hour window is open).
    w.graph
        .files
        .lock()
        .unwrap()
        .insert("7003".into(), ("image/jpeg".into(), vec![0xFF, 0xD8, 0xFF]));
    assert_eq!(
        w.deliver(&picture(
            "wamid.PIC.3",
            "7003",
            "image/jpeg",
            &[0xFF, 0xD8, 0xFF]
        ))
        .await,
        200
    );
    let pdf = b"%PDF-1.4\n% struk penjualan 1042\n%%EOF".to_vec();
    let up = w
        .device
        .upload_media(pdf.clone(), "application/pdf", Some("struk-1042.pdf"))
        .await
        .unwrap();
    assert_eq!(up.id, hex::encode(Sha256::digest(&pdf)));
    assert_eq!(
        (up.mime_type.as_str(), up.size),
        ("application/pdf", pdf.len() as i64)
    );
    // The same file again: the same id.
    let again = w
        .device
        .upload_media(pdf.clone(), "application/pdf", None)
        .await
        .unwrap();
    assert_eq!(again.id, up.id);

    let doc = |key: &str| OutboundRequest {
        key: key.into(),
        to: CUSTOMER.into(),
        message: OutboundMessage::Document {
            link: String::new(),
            media: Some(up.id.clone()),
            filename: Some("struk-1042.pdf".into()),
            caption: Some("Struk belanja Bu Ani".into()),
        },
    };
    w.device.send_message(&doc("struk-1")).await.unwrap();
    w.device.send_message(&doc("struk-2")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while w.graph.sent.lock().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let uploads = w.graph.uploads.lock().unwrap().clone();
    assert_eq!(uploads.len(), 1, "uploaded once, reused");
    let (pnid, ct, form) = &uploads[0];
    assert_eq!(pnid, PNID);
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let form = String::from_utf8_lossy(form);
    assert!(form.starts_with(&format!("--{boundary}\r\n")));
    assert!(form.contains("name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"));
    assert!(form.contains(
        "name=\"file\"; filename=\"struk-1042.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n% struk penjualan 1042\n%%EOF\r\n"
    ));
    let sent = w.graph.sent.lock().unwrap().clone();
    for s in &sent {
        assert_eq!(s["type"], "document");
        assert_eq!(
            s["document"]["id"], "900000000001",
            "WhatsApp's id, not ours"
        );
        assert_eq!(s["document"]["filename"], "struk-1042.pdf");
    }

    // What WhatsApp would not carry, or what was never uploaded, is refused at once.
    let exe = w
        .device
        .upload_media(b"MZ...".to_vec(), "application/x-msdownload", None)
        .await
        .unwrap_err();
    assert!(
        matches!(exe, LinkError::Refused { status: 415, .. }),
        "{exe:?}"
    );
    let big = w
        .device
        .upload_media(vec![0u8; 6 << 20], "image/png", None)
        .await
        .unwrap_err();
    assert!(
        matches!(big, LinkError::Refused { status: 413, .. }),
        "{big:?}"
    );
    let mut unknown = doc("struk-3");
    if let OutboundMessage::Document { media, .. } = &mut unknown.message {
        *media = Some("ab".repeat(32));
    }
    assert!(matches!(
        w.device.send_message(&unknown).await,
        Err(LinkError::Refused { status: 400, .. })
    ));
    let as_image = OutboundRequest {
        key: "img-1".into(),
        to: CUSTOMER.into(),
        message: OutboundMessage::Image {
            link: String::new(),
            media: Some(up.id.clone()),
            caption: None,
        },
    };
    let err = w.device.send_message(&as_image).await.unwrap_err();
    assert!(
        matches!(&err, LinkError::Refused { status: 400, message, .. } if message.contains("JPEG or PNG")),
        "{err:?}"
    );
    // Another shop cannot send (or read) this shop's file.
    let (other_shop, other, _) = common::paired(w.store.as_ref(), &w.base, "Toko Lain").await;
    w.store
        .set_whatsapp_number(other_shop, "106500000000078")
        .unwrap();
    assert!(matches!(
        other.media(&up.id).await,
        Err(LinkError::Refused { status: 404, .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_read_only_from_a_paired_desktop_and_within_the_shops_room() {
    let w = world_with(Config {
        shop_media_quota: Some(1024 * 1024),
        ..Config::default()
    })
    .await;
    // A stranger announcing 100 MB is answered at once, before any of it is sent.
    let addr = w.base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    conn.write_all(
        b"POST /v1/media HTTP/1.1\r\nHost: relay\r\nContent-Type: application/pdf\r\nContent-Length: 104857600\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(3), conn.read(&mut head))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let head = String::from_utf8_lossy(&head[..n]).to_string();
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");

    // The shop's room: 1 MB here. A second file that does not fit is refused plainly; the
    // same file again takes no more room.
    let pdf = |fill: u8| {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(600 * 1024, fill);
        b
    };
    let first = w
        .device
        .upload_media(pdf(b'a'), "application/pdf", Some("a.pdf"))
        .await
        .unwrap();
    let full = w
        .device
        .upload_media(pdf(b'b'), "application/pdf", Some("b.pdf"))
        .await
        .unwrap_err();
    match &full {
        LinkError::Refused {
            status: 413,
            code,
            message,
        } => {
            assert_eq!(code, "quota_exceeded");
            assert!(message.contains("30 days"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let again = w
        .device
        .upload_media(pdf(b'a'), "application/pdf", Some("a.pdf"))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(w.store.media_usage(1).unwrap(), 600 * 1024);
}
