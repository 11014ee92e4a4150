//! The linked-device channel (opt-in, unofficial): the relay holds a WhatsApp Web
//! multi-device session for a shop's own number with `whatsapp-rust`, so a shop without a
//! Cloud API account still gets its customers' messages into the same inbox and its replies
//! out of the same outbox.
//!
//! - **Session**: in the relay's store, sealed with RELAY_SECRET_KEY (`session`); without
//!   that key the channel does not start.
//! - **One holder**: an instance takes a lease on a shop's session before connecting and
//!   renews it; another instance takes over only after the lease lapsed, so two instances
//!   never speak for one number.
//! - **Inbound** goes through the library's durability hook: a message is acknowledged to
//!   WhatsApp only after its event is stored (at-least-once; events dedupe).
//! - **State** (pairing QR or code, connected, offline with why, logged out) is written to
//!   the store for `GET /v1/whatsapp/link` on any instance, and each change is an event.
//! - **Offline**: before connecting, the WhatsApp address is tried; unreachable, or no
//!   answer within `connect_timeout`, the state is "offline" with one plain sentence and
//!   the relay tries again with backoff. It never says connected before WhatsApp did.

pub mod adapter;
pub mod session;

use crate::secrets::Sealer;
use crate::store::{Inbound, OutboundJob, Route, Store};
use crate::{now, stamp};
use pasar_link::{EventBody, LinkState, PlatformError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use whatsapp_rust::prelude::*;
use whatsapp_rust::wacore::types::events::Event;

/// WhatsApp Web's address (WHATSAPP_WEB_URL overrides it).
pub const WEB_URL: &str = "wss://web.whatsapp.com/ws/chat";
/// A lease on a shop's session, renewed every third of it.
const LEASE: Duration = Duration::from_secs(30);
/// The longest wait between tries while WhatsApp cannot be reached.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How the channel connects.
#[derive(Clone)]
pub struct Settings {
    pub url: String,
    /// How long WhatsApp has to answer (a QR code or connected) before "offline".
    pub connect_timeout: Duration,
    /// How often shops are looked at (linked, unlinked, leases).
    pub tick: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            url: WEB_URL.into(),
            connect_timeout: Duration::from_secs(60),
            tick: Duration::from_secs(LEASE.as_secs() / 3),
        }
    }
}

/// What the linked device's parts share.
#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<dyn Store>,
    pub sealer: Arc<Sealer>,
    pub settings: Settings,
    /// Bumped after every stored event (waiting desktops look).
    pub news: watch::Sender<u64>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub http: reqwest::Client,
    /// This instance's name as a lease holder.
    pub holder: String,
    /// What one shop may keep on the relay, in bytes.
    pub media_quota: i64,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::store::Result<T> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The place of a shop's link state in the sealed store.
fn state_context(shop: i64) -> String {
    format!("wa:{shop}:link")
}

/// The shop's linked-device state as the desktop sees it (sealed details opened).
pub fn state_of(
    store: &dyn Store,
    sealer: Option<&Sealer>,
    shop: i64,
) -> crate::store::Result<LinkState> {
    let channel = store
        .shop(shop)?
        .map(|s| s.channel)
        .unwrap_or_else(|| "cloud".into());
    let row = store.link(shop)?;
    let mut st = row
        .as_ref()
        .and_then(|r| r.detail.as_ref())
        .and_then(|d| sealer?.open_bytes(&state_context(shop), d).ok())
        .and_then(|d| serde_json::from_slice::<LinkState>(&d).ok())
        .unwrap_or_default();
    st.state = match (&row, channel.as_str()) {
        (_, "cloud") => "unlinked".into(),
        (Some(r), _) => r.state.clone(),
        (None, _) => "starting".into(),
    };
    // Said by a holder that stopped renewing (it died): not to be believed any more.
    let lapsed = row.as_ref().is_some_and(|r| {
        r.lease_until.as_deref().is_none_or(|until| {
            // Written by a holder (not reset by a new request since) that stopped renewing.
            until < now().as_str() && r.updated_at.as_str() <= until
        })
    });
    if lapsed && matches!(st.state.as_str(), "connected" | "pairing" | "starting") {
        st = LinkState {
            state: "offline".into(),
            error: Some(
                "the relay instance holding this WhatsApp stopped; another takes over shortly"
                    .into(),
            ),
            ..Default::default()
        };
    }
    if st.state == "unlinked" {
        st = LinkState {
            state: st.state,
            ..Default::default()
        };
    }
    Ok(st)
}

