//! A shop's linked-device session (the keys WhatsApp Web keeps in the browser) in the relay's
//! own store: `whatsapp-rust`'s storage traits over `Store::wa_*`, so the session lives in
//! the same SQLite file or PostgreSQL database as everything else and survives restarts and
//! moves between instances. Every value is sealed with RELAY_SECRET_KEY for its place
//! (`wa:{shop}:{namespace}:{key}`): a stolen database holds no usable session, and a value
//! copied to another key or shop does not open.
//!
//! The namespaces and encodings follow the library's in-memory reference backend: raw bytes
//! for Signal records, JSON for the library's serde types, composite keys as length-prefixed
//! parts (ids that come from WhatsApp may hold any character).

use crate::secrets::Sealer;
use crate::store::{Store, WaOp};
use std::sync::Arc;
use whatsapp_rust::async_trait;
use whatsapp_rust::bytes::Bytes;
use whatsapp_rust::wacore::appstate::hash::HashState;
use whatsapp_rust::wacore::appstate::processor::AppStateMutationMAC;
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore::store::error::{Result, StoreError};
use whatsapp_rust::wacore::store::traits::*;

/// The session's namespaces.
pub mod ns {
    pub const IDENTITY: &str = "identity";
    pub const SESSION: &str = "session";
    pub const PREKEY: &str = "prekey";
    pub const SIGNED_PREKEY: &str = "signed_prekey";
    pub const SENDER_KEY: &str = "sender_key";
    pub const SYNC_KEY: &str = "sync_key";
    pub const SYNC_LATEST: &str = "sync_latest";
    pub const VERSION: &str = "app_version";
    pub const MUTATION_MAC: &str = "mutation_mac";
    pub const SKD: &str = "sender_key_device";
    pub const LID: &str = "lid";
    pub const PN: &str = "pn";
    pub const BASE_KEY: &str = "base_key";
    pub const DEVICES: &str = "devices";
    pub const GROUP: &str = "group";
    pub const TC: &str = "tc_token";
    pub const SENT: &str = "sent";
    pub const PENDING: &str = "pending_inbound";
    pub const MSG_SECRET: &str = "msg_secret";
    pub const DEVICE: &str = "device";
    /// Customers' files still to download (the relay's own, see `linked::media`).
    pub const MEDIA: &str = "media";
    /// The shop's last request to link (a `LinkRequest`; a new one restarts pairing).
    pub const REQUEST: &str = "request";

    /// Every namespace but `REQUEST`: the session itself.
    pub const SESSION_ALL: [&str; 21] = [
        IDENTITY,
        SESSION,
        PREKEY,
        SIGNED_PREKEY,
        SENDER_KEY,
        SYNC_KEY,
        SYNC_LATEST,
        VERSION,
        MUTATION_MAC,
        SKD,
        LID,
        PN,
        BASE_KEY,
        DEVICES,
        GROUP,
        TC,
        SENT,
        PENDING,
        MSG_SECRET,
        DEVICE,
        MEDIA,
    ];
}

/// A key of several parts, each `len:part`, so no part can run into the next and a key's
/// first parts are a prefix of it.
pub(crate) fn key(parts: &[&str]) -> String {
    let mut k = String::new();
    for p in parts {
        k.push_str(&p.len().to_string());
        k.push(':');
        k.push_str(p);
    }
    k
}

/// The parts of a `key`.
pub(crate) fn parts(k: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = k;
    while !rest.is_empty() {
        let (len, after) = rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        out.push(after.get(..len)?);
        rest = &after[len..];
    }
    Some(out)
}

/// A prekey id as a key that sorts by number.
fn id_key(id: u32) -> String {
    format!("{id:010}")
}

fn db_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Database(e.to_string().into())
}

fn bad(what: &str) -> StoreError {
    StoreError::Validation(format!("linked-device session: {what}"))
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| StoreError::Serialization(Box::new(e)))
}

