//! The shop's agents in a conversation: a message in, a reply out, and the books written
//! through the same functions the Kasir screen and the CLI use (`record_sale`,
//! `record_purchase`, `record_expense`, `add_debt`, `pay_debt`, stock counts and adjustments).
//!
//! - **Finance agent**: sales, purchases, expenses (category from the words), kasbon and its
//!   payments, profit questions. **Inventory agent**: stock and price questions, stock
//!   corrections, low stock after a sale, reorder suggestions. **Report agent**: period
//!   summaries. **Kasbon reminder**: "tagih bu Sri" drafts a polite message with the balance.
//! - **Conversation state** is kept per conversation id in the shop's file: a question the
//!   agent asked ("yang mana?", "berapa kg?", "catat?") is answered by the next message.
//! - **Nothing is written on a guess**: a low-confidence or ambiguous parse, an inferred
//!   quantity, a price far from the catalog's or a new kasbon name asks first.
//! - **Every write can be taken back** ("batal yang tadi") by a reversing entry, never a
//!   delete. What to reverse is stored with the reply that reported the write.
//!
//! Replies are Indonesian, formatted for WhatsApp (*bold*, lists, Rp 12.500).

mod act;
pub(crate) mod ask;
mod query;

use crate::db::Shop;
use crate::error::Result;
use crate::sales::LowStockAlert;
use crate::time::stamp;
use pasar_intent::Intent;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use act::{Action, Line};
pub use ask::Ask;

/// The longest message read; longer text is cut (a pasted list is not a chat message).
pub const MAX_MESSAGE: usize = 2_000;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ChatStatus {
    /// Written to the books.
    Applied,
    /// A question answered (stock, price, report, kasbon, help).
    Answered,
    /// Waiting for "iya" or "batal" before writing.
    NeedsConfirmation,
    /// Something is missing or unclear; the reply asks for it.
    NeedsClarification,
    /// What was waiting was dropped; nothing written.
    Cancelled,
    /// An earlier write was taken back by a reversing entry.
    Undone,
}

impl ChatStatus {
    fn as_str(self) -> &'static str {
        match self {
            ChatStatus::Applied => "applied",
            ChatStatus::Answered => "answered",
            ChatStatus::NeedsConfirmation => "needs_confirmation",
            ChatStatus::NeedsClarification => "needs_clarification",
            ChatStatus::Cancelled => "cancelled",
            ChatStatus::Undone => "undone",
        }
    }
}

/// A document a message wrote (or reversed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DocumentRef {
    /// sale, purchase, expense, debt, debt_payment or stock_adjust.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: i64,
}

/// A polite kasbon reminder, ready to send (the WhatsApp link needs the phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Reminder {
    pub contact: String,
    pub phone: Option<String>,
    pub text: String,
}

/// The agent's answer to one message (the `pasar chat --json` contract).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ChatReply {
    pub conversation: String,
    pub reply: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub intent: Intent,
    pub status: ChatStatus,
    pub document: Option<DocumentRef>,
    /// Products this message pushed to or below their reorder point (for a desktop notice).
    pub low_stock: Vec<LowStockAlert>,
    pub reminder: Option<Reminder>,
    /// The online assistant's proposal was used to read this message (see `chat_with`).
    pub assisted: bool,
    /// Why a proposal that was given was not used (English, for the log; None otherwise).
    pub assistant_error: Option<String>,
}

/// One message of a conversation, as the Chat screen shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ChatMessage {
    pub id: i64,
    /// user or shop.
    pub role: String,
    pub text: String,
    pub at: String,
    pub status: Option<String>,
    pub document: Option<DocumentRef>,
    /// Taken back later in the conversation.
    pub undone: bool,
}

/// How to take back what a reply reported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Undo {
    Sale {
        id: i64,
    },
    Purchase {
        id: i64,
    },
    Expense {
        id: i64,
    },
    Debt {
        id: i64,
    },
    Stock {
        product_id: i64,
        #[serde(with = "crate::money::json")]
        delta: rust_decimal::Decimal,
    },
}

