//! Secrets at rest: what the relay keeps for a shop that would let someone act as the shop (its
//! own Midtrans server key; a linked WhatsApp session) is sealed with the relay's key
//! (`RELAY_SECRET_KEY`: 32 random bytes, 64 hex digits, the same on every instance; never in
//! the database) before it reaches the store. A stolen database file or dump alone gives none
//! of them.
//!
//! ChaCha20-Poly1305 (ring, already linked for TLS) with a random 96-bit nonce per value; the
//! value's place (e.g. `midtrans_key:shop:7`) is authenticated with it, so a sealed value
//! copied to another shop's row does not open. Stored as `sealed:v1:` + (nonce ‖
//! ciphertext ‖ tag) in hex.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

const PREFIX: &str = "sealed:v1:";

/// The relay's sealing key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// RELAY_SECRET_KEY is not set, so nothing sealed can be read or written.
    NoKey,
    /// Not sealed with this key, or not for this place, or damaged.
    Unopenable,
    /// Kept as written although RELAY_SECRET_KEY is set: not written by this relay (the
    /// relay seals what older versions kept as written when it starts).
    Unsealed,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::NoKey => f.write_str(
                "RELAY_SECRET_KEY is not set: secrets are kept only encrypted (make one with `pasar-relay secret-key`, the same on every instance)",
            ),
            SealError::Unopenable => f.write_str(
                "a secret does not open with this RELAY_SECRET_KEY (another key, or damaged)",
            ),
            SealError::Unsealed => f.write_str(
                "a secret is stored unencrypted although RELAY_SECRET_KEY is set; set it again (`pasar-relay shop set`)",
            ),
        }
    }
}

impl Sealer {
    /// From RELAY_SECRET_KEY's text: 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Sealer, String> {
        let bytes = hex::decode(text.trim())
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or("RELAY_SECRET_KEY must be 64 hex digits (32 random bytes; `pasar-relay secret-key` makes one)")?;
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err("RELAY_SECRET_KEY is not random (every byte the same)".into());
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .map_err(|_| "RELAY_SECRET_KEY is not a usable key".to_string())?;
        Ok(Sealer {
            key: LessSafeKey::new(key),
        })
    }

    /// A new random key, as RELAY_SECRET_KEY's text.
    pub fn new_key_hex() -> String {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).expect("the system's random source");
        hex::encode(b)
    }

    /// Seals `plain` for the place `context`, as text (`sealed:v1:` + hex).
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        format!("{PREFIX}{}", hex::encode(self.seal_bytes(context, plain)))
    }

    /// Opens a value `seal` made for `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let body = sealed.strip_prefix(PREFIX).ok_or(SealError::Unopenable)?;
        let all = hex::decode(body).map_err(|_| SealError::Unopenable)?;
        self.open_bytes(context, &all)
    }

    /// Seals `plain` for the place `context`, as bytes (nonce ‖ ciphertext ‖ tag): for
    /// values kept in binary columns (a linked-device session).
    pub fn seal_bytes(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the system's random source");
        let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + CHACHA20_POLY1305.tag_len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let mut body = out.split_off(NONCE_LEN);
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut body,
            )
            .expect("ChaCha20-Poly1305 seals any length the relay keeps");
        out.extend_from_slice(&body);
        out
    }

    /// Opens a value `seal_bytes` made for `context`.
    pub fn open_bytes(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + CHACHA20_POLY1305.tag_len() {
            return Err(SealError::Unopenable);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[..NONCE_LEN]);
        let mut body = sealed[NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut body,
            )
            .map_err(|_| SealError::Unopenable)?;
        Ok(plain.to_vec())
    }
}

/// Whether a stored value is sealed (older relays kept a shop's Midtrans key as written).
pub fn is_sealed(v: &str) -> bool {
    v.starts_with(PREFIX)
}

/// Reads a stored secret: opened when sealed; kept as written (by an older relay) only while
/// no RELAY_SECRET_KEY is set — with one, such a value was not written by the relay (someone
/// with write access to the database alone could otherwise swap in their own Midtrans key).
pub fn read(sealer: Option<&Sealer>, context: &str, stored: &str) -> Result<String, SealError> {
    if !is_sealed(stored) {
        return match sealer {
            None => Ok(stored.to_string()),
            Some(_) => Err(SealError::Unsealed),
        };
    }
    let plain = sealer.ok_or(SealError::NoKey)?.open(context, stored)?;
    String::from_utf8(plain).map_err(|_| SealError::Unopenable)
}

