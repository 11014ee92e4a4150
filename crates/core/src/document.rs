//! Documents built from committed entries: the receipt of a sale or reversal, the A4 nota of
//! a sale or a purchase, and the period report. These are plain values (names, exact
//! amounts, the words of one language); renderers (text here in `receipt.rs`, PDF and
//! ESC/POS in pasar-print) only lay them out. Nothing here writes, and nothing is built
//! from a cart that has not been saved.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;

use crate::dashboard::DayFigures;
use crate::db::Shop;
use crate::db::dec;
use crate::error::{CoreError, Field, Lang, Problem, Result};
use crate::money::add_to;
use crate::report::Report;
use crate::sales::Payment;

/// Who is printing: the top of every document.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopHeader {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// A line under the name ("Sembako lengkap & grosir").
    pub tagline: Option<String>,
    /// PNG bytes, as set in Pengaturan.
    pub logo: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptKind {
    Sale,
    Void,
    Return,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptLine {
    pub name: String,
    /// Always positive; a reversal's lines say what came back.
    pub qty: Decimal,
    pub unit: String,
    /// Per `unit`, as charged.
    pub price: Decimal,
    pub discount: Decimal,
    /// qty × price − discount (positive; for a reversal: what is given back for the line).
    pub total: Decimal,
}

/// Everything a receipt shows, from one committed sale or reversal.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub lang: Lang,
    pub shop: ShopHeader,
    pub kind: ReceiptKind,
    pub sale_id: i64,
    /// For a reversal: the sale it takes back.
    pub reverses: Option<i64>,
    /// Date and time in the shop's zone, "21/11/2026 14:05".
    pub time: String,
    pub cashier: String,
    pub customer: Option<String>,
    /// The customer's phone in international digits ("628123…"), for sharing.
    pub customer_phone: Option<String>,
    pub lines: Vec<ReceiptLine>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    /// What the customer pays (a sale) or gets back (a reversal); positive.
    pub total: Decimal,
    pub payment: Payment,
    pub tendered: Option<Decimal>,
    pub change: Decimal,
    /// After a kasbon sale (or a reversal of one): what the customer owes now.
    pub kasbon_balance: Option<Decimal>,
    /// The reason given for a void or return.
    pub note: Option<String>,
    pub footer: String,
    /// Text to encode as a QR code at the bottom (a QRIS string, a wa.me link).
    pub qr: Option<String>,
    /// Reversals of this sale made since (a reprint says the sale was voided or returned).
    pub reversed_by: Vec<(i64, ReceiptKind)>,
}

impl Receipt {
    pub fn words(&self) -> &'static Words {
        Words::of(self.lang)
    }
}

/// A reprint's note on what happened to the sale since: "DIBATALKAN dengan #12", "Sebagian
/// diretur: #13, #15".
pub fn reversal_note(w: &Words, reversed_by: &[(i64, ReceiptKind)]) -> Option<String> {
    let ids = |k: ReceiptKind| {
        reversed_by
            .iter()
            .filter(|(_, kind)| *kind == k)
            .map(|(id, _)| format!("#{id}"))
            .collect::<Vec<_>>()
    };
    let voids = ids(ReceiptKind::Void);
    if !voids.is_empty() {
        return Some(format!("{} {}", w.voided_by, voids.join(", ")));
    }
    let returns = ids(ReceiptKind::Return);
    (!returns.is_empty()).then(|| format!("{} {}", w.returned_in, returns.join(", ")))
}

/// A party on an A4 nota: the customer of a sale or the supplier of a purchase.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Party {
    pub name: String,
    pub phone: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    /// A nota/faktur the shop gives a customer.
    Sale,
    /// The shop's record of goods received from a supplier.
    Purchase,
    /// The note of a void (the whole sale taken back).
    Void,
    /// The note of a return (goods taken back).
    Return,
}

/// A numbered line of an A4 nota: the same figures as a receipt line.
pub type InvoiceLine = ReceiptLine;

/// An A4 nota/faktur.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub lang: Lang,
    pub shop: ShopHeader,
    pub kind: InvoiceKind,
    /// "PJ-000123" for a sale, "PB-000045" for a purchase.
    pub number: String,
    pub date: String,
    pub party: Option<Party>,
    pub lines: Vec<InvoiceLine>,
    pub subtotal: Decimal,
    pub discount: Decimal,
    pub total: Decimal,
    pub payment: Payment,
    pub paid: Decimal,
    /// What stays owed after this document (kasbon or supplier credit).
    pub balance_due: Decimal,
    pub note: Option<String>,
    pub terms: Option<String>,
    pub cashier: String,
}

