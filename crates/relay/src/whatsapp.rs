//! WhatsApp Cloud API webhooks: the verification handshake, the signature check, and the
//! mapping of Meta's envelope (entry → changes → value → messages | statuses | errors) into
//! our events. Parsing is lenient about fields Meta adds and strict about the ones we route
//! and deduplicate by.

use crate::store::{Inbound, MediaRef, Route};
use hmac::{Hmac, Mac};
use pasar_link::{EventBody, InboundMessage, Location, Media, PlatformError, StatusUpdate};
use serde_json::Value;
use sha2::Sha256;

/// Whether `header` (X-Hub-Signature-256: "sha256=<hex>") is the HMAC-SHA256 of the raw
/// `body` under the app secret. Compared in constant time.
pub fn signed(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// The signature header value for `body` (what Meta sends; tests sign with it).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Why a signed payload could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// The events in one webhook delivery (possibly many entries and changes).
pub fn inbound(body: &[u8]) -> Result<Vec<Inbound>, Unreadable> {
    // A lone UTF-16 surrogate escape ("\ud83d" cut from its pair) makes the whole delivery
    // unreadable to a strict parser and would lose every message in it: such escapes become
    // U+FFFD and the rest is read as sent.
    let mut v: Value = serde_json::from_slice(body)
        .or_else(|_| serde_json::from_slice(&mend_surrogates(body)))
        .map_err(|e| Unreadable(format!("not JSON: {e}")))?;
    // A NUL ("\u0000") is valid JSON but not storable text (PostgreSQL refuses it, and the
    // whole delivery with it): it becomes U+FFFD, as a repeat of the delivery will too.
    mend_nuls(&mut v);
    let delivery = hex::encode(sha256(body));
    let entries = v
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| Unreadable("no entry list".into()))?;
    let mut out = Vec::new();
    for change in entries
        .iter()
        .filter_map(|e| e.get("changes").and_then(Value::as_array))
        .flatten()
    {
        let Some(value) = change.get("value") else {
            continue;
        };
        let Some(number) = value
            .pointer("/metadata/phone_number_id")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let route = Route::WhatsappNumber(number.to_string());
        let contacts = value.get("contacts").and_then(Value::as_array);
        for m in value
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(msg) = message(m, contacts) else {
                continue;
            };
            // The customer's 24-hour window, for a sender that is a phone number (WhatsApp's
            // wa_id: digits); anything else could never be written back to.
            let window = msg
                .from
                .clone()
                .filter(|f| (5..=20).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
                .map(|f| (f, msg.timestamp));
            let media = msg.media.as_ref().map(|x| MediaRef {
                id: x.id.clone(),
                message_id: msg.id.clone(),
                mime_type: x.mime_type.clone(),
                sha256: x.sha256.clone(),
                filename: x.filename.clone(),
            });
            out.push(Inbound {
                route: route.clone(),
                kind: "whatsapp_message".into(),
                dedupe: format!("wa:{}", msg.id),
                body: body_json(EventBody::WhatsappMessage(Box::new(msg))),
                window,
                media,
            });
        }
        for s in value
            .get("statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(st) = status(s) else {
                continue;
            };
            out.push(Inbound {
                route: route.clone(),
                kind: "whatsapp_status".into(),
                dedupe: format!("wa:{}:{}", st.id, st.status),
                body: body_json(EventBody::WhatsappStatus(st)),
                window: None,
                media: None,
            });
        }
        for (k, e) in value
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let err = platform_error(e);
            out.push(Inbound {
                route: route.clone(),
                kind: "whatsapp_error".into(),
                // The same delivery sent again is one event; the same error in a later
                // delivery is news (the number is rate-limited again).
                dedupe: format!("wa-error:{delivery}:{k}"),
                body: body_json(EventBody::WhatsappError(err)),
                window: None,
                media: None,
            });
        }
    }
    Ok(out)
}

/// Replaces NUL characters in every string (keys too) with U+FFFD.
fn mend_nuls(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{fffd}"),
        Value::Array(a) => a.iter_mut().for_each(mend_nuls),
        Value::Object(o) if o.keys().any(|k| k.contains('\0')) => {
            let old = std::mem::take(o);
            for (k, mut x) in old {
                mend_nuls(&mut x);
                o.insert(k.replace('\0', "\u{fffd}"), x);
            }
        }
        Value::Object(o) => o.values_mut().for_each(mend_nuls),
        _ => {}
    }
}

