//! pasar-assist: the agents' optional online helper. When the offline rules cannot read a
//! message and the owner has configured an assistant (a Gemini-style `generateContent`
//! endpoint and its key, in Pengaturan), this asks the model for one command in the intent
//! contract of `pasar nlu --json` and returns its raw JSON. It never writes anything: the
//! caller hands the text to `Shop::chat_with`, which reads it strictly
//! (`pasar_intent::Proposal`) and puts it through the same confirmation rules as any
//! low-confidence parse. Offline, unconfigured, slow or refusing, the chat goes on without it.
//!
//! Wire format (Gemini API, v1beta): `POST {base}/v1beta/models/{model}:generateContent` with
//! header `x-goog-api-key`, body `{systemInstruction, contents, generationConfig}`; the answer
//! is `candidates[0].content.parts[*].text`; errors are `{"error": {code, message, status}}`.

#[cfg(feature = "fake")]
pub mod fake;

use chrono::NaiveDate;
use serde_json::{Value, json};
use std::time::Duration;

/// The real service; a setting points elsewhere (a proxy, a test's fake server).
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";
pub const DEFAULT_MODEL: &str = "gemini-2.5-flash";
/// A message waits at most this long for the assistant before the chat answers without it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);
/// The largest answer read (a proposal is a few hundred bytes).
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Where and how to ask. Built from the shop's settings `assistant_url`, `assistant_model`
/// and `assistant_key`; no key means no assistant.
#[derive(Clone)]
pub struct Config {
    pub base_url: String,
    pub model: String,
    pub key: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches a log.
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The assistant the settings describe, or None when no key is set.
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Option<Config> {
        let key = setting("assistant_key").filter(|k| !k.trim().is_empty())?;
        let nonempty = |k: &str, default: &str| {
            setting(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        Some(Config {
            base_url: nonempty("assistant_url", DEFAULT_BASE_URL),
            model: nonempty("assistant_model", DEFAULT_MODEL),
            key: key.trim().to_string(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    fn endpoint(&self) -> String {
        format!(
            "{}/v1beta/models/{}:generateContent",
            self.base_url.trim_end_matches('/'),
            self.model
        )
    }
}

/// Why no proposal came back. The chat answers without the assistant in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssistError {
    /// Not reachable: no network, refused, timed out.
    Unreachable(String),
    /// The service answered with an error (bad key, quota, overloaded).
    Refused { status: u16, message: String },
    /// An answer with no usable text (blocked, empty, not JSON).
    Malformed(String),
}

impl std::fmt::Display for AssistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AssistError::Unreachable(e) => write!(f, "assistant unreachable: {e}"),
            AssistError::Refused { status, message } => {
                write!(f, "assistant refused ({status}): {message}")
            }
            AssistError::Malformed(e) => write!(f, "assistant answer unusable: {e}"),
        }
    }
}

impl std::error::Error for AssistError {}

/// What the model is told: the contract, the shop's words, and that it may only propose.
pub fn instruction(today: NaiveDate) -> String {
    format!(
        "You read one message that an Indonesian small-shop owner typed to the shop's \
bookkeeping assistant (Indonesian, Javanese or Sundanese, often with slang and shorthand). \
Answer with ONE JSON object and nothing else, in this contract:\n\
{{\"intent\": one of sale|purchase|expense|stock_query|price_query|stock_adjust|report|debt|\
debt_payment|debt_query|order|greeting|help|unknown,\n\
 \"items\": [{{\"product\": lowercase name as written, \"quantity\": \"5\", \"unit\": \"kg\", \
\"unit_price\": \"12000\", \"total\": \"60000\"}}],\n\
 \"amount\": \"150000\", \"category\": utilities|rent|salary|transport|supplies|fees|other, \
\"contact\": lowercase name with its title as written (\"bu sri\"), \"period\": today|yesterday|\
this_week|last_week|this_month|last_month|last_7_days, \"date\": \"YYYY-MM-DD\"}}\n\
Rules: leave out fields that do not apply. Decimals are strings without thousands \
separators (\"12rb\" is \"12000\", \"1,5 jt\" is \"1500000\", \"setengah\" is \"0.5\"). Units: \
kg, liter, pcs, bungkus, botol, or the shop's own word (dus, karung, ikat...); \"ons\" is 0.1 kg. \
unit_price only for a price of one (@, per, sekilo, satunya); total for a whole line. amount \
is for expense, debt and debt_payment. date only for an entry dated other than today. Today \
is {today} ({weekday}). If the message is not about the shop's books, answer \
{{\"intent\": \"unknown\"}}. Never invent products, names or figures the message does not \
contain.",
        weekday = today.format("%A")
    )
}

/// The request body for one message.
pub fn request_body(text: &str, today: NaiveDate) -> Value {
    json!({
        "systemInstruction": {"parts": [{"text": instruction(today)}]},
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "generationConfig": {
            "responseMimeType": "application/json",
            "temperature": 0,
            "maxOutputTokens": 1024
        }
    })
}

/// The proposal's JSON text from a generateContent answer: the parts' text joined, with a
/// Markdown code fence taken off if the model wrapped it in one.
pub fn proposal_text(answer: &Value) -> Result<String, AssistError> {
    if let Some(reason) = answer
        .pointer("/promptFeedback/blockReason")
        .and_then(Value::as_str)
    {
        return Err(AssistError::Malformed(format!("blocked: {reason}")));
    }
    let parts = answer
        .pointer("/candidates/0/content/parts")
        .and_then(Value::as_array)
        .ok_or_else(|| AssistError::Malformed("no candidate".into()))?;
    let text: String = parts
        .iter()
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect();
    let t = pasar_intent::unfence(&text);
    if !t.starts_with('{') {
        return Err(AssistError::Malformed(
            "the answer is not a JSON object".into(),
        ));
    }
    Ok(t.to_string())
}

/// Asks the assistant about one message: the proposed command's JSON, unchecked (the caller
/// checks it). Blocks for at most the configured timeout.
pub fn propose(cfg: &Config, text: &str, today: NaiveDate) -> Result<String, AssistError> {
    // rustls with ring: installed once per process; a second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout.min(Duration::from_secs(4)))
        .user_agent(concat!("pasarsuara/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AssistError::Unreachable(e.to_string()))?;
    let res = client
        .post(cfg.endpoint())
        .header("x-goog-api-key", &cfg.key)
        .json(&request_body(text, today))
        .send()
        .map_err(|e| AssistError::Unreachable(without_key(&e.to_string(), &cfg.key)))?;
    let status = res.status();
    let bytes = res
        .bytes()
        .map_err(|e| AssistError::Unreachable(without_key(&e.to_string(), &cfg.key)))?;
    if bytes.len() > MAX_ANSWER_BYTES {
        return Err(AssistError::Malformed(format!(
            "an answer of {} bytes",
            bytes.len()
        )));
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() {
        let message = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        // A service may echo the request, key and all: never pass it on to a log.
        let message = without_key(message, &cfg.key).chars().take(300).collect();
        return Err(AssistError::Refused {
            status: status.as_u16(),
            message,
        });
    }
    if body.is_null() {
        return Err(AssistError::Malformed("the answer is not JSON".into()));
    }
    proposal_text(&body)
}

fn without_key(s: &str, key: &str) -> String {
    if key.is_empty() {
        s.to_string()
    } else {
        s.replace(key, "***")
    }
}