fn unjson<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T> {
    serde_json::from_slice(b).map_err(|e| StoreError::Serialization(Box::new(e)))
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A value with the unix second it was written, for sweeps by age.
fn stamped(at: i64, v: &[u8]) -> Vec<u8> {
    let mut out = at.to_be_bytes().to_vec();
    out.extend_from_slice(v);
    out
}

fn unstamp(v: &[u8]) -> Result<(i64, &[u8])> {
    if v.len() < 8 {
        return Err(bad("a stamped value is cut short"));
    }
    let mut at = [0u8; 8];
    at.copy_from_slice(&v[..8]);
    Ok((i64::from_be_bytes(at), &v[8..]))
}

/// A change before sealing.
enum Op {
    Put(&'static str, String, Vec<u8>),
    Delete(&'static str, String),
    DeletePrefix(&'static str, String),
}

/// One shop's session.
pub struct SessionStore {
    store: Arc<dyn Store>,
    shop: i64,
    sealer: Arc<Sealer>,
    /// Read-modify-write steps (tokens, mappings, secrets) one at a time: the library asks
    /// for them to be atomic, and only one instance holds a shop's session (the lease).
    rmw: tokio::sync::Mutex<()>,
}

impl SessionStore {
    pub fn new(store: Arc<dyn Store>, shop: i64, sealer: Arc<Sealer>) -> SessionStore {
        SessionStore {
            store,
            shop,
            sealer,
            rmw: tokio::sync::Mutex::new(()),
        }
    }

    fn context(&self, ns: &str, key: &str) -> String {
        format!("wa:{}:{ns}:{key}", self.shop)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store, i64) -> crate::store::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (store, shop) = (self.store.clone(), self.shop);
        tokio::task::spawn_blocking(move || f(store.as_ref(), shop))
            .await
            .map_err(db_error)?
            .map_err(db_error)
    }

    /// One value, opened.
    pub async fn get(&self, ns: &'static str, key: &str) -> Result<Option<Vec<u8>>> {
        let k = key.to_string();
        let sealed = self.blocking(move |s, shop| s.wa_get(shop, ns, &k)).await?;
        sealed
            .map(|v| {
                self.sealer
                    .open_bytes(&self.context(ns, key), &v)
                    .map_err(|e| bad(&e.to_string()))
            })
            .transpose()
    }

    /// The values of a namespace whose keys start with `prefix`, opened.
    pub async fn scan(&self, ns: &'static str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let p = prefix.to_string();
        let rows = self
            .blocking(move |s, shop| s.wa_scan(shop, ns, &p))
            .await?;
        rows.into_iter()
            .map(|(k, v)| {
                let plain = self
                    .sealer
                    .open_bytes(&self.context(ns, &k), &v)
                    .map_err(|e| bad(&e.to_string()))?;
                Ok((k, plain))
            })
            .collect()
    }

    async fn write(&self, ops: Vec<Op>) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let sealed: Vec<WaOp> = ops
            .into_iter()
            .map(|op| match op {
                Op::Put(ns, key, value) => WaOp::Put {
                    ns: ns.into(),
                    value: self.sealer.seal_bytes(&self.context(ns, &key), &value),
                    key,
                },
                Op::Delete(ns, key) => WaOp::Delete { ns: ns.into(), key },
                Op::DeletePrefix(ns, prefix) => WaOp::DeletePrefix {
                    ns: ns.into(),
                    prefix,
                },
            })
            .collect();
        self.blocking(move |s, shop| s.wa_write(shop, &sealed))
            .await
    }

    /// Writes one value, sealed.
    pub async fn put(&self, ns: &'static str, key: &str, value: &[u8]) -> Result<()> {
        self.write(vec![Op::Put(ns, key.into(), value.to_vec())])
            .await
    }

    /// Deletes one value.
    pub async fn delete(&self, ns: &'static str, key: &str) -> Result<()> {
        self.write(vec![Op::Delete(ns, key.into())]).await
    }

    /// Forgets the session (keys, device, pending files), keeping the shop's request to
    /// link: what a new pairing starts from.
    pub async fn forget_session(&self) -> Result<()> {
        self.write(
            ns::SESSION_ALL
                .iter()
                .map(|n| Op::DeletePrefix(n, String::new()))
                .collect(),
        )
        .await
    }

    /// Whether a device is paired (has a number): a pairing code is asked only when not.
    pub async fn paired(&self) -> Result<bool> {
        Ok(self.load().await?.is_some_and(|d| d.pn.is_some()))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        ns: &'static str,
        key: &str,
    ) -> Result<Option<T>> {
        self.get(ns, key).await?.map(|v| unjson(&v)).transpose()
    }

    /// Sweeps a namespace of stamped values older than `cutoff`; how many went.
    async fn sweep(&self, ns: &'static str, cutoff: i64) -> Result<u32> {
        let mut gone = Vec::new();
        for (k, v) in self.scan(ns, "").await? {
            if unstamp(&v)?.0 < cutoff {
                gone.push(Op::Delete(ns, k));
            }
        }
        let n = gone.len() as u32;
        self.write(gone).await?;
        Ok(n)
    }
}

#[async_trait]
impl SignalStore for SessionStore {
    async fn put_identity(&self, address: &str, key: [u8; 32]) -> Result<()> {
        self.put(ns::IDENTITY, address, &key).await
    }

    async fn put_identities_batch(&self, identities: &[(Arc<str>, [u8; 32])]) -> Result<()> {
        self.write(
            identities
                .iter()
                .map(|(a, k)| Op::Put(ns::IDENTITY, a.to_string(), k.to_vec()))
                .collect(),
        )
        .await
    }

    async fn load_identity(&self, address: &str) -> Result<Option<[u8; 32]>> {
        match self.get(ns::IDENTITY, address).await? {
            None => Ok(None),
            Some(v) => Ok(Some(
                v.try_into()
                    .map_err(|_| bad("an identity key is not 32 bytes"))?,
            )),
        }
    }

    async fn delete_identity(&self, address: &str) -> Result<()> {
        self.delete(ns::IDENTITY, address).await
    }

    async fn get_session(&self, address: &str) -> Result<Option<Bytes>> {
        Ok(self.get(ns::SESSION, address).await?.map(Bytes::from))
    }

    async fn put_session(&self, address: &str, session: &[u8]) -> Result<()> {
        self.put(ns::SESSION, address, session).await
    }

    async fn put_sessions_batch(&self, sessions: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.write(
            sessions
                .iter()
                .map(|(a, s)| Op::Put(ns::SESSION, a.to_string(), s.to_vec()))
                .collect(),
        )
        .await
    }

    async fn delete_session(&self, address: &str) -> Result<()> {
        self.delete(ns::SESSION, address).await
    }

    async fn has_signal_state_for_user(&self, user: &str) -> Result<bool> {
        // Addresses are `user@server` or `user:device@server`.
        let ours = |k: &str| {
            k.strip_prefix(user)
                .is_some_and(|rest| rest.starts_with('@') || rest.starts_with(':'))
        };
        for space in [ns::SESSION, ns::IDENTITY] {
            if self.scan(space, user).await?.iter().any(|(k, _)| ours(k)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn store_prekey(&self, id: u32, record: &[u8], uploaded: bool) -> Result<()> {
        let _one = self.rmw.lock().await;
        self.write(vec![Op::Put(
            ns::PREKEY,
            id_key(id),
            [&[uploaded as u8][..], record].concat(),
        )])
        .await
    }

    async fn store_prekeys_batch(&self, keys: &[(u32, Bytes)], uploaded: bool) -> Result<()> {
        let _one = self.rmw.lock().await;
        self.write(
            keys.iter()
                .map(|(id, r)| {
                    Op::Put(ns::PREKEY, id_key(*id), [&[uploaded as u8][..], r].concat())
                })
                .collect(),
        )
        .await
    }

    async fn load_prekey(&self, id: u32) -> Result<Option<Bytes>> {
        match self.get(ns::PREKEY, &id_key(id)).await? {
            None => Ok(None),
            Some(v) if v.is_empty() => Err(bad("an empty prekey")),
            Some(v) => Ok(Some(Bytes::copy_from_slice(&v[1..]))),
        }
    }

    async fn mark_prekeys_uploaded(&self, ids: &[u32]) -> Result<()> {
        // Only rows still there: a key consumed meanwhile stays consumed.
        let _one = self.rmw.lock().await;
        let mut ops = Vec::new();
        for id in ids {
            if let Some(mut v) = self.get(ns::PREKEY, &id_key(*id)).await?
                && !v.is_empty()
            {
                v[0] = 1;
                ops.push(Op::Put(ns::PREKEY, id_key(*id), v));
            }
        }
        self.write(ops).await
    }

    async fn remove_prekey(&self, id: u32) -> Result<()> {
        // Not between mark_prekeys_uploaded's read and write (it would bring the key back).
        let _one = self.rmw.lock().await;
        self.delete(ns::PREKEY, &id_key(id)).await
    }

    async fn get_max_prekey_id(&self) -> Result<u32> {
        Ok(self
            .scan(ns::PREKEY, "")
            .await?
            .iter()
            .filter_map(|(k, _)| k.parse::<u32>().ok())
            .max()
            .unwrap_or(0))
    }

    async fn store_signed_prekey(&self, id: u32, record: &[u8]) -> Result<()> {
        self.put(ns::SIGNED_PREKEY, &id_key(id), record).await
    }

    async fn load_signed_prekey(&self, id: u32) -> Result<Option<Vec<u8>>> {
        self.get(ns::SIGNED_PREKEY, &id_key(id)).await
    }

    async fn load_all_signed_prekeys(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        self.scan(ns::SIGNED_PREKEY, "")
            .await?
            .into_iter()
            .map(|(k, v)| Ok((k.parse().map_err(|_| bad("a signed prekey id"))?, v)))
            .collect()
    }

    async fn remove_signed_prekey(&self, id: u32) -> Result<()> {
        self.delete(ns::SIGNED_PREKEY, &id_key(id)).await
    }

    async fn put_sender_key(&self, address: &str, record: &[u8]) -> Result<()> {
        self.put(ns::SENDER_KEY, address, record).await
    }

    async fn put_sender_keys_batch(&self, sender_keys: &[(Arc<str>, Bytes)]) -> Result<()> {
        self.write(
            sender_keys
                .iter()
                .map(|(a, r)| Op::Put(ns::SENDER_KEY, a.to_string(), r.to_vec()))
                .collect(),
        )
        .await
    }

    async fn get_sender_key(&self, address: &str) -> Result<Option<Vec<u8>>> {
        self.get(ns::SENDER_KEY, address).await
    }

    async fn delete_sender_key(&self, address: &str) -> Result<()> {
        self.delete(ns::SENDER_KEY, address).await
    }
}

#[async_trait]
impl AppSyncStore for SessionStore {
    async fn get_sync_key(&self, key_id: &[u8]) -> Result<Option<AppStateSyncKey>> {
        self.get_json(ns::SYNC_KEY, &hex::encode(key_id)).await
    }

    async fn set_sync_key(&self, key_id: &[u8], key: AppStateSyncKey) -> Result<()> {
        self.write(vec![
            Op::Put(ns::SYNC_KEY, hex::encode(key_id), json(&key)?),
            Op::Put(ns::SYNC_LATEST, String::new(), key_id.to_vec()),
        ])
        .await
    }

    async fn get_version(&self, name: &str) -> Result<HashState> {
        Ok(self.get_json(ns::VERSION, name).await?.unwrap_or_default())
    }

    async fn set_version(&self, name: &str, state: HashState) -> Result<()> {
        self.put(ns::VERSION, name, &json(&state)?).await
    }

    async fn put_mutation_macs(
        &self,
        name: &str,
        _version: u64,
        mutations: &[AppStateMutationMAC],
    ) -> Result<()> {
        self.write(
            mutations
                .iter()
                .map(|m| {
                    Op::Put(
                        ns::MUTATION_MAC,
                        key(&[name, &hex::encode(&m.index_mac)]),
                        m.value_mac.clone(),
                    )
                })
                .collect(),
        )
        .await
    }

    async fn get_mutation_mac(&self, name: &str, index_mac: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get(ns::MUTATION_MAC, &key(&[name, &hex::encode(index_mac)]))
            .await
    }

    async fn delete_mutation_macs(&self, name: &str, index_macs: &[Vec<u8>]) -> Result<()> {
        self.write(
            index_macs
                .iter()
                .map(|m| Op::Delete(ns::MUTATION_MAC, key(&[name, &hex::encode(m)])))
                .collect(),
        )
        .await
    }

    async fn clear_mutation_macs(&self, name: &str) -> Result<()> {
        self.write(vec![Op::DeletePrefix(ns::MUTATION_MAC, key(&[name]))])
            .await
    }

    async fn get_latest_sync_key_id(&self) -> Result<Option<Vec<u8>>> {
        self.get(ns::SYNC_LATEST, "").await
    }
}

#[async_trait]
impl ProtocolStore for SessionStore {
    async fn get_sender_key_devices(&self, group_jid: &str) -> Result<Vec<(String, bool)>> {
        let mut out = Vec::new();
        for (k, v) in self.scan(ns::SKD, &key(&[group_jid])).await? {
            let p = parts(&k).ok_or_else(|| bad("a sender-key device key"))?;
            if let [_, device] = p.as_slice() {
                out.push((device.to_string(), v.first() == Some(&1)));
            }
        }
        Ok(out)
    }

    async fn set_sender_key_status(&self, group_jid: &str, entries: &[(&str, bool)]) -> Result<()> {
        self.write(
            entries
                .iter()
                .map(|(d, has)| Op::Put(ns::SKD, key(&[group_jid, d]), vec![*has as u8]))
                .collect(),
        )
        .await
    }

    async fn clear_sender_key_devices(&self, group_jid: &str) -> Result<()> {
        self.write(vec![Op::DeletePrefix(ns::SKD, key(&[group_jid]))])
            .await
    }

    async fn delete_sender_key_device_rows(&self, device_jids: &[&str]) -> Result<()> {
        if device_jids.is_empty() {
            return Ok(());
        }
        let mut ops = Vec::new();
        for (k, _) in self.scan(ns::SKD, "").await? {
            if let Some([_, device]) = parts(&k).as_deref()
                && device_jids.contains(device)
            {
                ops.push(Op::Delete(ns::SKD, k.clone()));
            }
        }
        self.write(ops).await
    }

    async fn clear_all_sender_key_devices(&self) -> Result<()> {
        self.write(vec![Op::DeletePrefix(ns::SKD, String::new())])
            .await
    }

    async fn get_lid_mapping(&self, lid: &str) -> Result<Option<LidPnMappingEntry>> {
        self.get_json(ns::LID, lid).await
    }

    async fn get_pn_mapping(&self, phone: &str) -> Result<Option<LidPnMappingEntry>> {
        match self.get(ns::PN, phone).await? {
            None => Ok(None),
            Some(lid) => {
                let lid = String::from_utf8(lid).map_err(|_| bad("a LID is not text"))?;
                self.get_lid_mapping(&lid).await
            }
        }
    }

    async fn put_lid_mapping(&self, entry: &LidPnMappingEntry) -> Result<()> {
        self.put_lid_mappings(std::slice::from_ref(entry)).await
    }

    async fn put_lid_mappings(&self, entries: &[LidPnMappingEntry]) -> Result<()> {
        let _one = self.rmw.lock().await;
        let mut ops = Vec::new();
        for e in entries {
            // A LID that moved to another number leaves no stale reverse entry.
            if let Some(old) = self.get_lid_mapping(&e.lid).await?
                && old.phone_number != e.phone_number
            {
                ops.push(Op::Delete(ns::PN, old.phone_number));
            }
            ops.push(Op::Put(
                ns::PN,
                e.phone_number.clone(),
                e.lid.clone().into_bytes(),
            ));
            ops.push(Op::Put(ns::LID, e.lid.clone(), json(e)?));
        }
        self.write(ops).await
    }

    async fn get_all_lid_mappings(&self) -> Result<Vec<LidPnMappingEntry>> {
        self.scan(ns::LID, "")
            .await?
            .iter()
            .map(|(_, v)| unjson(v))
            .collect()
    }

    async fn save_base_key(&self, address: &str, message_id: &str, base_key: &[u8]) -> Result<()> {
        self.put(ns::BASE_KEY, &key(&[address, message_id]), base_key)
            .await
    }

    async fn has_same_base_key(
        &self,
        address: &str,
        message_id: &str,
        current_base_key: &[u8],
    ) -> Result<bool> {
        Ok(self
            .get(ns::BASE_KEY, &key(&[address, message_id]))
            .await?
            .is_some_and(|k| k == current_base_key))
    }

    async fn delete_base_key(&self, address: &str, message_id: &str) -> Result<()> {
        self.delete(ns::BASE_KEY, &key(&[address, message_id]))
            .await
    }

    async fn update_device_list(&self, record: DeviceListRecord) -> Result<()> {
        self.update_device_lists(vec![record]).await
    }

    async fn update_device_lists(&self, records: Vec<DeviceListRecord>) -> Result<()> {
        let mut ops = Vec::with_capacity(records.len());
        for r in &records {
            ops.push(Op::Put(ns::DEVICES, r.user.clone(), json(r)?));
        }
        self.write(ops).await
    }

    async fn get_devices(&self, user: &str) -> Result<Option<DeviceListRecord>> {
        self.get_json(ns::DEVICES, user).await
    }

    async fn delete_devices(&self, user: &str) -> Result<()> {
        self.delete(ns::DEVICES, user).await
    }

    async fn get_group_metadata(&self, group_jid: &str) -> Result<Option<Vec<u8>>> {
        self.get(ns::GROUP, group_jid).await
    }

    async fn put_group_metadata(&self, group_jid: &str, blob: &[u8]) -> Result<()> {
        self.put(ns::GROUP, group_jid, blob).await
    }

    async fn delete_group_metadata(&self, group_jid: &str) -> Result<()> {
        self.delete(ns::GROUP, group_jid).await
    }

    async fn get_tc_token(&self, jid: &str) -> Result<Option<TcTokenEntry>> {
        self.get_json(ns::TC, jid).await
    }

    async fn put_tc_token(&self, jid: &str, entry: &TcTokenEntry) -> Result<()> {
        let _one = self.rmw.lock().await;
        self.put(ns::TC, jid, &json(entry)?).await
    }

    async fn delete_tc_token(&self, jid: &str) -> Result<()> {
        self.delete(ns::TC, jid).await
    }

    async fn get_all_tc_token_jids(&self) -> Result<Vec<String>> {
        Ok(self
            .scan(ns::TC, "")
            .await?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    async fn delete_expired_tc_tokens(&self, token_cutoff: i64, sender_cutoff: i64) -> Result<u32> {
        let _one = self.rmw.lock().await;
        let mut gone = Vec::new();
        for (k, v) in self.scan(ns::TC, "").await? {
            let e: TcTokenEntry = unjson(&v)?;
            let token_live = !e.token.is_empty() && e.token_timestamp >= token_cutoff;
            let sender_live = e.sender_timestamp.is_some_and(|t| t >= sender_cutoff);
            if !token_live && !sender_live {
                gone.push(Op::Delete(ns::TC, k));
            }
        }
        let n = gone.len() as u32;
        self.write(gone).await?;
        Ok(n)
    }

    async fn touch_tc_token_sender_timestamp(
        &self,
        jid: &str,
        sender_timestamp: i64,
    ) -> Result<()> {
        let _one = self.rmw.lock().await;
        let entry = match self.get_tc_token(jid).await? {
            Some(e) => TcTokenEntry {
                sender_timestamp: Some(
                    e.sender_timestamp
                        .map_or(sender_timestamp, |s| s.max(sender_timestamp)),
                ),
                ..e
            },
            None => TcTokenEntry {
                token: Vec::new(),
                token_timestamp: sender_timestamp,
                sender_timestamp: Some(sender_timestamp),
            },
        };
        self.put(ns::TC, jid, &json(&entry)?).await
    }

    async fn store_received_tc_token(
        &self,
        jid: &str,
        token: &[u8],
        token_timestamp: i64,
    ) -> Result<()> {
        let _one = self.rmw.lock().await;
        let existing = self.get_tc_token(jid).await?;
        if let Some(e) = &existing
            && !e.token.is_empty()
            && token_timestamp < e.token_timestamp
        {
            return Ok(());
        }
        let entry = TcTokenEntry {
            token: token.to_vec(),
            token_timestamp,
            sender_timestamp: existing.and_then(|e| e.sender_timestamp),
        };
        self.put(ns::TC, jid, &json(&entry)?).await
    }

    async fn store_sent_message(
        &self,
        chat_jid: &str,
        message_id: &str,
        payload: &[u8],
    ) -> Result<()> {
        self.put(
            ns::SENT,
            &key(&[chat_jid, message_id]),
            &stamped(now_secs(), payload),
        )
        .await
    }

    async fn take_sent_message(&self, chat_jid: &str, message_id: &str) -> Result<Option<Vec<u8>>> {
        let _one = self.rmw.lock().await;
        let k = key(&[chat_jid, message_id]);
        let Some(v) = self.get(ns::SENT, &k).await? else {
            return Ok(None);
        };
        self.delete(ns::SENT, &k).await?;
        Ok(Some(unstamp(&v)?.1.to_vec()))
    }

    async fn delete_expired_sent_messages(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.sweep(ns::SENT, cutoff_timestamp).await
    }

    async fn store_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
        message: &[u8],
    ) -> Result<()> {
        self.put(
            ns::PENDING,
            &key(&[chat, sender, id]),
            &stamped(now_secs(), message),
        )
        .await
    }

    async fn store_pending_inbound_batch(&self, rows: &[PendingInboundRow<'_>]) -> Result<()> {
        let at = now_secs();
        self.write(
            rows.iter()
                .map(|r| {
                    Op::Put(
                        ns::PENDING,
                        key(&[r.chat, r.sender, r.id]),
                        stamped(at, r.message),
                    )
                })
                .collect(),
        )
        .await
    }

    async fn get_pending_inbound(
        &self,
        chat: &str,
        sender: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        match self.get(ns::PENDING, &key(&[chat, sender, id])).await? {
            None => Ok(None),
            Some(v) => Ok(Some(unstamp(&v)?.1.to_vec())),
        }
    }

    async fn delete_pending_inbound(&self, chat: &str, sender: &str, id: &str) -> Result<()> {
        self.delete(ns::PENDING, &key(&[chat, sender, id])).await
    }

    async fn delete_pending_inbound_batch(&self, keys: &[PendingInboundKey<'_>]) -> Result<()> {
        self.write(
            keys.iter()
                .map(|k| Op::Delete(ns::PENDING, key(&[k.chat, k.sender, k.id])))
                .collect(),
        )
        .await
    }

    async fn delete_expired_pending_inbound(&self, cutoff_timestamp: i64) -> Result<u32> {
        self.sweep(ns::PENDING, cutoff_timestamp).await
    }
}

/// A message secret as kept: the secret, its deadline, the parent message's time.
#[derive(serde::Serialize, serde::Deserialize)]
struct SecretRow {
    secret: Vec<u8>,
    expires_at: i64,
    message_ts: i64,
}

#[async_trait]
impl MsgSecretStore for SessionStore {
    async fn put_msg_secrets(&self, entries: Vec<MsgSecretEntry>) -> Result<usize> {
        let _one = self.rmw.lock().await;
        let n = entries.len();
        let mut ops = Vec::with_capacity(n);
        for e in entries {
            let k = key(&[&e.chat, &e.sender, &e.msg_id]);
            let mut row = SecretRow {
                secret: e.secret.to_vec(),
                expires_at: e.expires_at,
                message_ts: e.message_ts,
            };
            if let Some(old) = self.get_json::<SecretRow>(ns::MSG_SECRET, &k).await? {
                row.expires_at = merge_msg_secret_expiry(old.expires_at, row.expires_at);
                row.message_ts = merge_msg_secret_message_ts(old.message_ts, row.message_ts);
            }
            ops.push(Op::Put(ns::MSG_SECRET, k, json(&row)?));
        }
        self.write(ops).await?;
        Ok(n)
    }

    async fn get_msg_secret(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .get_msg_secret_with_ts(chat, sender, msg_id)
            .await?
            .map(|(s, _)| s))
    }

    async fn get_msg_secret_with_ts(
        &self,
        chat: &str,
        sender: &str,
        msg_id: &str,
    ) -> Result<Option<(Vec<u8>, i64)>> {
        Ok(self
            .get_json::<SecretRow>(ns::MSG_SECRET, &key(&[chat, sender, msg_id]))
            .await?
            .map(|r| (r.secret, r.message_ts)))
    }

    async fn delete_expired_msg_secrets(&self, cutoff_timestamp: i64) -> Result<u32> {
        let _one = self.rmw.lock().await;
        let mut gone = Vec::new();
        for (k, v) in self.scan(ns::MSG_SECRET, "").await? {
            let r: SecretRow = unjson(&v)?;
            if r.expires_at != 0 && r.expires_at <= cutoff_timestamp {
                gone.push(Op::Delete(ns::MSG_SECRET, k));
            }
        }
        let n = gone.len() as u32;
        self.write(gone).await?;
        Ok(n)
    }
}

#[async_trait]
impl DeviceStore for SessionStore {
    async fn save(&self, device: &Device) -> Result<()> {
        self.put(ns::DEVICE, "", &json(device)?).await
    }

    async fn load(&self) -> Result<Option<Device>> {
        self.get_json(ns::DEVICE, "").await
    }

    async fn exists(&self) -> Result<bool> {
        Ok(self.get(ns::DEVICE, "").await?.is_some())
    }

    async fn create(&self) -> Result<i32> {
        // One device per shop: made once, kept until the shop unlinks.
        let _one = self.rmw.lock().await;
        if !self.exists().await? {
            self.save(&Device::new()).await?;
        }
        Ok(1)
    }

    async fn resource_report(&self) -> whatsapp_rust::wacore::stats::StorageResourceReport {
        // The session lives in the store, not in this process.
        whatsapp_rust::wacore::stats::StorageResourceReport {
            memory_bytes: Some(0),
            ..Default::default()
        }
    }
}
