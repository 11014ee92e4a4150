//! Text for printers that only know one byte per character. A receipt printer is told to use
//! Windows-1252 (ESC t 16), which covers the accents of names like "José" and "Müller";
//! anything outside it — or everything outside ASCII, for printers set to `ascii` — is
//! spelled in plain letters ("Łódź" → "Lodz", "—" → "-", "€" → "EUR"), never sent as bytes
//! the printer would show as garbage. Characters with no spelling (emoji, CJK) become "?".

/// What the printer is told to expect for bytes above 0x7F.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codepage {
    /// Windows-1252 (ESC t 16 on Epson and compatible printers).
    Cp1252,
    /// Plain ASCII: everything else is transliterated.
    Ascii,
}

impl Codepage {
    pub fn parse(s: &str) -> Codepage {
        if s.eq_ignore_ascii_case("ascii") {
            Codepage::Ascii
        } else {
            Codepage::Cp1252
        }
    }
}

/// Windows-1252 byte of a character, if it has one (ASCII excluded).
pub fn cp1252(c: char) -> Option<u8> {
    let u = c as u32;
    if (0xA0..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    let b = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(b)
}

/// A plain-ASCII spelling of a character ("é" → "e", "ß" → "ss"); None when there is none.
pub fn ascii_of(c: char) -> Option<&'static str> {
    TABLE
        .binary_search_by_key(&c, |(k, _)| *k)
        .ok()
        .map(|i| TABLE[i].1)
}

/// Text as printable ASCII: control characters dropped, the rest transliterated or "?".
pub fn to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            if !c.is_ascii_control() {
                out.push(c);
            }
        } else if let Some(a) = ascii_of(c) {
            out.push_str(a);
        } else if !is_invisible(c) {
            out.push('?');
        }
    }
    out
}

/// Text as the printer's bytes in `cp`.
pub fn encode(s: &str, cp: Codepage) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            if !c.is_ascii_control() {
                out.push(c as u8);
            }
            continue;
        }
        if cp == Codepage::Cp1252
            && let Some(b) = cp1252(c)
        {
            out.push(b);
            continue;
        }
        match ascii_of(c) {
            Some(a) => out.extend_from_slice(a.as_bytes()),
            None if is_invisible(c) => {}
            None => out.push(b'?'),
        }
    }
    out
}

/// Marks that print as nothing (combining accents, zero-width and direction marks).
fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFE00..=0xFE0F | 0xFEFF)
}

