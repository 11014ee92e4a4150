//! pasar-relay: the always-on address a shop's laptop cannot be. It receives WhatsApp and
//! Midtrans webhooks for many shops, stores each durably **before** acknowledging it,
//! routes it to the shop that owns it, and holds it until that shop's desktop collects it
//! through the device API (`pasar_link`).
//!
//! Architecture invariants: knows WhatsApp, payments and mailboxes, never shop rules (no
//! pasar-core); storage only through `store::Store`; every device request is scoped to the
//! device's own shop; secrets (app secret, tokens) are never logged and tokens are stored
//! hashed.

pub mod auth;
#[cfg(feature = "linked-device")]
pub mod linked;
pub mod media;
pub mod metrics;
pub mod midtrans;
pub mod outbound;
pub mod payments;
pub mod secrets;
pub mod store;
pub mod whatsapp;
pub mod workers;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pasar_link::{
    AckRequest, ErrorBody, Event, EventsPage, LinkRequest, LinkState, OutboundAccepted,
    OutboundMessage, OutboundRequest, PairRequest, PairResponse, path,
};
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
    /// MIDTRANS_SERVER_KEY: the relay's Midtrans key, for shops without their own.
    pub midtrans_server_key: Option<String>,
    /// MIDTRANS_BASE_URL (default the production API) and MIDTRANS_SNAP_URL.
    pub midtrans_base_url: Option<String>,
    pub midtrans_snap_url: Option<String>,
    /// WHATSAPP_ACCESS_TOKEN: sends messages through the Cloud API.
    pub whatsapp_access_token: Option<String>,
    /// WHATSAPP_GRAPH_URL (default https://graph.facebook.com/v24.0).
    pub whatsapp_graph_url: Option<String>,
    /// When a new payment's status is first asked of Midtrans if no notification came
    /// (default `payments::FIRST_CHECK`, two minutes; tests make it short).
    pub payment_first_check: Option<Duration>,
    /// METRICS_TOKEN: when set, `/metrics` asks for it as a bearer token.
    pub metrics_token: Option<String>,
    /// SHOP_RATE_PER_SEC and SHOP_BURST: device requests one shop may make (default 20 per
    /// second, 200 at once); more get 429 with Retry-After.
    pub shop_rate: Option<f64>,
    pub shop_burst: Option<f64>,
    /// RELAY_SECRET_KEY: 64 hex digits that seal shops' secrets in the store (`secrets`).
    pub relay_secret_key: Option<String>,
    /// TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For names the client
    /// (`metrics::Proxies`).
    pub trusted_proxies: metrics::Proxies,
    /// SHOP_MEDIA_QUOTA_MB: what one shop may keep on the relay (default 500 MB).
    pub shop_media_quota: Option<i64>,
    /// WHATSAPP_WEB_URL: where the linked-device channel connects (default WhatsApp Web's
    /// address; tests point it at loopback).
    pub whatsapp_web_url: Option<String>,
    /// How long WhatsApp has to answer a linked device before it is reported offline
    /// (default 60 s; tests make it short).
    pub link_connect_timeout: Option<Duration>,
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
            midtrans_server_key: var("MIDTRANS_SERVER_KEY"),
            midtrans_base_url: var("MIDTRANS_BASE_URL"),
            midtrans_snap_url: var("MIDTRANS_SNAP_URL"),
            whatsapp_access_token: var("WHATSAPP_ACCESS_TOKEN"),
            whatsapp_graph_url: var("WHATSAPP_GRAPH_URL"),
            payment_first_check: None,
            metrics_token: var("METRICS_TOKEN"),
            shop_rate: var("SHOP_RATE_PER_SEC").and_then(|v| v.parse().ok()),
            shop_burst: var("SHOP_BURST").and_then(|v| v.parse().ok()),
            relay_secret_key: var("RELAY_SECRET_KEY"),
            // Checked by the binary before it starts (a bad list stops it).
            trusted_proxies: var("TRUSTED_PROXIES")
                .and_then(|v| metrics::Proxies::parse(&v).ok())
                .unwrap_or_default(),
            shop_media_quota: var("SHOP_MEDIA_QUOTA_MB")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|mb| *mb > 0)
                .map(|mb| mb.saturating_mul(1024 * 1024)),
            whatsapp_web_url: var("WHATSAPP_WEB_URL"),
            link_connect_timeout: None,
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
    midtrans: midtrans::Client,
    /// Opens and seals shops' secrets (None: RELAY_SECRET_KEY not set).
    sealer: Option<Arc<secrets::Sealer>>,
    sender: outbound::Sender,
    /// Wakes the outbox sender when a message is queued.
    poke: Arc<tokio::sync::Notify>,
    /// Wakes the media fetcher when a webhook stored something.
    fetch: Arc<tokio::sync::Notify>,
    /// Set when the server is asked to stop: held-open event requests answer at once.
    closing: watch::Sender<bool>,
    metrics: Arc<metrics::Metrics>,
    limits: Arc<metrics::Limits>,
    /// Uploads being read (`media::UPLOADS_AT_ONCE`).
    uploads: Arc<tokio::sync::Semaphore>,
    /// Connections open and long-polls waiting (gauges).
    open: Arc<std::sync::atomic::AtomicI64>,
    waiting: Arc<std::sync::atomic::AtomicI64>,
    /// This instance's name when it holds shops' linked devices.
    #[cfg(feature = "linked-device")]
    holder: String,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        // One HTTP client (one connection pool) for every call the relay makes out: Midtrans
        // and the Graph API. rustls with ring, installed once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("pasar-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client from static settings");
        let midtrans = midtrans::Client::new(
            midtrans::Endpoints::new(
                config.midtrans_base_url.clone(),
                config.midtrans_snap_url.clone(),
            ),
            http.clone(),
        );
        let sender = outbound::Sender {
            http,
            graph: config
                .whatsapp_graph_url
                .clone()
                .unwrap_or_else(|| outbound::GRAPH.into())
                .trim_end_matches('/')
                .to_string(),
            token: config.whatsapp_access_token.clone(),
        };
        let (shop_rate, shop_burst) = (config.shop_rate, config.shop_burst);
        let proxies = config.trusted_proxies.clone();
        let sealer = config.relay_secret_key.as_deref().and_then(|k| {
            secrets::Sealer::from_hex(k)
                .map_err(|e| tracing::error!("{e}; shops' sealed secrets cannot be read"))
                .ok()
                .map(Arc::new)
        });
        AppState {
            sealer,
            store,
            config: Arc::new(config),
            news: watch::Sender::new(0),
            midtrans,
            sender,
            poke: Arc::new(tokio::sync::Notify::new()),
            fetch: Arc::new(tokio::sync::Notify::new()),
            closing: watch::Sender::new(false),
            metrics: Arc::default(),
            limits: Arc::new(metrics::Limits {
                shop: metrics::Limiter::new(
                    config_rate(shop_rate, 20.0),
                    config_rate(shop_burst, 200.0),
                ),
                // Pairing: 10 tries at once from one address, then one every 6 s.
                pair: metrics::Limiter::new(1.0 / 6.0, 10.0),
                proxies: proxies.clone(),
            }),
            uploads: Arc::new(tokio::sync::Semaphore::new(media::UPLOADS_AT_ONCE)),
            open: Arc::default(),
            waiting: Arc::default(),
            #[cfg(feature = "linked-device")]
            holder: format!(
                "{}-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "relay".into()),
                &auth::new_token()[..12]
            ),
        }
    }

    /// The linked-device channel's parts (None: no RELAY_SECRET_KEY, it cannot start).
    #[cfg(feature = "linked-device")]
    fn linked(&self) -> Option<linked::Ctx> {
        let defaults = linked::Settings::default();
        Some(linked::Ctx {
            store: self.store.clone(),
            sealer: self.sealer.clone()?,
            settings: linked::Settings {
                url: self.config.whatsapp_web_url.clone().unwrap_or(defaults.url),
                connect_timeout: self
                    .config
                    .link_connect_timeout
                    .unwrap_or(defaults.connect_timeout),
                tick: if self.config.link_connect_timeout.is_some() {
                    Duration::from_millis(200)
                } else {
                    defaults.tick
                },
            },
            news: self.news.clone(),
            metrics: self.metrics.clone(),
            http: self.sender.http.clone(),
            holder: self.holder.clone(),
            media_quota: self.config.shop_media_quota.unwrap_or(media::SHOP_QUOTA),
        })
    }
}

