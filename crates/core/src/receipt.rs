//! Plain-text receipts for 58 mm (32 columns) and 80 mm (48 columns) thermal paper. The
//! receipts issue adds PDF and ESC/POS output; this text is what the cashier screen shows and
//! prints, and it is rendered only from a sale that is already committed.

use crate::db::Shop;
use crate::error::Result;
use crate::money::{format_id, format_qty, format_rupiah};
use crate::sales::{Payment, Sale};

/// Characters per line for a paper width in millimetres.
pub fn columns_for(paper_mm: u32) -> usize {
    if paper_mm >= 80 { 48 } else { 32 }
}

fn center(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        return s.chars().take(w).collect();
    }
    format!("{}{s}", " ".repeat((w - n) / 2))
}

fn two(left: &str, right: &str, w: usize) -> String {
    let (l, r) = (left.chars().count(), right.chars().count());
    if l + r + 1 > w {
        let cut: String = left.chars().take(w.saturating_sub(r + 1)).collect();
        return format!("{cut} {right}");
    }
    format!("{left}{}{right}", " ".repeat(w - l - r))
}

impl Shop {
    /// The receipt of a saved sale (or reversal) as lines of text.
    pub fn receipt_text(&self, sale_id: i64) -> Result<String> {
        let sale = self.sale(sale_id)?;
        let paper: u32 = self
            .setting("receipt_paper_mm")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(58);
        let w = columns_for(paper);
        let name = self
            .setting("shop_name")?
            .unwrap_or_else(|| "Toko Saya".into());
        let mut out = vec![center(&name, w)];
        for key in ["shop_address", "shop_phone"] {
            if let Some(v) = self.setting(key)?.filter(|v| !v.trim().is_empty()) {
                out.push(center(&v, w));
            }
        }
        out.push("-".repeat(w));
        out.push(two(
            &format!("No. {}", sale.sale_id),
            &local_time(self, &sale),
            w,
        ));
        if sale.kind != "sale" {
            out.push(format!(
                "{} #{}",
                if sale.kind == "void" {
                    "BATAL untuk"
                } else {
                    "RETUR dari"
                },
                sale.reverses.unwrap_or_default()
            ));
        }
        if let Some(c) = &sale.customer {
            out.push(format!("Pelanggan: {c}"));
        }
        out.push("-".repeat(w));
        for l in &sale.lines {
            out.push(l.product.chars().take(w).collect());
            out.push(two(
                &format!("  {} x {}", format_qty(l.qty, &l.unit), format_id(l.price)),
                &format_id(l.total),
                w,
            ));
            if !l.discount.is_zero() {
                out.push(two("  diskon", &format!("-{}", format_id(l.discount)), w));
            }
        }
        out.push("-".repeat(w));
        if !sale.discount.is_zero() {
            out.push(two("Diskon", &format!("-{}", format_id(sale.discount)), w));
        }
        out.push(two("TOTAL", &format_rupiah(sale.total), w));
        match (sale.payment, sale.tendered) {
            (Payment::Cash, Some(t)) => {
                out.push(two("Tunai", &format_rupiah(t), w));
                out.push(two("Kembali", &format_rupiah(sale.change), w));
            }
            (p, _) => out.push(two("Bayar", &payment_label(p), w)),
        }
        out.push("-".repeat(w));
        let footer = self
            .setting("receipt_footer")?
            .unwrap_or_else(|| "Terima kasih".into());
        out.push(center(&footer, w));
        Ok(out.join("\n"))
    }
}

fn payment_label(p: Payment) -> String {
    match p {
        Payment::Cash => "Tunai".into(),
        Payment::Qris => "QRIS".into(),
        Payment::Transfer => "Transfer".into(),
        Payment::Kasbon => "Kasbon".into(),
    }
}

fn local_time(shop: &Shop, sale: &Sale) -> String {
    crate::time::parse_stamp(&sale.occurred_at)
        .map(|t| {
            t.with_timezone(&shop.settings().tz.offset)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}
