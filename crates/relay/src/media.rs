//! Files. A customer's picture, voice note or document arrives in a webhook as a WhatsApp
//! media id; the relay queues it with the message (one transaction), and the fetcher below
//! downloads it (`GET /{media-id}` for a short-lived URL, then that URL, both with the access
//! token), checks its SHA-256 against the webhook's, keeps it, and tells the desktop
//! (`WhatsappMedia` event), which downloads it from the relay (`GET /v1/media/{id}`) — media
//! ids are only downloadable from WhatsApp for 7 days, and the laptop may be off for longer.
//!
//! The other way, a desktop uploads a file (`POST /v1/media`, kept under its SHA-256) and names
//! it in a message; the sender uploads it to WhatsApp (`POST /{phone-number-id}/media`,
//! multipart) the first time and reuses WhatsApp's id for 29 days.

use crate::outbound::{Outcome, Sender};
use crate::store::{Fetched, MediaJob, Store};
use crate::{ApiError, AppState, blocking, now, stamp};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{Duration as Span, Utc};
use pasar_link::{EventBody, MediaReady, MediaUploaded, PlatformError};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The largest file WhatsApp carries (documents; inbound files over it never come).
pub const MAX_MEDIA: usize = 100 * 1024 * 1024;
/// What one shop may keep on the relay (files leave after 30 days) unless SHOP_MEDIA_QUOTA_MB
/// says otherwise.
pub const SHOP_QUOTA: i64 = 500 * 1024 * 1024;
/// Uploads read at once per instance (each held in memory until stored).
pub const UPLOADS_AT_ONCE: usize = 4;

/// Reads an upload: its bytes when at most `max`; else an error, after reading on (and
/// dropping) up to `MAX_MEDIA` so the desktop hears the answer rather than a broken pipe.
async fn read_body(mut body: Body, max: usize) -> Result<Vec<u8>, ()> {
    use http_body_util::BodyExt;
    let (mut out, mut seen) = (Vec::new(), 0usize);
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| ())?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen > max {
            out = Vec::new();
            if seen > MAX_MEDIA {
                break;
            }
            continue;
        }
        out.extend_from_slice(&data);
    }
    if seen > max { Err(()) } else { Ok(out) }
}

fn quota_exceeded(used: i64, quota: i64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "quota_exceeded",
        format!(
            "the shop keeps {} MB of its {} MB of files on the relay; files leave after 30 days",
            used >> 20,
            quota >> 20
        ),
    )
}
/// How the Cloud API body names a file kept on the relay until the sender uploads it.
pub const MARK: &str = "relay-media:";
/// Files are kept this long, then dropped.
const KEEP: Span = Span::days(30);
/// WhatsApp keeps an uploaded file 30 days; reuse its id a day less.
const GRAPH_KEEP: Span = Span::days(29);
/// Tries before a customer's file is given up (WhatsApp keeps it 7 days).
const MAX_TRIES: i64 = 24;
/// The longest one download may take (WhatsApp's largest file over a slow line).
const FETCH_TIME: Duration = Duration::from_secs(120);

/// The largest file of this type WhatsApp accepts, or None for a type it does not send.
pub fn cap(mime: &str) -> Option<usize> {
    const MB: usize = 1024 * 1024;
    let mime = mime.split(';').next().unwrap_or("").trim();
    match mime {
        "image/jpeg" | "image/png" => Some(5 * MB),
        "image/webp" => Some(500 * 1024),
        "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" => Some(16 * MB),
        "video/mp4" | "video/3gpp" => Some(16 * MB),
        "application/pdf"
        | "text/plain"
        | "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            Some(MAX_MEDIA)
        }
        _ => None,
    }
}

/// Whether a file of this type can go as a WhatsApp image (else only as a document).
pub fn is_image(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png")
}

