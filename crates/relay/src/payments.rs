//! Payments for a shop's desktop: created on its request (QRIS through the Core API charge,
//! a payment link through Snap), settled by Midtrans's notifications, asked about when a
//! notification is late (the checker below), and cancelled on the cashier's word.
//!
//! Whatever tells the relay a transaction's state — a notification, a status answer, a
//! cancel answer — goes through one function (`apply`) with one deduplication key per
//! (order, transaction_status, fraud_status, refund amount), so the same news from two
//! sources is one event.

use crate::store::PaymentRow;
use crate::{ApiError, AppState, blocking, midtrans, now, stamp};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration as Span, Utc};
use pasar_link::{EventBody, PaymentCreated, PaymentMethod, PaymentRequest, PaymentUpdate};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::watch;

/// When the first status check of a new payment is due if no notification came (Midtrans
/// usually notifies within seconds).
pub const FIRST_CHECK: Duration = Duration::from_secs(120);
/// Midtrans's default lapse for QRIS (GoPay) when the charge answer gives no expiry_time.
const QRIS_LAPSE: Span = Span::minutes(15);
/// The Snap link's lapse (asked for in `midtrans::Client::snap`).
const LINK_LAPSE: Span = Span::hours(24);
/// After this long past its lapse, a payment is not asked about any more.
const GIVE_UP: Span = Span::days(7);

/// How long a payment being created is left to its creator before a cancel may forget it.
const CREATING_GRACE: Span = Span::seconds(60);

fn parse(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// When to ask Midtrans next about an unsettled payment created at `created` that lapses at
/// `expires`: often at first (half its age, at least `first`, at most 30 min), once just after
/// the lapse, then seldom (up to every 6 h) for a week; None after that.
pub fn next_check(
    now: DateTime<Utc>,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
    first: Duration,
) -> Option<DateTime<Utc>> {
    let age = (now - created).max(Span::zero());
    let first = Span::from_std(first).unwrap_or(Span::seconds(120));
    let after_lapse = expires + Span::minutes(1);
    if now < after_lapse {
        let step = (age / 2).clamp(first, Span::minutes(30));
        return Some((now + step).min(after_lapse));
    }
    if now > expires + GIVE_UP {
        return None;
    }
    Some(now + (age / 2).clamp(Span::minutes(5), Span::hours(6)))
}

/// The payment as the desktop sees it.
pub(crate) fn created(p: &PaymentRow) -> PaymentCreated {
    PaymentCreated {
        order_id: p.order_id.clone(),
        reference: p.reference.clone(),
        amount: p.amount,
        method: if p.method == "link" {
            PaymentMethod::Link
        } else {
            PaymentMethod::Qris
        },
        qr_string: p.qr_string.clone(),
        redirect_url: p.redirect_url.clone(),
        state: if p.state == "creating" {
            "pending".into()
        } else {
            p.state.clone()
        },
        expires_at: p.expires_at.clone(),
    }
}

/// The Midtrans key for a shop: its own (opened with RELAY_SECRET_KEY), or the relay's.
async fn key_of(s: &AppState, shop: i64) -> Result<Option<String>, ApiError> {
    let store = s.store.clone();
    match blocking(move || store.midtrans_key(shop)).await? {
        Some(stored) => crate::secrets::read(
            s.sealer.as_deref(),
            &crate::secrets::midtrans_context(shop),
            &stored,
        )
        .map(Some)
        .map_err(|e| {
            tracing::error!(shop, "{e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "secret_unreadable",
                e.to_string(),
            )
        }),
        None => Ok(s.config.midtrans_server_key.clone()),
    }
}

fn refused(e: midtrans::MidtransError) -> ApiError {
    match e {
        midtrans::MidtransError::Unreachable(m) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "midtrans_unreachable", m)
        }
        midtrans::MidtransError::Refused { message, .. } => {
            ApiError::new(StatusCode::BAD_GATEWAY, "midtrans_refused", message)
        }
    }
}

fn paid(state: &str) -> bool {
    matches!(
        state,
        "paid" | "partially_refunded" | "refunded" | "charged_back"
    )
}

fn unsettled(state: &str) -> bool {
    matches!(state, "creating" | "pending" | "challenge")
}