impl Invoice {
    pub fn words(&self) -> &'static Words {
        Words::of(self.lang)
    }
}

/// The A4 period report: the Laporan figures plus the daily series for the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDocument {
    pub lang: Lang,
    pub shop: ShopHeader,
    pub period_label: String,
    pub printed_at: String,
    pub report: Report,
    pub days: Vec<DayFigures>,
}

impl ReportDocument {
    pub fn words(&self) -> &'static Words {
        Words::of(self.lang)
    }
}

/// The fixed words of documents, in one language.
#[derive(Debug)]
pub struct Words {
    pub receipt_no: &'static str,
    pub cashier: &'static str,
    pub customer: &'static str,
    pub subtotal: &'static str,
    pub discount: &'static str,
    pub line_discount: &'static str,
    pub total: &'static str,
    pub refund_total: &'static str,
    pub tendered: &'static str,
    pub change: &'static str,
    pub paid_by: &'static str,
    pub kasbon_balance: &'static str,
    pub void_of: &'static str,
    pub return_of: &'static str,
    pub reason: &'static str,
    pub items: &'static str,
    pub item: &'static str,
    pub invoice_sale: &'static str,
    pub invoice_purchase: &'static str,
    pub invoice_reversal: &'static str,
    pub invoice_void: &'static str,
    pub refunded: &'static str,
    pub credited: &'static str,
    pub voided_by: &'static str,
    pub returned_in: &'static str,
    pub number: &'static str,
    pub date: &'static str,
    pub bill_to: &'static str,
    pub supplier: &'static str,
    pub col_no: &'static str,
    pub col_item: &'static str,
    pub col_qty: &'static str,
    pub col_price: &'static str,
    pub col_discount: &'static str,
    pub col_total: &'static str,
    pub paid: &'static str,
    pub balance_due: &'static str,
    pub note: &'static str,
    pub terms: &'static str,
    pub received_by: &'static str,
    pub issued_by: &'static str,
    pub page: &'static str,
    pub report_title: &'static str,
    pub period: &'static str,
    pub printed: &'static str,
    pub revenue: &'static str,
    pub cogs: &'static str,
    pub gross_profit: &'static str,
    pub gross_margin: &'static str,
    pub expenses: &'static str,
    pub net_profit: &'static str,
    pub sales_count: &'static str,
    pub reversals: &'static str,
    pub discounts: &'static str,
    pub purchases: &'static str,
    pub cash_in: &'static str,
    pub cash_out: &'static str,
    pub net_cash: &'static str,
    pub debts_outstanding: &'static str,
    pub debts_payable: &'static str,
    pub daily_sales: &'static str,
    pub expenses_by_category: &'static str,
    pub top_products: &'static str,
    pub product: &'static str,
    pub qty_sold: &'static str,
    pub debtors: &'static str,
    pub low_stock: &'static str,
    pub stock_left: &'static str,
    pub none: &'static str,
    pub test_title: &'static str,
    pub test_body: &'static str,
}

