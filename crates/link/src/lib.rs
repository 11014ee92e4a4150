//! pasar-link: the wire between a shop's desktop and the relay — one definition of every
//! request, response and event, used by the relay (server) and the desktop (client), so the
//! two cannot drift.
//!
//! Architecture invariant: types and the HTTP client only. No storage, no shop rules, no
//! server. The relay maps WhatsApp's and Midtrans's own payloads into these events; the
//! desktop never sees a foreign wire format.

#[cfg(feature = "client")]
pub mod client;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Paths of the device API (under the relay's base URL).
pub mod path {
    pub const PAIR: &str = "/v1/pair";
    pub const EVENTS: &str = "/v1/events";
    pub const ACK: &str = "/v1/ack";
    pub const PAYMENTS: &str = "/v1/payments";
    pub const MESSAGES: &str = "/v1/messages";
    /// POST a file (the body, with its Content-Type; `?filename=`) → `MediaUploaded`;
    /// GET `/v1/media/{id}` → a customer's file.
    pub const MEDIA: &str = "/v1/media";
    /// The shop's linked-device WhatsApp: GET its state, POST a `LinkRequest` to link (QR
    /// or pairing code), DELETE to unlink.
    pub const WHATSAPP_LINK: &str = "/v1/whatsapp/link";
    pub const HEALTH: &str = "/healthz";
}

/// The longest a client may ask the relay to hold an events request open.
pub const MAX_WAIT_SECS: u64 = 30;

/// Pairs a desktop with its shop, using the one-time code `pasar-relay shop create` printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRequest {
    pub code: String,
    /// How the shop will recognise this device ("Laptop kasir").
    pub device_name: String,
}

/// The device's credentials: the token is shown once and stored hashed by the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    pub shop_id: i64,
    pub shop_name: String,
    pub device_id: i64,
    pub token: String,
}

/// A page of the shop's events after a cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsPage {
    pub events: Vec<Event>,
    /// The cursor to ask after next time (the last event's seq, or the cursor given).
    pub next: i64,
}

/// One thing that happened for the shop while its desktop may have been away. `seq` counts
/// per shop from 1 without gaps in commit order, so "after N" never skips one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    /// When the relay stored it (RFC 3339, UTC).
    pub received_at: String,
    #[serde(flatten)]
    pub body: EventBody,
}

/// What an event says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A customer wrote to the shop's WhatsApp number.
    WhatsappMessage(Box<InboundMessage>),
    /// What became of a message the shop sent (sent, delivered, read, played, failed).
    WhatsappStatus(StatusUpdate),
    /// An error WhatsApp reported about the number itself (e.g. 130429 rate limit).
    WhatsappError(PlatformError),
    /// A payment the shop asked for changed state (Midtrans notified or was asked).
    Payment(PaymentUpdate),
    /// What became of a message the desktop asked the relay to send: accepted by WhatsApp
    /// (then its statuses follow as `WhatsappStatus` under the wamid) or failed for good.
    WhatsappOutbound(OutboundResult),
    /// A customer's file (picture, voice note, document) is kept on the relay and can be
    /// downloaded (`GET /v1/media/{id}`), or could not be fetched from WhatsApp.
    WhatsappMedia(MediaReady),
    /// The shop's linked device changed state: a QR or pairing code to show, connected,
    /// offline (with why), logged out.
    WhatsappLink(LinkState),
}

/// Links the shop's own WhatsApp number as a linked device of the relay (unofficial: see
/// the README). Without a phone number the relay shows QR codes to scan; with one, an
/// 8-character code to type in WhatsApp > Linked devices > Link with phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    pub phone: Option<String>,
}

/// What the shop's linked device is doing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    /// unlinked, starting, pairing, connected, offline, logged_out.
    pub state: String,
    /// While pairing: the QR payload to draw (it changes every 20 to 60 seconds).
    pub qr: Option<String>,
    /// While pairing by phone number: the code to type in WhatsApp.
    pub pair_code: Option<String>,
    /// How long the QR or code is valid, in seconds.
    pub expires_in: Option<u64>,
    /// Why it is offline or logged out, in plain words.
    pub error: Option<String>,
    /// The linked number, once connected.
    pub number: Option<String>,
    /// When this state began (RFC 3339).
    pub since: Option<String>,
}

/// The file of a customer's message, fetched from WhatsApp and kept for the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaReady {
    /// WhatsApp's media id (as in the message's `media.id`).
    pub id: String,
    /// The message it came with.
    pub message_id: String,
    /// ready or failed.
    pub state: String,
    pub mime_type: Option<String>,
    pub size: Option<i64>,
    /// Why it failed (WhatsApp's words or ours).
    pub error: Option<String>,
}

/// A file the desktop put on the relay, to send in messages by its `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUploaded {
    /// The relay's id for it (the SHA-256 of its bytes: the same file is stored once).
    pub id: String,
    pub mime_type: String,
    pub size: i64,
}