/// What a shop's link does after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Carry on (the library reconnects by itself when it can).
    Continue,
    /// This run is over (the library stopped): connect again, with backoff.
    Reconnect,
    /// Nothing more until the shop asks to link again (connecting again would only fail
    /// the same way, or anger WhatsApp).
    Wait,
    /// Logged out from the phone: the session is void; forget it and wait.
    Forget,
}

/// A change the library reported, as the shop's link state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub state: LinkState,
    pub after: After,
}

/// What a library event means for the shop's link (None: nothing to tell).
pub fn update(event: &Event, number: Option<String>) -> Option<Update> {
    let st = |state: &str| LinkState {
        state: state.into(),
        since: Some(now()),
        ..Default::default()
    };
    let offline = |why: String| LinkState {
        error: Some(why),
        ..st("offline")
    };
    let (state, after) = match event {
        Event::PairingQrCode(q) => (
            LinkState {
                qr: Some(q.code.clone()),
                expires_in: Some(q.timeout.as_secs()),
                ..st("pairing")
            },
            After::Continue,
        ),
        Event::PairingCode(c) => (
            LinkState {
                pair_code: Some(c.code.clone()),
                expires_in: Some(c.timeout.as_secs()),
                ..st("pairing")
            },
            After::Continue,
        ),
        Event::PairSuccess(_) => (st("starting"), After::Continue),
        Event::Connected(_) => (
            LinkState {
                number,
                ..st("connected")
            },
            After::Continue,
        ),
        Event::Disconnected(_) => (
            offline("the connection to WhatsApp was lost; reconnecting".into()),
            After::Continue,
        ),
        Event::StreamReplaced(_) => (
            offline(
                "another WhatsApp Web session took over this device; link again to use it here"
                    .into(),
            ),
            After::Wait,
        ),
        Event::TemporaryBan(b) => (
            offline(format!(
                "WhatsApp has temporarily banned this number ({:?}); the Cloud API is the safe channel",
                b.code
            )),
            After::Wait,
        ),
        Event::ConnectFailure(f) if f.reason.is_logged_out() => (
            LinkState {
                error: Some(format!(
                    "WhatsApp ended this linked device ({:?}); link again",
                    f.reason
                )),
                ..st("logged_out")
            },
            After::Forget,
        ),
        Event::ConnectFailure(f) => (
            offline(format!(
                "WhatsApp refused the connection ({:?}{})",
                f.reason,
                f.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            // Only WhatsApp being busy is worth retrying; a ban or an unknown client is not.
            if f.reason.should_reconnect() {
                After::Reconnect
            } else {
                After::Wait
            },
        ),
        Event::PairError(e) => (
            offline(format!("pairing failed: {}; link again", e.error)),
            After::Wait,
        ),
        Event::PairingCodeError(e) => (
            offline(format!(
                "WhatsApp did not give a pairing code{}; link again",
                e.rejection
                    .as_ref()
                    .map(|r| format!(" ({r:?})"))
                    .unwrap_or_default()
            )),
            After::Wait,
        ),
        Event::PairingQrCodesExhausted(_) => (
            offline("nobody scanned the QR code in time; link again to get new codes".into()),
            After::Wait,
        ),
        Event::ClientOutdated(_) => (
            offline(
                "WhatsApp refuses this relay's version of WhatsApp Web; update pasar-relay".into(),
            ),
            After::Wait,
        ),
        Event::LoggedOut(l) => (
            LinkState {
                error: Some(format!(
                    "the shop's phone unlinked this device ({:?}); link again",
                    l.reason
                )),
                ..st("logged_out")
            },
            After::Forget,
        ),
        _ => return None,
    };
    Some(Update { state, after })
}

/// Whether WhatsApp's address answers at all: a TCP connection within 10 s (offline, this is
/// where the one clear message comes from).
pub async fn reachable(url: &str) -> Result<(), String> {
    let rest = url
        .split_once("://")
        .map(|(_, r)| r)
        .ok_or_else(|| format!("{url} is not a WebSocket address"))?;
    let host_port = rest.split('/').next().unwrap_or(rest);
    let addr = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_string()
    } else if url.starts_with("ws://") {
        format!("{host_port}:80")
    } else {
        format!("{host_port}:443")
    };
    match tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "WhatsApp cannot be reached from the relay ({addr}: {e})"
        )),
        Err(_) => Err(format!(
            "WhatsApp cannot be reached from the relay ({addr}: no answer in 10 s)"
        )),
    }
}

