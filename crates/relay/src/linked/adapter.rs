//! The linked device's messages as the relay's own: what the library decrypted becomes the
//! same `whatsapp_message` event a Cloud API webhook gives, and what a desktop queued (a
//! Cloud API body in the outbox) becomes a WhatsApp message the library sends. Pure
//! functions over the library's own types, so they are tested without a network.

use crate::store::{Inbound, MediaRef, Route};
use pasar_link::{EventBody, InboundMessage, Location, Media};
use serde_json::Value;
use sha2::Digest;
use whatsapp_rust::Server;
use whatsapp_rust::buffa::Message as _;
use whatsapp_rust::wacore::download::MediaType;
use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::wacore::types::message::MessageInfo;
use whatsapp_rust::waproto::whatsapp as wa;

/// A customer's file named in a message, kept (sealed, in the session) until the linked
/// device has downloaded it: the library needs the message's own keys to fetch it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingMedia {
    /// image, video, audio, document, sticker.
    pub kind: String,
    /// The media part of the message, as WhatsApp encoded it.
    pub proto: Vec<u8>,
    pub message_id: String,
    pub mime_type: Option<String>,
    /// Its size as the message declares it.
    #[serde(default)]
    pub size: Option<u64>,
    /// Downloads tried so far.
    #[serde(default)]
    pub attempts: u32,
}

impl PendingMedia {
    /// The library's downloadable form of it.
    pub fn downloadable(
        &self,
    ) -> Result<Box<dyn whatsapp_rust::wacore::download::Downloadable + Send + Sync>, String> {
        let bad = |e: whatsapp_rust::buffa::DecodeError| format!("a kept {} part: {e}", self.kind);
        let p = &self.proto[..];
        Ok(match self.kind.as_str() {
            "image" => Box::new(wa::message::ImageMessage::decode_from_slice(p).map_err(bad)?),
            "video" => Box::new(wa::message::VideoMessage::decode_from_slice(p).map_err(bad)?),
            "audio" => Box::new(wa::message::AudioMessage::decode_from_slice(p).map_err(bad)?),
            "document" => {
                Box::new(wa::message::DocumentMessage::decode_from_slice(p).map_err(bad)?)
            }
            "sticker" => Box::new(wa::message::StickerMessage::decode_from_slice(p).map_err(bad)?),
            other => return Err(format!("no download for {other}")),
        })
    }
}

/// What one decrypted message becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub inbound: Inbound,
    /// The file to download for the desktop, under `inbound.media`'s id.
    pub media: Option<PendingMedia>,
}

/// The number a JID names (its user part when it is a phone-number JID).
fn phone(jid: &whatsapp_rust::Jid) -> Option<String> {
    (jid.server == Server::Pn && jid.user.chars().all(|c| c.is_ascii_digit()))
        .then(|| jid.user.to_string())
}