const ID: Words = Words {
    receipt_no: "No.",
    cashier: "Kasir",
    customer: "Pelanggan",
    subtotal: "Subtotal",
    discount: "Diskon",
    line_discount: "diskon",
    total: "TOTAL",
    refund_total: "TOTAL KEMBALI",
    tendered: "Tunai",
    change: "Kembali",
    paid_by: "Bayar",
    kasbon_balance: "Sisa kasbon",
    void_of: "PEMBATALAN untuk",
    return_of: "RETUR dari",
    reason: "Alasan",
    items: "barang",
    item: "barang",
    invoice_sale: "NOTA PENJUALAN",
    invoice_purchase: "NOTA PEMBELIAN",
    invoice_reversal: "NOTA RETUR",
    invoice_void: "NOTA PEMBATALAN",
    refunded: "Dikembalikan",
    credited: "Mengurangi kasbon",
    voided_by: "DIBATALKAN dengan",
    returned_in: "Sebagian diretur:",
    number: "Nomor",
    date: "Tanggal",
    bill_to: "Kepada",
    supplier: "Pemasok",
    col_no: "No",
    col_item: "Barang",
    col_qty: "Jumlah",
    col_price: "Harga",
    col_discount: "Diskon",
    col_total: "Subtotal",
    paid: "Dibayar",
    balance_due: "Sisa tagihan",
    note: "Catatan",
    terms: "Ketentuan",
    received_by: "Penerima",
    issued_by: "Hormat kami",
    page: "Halaman",
    report_title: "LAPORAN USAHA",
    period: "Periode",
    printed: "Dicetak",
    revenue: "Omzet",
    cogs: "Harga pokok (HPP)",
    gross_profit: "Laba kotor",
    gross_margin: "Margin kotor",
    expenses: "Pengeluaran",
    net_profit: "Laba bersih",
    sales_count: "Jumlah transaksi",
    reversals: "Pembatalan/retur",
    discounts: "Diskon diberikan",
    purchases: "Pembelian stok",
    cash_in: "Uang masuk",
    cash_out: "Uang keluar",
    net_cash: "Arus kas bersih",
    debts_outstanding: "Kasbon pelanggan",
    debts_payable: "Utang ke pemasok",
    daily_sales: "Penjualan harian",
    expenses_by_category: "Pengeluaran per kategori",
    top_products: "Produk terlaris",
    product: "Produk",
    qty_sold: "Terjual",
    debtors: "Pelanggan berutang",
    low_stock: "Stok menipis",
    stock_left: "Sisa",
    none: "tidak ada",
    test_title: "TES PRINTER",
    test_body: "Jika tulisan ini terbaca rapi, printer siap dipakai.",
};

const EN: Words = Words {
    receipt_no: "No.",
    cashier: "Cashier",
    customer: "Customer",
    subtotal: "Subtotal",
    discount: "Discount",
    line_discount: "discount",
    total: "TOTAL",
    refund_total: "REFUND",
    tendered: "Cash",
    change: "Change",
    paid_by: "Paid by",
    kasbon_balance: "Credit balance",
    void_of: "VOID of",
    return_of: "RETURN of",
    reason: "Reason",
    items: "items",
    item: "item",
    invoice_sale: "SALES INVOICE",
    invoice_purchase: "PURCHASE NOTE",
    invoice_reversal: "RETURN NOTE",
    invoice_void: "VOID NOTE",
    refunded: "Refunded",
    credited: "Taken off the credit balance",
    voided_by: "VOIDED by",
    returned_in: "Partly returned:",
    number: "Number",
    date: "Date",
    bill_to: "Bill to",
    supplier: "Supplier",
    col_no: "No",
    col_item: "Item",
    col_qty: "Qty",
    col_price: "Price",
    col_discount: "Discount",
    col_total: "Amount",
    paid: "Paid",
    balance_due: "Balance due",
    note: "Note",
    terms: "Terms",
    received_by: "Received by",
    issued_by: "Issued by",
    page: "Page",
    report_title: "BUSINESS REPORT",
    period: "Period",
    printed: "Printed",
    revenue: "Revenue",
    cogs: "Cost of goods sold",
    gross_profit: "Gross profit",
    gross_margin: "Gross margin",
    expenses: "Expenses",
    net_profit: "Net profit",
    sales_count: "Sales",
    reversals: "Voids/returns",
    discounts: "Discounts given",
    purchases: "Stock purchases",
    cash_in: "Cash in",
    cash_out: "Cash out",
    net_cash: "Net cash flow",
    debts_outstanding: "Owed by customers",
    debts_payable: "Owed to suppliers",
    daily_sales: "Daily sales",
    expenses_by_category: "Expenses by category",
    top_products: "Top products",
    product: "Product",
    qty_sold: "Sold",
    debtors: "Customers who owe",
    low_stock: "Low stock",
    stock_left: "Left",
    none: "none",
    test_title: "PRINTER TEST",
    test_body: "If this reads cleanly, the printer is ready.",
};

