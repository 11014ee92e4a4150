//! A4 documents: the nota/faktur of a sale or purchase and the period report, drawn on the
//! same measured-text canvas as the receipts. Long tables continue on new pages with their
//! header repeated; every page is numbered.

use rust_decimal::Decimal;

use pasar_core::document::{Invoice, InvoiceKind, ReportDocument, ShopHeader, Words};
use pasar_core::money::{format_compact, format_id, format_qty, format_rupiah};

use crate::logo::{self, Logo};
use crate::pdf::{Canvas, Doc, fonts, pt_to_mm, wrap_mm};

const W: f32 = 210.0;
const H: f32 = 297.0;
const M: f32 = 16.0;
const RIGHT: f32 = W - M;
const BOTTOM: f32 = H - 18.0;

/// Pages being filled top to bottom.
struct Flow {
    pages: Vec<Canvas>,
    y: f32,
}

impl Flow {
    fn new() -> Flow {
        Flow {
            pages: vec![Canvas::new(W)],
            y: M,
        }
    }
    fn c(&mut self) -> &mut Canvas {
        self.pages.last_mut().expect("a page")
    }
    /// Starts a new page when `h` mm do not fit; true when it did.
    fn need(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM {
            self.pages.push(Canvas::new(W));
            self.y = M;
            true
        } else {
            false
        }
    }
    /// One numbered table row: the number, the wrapped name, and figures right-aligned at
    /// their columns' right edges, with a rule under it; on a new page (header repeated) when
    /// it does not fit.
    fn numbered_row(
        &mut self,
        cols: &[Col],
        n: usize,
        name: &[String],
        figures: &[(f32, String)],
        style: RowStyle,
    ) {
        let h = name.len() as f32 * 4.4 + style.pad;
        if self.need(h) {
            let y = self.y;
            self.y = table_head(self.c(), y, cols);
        }
        let base = self.y + style.baseline;
        let c = self.c();
        c.text(M + 2.0, base, 9.0, false, &n.to_string());
        for (k, line) in name.iter().enumerate() {
            c.text(M + 11.0, base + k as f32 * 4.4, 9.0, false, line);
        }
        for (right, text) in figures {
            c.text_right(*right, base, 9.0, false, text);
        }
        self.y += h;
        let y = self.y;
        self.c().line(M, y, RIGHT, y, 0.3, style.rule);
    }

    fn finish(mut self, doc: Doc, w: &Words, left_note: &str) -> Vec<u8> {
        let n = self.pages.len();
        for (i, p) in self.pages.iter_mut().enumerate() {
            p.line(M, BOTTOM + 4.0, RIGHT, BOTTOM + 4.0, 0.4, 0.75);
            let label = format!("{} {}/{}", w.page, i + 1, n);
            let wlabel = pt_to_mm(fonts().width(&label, 7.5, false));
            let room = RIGHT - M - wlabel - 6.0;
            p.text_grey(
                M,
                BOTTOM + 8.5,
                7.5,
                false,
                0.45,
                &ellipsize(left_note, room, 7.5),
            );
            p.text_grey(RIGHT - wlabel, BOTTOM + 8.5, 7.5, false, 0.45, &label);
        }
        let (reg, bold) = (doc.reg.clone(), doc.bold.clone());
        let pages = self
            .pages
            .into_iter()
            .map(|p| p.page(H, &reg, &bold))
            .collect();
        doc.save(pages)
    }
}

/// `s` cut to `width` mm with "…" when it is longer.
fn ellipsize(s: &str, width: f32, size: f32) -> String {
    let f = fonts();
    let s = f.printable(s);
    if pt_to_mm(f.width(&s, size, false)) <= width {
        return s;
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if pt_to_mm(f.width(&format!("{out}…"), size, false)) > width {
            out.pop();
            break;
        }
    }
    format!("{}…", out.trim_end())
}

/// Lines of `s` centred on `cx`, at most `width` mm wide; returns the y under them.
fn centred(c: &mut Canvas, cx: f32, y: f32, width: f32, size: f32, s: &str) -> f32 {
    let mut y = y;
    for l in wrap_mm(s, width, size, false) {
        c.text_center(cx, y, size, false, &l);
        y += size * 0.45;
    }
    y
}