/// A customer's message to the shop's number as the relay's event, or None for what is not
/// a customer writing to the shop (the shop's own messages from its phone, groups, status
/// updates, channels, protocol messages).
pub fn inbound(shop: i64, message: &wa::Message, info: &MessageInfo) -> Option<Received> {
    let src = &info.source;
    if src.is_from_me || src.is_group || !matches!(src.chat.server, Server::Pn | Server::Lid) {
        return None;
    }
    // The customer's number: the sender when addressed by number, else the number WhatsApp
    // gave beside their LID; a customer known only by LID is answered by that JID.
    let from = phone(&src.sender)
        .or_else(|| src.sender_alt.as_ref().and_then(phone))
        .unwrap_or_else(|| src.sender.to_non_ad().to_string());
    let base = message.get_base_message();
    // Revokes, edits, disappearing-message settings: not a customer's new message.
    if base.protocol_message.as_option().is_some() {
        return None;
    }
    let id = info.id.to_string();
    // From the stanza's own addresses (a redelivery is parsed again and may lack the
    // number WhatsApp gave beside a LID the first time).
    let dedupe = format!(
        "ld:{}",
        crate::linked::session::key(&[
            &src.chat.to_non_ad().to_string(),
            &src.sender.to_non_ad().to_string(),
            &id
        ])
    );
    let media_id = || {
        format!(
            "ld-{}",
            &hex::encode(sha2::Sha256::digest(format!("{shop}:{dedupe}")))[..40]
        )
    };
    let mut m = InboundMessage {
        id: id.clone(),
        from: Some(from.clone()),
        name: Some(info.push_name.clone()).filter(|n| !n.trim().is_empty()),
        timestamp: info.timestamp.timestamp(),
        kind: "unsupported".into(),
        text: None,
        media: None,
        location: None,
        choice: None,
        reply_to: None,
        referral: None,
    };
    let mut pending = None;
    let mut file = |kind: &str,
                    proto: Vec<u8>,
                    mime: Option<String>,
                    sha: Option<&Vec<u8>>,
                    filename: Option<String>,
                    voice: bool,
                    size: Option<u64>| {
        let mid = media_id();
        pending = Some(PendingMedia {
            kind: kind.into(),
            proto,
            message_id: id.clone(),
            mime_type: mime.clone(),
            size,
            attempts: 0,
        });
        Media {
            id: mid,
            mime_type: mime,
            sha256: sha.map(|s| crate::media::base64(s)),
            filename,
            voice,
        }
    };
    if let Some(t) = base.text_content() {
        m.kind = "text".into();
        m.text = Some(t.to_string());
        m.reply_to = base
            .extended_text_message
            .as_option()
            .and_then(|x| x.context_info.as_option())
            .and_then(|c| c.stanza_id.clone());
    } else if let Some(x) = base.image_message.as_option() {
        m.kind = "image".into();
        m.text = x.caption.clone();
        m.media = Some(file(
            "image",
            x.encode_to_vec(),
            x.mimetype.clone(),
            x.file_sha256.as_ref(),
            None,
            false,
            x.file_length,
        ));
    } else if let Some(x) = base.audio_message.as_option() {
        let voice = x.ptt.unwrap_or(false);
        m.kind = if voice { "voice" } else { "audio" }.into();
        m.media = Some(file(
            "audio",
            x.encode_to_vec(),
            x.mimetype.clone(),
            x.file_sha256.as_ref(),
            None,
            voice,
            x.file_length,
        ));
    } else if let Some(x) = base.video_message.as_option() {
        m.kind = "video".into();
        m.text = x.caption.clone();
        m.media = Some(file(
            "video",
            x.encode_to_vec(),
            x.mimetype.clone(),
            x.file_sha256.as_ref(),
            None,
            false,
            x.file_length,
        ));
    } else if let Some(x) = base.document_message.as_option() {
        m.kind = "document".into();
        m.text = x.caption.clone();
        m.media = Some(file(
            "document",
            x.encode_to_vec(),
            x.mimetype.clone(),
            x.file_sha256.as_ref(),
            x.file_name.clone(),
            false,
            x.file_length,
        ));
    } else if let Some(x) = base.sticker_message.as_option() {
        m.kind = "sticker".into();
        m.media = Some(file(
            "sticker",
            x.encode_to_vec(),
            x.mimetype.clone(),
            x.file_sha256.as_ref(),
            None,
            false,
            x.file_length,
        ));
    } else if let Some(x) = base.location_message.as_option() {
        m.kind = "location".into();
        m.location = Some(Location {
            latitude: x.degrees_latitude.unwrap_or_default(),
            longitude: x.degrees_longitude.unwrap_or_default(),
            name: x.name.clone(),
            address: x.address.clone(),
        });
    } else if let Some(x) = base.buttons_response_message.as_option() {
        m.kind = "button".into();
        m.choice = x.selected_button_id.clone();
        m.text = x.response.as_ref().map(|r| {
            match r {
            wa::__buffa::oneof::message::buttons_response_message::Response::SelectedDisplayText(
                t,
            ) => t.clone(),
        }
        });
    } else if let Some(x) = base.template_button_reply_message.as_option() {
        m.kind = "button".into();
        m.choice = x.selected_id.clone();
        m.text = x.selected_display_text.clone();
    } else if let Some(x) = base.list_response_message.as_option() {
        m.kind = "interactive".into();
        m.text = x.title.clone();
        m.choice = x
            .single_select_reply
            .as_option()
            .and_then(|r| r.selected_row_id.clone());
    } else if let Some(x) = base.reaction_message.as_option() {
        m.kind = "reaction".into();
        m.text = x.text.clone();
        m.reply_to = x.key.as_option().and_then(|k| k.id.clone());
    } else if base.contact_message.as_option().is_some()
        || base.contacts_array_message.as_option().is_some()
    {
        m.kind = "contacts".into();
    }
    let media = m.media.as_ref().map(|x| MediaRef {
        id: x.id.clone(),
        message_id: id.clone(),
        mime_type: x.mime_type.clone(),
        sha256: x.sha256.clone(),
        filename: x.filename.clone(),
    });
    // The 24-hour window is the Cloud API's rule; kept for a shop that moves back to it.
    let window = phone(&src.sender)
        .or_else(|| src.sender_alt.as_ref().and_then(phone))
        .map(|n| (n, m.timestamp));
    let body = serde_json::to_string(&EventBody::WhatsappMessage(Box::new(m))).ok()?;
    Some(Received {
        inbound: Inbound {
            route: Route::Shop(shop),
            kind: "whatsapp_message".into(),
            dedupe,
            body,
            window,
            media,
        },
        media: pending,
    })
}

/// A file the linked device must upload before sending: kept on the relay (its id) or at an
/// https address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    Kept(String),
    Link(String),
}

/// A queued message as the linked device sends it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// Ready to send.
    Message(Box<wa::Message>),
    /// A picture or document: upload the file, then `with_file` makes the message.
    File {
        kind: MediaType,
        source: FileSource,
        caption: Option<String>,
        filename: Option<String>,
    },
}