/// A message for a customer, sent by the relay from its durable queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundRequest {
    /// The desktop's idempotency key: the same key again is the same message, sent once.
    pub key: String,
    /// The customer's WhatsApp number (wa_id: digits with the country code, 62…).
    pub to: String,
    pub message: OutboundMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundMessage {
    Text {
        body: String,
        #[serde(default)]
        preview_url: bool,
    },
    /// Up to three reply buttons.
    Buttons {
        body: String,
        buttons: Vec<Choice>,
        #[serde(default)]
        footer: Option<String>,
    },
    /// A list of up to ten rows in sections, opened by one button.
    List {
        body: String,
        button: String,
        sections: Vec<Section>,
    },
    /// A document (a receipt PDF): uploaded to the relay first (`media`, the id
    /// `POST /v1/media` gave), or by an https `link` the desktop has published. One of the two.
    Document {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        link: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
        #[serde(default)]
        filename: Option<String>,
        #[serde(default)]
        caption: Option<String>,
    },
    /// A JPEG or PNG picture, uploaded (`media`) or by `link`.
    Image {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        link: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
        #[serde(default)]
        caption: Option<String>,
    },
    /// An approved template: the only kind WhatsApp delivers outside the 24-hour window.
    Template {
        name: String,
        language: String,
        #[serde(default)]
        parameters: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Choice>,
}

/// The relay has the message in its queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundAccepted {
    pub key: String,
    /// queued, sent, failed or uncertain (when the same key was sent before).
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundResult {
    pub key: String,
    pub to: String,
    /// sent, failed, or uncertain (WhatsApp did not answer a send, or the relay stopped
    /// during one: the customer may have it; it is not sent again).
    pub state: String,
    /// WhatsApp's id for the message, when sent.
    pub wamid: Option<String>,
    pub error: Option<PlatformError>,
    pub attempts: i64,
}

/// How a customer is asked to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// A QRIS code the desktop shows (Core API charge; any QRIS app pays it).
    Qris,
    /// A payment page link (Snap) the customer opens: VA, e-wallets, cards.
    Link,
}

/// The desktop asks the relay for a payment. Asking again with the same `reference` returns
/// the same payment (never a second charge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The desktop's own reference for what is paid ("sale-1234"): letters, digits, - _ . ~
    pub reference: String,
    /// Whole rupiah.
    pub amount: i64,
    pub method: PaymentMethod,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub customer_phone: Option<String>,
}

/// What the customer is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCreated {
    /// The order id Midtrans knows it by.
    pub order_id: String,
    pub reference: String,
    pub amount: i64,
    pub method: PaymentMethod,
    /// The QRIS payload to draw as a QR code (method qris).
    pub qr_string: Option<String>,
    /// The payment page (method link).
    pub redirect_url: Option<String>,
    /// pending, paid, … (see `PaymentUpdate::state`).
    pub state: String,
    /// When an unpaid payment lapses (RFC 3339, UTC), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A payment's new state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentUpdate {
    pub order_id: String,
    pub reference: String,
    /// Ours: pending, challenge, paid, denied, cancelled, expired, failed,
    /// partially_refunded, refunded, charged_back.
    pub state: String,
    /// Midtrans's own words, kept for the record.
    pub transaction_status: String,
    pub fraud_status: Option<String>,
    pub payment_type: Option<String>,
    /// As Midtrans wrote it ("275000.00").
    pub gross_amount: String,
    pub transaction_id: Option<String>,
}

/// A customer's WhatsApp message, in our terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// WhatsApp's message id (wamid…): unique, the relay stores each once.
    pub id: String,
    /// The sender's WhatsApp number (wa_id), when WhatsApp gives one.
    pub from: Option<String>,
    /// The sender's WhatsApp profile name, when given.
    pub name: Option<String>,
    /// Unix seconds, as WhatsApp stamped it.
    pub timestamp: i64,
    /// text, image, audio, voice, video, document, sticker, location, contacts, button,
    /// interactive, reaction, order, unsupported…
    #[serde(rename = "type")]
    pub kind: String,
    /// The text, a caption, or the title of a chosen button or list row.
    pub text: Option<String>,
    pub media: Option<Media>,
    pub location: Option<Location>,
    /// The id of the button or list row the customer chose.
    pub choice: Option<String>,
    /// The message this one answers (a wamid the shop sent).
    pub reply_to: Option<String>,
    /// Click-to-WhatsApp ad or product that started it, as WhatsApp sent it.
    pub referral: Option<Value>,
}

/// Media a customer sent; the relay keeps the file for the desktop (downloaded by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub filename: Option<String>,
    /// A voice note recorded in WhatsApp (not a forwarded audio file).
    pub voice: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

/// What became of a message the shop sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The wamid of the shop's message.
    pub id: String,
    /// sent, delivered, read, played, failed (or whatever WhatsApp adds next).
    pub status: String,
    pub timestamp: i64,
    pub recipient: Option<String>,
    pub errors: Vec<PlatformError>,
}

/// An error as WhatsApp reports it: the code is what to act on, never the title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformError {
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
}

/// Everything up to and including `upto` has reached the desktop's books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRequest {
    pub upto: i64,
}

/// An error answer from the relay: a stable code for the program, a message for a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}
