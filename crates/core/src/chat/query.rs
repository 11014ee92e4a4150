//! Questions the agents answer without writing: reports (report agent), stock, prices and
//! reorder suggestions (inventory agent), kasbon balances and reminders (finance agent),
//! greetings and help.

use super::{ChatStatus, Outcome, Reminder};
use crate::db::Shop;
use crate::error::Result;
use crate::money::{format_id, format_qty, format_rupiah};
use crate::report::Period as Span;
use pasar_intent::{Command, Intent, Period};
use rust_decimal::Decimal;

const EXAMPLES: &str = "• *jual 5 kg beras @12rb*\n• *beli 2 dus aqua 90rb dari agen*\n• *bayar listrik 150rb*\n• *bu Sri ngutang 60rb* / *bu Sri bayar 20rb*\n• *stok gula berapa* / *harga minyak*\n• *laporan hari ini* / *untung minggu ini*\n• *siapa saja yang ngutang* / *tagih bu Sri*\n• *batal yang tadi*";

fn period_words(p: Period) -> &'static str {
    match p {
        Period::Today => "hari ini",
        Period::Yesterday => "kemarin",
        Period::ThisWeek => "minggu ini",
        Period::LastWeek => "minggu lalu",
        Period::ThisMonth => "bulan ini",
        Period::LastMonth => "bulan lalu",
        Period::Last7Days => "7 hari terakhir",
        Period::ThisYear => "tahun ini",
        Period::LastYear => "tahun lalu",
    }
}