/// Standard base64 with padding (WhatsApp writes media hashes this way; HTTP Basic auth too).
pub fn base64(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether `bytes` hash to what WhatsApp said (base64, as in webhooks, or hex).
pub fn same_hash(bytes: &[u8], said: &str) -> bool {
    let h = Sha256::digest(bytes);
    let said = said.trim();
    said == base64(&h) || said.eq_ignore_ascii_case(&hex::encode(h))
}

/// Why one fetch did not give the file: worth another try, or not.
enum Miss {
    Again(String),
    Never(String),
}

fn graph_error(status: u16, body: &Value) -> Miss {
    let code = body.pointer("/error/code").and_then(Value::as_i64);
    let message = body
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("no message");
    let said = format!("WhatsApp answered {status}: {message}");
    if status >= 500 || status == 429 || matches!(code, Some(4 | 80007 | 130429 | 2 | 1)) {
        Miss::Again(said)
    } else {
        Miss::Never(said)
    }
}

/// Whether the access token may be sent to `url`: WhatsApp's media URLs are https; a plain
/// http one is only trusted on the Graph API's own host (a local fake in tests).
fn may_carry_token(url: &str, graph: &str) -> bool {
    let origin = |u: &str| -> Option<String> {
        let (scheme, rest) = u.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        Some(format!("{scheme}://{host}").to_ascii_lowercase())
    };
    url.starts_with("https://") || (origin(url).is_some() && origin(url) == origin(graph))
}

/// Downloads one customer file from WhatsApp.
async fn fetch(sender: &Sender, job: &MediaJob) -> Result<(String, Vec<u8>), Miss> {
    let Some(token) = &sender.token else {
        return Err(Miss::Again(
            "WHATSAPP_ACCESS_TOKEN is not set on the relay".into(),
        ));
    };
    let hide = |e: reqwest::Error| Miss::Again(e.to_string().replace(token.as_str(), "***"));
    let mut url = format!("{}/{}", sender.graph, job.id);
    if !job.phone_number_id.is_empty() {
        url.push_str(&format!("?phone_number_id={}", job.phone_number_id));
    }
    let res = sender
        .http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(hide)?;
    let status = res.status().as_u16();
    let meta: Value = res.json().await.unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        return Err(graph_error(status, &meta));
    }
    let Some(file_url) = meta.get("url").and_then(Value::as_str) else {
        return Err(Miss::Again("WhatsApp gave no media URL".into()));
    };
    let size: Option<usize> = match meta.get("file_size") {
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_u64().map(|n| n as usize),
        _ => None,
    };
    if size.is_some_and(|s| s > MAX_MEDIA) {
        return Err(Miss::Never(format!(
            "the file is larger than {} MB",
            MAX_MEDIA >> 20
        )));
    }
    if !may_carry_token(file_url, &sender.graph) {
        return Err(Miss::Never(
            "WhatsApp's media URL is not https; the token was not sent".into(),
        ));
    }
    let mut res = sender
        .http
        .get(file_url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .map_err(hide)?;
    let status = res.status().as_u16();
    if !(200..300).contains(&status) {
        // 404: the URL lapsed (5 minutes); the next try asks for a fresh one.
        return Err(Miss::Again(format!("the media URL answered {status}")));
    }
    let mime = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            meta.get("mime_type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| job.mime_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    let mut bytes = Vec::with_capacity(size.unwrap_or(0).min(MAX_MEDIA));
    while let Some(chunk) = res.chunk().await.map_err(hide)? {
        if bytes.len() + chunk.len() > MAX_MEDIA {
            return Err(Miss::Never(format!(
                "the file is larger than {} MB",
                MAX_MEDIA >> 20
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let want = job.sha256.clone().or_else(|| {
        meta.get("sha256")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(want) = want
        && !same_hash(&bytes, &want)
    {
        return Err(Miss::Again(
            "the file does not match WhatsApp's SHA-256 (cut short or altered)".into(),
        ));
    }
    Ok((mime, bytes))
}

/// 5 s, 10 s, 20 s … up to an hour between tries (24 tries: about 13 hours in all).
fn retry_after(attempts: i64) -> Span {
    Span::seconds((5i64 << (attempts - 1).clamp(0, 20)).min(3600))
}

/// The fetcher: downloads queued customer files under a lease (a few shops at a time, each
/// shop's one at a time, `workers`; several relay instances share the queue), and drops files
/// older than 30 days once an hour.
pub(crate) async fn run(
    store: Arc<dyn Store>,
    sender: Sender,
    poke: Arc<tokio::sync::Notify>,
    news: watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    stop: watch::Receiver<bool>,
) {
    let mut purged = Utc::now() - Span::hours(2);
    let claim = |free: usize| {
        // Once an hour, files older than 30 days go first.
        let purge = (Utc::now() - purged > Span::hours(1)).then(|| {
            purged = Utc::now();
            stamp(purged - KEEP)
        });
        let st = store.clone();
        let (t, lease) = (stamp(Utc::now()), stamp(Utc::now() + Span::minutes(3)));
        async move {
            if let Some(before) = purge {
                let st = st.clone();
                match tokio::task::spawn_blocking(move || st.purge_media(&before)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(files = n, "old files dropped"),
                    Ok(Err(e)) => tracing::warn!(error = %e, "old files not dropped"),
                    _ => {}
                }
            }
            tokio::task::spawn_blocking(move || st.claim_media(&t, &lease, free as i64))
                .await
                .ok()
                .and_then(|r| {
                    r.map_err(|e| tracing::error!(error = %e, "media queue unreadable"))
                        .ok()
                })
                .unwrap_or_default()
        }
    };
    let work = |job: MediaJob| {
        fetch_one(
            store.clone(),
            sender.clone(),
            news.clone(),
            metrics.clone(),
            job,
        )
    };
    crate::workers::run(claim, work, &poke, Duration::from_secs(5), stop).await;
}

/// Fetches one customer file and records what came of it (an event when it ended).
async fn fetch_one(
    store: Arc<dyn Store>,
    sender: Sender,
    news: watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    job: MediaJob,
) {
    let attempts = job.attempts + 1;
    // A file that trickles in holds up the queue: two minutes each, then try later.
    let got = tokio::time::timeout(FETCH_TIME, fetch(&sender, &job))
        .await
        .unwrap_or_else(|_| {
            Err(Miss::Again(format!(
                "the download took longer than {} s",
                FETCH_TIME.as_secs()
            )))
        });
    let (fetched, event) = match got {
        Ok((mime, bytes)) => {
            let ready = MediaReady {
                id: job.id.clone(),
                message_id: job.message_id.clone(),
                state: "ready".into(),
                mime_type: Some(mime.clone()),
                size: Some(bytes.len() as i64),
                error: None,
            };
            tracing::info!(media = %job.id, bytes = bytes.len(), "customer file kept");
            (
                Fetched::Ready {
                    mime_type: mime,
                    bytes,
                },
                Some(ready),
            )
        }
        Err(Miss::Again(error)) if attempts < MAX_TRIES => {
            tracing::warn!(media = %job.id, attempts, %error, "customer file not fetched yet");
            let at = stamp(Utc::now() + retry_after(attempts));
            (Fetched::Retry { at, error }, None)
        }
        Err(Miss::Again(error) | Miss::Never(error)) => {
            tracing::warn!(media = %job.id, attempts, %error, "customer file given up");
            let failed = MediaReady {
                id: job.id.clone(),
                message_id: job.message_id.clone(),
                state: "failed".into(),
                mime_type: job.mime_type.clone(),
                size: None,
                error: Some(error.clone()),
            };
            (Fetched::Failed { error }, Some(failed))
        }
    };
    let outcome = match &fetched {
        Fetched::Ready { .. } => "ready",
        Fetched::Retry { .. } => "retry",
        Fetched::Failed { .. } => "failed",
    };
    metrics.inc("pasar_relay_media_fetches_total", &[("outcome", outcome)]);
    let body = event
        .map(|e| serde_json::to_string(&EventBody::WhatsappMedia(e)).expect("events serialise"));
    let st = store.clone();
    let (shop, id, t) = (job.shop_id, job.id.clone(), now());
    let done = tokio::task::spawn_blocking(move || {
        st.finish_media(shop, &id, &fetched, body.as_deref(), &t)
    })
    .await;
    match done {
        Ok(Ok(true)) => news.send_modify(|n| *n = n.wrapping_add(1)),
        Ok(Ok(false)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "media queue not updated"),
        Err(e) => tracing::error!(error = %e, "media task failed"),
    }
}

/// A multipart/form-data body for WhatsApp's media upload, and its content type.
fn multipart(mime: &str, filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("pasar-{}", crate::auth::new_token());
    // A filename is a header value here: nothing that could end it.
    let name: String = filename
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '\r' | '\n') && !c.is_control())
        .take(200)
        .collect();
    let mut b = Vec::with_capacity(bytes.len() + 512);
    for (field, value) in [("messaging_product", "whatsapp"), ("type", mime)] {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(bytes);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

fn platform(title: &str, message: Option<String>) -> PlatformError {
    PlatformError {
        code: 0,
        title: Some(title.into()),
        message,
        details: None,
    }
}

/// The Cloud API body of an outbox job with any file kept on the relay replaced by
/// WhatsApp's id for it (uploaded now when it has none, or an old one).
pub(crate) async fn resolve(
    store: &Arc<dyn Store>,
    sender: &Sender,
    shop_id: i64,
    phone_number_id: &str,
    body: &str,
) -> Result<String, Outcome> {
    let mut b: Value = serde_json::from_str(body).map_err(|e| {
        Outcome::Failed(platform(
            "the queued message is unreadable",
            Some(e.to_string()),
        ))
    })?;
    let kind = b
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(ours) = b
        .pointer(&format!("/{kind}/id"))
        .and_then(Value::as_str)
        .and_then(|id| id.strip_prefix(MARK))
        .map(str::to_string)
    else {
        return Ok(body.to_string());
    };
    let st = store.clone();
    let id = ours.clone();
    let row = tokio::task::spawn_blocking(move || st.media(shop_id, &id))
        .await
        .map_err(|e| Outcome::Retry(platform("the relay's store failed", Some(e.to_string()))))?
        .map_err(|e| Outcome::Retry(platform("the relay's store failed", Some(e.to_string()))))?
        .ok_or_else(|| Outcome::Failed(platform("the file is no longer on the relay", None)))?;
    let fresh = row
        .graph_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| Utc::now() - t.with_timezone(&Utc) < GRAPH_KEEP);
    let graph_id = match (row.graph_id, fresh) {
        (Some(g), true) => g,
        _ => {
            let Some(token) = &sender.token else {
                return Err(Outcome::Retry(platform(
                    "WHATSAPP_ACCESS_TOKEN is not set on the relay",
                    None,
                )));
            };
            let st = store.clone();
            let id = ours.clone();
            let bytes = tokio::task::spawn_blocking(move || st.media_bytes(shop_id, &id))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .ok_or_else(|| {
                    Outcome::Failed(platform("the file is no longer on the relay", None))
                })?;
            let mime = row
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into());
            let name = row.filename.unwrap_or_else(|| "file".into());
            let (content_type, form) = multipart(&mime, &name, &bytes);
            let res = sender
                .http
                .post(format!("{}/{}/media", sender.graph, phone_number_id))
                .bearer_auth(token)
                .header(header::CONTENT_TYPE, content_type)
                .timeout(Duration::from_secs(300))
                .body(form)
                .send()
                .await
                .map_err(|e| {
                    Outcome::Retry(platform(
                        "WhatsApp unreachable",
                        Some(e.to_string().replace(token.as_str(), "***")),
                    ))
                })?;
            let status = res.status().as_u16();
            let answer: Value = res.json().await.unwrap_or(Value::Null);
            let graph_id = match answer.get("id").and_then(Value::as_str) {
                Some(g) if (200..300).contains(&status) => g.to_string(),
                _ => return Err(crate::outbound::outcome(status, &answer)),
            };
            let st = store.clone();
            let (id, g, t) = (ours.clone(), graph_id.clone(), now());
            let _ =
                tokio::task::spawn_blocking(move || st.set_media_graph_id(shop_id, &id, &g, &t))
                    .await;
            tracing::info!(media = %ours, "file uploaded to WhatsApp");
            graph_id
        }
    };
    b[&kind]["id"] = Value::String(graph_id);
    Ok(b.to_string())
}

#[derive(serde::Deserialize)]
pub(crate) struct UploadQuery {
    filename: Option<String>,
}

/// A desktop puts a file on the relay to send: kept under the SHA-256 of its bytes.
pub(crate) async fn upload(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<UploadQuery>,
    body: axum::body::Body,
) -> Result<Json<MediaUploaded>, ApiError> {
    // Who is asking, and whether the file may come at all, before a byte of it is read: a
    // stranger's 100 MB upload is refused unread.
    let dev = crate::device(&s, &headers).await?;
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let Some(max) = cap(&mime) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media",
            format!(
                "WhatsApp does not send files of type '{mime}' (PDF, JPEG, PNG, Office documents, MP3/OGG/AAC/AMR, MP4)"
            ),
        ));
    };
    let too_big = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad_size",
            format!("a {mime} file: 1 byte to {} KB", max / 1024),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > max) {
        // Read (and dropped) when within reason, so the desktop hears why instead of a
        // connection cut mid-send.
        if n <= MAX_MEDIA {
            let _ = read_body(body, 0).await;
        }
        return Err(too_big());
    }
    let quota = s.config.shop_media_quota.unwrap_or(SHOP_QUOTA);
    let used = {
        let store = s.store.clone();
        let shop = dev.shop_id;
        blocking(move || store.media_usage(shop)).await?
    };
    let over = |len: usize| used.saturating_add(len as i64) > quota;
    // A file bigger than the whole room never fits; one that does not fit beside the rest
    // may be a file the shop has already (a retried upload): known once it is read.
    if declared.is_some_and(|n| n as i64 > quota) {
        let _ = read_body(body, 0).await;
        return Err(quota_exceeded(used, quota));
    }
    // A few uploads are read at once (each is held in memory until stored).
    let _slot = tokio::time::timeout(Duration::from_secs(30), s.uploads.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "other uploads are being received; try again in a minute",
            )
        })?;
    let body = read_body(body, max).await.map_err(|_| too_big())?;
    if body.is_empty() {
        return Err(too_big());
    }
    let id = hex::encode(Sha256::digest(&body));
    // The same file again takes no more room.
    if over(body.len()) {
        let store = s.store.clone();
        let (shop, i) = (dev.shop_id, id.clone());
        if blocking(move || store.media(shop, &i)).await?.is_none() {
            return Err(quota_exceeded(used, quota));
        }
    }
    let filename = q
        .filename
        .map(|f| {
            f.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|f| !f.is_empty());
    let store = s.store.clone();
    let (shop, i, m, t) = (dev.shop_id, id.clone(), mime.clone(), now());
    let row =
        blocking(move || store.put_media(shop, &i, &m, filename.as_deref(), &body, &t)).await?;
    Ok(Json(MediaUploaded {
        id,
        mime_type: mime,
        size: row.size.unwrap_or(0),
    }))
}

fn no_such_file() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_media",
        "this shop has no such file",
    )
}

