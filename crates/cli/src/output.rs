//! What `pasar` prints: JSON for scripts (`--json`; decimals as strings, dates ISO 8601) or a
//! short summary for people, in Indonesian (default) or English.

use pasar_core::contacts::{Contact, DebtBalance, DebtEntry};
use pasar_core::db::AuditEntry;
use pasar_core::demo::DemoSummary;
use pasar_core::money::{format_id, format_qty, format_rupiah as rp};
use pasar_core::stock::Movement;
use pasar_core::{
    CoreError, Expense, Lang, Product, Purchase, Report, Result, Sale, Shop, StockCount,
};
use serde::Serialize;

/// Appends one line to the text being built (writing to a String cannot fail).
macro_rules! w {
    ($o:expr, $($t:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($t)*);
    }};
}

/// Most stock warnings printed under a sale; the rest are counted.
const MAX_WARNINGS: usize = 5;

/// Marks an error writing to stdout (the command itself may have succeeded).
pub const STDOUT_ERROR: &str = "stdout: ";

fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CoreError::Io {
            detail: format!("{STDOUT_ERROR}{e}"),
        })
}

pub struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Prints `value` as JSON, or the summary `human` writes. Output that cannot be written
    /// (a closed stdout, a pipe whose reader left) is an error, never a panic.
    fn emit<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&mut String),
    ) -> Result<()> {
        let mut text = String::new();
        if self.json {
            text = serde_json::to_string_pretty(value).map_err(|e| CoreError::Io {
                detail: e.to_string(),
            })?;
            text.push('\n');
        } else {
            human(&mut text);
        }
        write_stdout(&text)
    }

    pub fn t<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { id }
    }

    /// A stored code (debt entry, movement and contact kinds) as a word in the language.
    fn word<'a>(&self, code: &'a str) -> &'a str {
        let (id, en) = match code {
            "kasbon" => ("kasbon", "credit sale"),
            "payment" => ("bayar", "payment"),
            "supplier_credit" => ("utang pemasok", "supplier credit"),
            "supplier_payment" => ("bayar pemasok", "supplier payment"),
            "reversal" => ("batal/retur", "reversal"),
            "sale" => ("jual", "sale"),
            "purchase" => ("beli", "purchase"),
            "adjustment" => ("koreksi", "adjustment"),
            "opname" => ("opname", "stock count"),
            "import" => ("impor", "import"),
            "return" => ("retur", "return"),
            "void" => ("batal", "void"),
            "initial" => ("stok awal", "opening"),
            "customer" => ("pelanggan", "customer"),
            "supplier" => ("pemasok", "supplier"),
            "both" => ("keduanya", "both"),
            other => (other, other),
        };
        if self.en() { en } else { id }
    }

    pub fn init(&self, shop: &Shop) -> Result<()> {
        let path = shop.path().display().to_string();
        let v = serde_json::json!({"db": path, "schema_version": pasar_core::SCHEMA_VERSION});
        self.emit(&v, |o| {
            w!(
                o,
                "{} {path}",
                self.t("Database toko siap:", "Shop database ready:")
            )
        })
    }

    pub fn demo(&self, shop: &Shop, s: &DemoSummary) -> Result<()> {
        let path = shop.path().display().to_string();
        let v = serde_json::json!({"db": path, "summary": s});
        self.emit(&v, |o| {
            w!(o, "{} {path}", self.t("Toko demo dibuat:", "Demo shop created:"));
            if self.en() {
                w!(
                    o,
                    "  {} products, {} days, {} sales, {} purchases, {} expenses, {} kasbon repayments",
                    s.products, s.days, s.sales, s.purchases, s.expenses, s.kasbon_payments
                )
            } else {
                w!(
                    o,
                    "  {} produk, {} hari, {} penjualan, {} pembelian, {} pengeluaran, {} cicilan kasbon",
                    s.products, s.days, s.sales, s.purchases, s.expenses, s.kasbon_payments
                )
            }
        })
    }

    pub fn products(&self, list: &[Product]) -> Result<()> {
        self.emit(list, |o| {
            for p in list {
                w!(
                    o,
                    "#{:<5} {:<10} {:<40} {:>12}  {} {}{}",
                    p.id,
                    p.sku.as_deref().unwrap_or("-"),
                    p.name,
                    rp(p.price),
                    self.t("stok", "stock"),
                    format_qty(p.stock, &p.unit),
                    if p.active {
                        ""
                    } else {
                        self.t(" (nonaktif)", " (inactive)")
                    }
                );
            }
            if list.is_empty() {
                w!(o, "{}", self.t("(tidak ada produk)", "(no products)"));
            }
        })
    }

    pub fn sale(&self, s: &Sale) -> Result<()> {
        self.emit(s, |o| {
            let title = match s.kind.as_str() {
                "void" => format!(
                    "{} #{} ({} #{})",
                    self.t("Pembatalan", "Void"),
                    s.sale_id,
                    self.t("membatalkan", "voids"),
                    s.reverses.unwrap_or_default()
                ),
                "return" => format!(
                    "{} #{} ({} #{})",
                    self.t("Retur", "Return"),
                    s.sale_id,
                    self.t("dari", "of"),
                    s.reverses.unwrap_or_default()
                ),
                _ => format!("{} #{}", self.t("Penjualan", "Sale"), s.sale_id),
            };
            w!(o, "{title}  {}", s.occurred_at);
            for l in &s.lines {
                w!(
                    o,
                    "  {:<36} {:>10} x {:>10} = {:>12}",
                    l.product,
                    format_qty(l.qty, &l.unit),
                    rp(l.price),
                    rp(l.total)
                );
            }
            if !s.discount.is_zero() {
                w!(
                    o,
                    "  {:<36} {:>38}",
                    self.t("Diskon", "Discount"),
                    rp(-s.discount)
                );
            }
            w!(o, "  {:<36} {:>38}", "TOTAL", rp(s.total));
            if let Some(t) = s.tendered {
                w!(o, "  {:<36} {:>38}", self.t("Tunai", "Cash"), rp(t));
                w!(
                    o,
                    "  {:<36} {:>38}",
                    self.t("Kembali", "Change"),
                    rp(s.change)
                );
            } else {
                w!(
                    o,
                    "  {:<36} {:>38}",
                    self.t("Bayar", "Paid by"),
                    pasar_core::document::Words::of(self.lang).payment(s.payment)
                );
            }
            // One line per product; a huge sale does not drown the screen.
            for w in s.warnings.iter().take(MAX_WARNINGS) {
                w!(o, "  ! {}", w.message(self.lang));
            }
            if s.warnings.len() > MAX_WARNINGS {
                w!(
                    o,
                    "  ! {} {}",
                    s.warnings.len() - MAX_WARNINGS,
                    self.t(
                        "peringatan lain (lihat --json)",
                        "more warnings (see --json)"
                    )
                );
            }
            for l in &s.low_stock {
                w!(
                    o,
                    "  ! {} {}: {}",
                    self.t("stok menipis", "low stock"),
                    l.product,
                    format_qty(l.stock, &l.unit)
                );
            }
        })
    }

    pub fn purchase(&self, p: &Purchase) -> Result<()> {
        self.emit(p, |o| {
            w!(
                o,
                "{} #{}  {}  {}",
                self.t("Pembelian", "Purchase"),
                p.purchase_id,
                p.supplier.as_deref().unwrap_or("-"),
                rp(p.total)
            );
            for l in &p.lines {
                w!(
                    o,
                    "  {:<36} {:>10} @ {:>10}  {} {}",
                    l.product,
                    format_qty(l.qty, &l.unit),
                    rp(l.unit_cost),
                    self.t("stok", "stock"),
                    format_qty(l.stock, &l.stock_unit)
                );
            }
        })
    }

    pub fn expense(&self, e: &Expense) -> Result<()> {
        self.emit(e, |o| {
            w!(
                o,
                "{} #{}  {}  {}  {}",
                self.t("Pengeluaran", "Expense"),
                e.expense_id,
                rp(e.amount),
                if self.en() {
                    e.category.as_str()
                } else {
                    e.category.label_id()
                },
                e.note.as_deref().unwrap_or("")
            )
        })
    }

    pub fn debt_entry(&self, contact: &str, e: &DebtEntry) -> Result<()> {
        self.emit(e, |o| {
            w!(
                o,
                "{contact}: {} {}, {} {}",
                self.word(&e.kind),
                rp(e.amount.abs()),
                self.t("sisa", "balance"),
                rp(e.balance)
            )
        })
    }

    pub fn debts(&self, list: &[DebtBalance]) -> Result<()> {
        self.emit(list, |o| {
            for b in list {
                let dir = if b.balance.is_sign_negative() {
                    self.t("(toko berutang)", "(shop owes)")
                } else {
                    ""
                };
                w!(
                    o,
                    "{:<30} {:>14} {dir}  {}",
                    b.contact,
                    rp(b.balance.abs()),
                    b.last_activity.as_deref().unwrap_or("")
                );
            }
            if list.is_empty() {
                w!(
                    o,
                    "{}",
                    self.t("Tidak ada kasbon terbuka.", "No open debts.")
                );
            }
        })
    }

    pub fn debt_history(&self, list: &[DebtEntry]) -> Result<()> {
        self.emit(list, |o| {
            for e in list {
                w!(
                    o,
                    "{}  {:<16} {:>12}  {} {}",
                    e.occurred_at,
                    self.word(&e.kind),
                    rp(e.amount),
                    self.t("sisa", "balance"),
                    rp(e.balance)
                );
            }
        })
    }

    pub fn contacts(&self, list: &[Contact]) -> Result<()> {
        self.emit(list, |o| {
            for c in list {
                w!(
                    o,
                    "#{:<4} {:<30} {:<9} {:<15} {}",
                    c.id,
                    c.name,
                    self.word(&c.kind),
                    c.phone.as_deref().unwrap_or("-"),
                    rp(c.balance)
                );
            }
        })
    }

    pub fn report(&self, r: &Report) -> Result<()> {
        self.emit(r, |o| {
            let pct = format_id((r.gross_margin * pasar_core::Decimal::from(100)).round_dp(1));
            w!(
                o,
                "{} {} .. {} ({})",
                self.t("Laporan", "Report"),
                r.from,
                r.to,
                r.timezone
            );
            let row = |o: &mut String, label: &str, v: pasar_core::Decimal| {
                w!(o, "  {label:<26} {:>16}", rp(v))
            };
            row(o, self.t("Omzet", "Revenue"), r.revenue);
            row(
                o,
                self.t("HPP (modal terjual)", "Cost of goods sold"),
                r.cogs,
            );
            w!(
                o,
                "  {:<26} {:>16}  ({pct}%)",
                self.t("Laba kotor", "Gross profit"),
                rp(r.gross_profit)
            );
            row(o, self.t("Pengeluaran", "Expenses"), r.expenses);
            for (c, v) in &r.expenses_by_category {
                if v != "0" {
                    let label = match pasar_core::ExpenseCategory::parse(c) {
                        Ok(cat) if !self.en() => cat.label_id(),
                        _ => c.as_str(),
                    };
                    w!(
                        o,
                        "    {label:<24} {:>16}",
                        rp(v.parse().unwrap_or_default())
                    );
                }
            }
            row(o, self.t("Laba bersih", "Net profit"), r.net_profit);
            row(o, self.t("Uang masuk", "Cash in"), r.cash_in);
            row(o, self.t("Uang keluar", "Cash out"), r.cash_out);
            w!(
                o,
                "  {:<26} {:>16}",
                self.t("Jumlah transaksi", "Sales"),
                r.sales_count
            );
            row(
                o,
                self.t("Kasbon pelanggan", "Customer debts"),
                r.debts_outstanding,
            );
            if !r.debts_payable.is_zero() {
                row(
                    o,
                    self.t("Utang ke pemasok", "Owed to suppliers"),
                    r.debts_payable,
                );
            }
            if !r.customer_credit.is_zero() {
                row(
                    o,
                    self.t("Titipan pelanggan", "Customer credit"),
                    r.customer_credit,
                );
            }
            if !r.top_products.is_empty() {
                w!(o, "  {}", self.t("Produk terlaris:", "Top products:"));
                for t in r.top_products.iter().take(5) {
                    w!(
                        o,
                        "    {:<36} {:>12} {:>14}",
                        t.name,
                        format_qty(t.qty, &t.unit),
                        rp(t.revenue)
                    );
                }
            }
            if !r.low_stock.is_empty() {
                w!(
                    o,
                    "  {}",
                    self.t("Stok menipis (saran beli):", "Low stock (suggested order):")
                );
                for l in r.low_stock.iter().take(10) {
                    w!(
                        o,
                        "    {:<36} {:>12} -> {}",
                        l.name,
                        format_qty(l.stock, &l.unit),
                        format_qty(l.suggested_order, &l.unit)
                    );
                }
            }
        })
    }

    /// A file was written.
    pub fn written(&self, path: &std::path::Path, bytes: usize) -> Result<()> {
        let shown = path.display().to_string();
        let v = serde_json::json!({"path": shown, "bytes": bytes});
        self.emit(&v, |o| {
            w!(
                o,
                "{} {shown} ({bytes} bytes)",
                self.t("Ditulis:", "Written:")
            )
        })
    }

    /// What an import did: counts, then each problem by its row and column.
    /// A message as the intent engine read it.
    pub fn chat(&self, r: &pasar_core::ChatReply) -> Result<()> {
        self.emit(r, |o| {
            w!(o, "{}", r.reply);
        })
    }

    pub fn understood(&self, c: &pasar_core::intent::Command) -> Result<()> {
        self.emit(c, |o| {
            let intent = serde_json::to_value(c.intent)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            w!(
                o,
                "{intent} ({}: {:.2})",
                self.t("yakin", "confidence"),
                c.confidence
            );
            for i in &c.items {
                let mut line = String::from("  ");
                if let Some(q) = i.quantity {
                    line.push_str(&format!("{} ", format_id(q)));
                }
                if let Some(u) = &i.unit {
                    line.push_str(&format!("{u} "));
                }
                line.push_str(i.product_name.as_deref().unwrap_or(&i.product));
                if let Some(p) = i.unit_price {
                    line.push_str(&format!(" @ {}", rp(p)));
                }
                if let Some(t) = i.total {
                    line.push_str(&format!(", {} {}", self.t("total", "total"), rp(t)));
                }
                w!(o, "{line}");
            }
            if let Some(a) = c.amount {
                w!(o, "  {} {}", self.t("jumlah", "amount"), rp(a));
            }
            if let Some(k) = c.category {
                w!(o, "  {} {k}", self.t("kategori", "category"));
            }
            if let Some(n) = &c.contact {
                w!(o, "  {} {n}", self.t("kontak", "contact"));
            }
            if let Some(p) = c.period {
                let p = serde_json::to_value(p).unwrap_or_default();
                w!(
                    o,
                    "  {} {}",
                    self.t("periode", "period"),
                    p.as_str().unwrap_or_default()
                );
            }
            if let Some(d) = c.date {
                w!(o, "  {} {d}", self.t("tanggal", "date"));
            }
            if let Some(q) = &c.clarification {
                w!(o, "  ? {q}");
            }
        })
    }

    pub fn imported(&self, r: &pasar_core::import::ImportReport) -> Result<()> {
        self.emit(r, |o| {
            let head = match (r.mode, r.committed) {
                (pasar_core::import::ImportMode::DryRun, _) => self.t(
                    "Uji impor (tidak ada yang disimpan)",
                    "Dry run (nothing saved)",
                ),
                (_, true) => self.t("Impor selesai", "Import done"),
                (_, false) if r.errors.is_empty() => {
                    self.t("Tidak ada yang berubah", "Nothing changed")
                }
                (_, false) => self.t("Tidak ada yang diimpor", "Nothing imported"),
            };
            let sheet = if r.plan.kind == "csv" {
                String::new()
            } else {
                format!(" {} \"{}\",", self.t("lembar", "sheet"), r.plan.sheet)
            };
            w!(
                o,
                "{head}:{sheet} {} {}",
                self.t("judul di baris", "header on row"),
                r.plan.header_row
            );
            // How the file was read, so a wrong column or reading is seen before it matters.
            let field = |k: &str| match k {
                "name" => self.t("nama", "name"),
                "sku" => self.t("kode", "code"),
                "barcode" => "barcode",
                "unit" => self.t("satuan", "unit"),
                "sell" => self.t("harga jual", "selling price"),
                "buy" => self.t("harga beli", "cost"),
                "stock" => self.t("stok", "stock"),
                "category" => self.t("kategori", "category"),
                "reorder" => self.t("stok minimum", "reorder point"),
                "factor" => self.t("isi", "conversion"),
                "variant" => self.t("varian", "variant"),
                "active" => self.t("aktif", "active"),
                _ => "?",
            };
            let header = |c: Option<usize>| {
                c.and_then(|c| r.plan.headers.get(c))
                    .map(String::as_str)
                    .unwrap_or("?")
            };
            let mapped: Vec<String> = r
                .plan
                .columns
                .iter()
                .map(|c| format!("\"{}\" = {}", header(c.column), field(&c.field)))
                .collect();
            w!(o, "  {}: {}", self.t("kolom", "columns"), mapped.join(", "));
            for rd in r.plan.readings.iter().filter(|x| x.ambiguous) {
                let col = header(
                    r.plan
                        .columns
                        .iter()
                        .find(|c| c.field == rd.field)
                        .and_then(|c| c.column),
                );
                let how = match (rd.dot_thousands, self.lang == Lang::En) {
                    (true, false) => "titik = ribuan (36.000 = tiga puluh enam ribu)",
                    (false, false) => "titik = desimal (36.000 = tiga puluh enam)",
                    (true, true) => "dot = thousands (36.000 = thirty-six thousand)",
                    (false, true) => "dot = decimals (36.000 = thirty-six)",
                };
                let flip = format!(
                    "--read {}={}",
                    rd.field,
                    if rd.dot_thousands {
                        "decimals"
                    } else {
                        "thousands"
                    }
                );
                w!(
                    o,
                    "  {} \"{col}\": {how} ({} {flip})",
                    self.t(
                        "perhatian, angka bisa dibaca dua cara di kolom",
                        "note, numbers could be read either way in column"
                    ),
                    self.t("sebaliknya:", "the other way:")
                );
            }
            for j in &r.plan.joined {
                w!(
                    o,
                    "  {}: {j}",
                    self.t("dari lembar lain", "from another sheet")
                );
            }
            if !r.plan.later_units.is_empty() {
                w!(
                    o,
                    "  {}: {}",
                    self.t("satuan jual tambahan", "extra selling units"),
                    r.plan.later_units.join(", ")
                );
            }
            w!(
                o,
                "  {} {}, {} {}, {} {}, {} {}",
                self.t("baru", "new"),
                r.inserted,
                self.t("diperbarui", "updated"),
                r.updated,
                self.t("sama", "unchanged"),
                r.unchanged,
                self.t("dilewati", "skipped"),
                r.skipped
            );
            for e in &r.errors {
                match &e.column {
                    Some(c) => w!(
                        o,
                        "  {} {} [{c}]: {}",
                        self.t("baris", "row"),
                        e.row,
                        e.message
                    ),
                    None => w!(o, "  {} {}: {}", self.t("baris", "row"), e.row, e.message),
                }
            }
        })
    }

    /// Text as it is (a receipt on the screen).
    pub fn raw(&self, text: &str) -> Result<()> {
        let v = serde_json::json!({ "text": text });
        self.emit(&v, |o| o.push_str(text))
    }

    /// What became of print jobs. An error when a job did not print (it stays in the queue),
    /// so scripts see a non-zero exit; the first failure is the error line.
    pub fn printed(
        &self,
        shop: &Shop,
        job: Option<i64>,
        done: &[(i64, pasar_core::JobStatus, Option<CoreError>)],
    ) -> Result<()> {
        use pasar_core::JobStatus;
        let status_word = |s: &JobStatus| {
            match s {
            JobStatus::Printed => self.t("tercetak", "printed"),
            JobStatus::Queued => self.t(
                "belum tercetak; tetap di antrean dan dicoba lagi oleh aplikasi atau `pasar print --pending`",
                "not printed; kept in the queue for the app or `pasar print --pending` to retry",
            ),
            JobStatus::Failed => self.t(
                "belum tercetak dan tidak dicoba lagi; cetak ulang setelah printernya diperbaiki",
                "not printed and not retried; print again once the printer is fixed",
            ),
            JobStatus::Sending => self.t("sedang dikirim", "being sent"),
            JobStatus::Cancelled => self.t("dibatalkan", "cancelled"),
        }
        };
        // The sale each job printed (none for a test page), looked up once.
        let sales: Vec<Option<i64>> = done
            .iter()
            .map(|(id, _, _)| shop.print_job(*id).ok().and_then(|j| j.sale_id))
            .collect();
        // "Struk #12" for a receipt, "Tes printer" for a test page; the queue number after it.
        let what = |k: usize| -> String {
            let id = done[k].0;
            match sales[k] {
                Some(sale) => format!(
                    "{} #{sale} ({} #{id})",
                    self.t("Struk", "Receipt"),
                    self.t("antrean", "job")
                ),
                None => format!(
                    "{} ({} #{id})",
                    self.t("Tes printer", "Printer test"),
                    self.t("antrean", "job")
                ),
            }
        };
        let jobs: Vec<_> = done
            .iter()
            .zip(&sales)
            .map(|((id, status, err), sale)| {
                serde_json::json!({
                    "job": id,
                    "sale_id": sale,
                    "status": status,
                    "error": err.as_ref().map(|e| e.body(self.lang)),
                })
            })
            .collect();
        let waiting = shop.print_jobs(true, 1000)?.len();
        let v = serde_json::json!({ "job": job, "jobs": jobs, "waiting": waiting });
        let failure = done.iter().find_map(|(_, _, e)| e.clone());
        if let Some(err) = failure {
            if !self.json {
                let mut text = String::new();
                for (k, (_, status, _)) in done.iter().enumerate() {
                    w!(text, "{}: {}", what(k), status_word(status));
                }
                write_stdout(&text)?;
            }
            return Err(err);
        }
        self.emit(&v, |o| {
            if done.is_empty() {
                w!(
                    o,
                    "{}",
                    self.t(
                        "Tidak ada antrean cetak yang menunggu.",
                        "No print job is waiting."
                    )
                );
            }
            for (k, (_, status, _)) in done.iter().enumerate() {
                w!(o, "{}: {}", what(k), status_word(status));
            }
        })
    }

    pub fn printers(&self, list: &[pasar_core::print_queue::FoundPrinter]) -> Result<()> {
        self.emit(list, |o| {
            if list.is_empty() {
                w!(
                    o,
                    "{}",
                    self.t(
                        "Tidak ada printer terlihat. Printer jaringan: tulis alamatnya, mis. tcp://192.168.1.50:9100",
                        "No printer found. A network printer: give its address, e.g. tcp://192.168.1.50:9100"
                    )
                );
            }
            for p in list {
                w!(o, "{:<28} {}", p.spec, p.label);
            }
        })
    }

    pub fn setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        let v = serde_json::json!({"key": key, "value": value});
        self.emit(&v, |o| w!(o, "{key} = {}", value.unwrap_or("")))
    }

    pub fn audit(&self, list: &[AuditEntry]) -> Result<()> {
        self.emit(list, |o| {
            for a in list {
                w!(
                    o,
                    "{}  {:<8} {:<18} {}#{}  {}",
                    a.at,
                    a.actor,
                    a.action,
                    a.entity,
                    a.entity_id.unwrap_or_default(),
                    a.detail
                );
            }
        })
    }

    pub fn stock_count(&self, c: &StockCount) -> Result<()> {
        self.emit(c, |o| {
            w!(
                o,
                "{}: {} {}, {} {}, {} {}",
                c.product,
                self.t("dihitung", "counted"),
                format_qty(c.counted, &c.unit),
                self.t("tercatat", "on record"),
                format_qty(c.expected, &c.unit),
                self.t("selisih", "difference"),
                format_qty(c.difference, &c.unit)
            )
        })
    }

    pub fn movements(&self, p: &Product, list: &[Movement]) -> Result<()> {
        self.emit(list, |o| {
            w!(
                o,
                "{} ({} {})",
                p.name,
                self.t("stok", "stock"),
                format_qty(p.stock, &p.unit)
            );
            for m in list {
                w!(
                    o,
                    "  {}  {:<10} {:>10}  -> {:>10}  {}#{}",
                    m.occurred_at,
                    self.word(&m.kind),
                    format_id(m.qty),
                    format_id(m.stock_after),
                    m.doc_type,
                    m.doc_id
                );
            }
        })
    }

    pub fn check(&self, problems: &[String]) -> Result<()> {
        let v = serde_json::json!({"ok": problems.is_empty(), "problems": problems});
        self.emit(&v, |o| {
            if problems.is_empty() {
                w!(
                    o,
                    "{}",
                    self.t(
                        "Buku dan stok cocok sampai ke rupiah.",
                        "Books and stock reconcile exactly."
                    )
                );
            }
        })?;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Database {
                detail: problems.join("; "),
            })
        }
    }
}