/// A payment for the device's shop: QRIS (the QR string to show) or a payment link. The
/// same reference again returns the same payment; Midtrans is asked with the order id as its
/// idempotency key, so a retry after a lost answer never charges twice.
pub(crate) async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<PaymentRequest>,
) -> Result<Json<PaymentCreated>, ApiError> {
    let dev = crate::device(&s, &headers).await?;
    let reference = req.reference.trim().to_string();
    check_reference(&reference)?;
    if !(1..=1_000_000_000_000).contains(&req.amount) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_amount",
            "amount: whole rupiah, at least 1",
        ));
    }
    let Some(key) = key_of(&s, dev.shop_id).await? else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "no Midtrans server key for this shop",
        ));
    };
    let method = match req.method {
        PaymentMethod::Qris => "qris",
        PaymentMethod::Link => "link",
    };
    let order_id = format!("ps{}-{reference}", dev.shop_id);
    let store = s.store.clone();
    let (shop, oid, r, m, t) = (
        dev.shop_id,
        order_id.clone(),
        reference.clone(),
        method,
        now(),
    );
    let row = blocking(move || store.open_payment(shop, &oid, &r, req.amount, m, &t)).await?;
    if row.state != "creating" {
        return Ok(Json(created(&row)));
    }
    // One creator per order on any instance: a second request for the same reference
    // (here or on another instance) waits for the first and takes its answer instead of
    // asking Midtrans again; a creator that died is succeeded once its claim lapsed.
    let row = match claim(&s, &row.order_id).await? {
        Claimed::Ours(r) => r,
        Claimed::Answered(r) => return Ok(Json(created(&r))),
    };
    let answer = match req.method {
        PaymentMethod::Qris => {
            s.midtrans
                .charge_qris(&key, &row.order_id, row.amount)
                .await
        }
        PaymentMethod::Link => {
            s.midtrans
                .snap(
                    &key,
                    &row.order_id,
                    row.amount,
                    req.customer_name.as_deref(),
                    req.customer_phone.as_deref(),
                )
                .await
        }
    };
    let made = match answer {
        Ok(made) => made,
        Err(e) => {
            tracing::warn!(order = %row.order_id, error = %e, "Midtrans did not create the payment");
            if let midtrans::MidtransError::Refused { .. } = e {
                // Midtrans created nothing: the reference is free again (another amount, a
                // fixed key), and this order needs no lock any more. An unanswered call
                // keeps both: the next try asks again under the same idempotency key.
                let store = s.store.clone();
                let oid = row.order_id.clone();
                blocking(move || store.forget_payment(&oid)).await?;
            } else {
                // No answer: the next try asks again (same idempotency key) at once.
                let store = s.store.clone();
                let oid = row.order_id.clone();
                blocking(move || store.claim_creation(&oid, None, &now())).await?;
            }
            return Err(refused(e));
        }
    };
    let store = s.store.clone();
    let t = Utc::now();
    let lapse = if row.method == "link" {
        LINK_LAPSE
    } else {
        QRIS_LAPSE
    };
    let expires = made.expires_at.clone().unwrap_or_else(|| stamp(t + lapse));
    let first = Span::from_std(s.config.payment_first_check.unwrap_or(FIRST_CHECK))
        .unwrap_or(Span::seconds(120));
    let check_at = stamp(t + first);
    let row = blocking(move || {
        store.payment_created(
            &order_id,
            made.transaction_id.as_deref(),
            made.qr_string.as_deref(),
            made.redirect_url.as_deref(),
            &expires,
            &check_at,
            &stamp(t),
        )
    })
    .await?;
    // The claim ends with the state: a request that comes after finds the row settled and
    // never asks Midtrans a second time.
    tracing::info!(order = %row.order_id, method, "payment created");
    Ok(Json(created(&row)))
}

fn check_reference(reference: &str) -> Result<(), ApiError> {
    if reference.is_empty()
        || reference.len() > 32
        || !reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_reference",
            "reference: 1-32 letters, digits, - _ . ~",
        ));
    }
    Ok(())
}

/// How long a creator may take (Midtrans answers within 20 s or is "no answer").
const CLAIM: Span = Span::seconds(30);

enum Claimed {
    /// This request asks Midtrans.
    Ours(PaymentRow),
    /// Another request asked; its answer.
    Answered(PaymentRow),
}