/// The recipient of a queued message: a number (`62…`) or a JID the relay gave (a customer
/// known only by LID).
pub fn recipient(to: &str) -> Result<whatsapp_rust::Jid, String> {
    let jid = if to.contains('@') {
        to.to_string()
    } else {
        format!("{to}@s.whatsapp.net")
    };
    jid.parse()
        .map_err(|e| format!("not a WhatsApp address: {to} ({e})"))
}

/// A queued Cloud API body as the linked device sends it. Buttons and lists become text
/// with numbered choices (a linked device cannot send WhatsApp's business buttons; the
/// customer answers with the number or the words); templates are the Cloud API's and are
/// refused before they are queued.
pub fn outgoing(body: &Value) -> Result<Outgoing, String> {
    let kind = body["type"].as_str().unwrap_or_default();
    let part = &body[kind];
    let text = |t: String| {
        Outgoing::Message(Box::new(wa::Message {
            conversation: Some(t),
            ..Default::default()
        }))
    };
    let s = |v: &Value| v.as_str().map(str::to_string);
    match kind {
        "text" => Ok(text(s(&part["body"]).ok_or("a text without a body")?)),
        "interactive" => {
            let mut out = s(&part["body"]["text"]).unwrap_or_default();
            let mut n = 0;
            let mut choice = |out: &mut String, title: &str, desc: Option<&str>| {
                n += 1;
                out.push_str(&format!("\n{n}. {title}"));
                if let Some(d) = desc {
                    out.push_str(&format!(" — {d}"));
                }
            };
            out.push('\n');
            match part["type"].as_str() {
                Some("button") => {
                    for b in part["action"]["buttons"].as_array().into_iter().flatten() {
                        choice(&mut out, b["reply"]["title"].as_str().unwrap_or(""), None);
                    }
                }
                Some("list") => {
                    for sec in part["action"]["sections"].as_array().into_iter().flatten() {
                        if let Some(t) = sec["title"].as_str() {
                            out.push_str(&format!("\n*{t}*"));
                        }
                        for r in sec["rows"].as_array().into_iter().flatten() {
                            choice(
                                &mut out,
                                r["title"].as_str().unwrap_or(""),
                                r["description"].as_str(),
                            );
                        }
                    }
                }
                other => return Err(format!("no linked-device form for interactive {other:?}")),
            }
            if let Some(f) = part["footer"]["text"].as_str() {
                out.push_str(&format!("\n\n_{f}_"));
            }
            Ok(text(out))
        }
        "image" | "document" => {
            let source = match (s(&part["id"]), s(&part["link"])) {
                (Some(id), _) => FileSource::Kept(
                    id.strip_prefix(crate::media::MARK)
                        .unwrap_or(&id)
                        .to_string(),
                ),
                (None, Some(link)) => FileSource::Link(link),
                (None, None) => return Err(format!("{kind} without a file")),
            };
            Ok(Outgoing::File {
                kind: if kind == "image" {
                    MediaType::Image
                } else {
                    MediaType::Document
                },
                source,
                caption: s(&part["caption"]),
                filename: s(&part["filename"]),
            })
        }
        "template" => Err("templates are sent through the Cloud API only".into()),
        other => Err(format!("no linked-device form for {other:?}")),
    }
}

/// The message for a file the linked device uploaded.
pub fn with_file(
    kind: MediaType,
    up: &whatsapp_rust::upload::UploadResponse,
    mime: &str,
    caption: Option<String>,
    filename: Option<String>,
) -> wa::Message {
    match kind {
        MediaType::Image => wa::Message {
            image_message: whatsapp_rust::buffa::MessageField::some(wa::message::ImageMessage {
                url: Some(up.url.clone()),
                direct_path: Some(up.direct_path.clone()),
                media_key: Some(up.media_key.to_vec()),
                file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                file_sha256: Some(up.file_sha256.to_vec()),
                file_length: Some(up.file_length),
                media_key_timestamp: Some(up.media_key_timestamp),
                mimetype: Some(mime.to_string()),
                caption,
                ..Default::default()
            }),
            ..Default::default()
        },
        _ => wa::Message {
            document_message: whatsapp_rust::buffa::MessageField::some(
                wa::message::DocumentMessage {
                    url: Some(up.url.clone()),
                    direct_path: Some(up.direct_path.clone()),
                    media_key: Some(up.media_key.to_vec()),
                    file_enc_sha256: Some(up.file_enc_sha256.to_vec()),
                    file_sha256: Some(up.file_sha256.to_vec()),
                    file_length: Some(up.file_length),
                    media_key_timestamp: Some(up.media_key_timestamp),
                    mimetype: Some(mime.to_string()),
                    title: filename.clone(),
                    file_name: filename,
                    caption,
                    ..Default::default()
                },
            ),
            ..Default::default()
        },
    }
}