fn config_rate(v: Option<f64>, default: f64) -> f64 {
    v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(default)
}

/// Counts and times every routed request by its route (never by its concrete path).
async fn track(
    State(s): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let start = std::time::Instant::now();
    let res = next.run(req).await;
    s.metrics
        .request(&route, res.status().as_u16(), start.elapsed());
    res
}

/// Prometheus metrics: counters since start, and gauges of what is waiting.
async fn metrics_page(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(want) = &s.config.metrics_token {
        let given = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !auth::same(want.as_bytes(), given.trim().as_bytes()) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "METRICS_TOKEN required",
            ));
        }
    }
    let store = s.store.clone();
    let st = blocking(move || store.stats()).await?;
    use std::sync::atomic::Ordering::Relaxed;
    let text = s.metrics.render(&[
        ("pasar_relay_shops", "shops on this relay", st.shops as f64),
        (
            "pasar_relay_devices",
            "paired devices, not revoked",
            st.devices as f64,
        ),
        (
            "pasar_relay_outbox_queued",
            "messages waiting to be sent",
            st.outbox_queued as f64,
        ),
        (
            "pasar_relay_media_queued",
            "customer files waiting to be fetched",
            st.media_queued as f64,
        ),
        (
            "pasar_relay_payments_unsettled",
            "payments neither paid nor ended",
            st.payments_unsettled as f64,
        ),
        (
            "pasar_relay_set_aside",
            "payloads kept aside (no shop, unreadable)",
            st.set_aside as f64,
        ),
        (
            "pasar_relay_connections_open",
            "connections open on this instance",
            s.open.load(Relaxed) as f64,
        ),
        (
            "pasar_relay_long_polls_waiting",
            "desktops waiting for events on this instance",
            s.waiting.load(Relaxed) as f64,
        ),
    ]);
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
        .into_response())
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
        .route(path::PAYMENTS, post(payments::create))
        .route(
            &format!("{}/{{reference}}", path::PAYMENTS),
            get(payments::get),
        )
        .route(
            &format!("{}/{{reference}}/cancel", path::PAYMENTS),
            post(payments::cancel),
        )
        .route(path::MESSAGES, post(send_message))
        .route(
            path::WHATSAPP_LINK,
            get(link_state).post(link_start).delete(link_stop),
        )
        // Uploads take the raw body (no DefaultBodyLimit applies): `media::upload` checks
        // the sender first and reads at most the type's cap.
        .route(path::MEDIA, post(media::upload))
        .route(&format!("{}/{{id}}", path::MEDIA), get(media::download))
        .route("/webhooks/midtrans", post(payments::notification))
        .route("/metrics", get(metrics_page))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(pasar_link::MAX_WAIT_SECS + 15),
        ))
        .with_state(state)
}