impl Words {
    pub fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }

    /// "3 barang", "1 item", "3 items".
    pub fn count_items(&self, n: usize) -> String {
        format!("{n} {}", if n == 1 { self.item } else { self.items })
    }

    pub fn payment(&self, p: Payment) -> &'static str {
        let en = std::ptr::eq(self, &EN);
        match p {
            Payment::Cash if en => "Cash",
            Payment::Cash => "Tunai",
            Payment::Qris => "QRIS",
            Payment::Transfer => "Transfer",
            Payment::Kasbon if en => "Store credit",
            Payment::Kasbon => "Kasbon",
        }
    }

    pub fn expense_category(&self, c: &str) -> &'static str {
        let en = std::ptr::eq(self, &EN);
        match c {
            "utilities" if en => "Utilities",
            "utilities" => "Listrik, air, pulsa",
            "rent" if en => "Rent",
            "rent" => "Sewa",
            "salary" if en => "Wages",
            "salary" => "Gaji",
            "transport" if en => "Transport",
            "transport" => "Transportasi",
            "supplies" if en => "Supplies",
            "supplies" => "Perlengkapan",
            "fees" if en => "Fees",
            "fees" => "Biaya admin",
            _ if en => "Other",
            _ => "Lainnya",
        }
    }
}

/// The largest logo accepted, in bytes and pixels per side.
pub const MAX_LOGO_BYTES: usize = 1024 * 1024;
pub const MAX_LOGO_SIDE: u32 = 4000;

/// Checks that bytes are a PNG the renderers can take: the signature, an IHDR chunk with
/// sane dimensions, and a bounded size. (The pixels are decoded by the renderers.)
pub fn check_png(bytes: &[u8]) -> Result<(u32, u32)> {
    let bad = || CoreError::invalid(Field::Logo, Problem::NotAnImage);
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() > MAX_LOGO_BYTES || bytes.len() < 33 || !bytes.starts_with(SIG) {
        return Err(bad());
    }
    if &bytes[12..16] != b"IHDR" {
        return Err(bad());
    }
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if w == 0 || h == 0 || w > MAX_LOGO_SIDE || h > MAX_LOGO_SIDE {
        return Err(bad());
    }
    Ok((w, h))
}

/// "628123456789" → "08123456789": how people here write their numbers.
pub fn local_phone(stored: &str) -> String {
    match stored.strip_prefix("62") {
        Some(rest) => format!("0{rest}"),
        None => stored.to_string(),
    }
}

/// occurred_at, supplier, payment, total, note, actor.
type PurchaseHead = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
);

