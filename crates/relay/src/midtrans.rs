//! Midtrans: payments created on a desktop's request (QRIS through the Core API charge, a
//! payment link through Snap) with the server key living only on the relay, and HTTP
//! notifications verified (signature_key = SHA512(order_id + status_code + gross_amount +
//! server key), each value exactly as written in the body) and applied idempotently and in
//! order: a repeat or a stale notification changes nothing.

use serde_json::{Value, json};
use sha2::{Digest, Sha512};

/// Production Core API (sandbox: https://api.sandbox.midtrans.com).
pub const PRODUCTION: &str = "https://api.midtrans.com";

/// Where the relay talks to Midtrans.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// Core API base (charge, status, cancel).
    pub core: String,
    /// Snap base (".../snap/v1").
    pub snap: String,
}

impl Endpoints {
    /// From MIDTRANS_BASE_URL (default production) and MIDTRANS_SNAP_URL; the Snap base
    /// follows the Core one for Midtrans's own hosts, and is `{base}/snap/v1` elsewhere (a
    /// local fake).
    pub fn new(core: Option<String>, snap: Option<String>) -> Endpoints {
        let core = core
            .unwrap_or_else(|| PRODUCTION.into())
            .trim_end_matches('/')
            .to_string();
        let snap = snap.unwrap_or_else(|| match core.as_str() {
            "https://api.midtrans.com" => "https://app.midtrans.com/snap/v1".into(),
            "https://api.sandbox.midtrans.com" => "https://app.sandbox.midtrans.com/snap/v1".into(),
            other => format!("{other}/snap/v1"),
        });
        Endpoints {
            core,
            snap: snap.trim_end_matches('/').to_string(),
        }
    }
}

/// Whether a notification's signature_key is right for `server_key` (constant time).
pub fn signed(n: &Value, server_key: &str) -> bool {
    let field = |k: &str| n.get(k).and_then(Value::as_str);
    let (Some(order), Some(code), Some(gross), Some(sig)) = (
        field("order_id"),
        field("status_code"),
        field("gross_amount"),
        field("signature_key"),
    ) else {
        return false;
    };
    let want = signature(order, code, gross, server_key);
    crate::auth::same(want.as_bytes(), sig.trim().to_ascii_lowercase().as_bytes())
}

/// SHA512(order_id + status_code + gross_amount + server key), lowercase hex.
pub fn signature(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &str,
) -> String {
    let mut h = Sha512::new();
    for part in [order_id, status_code, gross_amount, server_key] {
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Our state for Midtrans's transaction_status (+ fraud_status).
pub fn state(transaction_status: &str, fraud_status: Option<&str>) -> &'static str {
    match (transaction_status, fraud_status) {
        ("settlement", _) => "paid",
        ("capture", Some("challenge")) => "challenge",
        ("capture", Some("deny")) => "denied",
        ("capture", _) => "paid",
        ("pending" | "authorize", _) => "pending",
        ("deny", _) => "denied",
        ("cancel", _) => "cancelled",
        ("expire", _) => "expired",
        ("failure", _) => "failed",
        ("partial_refund", _) => "partially_refunded",
        ("refund", _) => "refunded",
        ("chargeback" | "partial_chargeback", _) => "charged_back",
        _ => "pending",
    }
}

/// Whether Midtrans documents this transaction_status (others map to "pending" and are
/// believed only from the status API).
pub fn known(transaction_status: &str) -> bool {
    matches!(
        transaction_status,
        "settlement"
            | "capture"
            | "pending"
            | "authorize"
            | "deny"
            | "cancel"
            | "expire"
            | "failure"
            | "partial_refund"
            | "refund"
            | "chargeback"
            | "partial_chargeback"
    )
}

/// Whether a notification's status_code agrees with its transaction_status (the signature
/// covers status_code but not transaction_status, so a status edited into a signed body shows
/// here): 200 for a payment or a refund, 201 pending or in review, 202 refused or ended.
pub fn consistent(status_code: &str, state: &str) -> bool {
    match state {
        "paid" | "partially_refunded" | "refunded" | "charged_back" => status_code == "200",
        "pending" | "challenge" => status_code == "201",
        "denied" | "cancelled" | "expired" => status_code == "202",
        // failure and anything new: no documented code; taken on the signature alone.
        _ => true,
    }
}

fn rank(state: &str) -> u8 {
    match state {
        "pending" => 1,
        "challenge" => 2,
        "paid" | "denied" | "cancelled" | "expired" | "failed" => 3,
        "partially_refunded" => 4,
        "refunded" | "charged_back" => 5,
        _ => 0,
    }
}

/// Whether a payment in state `from` moves to `to`: only forward (notifications come out of
/// order and repeat), except a settlement reversed to deny (Permata, Mandiri Bill, Indomaret
/// can flip within minutes) and a further partial refund.
pub fn moves(from: &str, to: &str) -> bool {
    (rank(to) > rank(from))
        || (from == "paid" && to == "denied")
        || (from == "partially_refunded" && to == "partially_refunded")
}

/// Why Midtrans did not give what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidtransError {
    Unreachable(String),
    /// Midtrans said no (HTTP status, its status_code field, its messages).
    Refused {
        status: u16,
        message: String,
    },
}