/// Why a shop's link is told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Run,
    /// This instance stops, or another holds the shop now: the session stays linked.
    Leave,
    /// The shop unlinked, or asked to link anew: the device is logged out of WhatsApp and
    /// its session forgotten (the new request kept).
    Unlink,
}

/// One shop's link, held by this instance.
struct Held {
    task: tokio::task::JoinHandle<()>,
    stop: watch::Sender<Stop>,
    /// The request to link it started with (a new one starts over).
    request: Option<Vec<u8>>,
}

/// Takes or renews this instance's lease on a shop's link; false when another holds it.
async fn renew(ctx: &Ctx, shop: i64) -> bool {
    let until = stamp(chrono::Utc::now() + chrono::Duration::seconds(LEASE.as_secs() as i64));
    let (store, holder, t) = (ctx.store.clone(), ctx.holder.clone(), now());
    blocking(move || store.link_lease(shop, &holder, &until, &t))
        .await
        .unwrap_or(false)
}

/// Waits a tick; true when the instance is stopping.
async fn pause(tick: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(tick) => {}
        _ = stop.changed() => {}
    }
    *stop.borrow()
}

/// Keeps every shop on the linked-device channel connected (when this instance holds its
/// lease) until `stop` fires. Never waits on a shop's task: the leases of all the others
/// are renewed on time whatever one shop's connection is doing.
pub async fn run(ctx: Ctx, mut stop: watch::Receiver<bool>) {
    let mut held: HashMap<i64, Held> = HashMap::new();
    // Told to stop, still finishing (logging out, forgetting): a shop gets no new task
    // until its old one has ended.
    let mut stopping: Stopping = Vec::new();
    loop {
        let store = ctx.store.clone();
        let shops = match blocking(move || store.shops()).await {
            Ok(shops) => shops,
            Err(e) => {
                // Not "no shop is linked": nothing is stopped on a database hiccup.
                tracing::error!(error = %e, "shops unreadable; linked devices left as they are");
                if pause(ctx.settings.tick, &mut stop).await {
                    break;
                }
                continue;
            }
        };
        let linked: Vec<i64> = shops
            .iter()
            .filter(|s| s.channel == "linked")
            .map(|s| s.id)
            .collect();
        // Gone back to the Cloud API: unlink. A task that ended (waiting for a new request
        // ends it only with a stop) is let go.
        let gone: Vec<i64> = held
            .iter()
            .filter(|(shop, h)| !linked.contains(shop) || h.task.is_finished())
            .map(|(shop, _)| *shop)
            .collect();
        for shop in gone {
            let_go(&mut held, &mut stopping, shop, Stop::Unlink);
        }
        stopping.retain(|(_, t)| !t.is_finished());
        // A shop still stopping keeps its lease until its task ended (its clean-up must not
        // meet another instance's new session).
        for (shop, _) in &stopping {
            renew(&ctx, *shop).await;
        }
        for shop in linked {
            if !renew(&ctx, shop).await {
                if held.contains_key(&shop) {
                    tracing::warn!(shop, "linked device taken over by another instance");
                }
                let_go(&mut held, &mut stopping, shop, Stop::Leave);
                continue;
            }
            let s = session::SessionStore::new(ctx.store.clone(), shop, ctx.sealer.clone());
            let request = match s.get(session::ns::REQUEST, "").await {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(shop, error = %e, "linked-device session unreadable");
                    continue;
                }
            };
            match held.get(&shop) {
                Some(h) if h.request == request => continue,
                // Asked to link anew (or unlinked and linked again): start over.
                Some(_) => let_go(&mut held, &mut stopping, shop, Stop::Unlink),
                None => {}
            }
            // No request: never linked, or logged out from the phone — wait for the shop.
            if request.is_none() || stopping.iter().any(|(s, _)| *s == shop) {
                continue;
            }
            let (tx, rx) = watch::channel(Stop::Run);
            let task = tokio::spawn(hold(ctx.clone(), shop, request.clone(), rx));
            held.insert(
                shop,
                Held {
                    task,
                    stop: tx,
                    request,
                },
            );
        }
        if pause(ctx.settings.tick, &mut stop).await {
            break;
        }
    }
    for shop in held.keys().copied().collect::<Vec<_>>() {
        let_go(&mut held, &mut stopping, shop, Stop::Leave);
    }
    // One deadline for all of them.
    let all = async {
        for (_, t) in stopping {
            let _ = t.await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(20), all).await;
}