/// Connections served at once; more are closed as they come (no memory or file handles are
/// spent on a flood of idle sockets).
pub const MAX_CONNECTIONS: usize = 4096;
/// A client has this long to send its request headers (a socket that never does is closed).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves on a bound listener until `shutdown` resolves, then finishes the requests in
/// flight (tests bind port 0 and run the real thing). Its own accept loop (hyper-util) gives
/// what `axum::serve` lacks: a header-read timeout and a cap on open connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    // The payment checker, and (when this instance can reach WhatsApp) the outbox sender and
    // the media fetcher, run beside the server and stop after it. One without a token took
    // messages of others from the shared queues and burned their tries.
    let (stop, stopped) = watch::channel(false);
    let checker = tokio::spawn(payments::run(state.clone(), stop.subscribe()));
    #[cfg(feature = "linked-device")]
    let linked = match state.linked() {
        Some(ctx) => Some(tokio::spawn(linked::run(ctx, stop.subscribe()))),
        None => {
            tracing::warn!(
                "RELAY_SECRET_KEY is not set: no shop's WhatsApp can be linked as a device on this instance"
            );
            None
        }
    };
    let workers = if state.sender.token.is_some() {
        vec![
            tokio::spawn(outbound::run(
                state.store.clone(),
                state.sender.clone(),
                state.poke.clone(),
                state.news.clone(),
                state.metrics.clone(),
                stopped,
            )),
            tokio::spawn(media::run(
                state.store.clone(),
                state.sender.clone(),
                state.fetch.clone(),
                state.news.clone(),
                state.metrics.clone(),
                stop.subscribe(),
            )),
        ]
    } else {
        tracing::warn!(
            "WHATSAPP_ACCESS_TOKEN is not set: this instance sends no messages and fetches no files"
        );
        Vec::new()
    };
    // What other instances on the same storage change wakes this one's waiters and workers.
    let watching = {
        let stopped = stop.subscribe();
        let (news, poke, fetch) = (state.news.clone(), state.poke.clone(), state.fetch.clone());
        state.store.watch(Box::new(move |change| {
            use store::Change;
            if *stopped.borrow() {
                return false;
            }
            if matches!(change, Some(Change::Events | Change::Resumed)) {
                news.send_modify(|n| *n = n.wrapping_add(1));
            }
            if matches!(change, Some(Change::Outbox | Change::Resumed)) {
                poke.notify_one();
            }
            if matches!(change, Some(Change::Media | Change::Resumed)) {
                fetch.notify_one();
            }
            true
        }))
    };
    if let Err(e) = watching {
        return Err(std::io::Error::other(e.to_string()));
    }
    let closing = state.closing.clone();
    let state_open = state.open.clone();
    let app = router(state);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file handles and the like: wait a moment, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!("connection refused: {MAX_CONNECTIONS} open");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = hyper_util::service::TowerToHyperService::new(
                    tower::util::MapRequest::new(app.clone(), move |mut r: axum::http::Request<_>| {
                        r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                        r
                    }),
                );
                let open = state_open.clone();
                open.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                    drop(slot);
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    // Long-polls answer now instead of holding the shutdown for their full wait.
    let _ = closing.send(true);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after 30 s; stopping anyway");
    }
    let _ = stop.send(true);
    let _ = checker.await;
    #[cfg(feature = "linked-device")]
    if let Some(l) = linked {
        let _ = l.await;
    }
    for w in workers {
        let _ = w.await;
    }
    Ok(())
}