/// The body with every `\uD800`–`\uDFFF` escape that is not half of a proper pair replaced
/// by `\uFFFD`.
fn mend_surrogates(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let b = text.as_bytes();
    let hex4 = |i: usize| -> Option<u16> {
        let s = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    };
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            out.extend_from_slice(&b[i..i + 2]);
            i += 2;
            continue;
        }
        if b[i] == b'\\'
            && b.get(i + 1) == Some(&b'u')
            && let Some(u) = hex4(i + 2)
            && (0xD800..=0xDFFF).contains(&u)
        {
            let paired = (0xD800..=0xDBFF).contains(&u)
                && b.get(i + 6) == Some(&b'\\')
                && b.get(i + 7) == Some(&b'u')
                && hex4(i + 8).is_some_and(|l| (0xDC00..=0xDFFF).contains(&l));
            if paired {
                out.extend_from_slice(&b[i..i + 12]);
                i += 12;
            } else {
                out.extend_from_slice(b"\\ufffd");
                i += 6;
            }
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn sha256(b: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(b).into()
}

fn body_json(b: EventBody) -> String {
    serde_json::to_string(&b).expect("events serialise")
}

fn text(v: &Value, p: &str) -> Option<String> {
    v.pointer(p).and_then(Value::as_str).map(str::to_string)
}

/// Unix seconds from WhatsApp's string (or number) timestamp.
fn seconds(v: &Value) -> i64 {
    match v.get("timestamp") {
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        _ => 0,
    }
}

fn message(m: &Value, contacts: Option<&Vec<Value>>) -> Option<InboundMessage> {
    let id = text(m, "/id")?;
    let from = text(m, "/from");
    let name = contacts.and_then(|cs| {
        cs.iter()
            .find(|c| from.is_some() && text(c, "/wa_id") == from)
            .or(cs.first())
            .and_then(|c| text(c, "/profile/name"))
    });
    let kind = text(m, "/type").unwrap_or_else(|| "unknown".into());
    let media_of = |key: &str| {
        m.get(key).and_then(|x| {
            Some(Media {
                id: text(x, "/id")?,
                mime_type: text(x, "/mime_type"),
                sha256: text(x, "/sha256"),
                filename: text(x, "/filename"),
                voice: x.get("voice").and_then(Value::as_bool).unwrap_or(false),
            })
        })
    };
    let media = ["image", "audio", "video", "document", "sticker"]
        .iter()
        .find_map(|k| media_of(k))
        // WhatsApp's media ids are digits; anything that could reach another URL path is
        // not fetched (the message itself is kept).
        .filter(|x| {
            !x.id.is_empty()
                && x.id.len() <= 128
                && x.id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    let (text_body, choice) = match kind.as_str() {
        "text" => (text(m, "/text/body"), None),
        "interactive" => {
            let r = m
                .pointer("/interactive/button_reply")
                .or_else(|| m.pointer("/interactive/list_reply"));
            (
                r.and_then(|r| text(r, "/title")),
                r.and_then(|r| text(r, "/id")),
            )
        }
        "button" => (text(m, "/button/text"), text(m, "/button/payload")),
        "reaction" => (text(m, "/reaction/emoji"), None),
        k => (text(m, &format!("/{k}/caption")), None),
    };
    let location = m.get("location").and_then(|l| {
        Some(Location {
            latitude: l.get("latitude")?.as_f64()?,
            longitude: l.get("longitude")?.as_f64()?,
            name: text(l, "/name"),
            address: text(l, "/address"),
        })
    });
    // A voice note is its own kind to the desktop: it asks for different handling.
    let kind = if media.as_ref().is_some_and(|x| x.voice) {
        "voice".to_string()
    } else {
        kind
    };
    Some(InboundMessage {
        id,
        from,
        name,
        timestamp: seconds(m),
        kind,
        text: text_body,
        media,
        location,
        choice,
        reply_to: text(m, "/context/id"),
        referral: m.get("referral").cloned(),
    })
}

fn status(s: &Value) -> Option<StatusUpdate> {
    Some(StatusUpdate {
        id: text(s, "/id")?,
        status: text(s, "/status")?,
        timestamp: seconds(s),
        recipient: text(s, "/recipient_id"),
        errors: s
            .get("errors")
            .and_then(Value::as_array)
            .map(|es| es.iter().map(platform_error).collect())
            .unwrap_or_default(),
    })
}

fn platform_error(e: &Value) -> PlatformError {
    PlatformError {
        code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
        title: text(e, "/title"),
        message: text(e, "/message"),
        details: text(e, "/error_data/details"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_loses_nothing_else() {
        let body = br#"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","from":"62","timestamp":"1","type":"text","text":{"body":"mau pesan \ud83d"}},{"id":"b","from":"62","timestamp":"1","type":"text","text":{"body":"ok \ud83d\ude00 \\ud83d"}}]}}]}]}"#;
        let items = inbound(body).unwrap();
        assert_eq!(items.len(), 2);
        assert!(
            items[0].body.contains("mau pesan \u{fffd}") || items[0].body.contains("mau pesan �"),
            "{}",
            items[0].body
        );
        assert!(items[1].body.contains("😀"), "{}", items[1].body);
    }

    #[test]
    fn a_media_id_that_is_a_path_is_not_fetched() {
        let body = br#"{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","from":"62","timestamp":"1","type":"image","image":{"id":"../../v24.0/1/messages","mime_type":"image/jpeg"}},{"id":"b","from":"62","timestamp":"1","type":"image","image":{"id":"1003383421387256","mime_type":"image/jpeg"}}]}}]}]}"#;
        let items = inbound(body).unwrap();
        assert_eq!(items.len(), 2, "both messages kept");
        assert!(items[0].media.is_none());
        assert_eq!(items[1].media.as_ref().unwrap().id, "1003383421387256");
    }
}