/// Shops told to stop whose tasks are still finishing.
type Stopping = Vec<(i64, tokio::task::JoinHandle<()>)>;

/// Tells a held shop's task to stop, and keeps it among those finishing.
fn let_go(held: &mut HashMap<i64, Held>, stopping: &mut Stopping, shop: i64, why: Stop) {
    if let Some(h) = held.remove(&shop) {
        let _ = h.stop.send(why);
        stopping.push((shop, h.task));
    }
}

/// Writes the shop's state (sealed) and tells its desktops, when it changed.
async fn tell(ctx: &Ctx, shop: i64, st: &LinkState) {
    let detail = serde_json::to_vec(st).expect("states serialise");
    let sealed = ctx.sealer.seal_bytes(&state_context(shop), &detail);
    let (store, holder, state, t) = (
        ctx.store.clone(),
        ctx.holder.clone(),
        st.state.clone(),
        now(),
    );
    let body = serde_json::to_string(&EventBody::WhatsappLink(st.clone())).expect("events");
    let dedupe = format!(
        "link:{}",
        crate::store::digest(&format!("{}{}", st.since.clone().unwrap_or_default(), body))
    );
    let wrote = blocking(move || {
        if !store.set_link_state(shop, &holder, &state, Some(&sealed), &t)? {
            return Ok(false);
        }
        let item = Inbound {
            route: Route::Shop(shop),
            kind: "whatsapp_link".into(),
            dedupe,
            body,
            window: None,
            media: None,
        };
        Ok(!store.ingest(&[item], &t)?.stored.is_empty())
    })
    .await;
    match wrote {
        Ok(true) => ctx.news.send_modify(|n| *n = n.wrapping_add(1)),
        Ok(false) => {}
        Err(e) => tracing::error!(shop, error = %e, "link state not stored"),
    }
}