fn opt(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Shop {
    /// The language documents are worded in (the shop's `language` setting).
    pub fn document_lang(&self) -> Result<Lang> {
        Ok(self
            .setting("language")?
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default())
    }

    pub fn shop_header(&self) -> Result<ShopHeader> {
        Ok(ShopHeader {
            name: opt(self.setting("shop_name")?).unwrap_or_else(|| "Toko Saya".into()),
            address: opt(self.setting("shop_address")?),
            phone: opt(self.setting("shop_phone")?),
            tagline: opt(self.setting("receipt_header")?),
            logo: self.logo()?,
        })
    }

    /// The receipt logo (PNG bytes), if one is set.
    pub fn logo(&self) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT data FROM shop_assets WHERE name = 'receipt_logo'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets (Some) or removes (None) the receipt logo. Only a PNG within bounds is taken.
    pub fn set_logo(&mut self, png: Option<&[u8]>) -> Result<()> {
        self.require_owner("settings.change")?;
        if let Some(bytes) = png {
            check_png(bytes)?;
        }
        let at = crate::time::stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        match png {
            Some(bytes) => {
                tx.execute(
                    "INSERT INTO shop_assets(name, data, updated_at) VALUES ('receipt_logo', ?1, ?2)
                     ON CONFLICT(name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                    params![bytes, at],
                )?;
            }
            None => {
                tx.execute("DELETE FROM shop_assets WHERE name = 'receipt_logo'", [])?;
            }
        }
        crate::db::audit(
            &tx,
            &at,
            &actor,
            "set_logo",
            "setting",
            None,
            &serde_json::json!({ "bytes": png.map(<[u8]>::len) }),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn local_time(&self, stamp: &str) -> String {
        self.local_time_as(stamp, "%d/%m/%Y %H:%M")
    }

    /// A stored UTC stamp as the shop's local time, in `format` ("" when unreadable).
    pub(crate) fn local_time_as(&self, stamp: &str, format: &str) -> String {
        crate::time::parse_stamp(stamp)
            .map(|t| {
                t.with_timezone(&self.settings().tz.offset)
                    .format(format)
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// The receipt of a saved sale or reversal, worded in the shop's language.
    pub fn receipt(&self, sale_id: i64) -> Result<Receipt> {
        let lang = self.document_lang()?;
        self.receipt_in(sale_id, lang)
    }

    pub fn receipt_in(&self, sale_id: i64, lang: Lang) -> Result<Receipt> {
        let sale = self.sale(sale_id)?;
        let (actor, phone): (String, Option<String>) = self.conn.query_row(
            "SELECT s.actor, c.phone FROM sales s LEFT JOIN contacts c ON c.id = s.contact_id
             WHERE s.id = ?1",
            [sale_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let kind = match sale.kind.as_str() {
            "void" => ReceiptKind::Void,
            "return" => ReceiptKind::Return,
            _ => ReceiptKind::Sale,
        };
        let lines = sale
            .lines
            .iter()
            .map(|l| ReceiptLine {
                name: l.product.clone(),
                qty: l.qty.abs(),
                unit: l.unit.clone(),
                price: l.price.abs(),
                discount: l.discount.abs(),
                total: l.total.abs(),
            })
            .collect();
        let kasbon_balance = if sale.payment == Payment::Kasbon {
            self.balance_after_sale(sale_id)?
        } else {
            None
        };
        Ok(Receipt {
            lang,
            shop: self.shop_header()?,
            kind,
            sale_id,
            reverses: sale.reverses,
            time: self.local_time(&sale.occurred_at),
            cashier: actor,
            customer: sale.customer.clone(),
            customer_phone: phone,
            lines,
            subtotal: sale.subtotal.abs(),
            discount: sale.discount.abs(),
            total: sale.total.abs(),
            payment: sale.payment,
            tendered: sale.tendered,
            change: sale.change,
            kasbon_balance,
            note: if kind == ReceiptKind::Sale {
                None
            } else {
                opt(sale.note.clone())
            },
            footer: opt(self.setting("receipt_footer")?).unwrap_or_else(|| {
                match lang {
                    Lang::Id => "Terima kasih",
                    Lang::En => "Thank you",
                }
                .into()
            }),
            qr: opt(self.setting("receipt_qr")?),
            reversed_by: self.reversals_of(sale_id)?,
        })
    }

    fn reversals_of(&self, sale_id: i64) -> Result<Vec<(i64, ReceiptKind)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, kind FROM sales WHERE reverses = ?1 ORDER BY id")?;
        let rows = st
            .query_map([sale_id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(id, k)| {
                let kind = if k == "void" {
                    ReceiptKind::Void
                } else {
                    ReceiptKind::Return
                };
                (id, kind)
            })
            .collect())
    }

    /// The customer's kasbon balance right after the debt entry of this sale.
    fn balance_after_sale(&self, sale_id: i64) -> Result<Option<Decimal>> {
        let entry: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, contact_id FROM debt_entries WHERE sale_id = ?1 ORDER BY id DESC LIMIT 1",
                [sale_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((entry, contact)) = entry else {
            return Ok(None);
        };
        let mut st = self
            .conn
            .prepare_cached("SELECT amount FROM debt_entries WHERE contact_id = ?1 AND id <= ?2")?;
        let mut total = Decimal::ZERO;
        for v in st.query_map(params![contact, entry], |r| dec(r, 0))? {
            add_to(&mut total, v?)?;
        }
        Ok(Some(total))
    }

    /// The A4 nota of a sale (or the credit note of a reversal).
    pub fn sale_invoice(&self, sale_id: i64, lang: Lang) -> Result<Invoice> {
        let r = self.receipt_in(sale_id, lang)?;
        let sale = self.sale(sale_id)?;
        let party = match &sale.customer {
            Some(name) => Some(self.party(name)?),
            None => None,
        };
        let reversal = r.kind != ReceiptKind::Sale;
        let paid = if sale.payment == Payment::Kasbon {
            Decimal::ZERO
        } else {
            r.total
        };
        // A reversal owes nothing: it gives back (or takes off the kasbon) its total. A kasbon
        // sale owes its total less what was taken back since.
        let mut given_back = Decimal::ZERO;
        if !reversal && sale.payment == Payment::Kasbon {
            for (id, _) in &r.reversed_by {
                add_to(&mut given_back, self.sale(*id)?.total.abs())?;
            }
        }
        let balance_due = if reversal {
            Decimal::ZERO
        } else {
            (r.total - paid - given_back).max(Decimal::ZERO)
        };
        let w = Words::of(r.lang);
        Ok(Invoice {
            lang: r.lang,
            shop: r.shop,
            kind: match r.kind {
                ReceiptKind::Sale => InvoiceKind::Sale,
                ReceiptKind::Void => InvoiceKind::Void,
                ReceiptKind::Return => InvoiceKind::Return,
            },
            number: format!("PJ-{sale_id:06}"),
            date: r.time,
            party,
            lines: r.lines,
            subtotal: r.subtotal,
            discount: r.discount,
            total: r.total,
            payment: r.payment,
            paid,
            balance_due,
            note: match r.kind {
                ReceiptKind::Sale => {
                    let mut parts: Vec<String> = opt(sale.note).into_iter().collect();
                    parts.extend(reversal_note(w, &r.reversed_by));
                    (!parts.is_empty()).then(|| parts.join(" · "))
                }
                kind => {
                    let what = if kind == ReceiptKind::Void {
                        w.void_of
                    } else {
                        w.return_of
                    };
                    let head = format!("{what} #{}", r.reverses.unwrap_or_default());
                    Some(match r.note {
                        Some(n) => format!("{head}: {n}"),
                        None => head,
                    })
                }
            },
            terms: opt(self.setting("invoice_terms")?),
            cashier: r.cashier,
        })
    }

    fn party(&self, name: &str) -> Result<Party> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT phone, note FROM contacts WHERE name = ?1 COLLATE NOCASE",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (phone, note) = row.unwrap_or_default();
        Ok(Party {
            name: name.to_string(),
            phone: phone.map(|p| local_phone(&p)),
            note: opt(note),
        })
    }

    /// The A4 note of a purchase (goods received from a supplier).
    pub fn purchase_invoice(&self, purchase_id: i64, lang: Lang) -> Result<Invoice> {
        let head: Option<PurchaseHead> = self
            .conn
            .query_row(
                "SELECT p.occurred_at, c.name, p.payment, p.total, p.note, p.actor
                 FROM purchases p LEFT JOIN contacts c ON c.id = p.contact_id WHERE p.id = ?1",
                [purchase_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((at, supplier, payment, total, note, actor)) = head else {
            return Err(CoreError::PurchaseNotFound { id: purchase_id });
        };
        let total: Decimal = total.parse().map_err(|_| CoreError::Database {
            detail: format!("purchase {purchase_id} total"),
        })?;
        let payment = Payment::parse(&payment)?;
        let mut st = self.conn.prepare_cached(
            "SELECT p.name, l.qty, l.unit, l.unit_cost, l.total FROM purchase_lines l
             JOIN products p ON p.id = l.product_id WHERE l.purchase_id = ?1 ORDER BY l.id",
        )?;
        let lines = st
            .query_map([purchase_id], |r| {
                Ok(InvoiceLine {
                    name: r.get(0)?,
                    qty: dec(r, 1)?,
                    unit: r.get(2)?,
                    price: dec(r, 3)?,
                    discount: Decimal::ZERO,
                    total: dec(r, 4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let party = match &supplier {
            Some(name) => Some(self.party(name)?),
            None => None,
        };
        let paid = if payment == Payment::Kasbon {
            Decimal::ZERO
        } else {
            total
        };
        Ok(Invoice {
            lang,
            shop: self.shop_header()?,
            kind: InvoiceKind::Purchase,
            number: format!("PB-{purchase_id:06}"),
            date: self.local_time(&at),
            party,
            lines,
            subtotal: total,
            discount: Decimal::ZERO,
            total,
            payment,
            paid,
            balance_due: total - paid,
            note: opt(note),
            terms: None,
            cashier: actor,
        })
    }

    /// The A4 period report.
    pub fn report_document(&self, period: &str, lang: Lang) -> Result<ReportDocument> {
        self.owner_may_see("report.view")?;
        let p = self.period(period)?;
        let report = self.report_for(p)?;
        let days = self.daily_series(p)?;
        let fmt = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        let period_label = if p.from == p.to {
            fmt(p.from)
        } else {
            format!("{} – {}", fmt(p.from), fmt(p.to))
        };
        let now = crate::time::stamp(self.clock.now());
        Ok(ReportDocument {
            lang,
            shop: self.shop_header()?,
            period_label,
            printed_at: self.local_time(&now),
            report,
            days,
        })
    }
}
