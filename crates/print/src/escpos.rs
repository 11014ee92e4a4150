//! ESC/POS: the receipt's blocks as the byte commands thermal printers take (Epson's
//! command set, which the common 58/80 mm printers follow). The text comes from the same
//! `Row::fit` as the plain-text receipt, so paper and screen say the same thing.

use pasar_core::receipt::{Align, Block, Row, Size};

use crate::logo::Logo;
use crate::text::{Codepage, encode, printable};

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const LF: u8 = 0x0A;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    Partial,
    Full,
    None,
}

impl Cut {
    pub fn parse(s: &str) -> Cut {
        match s {
            "full" => Cut::Full,
            "none" => Cut::None,
            _ => Cut::Partial,
        }
    }
}

#[derive(Debug, Clone)]
pub struct EscPosOptions<'a> {
    /// 32 (58 mm) or 48 (80 mm) characters of Font A.
    pub columns: usize,
    pub codepage: Codepage,
    pub cut: Cut,
    /// Kick the cash drawer (pin 2) after the receipt.
    pub drawer: bool,
    pub logo: Option<&'a Logo>,
}

impl EscPosOptions<'_> {
    /// Printable dots across: 384 on 58 mm paper, 576 on 80 mm.
    pub fn dots(&self) -> usize {
        if self.columns >= 48 { 576 } else { 384 }
    }
}

/// A byte buffer with the commands used here.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
    cp: Option<Codepage>,
}

impl Writer {
    pub fn init(&mut self, cp: Codepage) {
        self.buf.extend([ESC, b'@']);
        if cp == Codepage::Cp1252 {
            // ESC t 16: WPC1252.
            self.buf.extend([ESC, b't', 16]);
        }
        self.cp = Some(cp);
    }
    pub fn align(&mut self, a: Align) {
        let n = match a {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        };
        self.buf.extend([ESC, b'a', n]);
    }
    pub fn bold(&mut self, on: bool) {
        self.buf.extend([ESC, b'E', u8::from(on)]);
    }
    /// GS ! n: width multiplier in the high nibble, height in the low one.
    pub fn size(&mut self, double_width: bool, double_height: bool) {
        let n = (u8::from(double_width) << 4) | u8::from(double_height);
        self.buf.extend([GS, b'!', n]);
    }
    pub fn text(&mut self, s: &str) {
        self.buf
            .extend(encode(s, self.cp.unwrap_or(Codepage::Ascii)));
    }
    pub fn line(&mut self, s: &str) {
        self.text(s);
        self.buf.push(LF);
    }
    pub fn feed(&mut self, lines: u8) {
        self.buf.extend([ESC, b'd', lines]);
    }
    pub fn cut(&mut self, cut: Cut) {
        match cut {
            // GS V m: 0 full, 1 partial (after feeding past the cutter).
            Cut::Full => self.buf.extend([GS, b'V', 0]),
            Cut::Partial => self.buf.extend([GS, b'V', 1]),
            Cut::None => {}
        }
    }
    /// ESC p m t1 t2: a pulse on pin 2 (the usual drawer socket), 50 ms on, 500 ms off.
    pub fn drawer(&mut self) {
        self.buf.extend([ESC, b'p', 0, 25, 250]);
    }
    /// A QR code through the printer's own GS ( k (model 2, error level M).
    pub fn qr(&mut self, data: &str, module: u8) {
        let bytes = data.as_bytes();
        let fun = |w: &mut Writer, body: &[u8]| {
            let len = body.len() as u16;
            w.buf
                .extend([GS, b'(', b'k', (len & 0xFF) as u8, (len >> 8) as u8]);
            w.buf.extend_from_slice(body);
        };
        fun(self, &[49, 65, 50, 0]); // model 2
        fun(self, &[49, 67, module.clamp(1, 16)]); // module size in dots
        fun(self, &[49, 69, 49]); // error correction M
        let mut store = vec![49, 80, 48];
        store.extend_from_slice(bytes);
        fun(self, &store);
        fun(self, &[49, 81, 48]); // print
    }
    /// GS v 0: a raster image, 1 = dot.
    pub fn raster(&mut self, logo: &Logo) {
        let (bw, data) = logo.raster();
        let h = logo.h;
        self.buf.extend([
            GS,
            b'v',
            b'0',
            0,
            (bw & 0xFF) as u8,
            (bw >> 8) as u8,
            (h & 0xFF) as u8,
            (h >> 8) as u8,
        ]);
        self.buf.extend(data);
    }
}

/// The receipt's blocks as one print job.
pub fn render(blocks: &[Block], opt: &EscPosOptions<'_>) -> Vec<u8> {
    let mut w = Writer::default();
    w.init(opt.codepage);
    let cols = opt.columns;
    for block in blocks {
        match block {
            Block::Logo => {
                if let Some(logo) = opt.logo {
                    let fitted = logo.fit(opt.dots() * 2 / 3, 160);
                    w.align(Align::Center);
                    w.raster(&fitted);
                    w.align(Align::Left);
                }
            }
            Block::Text(row) => {
                // Spelled for the code page first, so the wrapping counts what prints.
                let row = Row {
                    left: printable(&row.left, opt.codepage),
                    right: printable(&row.right, opt.codepage),
                    ..row.clone()
                };
                text_row(&mut w, &row, cols)
            }
            Block::Rule => w.line(&"-".repeat(cols)),
            Block::Feed => w.buf.push(LF),
            Block::Qr(data) => {
                w.buf.push(LF);
                w.align(Align::Center);
                match qr_module(data, opt.dots(), cols) {
                    Some(module) => w.qr(data, module),
                    // Too long to fit the paper as a code: print it as text.
                    None => {
                        for l in pasar_core::receipt::wrap(&printable(data, opt.codepage), cols, 0)
                        {
                            w.line(&l);
                        }
                    }
                }
                w.buf.push(LF);
                w.align(Align::Left);
            }
        }
    }
    // The drawer opens while the paper feeds, and the job ends with the cut.
    if opt.drawer {
        w.drawer();
    }
    w.feed(4);
    w.cut(opt.cut);
    w.buf
}

/// The dot size of a QR code's modules so the code (with its quiet zone) takes at most three
/// quarters of the printable width; None when modules would be under 3 dots (0,4 mm: phones
/// no longer read them).
pub fn qr_module(data: &str, dots: usize, cols: usize) -> Option<u8> {
    let n = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .ok()?
        .width();
    let fit = (dots * 3 / 4) / (n + 8);
    let preferred = if cols >= 48 { 6 } else { 5 };
    (fit >= 3).then(|| fit.min(preferred) as u8)
}

fn text_row(w: &mut Writer, row: &Row, cols: usize) {
    // A large row prints double width when it fits in half the columns, else double height
    // only, so an amount is never broken across lines by the bigger letters.
    let (wide, width) = match row.size {
        Size::Large if row.fit(cols / 2).len() == 1 => (true, cols / 2),
        _ => (false, cols),
    };
    let tall = row.size == Size::Large;
    if row.bold {
        w.bold(true);
    }
    if tall {
        w.size(wide, true);
    }
    if row.align == Align::Center && row.right.is_empty() {
        w.align(Align::Center);
        for l in row.fit(width) {
            w.line(l.trim());
        }
        w.align(Align::Left);
    } else {
        for l in row.fit(width) {
            w.line(l.trim_end());
        }
    }
    if tall {
        w.size(false, false);
    }
    if row.bold {
        w.bold(false);
    }
}