fn date_id(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%d-%m-%Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

const REMIND_WORDS: &[&str] = &[
    "tagih",
    "tagihin",
    "nagih",
    "ditagih",
    "tagihkan",
    "ingatkan",
    "ingetin",
    "ngingetin",
    "ingatin",
    "ilingke",
    "elingke",
    "emutan",
    "reminder",
];

impl Shop {
    /// Answers a question (or says what it can do).
    pub(crate) fn query(&self, cmd: &Command, text: &str) -> Result<Outcome> {
        let says = |status, reply: String| Ok(Outcome::says(cmd.intent, status, reply));
        match cmd.intent {
            Intent::Report => {
                let (span, label) = match (cmd.date, cmd.period) {
                    (Some(d), _) => (
                        Span { from: d, to: d },
                        format!("tanggal {}", d.format("%d-%m-%Y")),
                    ),
                    (None, p) => {
                        let p = p.unwrap_or(Period::Today);
                        (
                            Span::parse(
                                serde_json::json!(p).as_str().unwrap_or("today"),
                                self.today(),
                            )?,
                            period_words(p).to_string(),
                        )
                    }
                };
                says(ChatStatus::Answered, self.report_text(span, &label)?)
            }
            Intent::StockQuery => says(ChatStatus::Answered, self.stock_text(cmd)?),
            Intent::PriceQuery => says(ChatStatus::Answered, self.price_text(cmd)?),
            Intent::DebtQuery => says(ChatStatus::Answered, self.debt_text(cmd)?),
            Intent::Greeting if pasar_intent::thanks(text) => says(
                ChatStatus::Answered,
                "Sama-sama! Ketik saja kalau ada yang mau dicatat.".into(),
            ),
            Intent::Greeting => {
                let shop = self.setting("shop_name")?.unwrap_or_else(|| "toko".into());
                says(
                    ChatStatus::Answered,
                    format!("Halo! Saya asisten *{shop}*. Coba ketik:\n{EXAMPLES}"),
                )
            }
            Intent::Help => says(
                ChatStatus::Answered,
                format!(
                    "Saya bisa mencatat penjualan, pembelian, pengeluaran dan kasbon, menjawab stok, harga dan laporan. Contoh:\n{EXAMPLES}\nSemua tercatat di buku toko; yang salah bisa dibatalkan dengan *batal yang tadi*."
                ),
            ),
            // "iya" or "batal" with nothing asked.
            _ if {
                let a = pasar_intent::answer(text);
                (a.yes || a.no) && a.words.is_empty() && a.money.is_none() && a.quantity.is_none()
            } =>
            {
                says(
                    ChatStatus::Answered,
                    "Tidak ada yang sedang menunggu jawaban. Tulis catatannya, mis. *jual 2 kg beras*."
                        .to_string(),
                )
            }
            _ => says(
                ChatStatus::NeedsClarification,
                format!(
                    "Maaf, saya belum paham \"{}\". Coba seperti ini:\n{EXAMPLES}",
                    text.chars().take(80).collect::<String>()
                ),
            ),
        }
    }

    fn report_text(&self, span: Span, label: &str) -> Result<String> {
        // Cost and profit are the owner's: a cashier asking gets the reason, not the figures.
        self.owner_may_see("report.view")?;
        let r = self.report_for(span)?;
        let mut t = format!(
            "*Laporan {label}*{}\nPenjualan: *{}* ({} transaksi)\nLaba kotor: {}\nPengeluaran: {}\n*Laba bersih: {}*",
            if r.from == r.to {
                format!(" ({})", date_id(&r.from))
            } else {
                format!(" ({} s/d {})", date_id(&r.from), date_id(&r.to))
            },
            format_rupiah(r.revenue),
            r.sales_count,
            format_rupiah(r.gross_profit),
            format_rupiah(r.expenses),
            format_rupiah(r.net_profit),
        );
        if !r.purchases.is_zero() {
            t.push_str(&format!("\nBelanja stok: {}", format_rupiah(r.purchases)));
        }
        if !r.top_products.is_empty() {
            t.push_str("\nTerlaris:");
            for (i, p) in r.top_products.iter().take(3).enumerate() {
                t.push_str(&format!(
                    "\n{}. {} — {} ({})",
                    i + 1,
                    p.name,
                    format_qty(p.qty, &p.unit),
                    format_rupiah(p.revenue)
                ));
            }
        }
        if r.debts_outstanding > Decimal::ZERO {
            t.push_str(&format!(
                "\nKasbon pelanggan belum lunas: {}",
                format_rupiah(r.debts_outstanding)
            ));
        }
        Ok(t)
    }

    fn stock_text(&self, cmd: &Command) -> Result<String> {
        if cmd.items.is_empty() {
            let low = self.low_stock()?;
            if low.is_empty() {
                return Ok("✓ Semua stok masih di atas batas minimum.".into());
            }
            let mut t = String::from("⚠ *Stok menipis:*");
            for l in low.iter().take(10) {
                t.push_str(&format!(
                    "\n• {} tinggal {}",
                    l.name,
                    format_qty(l.stock, &l.unit)
                ));
                if l.suggested_order > Decimal::ZERO {
                    t.push_str(&format!(
                        " — saran pesan {}",
                        format_qty(l.suggested_order, &l.unit)
                    ));
                }
            }
            return Ok(t);
        }
        let mut parts = Vec::new();
        for item in &cmd.items {
            let found = match item.product_id {
                Some(id) => vec![self.product(id)?],
                None => self.search_products(&item.product, 5)?,
            };
            match found.as_slice() {
                [] => parts.push(format!("Produk *{}* tidak ada di katalog.", item.product)),
                [p] => {
                    let mut t = format!("Stok *{}*: {}", p.name, format_qty(p.stock, &p.unit));
                    if p.reorder_point > Decimal::ZERO && p.stock <= p.reorder_point {
                        let suggestion = self
                            .low_stock()?
                            .into_iter()
                            .find(|l| l.product_id == p.id)
                            .filter(|l| l.suggested_order > Decimal::ZERO)
                            .map(|l| {
                                format!("; saran pesan {}", format_qty(l.suggested_order, &p.unit))
                            })
                            .unwrap_or_default();
                        t.push_str(&format!(
                            "\n⚠ Di bawah batas minimum ({}){suggestion}.",
                            format_qty(p.reorder_point, &p.unit)
                        ));
                    }
                    parts.push(t);
                }
                many => {
                    let mut t = format!("*{}* ada beberapa:", item.product);
                    for p in many {
                        t.push_str(&format!("\n• {}: {}", p.name, format_qty(p.stock, &p.unit)));
                    }
                    parts.push(t);
                }
            }
        }
        Ok(parts.join("\n"))
    }

    fn price_text(&self, cmd: &Command) -> Result<String> {
        if cmd.items.is_empty() {
            return Ok("Harga barang apa? (mis. *harga beras*)".into());
        }
        let mut parts = Vec::new();
        for item in &cmd.items {
            let found = match item.product_id {
                Some(id) => vec![self.product(id)?],
                None => self.search_products(&item.product, 5)?,
            };
            if found.is_empty() {
                parts.push(format!("Produk *{}* tidak ada di katalog.", item.product));
            }
            for p in found {
                let mut t = format!("*{}*: {}/{}", p.name, format_rupiah(p.price), p.unit);
                for u in &p.units {
                    let price = u.price.unwrap_or(p.price * u.factor);
                    t.push_str(&format!(
                        "\n   {} ({} {}): {}",
                        u.unit,
                        format_id(u.factor),
                        p.unit,
                        format_rupiah(price)
                    ));
                }
                parts.push(t);
            }
        }
        Ok(parts.join("\n"))
    }

    fn debt_text(&self, cmd: &Command) -> Result<String> {
        if let Some(name) = cmd.contact.as_deref() {
            let Some(c) = self.find_contact_named(name)? else {
                return Ok(format!(
                    "*{name}* tidak ada di kontak, jadi tidak punya kasbon."
                ));
            };
            if c.balance.is_zero() {
                return Ok(format!("✓ *{}* tidak punya kasbon.", c.name));
            }
            let mut t = if c.balance > Decimal::ZERO {
                format!("Kasbon *{}*: *{}*", c.name, format_rupiah(c.balance))
            } else {
                format!(
                    "Toko masih berutang ke *{}*: *{}*",
                    c.name,
                    format_rupiah(-c.balance)
                )
            };
            let history = self.debt_history(&c.name)?;
            for e in history.iter().rev().take(3) {
                let what = match e.kind.as_str() {
                    "kasbon" => "kasbon",
                    "payment" | "supplier_payment" => "bayar",
                    "supplier_credit" => "beli tempo",
                    _ => "koreksi",
                };
                t.push_str(&format!(
                    "\n• {} {what} {}",
                    date_id(e.occurred_at.get(..10).unwrap_or("")),
                    format_rupiah(e.amount.abs())
                ));
            }
            return Ok(t);
        }
        let debts: Vec<_> = self
            .debts()?
            .into_iter()
            .filter(|d| d.balance > Decimal::ZERO)
            .collect();
        if debts.is_empty() {
            return Ok("✓ Tidak ada kasbon pelanggan yang belum lunas.".into());
        }
        let total: Decimal = debts.iter().map(|d| d.balance).sum();
        let mut t = format!(
            "*Kasbon belum lunas* ({} orang, total {}):",
            debts.len(),
            format_rupiah(total)
        );
        for (i, d) in debts.iter().take(15).enumerate() {
            t.push_str(&format!(
                "\n{}. {} — {}",
                i + 1,
                d.contact,
                format_rupiah(d.balance)
            ));
        }
        Ok(t)
    }

    /// "tagih bu Sri": a polite reminder with the balance, ready to send.
    pub(crate) fn reminder(&self, cmd: &Command, text: &str) -> Result<Option<Outcome>> {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.iter().any(|w| REMIND_WORDS.contains(w)) {
            return Ok(None);
        }
        let name = cmd.contact.clone().unwrap_or_else(|| {
            words
                .iter()
                .filter(|w| {
                    !REMIND_WORDS.contains(w)
                        && !matches!(
                            **w,
                            "kasbon" | "utang" | "hutang" | "ke" | "ya" | "dong" | "tolong"
                        )
                })
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        });
        let intent = Intent::DebtQuery;
        if name.is_empty() {
            return Ok(Some(Outcome::says(
                intent,
                ChatStatus::NeedsClarification,
                "Tagih siapa? (mis. *tagih bu Sri*)",
            )));
        }
        let Some(c) = self.find_contact_named(&name)? else {
            return Ok(Some(Outcome::says(
                intent,
                ChatStatus::Answered,
                format!("*{name}* tidak ada di kontak."),
            )));
        };
        if c.balance <= Decimal::ZERO {
            return Ok(Some(Outcome::says(
                intent,
                ChatStatus::Answered,
                format!("✓ *{}* tidak punya kasbon, tidak perlu ditagih.", c.name),
            )));
        }
        let shop = self
            .setting("shop_name")?
            .unwrap_or_else(|| "toko kami".into());
        let message = format!(
            "Halo {}, semoga sehat selalu.\nKami dari {shop} ingin mengingatkan kasbon sebesar *{}* (per {}). Bila berkenan, pembayaran bisa saat mampir ke toko atau lewat transfer. Terima kasih banyak.",
            c.name,
            format_rupiah(c.balance),
            self.today().format("%d-%m-%Y")
        );
        let mut reply = format!("Draf pengingat untuk *{}*:\n\n{message}", c.name);
        if c.phone.is_none() {
            reply.push_str(&format!(
                "\n\n_(Nomor WhatsApp {} belum ada di kontak.)_",
                c.name
            ));
        }
        let mut out = Outcome::says(intent, ChatStatus::Answered, reply);
        out.reminder = Some(Reminder {
            contact: c.name,
            phone: c.phone,
            text: message,
        });
        Ok(Some(out))
    }
}
