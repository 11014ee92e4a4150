//! `pasar`: the command-line front of PasarSuara. A thin clap layer: parse arguments, call
//! one pasar-core function, print JSON (`--json`) or a short Indonesian/English summary.
//! Errors are one line on stderr and a non-zero exit; never a panic or a debug dump.

mod items;
mod output;

use clap::error::{ContextKind, ErrorKind};
use clap::{Args, Parser, Subcommand};
use items::{parse_item, parse_unit_def};
use output::Out;
use pasar_core::error::{Field, Problem};
use pasar_core::money::{parse_number, parse_qty};
use pasar_core::sales::ReturnLine;
use pasar_core::{
    CoreError, CountLine, ExpenseCategory, Lang, NewExpense, NewProduct, NewPurchase, NewSale,
    OpenMode, Payment, ProductPatch, ProductRef, PurchaseLineInput, Result, SaleLineInput, Shop,
};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pasar",
    version,
    about = "PasarSuara: buku toko, stok, dan kasir dari terminal"
)]
struct Cli {
    /// Database file (default: the desktop app's data folder, or $PASAR_DB)
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Message language: id (default) or en
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
    /// Print machine-readable JSON
    #[arg(long, global = true)]
    json: bool,
    /// Who is doing this (for the audit log)
    #[arg(long, global = true, value_name = "NAME", default_value = "owner")]
    user: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create the shop database (safe to run again)
    Init {
        #[arg(long)]
        shop_name: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Create a demo warung with N days of history (1..3660)
    Demo {
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 20261121)]
        seed: u64,
        /// Replace a demo shop even if entries were made in it after it was generated
        #[arg(long)]
        force: bool,
    },
    /// Catalog: add, list, show, edit products
    #[command(subcommand)]
    Product(ProductCmd),
    /// Record a sale
    Sell(SellArgs),
    /// Void a whole sale (a reversing entry; nothing is deleted)
    Void {
        #[arg(long)]
        sale: i64,
        #[arg(long)]
        reason: String,
    },
    /// Take back part of a sale (customer returns goods)
    Return {
        #[arg(long)]
        sale: i64,
        /// PRODUCT=QTY[UNIT][@PRICE]: in the unit it was sold in unless another unit is named
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long)]
        reason: String,
    },
    /// Show one sale
    Sale { id: i64 },
    /// Record a purchase from a supplier
    Buy {
        /// SKU_OR_NAME=QTY[UNIT][@UNIT_COST]
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        #[arg(long)]
        supplier: Option<String>,
        /// cash, qris, transfer, or kasbon (bought on credit)
        #[arg(long, default_value = "cash")]
        pay: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Record an expense
    Expense {
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// utilities, rent, salary, transport, supplies, fees, other (guessed from the note when absent)
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        pay: Option<String>,
    },
    /// Stock: opname/adjust, movement history, ledger check
    #[command(subcommand)]
    Stock(StockCmd),
    /// Kasbon and debts per contact
    #[command(subcommand)]
    Debt(DebtCmd),
    /// Customers and suppliers
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Period report: revenue, profit, expenses, cash flow, top products, low stock, debts
    Report {
        /// today, yesterday, this_week, last_week, this_month, last_month, last_7_days, or FROM..TO
        #[arg(long, default_value = "today")]
        period: String,
        /// Also write the A4 report as a PDF here
        #[arg(long)]
        pdf: Option<std::path::PathBuf>,
    },
    /// A saved sale's receipt as text, PDF or ESC/POS bytes
    Receipt {
        sale: i64,
        /// text, pdf or escpos
        #[arg(long, default_value = "text")]
        format: String,
        /// 58 or 80 (mm); the shop's setting when absent
        #[arg(long)]
        paper: Option<u32>,
        /// Where to write it (text goes to the screen when absent)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// An A4 nota/faktur of a sale (or of a purchase with --purchase) as PDF
    Invoice {
        sale: Option<i64>,
        #[arg(long, conflicts_with = "sale")]
        purchase: Option<i64>,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print a sale's receipt (queued first: a printer that is off keeps it for later)
    Print {
        sale: Option<i64>,
        /// NAME (CUPS queue), tcp://HOST:9100, or a device such as /dev/usb/lp0
        #[arg(long)]
        printer: Option<String>,
        /// Print a test page instead of a receipt
        #[arg(long, conflicts_with = "sale")]
        test: bool,
        /// Send the jobs still waiting in the queue
        #[arg(long, conflicts_with_all = ["sale", "test"])]
        pending: bool,
    },
    /// Printers this computer can see (CUPS queues, USB and Bluetooth devices)
    Printers,
    /// Import a stock list (xlsx, xls, ods, csv): new products and updated prices and stock
    Import {
        /// The stock list: .xlsx, .xlsm, .xls, .ods, .csv or .tsv (read by its content)
        file: std::path::PathBuf,
        /// The sheet to read (default: the first with a recognisable header)
        #[arg(long)]
        sheet: Option<String>,
        /// Check and count only; write nothing
        #[arg(long, conflicts_with = "strict")]
        dry_run: bool,
        /// All or nothing: any bad row and nothing is imported
        #[arg(long)]
        strict: bool,
        /// How a number column reads its dots, e.g. --read stock=thousands (36.000 = 36000)
        /// or --read stock=decimals (36.000 = 36); repeatable
        #[arg(long, value_name = "FIELD=thousands|decimals")]
        read: Vec<String>,
    },
    /// Export the catalog, the transactions of a period or a period report (.xlsx or .csv)
    Export {
        /// catalog, transactions or report
        what: String,
        /// today, yesterday, this_week, last_week, this_month, last_month, last_7_days, or FROM..TO
        #[arg(long, default_value = "this_month")]
        period: String,
        /// The file to write: .xlsx (number formats, frozen header) or .csv (UTF-8)
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Read or change a shop setting
    #[command(subcommand)]
    Setting(SettingCmd),
    /// Read a shop-talk message offline ("jual 5 kg beras @12rb"): intent, items, amount,
    /// contact, period. With --db (or $PASAR_DB) products are resolved against the catalog
    Nlu {
        /// The message, as typed or sent
        text: String,
    },
    /// Talk to the shop's agents: "jual 5 kg beras @12rb", "bu Sri ngutang 60rb", "iya",
    /// "batal yang tadi". Writes to the books like the Kasir does; asks when unsure
    Chat {
        /// The message, as typed or sent
        text: String,
        /// Messages with the same id are one conversation (answers to questions, undo)
        #[arg(long, default_value = "cli")]
        conversation: String,
        /// Never ask the online assistant, even when one is configured (settings
        /// assistant_key, assistant_url, assistant_model)
        #[arg(long)]
        offline: bool,
    },
    /// Recent entries of the audit log
    Audit {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    #[command(hide = true, subcommand)]
    Debug(DebugCmd),
}

#[derive(Subcommand)]
enum ProductCmd {
    /// Add a product
    Add(ProductAddArgs),
    /// List products (optionally matching a search)
    List {
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// Include deactivated products
        #[arg(long)]
        all: bool,
    },
    /// Show one product (SKU, barcode, name, or #id)
    Show { product: String },
    /// Change a product
    Edit(ProductEditArgs),
}

#[derive(Args)]
struct ProductAddArgs {
    #[arg(long)]
    name: String,
    #[arg(long)]
    sku: Option<String>,
    #[arg(long)]
    barcode: Option<String>,
    /// Base unit (pcs, kg, l, bks, ...)
    #[arg(long)]
    unit: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    price: String,
    #[arg(long, allow_hyphen_values = true)]
    cost: Option<String>,
    /// Opening stock, in the base unit
    #[arg(long, allow_hyphen_values = true)]
    stock: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    reorder_point: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// Another name people use ("brs", "beras pulen"); repeatable
    #[arg(long = "alias")]
    aliases: Vec<String>,
    /// Extra unit UNIT=FACTOR[@PRICE] ("karung=50@600rb"); repeatable
    #[arg(long = "unit-def")]
    units: Vec<String>,
}

#[derive(Args)]
struct ProductEditArgs {
    product: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    sku: Option<String>,
    #[arg(long)]
    barcode: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    price: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    cost: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    reorder_point: Option<String>,
    #[arg(long, conflicts_with = "activate")]
    deactivate: bool,
    #[arg(long)]
    activate: bool,
    /// Replace the aliases; repeatable
    #[arg(long = "alias")]
    aliases: Vec<String>,
    /// Replace the extra units; repeatable
    #[arg(long = "unit-def")]
    units: Vec<String>,
}

#[derive(Args)]
struct SellArgs {
    /// SKU_OR_NAME=QTY[UNIT][@PRICE], e.g. "beras=2kg@12rb"; repeatable
    #[arg(long = "item", required = true)]
    items: Vec<String>,
    /// cash, qris, transfer, or kasbon
    #[arg(long, default_value = "cash")]
    pay: String,
    /// Money handed over (cash)
    #[arg(long, allow_hyphen_values = true)]
    tendered: Option<String>,
    #[arg(long)]
    customer: Option<String>,
    /// Discount on the whole sale, in rupiah
    #[arg(long, allow_hyphen_values = true)]
    discount: Option<String>,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Subcommand)]
enum StockCmd {
    /// Stock opname: set what was counted; the difference is booked as a movement
    Adjust {
        #[arg(long)]
        product: String,
        /// Counted quantity, in the base unit
        #[arg(long, required_unless_present = "delta", allow_hyphen_values = true)]
        counted: Option<String>,
        /// Or a signed correction (breakage, spoilage), with --reason
        #[arg(long, conflicts_with = "counted", allow_hyphen_values = true)]
        delta: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Movement history of one product
    Movements {
        #[arg(long)]
        product: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Check that stock equals the sum of movements and the books add up
    Check,
}

#[derive(Subcommand)]
enum DebtCmd {
    /// Record a payment on a contact's balance
    Pay {
        #[arg(long)]
        contact: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Record kasbon not from a sale ("bu Sri ngutang 60rb")
    Add {
        #[arg(long)]
        contact: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Open balances per contact
    List,
    /// A contact's ledger
    History {
        #[arg(long)]
        contact: String,
    },
}

#[derive(Subcommand)]
enum ContactCmd {
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        supplier: bool,
    },
    List,
}

#[derive(Subcommand)]
enum SettingCmd {
    Get {
        key: String,
    },
    Set {
        key: String,
        value: String,
    },
    /// Set the receipt logo from a PNG file (or --remove it)
    Logo {
        file: Option<std::path::PathBuf>,
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
}

#[derive(Subcommand)]
enum DebugCmd {
    /// Adds COUNT generated products (load tests, benchmarks)
    MakeCatalog {
        #[arg(long)]
        count: usize,
    },
    /// Writes COUNT durable sales, printing each id after its commit (crash tests)
    WriteSales {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `--lang` and `--json` as given on the command line, read before clap so that clap's own
/// errors (a missing argument, an unknown flag) honour them too.
fn early_flags() -> (Option<String>, bool) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut lang = None;
    let mut json = false;
    for (i, a) in args.iter().enumerate() {
        if a == "--" {
            break;
        }
        if a == "--json" {
            json = true;
        } else if let Some(v) = a.strip_prefix("--lang=") {
            lang = Some(v.to_string());
        } else if a == "--lang" {
            lang = args.get(i + 1).cloned();
        }
    }
    (lang, json)
}

/// Prints an error on stderr: one line for people, or `{"error": {...}}` with `--json`.
/// Writing to a closed stderr is ignored (there is nobody left to tell).
fn report_error(code: &str, message: &str, field: Option<&str>, lang: Lang, json: bool) {
    use std::io::Write;
    let text = if json {
        let mut body = serde_json::json!({"code": code, "message": message});
        if let Some(f) = field {
            body["field"] = serde_json::Value::from(f);
        }
        serde_json::json!({ "error": body }).to_string()
    } else {
        let prefix = if lang == Lang::En { "error" } else { "galat" };
        format!("{prefix}: {message}")
    };
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn main() -> ExitCode {
    let env_lang = std::env::var("PASAR_LANG")
        .ok()
        .and_then(|l| Lang::parse(&l));
    let (early_lang, early_json) = early_flags();
    let lang = match early_lang.as_deref().map(|l| (l, Lang::parse(l))) {
        Some((_, Some(l))) => l,
        Some((raw, None)) => {
            let e = CoreError::invalid(
                Field::Language,
                Problem::UnknownChoice {
                    value: raw.to_string(),
                    choices: "id, en".into(),
                },
            );
            let lang = env_lang.unwrap_or_default();
            report_error(
                e.code(),
                &e.message(lang),
                Some("language"),
                lang,
                early_json,
            );
            return ExitCode::from(2);
        }
        None => env_lang.unwrap_or_default(),
    };
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return usage_error(e, lang, early_json),
    };
    let out = Out {
        json: cli.json,
        lang,
    };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`pasar ... | head`): nothing more to say.
        Err(CoreError::Io { detail })
            if detail.starts_with(output::STDOUT_ERROR) && detail.contains("Broken pipe") =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            report_error(
                e.code(),
                &e.message(lang),
                e.field().map(|f| f.key()),
                lang,
                out.json,
            );
            ExitCode::from(1)
        }
    }
}

/// After a write was committed, output that cannot be shown must not hide that it was saved:
/// say so on stderr, with the id, and succeed.
fn saved(shown: Result<()>, lang: Lang, what: (&str, &str), id: i64) -> Result<()> {
    use std::io::Write;
    if let Err(e) = shown {
        let text = if lang == Lang::En {
            format!(
                "{} #{id} was saved, but its summary could not be written ({})",
                what.1,
                e.message(lang)
            )
        } else {
            format!(
                "{} #{id} tersimpan, tetapi ringkasannya tidak bisa ditulis ({})",
                what.0,
                e.message(lang)
            )
        };
        let _ = writeln!(std::io::stderr(), "{text}");
    }
    Ok(())
}

/// Clap's errors, reduced to one clear line in the chosen language.
fn usage_error(e: clap::Error, lang: Lang, json: bool) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                2
            } else {
                0
            },
        );
    }
    let ctx = |k| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let en = lang == Lang::En;
    let msg = match e.kind() {
        ErrorKind::MissingRequiredArgument if en => format!(
            "missing required argument: {}",
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingRequiredArgument => format!(
            "argumen wajib belum diisi: {}",
            ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::UnknownArgument if en => {
            format!("unknown argument: {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::UnknownArgument => {
            format!("argumen tidak dikenal: {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidSubcommand if en => {
            format!("unknown command: {}", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidSubcommand => format!(
            "perintah tidak dikenal: {}",
            ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation if en => {
            format!(
                "invalid value \"{}\" for {}",
                ctx(ContextKind::InvalidValue),
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            format!(
                "nilai \"{}\" tidak valid untuk {}",
                ctx(ContextKind::InvalidValue),
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::ArgumentConflict if en => format!(
            "{} cannot be used with {}",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::PriorArg)
        ),
        ErrorKind::ArgumentConflict => format!(
            "{} tidak bisa dipakai bersama {}",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues
            if en =>
        {
            format!(
                "wrong number of values for {}",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("jumlah nilai salah untuk {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::NoEquals if en => {
            format!(
                "{} was given in a way it does not take",
                ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::NoEquals => {
            format!(
                "{} tidak ditulis dengan benar",
                ctx(ContextKind::InvalidArg)
            )
        }
        _ if en => "the command line could not be read".to_string(),
        _ => "baris perintah tidak bisa dibaca".to_string(),
    };
    let hint = if en {
        "see `pasar --help`"
    } else {
        "lihat `pasar --help`"
    };
    let code = match e.kind() {
        ErrorKind::MissingRequiredArgument => "missing_argument",
        ErrorKind::UnknownArgument => "unknown_argument",
        ErrorKind::InvalidSubcommand => "unknown_command",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "invalid_value",
        _ => "usage",
    };
    report_error(code, &format!("{msg} ({hint})"), None, lang, json);
    ExitCode::from(2)
}

fn num(s: &str) -> Result<pasar_core::Decimal> {
    parse_number(s)
}

/// A quantity field: read with the quantity rule ("1.250" is ambiguous there).
fn opt_qty(s: &Option<String>) -> Result<Option<pasar_core::Decimal>> {
    s.as_deref().map(parse_qty).transpose()
}

fn opt_num(s: &Option<String>) -> Result<Option<pasar_core::Decimal>> {
    s.as_deref().map(num).transpose()
}

/// Refuses an output path that is the shop's database or one of its companion files.
fn not_the_shop(db: &std::path::Path, out: &std::path::Path) -> Result<()> {
    let canon = |p: &std::path::Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let parent = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => std::path::Path::new("."),
            };
            std::fs::canonicalize(parent)
                .ok()
                .map(|d| d.join(p.file_name().unwrap_or_default()))
                .unwrap_or_else(|| p.to_path_buf())
        })
    };
    let target = canon(out);
    let db = canon(db);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if target == std::path::Path::new(&name) {
            return Err(CoreError::CannotReplaceDatabase {
                path: out.display().to_string(),
            });
        }
    }
    Ok(())
}

fn run(cli: Cli, out: &Out) -> Result<()> {
    let path = cli.db.clone().unwrap_or_else(pasar_core::default_db_path);
    for given in [&cli.cmd].iter().filter_map(|c| match c {
        Cmd::Receipt { out: Some(o), .. } | Cmd::Invoice { out: o, .. } => Some(o.clone()),
        Cmd::Report { pdf: Some(o), .. } | Cmd::Export { out: o, .. } => Some(o.clone()),
        _ => None,
    }) {
        not_the_shop(&path, &given)?;
    }
    if let Cmd::Nlu { text } = &cli.cmd {
        // No database needed; one given explicitly lends its catalog and its today.
        let given = cli
            .db
            .clone()
            .or_else(|| std::env::var_os("PASAR_DB").map(PathBuf::from));
        let command = match given {
            Some(p) => Shop::open(&p, OpenMode::Existing)?.understand(text),
            None => pasar_core::intent::parse(
                text,
                &pasar_core::intent::Context::new(chrono::Local::now().date_naive()),
            ),
        };
        return out.understood(&command);
    }
    if let Cmd::Demo { days, seed, force } = cli.cmd {
        return demo(&path, days, seed, force, &cli.user, out);
    }
    let mode = match cli.cmd {
        Cmd::Init { .. } | Cmd::Demo { .. } => OpenMode::Create,
        _ => OpenMode::Existing,
    };
    let mut shop = Shop::open(&path, mode)?;
    shop.set_actor(&cli.user)?;
    // Documents are worded in the language asked for (--lang, PASAR_LANG), else the shop's.
    let doc_lang = cli
        .lang
        .as_deref()
        .map(str::to_string)
        .or_else(|| std::env::var("PASAR_LANG").ok())
        .and_then(|l| Lang::parse(&l));
    match cli.cmd {
        Cmd::Init {
            shop_name,
            timezone,
        } => {
            if let Some(n) = shop_name {
                shop.set_setting("shop_name", &n)?;
            }
            if let Some(tz) = timezone {
                shop.set_setting("timezone", &tz)?;
            }
            out.init(&shop)
        }
        // Handled before the shop is opened: the demo may build a new file under a temp name.
        Cmd::Demo { days, seed, force } => demo(&path, days, seed, force, &cli.user, out),
        Cmd::Product(c) => product(&mut shop, c, out),
        Cmd::Sell(a) => {
            let lines = a
                .items
                .iter()
                .map(|s| {
                    let i = parse_item(s)?;
                    Ok(SaleLineInput {
                        product: ProductRef::Query(i.product),
                        qty: i.qty,
                        unit: i.unit,
                        price: i.price,
                        discount: Default::default(),
                        discount_percent: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let sale = NewSale {
                lines,
                payment: Payment::parse(&a.pay)?,
                tendered: opt_num(&a.tendered)?,
                customer: a.customer,
                discount: opt_num(&a.discount)?.unwrap_or_default(),
                note: a.note,
                discount_percent: None,
            };
            let s = shop.record_sale(&sale)?;
            saved(out.sale(&s), out.lang, ("penjualan", "sale"), s.sale_id)
        }
        Cmd::Void { sale, reason } => {
            let s = shop.void_sale(sale, &reason)?;
            saved(out.sale(&s), out.lang, ("pembatalan", "void"), s.sale_id)
        }
        Cmd::Return {
            sale,
            items,
            reason,
        } => {
            let lines = items
                .iter()
                .map(|s| {
                    let i = parse_item(s)?;
                    Ok(ReturnLine {
                        product: i.product,
                        qty: i.qty,
                        unit: i.unit,
                        price: i.price,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let s = shop.return_sale(sale, &lines, &reason)?;
            saved(out.sale(&s), out.lang, ("retur", "return"), s.sale_id)
        }
        Cmd::Sale { id } => out.sale(&shop.sale(id)?),
        Cmd::Buy {
            items,
            supplier,
            pay,
            note,
        } => {
            let lines = items
                .iter()
                .map(|s| {
                    let i = parse_item(s)?;
                    Ok(PurchaseLineInput {
                        product: ProductRef::Query(i.product),
                        qty: i.qty,
                        unit: i.unit,
                        unit_cost: i.price,
                        total: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let p = NewPurchase {
                lines,
                supplier,
                payment: Payment::parse(&pay)?,
                note,
            };
            let p = shop.record_purchase(&p)?;
            saved(
                out.purchase(&p),
                out.lang,
                ("pembelian", "purchase"),
                p.purchase_id,
            )
        }
        Cmd::Expense {
            amount,
            category,
            note,
            pay,
        } => {
            let e = NewExpense {
                amount: num(&amount)?,
                category: category
                    .as_deref()
                    .map(ExpenseCategory::parse)
                    .transpose()?,
                note,
                payment: pay.as_deref().map(Payment::parse).transpose()?,
                date: None,
            };
            let e = shop.record_expense(&e)?;
            saved(
                out.expense(&e),
                out.lang,
                ("pengeluaran", "expense"),
                e.expense_id,
            )
        }
        Cmd::Stock(c) => stock(&mut shop, c, out),
        Cmd::Debt(c) => match c {
            DebtCmd::Pay {
                contact,
                amount,
                note,
            } => out.debt_entry(
                &contact,
                &shop.pay_debt(&contact, num(&amount)?, note.as_deref())?,
            ),
            DebtCmd::Add {
                contact,
                amount,
                note,
            } => out.debt_entry(
                &contact,
                &shop.add_debt(&contact, num(&amount)?, note.as_deref())?,
            ),
            DebtCmd::List => out.debts(&shop.debts()?),
            DebtCmd::History { contact } => out.debt_history(&shop.debt_history(&contact)?),
        },
        Cmd::Contact(c) => match c {
            ContactCmd::Add {
                name,
                phone,
                supplier,
            } => out.contacts(&[shop.add_contact(&name, supplier, phone.as_deref())?]),
            ContactCmd::List => out.contacts(&shop.contacts()?),
        },
        Cmd::Report { period, pdf } => {
            let report = shop.report(&period)?;
            if let Some(path) = pdf {
                pasar_print::write_file(
                    &path,
                    &pasar_print::report_pdf(&shop, &period, doc_lang)?,
                )?;
            }
            out.report(&report)
        }
        Cmd::Receipt {
            sale,
            format,
            paper,
            out: file,
        } => {
            let format = pasar_print::Format::parse(&format)?;
            let bytes = pasar_print::render_receipt(&shop, sale, format, paper, doc_lang)?;
            match file {
                Some(path) => {
                    pasar_print::write_file(&path, &bytes)?;
                    out.written(&path, bytes.len())
                }
                None if format == pasar_print::Format::Text => {
                    out.raw(&String::from_utf8_lossy(&bytes))
                }
                None => Err(CoreError::invalid(
                    pasar_core::error::Field::OutputFile,
                    pasar_core::error::Problem::Required,
                )),
            }
        }
        Cmd::Invoice {
            sale,
            purchase,
            out: file,
        } => {
            let of = match (sale, purchase) {
                (_, Some(p)) => pasar_print::InvoiceOf::Purchase(p),
                (Some(s), None) => pasar_print::InvoiceOf::Sale(s),
                (None, None) => {
                    return Err(CoreError::invalid(
                        pasar_core::error::Field::Document,
                        pasar_core::error::Problem::Required,
                    ));
                }
            };
            let bytes = pasar_print::invoice_pdf(&shop, of, doc_lang)?;
            pasar_print::write_file(&file, &bytes)?;
            out.written(&file, bytes.len())
        }
        Cmd::Print {
            sale,
            printer,
            test,
            pending,
        } => {
            let queued = if pending {
                None
            } else if test {
                Some(pasar_print::queue_test_page(&mut shop, printer.as_deref())?)
            } else {
                let sale = sale.ok_or(CoreError::invalid(
                    pasar_core::error::Field::Document,
                    pasar_core::error::Problem::Required,
                ))?;
                Some(pasar_print::queue_receipt(
                    &mut shop,
                    sale,
                    printer.as_deref(),
                )?)
            };
            if pending {
                shop.retry_all_print_jobs()?;
            }
            let done =
                pasar_print::print_due(&mut shop, &pasar_print::Timeouts::default(), queued)?;
            out.printed(&shop, queued, &done)
        }
        Cmd::Printers => out.printers(&pasar_print::discover()),
        Cmd::Import {
            file,
            sheet,
            dry_run,
            strict,
            read,
        } => {
            let readings = read
                .iter()
                .map(|r| {
                    let bad = || {
                        CoreError::invalid(
                            Field::Format,
                            Problem::BadFormat {
                                value: r.clone(),
                                example: "stock=thousands".into(),
                            },
                        )
                    };
                    let (field, how) = r.split_once('=').ok_or_else(bad)?;
                    let dot_thousands = match how.trim().to_lowercase().as_str() {
                        "thousands" | "ribuan" => true,
                        "decimals" | "decimal" | "desimal" => false,
                        _ => return Err(bad()),
                    };
                    Ok(pasar_core::import::ReadingChoice {
                        field: field.trim().to_lowercase(),
                        dot_thousands,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let bytes = pasar_core::import::read_file(&file)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| file.display().to_string());
            let options = pasar_core::import::ImportOptions {
                sheet,
                mode: match (dry_run, strict) {
                    (true, _) => pasar_core::import::ImportMode::DryRun,
                    (_, true) => pasar_core::import::ImportMode::Strict,
                    _ => pasar_core::import::ImportMode::Default,
                },
                readings,
                ..Default::default()
            };
            let mut report = shop.import_products(&bytes, &name, &options)?;
            report.localize(out.lang);
            out.imported(&report)?;
            if strict && !report.committed && !report.errors.is_empty() {
                let rows: std::collections::BTreeSet<usize> =
                    report.errors.iter().map(|e| e.row).collect();
                return Err(CoreError::ImportRefused { rows: rows.len() });
            }
            Ok(())
        }
        Cmd::Export {
            what,
            period,
            out: file,
        } => {
            let kind = pasar_core::export::ExportKind::parse(&what)?;
            let ext = file
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let lang = match doc_lang {
                Some(l) => l,
                None => shop.document_lang()?,
            };
            let tables = shop.export_tables(kind, &period, lang)?;
            let bytes = match ext.as_str() {
                "xlsx" => pasar_core::export::to_xlsx(&tables)
                    .map_err(|detail| CoreError::Io { detail })?,
                "csv" => pasar_core::export::to_csv(&tables[0]),
                _ => {
                    return Err(CoreError::invalid(
                        Field::Format,
                        Problem::UnknownChoice {
                            value: file.display().to_string(),
                            choices: ".xlsx, .csv".into(),
                        },
                    ));
                }
            };
            pasar_print::write_file(&file, &bytes)?;
            out.written(&file, bytes.len())
        }
        Cmd::Setting(SettingCmd::Get { key }) => {
            pasar_core::db::check_setting_key(&key)?;
            out.setting(&key, shop.setting(&key)?.as_deref())
        }
        Cmd::Setting(SettingCmd::Set { key, value }) => {
            shop.set_setting(&key, &value)?;
            out.setting(&key, shop.setting(&key)?.as_deref())
        }
        Cmd::Setting(SettingCmd::Logo { file, remove }) => {
            if remove {
                shop.set_logo(None)?;
                return out.setting("logo", None);
            }
            let Some(path) = file else {
                return Err(CoreError::invalid(
                    pasar_core::error::Field::Logo,
                    pasar_core::error::Problem::Required,
                ));
            };
            let bytes = pasar_print::read_small_file(&path, pasar_core::document::MAX_LOGO_BYTES)?;
            pasar_print::logo::check(&bytes)?;
            shop.set_logo(Some(&bytes))?;
            out.setting("logo", Some(&path.display().to_string()))
        }
        Cmd::Audit { limit } => out.audit(&shop.audit_log(limit)?),
        Cmd::Nlu { text } => out.understood(&shop.understand(&text)),
        Cmd::Chat {
            text,
            conversation,
            offline,
        } => out.chat(&chat(&mut shop, out, &conversation, &text, offline)?),
        Cmd::Debug(DebugCmd::WriteSales { count, seed }) => write_sales(&mut shop, count, seed),
        Cmd::Debug(DebugCmd::MakeCatalog { count }) => {
            pasar_core::demo::bulk_catalog(&mut shop, count)?;
            out.init(&shop)
        }
    }
}

fn demo(
    path: &std::path::Path,
    days: u32,
    seed: u64,
    force: bool,
    user: &str,
    out: &Out,
) -> Result<()> {
    let summary = pasar_core::demo::build_file(path, days, seed, user, force)?;
    out.demo(&Shop::open(path, OpenMode::Existing)?, &summary)
}

fn product(shop: &mut Shop, c: ProductCmd, out: &Out) -> Result<()> {
    match c {
        ProductCmd::Add(a) => {
            let p = NewProduct {
                name: a.name,
                sku: a.sku,
                barcode: a.barcode,
                category: a.category,
                unit: a.unit,
                price: num(&a.price)?,
                cost: opt_num(&a.cost)?,
                stock: opt_qty(&a.stock)?,
                reorder_point: opt_qty(&a.reorder_point)?,
                aliases: a.aliases,
                units: a
                    .units
                    .iter()
                    .map(|u| parse_unit_def(u))
                    .collect::<Result<_>>()?,
            };
            out.products(&[shop.add_product(p)?])
        }
        ProductCmd::List { search, limit, all } => {
            let list = match search.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(q) => shop.search_products_with(q, limit, all)?,
                None => {
                    let mut v = shop.products(all)?;
                    v.truncate(limit);
                    v
                }
            };
            out.products(&list)
        }
        ProductCmd::Show { product } => out.products(&[shop.resolve_product(&product)?]),
        ProductCmd::Edit(a) => {
            let id = shop.resolve_product(&a.product)?.id;
            let text = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
            let patch = ProductPatch {
                name: a.name,
                sku: text(a.sku),
                barcode: text(a.barcode),
                category: text(a.category),
                price: opt_num(&a.price)?,
                cost: opt_num(&a.cost)?,
                reorder_point: opt_qty(&a.reorder_point)?,
                active: if a.deactivate {
                    Some(false)
                } else if a.activate {
                    Some(true)
                } else {
                    None
                },
                aliases: (!a.aliases.is_empty()).then_some(a.aliases),
                units: if a.units.is_empty() {
                    None
                } else {
                    Some(
                        a.units
                            .iter()
                            .map(|u| parse_unit_def(u))
                            .collect::<Result<_>>()?,
                    )
                },
            };
            out.products(&[shop.update_product(id, patch)?])
        }
    }
}

fn stock(shop: &mut Shop, c: StockCmd, out: &Out) -> Result<()> {
    match c {
        StockCmd::Adjust {
            product,
            counted,
            delta,
            reason,
        } => {
            if let Some(delta) = delta {
                let reason =
                    reason.ok_or_else(|| CoreError::invalid(Field::Reason, Problem::Required))?;
                return out.products(&[shop.adjust_stock(
                    &product,
                    parse_qty(&delta)?,
                    &reason,
                )?]);
            }
            let counted = parse_qty(counted.as_deref().unwrap_or_default())?;
            let rows = shop.post_stock_count(
                &[CountLine {
                    product,
                    counted,
                    counted_at: None,
                }],
                reason.as_deref(),
            )?;
            out.stock_count(&rows[0])
        }
        StockCmd::Movements { product, limit } => {
            let p = shop.resolve_product(&product)?;
            out.movements(&p, &shop.movements(p.id, limit)?)
        }
        StockCmd::Check => out.check(&shop.verify_books()?),
    }
}

/// Crash-test helper: durable sales one after another, each id printed after its commit.
fn write_sales(shop: &mut Shop, count: u64, seed: u64) -> Result<()> {
    let products = shop.products(false)?;
    if products.is_empty() {
        return Err(CoreError::invalid(Field::Product, Problem::Required));
    }
    let mut rng = pasar_core::demo::Rng::new(seed);
    let stdout = std::io::stdout();
    for _ in 0..count {
        let n = 1 + rng.below(5);
        let lines = (0..n)
            .map(|_| SaleLineInput {
                product: ProductRef::Id(products[rng.below(products.len() as u64) as usize].id),
                qty: pasar_core::Decimal::from(1 + rng.below(3)),
                unit: None,
                price: None,
                discount: Default::default(),
                discount_percent: None,
            })
            .collect();
        let payment = if rng.chance(80) {
            Payment::Cash
        } else {
            Payment::Qris
        };
        let sale = shop.record_sale(&NewSale {
            lines,
            payment,
            tendered: None,
            customer: None,
            discount: Default::default(),
            note: None,
            discount_percent: None,
        })?;
        let mut lock = stdout.lock();
        writeln!(lock, "{}", sale.sale_id)
            .and_then(|_| lock.flush())
            .map_err(CoreError::from)?;
    }
    Ok(())
}

/// One chat message; the online assistant (when configured, and not `--offline`) is asked
/// only about a fresh message the offline rules cannot read, and whatever it proposes goes
/// through the same confirmation as any unsure reading. Its failures are a note on stderr.
fn chat(
    shop: &mut Shop,
    out: &Out,
    conversation: &str,
    text: &str,
    offline: bool,
) -> Result<pasar_core::ChatReply> {
    let config = pasar_assist::Config::from_settings(|k| shop.setting(k).ok().flatten())
        .filter(|_| !offline);
    let proposal = match config {
        Some(cfg) if shop.wants_assistant(conversation, text)? => {
            match pasar_assist::propose(&cfg, text, shop.today()) {
                Ok(p) => Some(p),
                Err(e) => {
                    eprintln!(
                        "{}: {e}",
                        out.t("catatan: tanpa asisten online", "note: no online assistant")
                    );
                    None
                }
            }
        }
        _ => None,
    };
    let r = shop.chat_with(conversation, text, proposal.as_deref())?;
    if let Some(e) = &r.assistant_error {
        eprintln!(
            "{}: {e}",
            out.t(
                "catatan: usulan asisten diabaikan",
                "note: assistant proposal ignored"
            )
        );
    }
    Ok(r)
}