/// Sorted by character; generated from Unicode decompositions (NFKD without marks) for
/// Latin-1, Latin Extended-A/B, plus hand spellings of ligatures, quotes, dashes and signs.
static TABLE: &[(char, &str)] = &[
    ('\u{00A0}', " "),
    ('\u{00A1}', "!"),
    ('\u{00A2}', "c"),
    ('\u{00A3}', "GBP"),
    ('\u{00A4}', ""),
    ('\u{00A5}', "JPY"),
    ('\u{00A6}', "|"),
    ('\u{00A7}', "S"),
    ('\u{00A8}', "\""),
    ('\u{00A9}', "(c)"),
    ('\u{00AA}', "a"),
    ('\u{00AB}', "<<"),
    ('\u{00AC}', "-"),
    ('\u{00AD}', "-"),
    ('\u{00AE}', "(R)"),
    ('\u{00AF}', "-"),
    ('\u{00B0}', "o"),
    ('\u{00B1}', "+/-"),
    ('\u{00B2}', "2"),
    ('\u{00B3}', "3"),
    ('\u{00B4}', "'"),
    ('\u{00B5}', "u"),
    ('\u{00B6}', "P"),
    ('\u{00B7}', "."),
    ('\u{00B8}', ","),
    ('\u{00B9}', "1"),
    ('\u{00BA}', "o"),
    ('\u{00BB}', ">>"),
    ('\u{00BC}', "1/4"),
    ('\u{00BD}', "1/2"),
    ('\u{00BE}', "3/4"),
    ('\u{00BF}', "?"),
    ('\u{00C0}', "A"),
    ('\u{00C1}', "A"),
    ('\u{00C2}', "A"),
    ('\u{00C3}', "A"),
    ('\u{00C4}', "A"),
    ('\u{00C5}', "A"),
    ('\u{00C6}', "AE"),
    ('\u{00C7}', "C"),
    ('\u{00C8}', "E"),
    ('\u{00C9}', "E"),
    ('\u{00CA}', "E"),
    ('\u{00CB}', "E"),
    ('\u{00CC}', "I"),
    ('\u{00CD}', "I"),
    ('\u{00CE}', "I"),
    ('\u{00CF}', "I"),
    ('\u{00D0}', "D"),
    ('\u{00D1}', "N"),
    ('\u{00D2}', "O"),
    ('\u{00D3}', "O"),
    ('\u{00D4}', "O"),
    ('\u{00D5}', "O"),
    ('\u{00D6}', "O"),
    ('\u{00D7}', "x"),
    ('\u{00D8}', "O"),
    ('\u{00D9}', "U"),
    ('\u{00DA}', "U"),
    ('\u{00DB}', "U"),
    ('\u{00DC}', "U"),
    ('\u{00DD}', "Y"),
    ('\u{00DE}', "Th"),
    ('\u{00DF}', "ss"),
    ('\u{00E0}', "a"),
    ('\u{00E1}', "a"),
    ('\u{00E2}', "a"),
    ('\u{00E3}', "a"),
    ('\u{00E4}', "a"),
    ('\u{00E5}', "a"),
    ('\u{00E6}', "ae"),
    ('\u{00E7}', "c"),
    ('\u{00E8}', "e"),
    ('\u{00E9}', "e"),
    ('\u{00EA}', "e"),
    ('\u{00EB}', "e"),
    ('\u{00EC}', "i"),
    ('\u{00ED}', "i"),
    ('\u{00EE}', "i"),
    ('\u{00EF}', "i"),
    ('\u{00F0}', "d"),
    ('\u{00F1}', "n"),
    ('\u{00F2}', "o"),
    ('\u{00F3}', "o"),
    ('\u{00F4}', "o"),
    ('\u{00F5}', "o"),
    ('\u{00F6}', "o"),
    ('\u{00F7}', "/"),
    ('\u{00F8}', "o"),
    ('\u{00F9}', "u"),
    ('\u{00FA}', "u"),
    ('\u{00FB}', "u"),
    ('\u{00FC}', "u"),
    ('\u{00FD}', "y"),
    ('\u{00FE}', "th"),
    ('\u{00FF}', "y"),
    ('\u{0100}', "A"),
    ('\u{0101}', "a"),
    ('\u{0102}', "A"),
    ('\u{0103}', "a"),
    ('\u{0104}', "A"),
    ('\u{0105}', "a"),
    ('\u{0106}', "C"),
    ('\u{0107}', "c"),
    ('\u{0108}', "C"),
    ('\u{0109}', "c"),
    ('\u{010A}', "C"),
    ('\u{010B}', "c"),
    ('\u{010C}', "C"),
    ('\u{010D}', "c"),
    ('\u{010E}', "D"),
    ('\u{010F}', "d"),
    ('\u{0110}', "D"),
    ('\u{0111}', "d"),
    ('\u{0112}', "E"),
    ('\u{0113}', "e"),
    ('\u{0114}', "E"),
    ('\u{0115}', "e"),
    ('\u{0116}', "E"),
    ('\u{0117}', "e"),
    ('\u{0118}', "E"),
    ('\u{0119}', "e"),
    ('\u{011A}', "E"),
    ('\u{011B}', "e"),
    ('\u{011C}', "G"),
    ('\u{011D}', "g"),
    ('\u{011E}', "G"),
    ('\u{011F}', "g"),
    ('\u{0120}', "G"),
    ('\u{0121}', "g"),
    ('\u{0122}', "G"),
    ('\u{0123}', "g"),
    ('\u{0124}', "H"),
    ('\u{0125}', "h"),
    ('\u{0126}', "H"),
    ('\u{0127}', "h"),
    ('\u{0128}', "I"),
    ('\u{0129}', "i"),
    ('\u{012A}', "I"),
    ('\u{012B}', "i"),
    ('\u{012C}', "I"),
    ('\u{012D}', "i"),
    ('\u{012E}', "I"),
    ('\u{012F}', "i"),
    ('\u{0130}', "I"),
    ('\u{0131}', "i"),
    ('\u{0132}', "IJ"),
    ('\u{0133}', "ij"),
    ('\u{0134}', "J"),
    ('\u{0135}', "j"),
    ('\u{0136}', "K"),
    ('\u{0137}', "k"),
    ('\u{0138}', "k"),
    ('\u{0139}', "L"),
    ('\u{013A}', "l"),
    ('\u{013B}', "L"),
    ('\u{013C}', "l"),
    ('\u{013D}', "L"),
    ('\u{013E}', "l"),
    ('\u{013F}', "L"),
    ('\u{0140}', "l"),
    ('\u{0141}', "L"),
    ('\u{0142}', "l"),
    ('\u{0143}', "N"),
    ('\u{0144}', "n"),
    ('\u{0145}', "N"),
    ('\u{0146}', "n"),
    ('\u{0147}', "N"),
    ('\u{0148}', "n"),
    ('\u{0149}', "'n"),
    ('\u{014A}', "N"),
    ('\u{014B}', "n"),
    ('\u{014C}', "O"),
    ('\u{014D}', "o"),
    ('\u{014E}', "O"),
    ('\u{014F}', "o"),
    ('\u{0150}', "O"),
    ('\u{0151}', "o"),
    ('\u{0152}', "OE"),
    ('\u{0153}', "oe"),
    ('\u{0154}', "R"),
    ('\u{0155}', "r"),
    ('\u{0156}', "R"),
    ('\u{0157}', "r"),
    ('\u{0158}', "R"),
    ('\u{0159}', "r"),
    ('\u{015A}', "S"),
    ('\u{015B}', "s"),
    ('\u{015C}', "S"),
    ('\u{015D}', "s"),
    ('\u{015E}', "S"),
    ('\u{015F}', "s"),
    ('\u{0160}', "S"),
    ('\u{0161}', "s"),
    ('\u{0162}', "T"),
    ('\u{0163}', "t"),
    ('\u{0164}', "T"),
    ('\u{0165}', "t"),
    ('\u{0166}', "T"),
    ('\u{0167}', "t"),
    ('\u{0168}', "U"),
    ('\u{0169}', "u"),
    ('\u{016A}', "U"),
    ('\u{016B}', "u"),
    ('\u{016C}', "U"),
    ('\u{016D}', "u"),
    ('\u{016E}', "U"),
    ('\u{016F}', "u"),
    ('\u{0170}', "U"),
    ('\u{0171}', "u"),
    ('\u{0172}', "U"),
    ('\u{0173}', "u"),
    ('\u{0174}', "W"),
    ('\u{0175}', "w"),
    ('\u{0176}', "Y"),
    ('\u{0177}', "y"),
    ('\u{0178}', "Y"),
    ('\u{0179}', "Z"),
    ('\u{017A}', "z"),
    ('\u{017B}', "Z"),
    ('\u{017C}', "z"),
    ('\u{017D}', "Z"),
    ('\u{017E}', "z"),
    ('\u{017F}', "s"),
    ('\u{0192}', "f"),
    ('\u{01A0}', "O"),
    ('\u{01A1}', "o"),
    ('\u{01AF}', "U"),
    ('\u{01B0}', "u"),
    ('\u{01C4}', "DZ"),
    ('\u{01C5}', "Dz"),
    ('\u{01C6}', "dz"),
    ('\u{01C7}', "LJ"),
    ('\u{01C8}', "Lj"),
    ('\u{01C9}', "lj"),
    ('\u{01CA}', "NJ"),
    ('\u{01CB}', "Nj"),
    ('\u{01CC}', "nj"),
    ('\u{01CD}', "A"),
    ('\u{01CE}', "a"),
    ('\u{01CF}', "I"),
    ('\u{01D0}', "i"),
    ('\u{01D1}', "O"),
    ('\u{01D2}', "o"),
    ('\u{01D3}', "U"),
    ('\u{01D4}', "u"),
    ('\u{01D5}', "U"),
    ('\u{01D6}', "u"),
    ('\u{01D7}', "U"),
    ('\u{01D8}', "u"),
    ('\u{01D9}', "U"),
    ('\u{01DA}', "u"),
    ('\u{01DB}', "U"),
    ('\u{01DC}', "u"),
    ('\u{01DE}', "A"),
    ('\u{01DF}', "a"),
    ('\u{01E0}', "A"),
    ('\u{01E1}', "a"),
    ('\u{01E6}', "G"),
    ('\u{01E7}', "g"),
    ('\u{01E8}', "K"),
    ('\u{01E9}', "k"),
    ('\u{01EA}', "O"),
    ('\u{01EB}', "o"),
    ('\u{01EC}', "O"),
    ('\u{01ED}', "o"),
    ('\u{01F0}', "j"),
    ('\u{01F1}', "DZ"),
    ('\u{01F2}', "Dz"),
    ('\u{01F3}', "dz"),
    ('\u{01F4}', "G"),
    ('\u{01F5}', "g"),
    ('\u{01F8}', "N"),
    ('\u{01F9}', "n"),
    ('\u{01FA}', "A"),
    ('\u{01FB}', "a"),
    ('\u{0200}', "A"),
    ('\u{0201}', "a"),
    ('\u{0202}', "A"),
    ('\u{0203}', "a"),
    ('\u{0204}', "E"),
    ('\u{0205}', "e"),
    ('\u{0206}', "E"),
    ('\u{0207}', "e"),
    ('\u{0208}', "I"),
    ('\u{0209}', "i"),
    ('\u{020A}', "I"),
    ('\u{020B}', "i"),
    ('\u{020C}', "O"),
    ('\u{020D}', "o"),
    ('\u{020E}', "O"),
    ('\u{020F}', "o"),
    ('\u{0210}', "R"),
    ('\u{0211}', "r"),
    ('\u{0212}', "R"),
    ('\u{0213}', "r"),
    ('\u{0214}', "U"),
    ('\u{0215}', "u"),
    ('\u{0216}', "U"),
    ('\u{0217}', "u"),
    ('\u{0218}', "S"),
    ('\u{0219}', "s"),
    ('\u{021A}', "T"),
    ('\u{021B}', "t"),
    ('\u{021E}', "H"),
    ('\u{021F}', "h"),
    ('\u{0226}', "A"),
    ('\u{0227}', "a"),
    ('\u{0228}', "E"),
    ('\u{0229}', "e"),
    ('\u{022A}', "O"),
    ('\u{022B}', "o"),
    ('\u{022C}', "O"),
    ('\u{022D}', "o"),
    ('\u{022E}', "O"),
    ('\u{022F}', "o"),
    ('\u{0230}', "O"),
    ('\u{0231}', "o"),
    ('\u{0232}', "Y"),
    ('\u{0233}', "y"),
    ('\u{02C6}', "^"),
    ('\u{02DC}', "~"),
    ('\u{2002}', " "),
    ('\u{2003}', " "),
    ('\u{2009}', " "),
    ('\u{2010}', "-"),
    ('\u{2011}', "-"),
    ('\u{2012}', "-"),
    ('\u{2013}', "-"),
    ('\u{2014}', "-"),
    ('\u{2015}', "-"),
    ('\u{2018}', "'"),
    ('\u{2019}', "'"),
    ('\u{201A}', ","),
    ('\u{201B}', "'"),
    ('\u{201C}', "\""),
    ('\u{201D}', "\""),
    ('\u{201E}', "\""),
    ('\u{201F}', "\""),
    ('\u{2020}', "+"),
    ('\u{2021}', "++"),
    ('\u{2022}', "*"),
    ('\u{2023}', ">"),
    ('\u{2026}', "..."),
    ('\u{202F}', " "),
    ('\u{2030}', "0/00"),
    ('\u{2032}', "'"),
    ('\u{2033}', "\""),
    ('\u{2039}', "<"),
    ('\u{203A}', ">"),
    ('\u{20AC}', "EUR"),
    ('\u{20B9}', "Rs"),
    ('\u{2116}', "No."),
    ('\u{2122}', "TM"),
    ('\u{2190}', "<-"),
    ('\u{2191}', "^"),
    ('\u{2192}', "->"),
    ('\u{2193}', "v"),
    ('\u{2212}', "-"),
    ('\u{25CF}', "*"),
    ('\u{2713}', "v"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn accents_keep_their_letters() {
        assert_eq!(to_ascii("José Müller — Łódź…"), "Jose Muller - Lodz...");
        assert_eq!(to_ascii("Kopi 🍵 酱油"), "Kopi ? ??");
        assert_eq!(encode("Café", Codepage::Cp1252), b"Caf\xe9");
        assert_eq!(encode("Café", Codepage::Ascii), b"Cafe");
        assert_eq!(encode("Łódź", Codepage::Cp1252), b"L\xf3dz");
        assert_eq!(encode("a\u{301}\u{200b}b", Codepage::Cp1252), b"ab");
        assert_eq!(encode("€ 5", Codepage::Cp1252), b"\x80 5");
    }
}