/// Takes the order's creation, or waits (up to 25 s) for the request that holds it.
async fn claim(s: &AppState, order: &str) -> Result<Claimed, ApiError> {
    // Waiting and then asking Midtrans (20 s at most) stays inside the request's timeout.
    let deadline = Utc::now() + Span::seconds(15);
    loop {
        let (store, oid, t) = (s.store.clone(), order.to_string(), Utc::now());
        let ours = blocking(move || store.claim_creation(&oid, Some(&stamp(t + CLAIM)), &stamp(t)))
            .await?;
        let store = s.store.clone();
        let oid = order.to_string();
        let row = blocking(move || store.payment(&oid)).await?;
        match row {
            Some(r) if r.state != "creating" => return Ok(Claimed::Answered(r)),
            Some(r) if ours => return Ok(Claimed::Ours(r)),
            Some(_) if Utc::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "creating",
                    "the payment is still being created; ask again",
                )
                .retry_after(CLAIM.num_seconds() as u64));
            }
            // Midtrans refused the other request: the reference is free again.
            None => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "creating",
                    "Midtrans refused this payment just now; ask again",
                )
                .retry_after(1));
            }
        }
    }
}

/// The deduplication key of a transaction state: the same news from a notification, a status
/// answer or a cancel answer is one event.
fn dedupe(order_id: &str, v: &Value) -> String {
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    format!(
        "mt:{order_id}:{}:{}:{}",
        field("transaction_status"),
        field("fraud_status"),
        field("refund_amount")
    )
}

/// Stores what Midtrans says of a payment (once, forward only) and wakes waiting desktops;
/// the event's sequence number when it changed something.
async fn apply(s: &AppState, p: &PaymentRow, v: &Value) -> Result<Option<i64>, ApiError> {
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let transaction_status = field("transaction_status").unwrap_or_default();
    let fraud = field("fraud_status");
    let state = midtrans::state(&transaction_status, fraud.as_deref());
    let update = PaymentUpdate {
        order_id: p.order_id.clone(),
        reference: p.reference.clone(),
        state: state.to_string(),
        transaction_status: transaction_status.clone(),
        fraud_status: fraud,
        payment_type: field("payment_type"),
        gross_amount: field("gross_amount").unwrap_or_default(),
        transaction_id: field("transaction_id"),
    };
    let dedupe = dedupe(&p.order_id, v);
    let body = serde_json::to_string(&EventBody::Payment(update)).expect("events serialise");
    let store = s.store.clone();
    let (order, st, t) = (p.order_id.clone(), state.to_string(), now());
    let seq = blocking(move || store.apply_payment(&order, &st, &body, &dedupe, &t)).await?;
    if seq.is_some() {
        s.news.send_modify(|n| *n = n.wrapping_add(1));
    }
    tracing::info!(order = %p.order_id, state, applied = seq.is_some(), "payment state");
    Ok(seq)
}

