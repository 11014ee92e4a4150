//! The embedded store: one SQLite file in WAL mode with synchronous=FULL, so what `ingest`
//! returned is on disk before the webhook is acknowledged (a SIGKILL or a power cut after the
//! 200 loses nothing).

use super::{
    DeviceRow, Fetched, Inbound, Ingested, LinkRow, MediaJob, MediaRow, OutboundJob, Paired,
    PaymentRow, Result, Route, ShopRow, Stats, Store, StoreError, StoredEvent, WaOp, digest,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &str = "
CREATE TABLE shops (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    wa_phone_number_id TEXT UNIQUE,
    midtrans_server_key TEXT
);
CREATE TABLE pairing_codes (
    code_hash TEXT PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    acked_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE events (
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    dedupe TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (shop_id, seq),
    UNIQUE (shop_id, dedupe)
) WITHOUT ROWID;
CREATE TABLE set_aside (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    digest TEXT NOT NULL,
    UNIQUE (source, digest)
);
CREATE TABLE payments (
    order_id TEXT PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    reference TEXT NOT NULL,
    amount INTEGER NOT NULL,
    method TEXT NOT NULL,
    state TEXT NOT NULL,
    transaction_id TEXT,
    qr_string TEXT,
    redirect_url TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (shop_id, reference)
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    key TEXT NOT NULL,
    to_wa TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    wamid TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (shop_id, key)
);
CREATE INDEX outbox_due ON outbox(state, due_at);
CREATE TABLE wa_windows (
    shop_id INTEGER NOT NULL REFERENCES shops(id),
    wa_id TEXT NOT NULL,
    last_inbound INTEGER NOT NULL,
    PRIMARY KEY (shop_id, wa_id)
) WITHOUT ROWID;
";

/// Changes after the first schema, in order: `user_version` N+1 applies `MIGRATIONS[N-1]`.
const MIGRATIONS: &[&str] = &[
    // 2: payments lapse and are checked with Midtrans when no notification came.
    "ALTER TABLE payments ADD COLUMN expires_at TEXT;
     ALTER TABLE payments ADD COLUMN check_at TEXT;
     CREATE INDEX payments_check ON payments(check_at) WHERE check_at IS NOT NULL;",
    // 3: files — customers' media fetched from WhatsApp, and the shops' uploads.
    "CREATE TABLE media (
         shop_id INTEGER NOT NULL REFERENCES shops(id),
         id TEXT NOT NULL,
         direction TEXT NOT NULL,
         message_id TEXT,
         mime_type TEXT,
         sha256 TEXT,
         filename TEXT,
         size INTEGER,
         bytes BLOB,
         state TEXT NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         due_at TEXT NOT NULL,
         error TEXT,
         graph_id TEXT,
         graph_at TEXT,
         created_at TEXT NOT NULL,
         PRIMARY KEY (shop_id, id)
     );
     CREATE INDEX media_due ON media(state, due_at);
     CREATE INDEX media_age ON media(created_at);",
    // 4: fair turns between shops for sending and fetching (when each was last served).
    "ALTER TABLE shops ADD COLUMN served_out_at TEXT;
     ALTER TABLE shops ADD COLUMN served_media_at TEXT;",
    // 5: the linked-device channel — a shop's session (sealed values) and who holds it.
    "ALTER TABLE shops ADD COLUMN wa_channel TEXT NOT NULL DEFAULT 'cloud';
     CREATE TABLE wa_session (
         shop_id INTEGER NOT NULL REFERENCES shops(id),
         ns TEXT NOT NULL,
         key TEXT NOT NULL,
         value BLOB NOT NULL,
         PRIMARY KEY (shop_id, ns, key)
     ) WITHOUT ROWID;
     CREATE TABLE wa_link (
         shop_id INTEGER PRIMARY KEY REFERENCES shops(id),
         holder TEXT,
         lease_until TEXT,
         state TEXT NOT NULL,
         detail BLOB,
         updated_at TEXT NOT NULL
     );",
    // 6: one creator of a payment at a time, across instances.
    "ALTER TABLE payments ADD COLUMN creating_until TEXT;",
];

/// The store version this build writes.
const VERSION: i64 = 1 + MIGRATIONS.len() as i64;

/// 'PSRL': marks a SQLite file as a relay store (not a shop's books).
const APPLICATION_ID: i64 = 0x5053_524C;

pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// The group-commit writer's queue (webhook ingest).
    writer: Mutex<std::sync::mpsc::Sender<IngestJob>>,
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating when absent) the store at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = connect(path)?;
        let app: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        match (app, version) {
            (0, 0) => {
                let tables: i64 =
                    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if tables > 0 {
                    return Err(StoreError::Conflict(format!(
                        "{} is another program's database, not a relay store",
                        path.display()
                    )));
                }
                let tx = conn.unchecked_transaction()?;
                tx.execute_batch(SCHEMA)?;
                tx.pragma_update(None, "application_id", APPLICATION_ID)?;
                tx.pragma_update(None, "user_version", 1)?;
                tx.commit()?;
            }
            (APPLICATION_ID, v) if (1..=VERSION).contains(&v) => {}
            (APPLICATION_ID, v) => {
                return Err(StoreError::Conflict(format!(
                    "{} has store version {v}, newer than this relay ({VERSION}): run a newer pasar-relay",
                    path.display()
                )));
            }
            _ => {
                return Err(StoreError::Conflict(format!(
                    "{} is another program's database, not a relay store",
                    path.display()
                )));
            }
        }
        // Each step in its own transaction with its version number: a crash between steps
        // leaves a store that the next start carries on from.
        loop {
            let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let Some(step) = MIGRATIONS.get((v - 1) as usize) else {
                break;
            };
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", v + 1)?;
            tx.commit()?;
        }
        let (jobs, queue) = std::sync::mpsc::channel();
        let writer_conn = connect(path)?;
        std::thread::Builder::new()
            .name("relay-store-writer".into())
            .spawn(move || writer(writer_conn, queue))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            writer: Mutex::new(jobs),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Backend("store lock poisoned".into()))?;
        f(&mut conn)
    }
}

