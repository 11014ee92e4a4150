//! Short replies in a conversation: the answer to a question the shop's agent asked ("yang 5
//! kg", "13rb", "iya", "batal", "tambah 2 lagi", "yang pulen") and the request to take back
//! what was just booked ("batal yang tadi", "undo"). Read with the same tokens, numbers and
//! units as whole messages.

use crate::{lexicon, number, tokens};
use rust_decimal::Decimal;
use serde::Serialize;

/// What a short reply says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Answer {
    /// "iya", "ok", "betul", "nggih", "muhun": go ahead.
    pub yes: bool,
    /// "batal", "tidak", "gak jadi", "ora sido", "teu jadi": do not.
    pub no: bool,
    /// "batal yang tadi", "undo", "hapus yang terakhir": take back what was just booked.
    pub undo: bool,
    /// "tambah 2 lagi": more of the same.
    pub more: bool,
    /// A quantity, when the reply names one ("5 kg", "setengah kilo", "3").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// An amount of money ("13rb", "Rp 60.000").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub money: Option<Decimal>,
    /// The money is a total ("totalnya 60rb", "semua 60rb"), not a price per unit.
    pub total: bool,
    /// The words left once numbers, units and filler are gone ("pulen", "bu sri").
    pub words: String,
}

fn yes_word(w: &str) -> bool {
    matches!(
        w,
        "iya"
            | "ya"
            | "y"
            | "yes"
            | "yup"
            | "ok"
            | "oke"
            | "okay"
            | "okey"
            | "sip"
            | "siap"
            | "betul"
            | "benar"
            | "bener"
            | "lanjut"
            | "lanjutkan"
            | "gas"
            | "yoi"
            | "nggih"
            | "inggih"
            | "enggih"
            | "iyo"
            | "iyoh"
            | "hooh"
            | "he'eh"
            | "heeh"
            | "muhun"
            | "leres"
            | "mangga"
            | "catat"
            | "catet"
            | "simpan"
            | "setuju"
            | "boleh"
            | "bisa"
            | "jadi"
            | "sido"
            | "tulis"
            | "✅"
            | "👍"
    )
}

fn no_word(w: &str) -> bool {
    matches!(
        w,
        "batal"
            | "batalkan"
            | "batalin"
            | "tidak"
            | "tdk"
            | "gak"
            | "ga"
            | "nggak"
            | "ngga"
            | "enggak"
            | "engga"
            | "gk"
            | "g"
            | "no"
            | "jangan"
            | "cancel"
            | "ora"
            | "mboten"
            | "boten"
            | "henteu"
            | "teu"
            | "ulah"
            | "gajadi"
            | "stop"
            | "salah"
            | "hapus"
            | "undo"
            | "ndak"
            | "nda"
    )
}

fn earlier_word(w: &str) -> bool {
    matches!(
        w,
        "tadi" | "terakhir" | "barusan" | "sebelumnya" | "wau" | "kala" | "last" | "td" | "nembe"
    )
}

fn more_word(w: &str) -> bool {
    matches!(w, "lagi" | "maneh" | "meneh" | "deui" | "more")
}

/// Reads a short reply.
pub fn answer(text: &str) -> Answer {
    let owned = tokens(text);
    let toks: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut a = Answer::default();
    let no = toks.iter().any(|w| no_word(w));
    let earlier = toks.iter().any(|w| earlier_word(w));
    a.undo = (no && earlier) || toks.contains(&"undo");
    a.no = no && !a.undo;
    a.yes = !no && toks.iter().any(|w| yes_word(w));
    a.more = toks.iter().any(|w| more_word(w))
        || toks
            .first()
            .is_some_and(|w| matches!(*w, "tambah" | "tambahin" | "nambah" | "tambih"));
    a.total = toks.iter().any(|w| lexicon::total_marker(w));
    let mut rest = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let w = toks[i];
        if let Some((unit, qty)) = lexicon::one_of(w) {
            a.quantity.get_or_insert(qty);
            a.unit.get_or_insert_with(|| unit.to_string());
            i += 1;
            continue;
        }
        if let Some(n) = number::read(&toks[i..]) {
            let after = toks.get(i + n.len).copied();
            match after.and_then(lexicon::unit) {
                Some((unit, factor)) => {
                    a.quantity.get_or_insert(n.value * factor);
                    a.unit.get_or_insert_with(|| unit.to_string());
                    i += n.len + 1;
                }
                None => {
                    if n.money || n.value >= Decimal::from(1000) {
                        a.money.get_or_insert(n.value);
                    } else {
                        a.quantity.get_or_insert(n.value);
                    }
                    i += n.len;
                }
            }
            continue;
        }
        if let Some((unit, _)) = lexicon::unit(w) {
            a.unit.get_or_insert_with(|| unit.to_string());
            i += 1;
            continue;
        }
        let skip = yes_word(w)
            || no_word(w)
            || earlier_word(w)
            || more_word(w)
            || lexicon::filler(w)
            || lexicon::total_marker(w)
            || lexicon::per_unit_marker(w)
            || lexicon::price_word(w)
            || matches!(
                w,
                "yang"
                    | "yg"
                    | "itu"
                    | "aja"
                    | "saja"
                    | "wae"
                    | "tambah"
                    | "jadi"
                    | "harganya"
                    | "harga"
                    | "dong"
                    | "deh"
                    | "kok"
                    | "kak"
                    | "mas"
                    | "mbak"
                    | "@"
                    | ","
                    | "."
                    | "!"
                    | "?"
                    | "nu"
                    | "sing"
                    | "seng"
                    | "sih"
            );
        if !skip && w.chars().any(char::is_alphanumeric) {
            rest.push(w);
        }
        i += 1;
    }
    a.words = rest.join(" ");
    a
}

#[cfg(test)]
mod tests {
    use super::answer;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn reads_short_replies() {
        assert!(answer("iya").yes);
        assert!(answer("Ya, catat").yes);
        assert!(answer("muhun").yes);
        assert!(answer("batal").no);
        assert!(answer("gak jadi").no);
        assert!(!answer("gak jadi").yes);
        assert!(answer("batal yang tadi").undo);
        assert!(answer("hapus yg terakhir").undo);
        assert!(!answer("batal yang tadi").no);
        // Javanese "mau" (earlier) is Indonesian "want": "gak mau" refuses, it undoes nothing.
        assert!(!answer("gak mau").undo);
        assert!(answer("gak mau").no);
        let a = answer("yang 5 kg");
        assert_eq!((a.quantity, a.unit.as_deref()), (Some(d("5")), Some("kg")));
        let a = answer("harganya 13rb");
        assert_eq!((a.money, a.quantity), (Some(d("13000")), None));
        let a = answer("tambah 2 lagi");
        assert!(a.more);
        assert_eq!(a.quantity, Some(d("2")));
        let a = answer("yang pulen");
        assert_eq!(a.words, "pulen");
        let a = answer("setengah kilo");
        assert_eq!(
            (a.quantity, a.unit.as_deref()),
            (Some(d("0.5")), Some("kg"))
        );
        let a = answer("totalnya 60rb");
        assert!(a.total);
        assert_eq!(a.money, Some(d("60000")));
    }
}