/// A Midtrans HTTP notification: verified with the key of the shop that owns the order
/// (401 for a forgery), applied once and in order, acknowledged only after it is stored.
pub(crate) async fn notification(
    State(s): State<AppState>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let n: Value = serde_json::from_slice(&body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "not a JSON notification",
        )
    })?;
    let field = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(order_id) = field("order_id") else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "no order_id",
        ));
    };
    let store = s.store.clone();
    let oid = order_id.clone();
    let payment = blocking(move || store.payment(&oid)).await?;
    let key = match &payment {
        Some(p) => key_of(&s, p.shop_id).await?,
        None => s.config.midtrans_server_key.clone(),
    };
    if !key.is_some_and(|k| midtrans::signed(&n, &k)) {
        s.metrics.inc(
            "pasar_relay_webhooks_total",
            &[("source", "midtrans"), ("outcome", "forged")],
        );
        tracing::warn!(order = %order_id, "Midtrans notification with a bad signature refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "signature_key does not match",
        ));
    }
    let Some(p) = payment else {
        // Genuine, but not an order this relay made (another integration of the merchant).
        let store = s.store.clone();
        let (raw, t) = (String::from_utf8_lossy(&body).into_owned(), now());
        blocking(move || store.set_aside("midtrans", "order the relay did not create", &raw, &t))
            .await?;
        return Ok(StatusCode::OK);
    };
    let transaction_status = field("transaction_status").unwrap_or_default();
    let state = midtrans::state(&transaction_status, field("fraud_status").as_deref());
    if !midtrans::consistent(&field("status_code").unwrap_or_default(), state) {
        tracing::warn!(order = %order_id, %transaction_status, "Midtrans notification whose status_code contradicts its status refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "status_code does not match transaction_status",
        ));
    }
    // gross_amount is signed, so a mismatch is not a forgery by a stranger; still, it is not
    // this payment (Midtrans keeps the order's amount, refunds come as refund_amount).
    if !midtrans::same_amount(&field("gross_amount").unwrap_or_default(), p.amount) {
        tracing::error!(order = %order_id, gross = ?field("gross_amount"), amount = p.amount, "Midtrans notification for another amount; not applied");
        let store = s.store.clone();
        let (raw, t) = (String::from_utf8_lossy(&body).into_owned(), now());
        blocking(move || {
            store.set_aside(
                "midtrans",
                "gross_amount is not the payment's amount",
                &raw,
                &t,
            )
        })
        .await?;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "amount_mismatch",
            "gross_amount is not this order's amount",
        ));
    }
    // The signature does not cover transaction_status, and one status_code stands for
    // several states: a captured notification replayed with another status passes every
    // check above. A status that code pins down is applied as told (a settlement, a pending,
    // a refusal or lapse — none of which a replay can turn against the shop, since states
    // only move forward); anything else (a refund, a chargeback, a failure, a review, a
    // status we do not know) is believed only from Midtrans's status API. Unconfirmed, it is
    // answered 503 so Midtrans sends it again (a refund the status API shows a little later
    // is then applied; a forgery never is).
    if !matches!(
        state,
        "pending" | "paid" | "denied" | "cancelled" | "expired"
    ) || !midtrans::known(&transaction_status)
    {
        let before = p.state.clone();
        ask(&s, &p).await?;
        let after = reread(&s, &p.order_id).await?.state;
        let confirmed = after == state;
        s.metrics.inc(
            "pasar_relay_webhooks_total",
            &[
                ("source", "midtrans"),
                (
                    "outcome",
                    if confirmed {
                        "confirmed"
                    } else {
                        "unconfirmed"
                    },
                ),
            ],
        );
        if !confirmed {
            tracing::warn!(order = %order_id, claimed = state, before = %before, now = %after, "a notification Midtrans's status API does not confirm; not applied");
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unconfirmed",
                "Midtrans's status API does not show this status (yet)",
            )
            .retry_after(60));
        }
        return Ok(StatusCode::OK);
    }
    let applied = apply(&s, &p, &n).await?;
    s.metrics.inc(
        "pasar_relay_webhooks_total",
        &[
            ("source", "midtrans"),
            (
                "outcome",
                if applied.is_some() {
                    "stored"
                } else {
                    "duplicate"
                },
            ),
        ],
    );
    Ok(StatusCode::OK)
}

/// What asking Midtrans about a payment came to.
#[derive(Debug)]
enum Asked {
    /// Midtrans told a state (applied, or already known).
    Told,
    /// Midtrans has no transaction for the order.
    Nothing,
}

/// Asks Midtrans for a payment's status and applies it. A Snap link nobody chose a method on
/// has no transaction; once its lapse is well past, it is recorded as expired.
async fn ask(s: &AppState, p: &PaymentRow) -> Result<Asked, ApiError> {
    let Some(key) = key_of(s, p.shop_id).await? else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "no Midtrans server key for this shop",
        ));
    };
    let answer = s
        .midtrans
        .status(&key, &p.order_id)
        .await
        .map_err(refused)?;
    let Some(v) = answer else {
        let lapsed = p
            .expires_at
            .as_deref()
            .and_then(parse)
            .is_some_and(|e| Utc::now() > e + Span::minutes(10));
        if p.method == "link" && lapsed {
            let v = serde_json::json!({
                "order_id": p.order_id, "transaction_status": "expire",
                "gross_amount": format!("{}.00", p.amount),
            });
            apply(s, p, &v).await?;
        }
        return Ok(Asked::Nothing);
    };
    let same_order = v.get("order_id").and_then(Value::as_str) == Some(p.order_id.as_str());
    let gross = v.get("gross_amount").and_then(Value::as_str).unwrap_or("");
    if !same_order || !midtrans::same_amount(gross, p.amount) {
        tracing::error!(order = %p.order_id, gross, "Midtrans status answer is not this payment; not applied");
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "midtrans_mismatch",
            "Midtrans answered about another order or amount",
        ));
    }
    apply(s, p, &v).await?;
    Ok(Asked::Told)
}

