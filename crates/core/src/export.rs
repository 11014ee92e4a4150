//! Tables out: the catalog (which re-imports unchanged), the transactions of a period and a
//! period report, in the shop's language, for pasar-import's xlsx/csv writers.

use rust_decimal::Decimal;

use crate::db::Shop;
use crate::error::{CoreError, Field, Lang, Problem, Result};
use crate::expenses::ExpenseCategory;
use crate::sales::Payment;

pub use pasar_import::export::{Table, Value, to_csv, to_xlsx};

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Catalog,
    Transactions,
    Report,
}

impl ExportKind {
    pub fn parse(s: &str) -> Result<ExportKind> {
        match s.trim().to_lowercase().as_str() {
            "catalog" | "katalog" | "produk" | "products" => Ok(ExportKind::Catalog),
            "transactions" | "transaksi" => Ok(ExportKind::Transactions),
            "report" | "laporan" => Ok(ExportKind::Report),
            other => Err(CoreError::invalid(
                Field::ExportKind,
                Problem::UnknownChoice {
                    value: other.to_string(),
                    choices: "catalog, transactions, report".into(),
                },
            )),
        }
    }
}

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn opt(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::Empty, t)
}

fn payment(p: Payment, lang: Lang) -> &'static str {
    let en = lang == Lang::En;
    match p {
        Payment::Cash if en => "Cash",
        Payment::Cash => "Tunai",
        Payment::Qris => "QRIS",
        Payment::Transfer => "Transfer",
        Payment::Kasbon if en => "On credit (kasbon)",
        Payment::Kasbon => "Kasbon",
    }
}

fn category(c: ExpenseCategory, lang: Lang) -> &'static str {
    if lang == Lang::Id {
        return c.label_id();
    }
    match c {
        ExpenseCategory::Utilities => "Utilities",
        ExpenseCategory::Rent => "Rent",
        ExpenseCategory::Salary => "Salaries",
        ExpenseCategory::Transport => "Transport",
        ExpenseCategory::Supplies => "Supplies",
        ExpenseCategory::Fees => "Fees",
        ExpenseCategory::Other => "Other",
    }
}

impl Shop {
    /// The tables of one export. `period` is used by transactions and report.
    pub fn export_tables(&self, kind: ExportKind, period: &str, lang: Lang) -> Result<Vec<Table>> {
        self.snapshot(|shop| match kind {
            ExportKind::Catalog => Ok(vec![shop.catalog_table(lang)?]),
            ExportKind::Transactions => Ok(vec![shop.transactions_table(period, lang)?]),
            ExportKind::Report => shop.report_tables(period, lang),
        })
    }

    /// The catalog as a stock list: one row per product and one per extra unit (same name,
    /// its size in "Isi" and its own price), so that importing it back changes nothing.
    fn catalog_table(&self, lang: Lang) -> Result<Table> {
        let en = lang == Lang::En;
        let h: &[&str] = if en {
            &[
                "SKU",
                "Barcode",
                "Item name",
                "Category",
                "Unit",
                "Conversion",
                "Selling price",
                "Cost",
                "Stock",
                "Reorder point",
                "Active",
            ]
        } else {
            &[
                "Kode",
                "Barcode",
                "Nama Barang",
                "Kategori",
                "Satuan",
                "Isi",
                "Harga Jual",
                "Harga Beli",
                "Stok",
                "Stok Minimum",
                "Aktif",
            ]
        };
        let mut rows = Vec::new();
        for p in self.products(true)? {
            let active = match (p.active, en) {
                (true, true) => "Yes",
                (false, true) => "No",
                (true, false) => "Ya",
                (false, false) => "Tidak",
            };
            rows.push(vec![
                opt(&p.sku),
                opt(&p.barcode),
                t(&p.name),
                opt(&p.category),
                t(&p.unit),
                Value::Qty(Decimal::ONE),
                Value::Money(p.price),
                Value::Money(p.cost),
                Value::Qty(p.stock),
                Value::Qty(p.reorder_point),
                t(active),
            ]);
            for u in &p.units {
                rows.push(vec![
                    Value::Empty,
                    opt(&u.code),
                    t(&p.name),
                    opt(&p.category),
                    t(&u.unit),
                    Value::Qty(u.factor),
                    u.price.map_or(Value::Empty, Value::Money),
                    Value::Empty,
                    Value::Empty,
                    Value::Empty,
                    t(active),
                ]);
            }
        }
        Ok(Table {
            name: if en { "Products" } else { "Produk" }.into(),
            headers: h.iter().map(|s| s.to_string()).collect(),
            rows,
        })
    }

    /// Local time that sorts as text in a spreadsheet.
    fn local(&self, stamp: &str) -> String {
        self.local_time_as(stamp, "%Y-%m-%d %H:%M")
    }