fn shop_of(tx: &Connection, route: &Route) -> Result<Option<i64>> {
    Ok(match route {
        Route::WhatsappNumber(id) => tx
            .query_row(
                "SELECT id FROM shops WHERE wa_phone_number_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?,
        Route::Shop(id) => tx
            .query_row("SELECT id FROM shops WHERE id = ?1", [id], |r| r.get(0))
            .optional()?,
    })
}

impl Store for SqliteStore {
    fn create_shop(&self, name: &str, code_hash: &str, expires_at: &str, now: &str) -> Result<i64> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO shops(name, created_at) VALUES (?1, ?2)",
                params![name, now],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO pairing_codes(code_hash, shop_id, expires_at) VALUES (?1, ?2, ?3)",
                params![code_hash, id, expires_at],
            )?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn add_pairing_code(&self, shop_id: i64, code_hash: &str, expires_at: &str) -> Result<()> {
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO pairing_codes(code_hash, shop_id, expires_at)
                 SELECT ?1, id, ?3 FROM shops WHERE id = ?2",
                params![code_hash, shop_id, expires_at],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("shop {shop_id}")));
            }
            Ok(())
        })
    }

    fn set_whatsapp_number(&self, shop_id: i64, phone_number_id: &str) -> Result<()> {
        self.with(|c| {
            let owner: Option<i64> = c
                .query_row(
                    "SELECT id FROM shops WHERE wa_phone_number_id = ?1",
                    [phone_number_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(o) = owner.filter(|o| *o != shop_id) {
                return Err(StoreError::Conflict(format!(
                    "phone-number id {phone_number_id} already belongs to shop {o}"
                )));
            }
            update_shop(c, shop_id, "wa_phone_number_id", Some(phone_number_id))
        })
    }

    fn set_whatsapp_channel(&self, shop_id: i64, channel: &str) -> Result<()> {
        if !super::CHANNELS.contains(&channel) {
            return Err(StoreError::Conflict(format!(
                "no WhatsApp channel {channel:?}"
            )));
        }
        self.with(|c| update_shop(c, shop_id, "wa_channel", Some(channel)))
    }

    fn wa_get(&self, shop_id: i64, ns: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c| {
            Ok(c.prepare_cached(
                "SELECT value FROM wa_session WHERE shop_id = ?1 AND ns = ?2 AND key = ?3",
            )?
            .query_row(params![shop_id, ns, key], |r| r.get(0))
            .optional()?)
        })
    }

    fn wa_scan(&self, shop_id: i64, ns: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT key, value FROM wa_session
                  WHERE shop_id = ?1 AND ns = ?2
                    AND (?3 = '' OR substr(CAST(key AS BLOB), 1, length(CAST(?3 AS BLOB)))
                                    = CAST(?3 AS BLOB))
                  ORDER BY key",
            )?;
            let rows =
                st.query_map(params![shop_id, ns, prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn wa_write(&self, shop_id: i64, ops: &[WaOp]) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for op in ops {
                match op {
                    WaOp::Put { ns, key, value } => tx
                        .prepare_cached(
                            "INSERT INTO wa_session(shop_id, ns, key, value) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (shop_id, ns, key) DO UPDATE SET value = excluded.value",
                        )?
                        .execute(params![shop_id, ns, key, value])?,
                    WaOp::Delete { ns, key } => tx
                        .prepare_cached(
                            "DELETE FROM wa_session WHERE shop_id = ?1 AND ns = ?2 AND key = ?3",
                        )?
                        .execute(params![shop_id, ns, key])?,
                    WaOp::DeletePrefix { ns, prefix } => tx
                        .prepare_cached(
                            "DELETE FROM wa_session WHERE shop_id = ?1 AND ns = ?2
                               AND (?3 = '' OR substr(CAST(key AS BLOB), 1,
                                                      length(CAST(?3 AS BLOB)))
                                               = CAST(?3 AS BLOB))",
                        )?
                        .execute(params![shop_id, ns, prefix])?,
                };
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn wa_forget(&self, shop_id: i64) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM wa_session WHERE shop_id = ?1", [shop_id])?;
            tx.commit()?;
            Ok(())
        })
    }

    fn link_lease(&self, shop_id: i64, holder: &str, lease_until: &str, now: &str) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO wa_link(shop_id, holder, lease_until, state, updated_at)
                 SELECT id, ?2, ?3, 'starting', ?4 FROM shops WHERE id = ?1
                 ON CONFLICT (shop_id) DO UPDATE SET holder = excluded.holder,
                        lease_until = excluded.lease_until
                  WHERE wa_link.holder IS NULL OR wa_link.holder = excluded.holder
                     OR wa_link.lease_until IS NULL OR wa_link.lease_until <= ?4",
                params![shop_id, holder, lease_until, now],
            )?;
            Ok(n == 1)
        })
    }

    fn set_link_state(
        &self,
        shop_id: i64,
        holder: &str,
        state: &str,
        detail: Option<&[u8]>,
        now: &str,
    ) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE wa_link SET state = ?3, detail = ?4, updated_at = ?5
                  WHERE shop_id = ?1 AND holder = ?2",
                params![shop_id, holder, state, detail, now],
            )?;
            Ok(n == 1)
        })
    }

    fn reset_link(&self, shop_id: i64, state: &str, now: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE wa_link SET state = ?2, detail = NULL, updated_at = ?3 WHERE shop_id = ?1",
                params![shop_id, state, now],
            )?;
            Ok(())
        })
    }

    fn link(&self, shop_id: i64) -> Result<Option<LinkRow>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT shop_id, holder, lease_until, state, detail, updated_at
                   FROM wa_link WHERE shop_id = ?1",
                [shop_id],
                |r| {
                    Ok(LinkRow {
                        shop_id: r.get(0)?,
                        holder: r.get(1)?,
                        lease_until: r.get(2)?,
                        state: r.get(3)?,
                        detail: r.get(4)?,
                        updated_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
        })
    }

    fn shops(&self) -> Result<Vec<ShopRow>> {
        self.with(|c| {
            let mut st = c.prepare(&format!("{SHOP_SELECT} ORDER BY s.id"))?;
            let rows = st.query_map([], shop_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn shop(&self, id: i64) -> Result<Option<ShopRow>> {
        self.with(|c| {
            Ok(
                c.query_row(&format!("{SHOP_SELECT} WHERE s.id = ?1"), [id], shop_row)
                    .optional()?,
            )
        })
    }

    fn ping(&self) -> Result<()> {
        self.with(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?))
    }

    fn stats(&self) -> Result<Stats> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM shops),
                        (SELECT count(*) FROM devices WHERE revoked_at IS NULL),
                        (SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')),
                        (SELECT count(*) FROM media WHERE state IN ('queued', 'fetching')),
                        (SELECT count(*) FROM payments WHERE state IN ('creating', 'pending', 'challenge')),
                        (SELECT count(*) FROM set_aside)",
                [],
                |r| {
                    Ok(Stats {
                        shops: r.get(0)?,
                        devices: r.get(1)?,
                        outbox_queued: r.get(2)?,
                        media_queued: r.get(3)?,
                        payments_unsettled: r.get(4)?,
                        set_aside: r.get(5)?,
                    })
                },
            )?)
        })
    }

    fn pair(
        &self,
        code_hash: &str,
        device_name: &str,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<Paired>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Claimed in the same statement that checks it: a code pairs one device, even
            // when two laptops try it at once.
            let shop: Option<i64> = tx
                .query_row(
                    "UPDATE pairing_codes SET used_at = ?2
                      WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                      RETURNING shop_id",
                    params![code_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(shop_id) = shop else {
                return Ok(None);
            };
            tx.execute(
                "INSERT INTO devices(shop_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![shop_id, device_name, token_hash, now],
            )?;
            let device_id = tx.last_insert_rowid();
            let shop_name: String =
                tx.query_row("SELECT name FROM shops WHERE id = ?1", [shop_id], |r| r.get(0))?;
            tx.commit()?;
            Ok(Some(Paired {
                shop_id,
                shop_name,
                device_id,
            }))
        })
    }

    fn device(&self, token_hash: &str) -> Result<Option<DeviceRow>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT id, shop_id, name, revoked_at IS NOT NULL, acked_seq FROM devices
                  WHERE token_hash = ?1",
                [token_hash],
                device_row,
            )
            .optional()?)
        })
    }

    fn devices(&self, shop_id: i64) -> Result<Vec<DeviceRow>> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT id, shop_id, name, revoked_at IS NOT NULL, acked_seq FROM devices
                  WHERE shop_id = ?1 ORDER BY id",
            )?;
            let rows = st.query_map([shop_id], device_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn revoke_device(&self, device_id: i64, now: &str) -> Result<bool> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![device_id, now],
            )?;
            Ok(n > 0)
        })
    }

    fn ingest(&self, items: &[Inbound], now: &str) -> Result<Ingested> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.writer
            .lock()
            .map_err(|_| StoreError::Backend("writer lock poisoned".into()))?
            .send(IngestJob {
                items: items.to_vec(),
                now: now.to_string(),
                reply,
            })
            .map_err(|_| StoreError::Backend("the store's writer stopped".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError::Backend("the store's writer stopped".into()))?
            .map_err(StoreError::Backend)
    }

    fn set_aside(&self, source: &str, reason: &str, body: &str, now: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO set_aside(source, reason, body, received_at, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![source, reason, body, now, digest(body)],
            )?;
            Ok(())
        })
    }

    fn events_after(&self, shop_id: i64, after: i64, limit: i64) -> Result<Vec<StoredEvent>> {
        self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT seq, received_at, body FROM events
                  WHERE shop_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = st.query_map(params![shop_id, after, limit], |r| {
                Ok(StoredEvent {
                    seq: r.get(0)?,
                    received_at: r.get(1)?,
                    body: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn ack(&self, device_id: i64, upto: i64) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE devices SET acked_seq = max(acked_seq, min(?2,
                    (SELECT last_seq FROM shops WHERE shops.id = devices.shop_id)))
                  WHERE id = ?1",
                params![device_id, upto],
            )?;
            Ok(())
        })
    }

    fn last_inbound(&self, shop_id: i64, wa_id: &str) -> Result<Option<i64>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT last_inbound FROM wa_windows WHERE shop_id = ?1 AND wa_id = ?2",
                params![shop_id, wa_id],
                |r| r.get(0),
            )
            .optional()?)
        })
    }
    fn set_midtrans_key(&self, shop_id: i64, key: &str) -> Result<()> {
        // A blank key is no key: the shop falls back to the relay's.
        let key = Some(key.trim()).filter(|k| !k.is_empty());
        self.with(|c| update_shop(c, shop_id, "midtrans_server_key", key))
    }

    fn midtrans_key(&self, shop_id: i64) -> Result<Option<String>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT midtrans_server_key FROM shops WHERE id = ?1",
                [shop_id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten()
            .filter(|k| !k.trim().is_empty()))
        })
    }

    fn open_payment(
        &self,
        shop_id: i64,
        order_id: &str,
        reference: &str,
        amount: i64,
        method: &str,
        now: &str,
    ) -> Result<PaymentRow> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing = tx
                .query_row(
                    &format!("{PAYMENT_SELECT} WHERE shop_id = ?1 AND reference = ?2"),
                    params![shop_id, reference],
                    payment_row,
                )
                .optional()?;
            let row = match existing {
                Some(p) if p.amount != amount || p.method != method => {
                    return Err(StoreError::Conflict(format!(
                        "reference {reference} is already a payment of {} by {}",
                        p.amount, p.method
                    )));
                }
                Some(p) if p.state == "creating" => {
                    // A creator sets out (again) to ask Midtrans: others see it is in hand.
                    tx.execute(
                        "UPDATE payments SET updated_at = ?2 WHERE order_id = ?1",
                        params![p.order_id, now],
                    )?;
                    PaymentRow {
                        updated_at: now.to_string(),
                        ..p
                    }
                }
                Some(p) => p,
                None => {
                    tx.execute(
                        "INSERT INTO payments(order_id, shop_id, reference, amount, method, state, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'creating', ?6, ?6)",
                        params![order_id, shop_id, reference, amount, method, now],
                    )?;
                    tx.query_row(
                        &format!("{PAYMENT_SELECT} WHERE order_id = ?1"),
                        [order_id],
                        payment_row,
                    )?
                }
            };
            tx.commit()?;
            Ok(row)
        })
    }

    fn payment_created(
        &self,
        order_id: &str,
        transaction_id: Option<&str>,
        qr_string: Option<&str>,
        redirect_url: Option<&str>,
        expires_at: &str,
        check_at: &str,
        now: &str,
    ) -> Result<PaymentRow> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // A notification may have come first: its state stands (and needs no check).
            tx.execute(
                "UPDATE payments SET transaction_id = coalesce(?2, transaction_id),
                        qr_string = coalesce(?3, qr_string), redirect_url = coalesce(?4, redirect_url),
                        expires_at = coalesce(expires_at, ?5),
                        check_at = CASE WHEN state IN ('creating', 'pending', 'challenge') THEN ?6 END,
                        state = CASE state WHEN 'creating' THEN 'pending' ELSE state END,
                        updated_at = ?7
                  WHERE order_id = ?1",
                params![order_id, transaction_id, qr_string, redirect_url, expires_at, check_at, now],
            )?;
            let row = tx
                .query_row(
                    &format!("{PAYMENT_SELECT} WHERE order_id = ?1"),
                    [order_id],
                    payment_row,
                )
                .optional()?
                .ok_or_else(|| StoreError::NotFound(format!("payment {order_id}")))?;
            tx.commit()?;
            Ok(row)
        })
    }

    fn payment(&self, order_id: &str) -> Result<Option<PaymentRow>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("{PAYMENT_SELECT} WHERE order_id = ?1"),
                [order_id],
                payment_row,
            )
            .optional()?)
        })
    }

    fn payment_by_reference(&self, shop_id: i64, reference: &str) -> Result<Option<PaymentRow>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("{PAYMENT_SELECT} WHERE shop_id = ?1 AND reference = ?2"),
                params![shop_id, reference],
                payment_row,
            )
            .optional()?)
        })
    }

    fn claim_payment_checks(
        &self,
        now: &str,
        lease_until: &str,
        limit: i64,
    ) -> Result<Vec<PaymentRow>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let rows = {
                let mut st = tx.prepare_cached(&format!(
                    "UPDATE payments SET check_at = ?2
                      WHERE order_id IN (SELECT order_id FROM payments
                                          WHERE check_at IS NOT NULL AND check_at <= ?1
                                            AND state IN ('pending', 'challenge')
                                          ORDER BY check_at LIMIT ?3)
                      RETURNING {PAYMENT_COLUMNS}"
                ))?;
                let rows = st.query_map(params![now, lease_until, limit], payment_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.commit()?;
            Ok(rows)
        })
    }

    fn schedule_payment_check(&self, order_id: &str, at: Option<&str>) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE payments SET check_at = ?2
                  WHERE order_id = ?1 AND state IN ('pending', 'challenge')",
                params![order_id, at],
            )?;
            Ok(())
        })
    }

    fn forget_payment(&self, order_id: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "DELETE FROM payments WHERE order_id = ?1 AND state = 'creating'",
                [order_id],
            )?;
            Ok(())
        })
    }

    fn claim_creation(&self, order_id: &str, until: Option<&str>, now: &str) -> Result<bool> {
        self.with(|c| {
            let n = match until {
                Some(until) => c.execute(
                    "UPDATE payments SET creating_until = ?2
                      WHERE order_id = ?1 AND state = 'creating'
                        AND (creating_until IS NULL OR creating_until <= ?3)",
                    params![order_id, until, now],
                )?,
                None => c.execute(
                    "UPDATE payments SET creating_until = NULL WHERE order_id = ?1",
                    [order_id],
                )?,
            };
            Ok(n == 1)
        })
    }

    fn apply_payment(
        &self,
        order_id: &str,
        state: &str,
        event_body: &str,
        dedupe: &str,
        now: &str,
    ) -> Result<Option<i64>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some((shop, current)) = tx
                .query_row(
                    "SELECT shop_id, state FROM payments WHERE order_id = ?1",
                    [order_id],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?
            else {
                return Err(StoreError::NotFound(format!("payment {order_id}")));
            };
            let from = if current == "creating" {
                "pending"
            } else {
                current.as_str()
            };
            let fresh = current == "creating" && state == "pending";
            if !(fresh || crate::midtrans::moves(from, state)) {
                return Ok(None);
            }
            let Some(seq) = append_event(&tx, shop, "payment", dedupe, event_body, now)? else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE payments SET state = ?2, updated_at = ?3,
                        check_at = CASE WHEN ?2 IN ('pending', 'challenge') THEN check_at END
                  WHERE order_id = ?1",
                params![order_id, state, now],
            )?;
            tx.commit()?;
            Ok(Some(seq))
        })
    }

    fn enqueue_outbound(
        &self,
        shop_id: i64,
        key: &str,
        to: &str,
        body: &str,
        now: &str,
    ) -> Result<String> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let before: Option<(String, String, String)> = tx
                .query_row(
                    "SELECT state, to_wa, body FROM outbox WHERE shop_id = ?1 AND key = ?2",
                    params![shop_id, key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((state, to_was, body_was)) = before {
                if to_was != to || body_was != body {
                    return Err(StoreError::Conflict(format!(
                        "key {key} is already another message"
                    )));
                }
                return Ok(state);
            }
            tx.execute(
                "INSERT INTO outbox(shop_id, key, to_wa, body, state, due_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5, ?5)",
                params![shop_id, key, to, body, now],
            )?;
            tx.commit()?;
            Ok("queued".into())
        })
    }

    fn claim_outbound(
        &self,
        now: &str,
        lease_until: &str,
        limit: i64,
        only: Option<i64>,
    ) -> Result<Vec<OutboundJob>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // A send whose lease ran out was in flight when its sender stopped: WhatsApp may
            // have it. Not sent again (the customer would get it twice); the desktop is told.
            let lost: Vec<(i64, i64, String, String, i64)> = {
                let mut st = tx.prepare_cached(
                    "UPDATE outbox SET state = 'uncertain', attempts = attempts + 1, updated_at = ?1,
                            error = ?2
                      WHERE state = 'sending' AND due_at <= ?1
                      RETURNING id, shop_id, key, to_wa, attempts",
                )?;
                let rows = st.query_map(params![now, super::uncertain_error()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (_, shop, key, to, attempts) in &lost {
                let body = super::uncertain_event(key, to, *attempts)?;
                append_event(&tx, *shop, "whatsapp_outbound", &format!("out:{key}"), &body, now)?;
            }
            // Shops take turns: each customer's messages go out in the order queued (a
            // deferred one holds back the later ones to that customer), one message per shop
            // in flight, the shop served longest ago first.
            let jobs = {
                let mut st = tx.prepare_cached(
                    "WITH heads AS (
                         SELECT o.id, o.shop_id, o.due_at,
                                row_number() OVER (PARTITION BY o.shop_id, o.to_wa ORDER BY o.id) AS rn
                           FROM outbox o WHERE o.state = 'queued'),
                     due AS (
                         SELECT h.id, h.due_at, coalesce(s.served_out_at, '') AS served,
                                row_number() OVER (PARTITION BY h.shop_id ORDER BY h.due_at, h.id) AS k
                           FROM heads h JOIN shops s ON s.id = h.shop_id
                          WHERE h.rn = 1 AND h.due_at <= ?1
                            AND (s.id = ?4 OR (?4 IS NULL AND s.wa_channel = 'cloud'))
                            AND NOT EXISTS (SELECT 1 FROM outbox x
                                             WHERE x.shop_id = h.shop_id AND x.state = 'sending'))
                     UPDATE outbox SET state = 'sending', due_at = ?2, updated_at = ?1
                      WHERE state = 'queued'
                        AND id IN (SELECT id FROM due WHERE k = 1 ORDER BY served, due_at LIMIT ?3)
                      RETURNING id, shop_id, key, to_wa, body, attempts,
                                (SELECT coalesce(wa_phone_number_id, '') FROM shops WHERE shops.id = outbox.shop_id)",
                )?;
                let rows = st.query_map(params![now, lease_until, limit, only], |r| {
                    Ok(OutboundJob {
                        id: r.get(0)?,
                        shop_id: r.get(1)?,
                        key: r.get(2)?,
                        to: r.get(3)?,
                        body: r.get(4)?,
                        attempts: r.get(5)?,
                        phone_number_id: r.get(6)?,
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            for job in &jobs {
                update_shop(&tx, job.shop_id, "served_out_at", Some(now))?;
            }
            tx.commit()?;
            Ok(jobs)
        })
    }

    fn claim_media(&self, now: &str, lease_until: &str, limit: i64) -> Result<Vec<MediaJob>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let jobs = {
                // Shops take turns as for sending: one file per shop at a time, the shop
                // served longest ago first (a lease run out counts as not in flight).
                let mut st = tx.prepare_cached(
                    "WITH cand AS (
                         SELECT m.rowid AS rid, coalesce(s.served_media_at, '') AS served, m.due_at AS due,
                                row_number() OVER (PARTITION BY m.shop_id ORDER BY m.due_at) AS rn
                           FROM media m JOIN shops s ON s.id = m.shop_id
                          WHERE m.state IN ('queued', 'fetching') AND m.due_at <= ?1
                            AND s.wa_channel = 'cloud'
                            AND NOT EXISTS (SELECT 1 FROM media x
                                             WHERE x.shop_id = m.shop_id AND x.state = 'fetching'
                                               AND x.due_at > ?1))
                     UPDATE media SET state = 'fetching', due_at = ?2
                      WHERE rowid IN (SELECT rid FROM cand WHERE rn = 1 ORDER BY served, due LIMIT ?3)
                      RETURNING shop_id, id, coalesce(message_id, ''), mime_type, sha256, attempts,
                                (SELECT coalesce(wa_phone_number_id, '') FROM shops WHERE shops.id = media.shop_id)",
                )?;
                let rows = st.query_map(params![now, lease_until, limit], |r| {
                    Ok(MediaJob {
                        shop_id: r.get(0)?,
                        id: r.get(1)?,
                        message_id: r.get(2)?,
                        mime_type: r.get(3)?,
                        sha256: r.get(4)?,
                        attempts: r.get(5)?,
                        phone_number_id: r.get(6)?,
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            for job in &jobs {
                update_shop(&tx, job.shop_id, "served_media_at", Some(now))?;
            }
            tx.commit()?;
            Ok(jobs)
        })
    }

    fn finish_media(
        &self,
        shop_id: i64,
        id: &str,
        fetched: &Fetched,
        event_body: Option<&str>,
        now: &str,
    ) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = match fetched {
                Fetched::Ready { mime_type, bytes } => tx.execute(
                    "UPDATE media SET state = 'ready', bytes = ?3, size = ?4, mime_type = ?5,
                            attempts = attempts + 1, error = NULL
                      WHERE shop_id = ?1 AND id = ?2",
                    params![shop_id, id, bytes, bytes.len() as i64, mime_type],
                )?,
                Fetched::Retry { at, error } => tx.execute(
                    "UPDATE media SET state = 'queued', due_at = ?3, error = ?4,
                            attempts = attempts + 1
                      WHERE shop_id = ?1 AND id = ?2",
                    params![shop_id, id, at, error],
                )?,
                Fetched::Failed { error } => tx.execute(
                    "UPDATE media SET state = 'failed', error = ?3, attempts = attempts + 1
                      WHERE shop_id = ?1 AND id = ?2",
                    params![shop_id, id, error],
                )?,
            };
            if n == 0 {
                return Err(StoreError::NotFound(format!("media {id}")));
            }
            let stored = match event_body {
                Some(body) => append_event(
                    &tx,
                    shop_id,
                    "whatsapp_media",
                    &format!("media:{id}"),
                    body,
                    now,
                )?
                .is_some(),
                None => false,
            };
            tx.commit()?;
            Ok(stored)
        })
    }

    fn put_media(
        &self,
        shop_id: i64,
        id: &str,
        mime_type: &str,
        filename: Option<&str>,
        bytes: &[u8],
        now: &str,
    ) -> Result<MediaRow> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO media(shop_id, id, direction, mime_type, filename, size, bytes, state,
                                   due_at, created_at)
                 VALUES (?1, ?2, 'out', ?3, ?4, ?5, ?6, 'ready', ?7, ?7)
                 ON CONFLICT(shop_id, id) DO UPDATE SET created_at = excluded.created_at,
                        filename = coalesce(excluded.filename, filename)",
                params![
                    shop_id,
                    id,
                    mime_type,
                    filename,
                    bytes.len() as i64,
                    bytes,
                    now
                ],
            )?;
            let row = tx.query_row(
                &format!("{MEDIA_SELECT} WHERE shop_id = ?1 AND id = ?2"),
                params![shop_id, id],
                media_row,
            )?;
            tx.commit()?;
            Ok(row)
        })
    }

    fn media(&self, shop_id: i64, id: &str) -> Result<Option<MediaRow>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("{MEDIA_SELECT} WHERE shop_id = ?1 AND id = ?2"),
                params![shop_id, id],
                media_row,
            )
            .optional()?)
        })
    }

    fn media_usage(&self, shop_id: i64) -> Result<i64> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT coalesce(sum(size), 0) FROM media WHERE shop_id = ?1",
                [shop_id],
                |r| r.get(0),
            )?)
        })
    }

    fn media_bytes(&self, shop_id: i64, id: &str) -> Result<Option<Vec<u8>>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT bytes FROM media WHERE shop_id = ?1 AND id = ?2 AND state = 'ready'",
                params![shop_id, id],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    fn set_media_graph_id(&self, shop_id: i64, id: &str, graph_id: &str, at: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE media SET graph_id = ?3, graph_at = ?4 WHERE shop_id = ?1 AND id = ?2",
                params![shop_id, id, graph_id, at],
            )?;
            Ok(())
        })
    }

    fn purge_media(&self, before: &str) -> Result<usize> {
        self.with(|c| Ok(c.execute("DELETE FROM media WHERE created_at < ?1", [before])?))
    }

    fn finish_outbound(
        &self,
        id: i64,
        state: &str,
        wamid: Option<&str>,
        error: Option<&str>,
        retry_at: Option<&str>,
        event_body: Option<&str>,
        now: &str,
    ) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some((shop, key, was)) = tx
                .query_row(
                    "SELECT shop_id, key, state FROM outbox WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    },
                )
                .optional()?
            else {
                return Err(StoreError::NotFound(format!("outbox {id}")));
            };
            // A send that outlived its lease was declared uncertain meanwhile (and the
            // desktop told): its late end changes nothing (never queued again, never a
            // second event).
            if was != "sending" {
                return Ok(false);
            }
            tx.execute(
                "UPDATE outbox SET state = ?2, attempts = attempts + 1, wamid = coalesce(?3, wamid),
                        error = ?4, due_at = coalesce(?5, due_at), updated_at = ?6
                  WHERE id = ?1",
                params![id, state, wamid, error, retry_at, now],
            )?;
            let stored = match event_body {
                Some(body) => append_event(
                    &tx,
                    shop,
                    "whatsapp_outbound",
                    &format!("out:{key}"),
                    body,
                    now,
                )?
                .is_some(),
                None => false,
            };
            tx.commit()?;
            Ok(stored)
        })
    }
}