/// What the agent waits to hear back on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub intent: Intent,
    pub action: Action,
    pub ask: Ask,
    /// The draft must be shown for "iya" once complete (it came from a low-confidence
    /// reading, a guess or a proposal), whatever the answers to the questions before.
    #[serde(default)]
    pub confirm: bool,
}

/// The outcome of one message before it is logged.
pub(crate) struct Outcome {
    pub reply: String,
    pub intent: Intent,
    pub status: ChatStatus,
    pub document: Option<DocumentRef>,
    pub undo: Option<Undo>,
    /// The message whose write this one took back.
    pub undid: Option<i64>,
    pub pending: Option<Pending>,
    pub low_stock: Vec<LowStockAlert>,
    pub reminder: Option<Reminder>,
    pub assisted: bool,
    pub assistant_error: Option<String>,
}

impl Outcome {
    pub fn says(intent: Intent, status: ChatStatus, reply: impl Into<String>) -> Outcome {
        Outcome {
            reply: reply.into(),
            intent,
            status,
            document: None,
            undo: None,
            undid: None,
            pending: None,
            low_stock: Vec::new(),
            reminder: None,
            assisted: false,
            assistant_error: None,
        }
    }
}

/// A conversation id as given, checked: 1–64 visible characters.
fn conversation_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() || id.chars().count() > 64 || id.chars().any(char::is_control) {
        return Err(crate::error::CoreError::invalid(
            crate::error::Field::Conversation,
            crate::error::Problem::BadFormat {
                value: id.chars().take(64).collect(),
                example: "kasir-1".into(),
            },
        ));
    }
    Ok(id.to_string())
}

/// Message text as kept: control characters other than line breaks dropped, cut at
/// `MAX_MESSAGE` characters.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(MAX_MESSAGE)
        .collect::<String>()
        .trim()
        .to_string()
}

impl Shop {
    /// One message from the shop's owner or cashier in conversation `conversation`: read it,
    /// answer it, write what it asks when it is clear, ask when it is not.
    pub fn chat(&mut self, conversation: &str, text: &str) -> Result<ChatReply> {
        self.chat_with(conversation, text, None)
    }

    /// Whether a message is one the optional online assistant should be asked about before
    /// `chat_with`: a fresh message (no question pending in the conversation, not a yes, no,
    /// undo or "tambah lagi") that the offline rules cannot read with confidence. Reads only.
    pub fn wants_assistant(&self, conversation: &str, text: &str) -> Result<bool> {
        let conv = conversation_id(conversation)?;
        let text = clean(text);
        if text.is_empty() || decode_pending(pending_json(&self.conn, &conv)?.as_deref()).is_some()
        {
            return Ok(false);
        }
        let a = pasar_intent::answer(&text);
        if a.yes || a.no || a.undo || (a.more && a.words.is_empty()) {
            return Ok(false);
        }
        Ok(crate::intent::is_unsure(&self.understand(&text)))
    }

