//! The desktop's side of the wire: pair once, then pull events after a cursor (held open by
//! the relay until something arrives, so an event reaches an online desktop at once) and
//! acknowledge what reached the books.

use crate::{
    AckRequest, ErrorBody, EventsPage, LinkRequest, LinkState, MAX_WAIT_SECS, MediaUploaded,
    OutboundAccepted, OutboundRequest, PairRequest, PairResponse, PaymentCreated, PaymentRequest,
    path,
};
use std::time::Duration;

/// Why a call to the relay did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// No answer: offline, refused, timed out. Try again later.
    Unreachable(String),
    /// The relay answered no: a stable code ("unauthorized", "bad_code", …) and its message.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// An answer that is not what the wire says.
    Malformed(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Unreachable(e) => write!(f, "relay unreachable: {e}"),
            LinkError::Refused {
                status,
                code,
                message,
            } => write!(f, "relay refused ({status} {code}): {message}"),
            LinkError::Malformed(e) => write!(f, "relay answer unusable: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// A connection to one relay, as one device of one shop once paired.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client for the relay at `base` ("https://relay.example.id", "http://127.0.0.1:8080").
    pub fn new(base: &str) -> Result<Client, LinkError> {
        // rustls with ring, installed once per process (a second install is a no-op).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("pasarsuara/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: None,
        })
    }

    /// The same client, speaking as the device that holds `token`.
    pub fn with_token(mut self, token: &str) -> Client {
        self.token = Some(token.to_string());
        self
    }

    /// Pairs this device with the shop whose one-time code is given.
    pub async fn pair(&self, req: &PairRequest) -> Result<PairResponse, LinkError> {
        let res = self
            .http
            .post(format!("{}{}", self.base, path::PAIR))
            .timeout(Duration::from_secs(15))
            .json(req)
            .send()
            .await;
        read(res).await
    }

    /// The shop's events after `after`, waiting up to `wait` (at most 30 s) for one to come.
    pub async fn events(&self, after: i64, wait: Duration) -> Result<EventsPage, LinkError> {
        let wait = wait.as_secs().min(MAX_WAIT_SECS);
        let res = self
            .authed(self.http.get(format!(
                "{}{}?after={after}&wait={wait}",
                self.base,
                path::EVENTS
            )))
            .timeout(Duration::from_secs(wait + 15))
            .send()
            .await;
        read(res).await
    }

    /// Tells the relay everything up to `upto` reached the books.
    pub async fn ack(&self, upto: i64) -> Result<(), LinkError> {
        let res = self
            .authed(self.http.post(format!("{}{}", self.base, path::ACK)))
            .timeout(Duration::from_secs(15))
            .json(&AckRequest { upto })
            .send()
            .await;
        read::<serde_json::Value>(res).await.map(|_| ())
    }

    /// Asks the relay for a payment (QRIS or a link); the same reference again returns the
    /// same payment.
    pub async fn create_payment(&self, req: &PaymentRequest) -> Result<PaymentCreated, LinkError> {
        let res = self
            .authed(self.http.post(format!("{}{}", self.base, path::PAYMENTS)))
            .timeout(Duration::from_secs(30))
            .json(req)
            .send()
            .await;
        read(res).await
    }

    /// A payment as the relay knows it; with `check`, the relay first asks Midtrans (the
    /// cashier's "cek pembayaran" when the customer says they paid and no news came).
    pub async fn payment(&self, reference: &str, check: bool) -> Result<PaymentCreated, LinkError> {
        let res = self
            .authed(self.http.get(format!(
                "{}{}/{}?check={check}",
                self.base,
                path::PAYMENTS,
                segment(reference)
            )))
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        read(res).await
    }

    /// Cancels an unpaid payment (the customer pays another way). Refused with
    /// `already_paid` when the customer paid first, `not_started` for a payment link on which
    /// the customer has not chosen how to pay yet (it lapses by itself).
    pub async fn cancel_payment(&self, reference: &str) -> Result<PaymentCreated, LinkError> {
        let res = self
            .authed(self.http.post(format!(
                "{}{}/{}/cancel",
                self.base,
                path::PAYMENTS,
                segment(reference)
            )))
            .timeout(Duration::from_secs(45))
            .send()
            .await;
        read(res).await
    }

    /// Puts a file on the relay (a receipt PDF, a picture) to send in messages by the id
    /// returned; the same bytes again are the same id.
    pub async fn upload_media(
        &self,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: Option<&str>,
    ) -> Result<MediaUploaded, LinkError> {
        let mut url = format!("{}{}", self.base, path::MEDIA);
        if let Some(f) = filename {
            url.push_str(&format!("?filename={}", segment(f)));
        }
        let res = self
            .authed(self.http.post(url))
            .header("content-type", mime_type)
            .timeout(Duration::from_secs(300))
            .body(bytes)
            .send()
            .await;
        read(res).await
    }

    /// A customer's file, once the relay has it (`WhatsappMedia` event ready): its type and
    /// bytes. Refused with `not_ready` while it is being fetched, `media_failed` when it
    /// could not be.
    pub async fn media(&self, id: &str) -> Result<(String, Vec<u8>), LinkError> {
        let res = self
            .authed(
                self.http
                    .get(format!("{}{}/{}", self.base, path::MEDIA, segment(id))),
            )
            .timeout(Duration::from_secs(300))
            .send()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(match read::<serde_json::Value>(Ok(res)).await {
                Err(e) => e,
                Ok(_) => LinkError::Malformed("a refusal without an error".into()),
            });
        }
        let mime = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        Ok((mime, bytes.to_vec()))
    }

    /// Queues a message for a customer; the result comes back as a `WhatsappOutbound` event.
    /// The shop's linked-device WhatsApp (unofficial channel): its state.
    pub async fn link_state(&self) -> Result<LinkState, LinkError> {
        let res = self
            .authed(
                self.http
                    .get(format!("{}{}", self.base, path::WHATSAPP_LINK)),
            )
            .timeout(Duration::from_secs(15))
            .send()
            .await;
        read(res).await
    }

    /// Links the shop's own number as a linked device: QR codes follow as `WhatsappLink`
    /// events (or a pairing code, when `phone` is given).
    pub async fn link(&self, req: &LinkRequest) -> Result<LinkState, LinkError> {
        let res = self
            .authed(
                self.http
                    .post(format!("{}{}", self.base, path::WHATSAPP_LINK)),
            )
            .timeout(Duration::from_secs(15))
            .json(req)
            .send()
            .await;
        read(res).await
    }

    /// Unlinks: the shop's WhatsApp goes back to the Cloud API; the session is forgotten.
    pub async fn unlink(&self) -> Result<LinkState, LinkError> {
        let res = self
            .authed(
                self.http
                    .delete(format!("{}{}", self.base, path::WHATSAPP_LINK)),
            )
            .timeout(Duration::from_secs(15))
            .send()
            .await;
        read(res).await
    }

    pub async fn send_message(&self, req: &OutboundRequest) -> Result<OutboundAccepted, LinkError> {
        let res = self
            .authed(self.http.post(format!("{}{}", self.base, path::MESSAGES)))
            .timeout(Duration::from_secs(15))
            .json(req)
            .send()
            .await;
        read(res).await
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }
}

/// A value as one URL path segment (references are letters, digits and `-_.~`; anything
/// else is percent-encoded so it cannot reach another path).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn read<T: serde::de::DeserializeOwned>(
    res: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, LinkError> {
    let res = res.map_err(|e| LinkError::Unreachable(e.to_string()))?;
    let status = res.status();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| LinkError::Unreachable(e.to_string()))?;
    if !status.is_success() {
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        return Err(LinkError::Refused {
            status: status.as_u16(),
            code: body
                .as_ref()
                .map_or_else(|| "http".into(), |b| b.code.clone()),
            message: body.map_or_else(
                || String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                |b| b.message,
            ),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| LinkError::Malformed(e.to_string()))
}