async fn reread(s: &AppState, order: &str) -> Result<PaymentRow, ApiError> {
    let store = s.store.clone();
    let oid = order.to_string();
    blocking(move || store.payment(&oid))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "unknown_payment", "no such payment"))
}

async fn by_reference(
    s: &AppState,
    headers: &HeaderMap,
    reference: &str,
) -> Result<PaymentRow, ApiError> {
    let dev = crate::device(s, headers).await?;
    check_reference(reference)?;
    let store = s.store.clone();
    let r = reference.to_string();
    blocking(move || store.payment_by_reference(dev.shop_id, &r))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_payment",
                format!("this shop has no payment {reference}"),
            )
        })
}

#[derive(serde::Deserialize)]
pub(crate) struct CheckQuery {
    #[serde(default)]
    check: bool,
}

/// A payment of the device's shop; with `check=true` Midtrans is asked first when it is not
/// settled (Midtrans out of reach: the stored state, as it is).
pub(crate) async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(q): Query<CheckQuery>,
) -> Result<Json<PaymentCreated>, ApiError> {
    let p = by_reference(&s, &headers, &reference).await?;
    if q.check && matches!(p.state.as_str(), "pending" | "challenge") {
        if let Err(e) = ask(&s, &p).await {
            tracing::warn!(order = %p.order_id, error = %e.message, "status check on request failed");
        }
        return Ok(Json(created(&reread(&s, &p.order_id).await?)));
    }
    Ok(Json(created(&p)))
}

/// Cancels an unpaid payment (the customer pays another way). Midtrans is told first; if it
/// will not cancel (412: a QRIS it only lets expire), the transaction is expired instead; if
/// the customer paid in the meantime the answer says so (409 already_paid) and the payment
/// stands.
pub(crate) async fn cancel(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> Result<Json<PaymentCreated>, ApiError> {
    let p = by_reference(&s, &headers, &reference).await?;
    let already_paid = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "already_paid",
            "the customer has already paid this; it cannot be cancelled",
        )
    };
    if paid(&p.state) {
        return Err(already_paid());
    }
    if !unsettled(&p.state) {
        // Cancelled, expired, denied or failed already: nothing to do.
        return Ok(Json(created(&p)));
    }
    let Some(key) = key_of(&s, p.shop_id).await? else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "no Midtrans server key for this shop",
        ));
    };
    // Not while the same payment is being created (on any instance): a cancel of one still
    // being created holds its creation meanwhile, so no creator sets out during it.
    let holding = p.state == "creating" && {
        let (store, oid, t) = (s.store.clone(), p.order_id.clone(), Utc::now());
        blocking(move || store.claim_creation(&oid, Some(&stamp(t + CLAIM)), &stamp(t))).await?
    };
    if p.state == "creating" && !holding && reread(&s, &p.order_id).await?.state == "creating" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "creating",
            "the payment is being created right now; try cancelling again in a moment",
        )
        .retry_after(CLAIM.num_seconds() as u64));
    }
    let out = cancel_now(&s, &key, &p.order_id).await;
    if holding {
        // What Midtrans answered stands even if giving the claim back fails (it lapses).
        let (store, oid) = (s.store.clone(), p.order_id.clone());
        let _ = blocking(move || store.claim_creation(&oid, None, &now())).await;
    }
    out
}

