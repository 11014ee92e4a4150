//! pasar-relay: the always-on address a shop's laptop cannot be. It receives WhatsApp (and,
//! next, Midtrans) webhooks for many shops, stores each durably **before** acknowledging it,
//! routes it to the shop that owns it, and holds it until that shop's desktop collects it
//! through the device API (`pasar_link`).
//!
//! Architecture invariants: knows WhatsApp, payments and mailboxes, never shop rules (no
//! pasar-core); storage only through `store::Store`; every device request is scoped to the
//! device's own shop; secrets (app secret, tokens) are never logged and tokens are stored
//! hashed.

pub mod auth;
pub mod store;
pub mod whatsapp;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pasar_link::{AckRequest, ErrorBody, Event, EventsPage, PairRequest, PairResponse, path};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::watch;

/// What the relay is configured with (from the environment; see `Config::from_env`).
#[derive(Clone, Default)]
pub struct Config {
    /// WHATSAPP_APP_SECRET: signs every webhook POST (X-Hub-Signature-256).
    pub whatsapp_app_secret: Option<String>,
    /// WHATSAPP_VERIFY_TOKEN: answers Meta's subscription handshake.
    pub whatsapp_verify_token: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets are never printed, only whether they are set.
        f.debug_struct("Config")
            .field("whatsapp_app_secret", &self.whatsapp_app_secret.is_some())
            .field(
                "whatsapp_verify_token",
                &self.whatsapp_verify_token.is_some(),
            )
            .finish()
    }
}

impl Config {
    pub fn from_env() -> Config {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Config {
            whatsapp_app_secret: var("WHATSAPP_APP_SECRET"),
            whatsapp_verify_token: var("WHATSAPP_VERIFY_TOKEN"),
        }
    }
}

/// The largest webhook body accepted (Meta: up to 3 MB per delivery).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Events per page.
const PAGE: i64 = 500;

#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    config: Arc<Config>,
    /// Bumped after every stored event: held-open event requests wake and look.
    news: watch::Sender<u64>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            news: watch::Sender::new(0),
        }
    }
}

/// The relay's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(path::HEALTH, get(health))
        .route(
            "/webhooks/whatsapp",
            get(whatsapp_verify).post(whatsapp_event),
        )
        .route(path::PAIR, post(pair))
        .route(path::EVENTS, get(events))
        .route(path::ACK, post(ack))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(pasar_link::MAX_WAIT_SECS + 15),
        ))
        .with_state(state)
}

/// Serves on a bound listener until `shutdown` resolves, then finishes the requests in
/// flight (tests bind port 0 and run the real thing).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// An answer the relay gives when it says no: a status, a stable code, a message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "storage failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            "the relay could not store or read; try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                code: self.code.into(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// Runs a blocking store call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn health(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    let store = s.store.clone();
    blocking(move || store.shops().map(|_| ())).await?;
    Ok("ok")
}

