//! The one layout of a thermal receipt. `blocks` turns a [`Receipt`] into a list of blocks
//! (text rows with a left and a right part, rules, the logo, a QR code); the renderers —
//! plain text here, ESC/POS and PDF in pasar-print — only fit those rows to their width, so
//! the three can never disagree about what a receipt says. Long names wrap, never cut.

use crate::db::Shop;
use crate::document::{Receipt, ReceiptKind};
use crate::error::Result;
use crate::money::{format_id, format_qty, format_rupiah};
use crate::sales::Payment;

/// Characters per line for a paper width in millimetres (Font A on 58/80 mm printers).
pub fn columns_for(paper_mm: u32) -> usize {
    if paper_mm >= 80 { 48 } else { 32 }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Normal,
    /// Double height and width where the printer can (the total).
    Large,
}

/// One row: `left` flush left (or centred/right as `align` says), `right` flush right on the
/// same line when both fit, else on a line of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub left: String,
    pub right: String,
    pub align: Align,
    pub bold: bool,
    pub size: Size,
    /// Continuation lines of a wrapped `left` start with this many spaces.
    pub indent: usize,
}

impl Row {
    fn new(left: impl Into<String>) -> Row {
        Row {
            left: left.into(),
            right: String::new(),
            align: Align::Left,
            bold: false,
            size: Size::Normal,
            indent: 0,
        }
    }
    fn pair(left: impl Into<String>, right: impl Into<String>) -> Row {
        Row {
            right: right.into(),
            ..Row::new(left)
        }
    }
    fn center(text: impl Into<String>) -> Row {
        Row {
            align: Align::Center,
            ..Row::new(text)
        }
    }
    fn bold(mut self) -> Row {
        self.bold = true;
        self
    }
    fn large(mut self) -> Row {
        self.size = Size::Large;
        self
    }
    fn indent(mut self, n: usize) -> Row {
        self.indent = n;
        self
    }

    /// The row as lines of at most `width` characters (counted as chars). Words wrap; a word
    /// longer than the line is broken; the right part never loses a character.
    pub fn fit(&self, width: usize) -> Vec<String> {
        let width = width.max(8);
        let mut out = Vec::new();
        let right_len = self.right.chars().count();
        let left_lines = wrap(&self.left, width, self.indent);
        if self.right.is_empty() {
            for l in left_lines {
                out.push(align(&l, width, self.align));
            }
            return out;
        }
        let last = left_lines.last().cloned().unwrap_or_default();
        for l in &left_lines[..left_lines.len().saturating_sub(1)] {
            out.push(l.clone());
        }
        let last_len = last.chars().count();
        if last_len + 1 + right_len <= width {
            out.push(format!(
                "{last}{}{}",
                " ".repeat(width - last_len - right_len),
                self.right
            ));
        } else {
            if !last.is_empty() {
                out.push(last);
            }
            for r in wrap(&self.right, width, 0) {
                out.push(align(&r, width, Align::Right));
            }
        }
        out
    }
}

fn align(s: &str, width: usize, a: Align) -> String {
    let n = s.chars().count();
    if n >= width {
        return s.to_string();
    }
    match a {
        Align::Left => s.to_string(),
        Align::Center => format!("{}{s}", " ".repeat((width - n) / 2)),
        Align::Right => format!("{}{s}", " ".repeat(width - n)),
    }
}

/// Word-wraps `text` to `width` chars; continuation lines start with `indent` spaces, and
/// leading spaces of `text` are kept on the first line. A word longer than a line is broken.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    wrap_by(text, width.max(2) as f32, indent, |s| {
        s.chars().count() as f32
    })
}