/// A file of the device's shop: a customer's once fetched, or one the shop uploaded.
pub(crate) async fn download(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let dev = crate::device(&s, &headers).await?;
    let store = s.store.clone();
    let i = id.clone();
    let row = blocking(move || store.media(dev.shop_id, &i))
        .await?
        .ok_or_else(no_such_file)?;
    match row.state.as_str() {
        "ready" => {}
        "failed" => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "media_failed",
                row.error
                    .unwrap_or_else(|| "the file could not be fetched".into()),
            ));
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_ready",
                "the file is still being fetched from WhatsApp",
            ));
        }
    }
    let store = s.store.clone();
    let bytes = blocking(move || store.media_bytes(dev.shop_id, &id))
        .await?
        .ok_or_else(no_such_file)?;
    let mime = row
        .mime_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_whatsapp_writes_them() {
        // SHA-256("abc"), base64 and hex.
        assert!(same_hash(
            b"abc",
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        ));
        assert!(same_hash(
            b"abc",
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        ));
        assert!(!same_hash(
            b"abd",
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        ));
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn the_token_goes_only_where_it_belongs() {
        let graph = "http://127.0.0.1:9000/v24.0";
        assert!(may_carry_token(
            "https://lookaside.fbsbx.com/x?mid=1",
            graph
        ));
        assert!(may_carry_token("http://127.0.0.1:9000/file/1", graph));
        assert!(!may_carry_token("http://evil.example/file", graph));
        assert!(!may_carry_token("http://127.0.0.1:9001/file", graph));
        assert!(!may_carry_token(
            "ftp://x",
            "https://graph.facebook.com/v24.0"
        ));
    }

    #[test]
    fn types_and_sizes_as_whatsapp_takes_them() {
        assert_eq!(cap("application/pdf"), Some(MAX_MEDIA));
        assert_eq!(cap("image/jpeg; charset=binary"), Some(5 << 20));
        assert_eq!(cap("application/x-msdownload"), None);
        assert!(is_image("image/png") && !is_image("image/webp"));
    }

    #[test]
    fn a_filename_cannot_break_the_form() {
        let (ct, body) = multipart("application/pdf", "nota\"\r\nX-Evil: 1.pdf", b"%PDF");
        let text = String::from_utf8_lossy(&body);
        assert!(ct.starts_with("multipart/form-data; boundary=pasar-"));
        assert!(text.contains("filename=\"notaX-Evil: 1.pdf\""), "{text}");
        assert!(text.contains("name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"));
        assert!(text.ends_with("--\r\n"));
    }
}