/// The place of a shop's Midtrans key.
pub fn midtrans_context(shop: i64) -> String {
    format!("midtrans_key:shop:{shop}")
}

/// Before serving: every shop's sealed Midtrans key opens with `sealer` (else the relay would
/// refuse that shop's payments one by one), and keys an older relay kept as written are sealed
/// now. Returns how many were sealed.
pub fn check_and_seal(
    store: &dyn crate::store::Store,
    sealer: Option<&Sealer>,
) -> Result<usize, String> {
    let mut sealed = 0;
    for shop in store.shops().map_err(|e| e.to_string())? {
        let Some(stored) = store.midtrans_key(shop.id).map_err(|e| e.to_string())? else {
            continue;
        };
        let context = midtrans_context(shop.id);
        match (sealer, is_sealed(&stored)) {
            (Some(k), true) => {
                k.open(&context, &stored)
                    .map_err(|e| format!("shop {}'s Midtrans key: {e}", shop.id))?;
            }
            (None, true) => {
                return Err(format!(
                    "shop {}'s Midtrans key: {}",
                    shop.id,
                    SealError::NoKey
                ));
            }
            (Some(k), false) => {
                store
                    .set_midtrans_key(shop.id, &k.seal(&context, stored.as_bytes()))
                    .map_err(|e| e.to_string())?;
                sealed += 1;
            }
            (None, false) => tracing::warn!(
                shop = shop.id,
                "a shop's Midtrans key is stored unencrypted: set RELAY_SECRET_KEY"
            ),
        }
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_in_its_place() {
        let s = Sealer::from_hex(&Sealer::new_key_hex()).unwrap();
        let sealed = s.seal(&midtrans_context(7), b"SB-Mid-server-abc");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("SB-Mid"), "{sealed}");
        assert_eq!(
            read(Some(&s), &midtrans_context(7), &sealed).unwrap(),
            "SB-Mid-server-abc"
        );
        // Sealed twice: two different texts (a fresh nonce each time).
        assert_ne!(sealed, s.seal(&midtrans_context(7), b"SB-Mid-server-abc"));
        // Another shop's row, another key, no key, a damaged value: nothing.
        assert_eq!(
            read(Some(&s), &midtrans_context(8), &sealed),
            Err(SealError::Unopenable)
        );
        let other = Sealer::from_hex(&Sealer::new_key_hex()).unwrap();
        assert_eq!(
            read(Some(&other), &midtrans_context(7), &sealed),
            Err(SealError::Unopenable)
        );
        assert_eq!(
            read(None, &midtrans_context(7), &sealed),
            Err(SealError::NoKey)
        );
        let mut damaged = sealed.clone();
        // Another hex digit (not another case of the same one, which is the same byte).
        damaged.replace_range(20..21, if &sealed[20..21] == "0" { "1" } else { "0" });
        assert_eq!(
            read(Some(&s), &midtrans_context(7), &damaged),
            Err(SealError::Unopenable)
        );
        assert_eq!(
            read(Some(&s), &midtrans_context(7), "sealed:v1:%%"),
            Err(SealError::Unopenable)
        );
        // A value an older relay kept as written reads as it is while no key is set; with a
        // key it is refused (the relay seals such values when it starts).
        assert_eq!(
            read(None, &midtrans_context(7), "SB-Mid-plain").unwrap(),
            "SB-Mid-plain"
        );
        assert_eq!(
            read(Some(&s), &midtrans_context(7), "SB-Mid-plain"),
            Err(SealError::Unsealed)
        );
    }

    #[test]
    fn the_key_is_64_random_hex_digits() {
        assert!(Sealer::from_hex("abc").is_err());
        assert!(Sealer::from_hex(&"00".repeat(32)).is_err());
        assert!(Sealer::from_hex(&"zz".repeat(32)).is_err());
        let k = Sealer::new_key_hex();
        assert_eq!(k.len(), 64);
        assert!(Sealer::from_hex(&format!("  {k}\n")).is_ok());
    }
}