/// Asks Midtrans to cancel (see `cancel`), the creation held when it is still being created.
async fn cancel_now(
    s: &AppState,
    key: &str,
    order_id: &str,
) -> Result<Json<PaymentCreated>, ApiError> {
    let already_paid = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "already_paid",
            "the customer has already paid this; it cannot be cancelled",
        )
    };
    let p = reread(s, order_id).await?;
    let key = key.to_string();
    let s = s.clone();
    match s
        .midtrans
        .end(&key, &p.order_id, midtrans::End::Cancel)
        .await
    {
        Ok(v) => {
            apply(&s, &p, &v).await?;
        }
        Err(midtrans::MidtransError::Refused { status: 404, .. }) => {
            if p.state == "creating" {
                // Midtrans has nothing yet. Another instance may be asking it right now (a
                // creator is done within its 20 s timeout): until a minute has passed since
                // a creator last set out, the payment is left alone — forgotten, the charge
                // that then lands would have no payment to belong to.
                let busy = parse(&p.updated_at).is_none_or(|t| Utc::now() - t < CREATING_GRACE);
                if busy {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "creating",
                        "the payment is still being created; try cancelling again in a minute",
                    )
                    .retry_after(CREATING_GRACE.num_seconds() as u64));
                }
                // The charge never reached Midtrans: nothing exists to pay.
                let store = s.store.clone();
                let oid = p.order_id.clone();
                blocking(move || store.forget_payment(&oid)).await?;
                let mut gone = created(&p);
                gone.state = "cancelled".into();
                return Ok(Json(gone));
            }
            if p.method == "link" {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "not_started",
                    format!(
                        "the customer has not chosen how to pay on the link yet, so Midtrans cannot cancel it; it lapses by itself at {}",
                        p.expires_at.as_deref().unwrap_or("its expiry")
                    ),
                ));
            }
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "midtrans_refused",
                "Midtrans does not know this transaction",
            ));
        }
        Err(midtrans::MidtransError::Refused { status: 412, .. }) => {
            // Midtrans will not cancel it: find out why (paid meanwhile?), else expire it.
            ask(&s, &p).await?;
            let now_row = reread(&s, &p.order_id).await?;
            if now_row.state == "pending" {
                let v = s
                    .midtrans
                    .end(&key, &p.order_id, midtrans::End::Expire)
                    .await
                    .map_err(refused)?;
                apply(&s, &now_row, &v).await?;
            }
        }
        Err(e) => return Err(refused(e)),
    }
    let after = reread(&s, &p.order_id).await?;
    if paid(&after.state) {
        return Err(already_paid());
    }
    Ok(Json(created(&after)))
}

/// The checker: asks Midtrans about unsettled payments whose notification is late, on the
/// schedule of `next_check`, until they settle or it gives up. Claims are leased in the
/// store, so several relay instances share the work without asking twice at once.
pub(crate) async fn run(s: AppState, mut stop: watch::Receiver<bool>) {
    let first = s.config.payment_first_check.unwrap_or(FIRST_CHECK);
    let tick = first.clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        if *stop.borrow() {
            return;
        }
        let t = Utc::now();
        let store = s.store.clone();
        let claimed = blocking(move || {
            store.claim_payment_checks(&stamp(t), &stamp(t + Span::minutes(2)), 20)
        })
        .await;
        let due = match claimed {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e.message, "payment checks could not be claimed");
                Vec::new()
            }
        };
        for p in &due {
            if *stop.borrow() {
                return;
            }
            let outcome = match ask(&s, p).await {
                Ok(_) => "answered",
                Err(e) => {
                    tracing::warn!(order = %p.order_id, error = %e.message, "payment status check failed");
                    "failed"
                }
            };
            s.metrics
                .inc("pasar_relay_payment_checks_total", &[("outcome", outcome)]);
            let (created_at, expires) = (
                parse(&p.created_at).unwrap_or(t),
                p.expires_at.as_deref().and_then(parse).unwrap_or(t),
            );
            let next = next_check(Utc::now(), created_at, expires, first).map(stamp);
            let store = s.store.clone();
            let order = p.order_id.clone();
            if let Err(e) =
                blocking(move || store.schedule_payment_check(&order, next.as_deref())).await
            {
                tracing::warn!(error = %e.message, "payment check could not be scheduled");
            }
        }
        if due.len() == 20 {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_come_often_first_then_once_after_the_lapse_then_seldom() {
        let c = parse("2026-11-22T09:00:00Z").unwrap();
        let e = c + QRIS_LAPSE;
        let first = Duration::from_secs(120);
        let mut t = c;
        let mut times = vec![];
        while let Some(n) = next_check(t, c, e, first) {
            assert!(n > t, "each check is later than the last");
            times.push(n);
            t = n;
        }
        let minutes: Vec<i64> = times.iter().map(|n| (*n - c).num_minutes()).collect();
        assert_eq!(minutes[0], 2, "the first check after two minutes");
        assert!(
            times.contains(&(e + Span::minutes(1))),
            "one check just after the lapse: {minutes:?}"
        );
        let before = times.iter().filter(|n| **n <= e + Span::minutes(1)).count();
        assert!(before <= 8, "not a flood before the lapse: {minutes:?}");
        assert!(*times.last().unwrap() <= e + GIVE_UP + Span::hours(6));
        assert!(times.len() < 60, "a week is not thousands of calls");
    }
}
