//! The relay's storage, behind one trait so the same server runs on an embedded SQLite file
//! (one instance, the default) or on PostgreSQL (many shops, several instances). Every method
//! is one transaction: a webhook is acknowledged only after `ingest` has returned.
//!
//! Events are numbered per shop (`seq` 1, 2, 3… with no gaps) under the shop's row lock, so
//! the order of numbers is the order of commits and "after N" never skips an event that a
//! slower writer commits later.

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
}

/// Opens the store named by `--db`: a `postgres://` or `postgresql://` URL, else a SQLite file
/// (created when absent).
pub fn open(db: &str) -> Result<Arc<dyn Store>> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(db)?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(
            db,
        ))?))
    }
}

/// What another instance changed (PostgreSQL tells every instance; SQLite has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// An event was stored: waiting desktops look.
    Events,
    /// A message was queued: the sender looks.
    Outbox,
    /// A customer's file was queued: the fetcher looks.
    Media,
    /// The watch was cut and is back (news may have been missed): everyone looks.
    Resumed,
}

/// Told of changes; `None` is a quiet moment. Returns false to stop watching.
pub type Watcher = Box<dyn FnMut(Option<Change>) -> bool + Send>;

/// What makes a payload set aside the same as one kept before (a repeat is kept once).
pub(crate) fn digest(body: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(body.as_bytes()))
}

/// What the desktop hears of a send cut off mid-flight (the relay stopped while sending).
pub(crate) const UNCERTAIN: &str =
    "the relay stopped while sending; the message may have been delivered";

/// The outbox row's error for such a send (a Graph-shaped error, as the sender stores).
pub(crate) fn uncertain_error() -> String {
    serde_json::json!({"code": 0, "title": UNCERTAIN}).to_string()
}

pub(crate) fn uncertain_event(key: &str, to: &str, attempts: i64) -> Result<String> {
    serde_json::to_string(&pasar_link::EventBody::WhatsappOutbound(
        pasar_link::OutboundResult {
            key: key.to_string(),
            to: to.to_string(),
            state: "uncertain".into(),
            wamid: None,
            error: Some(pasar_link::PlatformError {
                code: 0,
                title: Some(UNCERTAIN.into()),
                message: None,
                details: None,
            }),
            attempts,
        },
    ))
    .map_err(|e| StoreError::Backend(e.to_string()))
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRow {
    pub id: i64,
    pub name: String,
    pub whatsapp_number_id: Option<String>,
    /// How the shop's WhatsApp is reached: "cloud" (the Cloud API, by its phone-number id)
    /// or "linked" (a linked-device session the relay holds for the shop's own number).
    pub channel: String,
    pub last_seq: i64,
    pub devices: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: i64,
    pub shop_id: i64,
    pub name: String,
    pub revoked: bool,
    pub acked_seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paired {
    pub shop_id: i64,
    pub shop_name: String,
    pub device_id: i64,
}

/// Where an inbound item belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The shop that owns this WhatsApp Cloud API phone-number id.
    WhatsappNumber(String),
    /// This shop (what its linked-device session received).
    Shop(i64),
}

impl Route {
    /// Why an item routed here was kept aside.
    pub(crate) fn unowned(&self) -> String {
        match self {
            Route::WhatsappNumber(id) => format!("no shop owns phone-number id {id}"),
            Route::Shop(id) => format!("no shop {id}"),
        }
    }
}

/// The WhatsApp channels a shop can use.
pub const CHANNELS: [&str; 2] = ["cloud", "linked"];

/// One change to a shop's linked-device session (`Store::wa_write`, all in one
/// transaction). Values arrive sealed; the store keeps bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaOp {
    Put {
        ns: String,
        key: String,
        value: Vec<u8>,
    },
    Delete {
        ns: String,
        key: String,
    },
    /// Every key of `ns` that starts with `prefix` ("" is the whole namespace).
    DeletePrefix {
        ns: String,
        prefix: String,
    },
}

/// What a shop's linked device is doing, as its holder last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    pub shop_id: i64,
    /// The instance holding the session (None: nobody) and until when.
    pub holder: Option<String>,
    pub lease_until: Option<String>,
    /// starting, pairing, connected, offline, logged_out.
    pub state: String,
    /// Sealed details (the QR or pairing code, the last error), JSON once opened.
    pub detail: Option<Vec<u8>>,
    pub updated_at: String,
}