/// `wrap` for any measure of width (characters on a printer, millimetres of a font in a PDF).
pub fn wrap_by(
    text: &str,
    width: f32,
    indent: usize,
    measure: impl Fn(&str) -> f32,
) -> Vec<String> {
    let pad = |n: usize| " ".repeat(n);
    // Indents take at most half a line.
    let cap = |mut n: usize| {
        while n > 0 && measure(&pad(n)) > width / 2.0 {
            n -= 1;
        }
        n
    };
    let indent = cap(indent);
    let lead = cap(text.chars().take_while(|c| *c == ' ').count());
    let mut lines = Vec::new();
    let mut cur = pad(lead);
    let mut base = lead;
    for word in text.split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            let fresh = cur.len() == base;
            let candidate = if fresh {
                format!("{cur}{rest}")
            } else {
                format!("{cur} {rest}")
            };
            if measure(&candidate) <= width {
                cur = candidate;
                rest = "";
            } else if !fresh {
                lines.push(std::mem::replace(&mut cur, pad(indent)));
                base = indent;
            } else {
                // Longer than a whole line: as much of it as fits (at least one character).
                let mut end = 0;
                for (i, ch) in rest.char_indices() {
                    let e = i + ch.len_utf8();
                    if end > 0 && measure(&format!("{cur}{}", &rest[..e])) > width {
                        break;
                    }
                    end = e;
                }
                cur.push_str(&rest[..end]);
                rest = &rest[end..];
                lines.push(std::mem::replace(&mut cur, pad(indent)));
                base = indent;
            }
        }
    }
    if cur.len() > base || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The shop's logo (rendered when the renderer has it and can draw it).
    Logo,
    Text(Row),
    /// A dashed line across the paper.
    Rule,
    /// An empty line.
    Feed,
    /// A QR code of this text.
    Qr(String),
}

/// The receipt laid out once, for every renderer.
pub fn blocks(r: &Receipt) -> Vec<Block> {
    let w = r.words();
    let mut b = Vec::new();
    let text = |row: Row| Block::Text(row);
    if r.shop.logo.is_some() {
        b.push(Block::Logo);
    }
    b.push(text(Row::center(&r.shop.name).bold()));
    for line in [&r.shop.tagline, &r.shop.address, &r.shop.phone]
        .into_iter()
        .flatten()
    {
        b.push(text(Row::center(line)));
    }
    b.push(Block::Rule);
    b.push(text(Row::pair(
        format!("{} {}", w.receipt_no, r.sale_id),
        &r.time,
    )));
    b.push(text(Row::new(format!("{}: {}", w.cashier, r.cashier))));
    match r.kind {
        ReceiptKind::Sale => {}
        ReceiptKind::Void | ReceiptKind::Return => {
            let what = if r.kind == ReceiptKind::Void {
                w.void_of
            } else {
                w.return_of
            };
            b.push(text(
                Row::new(format!("{what} #{}", r.reverses.unwrap_or_default())).bold(),
            ));
            if let Some(n) = &r.note {
                b.push(text(Row::new(format!("{}: {n}", w.reason)).indent(2)));
            }
        }
    }
    if let Some(c) = &r.customer {
        b.push(text(Row::new(format!("{}: {c}", w.customer))));
    }
    if let Some(n) = crate::document::reversal_note(w, &r.reversed_by) {
        b.push(text(Row::new(n).bold()));
    }
    b.push(Block::Rule);
    for l in &r.lines {
        b.push(text(Row::new(&l.name)));
        b.push(text(
            Row::pair(
                format!("  {} x {}", format_qty(l.qty, &l.unit), format_id(l.price)),
                format_id(l.total + l.discount),
            )
            .indent(2),
        ));
        if !l.discount.is_zero() {
            b.push(text(Row::pair(
                format!("  {}", w.line_discount),
                format!("-{}", format_id(l.discount)),
            )));
        }
    }
    b.push(Block::Rule);
    if !r.discount.is_zero() {
        b.push(text(Row::pair(w.subtotal, format_id(r.subtotal))));
        b.push(text(Row::pair(
            w.discount,
            format!("-{}", format_id(r.discount)),
        )));
    }
    let total_label = if r.kind == ReceiptKind::Sale {
        w.total
    } else {
        w.refund_total
    };
    b.push(text(
        Row::pair(total_label, format_rupiah(r.total))
            .bold()
            .large(),
    ));
    match (r.kind, r.payment, r.tendered) {
        (ReceiptKind::Sale, Payment::Cash, Some(t)) => {
            b.push(text(Row::pair(w.tendered, format_rupiah(t))));
            b.push(text(Row::pair(w.change, format_rupiah(r.change))));
        }
        (ReceiptKind::Sale, p, _) => b.push(text(Row::pair(w.paid_by, w.payment(p)))),
        // What the customer gets back, and how.
        (_, Payment::Kasbon, _) => {
            b.push(text(Row::pair(w.credited, format_rupiah(r.total))));
        }
        (_, p, _) => b.push(text(Row::pair(
            format!("{} ({})", w.refunded, w.payment(p)),
            format_rupiah(r.total),
        ))),
    }
    if let Some(bal) = r.kasbon_balance {
        b.push(text(Row::pair(w.kasbon_balance, format_rupiah(bal)).bold()));
    }
    b.push(text(Row::new(w.count_items(r.lines.len()))));
    b.push(Block::Rule);
    for line in r.footer.lines().filter(|l| !l.trim().is_empty()) {
        b.push(text(Row::center(line.trim())));
    }
    if let Some(q) = &r.qr {
        b.push(Block::Qr(q.clone()));
    }
    b
}