impl std::fmt::Display for MidtransError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MidtransError::Unreachable(e) => write!(f, "Midtrans unreachable: {e}"),
            MidtransError::Refused { status, message } => {
                write!(f, "Midtrans refused ({status}): {message}")
            }
        }
    }
}

/// What a charge or a Snap transaction gave back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    pub transaction_id: Option<String>,
    pub qr_string: Option<String>,
    pub redirect_url: Option<String>,
    /// When it lapses unpaid (RFC 3339 UTC), when Midtrans said.
    pub expires_at: Option<String>,
}

/// How an unpaid transaction is ended on the merchant's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Cancel,
    Expire,
}

/// A Midtrans time ("YYYY-MM-DD HH:MM:SS", Jakarta time, GMT+7) as RFC 3339 UTC.
pub fn utc(jakarta: &str) -> Option<String> {
    let t = chrono::NaiveDateTime::parse_from_str(jakarta.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    let t = t.and_utc() - chrono::Duration::hours(7);
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Whether Midtrans's gross_amount ("10000.00", "10000") is exactly `amount` rupiah.
pub fn same_amount(gross: &str, amount: i64) -> bool {
    let (whole, frac) = gross.trim().split_once('.').unwrap_or((gross.trim(), ""));
    whole.parse::<i64>().ok() == Some(amount) && frac.chars().all(|c| c == '0')
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub endpoints: Endpoints,
}

impl Client {
    /// Midtrans at `endpoints`, called through the relay's shared HTTP client.
    pub fn new(endpoints: Endpoints, http: reqwest::Client) -> Client {
        Client { http, endpoints }
    }

    async fn post(
        &self,
        url: &str,
        key: &str,
        idem: &str,
        body: &Value,
    ) -> Result<Value, MidtransError> {
        let req = self
            .http
            .post(url)
            .header("Idempotency-Key", idem)
            .json(body);
        self.call(req, key).await
    }

    /// Sends a Core API or Snap request with the server key (Basic auth) and reads the answer.
    async fn call(&self, req: reqwest::RequestBuilder, key: &str) -> Result<Value, MidtransError> {
        let res = req
            .basic_auth(key, Some(""))
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| MidtransError::Unreachable(without(&e.to_string(), key)))?;
        let status = res.status().as_u16();
        let v: Value = res.json().await.map_err(|e| {
            if status >= 500 {
                MidtransError::Unreachable(format!("HTTP {status}"))
            } else {
                MidtransError::Unreachable(e.to_string())
            }
        })?;
        // A body describing the transaction is an answer whatever its status_code (the
        // status API writes an expired one as "407").
        if v.get("transaction_status")
            .and_then(Value::as_str)
            .is_some()
        {
            return Ok(v);
        }
        // Otherwise Midtrans puts its verdict in the body too: status_code ≥ 400 is a
        // refusal even under HTTP 200 (as its own SDKs read it).
        let body_code = v
            .get("status_code")
            .and_then(Value::as_str)
            .and_then(|c| c.parse::<u16>().ok())
            .unwrap_or(0);
        if status >= 500 || body_code >= 500 {
            // Midtrans's own trouble: nothing was decided, ask again later.
            return Err(MidtransError::Unreachable(format!(
                "Midtrans answered {}",
                status.max(body_code)
            )));
        }
        if status >= 300 || body_code >= 400 {
            let message = v
                .get("error_messages")
                .and_then(Value::as_array)
                .map(|m| {
                    m.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .or_else(|| {
                    v.get("status_message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            return Err(MidtransError::Refused {
                status: if body_code >= 400 { body_code } else { status },
                message: without(&message, key),
            });
        }
        Ok(v)
    }

    /// `GET /v2/{order_id}/status`: the transaction as Midtrans has it (the notification's
    /// shape), or None when Midtrans has none (a Snap link on which nobody has chosen how to
    /// pay yet).
    pub async fn status(&self, key: &str, order_id: &str) -> Result<Option<Value>, MidtransError> {
        let url = format!("{}/v2/{}/status", self.endpoints.core, order_id);
        match self.call(self.http.get(url), key).await {
            Ok(v) => Ok(Some(v)),
            Err(MidtransError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /v2/{order_id}/cancel` (before settlement) or `/expire` (pending only): the
    /// transaction after it.
    pub async fn end(&self, key: &str, order_id: &str, how: End) -> Result<Value, MidtransError> {
        let verb = match how {
            End::Cancel => "cancel",
            End::Expire => "expire",
        };
        let url = format!("{}/v2/{}/{verb}", self.endpoints.core, order_id);
        self.call(self.http.post(url), key).await
    }

    /// A QRIS charge: the QR string to show.
    pub async fn charge_qris(
        &self,
        key: &str,
        order_id: &str,
        amount: i64,
    ) -> Result<Created, MidtransError> {
        let body = json!({
            "payment_type": "qris",
            "transaction_details": {"order_id": order_id, "gross_amount": amount},
            "qris": {"acquirer": "gopay"},
        });
        let v = self
            .post(
                &format!("{}/v2/charge", self.endpoints.core),
                key,
                order_id,
                &body,
            )
            .await?;
        Ok(Created {
            transaction_id: v
                .get("transaction_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            qr_string: v
                .get("qr_string")
                .and_then(Value::as_str)
                .map(str::to_string),
            redirect_url: None,
            expires_at: v.get("expiry_time").and_then(Value::as_str).and_then(utc),
        })
    }

    /// A Snap transaction: the payment page link.
    pub async fn snap(
        &self,
        key: &str,
        order_id: &str,
        amount: i64,
        name: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Created, MidtransError> {
        let mut body = json!({
            "transaction_details": {"order_id": order_id, "gross_amount": amount},
            "expiry": {"unit": "hours", "duration": 24},
        });
        if name.is_some() || phone.is_some() {
            body["customer_details"] = json!({"first_name": name, "phone": phone});
        }
        let v = self
            .post(
                &format!("{}/transactions", self.endpoints.snap),
                key,
                order_id,
                &body,
            )
            .await?;
        Ok(Created {
            transaction_id: None,
            qr_string: None,
            redirect_url: v
                .get("redirect_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            expires_at: None,
        })
    }
}

fn without(s: &str, key: &str) -> String {
    if key.is_empty() {
        s.to_string()
    } else {
        s.replace(key, "***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_move_forward_only() {
        assert_eq!(state("settlement", Some("accept")), "paid");
        assert_eq!(state("capture", Some("challenge")), "challenge");
        assert_eq!(state("capture", Some("accept")), "paid");
        assert!(moves("pending", "paid"));
        assert!(
            !moves("paid", "pending"),
            "a late pending does not undo a payment"
        );
        assert!(moves("paid", "denied"), "a reversed settlement");
        assert!(!moves("expired", "pending"));
        assert!(moves("paid", "refunded"));
        assert!(!moves("paid", "paid"));
        assert!(consistent("200", "paid") && !consistent("201", "paid"));
        assert!(consistent("202", "expired") && !consistent("200", "expired"));
    }

    #[test]
    fn times_and_amounts_as_midtrans_writes_them() {
        assert_eq!(
            utc("2026-11-22 09:15:00").as_deref(),
            Some("2026-11-22T02:15:00.000Z")
        );
        assert_eq!(utc("22/11/2026"), None);
        assert!(same_amount("10000.00", 10000) && same_amount("10000", 10000));
        assert!(!same_amount("10000.50", 10000) && !same_amount("1000.00", 10000));
        assert!(!same_amount("", 0) && !same_amount("-5.00", 5));
    }

    #[test]
    fn the_signature_is_sha512_of_the_fields_as_written() {
        let s = signature("order-1", "200", "10000.00", "SB-Mid-server-x");
        assert_eq!(s.len(), 128);
        let n = json!({"order_id":"order-1","status_code":"200","gross_amount":"10000.00","signature_key": s});
        assert!(signed(&n, "SB-Mid-server-x"));
        assert!(!signed(&n, "another"));
        let n = json!({"order_id":"order-1","status_code":"200","gross_amount":"10000","signature_key": s});
        assert!(!signed(&n, "SB-Mid-server-x"), "10000 is not 10000.00");
    }
}