/// Holds one shop's session until told to stop: reach WhatsApp, run the client, watch it,
/// send the shop's queued messages, fetch its customers' files; again with backoff.
async fn hold(ctx: Ctx, shop: i64, request: Option<Vec<u8>>, mut stop: watch::Receiver<Stop>) {
    let phone = request
        .as_deref()
        .and_then(|r| serde_json::from_slice::<pasar_link::LinkRequest>(r).ok())
        .and_then(|r| r.phone);
    let session = session::SessionStore::new(ctx.store.clone(), shop, ctx.sealer.clone());
    let mut wait = Duration::from_secs(5);
    let mut last_error: Option<String> = None;
    let ended = loop {
        if *stop.borrow() != Stop::Run {
            break Ended::Stopped;
        }
        let outcome = match reachable(&ctx.settings.url).await {
            Err(e) => Err(e),
            Ok(()) => connect_once(&ctx, shop, phone.clone(), &mut stop).await,
        };
        match outcome {
            Ok(Ended::Lost) => {
                last_error = None;
                wait = Duration::from_secs(5);
            }
            Ok(Ended::Reconnect) => {}
            Ok(end) => break end,
            Err(why) => {
                // One clear message per outage, not one per try.
                if last_error.as_deref() != Some(why.as_str()) {
                    tracing::warn!(shop, error = %why, "linked device offline");
                    tell(
                        &ctx,
                        shop,
                        &LinkState {
                            state: "offline".into(),
                            error: Some(why.clone()),
                            since: Some(now()),
                            ..Default::default()
                        },
                    )
                    .await;
                    last_error = Some(why);
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
        wait = (wait * 2).min(MAX_BACKOFF);
    };
    match ended {
        Ended::Forget => {
            // The phone unlinked us: the session is void, and so is the request that made
            // it (a new one links again). Forgotten only now, after the client stopped:
            // what it wrote while stopping goes too.
            let _ = session.forget_session().await;
            // Only the request this link was made from (a newer one links again).
            if session.get(session::ns::REQUEST, "").await.ok().flatten() == request {
                let _ = session.delete(session::ns::REQUEST, "").await;
            }
            // Then the stop that comes.
            let _ = stop.changed().await;
        }
        Ended::Wait => {
            let _ = stop.changed().await;
        }
        _ => {}
    }
    if *stop.borrow() == Stop::Unlink {
        // Whatever the client wrote while it stopped goes too; the (new) request stays.
        let _ = session.forget_session().await;
    }
}

enum Ended {
    Stopped,
    /// Wait for the shop to link again (see `After::Wait`).
    Wait,
    /// Logged out: forget and wait.
    Forget,
    /// The library gave up on this connection: connect again, with backoff.
    Reconnect,
    /// Was connected and stayed offline too long: connect again from the start.
    Lost,
}

/// Commits what the library decrypted before it acknowledges it to WhatsApp.
struct Durable {
    ctx: Ctx,
    shop: i64,
    media: Arc<tokio::sync::Notify>,
}

/// Stores a batch of decrypted messages as the shop's events (their files' download keys
/// first, so a stored message's file can always be fetched). Idempotent: a redelivery is
/// stored once. Returns only after both are durable.
pub async fn commit(
    ctx: &Ctx,
    shop: i64,
    batch: &[whatsapp_rust::wacore::types::events::InboundMessage],
) -> Result<usize, String> {
    let received: Vec<adapter::Received> = batch
        .iter()
        .filter_map(|m| adapter::inbound(shop, &m.message, &m.info))
        .collect();
    if received.is_empty() {
        return Ok(0);
    }
    let s = session::SessionStore::new(ctx.store.clone(), shop, ctx.sealer.clone());
    for r in &received {
        if let (Some(p), Some(m)) = (&r.media, &r.inbound.media) {
            let kept = serde_json::to_vec(p).map_err(|e| e.to_string())?;
            s.put(session::ns::MEDIA, &m.id, &kept)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let items: Vec<Inbound> = received.into_iter().map(|r| r.inbound).collect();
    let store = ctx.store.clone();
    let t = now();
    let done = blocking(move || store.ingest(&items, &t)).await?;
    if !done.stored.is_empty() {
        ctx.news.send_modify(|n| *n = n.wrapping_add(1));
    }
    Ok(done.stored.len())
}

#[whatsapp_rust::async_trait]
impl whatsapp_rust::InboundDurabilityHook for Durable {
    async fn on_messages(
        &self,
        _client: Arc<Client>,
        batch: &[whatsapp_rust::wacore::types::events::InboundMessage],
    ) -> whatsapp_rust::anyhow::Result<()> {
        // An error leaves the batch unacknowledged: WhatsApp delivers it again.
        let stored = commit(&self.ctx, self.shop, batch)
            .await
            .map_err(|e| whatsapp_rust::anyhow::anyhow!("{e}"))?;
        if stored > 0 {
            self.media.notify_one();
        }
        Ok(())
    }
}

/// One run of the client: until stopped, logged out, or WhatsApp is lost.
async fn connect_once(
    ctx: &Ctx,
    shop: i64,
    phone: Option<String>,
    stop: &mut watch::Receiver<Stop>,
) -> Result<Ended, String> {
    let session = session::SessionStore::new(ctx.store.clone(), shop, ctx.sealer.clone());
    // A pairing code only while no device is paired (the request keeps its number).
    let paired = session
        .paired()
        .await
        .map_err(|e| format!("the linked-device session cannot be read: {e}"))?;
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel::<Arc<Event>>();
    let media = Arc::new(tokio::sync::Notify::new());
    let mut builder = Bot::builder()
        .with_backend(session)
        .with_transport_factory(
            whatsapp_rust::transport::TokioWebSocketTransportFactory::new()
                .with_url(ctx.settings.url.clone()),
        )
        .with_inbound_durability_hook(Durable {
            ctx: ctx.clone(),
            shop,
            media: media.clone(),
        })
        .skip_history_sync()
        .on_event(move |event, _client| {
            let tx = events_tx.clone();
            async move {
                let _ = tx.send(event);
            }
        });
    if let Some(phone) = phone.filter(|_| !paired) {
        builder = builder.with_pair_code(whatsapp_rust::pair_code::PairCodeOptions {
            phone_number: phone,
            ..Default::default()
        });
    }
    let bot = builder
        .build()
        .await
        .map_err(|e| format!("the linked device could not start: {e}"))?;
    let handle = bot.spawn();
    let client = handle.client();
    tell(
        ctx,
        shop,
        &LinkState {
            state: "starting".into(),
            since: Some(now()),
            ..Default::default()
        },
    )
    .await;
    let answered_by = tokio::time::Instant::now() + ctx.settings.connect_timeout;
    let mut answered = false;
    let mut connected = false;
    let mut offline_since: Option<tokio::time::Instant> = None;
    let (work_stop, work_stopped) = watch::channel(false);
    let mut workers: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    let ended = loop {
        let deadline = if answered {
            // Lost after connecting: the library reconnects; give it the same time.
            offline_since.map(|t| t + ctx.settings.connect_timeout)
        } else {
            Some(answered_by)
        };
        tokio::select! {
            ev = events.recv() => {
                let Some(ev) = ev else { break Ended::Lost };
                // Messages that skip the durability hook (recovered from the phone).
                if let Event::Messages(batch) = &*ev {
                    if !batch.hook_committed
                        && let Err(e) = commit(ctx, shop, &batch.messages).await
                    {
                        tracing::error!(shop, error = %e, "recovered messages not stored");
                    }
                    media.notify_one();
                    continue;
                }
                let number = client.pn().map(|j| j.user.to_string());
                let Some(up) = update(&ev, number) else { continue };
                // Once connected, a failed pairing-code request changes nothing.
                if connected && matches!(&*ev, Event::PairingCodeError(_)) {
                    continue;
                }
                answered = true;
                let is_connected = up.state.state == "connected";
                offline_since = match up.state.state.as_str() {
                    "offline" => offline_since.or(Some(tokio::time::Instant::now())),
                    _ => None,
                };
                tell(ctx, shop, &up.state).await;
                match up.after {
                    After::Continue => {}
                    After::Reconnect => break Ended::Reconnect,
                    After::Wait => break Ended::Wait,
                    After::Forget => break Ended::Forget,
                }
                if is_connected && !connected {
                    connected = true;
                    workers.push(tokio::spawn(send_loop(ctx.clone(), shop, client.clone(), work_stopped.clone())));
                    workers.push(tokio::spawn(media_loop(ctx.clone(), shop, client.clone(), media.clone(), work_stopped.clone())));
                }
            }
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => {
                if !answered {
                    let _ = work_stop.send(true);
                    handle.shutdown().await;
                    return Err(format!(
                        "WhatsApp did not answer within {} s (the relay's address {} may be blocked)",
                        ctx.settings.connect_timeout.as_secs(),
                        ctx.settings.url
                    ));
                }
                break Ended::Lost;
            }
            _ = stop.changed() => break Ended::Stopped,
        }
    };
    let _ = work_stop.send(true);
    for w in workers {
        // Their sends and downloads are bounded (`SEND_TIME`, `FETCH_TIME`).
        let _ = w.await;
    }
    if *stop.borrow() == Stop::Unlink && client.is_logged_in() {
        // Off the phone's list of linked devices too (best effort: 10 s).
        let _ = tokio::time::timeout(Duration::from_secs(10), client.logout()).await;
    }
    handle.shutdown().await;
    Ok(ended)
}

/// The longest one queued message may take through the linked device (file, upload,
/// send), well inside its outbox lease.
const SEND_TIME: Duration = Duration::from_secs(120);
/// The outbox lease of a message the linked device is sending.
const SEND_LEASE: i64 = 300;
/// The longest one customer's file may take to download.
const FETCH_TIME: Duration = Duration::from_secs(120);
/// Downloads of one file before it is given up.
const FETCH_TRIES: u32 = 8;

/// Sends the shop's queued messages through its linked device, one at a time, in order;
/// only while WhatsApp is there (a try while offline would only burn the message's tries).
async fn send_loop(ctx: Ctx, shop: i64, client: Arc<Client>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        if !client.is_connected() || !client.is_logged_in() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
            continue;
        }
        let (store, t) = (ctx.store.clone(), now());
        let lease = stamp(chrono::Utc::now() + chrono::Duration::seconds(SEND_LEASE));
        let jobs = blocking(move || store.claim_outbound(&t, &lease, 1, Some(shop)))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(shop, error = %e, "outbox unreadable");
                Vec::new()
            });
        if jobs.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = stop.changed() => return,
            }
            continue;
        }
        for job in jobs {
            let outcome = match tokio::time::timeout(SEND_TIME, send_one(&ctx, &client, &job)).await
            {
                Ok(o) => o,
                Err(_) => crate::outbound::Outcome::Uncertain(failure(
                    "WhatsApp did not answer; the message may have been delivered",
                    format!("no answer in {} s", SEND_TIME.as_secs()),
                )),
            };
            crate::outbound::record(&ctx.store, &ctx.news, &ctx.metrics, &job, outcome).await;
        }
    }
}