/// One thing received from outside, ready to store as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub route: Route,
    /// The event kind (as in `pasar_link::EventBody`'s tag).
    pub kind: String,
    /// What makes a repeat the same event (a message id, "wamid:status").
    pub dedupe: String,
    /// The event body, as JSON.
    pub body: String,
    /// A customer's message opens their 24-hour window: (wa_id, unix seconds).
    pub window: Option<(String, i64)>,
    /// A file to fetch from WhatsApp for the desktop (queued with the event, atomically).
    pub media: Option<MediaRef>,
}

/// A customer's file named in a message: fetched later by its WhatsApp media id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRef {
    pub id: String,
    /// The message it came with.
    pub message_id: String,
    pub mime_type: Option<String>,
    /// Base64 SHA-256 as WhatsApp gives it (checked against what is downloaded).
    pub sha256: Option<String>,
    pub filename: Option<String>,
}

/// A customer's file claimed for fetching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaJob {
    pub shop_id: i64,
    pub id: String,
    pub message_id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub attempts: i64,
    /// The shop's WhatsApp phone-number id.
    pub phone_number_id: String,
}

/// A file on the relay (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRow {
    pub shop_id: i64,
    pub id: String,
    /// in (a customer's, fetched from WhatsApp) or out (the shop's, uploaded by a desktop).
    pub direction: String,
    /// queued, fetching, ready, failed.
    pub state: String,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
    pub size: Option<i64>,
    pub error: Option<String>,
    /// WhatsApp's id for an uploaded file and when it was uploaded (valid 30 days).
    pub graph_id: Option<String>,
    pub graph_at: Option<String>,
}

/// What fetching a customer's file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Ready {
        mime_type: String,
        bytes: Vec<u8>,
    },
    /// Try again at this time.
    Retry {
        at: String,
        error: String,
    },
    Failed {
        error: String,
    },
}

/// What `ingest` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    /// (shop, seq) of each new event.
    pub stored: Vec<(i64, i64)>,
    /// Repeats of events already stored.
    pub duplicates: usize,
    /// Items no shop owns (kept aside, acknowledged).
    pub unrouted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub received_at: String,
    pub body: String,
}

/// A payment the relay created for a shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub order_id: String,
    pub shop_id: i64,
    pub reference: String,
    pub amount: i64,
    /// qris or link.
    pub method: String,
    /// creating (asked, no answer from Midtrans yet), pending, paid, …
    pub state: String,
    pub transaction_id: Option<String>,
    pub qr_string: Option<String>,
    pub redirect_url: Option<String>,
    pub created_at: String,
    /// When an unpaid payment lapses (RFC 3339 UTC), once Midtrans has answered.
    pub expires_at: Option<String>,
    /// Its last change; for one still "creating", when a creator last set out to ask
    /// Midtrans (any instance).
    pub updated_at: String,
}

/// A message in the outbox, claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundJob {
    pub id: i64,
    pub shop_id: i64,
    pub key: String,
    pub to: String,
    /// The Cloud API body, ready to send.
    pub body: String,
    pub attempts: i64,
    /// The shop's WhatsApp phone-number id (the sending number).
    pub phone_number_id: String,
}

/// How much is waiting, for the operator's gauges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub shops: i64,
    pub devices: i64,
    pub outbox_queued: i64,
    pub media_queued: i64,
    pub payments_unsettled: i64,
    pub set_aside: i64,
}