/// The receipt as plain text, `columns` wide (the cashier screen, `--format text`, sharing).
pub fn render_text(blocks: &[Block], columns: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for block in blocks {
        match block {
            Block::Logo => {}
            Block::Text(row) => out.extend(row.fit(columns)),
            Block::Rule => out.push("-".repeat(columns)),
            Block::Feed => out.push(String::new()),
            Block::Qr(text) => {
                out.push(String::new());
                out.extend(Row::center(text.as_str()).fit(columns));
            }
        }
    }
    out.iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Shop {
    /// The paper width set for receipts, in mm (58 or 80).
    pub fn receipt_paper(&self) -> Result<u32> {
        Ok(self
            .setting("receipt_paper_mm")?
            .and_then(|v| v.parse().ok())
            .filter(|w| *w == 58 || *w == 80)
            .unwrap_or(58))
    }

    /// The receipt of a saved sale (or reversal) as lines of text for the set paper.
    pub fn receipt_text(&self, sale_id: i64) -> Result<String> {
        let r = self.receipt(sale_id)?;
        Ok(render_text(&blocks(&r), columns_for(self.receipt_paper()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_names_wrap_without_losing_a_character() {
        let name = "Minyak Goreng Bimoli Spesial Pouch Isi Ulang 2 Liter Extra";
        let lines = Row::new(name).fit(32);
        assert!(lines.iter().all(|l| l.chars().count() <= 32), "{lines:?}");
        let joined: String = lines.join(" ").split_whitespace().collect();
        assert_eq!(joined, name.split_whitespace().collect::<String>());
        let long = "X".repeat(70);
        let lines = Row::new(long.as_str()).fit(32);
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn a_pair_that_does_not_fit_puts_the_amount_on_its_own_line() {
        let row = Row::pair("  1.000.000 karung x 1.250.000", "1.250.000.000.000");
        let lines = row.fit(32);
        assert!(lines.iter().all(|l| l.chars().count() <= 32), "{lines:?}");
        assert!(lines.last().unwrap().ends_with("1.250.000.000.000"));
        let fits = Row::pair("TOTAL", "Rp 12.500").fit(32);
        assert_eq!(fits, vec![format!("TOTAL{}Rp 12.500", " ".repeat(18))]);
    }

    #[test]
    fn centred_rows_are_centred() {
        assert_eq!(Row::center("abcd").fit(10), vec!["   abcd".to_string()]);
    }
}