const SHOP_SELECT: &str = "SELECT s.id, s.name, s.wa_phone_number_id, s.last_seq,
        (SELECT count(*) FROM devices d WHERE d.shop_id = s.id AND d.revoked_at IS NULL),
        s.wa_channel
   FROM shops s";

fn shop_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShopRow> {
    Ok(ShopRow {
        id: r.get(0)?,
        name: r.get(1)?,
        whatsapp_number_id: r.get(2)?,
        last_seq: r.get(3)?,
        devices: r.get(4)?,
        channel: r.get(5)?,
    })
}

const MEDIA_SELECT: &str = "SELECT shop_id, id, direction, state, mime_type, filename, size, error, graph_id, graph_at FROM media";

fn media_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MediaRow> {
    Ok(MediaRow {
        shop_id: r.get(0)?,
        id: r.get(1)?,
        direction: r.get(2)?,
        state: r.get(3)?,
        mime_type: r.get(4)?,
        filename: r.get(5)?,
        size: r.get(6)?,
        error: r.get(7)?,
        graph_id: r.get(8)?,
        graph_at: r.get(9)?,
    })
}

const PAYMENT_COLUMNS: &str = "order_id, shop_id, reference, amount, method, state, transaction_id, qr_string, redirect_url, created_at, expires_at, updated_at";
const PAYMENT_SELECT: &str = "SELECT order_id, shop_id, reference, amount, method, state, transaction_id, qr_string, redirect_url, created_at, expires_at, updated_at FROM payments";