/// The relay's storage. Methods block (run them on a blocking thread); each is atomic.
pub trait Store: Send + Sync + 'static {
    /// Calls `watcher` with what other instances on the same storage change, from a thread
    /// of its own, until it returns false. SQLite has one instance: nothing to watch.
    fn watch(&self, watcher: Watcher) -> Result<()> {
        drop(watcher);
        Ok(())
    }
    /// A new shop with a one-time pairing code (stored hashed) valid until `expires_at`.
    fn create_shop(&self, name: &str, code_hash: &str, expires_at: &str, now: &str) -> Result<i64>;
    /// Another one-time pairing code for a shop (a new laptop).
    fn add_pairing_code(&self, shop_id: i64, code_hash: &str, expires_at: &str) -> Result<()>;
    /// Routes this WhatsApp phone-number id's messages to the shop (unique across shops).
    fn set_whatsapp_number(&self, shop_id: i64, phone_number_id: &str) -> Result<()>;
    /// The shop's WhatsApp channel (one of `CHANNELS`).
    fn set_whatsapp_channel(&self, shop_id: i64, channel: &str) -> Result<()>;
    /// One value of the shop's linked-device session.
    fn wa_get(&self, shop_id: i64, ns: &str, key: &str) -> Result<Option<Vec<u8>>>;
    /// The values of `ns` whose keys start with `prefix`, by key.
    fn wa_scan(&self, shop_id: i64, ns: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;
    /// Changes the session, all or nothing.
    fn wa_write(&self, shop_id: i64, ops: &[WaOp]) -> Result<()>;
    /// Forgets the shop's linked-device session, request to link included (unlinked, or
    /// logged out from the phone); its last state stays for the desktop to read.
    fn wa_forget(&self, shop_id: i64) -> Result<()>;
    /// Takes or renews the right to hold the shop's linked-device session until
    /// `lease_until` (one instance at a time); false when another holds it.
    fn link_lease(&self, shop_id: i64, holder: &str, lease_until: &str, now: &str) -> Result<bool>;
    /// Records what the linked device is doing (by its holder only; false when `holder`
    /// no longer holds it).
    fn set_link_state(
        &self,
        shop_id: i64,
        holder: &str,
        state: &str,
        detail: Option<&[u8]>,
        now: &str,
    ) -> Result<bool>;
    /// Starts the shop's link state afresh (a new request to link, or unlinked): no stale QR
    /// code, number or error, whoever holds it.
    fn reset_link(&self, shop_id: i64, state: &str, now: &str) -> Result<()>;
    fn link(&self, shop_id: i64) -> Result<Option<LinkRow>>;
    fn shops(&self) -> Result<Vec<ShopRow>>;
    fn shop(&self, id: i64) -> Result<Option<ShopRow>>;
    /// Whether the storage answers (for `/healthz`: one cheap round trip).
    fn ping(&self) -> Result<()>;
    /// Counts for the operator (`/metrics`).
    fn stats(&self) -> Result<Stats>;
    /// Uses a pairing code once: a new device with the token (hashed), or None when the code
    /// is unknown, used or expired.
    fn pair(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<Paired>>;
    fn device(&self, token_hash: &str) -> Result<Option<DeviceRow>>;
    fn devices(&self, shop_id: i64) -> Result<Vec<DeviceRow>>;
    /// Revokes a device's token; false when there is no such device.
    fn revoke_device(&self, device_id: i64, now: &str) -> Result<bool>;
    /// Stores inbound items in one transaction: routed, numbered, deduplicated; what no shop
    /// owns is kept aside.
    fn ingest(&self, items: &[Inbound], now: &str) -> Result<Ingested>;
    /// Keeps a payload nothing could be made of (signed but unreadable, or for no shop).
    fn set_aside(&self, source: &str, reason: &str, body: &str, now: &str) -> Result<()>;
    /// The shop's events after `after`, oldest first, at most `limit`.
    fn events_after(&self, shop_id: i64, after: i64, limit: i64) -> Result<Vec<StoredEvent>>;
    /// The device has everything up to `upto` (never moves back).
    fn ack(&self, device_id: i64, upto: i64) -> Result<()>;
    /// Unix seconds of the customer's last message to the shop, if any.
    fn last_inbound(&self, shop_id: i64, wa_id: &str) -> Result<Option<i64>>;
    /// The shop's own Midtrans server key (None: the relay's MIDTRANS_SERVER_KEY is used).
    fn set_midtrans_key(&self, shop_id: i64, key: &str) -> Result<()>;
    fn midtrans_key(&self, shop_id: i64) -> Result<Option<String>>;
    /// Opens a payment (state "creating"), or returns the one the shop already opened with
    /// this reference. A reference reused for another amount or method is a conflict.
    fn open_payment(
        &self,
        shop_id: i64,
        order_id: &str,
        reference: &str,
        amount: i64,
        method: &str,
        now: &str,
    ) -> Result<PaymentRow>;
    /// What Midtrans gave for a payment being created: now pending, lapsing at `expires_at`,
    /// its status asked of Midtrans at `check_at` unless a notification settles it first.
    #[allow(clippy::too_many_arguments)]
    fn payment_created(
        &self,
        order_id: &str,
        transaction_id: Option<&str>,
        qr_string: Option<&str>,
        redirect_url: Option<&str>,
        expires_at: &str,
        check_at: &str,
        now: &str,
    ) -> Result<PaymentRow>;
    fn payment(&self, order_id: &str) -> Result<Option<PaymentRow>>;
    /// The shop's payment with this reference.
    fn payment_by_reference(&self, shop_id: i64, reference: &str) -> Result<Option<PaymentRow>>;
    /// Claims up to `limit` unsettled payments whose status check is due (`check_at` ≤ now),
    /// moving their check to `lease_until` so no other instance asks at the same time.
    fn claim_payment_checks(
        &self,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> Result<Vec<PaymentRow>>;
    /// When to ask Midtrans next about a payment (None: no more).
    fn schedule_payment_check(&self, order_id: &str, at: Option<&str>) -> Result<()>;
    /// Drops a payment still being created that Midtrans refused (nothing exists there).
    fn forget_payment(&self, order_id: &str) -> Result<()>;
    /// Takes the right to ask Midtrans to create a payment still "creating" until
    /// `until` (None: gives it back): true for one caller at a time on any instance, so an
    /// order is asked for once; a creator that died is succeeded after its claim lapsed.
    fn claim_creation(&self, order_id: &str, until: Option<&str>, now: &str) -> Result<bool>;
    /// Moves a payment to `state` when that is forward (see `midtrans::moves`) and stores the
    /// event, in one transaction; None when it changed nothing (a repeat or a stale one).
    /// A settled payment is not checked any more.
    fn apply_payment(
        &self,
        order_id: &str,
        state: &str,
        event_body: &str,
        dedupe: &str,
        now: &str,
    ) -> Result<Option<i64>>;
    /// Queues a message (body ready for the Cloud API), or returns the state of the one
    /// queued before under the same key; the same key with another recipient or body is a
    /// conflict.
    fn enqueue_outbound(
        &self,
        shop_id: i64,
        key: &str,
        to: &str,
        body: &str,
        now: &str,
    ) -> Result<String>;
    /// Claims up to `limit` queued messages due now, so no two senders take the same one:
    /// of shops on the Cloud API (`only` None), or of that one shop (its linked device). A
    /// message claimed before and never finished by its lease (a sender that died mid-send)
    /// becomes "uncertain" with an event for the desktop, never sent again.
    fn claim_outbound(
        &self,
        now: &str,
        lease_until: &str,
        limit: i64,
        only: Option<i64>,
    ) -> Result<Vec<OutboundJob>>;
    /// Claims up to `limit` customer files due for fetching (queued, or claimed before by a
    /// fetcher that died and whose lease ran out).
    fn claim_media(&self, now: &str, lease_until: &str, limit: i64) -> Result<Vec<MediaJob>>;
    /// Records a fetch: the bytes kept, failed for good, or again later; the event for the
    /// desktop (ready or failed) stored in the same transaction. True when an event was
    /// stored.
    fn finish_media(
        &self,
        shop_id: i64,
        id: &str,
        fetched: &Fetched,
        event_body: Option<&str>,
        now: &str,
    ) -> Result<bool>;
    /// Keeps a file a desktop uploaded under `id` (its content hash; the same file again is
    /// the same row).
    fn put_media(
        &self,
        shop_id: i64,
        id: &str,
        mime_type: &str,
        filename: Option<&str>,
        bytes: &[u8],
        now: &str,
    ) -> Result<MediaRow>;
    fn media(&self, shop_id: i64, id: &str) -> Result<Option<MediaRow>>;
    /// Bytes of files the shop keeps on the relay (its uploads and its customers' files).
    fn media_usage(&self, shop_id: i64) -> Result<i64>;
    /// A file's bytes (ready ones only).
    fn media_bytes(&self, shop_id: i64, id: &str) -> Result<Option<Vec<u8>>>;
    /// WhatsApp's id for an uploaded file.
    fn set_media_graph_id(&self, shop_id: i64, id: &str, graph_id: &str, at: &str) -> Result<()>;
    /// Drops files created before `before` (their bytes and rows); how many.
    fn purge_media(&self, before: &str) -> Result<usize>;
    /// Records a try: sent, failed (with an event for the desktop), or queued again for
    /// `retry_at`. True when an event was stored.
    #[allow(clippy::too_many_arguments)]
    fn finish_outbound(
        &self,
        id: i64,
        state: &str,
        wamid: Option<&str>,
        error: Option<&str>,
        retry_at: Option<&str>,
        event_body: Option<&str>,
        now: &str,
    ) -> Result<bool>;
}
