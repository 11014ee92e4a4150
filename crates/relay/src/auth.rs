//! Pairing codes and device tokens: random, shown once, stored only as SHA-256 hashes, and
//! compared in constant time.

use sha2::{Digest, Sha256};

/// Crockford's base32 without I, L, O, U: easy to read aloud and to type.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b
}

/// A one-time pairing code: 12 characters (60 bits), shown as "ABCD-EFGH-JKMN".
pub fn new_code() -> String {
    let raw: String = random::<12>()
        .iter()
        .map(|b| ALPHABET[(*b as usize) % 32] as char)
        .collect();
    format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
}

/// A code as typed ("abcd efgh-jkmn", "0" for "O") in the form it was made.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect::<String>()
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A device token: 32 random bytes, hex.
pub fn new_token() -> String {
    hex::encode(random::<32>())
}

/// How codes and tokens are stored.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two secrets.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use hmac::Mac;
    // Compare MACs of both under a fixed key: equal length and constant time regardless of
    // where the inputs differ.
    let mac = |x: &[u8]| {
        let mut m = hmac::Hmac::<Sha256>::new_from_slice(b"pasar-relay-compare").expect("any key");
        m.update(x);
        m.finalize().into_bytes()
    };
    let (x, y) = (mac(a), mac(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_typed() {
        let c = new_code();
        assert_eq!(c.len(), 14);
        assert_eq!(normalise_code(&c.to_lowercase().replace('-', " ")), c);
        assert_eq!(normalise_code("abcd-efgh-jkmo"), "ABCD-EFGH-JKM0");
        assert_ne!(new_code(), new_code());
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(hash(&t), t);
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"abcd"));
    }
}