/// An answer the relay gives when it says no: a status, a stable code, a message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds to wait before asking again (429).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same answer, telling the caller when to ask again.
    fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs);
        self
    }

    fn too_many(wait: Duration) -> ApiError {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; try again in {secs} s"),
            )
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
        let mut res = (
            self.status,
            Json(ErrorBody {
                code: self.code.into(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// Runs a blocking store call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            // What the caller asked contradicts what is stored: theirs to settle.
            store::StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            e => ApiError::internal(e),
        })
}

/// A moment as the store keeps it (RFC 3339 UTC with milliseconds, so text order is time
/// order).
pub(crate) fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Now, as the store keeps it.
pub(crate) fn now() -> String {
    stamp(chrono::Utc::now())
}

async fn health(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    let store = s.store.clone();
    blocking(move || store.ping()).await?;
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
        s.metrics.inc(
            "pasar_relay_webhooks_total",
            &[("source", "whatsapp"), ("outcome", "forged")],
        );
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
                s.fetch.notify_one();
            }
            for (outcome, n) in [
                ("stored", done.stored.len()),
                ("duplicate", done.duplicates),
                ("unrouted", done.unrouted),
            ] {
                if n > 0 {
                    s.metrics.add(
                        "pasar_relay_webhook_items_total",
                        &[("source", "whatsapp"), ("outcome", outcome)],
                        n as u64,
                    );
                }
            }
            s.metrics.inc(
                "pasar_relay_webhooks_total",
                &[("source", "whatsapp"), ("outcome", "stored")],
            );
            tracing::info!(
                stored = done.stored.len(),
                duplicates = done.duplicates,
                "WhatsApp webhook stored"
            );
        }
        Err(whatsapp::Unreadable(why)) => {
            let raw = String::from_utf8_lossy(&body).into_owned();
            tracing::warn!(reason = %why, "signed WhatsApp webhook unreadable; kept aside");
            s.metrics.inc(
                "pasar_relay_webhooks_total",
                &[("source", "whatsapp"), ("outcome", "unreadable")],
            );
            blocking(move || store.set_aside("whatsapp", &why, &raw, &at)).await?;
        }
    }
    Ok(StatusCode::OK)
}