/// Meta's subscription handshake: the challenge back when the verify token matches.
async fn whatsapp_verify(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let want = s.config.whatsapp_verify_token.as_deref();
    let mode = q.get("hub.mode").map(String::as_str);
    let token = q.get("hub.verify_token").map(String::as_str);
    match (want, mode, token, q.get("hub.challenge")) {
        (Some(w), Some("subscribe"), Some(t), Some(challenge))
            if auth::same(w.as_bytes(), t.as_bytes()) =>
        {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

/// A webhook delivery: signature first (401 for anything unsigned or forged), then stored
/// durably, then 200. A signed delivery nothing can be made of is kept aside and
/// acknowledged (a non-200 would only make Meta send it again for days).
async fn whatsapp_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Some(secret) = s.config.whatsapp_app_secret.clone() else {
        tracing::warn!("WhatsApp webhook refused: WHATSAPP_APP_SECRET is not set");
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "WhatsApp is not configured on this relay",
        ));
    };
    let sig = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !whatsapp::signed(secret.as_bytes(), &body, sig) {
        tracing::warn!(
            bytes = body.len(),
            "WhatsApp webhook with a bad signature refused"
        );
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "X-Hub-Signature-256 does not match",
        ));
    }
    let store = s.store.clone();
    let at = now();
    match whatsapp::inbound(&body) {
        Ok(items) => {
            let done = blocking(move || store.ingest(&items, &at)).await?;
            if done.unrouted > 0 {
                tracing::warn!(
                    count = done.unrouted,
                    "WhatsApp items for no shop kept aside"
                );
            }
            if !done.stored.is_empty() {
                s.news.send_modify(|n| *n = n.wrapping_add(1));
            }
            tracing::info!(
                stored = done.stored.len(),
                duplicates = done.duplicates,
                "WhatsApp webhook stored"
            );
        }
        Err(whatsapp::Unreadable(why)) => {
            let raw = String::from_utf8_lossy(&body).into_owned();
            tracing::warn!(reason = %why, "signed WhatsApp webhook unreadable; kept aside");
            blocking(move || store.set_aside("whatsapp", &why, &raw, &at)).await?;
        }
    }
    Ok(StatusCode::OK)
}

async fn pair(
    State(s): State<AppState>,
    Json(req): Json<PairRequest>,
) -> Result<Json<PairResponse>, ApiError> {
    let name: String = req.device_name.trim().chars().take(80).collect();
    if name.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "device_name is empty",
        ));
    }
    let code_hash = auth::hash(&auth::normalise_code(&req.code));
    let token = auth::new_token();
    let token_hash = auth::hash(&token);
    let store = s.store.clone();
    let at = now();
    let paired = blocking(move || store.pair(&code_hash, &name, &token_hash, &at)).await?;
    match paired {
        Some(p) => {
            tracing::info!(shop = p.shop_id, device = p.device_id, "device paired");
            Ok(Json(PairResponse {
                shop_id: p.shop_id,
                shop_name: p.shop_name,
                device_id: p.device_id,
                token,
            }))
        }
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_code",
            "the pairing code is unknown, used or expired",
        )),
    }
}

/// The device a request's bearer token belongs to (401 for none, unknown or revoked).
async fn device(s: &AppState, headers: &HeaderMap) -> Result<store::DeviceRow, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "no device token")
        })?;
    let hash = auth::hash(token);
    let store = s.store.clone();
    match blocking(move || store.device(&hash)).await? {
        Some(d) if !d.revoked => Ok(d),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "revoked",
            "this device's token was revoked; pair it again",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown device token",
        )),
    }
}

#[derive(serde::Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    wait: u64,
}

/// The device's shop's events after a cursor; with `wait`, held open until one comes.
async fn events(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    let dev = device(&s, &headers).await?;
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(q.wait.min(pasar_link::MAX_WAIT_SECS));
    let mut news = s.news.subscribe();
    loop {
        news.mark_unchanged();
        let store = s.store.clone();
        let (shop, after) = (dev.shop_id, q.after.max(0));
        let rows = blocking(move || store.events_after(shop, after, PAGE)).await?;
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline {
            let next = rows.last().map_or(after, |r| r.seq);
            let events = rows
                .into_iter()
                .filter_map(|r| {
                    let body = serde_json::from_str(&r.body)
                        .map_err(
                            |e| tracing::error!(seq = r.seq, error = %e, "stored event unreadable"),
                        )
                        .ok()?;
                    Some(Event {
                        seq: r.seq,
                        received_at: r.received_at,
                        body,
                    })
                })
                .collect();
            return Ok(Json(EventsPage { events, next }));
        }
        // Woken by news on this instance, or every second (another instance may have
        // stored it), until the deadline.
        let tick = (deadline - tokio::time::Instant::now()).min(Duration::from_secs(1));
        let _ = tokio::time::timeout(tick, news.changed()).await;
    }
}

async fn ack(
    State(s): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<AckRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let dev = device(&s, &headers).await?;
    let store = s.store.clone();
    blocking(move || store.ack(dev.id, req.upto)).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}