/// The shop's block (logo, name, address) on the left and the title block on the right.
/// Returns the y under both.
fn header(
    doc: &mut Doc,
    c: &mut Canvas,
    shop: &ShopHeader,
    title: &str,
    meta: &[(String, String)],
) -> f32 {
    let mut x = M;
    let mut logo_h: f32 = 0.0;
    if let Some(l) = shop.logo.as_deref().and_then(logo::decode) {
        let small: Logo = l.fit(400, 400);
        let scale = (28.0 / small.w as f32).min(20.0 / small.h as f32);
        let (w, h) = (small.w as f32 * scale, small.h as f32 * scale);
        let id = doc.logo(&small);
        c.image(id, M, M, w, h, small.w);
        x += w + 4.0;
        logo_h = h;
    }
    let name_w = 105.0 - (x - M);
    let mut y = M + 5.0;
    for l in wrap_mm(&shop.name, name_w, 15.0, true) {
        c.text(x, y, 15.0, true, &l);
        y += 6.2;
    }
    for line in [&shop.tagline, &shop.address, &shop.phone]
        .into_iter()
        .flatten()
    {
        for l in wrap_mm(line, name_w, 9.0, false) {
            c.text_grey(x, y, 9.0, false, 0.25, &l);
            y += 4.3;
        }
    }
    let mut ry = M + 5.0;
    c.text_right(RIGHT, ry, 15.0, true, title);
    ry += 6.5;
    for (k, v) in meta {
        for l in wrap_mm(&format!("{k}: {v}"), 70.0, 9.0, false) {
            c.text_right(RIGHT, ry, 9.0, false, &l);
            ry += 4.5;
        }
    }
    let bottom = y.max(ry).max(M + logo_h + 2.0) + 2.0;
    c.line(M, bottom, RIGHT, bottom, 1.0, 0.15);
    bottom + 6.0
}

/// Spacing of a table's rows: space under the name lines, the first baseline, the rule's grey.
struct RowStyle {
    pad: f32,
    baseline: f32,
    rule: f32,
}

struct Col {
    title: &'static str,
    /// Right edge for numbers, left edge for text.
    x: f32,
    right: bool,
}

fn table_head(c: &mut Canvas, y: f32, cols: &[Col]) -> f32 {
    c.rect(M, y, W - 2.0 * M, 7.0, 0.9);
    for col in cols {
        if col.right {
            c.text_right(col.x, y + 4.9, 8.5, true, col.title);
        } else {
            c.text(col.x, y + 4.9, 8.5, true, col.title);
        }
    }
    y + 7.0
}