    /// `chat`, with the assistant's proposal for this message (see `wants_assistant`). The
    /// proposal is used only where the rules are unsure, only when it reads strictly as the
    /// contract, and only through the same confirmation rules: a write it proposes is shown
    /// and waits for "iya". A proposal that does not read is ignored (the rules' answer
    /// stands) and logged.
    pub fn chat_with(
        &mut self,
        conversation: &str,
        text: &str,
        proposal: Option<&str>,
    ) -> Result<ChatReply> {
        let conv = conversation_id(conversation)?;
        let text = clean(text);
        let at = stamp(self.clock.now());
        // The question pending in the conversation is claimed in the same write transaction
        // that records the message: two processes answering "iya" at the same moment cannot
        // both take it (the second finds none), so a confirmed draft is written once.
        let claimed: Option<String> = {
            let tx = self.write_tx()?;
            let json = pending_json(&tx, &conv)?;
            tx.execute(
                "INSERT INTO conversations(id, pending, updated_at) VALUES (?1, NULL, ?2)
                 ON CONFLICT(id) DO UPDATE SET pending = NULL, updated_at = excluded.updated_at",
                params![conv, at],
            )?;
            tx.execute(
                "INSERT INTO chat_messages(conversation, at, role, text) VALUES (?1, ?2, 'user', ?3)",
                params![conv, at, text],
            )?;
            tx.commit()?;
            json
        };
        let pending = decode_pending(claimed.as_deref());
        let out = match self.respond(&conv, pending, &text, proposal) {
            Ok(out) => out,
            Err(e) => {
                // Nothing was answered: the question stays asked (best effort).
                if let Some(j) = &claimed {
                    let _ = self.conn.execute(
                        "UPDATE conversations SET pending = ?2 WHERE id = ?1 AND pending IS NULL",
                        params![conv, j],
                    );
                }
                return Err(e);
            }
        };
        let at = stamp(self.clock.now());
        let tx = self.write_tx()?;
        let pending_json = out
            .pending
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| crate::error::CoreError::Database {
                detail: e.to_string(),
            })?;
        tx.execute(
            "UPDATE conversations SET pending = ?2, updated_at = ?3 WHERE id = ?1",
            params![conv, pending_json, at],
        )?;
        let undo_json = out.undo.as_ref().map(|u| serde_json::json!(u).to_string());
        tx.execute(
            "INSERT INTO chat_messages(conversation, at, role, text, intent, status, doc_type, doc_id, undo)
             VALUES (?1, ?2, 'shop', ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                conv,
                at,
                out.reply,
                serde_json::json!(out.intent).as_str().unwrap_or("unknown"),
                out.status.as_str(),
                out.document.as_ref().map(|d| d.kind.as_str()),
                out.document.as_ref().map(|d| d.id),
                undo_json
            ],
        )?;
        let reply_id = tx.last_insert_rowid();
        if let Some(m) = out.undid {
            tx.execute(
                "UPDATE chat_messages SET undone_by = ?2 WHERE id = ?1",
                params![m, reply_id],
            )?;
        }
        tx.commit()?;
        Ok(ChatReply {
            conversation: conv,
            reply: out.reply,
            intent: out.intent,
            status: out.status,
            document: out.document,
            low_stock: out.low_stock,
            reminder: out.reminder,
            assisted: out.assisted,
            assistant_error: out.assistant_error,
        })
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub fn chat_history(&self, conversation: &str, limit: i64) -> Result<Vec<ChatMessage>> {
        let conv = conversation_id(conversation)?;
        let mut st = self.conn.prepare(
            "SELECT id, role, text, at, status, doc_type, doc_id, undone_by FROM (
                 SELECT * FROM chat_messages WHERE conversation = ?1 ORDER BY id DESC LIMIT ?2
             ) ORDER BY id",
        )?;
        let rows = st.query_map(params![conv, limit.clamp(1, 1000)], |r| {
            let kind: Option<String> = r.get(5)?;
            let id: Option<i64> = r.get(6)?;
            Ok(ChatMessage {
                id: r.get(0)?,
                role: r.get(1)?,
                text: r.get(2)?,
                at: r.get(3)?,
                status: r.get(4)?,
                document: kind.zip(id).map(|(kind, id)| DocumentRef { kind, id }),
                undone: r.get::<_, Option<i64>>(7)?.is_some(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The question a conversation is waiting on, as stored.
fn pending_json(conn: &rusqlite::Connection, conv: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT pending FROM conversations WHERE id = ?1",
            [conv],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// A stored question read back. One written by another version that no longer reads is
/// dropped, not an error: the user simply gets asked again.
fn decode_pending(json: Option<&str>) -> Option<Pending> {
    json.and_then(|j| serde_json::from_str(j).ok())
}