fn payment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PaymentRow> {
    Ok(PaymentRow {
        order_id: r.get(0)?,
        shop_id: r.get(1)?,
        reference: r.get(2)?,
        amount: r.get(3)?,
        method: r.get(4)?,
        state: r.get(5)?,
        transaction_id: r.get(6)?,
        qr_string: r.get(7)?,
        redirect_url: r.get(8)?,
        created_at: r.get(9)?,
        expires_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// One delivery's items, inside a transaction the caller commits.
fn ingest_in(tx: &Connection, items: &[Inbound], now: &str) -> Result<Ingested> {
    let mut out = Ingested::default();
    for it in items {
        let Some(shop) = shop_of(tx, &it.route)? else {
            tx.execute(
                "INSERT OR IGNORE INTO set_aside(source, reason, body, received_at, digest)
                 VALUES ('whatsapp', ?1, ?2, ?3, ?4)",
                params![it.route.unowned(), it.body, now, digest(&it.body)],
            )?;
            out.unrouted += 1;
            continue;
        };
        let Some(seq) = append_event(tx, shop, &it.kind, &it.dedupe, &it.body, now)? else {
            out.duplicates += 1;
            continue;
        };
        if let Some(m) = &it.media {
            tx.execute(
                "INSERT OR IGNORE INTO media(shop_id, id, direction, message_id, mime_type, sha256,
                                             filename, state, due_at, created_at)
                 VALUES (?1, ?2, 'in', ?3, ?4, ?5, ?6, 'queued', ?7, ?7)",
                params![
                    shop,
                    m.id,
                    m.message_id,
                    m.mime_type,
                    m.sha256,
                    m.filename,
                    now
                ],
            )?;
        }
        if let Some((wa_id, at)) = &it.window {
            tx.execute(
                "INSERT INTO wa_windows(shop_id, wa_id, last_inbound) VALUES (?1, ?2, ?3)
                 ON CONFLICT(shop_id, wa_id) DO UPDATE
                   SET last_inbound = max(last_inbound, excluded.last_inbound)",
                params![shop, wa_id, at],
            )?;
        }
        out.stored.push((shop, seq));
    }
    Ok(out)
}

/// A webhook delivery waiting for the writer.
struct IngestJob {
    items: Vec<Inbound>,
    now: String,
    reply: std::sync::mpsc::SyncSender<std::result::Result<Ingested, String>>,
}

/// Group commit: the writer takes every delivery waiting at that moment (up to 256), stores
/// each under its own savepoint (one bad delivery does not undo the others) and commits them
/// with one fsync; each caller hears back only after that commit. Durability per delivery is
/// unchanged; the disk is asked to sync once per batch instead of once per webhook.
fn writer(mut conn: Connection, jobs: std::sync::mpsc::Receiver<IngestJob>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut results: Vec<std::result::Result<Ingested, String>> =
            Vec::with_capacity(batch.len());
        let committed = (|| -> Result<()> {
            let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for job in &batch {
                let sp = tx.savepoint()?;
                match ingest_in(&sp, &job.items, &job.now) {
                    Ok(done) => {
                        sp.commit()?;
                        results.push(Ok(done));
                    }
                    Err(e) => {
                        drop(sp); // rolls back this delivery only
                        results.push(Err(e.to_string()));
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })();
        for (i, job) in batch.into_iter().enumerate() {
            let answer = match &committed {
                Ok(()) => results
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| Err("not stored".into())),
                Err(e) => Err(e.to_string()),
            };
            let _ = job.reply.send(answer);
        }
    }
}

/// Appends an event to a shop's mailbox, numbered next under the shop's row (the write lock
/// is held, so numbers follow commits); None when an event with this dedupe key is there.
fn append_event(
    tx: &Connection,
    shop: i64,
    kind: &str,
    dedupe: &str,
    body: &str,
    now: &str,
) -> Result<Option<i64>> {
    let seen = tx
        .query_row(
            "SELECT 1 FROM events WHERE shop_id = ?1 AND dedupe = ?2",
            params![shop, dedupe],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if seen {
        return Ok(None);
    }
    let seq: i64 = tx.query_row(
        "UPDATE shops SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        [shop],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO events(shop_id, seq, kind, dedupe, body, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![shop, seq, kind, dedupe, body, now],
    )?;
    Ok(Some(seq))
}

/// Sets one of a shop's settings (a column name from this file, never from input).
fn update_shop(
    c: &Connection,
    shop_id: i64,
    column: &'static str,
    value: Option<&str>,
) -> Result<()> {
    let n = c.execute(
        &format!("UPDATE shops SET {column} = ?2 WHERE id = ?1"),
        params![shop_id, value],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("shop {shop_id}")));
    }
    Ok(())
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        shop_id: r.get(1)?,
        name: r.get(2)?,
        revoked: r.get(3)?,
        acked_seq: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_version_store_is_carried_forward_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // A store as the first relay wrote it, with a shop and a pending payment.
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA).unwrap();
            c.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            c.pragma_update(None, "user_version", 1).unwrap();
            c.execute_batch(
                "INSERT INTO shops(id, name, created_at) VALUES (1, 'Warung', '2026-01-01T00:00:00Z');
                 INSERT INTO payments(order_id, shop_id, reference, amount, method, state, created_at, updated_at)
                 VALUES ('ps1-a', 1, 'a', 5000, 'qris', 'pending', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let p = store.payment("ps1-a").unwrap().unwrap();
        assert_eq!(
            (p.amount, p.state.as_str(), p.expires_at),
            (5000, "pending", None)
        );
        store
            .schedule_payment_check("ps1-a", Some("2026-01-01T00:05:00.000Z"))
            .unwrap();
        let due = store
            .claim_payment_checks("2026-01-01T00:06:00.000Z", "2026-01-01T00:08:00.000Z", 10)
            .unwrap();
        assert_eq!(due.len(), 1, "an old payment is checked like a new one");
        drop(store);
        let v: i64 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, VERSION);
        // Opened again: nothing to do, nothing lost.
        assert!(
            SqliteStore::open(&path)
                .unwrap()
                .payment("ps1-a")
                .unwrap()
                .is_some()
        );
        // A store from a newer relay is refused plainly.
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer than this relay"), "{err}");
    }

    #[test]
    fn a_send_cut_off_by_a_crash_is_uncertain_not_sent_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
        let t0 = "2026-11-22T10:00:00.000Z";
        let shop = store
            .create_shop("Warung", "h", "2999-01-01T00:00:00Z", t0)
            .unwrap();
        store.set_whatsapp_number(shop, "1065").unwrap();
        store
            .enqueue_outbound(shop, "k1", "6281", "{}", t0)
            .unwrap();
        // A sender claims it (lease one minute) and dies before finishing.
        let jobs = store
            .claim_outbound(t0, "2026-11-22T10:01:00.000Z", 1, None)
            .unwrap();
        assert_eq!(jobs.len(), 1);
        // Before the lease ends nobody takes it; after, it is not sent again but reported.
        assert!(
            store
                .claim_outbound(
                    "2026-11-22T10:00:30.000Z",
                    "2026-11-22T10:01:30.000Z",
                    1,
                    None
                )
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .claim_outbound(
                    "2026-11-22T10:02:00.000Z",
                    "2026-11-22T10:03:00.000Z",
                    1,
                    None
                )
                .unwrap()
                .is_empty()
        );
        let events = store.events_after(shop, 0, 10).unwrap();
        assert_eq!(events.len(), 1);
        assert!(
            events[0].body.contains("\"state\":\"uncertain\""),
            "{}",
            events[0].body
        );
        assert_eq!(
            store
                .enqueue_outbound(shop, "k1", "6281", "{}", t0)
                .unwrap(),
            "uncertain"
        );
        assert!(
            store
                .claim_outbound(
                    "2026-11-22T11:00:00.000Z",
                    "2026-11-22T11:01:00.000Z",
                    1,
                    None
                )
                .unwrap()
                .is_empty()
        );
    }
}