fn failure(title: &str, message: impl Into<String>) -> PlatformError {
    PlatformError {
        code: 0,
        title: Some(title.into()),
        message: Some(message.into()),
        details: None,
    }
}

/// One queued message through the linked device.
async fn send_one(ctx: &Ctx, client: &Arc<Client>, job: &OutboundJob) -> crate::outbound::Outcome {
    use crate::outbound::Outcome;
    let body: serde_json::Value = match serde_json::from_str(&job.body) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(failure("unreadable queued message", e.to_string())),
    };
    let to = match adapter::recipient(&job.to) {
        Ok(j) => j,
        Err(e) => return Outcome::Failed(failure("bad recipient", e)),
    };
    let message = match adapter::outgoing(&body) {
        Err(e) => return Outcome::Failed(failure("not sendable by a linked device", e)),
        Ok(adapter::Outgoing::Message(m)) => *m,
        Ok(adapter::Outgoing::File {
            kind,
            source,
            caption,
            filename,
        }) => {
            let (mime, bytes) = match file_bytes(ctx, job.shop_id, &source).await {
                Ok(f) => f,
                Err(o) => return o,
            };
            match client.upload(bytes, kind, Default::default()).await {
                Ok(up) => adapter::with_file(kind, &up, &mime, caption, filename),
                Err(e) => {
                    return Outcome::Retry(failure("upload to WhatsApp failed", e.to_string()));
                }
            }
        }
    };
    if !client.is_logged_in() {
        return Outcome::Retry(failure(
            "the linked device is not connected",
            "waiting for WhatsApp",
        ));
    }
    match tokio::time::timeout(Duration::from_secs(60), client.send_message(to, message)).await {
        Ok(Ok(sent)) => Outcome::Sent(sent.message_id),
        Ok(Err(whatsapp_rust::send::SendError::NotLoggedIn)) => Outcome::Retry(failure(
            "the linked device is not connected",
            "waiting for WhatsApp",
        )),
        Ok(Err(whatsapp_rust::send::SendError::InvalidRequest(e))) => {
            Outcome::Failed(failure("WhatsApp refused the message", e))
        }
        Ok(Err(e)) => Outcome::Retry(failure(
            "sending through the linked device failed",
            e.to_string(),
        )),
        Err(_) => Outcome::Uncertain(failure(
            "WhatsApp did not answer; the message may have been delivered",
            "no answer in 60 s",
        )),
    }
}