/// An A4 nota/faktur.
pub fn invoice(inv: &Invoice) -> Vec<u8> {
    let w = inv.words();
    let mut doc = Doc::new(&format!("{} {}", inv.shop.name, inv.number));
    let mut f = Flow::new();
    let title = match inv.kind {
        InvoiceKind::Sale => w.invoice_sale,
        InvoiceKind::Purchase => w.invoice_purchase,
        InvoiceKind::Return => w.invoice_reversal,
        InvoiceKind::Void => w.invoice_void,
    };
    let meta = vec![
        (w.number.to_string(), inv.number.clone()),
        (w.date.to_string(), inv.date.clone()),
        (w.cashier.to_string(), inv.cashier.clone()),
    ];
    let mut c0 = std::mem::replace(f.c(), Canvas::new(W));
    f.y = header(&mut doc, &mut c0, &inv.shop, title, &meta);
    *f.c() = c0;

    // Party.
    if let Some(p) = &inv.party {
        let label = if inv.kind == InvoiceKind::Purchase {
            w.supplier
        } else {
            w.bill_to
        };
        let y = f.y;
        f.c().text_grey(M, y, 8.0, false, 0.4, label);
        f.y += 5.0;
        for l in wrap_mm(&p.name, 120.0, 11.0, true) {
            let y = f.y;
            f.c().text(M, y, 11.0, true, &l);
            f.y += 4.8;
        }
        for extra in [&p.phone, &p.note].into_iter().flatten() {
            for l in wrap_mm(extra, 100.0, 9.0, false) {
                let y = f.y;
                f.c().text(M, y, 9.0, false, &l);
                f.y += 4.3;
            }
        }
        f.y += 4.0;
    }

    // Lines.
    let cols = [
        Col {
            title: w.col_no,
            x: M + 2.0,
            right: false,
        },
        Col {
            title: w.col_item,
            x: M + 11.0,
            right: false,
        },
        Col {
            title: w.col_qty,
            x: M + 104.0,
            right: true,
        },
        Col {
            title: w.col_price,
            x: M + 130.0,
            right: true,
        },
        Col {
            title: w.col_discount,
            x: M + 152.0,
            right: true,
        },
        Col {
            title: w.col_total,
            x: RIGHT - 2.0,
            right: true,
        },
    ];
    let item_w = 104.0 - 11.0 - 26.0;
    let y = f.y;
    f.y = table_head(f.c(), y, &cols);
    for (i, l) in inv.lines.iter().enumerate() {
        let disc = if l.discount.is_zero() {
            "-".to_string()
        } else {
            format_id(l.discount)
        };
        f.numbered_row(
            &cols,
            i + 1,
            &wrap_mm(&l.name, item_w, 9.0, false),
            &[
                (M + 104.0, format_qty(l.qty, &l.unit)),
                (M + 130.0, format_id(l.price)),
                (M + 152.0, disc),
                (RIGHT - 2.0, format_id(l.total)),
            ],
            RowStyle {
                pad: 2.6,
                baseline: 4.6,
                rule: 0.8,
            },
        );
    }
    f.y += 5.0;

    // Totals on the right, note and terms on the left.
    let mut rows: Vec<(String, String, bool)> = Vec::new();
    if !inv.discount.is_zero() {
        rows.push((w.subtotal.into(), format_rupiah(inv.subtotal), false));
        rows.push((
            w.discount.into(),
            format!("-{}", format_rupiah(inv.discount)),
            false,
        ));
    }
    let reversal = matches!(inv.kind, InvoiceKind::Void | InvoiceKind::Return);
    if reversal {
        rows.push((w.refund_total.into(), format_rupiah(inv.total), true));
        if inv.payment == pasar_core::Payment::Kasbon {
            rows.push((w.credited.into(), format_rupiah(inv.total), false));
        } else {
            rows.push((
                format!("{} ({})", w.refunded, w.payment(inv.payment)),
                format_rupiah(inv.total),
                false,
            ));
        }
    } else {
        rows.push((w.total.into(), format_rupiah(inv.total), true));
        rows.push((
            format!("{} ({})", w.paid, w.payment(inv.payment)),
            format_rupiah(inv.paid),
            false,
        ));
    }
    if !inv.balance_due.is_zero() {
        rows.push((w.balance_due.into(), format_rupiah(inv.balance_due), true));
    }
    let mut left: Vec<(String, String)> = Vec::new();
    if let Some(n) = &inv.note {
        left.push((w.note.into(), n.clone()));
    }
    if let Some(t) = &inv.terms {
        left.push((w.terms.into(), t.clone()));
    }
    let left_lines: Vec<(bool, String)> = left
        .iter()
        .flat_map(|(k, v)| {
            std::iter::once((true, k.clone()))
                .chain(wrap_mm(v, 95.0, 8.5, false).into_iter().map(|l| (false, l)))
        })
        .collect();
    let block_h = (rows.len() as f32 * 6.5).max(left_lines.len() as f32 * 4.2) + 4.0;
    f.need(block_h);
    let top = f.y;
    let mut ry = top;
    for (k, v, strong) in &rows {
        let c = f.c();
        if *strong {
            c.rect(118.0, ry - 1.0, RIGHT - 118.0, 6.5, 0.92);
        }
        let size = if *strong { 10.5 } else { 9.0 };
        c.text(120.0, ry + 3.9, size, *strong, k);
        c.text_right(RIGHT - 2.0, ry + 3.9, size, *strong, v);
        ry += 6.5;
    }
    let mut ly = top + 3.5;
    for (head, l) in &left_lines {
        let c = f.c();
        if *head {
            c.text_grey(M, ly, 8.0, true, 0.35, l);
        } else {
            c.text(M, ly, 8.5, false, l);
        }
        ly += 4.2;
    }
    f.y = ry.max(ly) + 8.0;

    // Signatures.
    f.need(44.0);
    let sy = f.y;
    let (signer_left, signer_right) = match inv.kind {
        InvoiceKind::Purchase => (
            inv.party.as_ref().map_or(String::new(), |p| p.name.clone()),
            inv.shop.name.clone(),
        ),
        _ => (
            inv.party.as_ref().map_or(String::new(), |p| p.name.clone()),
            inv.shop.name.clone(),
        ),
    };
    let c = f.c();
    let lx = M + 25.0;
    let rx = RIGHT - 30.0;
    c.text_center(lx, sy, 9.0, false, w.received_by);
    c.text_center(rx, sy, 9.0, false, w.issued_by);
    c.line(lx - 24.0, sy + 22.0, lx + 24.0, sy + 22.0, 0.5, 0.3);
    c.line(rx - 24.0, sy + 22.0, rx + 24.0, sy + 22.0, 0.5, 0.3);
    let mut end = sy + 30.0;
    if !signer_left.is_empty() {
        end = end.max(centred(c, lx, sy + 26.0, 50.0, 8.5, &signer_left));
    }
    end = end.max(centred(c, rx, sy + 26.0, 50.0, 8.5, &signer_right));
    f.y = end;

    let note = format!("{} · {}", inv.number, inv.shop.name);
    f.finish(doc, w, &note)
}