    /// Sales (and their voids and returns), purchases and expenses of a period, oldest first.
    fn transactions_table(&self, period: &str, lang: Lang) -> Result<Table> {
        let en = lang == Lang::En;
        let r = self.report(period)?;
        let mut rows: Vec<(String, i64, Vec<Value>)> = Vec::new();
        for s in self.sales_list(&r.from, &r.to, None, i64::MAX)? {
            let kind = match (s.kind.as_str(), en) {
                ("void", true) => "Void",
                ("void", false) => "Pembatalan",
                ("return", true) => "Return",
                ("return", false) => "Retur",
                (_, true) => "Sale",
                (_, false) => "Penjualan",
            };
            let note = match (s.reverses, en) {
                (Some(n), true) => format!("of sale #{n}"),
                (Some(n), false) => format!("dari penjualan #{n}"),
                (None, _) => String::new(),
            };
            rows.push((
                s.occurred_at.clone(),
                s.sale_id,
                vec![
                    Value::Date(self.local(&s.occurred_at)),
                    t(kind),
                    Value::Int(s.sale_id),
                    opt(&s.customer),
                    t(payment(s.payment, lang)),
                    Value::Money(s.total),
                    t(&note),
                ],
            ));
        }
        for p in self.purchases_list(&r.from, &r.to, i64::MAX)? {
            rows.push((
                p.occurred_at.clone(),
                p.purchase_id,
                vec![
                    Value::Date(self.local(&p.occurred_at)),
                    t(if en { "Purchase" } else { "Pembelian" }),
                    Value::Int(p.purchase_id),
                    opt(&p.supplier),
                    t(payment(p.payment, lang)),
                    Value::Money(p.total),
                    Value::Empty,
                ],
            ));
        }
        for e in self.expenses(&r.from, &r.to)? {
            let mut note = category(e.category, lang).to_string();
            if let Some(n) = &e.note {
                note = format!("{note}: {n}");
            }
            rows.push((
                e.occurred_at.clone(),
                e.expense_id,
                vec![
                    Value::Date(self.local(&e.occurred_at)),
                    t(if en { "Expense" } else { "Pengeluaran" }),
                    Value::Int(e.expense_id),
                    Value::Empty,
                    t(payment(e.payment, lang)),
                    Value::Money(e.amount),
                    t(&note),
                ],
            ));
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let h: &[&str] = if en {
            &["Time", "Type", "No", "Contact", "Payment", "Total", "Note"]
        } else {
            &[
                "Waktu",
                "Jenis",
                "No",
                "Kontak",
                "Pembayaran",
                "Total",
                "Keterangan",
            ]
        };
        Ok(Table {
            name: if en { "Transactions" } else { "Transaksi" }.into(),
            headers: h.iter().map(|s| s.to_string()).collect(),
            rows: rows.into_iter().map(|(_, _, r)| r).collect(),
        })
    }

    /// The Laporan figures, expenses by category, top products and debtors.
    fn report_tables(&self, period: &str, lang: Lang) -> Result<Vec<Table>> {
        let en = lang == Lang::En;
        let r = self.report(period)?;
        let pick = |id: &str, e: &str| if en { e.to_string() } else { id.to_string() };
        let money = |label: String, v: Decimal| vec![Value::Text(label), Value::Money(v)];
        let mut summary = vec![
            vec![
                Value::Text(pick("Periode", "Period")),
                Value::Text(format!("{} .. {}", r.from, r.to)),
            ],
            money(pick("Pendapatan", "Revenue"), r.revenue),
            money(pick("Harga pokok (HPP)", "Cost of goods sold"), r.cogs),
            money(pick("Laba kotor", "Gross profit"), r.gross_profit),
            money(pick("Pengeluaran", "Expenses"), r.expenses),
            money(pick("Laba bersih", "Net profit"), r.net_profit),
            money(pick("Kas masuk", "Cash in"), r.cash_in),
            money(pick("Kas keluar", "Cash out"), r.cash_out),
            money(pick("Arus kas bersih", "Net cash flow"), r.net_cash_flow),
            vec![
                Value::Text(pick("Jumlah penjualan", "Number of sales")),
                Value::Int(r.sales_count),
            ],
            money(pick("Diskon", "Discounts"), r.discounts),
            money(pick("Pembelian", "Purchases"), r.purchases),
            money(
                pick("Piutang kasbon", "Customers owe (kasbon)"),
                r.debts_outstanding,
            ),
            money(
                pick("Utang ke pemasok", "Owed to suppliers"),
                r.debts_payable,
            ),
        ];
        for (code, amount) in &r.expenses_by_category {
            let label = ExpenseCategory::parse(code)
                .map(|c| category(c, lang).to_string())
                .unwrap_or_else(|_| code.clone());
            let v: Decimal = amount.parse().unwrap_or_default();
            summary.push(money(
                format!("{}: {label}", pick("Pengeluaran", "Expenses")),
                v,
            ));
        }
        let top = Table {
            name: pick("Produk terlaris", "Top products"),
            headers: if en {
                vec![
                    "Product".into(),
                    "Qty".into(),
                    "Unit".into(),
                    "Revenue".into(),
                    "Gross profit".into(),
                ]
            } else {
                vec![
                    "Produk".into(),
                    "Jumlah".into(),
                    "Satuan".into(),
                    "Pendapatan".into(),
                    "Laba kotor".into(),
                ]
            },
            rows: r
                .top_products
                .iter()
                .map(|p| {
                    vec![
                        t(&p.name),
                        Value::Qty(p.qty),
                        t(&p.unit),
                        Value::Money(p.revenue),
                        Value::Money(p.gross_profit),
                    ]
                })
                .collect(),
        };
        let debtors = Table {
            name: pick("Kasbon", "Debtors"),
            headers: vec![
                pick("Pelanggan", "Customer"),
                pick("Sisa kasbon", "Balance"),
            ],
            rows: r
                .debtors
                .iter()
                .map(|d| vec![t(&d.contact), Value::Money(d.balance)])
                .collect(),
        };
        Ok(vec![
            Table {
                name: pick("Ringkasan", "Summary"),
                headers: vec![pick("Keterangan", "Item"), pick("Nilai", "Value")],
                rows: summary,
            },
            top,
            debtors,
        ])
    }
}
