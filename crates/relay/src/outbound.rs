//! Messages to customers: checked against WhatsApp's limits, turned into the Cloud API's
//! body, kept in a durable queue and sent by one background component that retries with
//! backoff — honouring Meta's rate-limit errors — and reports each message's end (sent with
//! its wamid, or failed with WhatsApp's error) to the shop's desktop as an event.

use crate::stamp;
use crate::store::{OutboundJob, Store};
use pasar_link::{EventBody, OutboundMessage, OutboundResult, PlatformError};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The Graph API version the relay speaks (WHATSAPP_GRAPH_URL overrides the whole base).
pub const GRAPH: &str = "https://graph.facebook.com/v24.0";
/// Tries before a message is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// The customer-service window.
pub const WINDOW_SECS: i64 = 24 * 60 * 60;

/// Why a message cannot be queued (a 400 to the desktop, with this text).
/// A linked device may also write to a customer WhatsApp knows only by LID
/// (`digits@lid`, as its messages name them).
pub fn check(to: &str, m: &OutboundMessage, linked: bool) -> Result<(), String> {
    let len = |s: &str| s.chars().count();
    let lid = linked
        && to
            .strip_suffix("@lid")
            .is_some_and(|u| (5..=20).contains(&u.len()) && u.chars().all(|c| c.is_ascii_digit()));
    if !lid && (!(8..=15).contains(&to.len()) || !to.chars().all(|c| c.is_ascii_digit())) {
        return Err(
            "to: the customer's WhatsApp number, digits with the country code (62…)".into(),
        );
    }
    let within = |what: &str, s: &str, max: usize| {
        if s.trim().is_empty() || len(s) > max {
            Err(format!("{what}: 1 to {max} characters"))
        } else {
            Ok(())
        }
    };
    match m {
        OutboundMessage::Text { body, .. } => within("body", body, 4096),
        OutboundMessage::Buttons {
            body,
            buttons,
            footer,
        } => {
            within("body", body, 1024)?;
            if buttons.is_empty() || buttons.len() > 3 {
                return Err("buttons: 1 to 3".into());
            }
            for b in buttons {
                within("button id", &b.id, 256)?;
                within("button title", &b.title, 20)?;
            }
            footer
                .as_deref()
                .map_or(Ok(()), |f| within("footer", f, 60))
        }
        OutboundMessage::List {
            body,
            button,
            sections,
        } => {
            within("body", body, 4096)?;
            within("button", button, 20)?;
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            if sections.is_empty() || sections.len() > 10 || rows == 0 || rows > 10 {
                return Err("list: 1 to 10 sections, 1 to 10 rows in all".into());
            }
            for s in sections {
                within("section title", &s.title, 24)?;
                for r in &s.rows {
                    within("row id", &r.id, 200)?;
                    within("row title", &r.title, 24)?;
                    if let Some(d) = &r.description {
                        within("row description", d, 72)?;
                    }
                }
            }
            Ok(())
        }
        OutboundMessage::Document { link, media, .. }
        | OutboundMessage::Image { link, media, .. } => match (link.is_empty(), media) {
            (true, Some(id)) if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) => {
                Ok(())
            }
            (true, Some(_)) => Err("media: the id POST /v1/media gave".into()),
            (false, None) if link.starts_with("https://") && len(link) <= 2000 => Ok(()),
            (false, None) => Err("link: an https:// address".into()),
            _ => Err("a file: either media (uploaded) or link, not both".into()),
        },
        OutboundMessage::Template { name, language, .. } => {
            within("template name", name, 512)?;
            within("template language", language, 15)
        }
    }
}