/// The bytes of a file to send: kept on the relay, or fetched from its https address.
async fn file_bytes(
    ctx: &Ctx,
    shop: i64,
    source: &adapter::FileSource,
) -> Result<(String, Vec<u8>), crate::outbound::Outcome> {
    use crate::outbound::Outcome;
    match source {
        adapter::FileSource::Kept(id) => {
            let (store, i) = (ctx.store.clone(), id.clone());
            let got = blocking(move || Ok((store.media(shop, &i)?, store.media_bytes(shop, &i)?)))
                .await
                .map_err(|e| Outcome::Retry(failure("storage", e)))?;
            match got {
                (Some(row), Some(bytes)) => Ok((row.mime_type.unwrap_or_default(), bytes)),
                _ => Err(Outcome::Failed(failure(
                    "the file is no longer on the relay",
                    id.clone(),
                ))),
            }
        }
        adapter::FileSource::Link(url) => {
            let res = ctx.http.get(url).send().await.map_err(|e| {
                Outcome::Retry(failure("the file's address did not answer", e.to_string()))
            })?;
            if !res.status().is_success() {
                return Err(Outcome::Failed(failure(
                    "the file's address refused",
                    res.status().to_string(),
                )));
            }
            let mime = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string();
            if res
                .content_length()
                .is_some_and(|n| n > crate::media::MAX_MEDIA as u64)
            {
                return Err(Outcome::Failed(failure(
                    "the file is too large",
                    url.clone(),
                )));
            }
            let bytes = res.bytes().await.map_err(|e| {
                Outcome::Retry(failure("the file could not be read", e.to_string()))
            })?;
            if bytes.len() > crate::media::MAX_MEDIA {
                return Err(Outcome::Failed(failure(
                    "the file is too large",
                    url.clone(),
                )));
            }
            Ok((mime, bytes.to_vec()))
        }
    }
}