async fn pair(
    State(s): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Json(req): Json<PairRequest>,
) -> Result<Json<PairResponse>, ApiError> {
    let client = peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| {
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        s.limits.proxies.client(addr.ip(), &forwarded)
    });
    if let Some(ip) = client
        && let Err(wait) = s.limits.pair.take(&ip)
    {
        s.metrics
            .inc("pasar_relay_rate_limited_total", &[("limit", "pair")]);
        return Err(ApiError::too_many(wait));
    }
    let name: String = req
        .device_name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
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
        Some(d) if !d.revoked => {
            if let Err(wait) = s.limits.shop.take(&d.shop_id) {
                s.metrics
                    .inc("pasar_relay_rate_limited_total", &[("limit", "shop")]);
                return Err(ApiError::too_many(wait));
            }
            Ok(d)
        }
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
    let mut closing = s.closing.subscribe();
    let mut waited = false;
    loop {
        news.mark_unchanged();
        let store = s.store.clone();
        let (shop, after) = (dev.shop_id, q.after.max(0));
        let rows = blocking(move || store.events_after(shop, after, PAGE)).await?;
        if !rows.is_empty() && waited {
            // The device may have been revoked while it waited (on any instance).
            device(&s, &headers).await?;
        }
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline || *closing.borrow() {
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
        let _waiting = Waiting::new(&s.waiting);
        waited = true;
        tokio::select! {
            _ = tokio::time::timeout(tick, news.changed()) => {}
            _ = closing.changed() => {}
        }
    }
}

/// Counts a desktop waiting for events while it lives (dropped also when the request is).
struct Waiting(Arc<std::sync::atomic::AtomicI64>);

impl Waiting {
    fn new(n: &Arc<std::sync::atomic::AtomicI64>) -> Waiting {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Waiting(n.clone())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
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

/// Queues a message for a customer of the device's shop. Outside the customer's 24-hour
/// window only a template can go (WhatsApp would refuse anything else): a clear 409 now
/// rather than a failure later.
async fn send_message(
    State(s): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<OutboundRequest>,
) -> Result<Json<OutboundAccepted>, ApiError> {
    let dev = device(&s, &headers).await?;
    let key = req.key.trim().to_string();
    if key.is_empty() || key.len() > 64 || key.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "key: 1 to 64 characters, none of them control characters",
        ));
    }
    let to = req.to.trim().trim_start_matches('+').to_string();
    let store = s.store.clone();
    let shop = dev.shop_id;
    let row = blocking(move || store.shop(shop))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such shop"))?;
    let linked = row.channel == "linked";
    outbound::check(&to, &req.message, linked)
        .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", m))?;
    if linked {
        if !cfg!(feature = "linked-device") || s.sealer.is_none() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                "this relay cannot hold a linked device (built without it, or no RELAY_SECRET_KEY)",
            ));
        }
        if matches!(req.message, OutboundMessage::Template { .. }) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "templates are sent through the WhatsApp Cloud API only; a linked device sends the text itself",
            ));
        }
    } else {
        if s.sender.token.is_none() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                "this relay has no WHATSAPP_ACCESS_TOKEN: it cannot send WhatsApp messages",
            ));
        }
        if row.whatsapp_number_id.is_none() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "not_configured",
                "this shop has no WhatsApp number on the relay",
            ));
        }
        if !matches!(req.message, OutboundMessage::Template { .. }) {
            let store = s.store.clone();
            let wa = to.clone();
            let last = blocking(move || store.last_inbound(shop, &wa)).await?;
            let open =
                last.is_some_and(|t| chrono::Utc::now().timestamp() - t < outbound::WINDOW_SECS);
            if !open {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "outside_window",
                    "the customer has not written in the last 24 hours: only a template can be sent",
                ));
            }
        }
    }
    if let OutboundMessage::Document {
        media: Some(id), ..
    }
    | OutboundMessage::Image {
        media: Some(id), ..
    } = &req.message
    {
        let store = s.store.clone();
        let i = id.clone();
        let row = blocking(move || store.media(shop, &i)).await?;
        let Some(row) = row.filter(|r| r.state == "ready") else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown_media",
                "media: upload the file first (POST /v1/media)",
            ));
        };
        let mime = row.mime_type.unwrap_or_default();
        if matches!(req.message, OutboundMessage::Image { .. }) && !media::is_image(&mime) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("an image must be JPEG or PNG, not {mime}; send it as a document"),
            ));
        }
    }
    let body = outbound::graph_body(&to, &req.message).to_string();
    let store = s.store.clone();
    let (k, at) = (key.clone(), now());
    let state = blocking(move || store.enqueue_outbound(shop, &k, &to, &body, &at)).await?;
    s.poke.notify_one();
    Ok(Json(OutboundAccepted { key, state }))
}