/// The Cloud API's message body for `to`.
pub fn graph_body(to: &str, m: &OutboundMessage) -> Value {
    let mut b = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to});
    let (kind, part) = match m {
        OutboundMessage::Text { body, preview_url } => {
            ("text", json!({"preview_url": preview_url, "body": body}))
        }
        OutboundMessage::Buttons {
            body,
            buttons,
            footer,
        } => {
            let mut i = json!({
                "type": "button",
                "body": {"text": body},
                "action": {"buttons": buttons.iter().map(|x| json!({"type": "reply", "reply": {"id": x.id, "title": x.title}})).collect::<Vec<_>>()},
            });
            if let Some(f) = footer {
                i["footer"] = json!({"text": f});
            }
            ("interactive", i)
        }
        OutboundMessage::List {
            body,
            button,
            sections,
        } => (
            "interactive",
            json!({
                "type": "list",
                "body": {"text": body},
                "action": {"button": button, "sections": sections.iter().map(|s| json!({
                    "title": s.title,
                    "rows": s.rows.iter().map(|r| {
                        let mut row = json!({"id": r.id, "title": r.title});
                        if let Some(d) = &r.description { row["description"] = json!(d); }
                        row
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>()},
            }),
        ),
        OutboundMessage::Document {
            link,
            media,
            filename,
            caption,
        } => {
            let mut d = file(link, media);
            if let Some(f) = filename {
                d["filename"] = json!(f);
            }
            if let Some(c) = caption {
                d["caption"] = json!(c);
            }
            ("document", d)
        }
        OutboundMessage::Image {
            link,
            media,
            caption,
        } => {
            let mut d = file(link, media);
            if let Some(c) = caption {
                d["caption"] = json!(c);
            }
            ("image", d)
        }
        OutboundMessage::Template {
            name,
            language,
            parameters,
        } => {
            let mut t = json!({"name": name, "language": {"code": language}});
            if !parameters.is_empty() {
                t["components"] = json!([{
                    "type": "body",
                    "parameters": parameters.iter().map(|p| json!({"type": "text", "text": p})).collect::<Vec<_>>(),
                }]);
            }
            ("template", t)
        }
    };
    b["type"] = json!(kind);
    b[kind] = part;
    b
}

/// What one try gave.
/// A file by link, or kept on the relay (its id marked, replaced at sending by WhatsApp's).
fn file(link: &str, media: &Option<String>) -> Value {
    match media {
        Some(id) => json!({"id": format!("{}{id}", crate::media::MARK)}),
        None => json!({"link": link}),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent(String),
    /// Sent, and no answer came (a timeout, a cut connection): WhatsApp may have delivered
    /// it. Not sent again (a customer would get it twice); the desktop is told.
    Uncertain(PlatformError),
    /// Try again later (rate limits, WhatsApp busy, the network).
    Retry(PlatformError),
    /// WhatsApp will not take it (outside the window, a bad number…).
    Failed(PlatformError),
}

/// Error codes worth another try: throughput and pair rate limits, app and account limits,
/// a number in maintenance, the service unavailable, an unknown error.
fn transient(code: i64) -> bool {
    matches!(
        code,
        130429 | 131056 | 4 | 80007 | 131057 | 2 | 1 | 131000 | 190
    )
}

/// Reads the Cloud API's answer to a send.
pub fn outcome(status: u16, body: &Value) -> Outcome {
    if (200..300).contains(&status)
        && let Some(id) = body.pointer("/messages/0/id").and_then(Value::as_str)
    {
        return Outcome::Sent(id.to_string());
    }
    let e = body.get("error").cloned().unwrap_or(Value::Null);
    let err = PlatformError {
        code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
        title: e.get("message").and_then(Value::as_str).map(str::to_string),
        message: e.get("message").and_then(Value::as_str).map(str::to_string),
        details: e
            .pointer("/error_data/details")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    if status >= 500 || status == 429 || transient(err.code) {
        Outcome::Retry(err)
    } else {
        Outcome::Failed(err)
    }
}

/// The wait before try `attempt` + 1: 2 s, 4 s, 8 s … up to 10 minutes (longer for a pair
/// rate limit, which Meta asks to back off 4^n seconds).
pub fn backoff(attempt: i64, code: i64) -> Duration {
    let n = attempt.clamp(1, 12) as u32;
    let secs = if code == 131056 {
        4u64.saturating_pow(n)
    } else {
        2u64.saturating_pow(n)
    };
    Duration::from_secs(secs.min(600))
}

/// Where and as whom the relay sends.
#[derive(Clone)]
pub struct Sender {
    pub http: reqwest::Client,
    pub graph: String,
    pub token: Option<String>,
}

impl Sender {
    async fn send(&self, job: &OutboundJob, body: String) -> Outcome {
        let Some(token) = &self.token else {
            return Outcome::Retry(PlatformError {
                code: 0,
                title: Some("WHATSAPP_ACCESS_TOKEN is not set on the relay".into()),
                message: None,
                details: None,
            });
        };
        let res = self
            .http
            .post(format!("{}/{}/messages", self.graph, job.phone_number_id))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        match res {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.json::<Value>().await.unwrap_or(Value::Null);
                outcome(status, &body)
            }
            // Never connected: nothing went out, try again.
            Err(e) if e.is_connect() => Outcome::Retry(PlatformError {
                code: 0,
                title: Some("WhatsApp unreachable".into()),
                message: Some(e.to_string().replace(token.as_str(), "***")),
                details: None,
            }),
            Err(e) => Outcome::Uncertain(PlatformError {
                code: 0,
                title: Some("WhatsApp did not answer; the message may have been delivered".into()),
                message: Some(e.to_string().replace(token.as_str(), "***")),
                details: None,
            }),
        }
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// The sending component: takes due messages from the queue (a few shops at a time, each
/// shop's one at a time, `workers`), sends, records; stops when `stop` fires, after the sends
/// in flight.
pub async fn run(
    store: Arc<dyn Store>,
    sender: Sender,
    poke: Arc<tokio::sync::Notify>,
    news: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let claim = |free: usize| {
        let st = store.clone();
        let t = stamp(now());
        // A try (a file uploaded first, up to 300 s, then the send, 20 s) always ends inside
        // its lease, so another relay instance never takes a message this one is still
        // sending, and its outcome is never dropped as late.
        let lease = stamp(now() + chrono::Duration::seconds(360));
        async move {
            tokio::task::spawn_blocking(move || st.claim_outbound(&t, &lease, free as i64, None))
                .await
                .ok()
                .and_then(|r| {
                    r.map_err(|e| tracing::error!(error = %e, "outbox unreadable"))
                        .ok()
                })
                .unwrap_or_default()
        }
    };
    let work = |job: OutboundJob| {
        deliver(
            store.clone(),
            sender.clone(),
            news.clone(),
            metrics.clone(),
            job,
        )
    };
    crate::workers::run(claim, work, &poke, Duration::from_secs(1), stop).await;
}

/// Sends one message and records what came of it (an event when it ended).
async fn deliver(
    store: Arc<dyn Store>,
    sender: Sender,
    news: tokio::sync::watch::Sender<u64>,
    metrics: Arc<crate::metrics::Metrics>,
    job: OutboundJob,
) {
    let outcome = match crate::media::resolve(
        &store,
        &sender,
        job.shop_id,
        &job.phone_number_id,
        &job.body,
    )
    .await
    {
        Ok(body) => sender.send(&job, body).await,
        Err(o) => o,
    };
    record(&store, &news, &metrics, &job, outcome).await;
}

/// Records what one try of a queued message came to (the Cloud API's or the linked
/// device's): sent, again later with backoff, or ended with an event for the desktop.
pub(crate) async fn record(
    store: &Arc<dyn Store>,
    news: &tokio::sync::watch::Sender<u64>,
    metrics: &crate::metrics::Metrics,
    job: &OutboundJob,
    outcome: Outcome,
) {
    let attempts = job.attempts + 1;
    let (state, wamid, error, retry_at) = match outcome {
        Outcome::Sent(w) => ("sent", Some(w), None, None),
        Outcome::Retry(e) if attempts < MAX_ATTEMPTS => {
            let wait = backoff(attempts, e.code);
            tracing::warn!(key = %job.key, code = e.code, attempts, wait = ?wait, "send deferred");
            let at = now() + chrono::Duration::from_std(wait).unwrap_or_default();
            ("queued", None, Some(e), Some(stamp(at)))
        }
        Outcome::Uncertain(e) => ("uncertain", None, Some(e), None),
        Outcome::Retry(e) | Outcome::Failed(e) => ("failed", None, Some(e), None),
    };
    metrics.inc(
        "pasar_relay_outbound_total",
        &[("outcome", if state == "queued" { "retry" } else { state })],
    );
    let event = (state != "queued").then(|| {
        serde_json::to_string(&EventBody::WhatsappOutbound(OutboundResult {
            key: job.key.clone(),
            to: job.to.clone(),
            state: state.to_string(),
            wamid: wamid.clone(),
            error: error.clone(),
            attempts,
        }))
        .expect("events serialise")
    });
    let st = store.clone();
    let (id, t) = (job.id, stamp(now()));
    let error_json = error.map(|e| serde_json::to_string(&e).expect("errors serialise"));
    let done = tokio::task::spawn_blocking(move || {
        st.finish_outbound(
            id,
            state,
            wamid.as_deref(),
            error_json.as_deref(),
            retry_at.as_deref(),
            event.as_deref(),
            &t,
        )
    })
    .await;
    match done {
        Ok(Ok(true)) => news.send_modify(|n| *n = n.wrapping_add(1)),
        Ok(Ok(false)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "outbox not updated"),
        Err(e) => tracing::error!(error = %e, "outbox task failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_errors_are_retried_or_given_up_as_they_should() {
        let err =
            |code: i64| json!({"error": {"message": "x", "type": "OAuthException", "code": code}});
        assert!(matches!(outcome(400, &err(130429)), Outcome::Retry(_)));
        assert!(matches!(outcome(400, &err(131056)), Outcome::Retry(_)));
        assert!(matches!(outcome(503, &err(2)), Outcome::Retry(_)));
        assert!(matches!(outcome(400, &err(131047)), Outcome::Failed(e) if e.code == 131047));
        assert!(matches!(outcome(400, &err(100)), Outcome::Failed(_)));
        assert_eq!(
            outcome(
                200,
                &json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.X"}]})
            ),
            Outcome::Sent("wamid.X".into())
        );
        assert_eq!(backoff(1, 0), Duration::from_secs(2));
        assert_eq!(backoff(2, 131056), Duration::from_secs(16));
        assert_eq!(backoff(30, 0), Duration::from_secs(600));
    }
}