/// Downloads customers' files the linked device received, for the desktop: within the
/// size cap and the shop's room on the relay, bounded in time, tried again a few times.
async fn media_loop(
    ctx: Ctx,
    shop: i64,
    client: Arc<Client>,
    wake: Arc<tokio::sync::Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let s = session::SessionStore::new(ctx.store.clone(), shop, ctx.sealer.clone());
    loop {
        if *stop.borrow() {
            return;
        }
        let pending = if client.is_connected() {
            s.scan(session::ns::MEDIA, "").await.unwrap_or_else(|e| {
                tracing::error!(shop, error = %e, "pending files unreadable");
                Vec::new()
            })
        } else {
            Vec::new()
        };
        for (id, raw) in pending {
            if *stop.borrow() {
                return;
            }
            let Ok(mut p) = serde_json::from_slice::<adapter::PendingMedia>(&raw) else {
                let _ = s.delete(session::ns::MEDIA, &id).await;
                continue;
            };
            let got = fetch(&ctx, shop, &client, &p).await;
            if let Err(Miss::Room(why)) = &got {
                tracing::warn!(shop, media = %id, error = %why, "customer file waits for room");
                continue;
            }
            p.attempts += 1;
            let (fetched, error) = match got {
                Ok((mime, bytes)) => (
                    crate::store::Fetched::Ready {
                        mime_type: mime,
                        bytes,
                    },
                    None,
                ),
                Err(Miss::Again(e)) if p.attempts < FETCH_TRIES => {
                    tracing::warn!(shop, media = %id, attempts = p.attempts, error = %e, "customer file deferred");
                    if let Ok(kept) = serde_json::to_vec(&p) {
                        let _ = s.put(session::ns::MEDIA, &id, &kept).await;
                    }
                    continue;
                }
                Err(Miss::Again(e) | Miss::Never(e) | Miss::Room(e)) => {
                    (crate::store::Fetched::Failed { error: e.clone() }, Some(e))
                }
            };
            let (state, size, mime) = match &fetched {
                crate::store::Fetched::Ready { bytes, mime_type } => {
                    ("ready", Some(bytes.len() as i64), Some(mime_type.clone()))
                }
                _ => ("failed", None, p.mime_type.clone()),
            };
            let event = serde_json::to_string(&EventBody::WhatsappMedia(pasar_link::MediaReady {
                id: id.clone(),
                message_id: p.message_id.clone(),
                state: state.into(),
                mime_type: mime,
                size,
                error,
            }))
            .expect("events serialise");
            let (store, i, t) = (ctx.store.clone(), id.clone(), now());
            match blocking(move || store.finish_media(shop, &i, &fetched, Some(&event), &t)).await {
                Ok(stored) => {
                    let _ = s.delete(session::ns::MEDIA, &id).await;
                    if stored {
                        ctx.news.send_modify(|n| *n = n.wrapping_add(1));
                    }
                }
                Err(e) if e.starts_with("not found") => {
                    // Its message was never stored (or the file was purged): nothing to do.
                    let _ = s.delete(session::ns::MEDIA, &id).await;
                }
                Err(e) => tracing::error!(shop, media = %id, error = %e, "customer file not kept"),
            }
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = stop.changed() => return,
        }
        // Not more than one pass every few seconds, however busy the shop.
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Why a file was not downloaded.
enum Miss {
    /// Later, when the shop's room on the relay has space (not counted as a try).
    Room(String),
    /// Maybe later (the network, WhatsApp busy).
    Again(String),
    /// Never (too large, not a file WhatsApp can give).
    Never(String),
}

/// One customer's file, checked against the size cap and the shop's room first.
async fn fetch(
    ctx: &Ctx,
    shop: i64,
    client: &Arc<Client>,
    p: &adapter::PendingMedia,
) -> Result<(String, Vec<u8>), Miss> {
    let cap = crate::media::MAX_MEDIA as u64;
    if p.size.is_some_and(|n| n > cap) {
        return Err(Miss::Never(format!(
            "the file is larger than the relay keeps ({} MB)",
            cap / (1024 * 1024)
        )));
    }
    let store = ctx.store.clone();
    let used = blocking(move || store.media_usage(shop))
        .await
        .map_err(Miss::Again)?;
    let quota = ctx.media_quota;
    if used.saturating_add(p.size.unwrap_or(0) as i64) > quota {
        return Err(Miss::Room(
            "the shop's room on the relay is full; older files make room as they expire".into(),
        ));
    }
    let d = p.downloadable().map_err(Miss::Never)?;
    let bytes = match tokio::time::timeout(FETCH_TIME, client.download(d.as_ref())).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(Miss::Again(e.to_string())),
        Err(_) => {
            return Err(Miss::Again(format!(
                "no file in {} s",
                FETCH_TIME.as_secs()
            )));
        }
    };
    if bytes.len() as u64 > cap {
        return Err(Miss::Never(
            "the file is larger than the relay keeps".into(),
        ));
    }
    let mime = p
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok((mime, bytes))
}