fn percent(fraction: Decimal) -> String {
    format!(
        "{}%",
        format_id((fraction * Decimal::from(100)).round_dp(1))
    )
}

/// The A4 period report.
pub fn report(d: &ReportDocument) -> Vec<u8> {
    let w = d.words();
    let r = &d.report;
    let mut doc = Doc::new(&format!("{} {}", d.shop.name, w.report_title));
    let mut f = Flow::new();
    let meta = vec![
        (w.period.to_string(), d.period_label.clone()),
        (w.printed.to_string(), d.printed_at.clone()),
    ];
    let mut c0 = std::mem::replace(f.c(), Canvas::new(W));
    f.y = header(&mut doc, &mut c0, &d.shop, w.report_title, &meta);
    *f.c() = c0;

    // Key figures in two columns.
    let left = [
        (w.revenue, format_rupiah(r.revenue), false),
        (w.cogs, format_rupiah(r.cogs), false),
        (w.gross_profit, format_rupiah(r.gross_profit), true),
        (w.gross_margin, percent(r.gross_margin), false),
        (w.expenses, format_rupiah(r.expenses), false),
        (w.net_profit, format_rupiah(r.net_profit), true),
    ];
    let right = [
        (w.sales_count, r.sales_count.to_string(), false),
        (w.reversals, r.reversal_count.to_string(), false),
        (w.discounts, format_rupiah(r.discounts), false),
        (w.purchases, format_rupiah(r.purchases), false),
        (w.cash_in, format_rupiah(r.cash_in), false),
        (w.cash_out, format_rupiah(r.cash_out), false),
        (w.net_cash, format_rupiah(r.net_cash_flow), true),
        (
            w.debts_outstanding,
            format_rupiah(r.debts_outstanding),
            false,
        ),
        (w.debts_payable, format_rupiah(r.debts_payable), false),
    ];
    let top = f.y;
    let c = f.c();
    let mid = W / 2.0;
    for (i, (k, v, strong)) in left.iter().enumerate() {
        let y = top + i as f32 * 6.2 + 4.0;
        if *strong {
            c.rect(M, y - 4.3, mid - M - 5.0, 6.0, 0.93);
        }
        c.text(M + 1.5, y, 9.5, *strong, k);
        c.text_right(mid - 6.5, y, 9.5, *strong, v);
    }
    for (i, (k, v, strong)) in right.iter().enumerate() {
        let y = top + i as f32 * 6.2 + 4.0;
        if *strong {
            c.rect(mid + 3.0, y - 4.3, RIGHT - mid - 3.0, 6.0, 0.93);
        }
        c.text(mid + 4.5, y, 9.5, *strong, k);
        c.text_right(RIGHT - 1.5, y, 9.5, *strong, v);
    }
    f.y = top + right.len() as f32 * 6.2 + 8.0;

    // Daily sales chart, drawn as vectors.
    section(&mut f, w.daily_sales);
    chart(&mut f, d);

    // Expenses by category.
    section(&mut f, w.expenses_by_category);
    let any_expense = r
        .expenses_by_category
        .values()
        .any(|v| v.parse::<Decimal>().is_ok_and(|d| !d.is_zero()));
    if !any_expense {
        none_line(&mut f, w.none);
    } else {
        let cols = [
            Col {
                title: w.expenses,
                x: M + 2.0,
                right: false,
            },
            Col {
                title: w.col_total,
                x: M + 120.0,
                right: true,
            },
            Col {
                title: "%",
                x: RIGHT - 2.0,
                right: true,
            },
        ];
        let y = f.y;
        f.y = table_head(f.c(), y, &cols);
        for (cat, amount) in &r.expenses_by_category {
            let amount: Decimal = amount.parse().unwrap_or_default();
            if amount.is_zero() {
                continue;
            }
            if f.need(6.0) {
                let y = f.y;
                f.y = table_head(f.c(), y, &cols);
            }
            let share = if r.expenses.is_zero() {
                Decimal::ZERO
            } else {
                amount / r.expenses
            };
            let y = f.y + 4.3;
            let c = f.c();
            c.text(M + 2.0, y, 9.0, false, w.expense_category(cat));
            c.text_right(M + 120.0, y, 9.0, false, &format_rupiah(amount));
            c.text_right(RIGHT - 2.0, y, 9.0, false, &percent(share));
            f.y += 6.0;
            let y = f.y;
            f.c().line(M, y, RIGHT, y, 0.3, 0.85);
        }
        f.y += 4.0;
    }

    // Top products.
    section(&mut f, w.top_products);
    if r.top_products.is_empty() {
        none_line(&mut f, w.none);
    } else {
        let cols = [
            Col {
                title: w.col_no,
                x: M + 2.0,
                right: false,
            },
            Col {
                title: w.product,
                x: M + 11.0,
                right: false,
            },
            Col {
                title: w.qty_sold,
                x: M + 112.0,
                right: true,
            },
            Col {
                title: w.revenue,
                x: M + 145.0,
                right: true,
            },
            Col {
                title: w.gross_profit,
                x: RIGHT - 2.0,
                right: true,
            },
        ];
        let y = f.y;
        f.y = table_head(f.c(), y, &cols);
        for (i, p) in r.top_products.iter().enumerate() {
            f.numbered_row(
                &cols,
                i + 1,
                &wrap_mm(&p.name, 70.0, 9.0, false),
                &[
                    (M + 112.0, format_qty(p.qty, &p.unit)),
                    (M + 145.0, format_rupiah(p.revenue)),
                    (RIGHT - 2.0, format_rupiah(p.gross_profit)),
                ],
                RowStyle {
                    pad: 1.8,
                    baseline: 4.3,
                    rule: 0.85,
                },
            );
        }
        f.y += 4.0;
    }

    // Who owes, and what runs low.
    if !r.debtors.is_empty() {
        section(&mut f, w.debtors);
        for dl in r.debtors.iter().take(15) {
            f.need(5.5);
            let y = f.y + 4.0;
            let c = f.c();
            c.text(M + 2.0, y, 9.0, false, &ellipsize(&dl.contact, 85.0, 9.0));
            c.text_right(M + 120.0, y, 9.0, false, &format_rupiah(dl.balance));
            f.y += 5.5;
        }
        f.y += 3.0;
    }
    if !r.low_stock.is_empty() {
        section(&mut f, w.low_stock);
        for s in r.low_stock.iter().take(20) {
            f.need(5.5);
            let y = f.y + 4.0;
            let c = f.c();
            c.text(M + 2.0, y, 9.0, false, &ellipsize(&s.name, 85.0, 9.0));
            c.text_right(
                M + 120.0,
                y,
                9.0,
                false,
                &format!("{} {}", w.stock_left, format_qty(s.stock, &s.unit)),
            );
            f.y += 5.5;
        }
    }
    let note = format!("{} · {} {}", d.shop.name, w.period, d.period_label);
    f.finish(doc, w, &note)
}

