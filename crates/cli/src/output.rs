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

pub struct Out {
    pub json: bool,
    pub lang: Lang,
}

impl Out {
    fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Prints `value` as JSON, or runs `human` to print the summary.
    fn emit<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce()) -> Result<()> {
        if self.json {
            let text =
                serde_json::to_string_pretty(value).map_err(|e| CoreError::Io(e.to_string()))?;
            println!("{text}");
        } else {
            human();
        }
        Ok(())
    }

    fn t<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { id }
    }

    pub fn init(&self, shop: &Shop) -> Result<()> {
        let path = shop.path().display().to_string();
        let v = serde_json::json!({"db": path, "schema_version": pasar_core::SCHEMA_VERSION});
        self.emit(&v, || {
            println!(
                "{} {path}",
                self.t("Database toko siap:", "Shop database ready:")
            )
        })
    }

    pub fn demo(&self, shop: &Shop, s: &DemoSummary) -> Result<()> {
        let path = shop.path().display().to_string();
        let v = serde_json::json!({"db": path, "summary": s});
        self.emit(&v, || {
            println!(
                "{} {path}\n  {} produk, {} hari, {} penjualan, {} pembelian, {} pengeluaran, {} cicilan kasbon",
                self.t("Toko demo dibuat:", "Demo shop created:"),
                s.products, s.days, s.sales, s.purchases, s.expenses, s.kasbon_payments
            )
        })
    }

    pub fn products(&self, list: &[Product]) -> Result<()> {
        self.emit(list, || {
            for p in list {
                println!(
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
                println!("{}", self.t("(tidak ada produk)", "(no products)"));
            }
        })
    }

    pub fn sale(&self, s: &Sale) -> Result<()> {
        self.emit(s, || {
            let title = match s.kind.as_str() {
                "void" => format!(
                    "{} #{} (membatalkan #{})",
                    self.t("Pembatalan", "Void"),
                    s.sale_id,
                    s.reverses.unwrap_or_default()
                ),
                "return" => format!(
                    "{} #{} (dari #{})",
                    self.t("Retur", "Return"),
                    s.sale_id,
                    s.reverses.unwrap_or_default()
                ),
                _ => format!("{} #{}", self.t("Penjualan", "Sale"), s.sale_id),
            };
            println!("{title}  {}", s.occurred_at);
            for l in &s.lines {
                println!(
                    "  {:<36} {:>10} x {:>10} = {:>12}",
                    l.product,
                    format_qty(l.qty, &l.unit),
                    rp(l.price),
                    rp(l.total)
                );
            }
            if !s.discount.is_zero() {
                println!(
                    "  {:<36} {:>38}",
                    self.t("Diskon", "Discount"),
                    rp(-s.discount)
                );
            }
            println!("  {:<36} {:>38}", "TOTAL", rp(s.total));
            if let Some(t) = s.tendered {
                println!("  {:<36} {:>38}", self.t("Tunai", "Cash"), rp(t));
                println!("  {:<36} {:>38}", self.t("Kembali", "Change"), rp(s.change));
            } else {
                println!(
                    "  {:<36} {:>38}",
                    self.t("Bayar", "Paid by"),
                    s.payment.as_str()
                );
            }
            for w in &s.warnings {
                println!("  ! {}", w.message);
            }
            for l in &s.low_stock {
                println!(
                    "  ! {} {}: {}",
                    self.t("stok menipis", "low stock"),
                    l.product,
                    format_qty(l.stock, &l.unit)
                );
            }
        })
    }

    pub fn purchase(&self, p: &Purchase) -> Result<()> {
        self.emit(p, || {
            println!(
                "{} #{}  {}  {}",
                self.t("Pembelian", "Purchase"),
                p.purchase_id,
                p.supplier.as_deref().unwrap_or("-"),
                rp(p.total)
            );
            for l in &p.lines {
                println!(
                    "  {:<36} {:>10} @ {:>10}  {} {}",
                    l.product,
                    format_qty(l.qty, &l.unit),
                    rp(l.unit_cost),
                    self.t("stok", "stock"),
                    format_qty(l.stock, &l.unit)
                );
            }
        })
    }

    pub fn expense(&self, e: &Expense) -> Result<()> {
        self.emit(e, || {
            println!(
                "{} #{}  {}  {}  {}",
                self.t("Pengeluaran", "Expense"),
                e.expense_id,
                rp(e.amount),
                e.category.as_str(),
                e.note.as_deref().unwrap_or("")
            )
        })
    }

    pub fn debt_entry(&self, contact: &str, e: &DebtEntry) -> Result<()> {
        self.emit(e, || {
            println!(
                "{contact}: {} {}, {} {}",
                e.kind,
                rp(e.amount.abs()),
                self.t("sisa", "balance"),
                rp(e.balance)
            )
        })
    }

    pub fn debts(&self, list: &[DebtBalance]) -> Result<()> {
        self.emit(list, || {
            for b in list {
                let dir = if b.balance.is_sign_negative() {
                    self.t("(toko berutang)", "(shop owes)")
                } else {
                    ""
                };
                println!(
                    "{:<30} {:>14} {dir}  {}",
                    b.contact,
                    rp(b.balance.abs()),
                    b.last_activity.as_deref().unwrap_or("")
                );
            }
            if list.is_empty() {
                println!("{}", self.t("Tidak ada kasbon terbuka.", "No open debts."));
            }
        })
    }

    pub fn debt_history(&self, list: &[DebtEntry]) -> Result<()> {
        self.emit(list, || {
            for e in list {
                println!(
                    "{}  {:<16} {:>12}  {} {}",
                    e.occurred_at,
                    e.kind,
                    rp(e.amount),
                    self.t("sisa", "balance"),
                    rp(e.balance)
                );
            }
        })
    }

    pub fn contacts(&self, list: &[Contact]) -> Result<()> {
        self.emit(list, || {
            for c in list {
                println!(
                    "#{:<4} {:<30} {:<9} {:<15} {}",
                    c.id,
                    c.name,
                    c.kind,
                    c.phone.as_deref().unwrap_or("-"),
                    rp(c.balance)
                );
            }
        })
    }

    pub fn report(&self, r: &Report) -> Result<()> {
        self.emit(r, || {
            let pct = format_id((r.gross_margin * pasar_core::Decimal::from(100)).round_dp(1));
            println!(
                "{} {} .. {} ({})",
                self.t("Laporan", "Report"),
                r.from,
                r.to,
                r.timezone
            );
            let row = |label: &str, v: pasar_core::Decimal| println!("  {label:<26} {:>16}", rp(v));
            row(self.t("Omzet", "Revenue"), r.revenue);
            row(self.t("HPP (modal terjual)", "Cost of goods sold"), r.cogs);
            println!(
                "  {:<26} {:>16}  ({pct}%)",
                self.t("Laba kotor", "Gross profit"),
                rp(r.gross_profit)
            );
            row(self.t("Pengeluaran", "Expenses"), r.expenses);
            for (c, v) in &r.expenses_by_category {
                if v != "0" {
                    let label = match pasar_core::ExpenseCategory::parse(c) {
                        Ok(cat) if !self.en() => cat.label_id(),
                        _ => c.as_str(),
                    };
                    println!("    {label:<24} {:>16}", rp(v.parse().unwrap_or_default()));
                }
            }
            row(self.t("Laba bersih", "Net profit"), r.net_profit);
            row(self.t("Uang masuk", "Cash in"), r.cash_in);
            row(self.t("Uang keluar", "Cash out"), r.cash_out);
            println!(
                "  {:<26} {:>16}",
                self.t("Jumlah transaksi", "Sales"),
                r.sales_count
            );
            row(
                self.t("Kasbon pelanggan", "Customer debts"),
                r.debts_outstanding,
            );
            if !r.top_products.is_empty() {
                println!("  {}", self.t("Produk terlaris:", "Top products:"));
                for t in r.top_products.iter().take(5) {
                    println!(
                        "    {:<36} {:>12} {:>14}",
                        t.name,
                        format_qty(t.qty, &t.unit),
                        rp(t.revenue)
                    );
                }
            }
            if !r.low_stock.is_empty() {
                println!(
                    "  {}",
                    self.t("Stok menipis (saran beli):", "Low stock (suggested order):")
                );
                for l in r.low_stock.iter().take(10) {
                    println!(
                        "    {:<36} {:>12} -> {}",
                        l.name,
                        format_qty(l.stock, &l.unit),
                        format_qty(l.suggested_order, &l.unit)
                    );
                }
            }
        })
    }

    pub fn setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        let v = serde_json::json!({"key": key, "value": value});
        self.emit(&v, || println!("{key} = {}", value.unwrap_or("")))
    }

    pub fn audit(&self, list: &[AuditEntry]) -> Result<()> {
        self.emit(list, || {
            for a in list {
                println!(
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
        self.emit(c, || {
            println!(
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
        self.emit(list, || {
            println!(
                "{} ({} {})",
                p.name,
                self.t("stok", "stock"),
                format_qty(p.stock, &p.unit)
            );
            for m in list {
                println!(
                    "  {}  {:<10} {:>10}  -> {:>10}  {}#{}",
                    m.occurred_at,
                    m.kind,
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
        self.emit(&v, || {
            if problems.is_empty() {
                println!(
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
            Err(CoreError::Database(problems.join("; ")))
        }
    }
}