/// The shop's linked-device WhatsApp, as its desktop sees it.
async fn link_state(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<LinkState>, ApiError> {
    let dev = device(&s, &headers).await?;
    link_state_of(&s, dev.shop_id).await.map(Json)
}

#[cfg(feature = "linked-device")]
async fn link_state_of(s: &AppState, shop: i64) -> Result<LinkState, ApiError> {
    let (store, sealer) = (s.store.clone(), s.sealer.clone());
    blocking(move || linked::state_of(store.as_ref(), sealer.as_deref(), shop)).await
}

#[cfg(not(feature = "linked-device"))]
async fn link_state_of(_: &AppState, _: i64) -> Result<LinkState, ApiError> {
    Err(link_not_built())
}

#[cfg(not(feature = "linked-device"))]
fn link_not_built() -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_built",
        "this relay was built without the linked-device channel (feature linked-device)",
    )
}

/// Links the shop's own number as a linked device (unofficial): QR codes, or a pairing code
/// when a phone number is given; the shop's WhatsApp goes through it from now on.
async fn link_start(
    State(s): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<LinkRequest>,
) -> Result<Json<LinkState>, ApiError> {
    let dev = device(&s, &headers).await?;
    let phone = req
        .phone
        .as_deref()
        .map(|p| {
            p.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '+' | '(' | ')'))
                .collect::<String>()
        })
        .filter(|p| !p.is_empty());
    if let Some(p) = &phone
        && (!(8..=15).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "phone: the shop's WhatsApp number, digits with the country code (62…)",
        ));
    }
    link_begin(&s, dev.shop_id, phone).await
}

#[cfg(feature = "linked-device")]
async fn link_begin(
    s: &AppState,
    shop: i64,
    phone: Option<String>,
) -> Result<Json<LinkState>, ApiError> {
    let Some(sealer) = s.sealer.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "RELAY_SECRET_KEY is not set: the relay keeps a linked WhatsApp session only encrypted",
        ));
    };
    let request = serde_json::json!({"phone": phone, "at": now()}).to_string();
    let session = linked::session::SessionStore::new(s.store.clone(), shop, sealer);
    session
        .put(linked::session::ns::REQUEST, "", request.as_bytes())
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage", e.to_string()))?;
    let store = s.store.clone();
    let t = now();
    blocking(move || {
        // What an earlier link said (a QR code, "connected", "logged out") no longer holds.
        store.reset_link(shop, "starting", &t)?;
        store.set_whatsapp_channel(shop, "linked")
    })
    .await?;
    tracing::info!(shop, by_code = phone.is_some(), "linked device requested");
    link_state_of(s, shop).await.map(Json)
}

#[cfg(not(feature = "linked-device"))]
async fn link_begin(_: &AppState, _: i64, _: Option<String>) -> Result<Json<LinkState>, ApiError> {
    Err(link_not_built())
}

/// Unlinks: the shop's WhatsApp goes back to the Cloud API and the session is forgotten
/// (remove "PasarSuara relay" from the phone's Linked devices too).
async fn link_stop(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<LinkState>, ApiError> {
    let dev = device(&s, &headers).await?;
    let (store, shop) = (s.store.clone(), dev.shop_id);
    let t = now();
    blocking(move || {
        store.set_whatsapp_channel(shop, "cloud")?;
        store.reset_link(shop, "unlinked", &t)?;
        store.wa_forget(shop)
    })
    .await?;
    tracing::info!(shop, "linked device unlinked");
    Ok(Json(LinkState {
        state: "unlinked".into(),
        ..Default::default()
    }))
}