fn section(f: &mut Flow, title: &str) {
    f.need(22.0);
    f.y += 3.0;
    let y = f.y + 4.0;
    f.c().text(M, y, 11.0, true, title);
    f.y += 7.5;
}

fn none_line(f: &mut Flow, none: &str) {
    let y = f.y + 3.5;
    f.c().text_grey(M + 2.0, y, 9.0, false, 0.45, none);
    f.y += 7.0;
}

fn chart(f: &mut Flow, d: &ReportDocument) {
    let h = 58.0;
    f.need(h + 12.0);
    let top = f.y;
    let left = M + 16.0;
    let right = RIGHT;
    let bottom = top + h;
    let days = &d.days;
    let max = days
        .iter()
        .map(|x| x.revenue)
        .max()
        .unwrap_or(Decimal::ZERO)
        .max(Decimal::ONE);
    // A round step for the axis: 1, 2 or 5 × 10^k, four steps above the largest day.
    let raw = max / Decimal::from(4);
    let mut mag = Decimal::ONE;
    while mag * Decimal::TEN <= raw {
        mag *= Decimal::TEN;
    }
    let step = [1, 2, 5, 10]
        .iter()
        .map(|k| mag * Decimal::from(*k))
        .find(|s| *s >= raw)
        .unwrap_or(mag * Decimal::TEN);
    let axis_max = step * Decimal::from(4);
    let to_f = |v: Decimal| -> f32 { v.to_string().parse::<f32>().unwrap_or(0.0) };
    let c = f.c();
    for i in 0..=4 {
        let v = step * Decimal::from(i);
        let y = bottom - h * (i as f32 / 4.0);
        c.line(
            left,
            y,
            right,
            y,
            if i == 0 { 0.8 } else { 0.3 },
            if i == 0 { 0.2 } else { 0.82 },
        );
        c.text_right(left - 1.5, y + 1.2, 7.0, false, &format_compact(v));
    }
    let n = days.len().max(1);
    let slot = (right - left) / n as f32;
    let bar = (slot * 0.7).min(12.0);
    let every = n.div_ceil(16).max(1);
    for (i, day) in days.iter().enumerate() {
        let x = left + slot * i as f32 + (slot - bar) / 2.0;
        let rv = to_f(day.revenue) / to_f(axis_max);
        let gp = (to_f(day.gross_profit) / to_f(axis_max)).max(0.0);
        if rv > 0.0 {
            let bh = h * rv.min(1.0);
            c.rect(x, bottom - bh, bar, bh, 0.62);
        }
        if gp > 0.0 {
            let bh = h * gp.min(1.0);
            c.rect(x + bar * 0.25, bottom - bh, bar * 0.5, bh, 0.15);
        }
        if i % every == 0 {
            let label = day.date.get(8..10).unwrap_or("").to_string()
                + "/"
                + day.date.get(5..7).unwrap_or("");
            c.text_center(x + bar / 2.0, bottom + 4.0, 6.5, false, &label);
        }
    }
    let w = d.words();
    if days.iter().all(|x| x.revenue.is_zero()) {
        c.text_center((left + right) / 2.0, top + h / 2.0, 10.0, false, w.none);
    }
    // Legend.
    let ly = top - 1.5;
    c.rect(right - 70.0, ly - 2.5, 3.0, 3.0, 0.62);
    c.text(right - 66.0, ly, 7.5, false, w.revenue);
    c.rect(right - 35.0, ly - 2.5, 3.0, 3.0, 0.15);
    c.text(right - 31.0, ly, 7.5, false, w.gross_profit);
    f.y = bottom + 10.0;
}
