//! The one error type of pasar-core. Every error has a stable machine code (for the UI and
//! scripts to branch on) and parameters; the words are chosen at the edge (CLI, window,
//! chat) by `message(lang)`, from the catalogue below, in Indonesian or English.
//! Never put SQL text, Rust debug output or a sentence in one language into a variant:
//! a value that fails validation is described by a `Field` (what) and a `Problem` (why).

use serde::Serialize;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Language of user-facing messages. Indonesian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "in" | "indonesia" | "bahasa" => Some(Lang::Id),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        if self == Lang::En { en } else { id }
    }
}

/// What a refused value is: the noun of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Product,
    ProductName,
    Sku,
    Barcode,
    Category,
    Alias,
    Unit,
    UnitFactor,
    UnitPrice,
    Quantity,
    Price,
    Cost,
    OpeningStock,
    ReorderPoint,
    Discount,
    SaleDiscount,
    Tendered,
    Payment,
    Customer,
    Supplier,
    ContactName,
    Phone,
    Amount,
    ExpenseCategory,
    Cart,
    PurchaseItems,
    ReturnItems,
    ReturnQty,
    Void,
    Reason,
    Note,
    CountedQty,
    Adjustment,
    Stock,
    Balance,
    Period,
    Time,
    Timezone,
    Setting,
    Language,
    Theme,
    PaperWidth,
    LeadTime,
    AllowNegativeStock,
    Days,
    ItemSpec,
    UnitSpec,
    Demo,
    Lines,
    ShopName,
    BackupFile,
    User,
    Logo,
    Printer,
    ReceiptQr,
    PrintJob,
    OutputFile,
    Document,
    Format,
    /// What `pasar export` writes: catalog, transactions or report.
    ExportKind,
    /// A chat conversation's id.
    Conversation,
    /// What an expense or entry is booked on ("kemarin bayar listrik").
    Date,
    Pin,
    OpeningFloat,
    CountedCash,
}

impl Field {
    pub const ALL: [Field; 65] = [
        Field::Product,
        Field::ProductName,
        Field::Sku,
        Field::Barcode,
        Field::Category,
        Field::Alias,
        Field::Unit,
        Field::UnitFactor,
        Field::UnitPrice,
        Field::Quantity,
        Field::Price,
        Field::Cost,
        Field::OpeningStock,
        Field::ReorderPoint,
        Field::Discount,
        Field::SaleDiscount,
        Field::Tendered,
        Field::Payment,
        Field::Customer,
        Field::Supplier,
        Field::ContactName,
        Field::Phone,
        Field::Amount,
        Field::ExpenseCategory,
        Field::Cart,
        Field::PurchaseItems,
        Field::ReturnItems,
        Field::ReturnQty,
        Field::Void,
        Field::Reason,
        Field::Note,
        Field::CountedQty,
        Field::Adjustment,
        Field::Stock,
        Field::Balance,
        Field::Period,
        Field::Time,
        Field::Timezone,
        Field::Setting,
        Field::Language,
        Field::Theme,
        Field::PaperWidth,
        Field::LeadTime,
        Field::AllowNegativeStock,
        Field::Days,
        Field::ItemSpec,
        Field::UnitSpec,
        Field::Demo,
        Field::Lines,
        Field::ShopName,
        Field::BackupFile,
        Field::User,
        Field::Logo,
        Field::Printer,
        Field::ReceiptQr,
        Field::PrintJob,
        Field::OutputFile,
        Field::Document,
        Field::Format,
        Field::ExportKind,
        Field::Conversation,
        Field::Date,
        Field::Pin,
        Field::OpeningFloat,
        Field::CountedCash,
    ];

    /// Stable name for scripts (`"quantity"`, `"sale_discount"`).
    pub fn key(self) -> &'static str {
        self.words().0
    }

    /// (key, Indonesian noun, English noun).
    fn words(self) -> (&'static str, &'static str, &'static str) {
        use Field::*;
        match self {
            Product => ("product", "produk", "product"),
            ProductName => ("product_name", "nama produk", "product name"),
            Sku => ("sku", "SKU", "SKU"),
            Barcode => ("barcode", "barcode", "barcode"),
            Category => ("category", "kategori", "category"),
            Alias => ("alias", "nama lain", "alias"),
            Unit => ("unit", "satuan", "unit"),
            UnitFactor => ("unit_factor", "isi satuan", "unit size"),
            UnitPrice => ("unit_price", "harga satuan", "unit price"),
            Quantity => ("quantity", "jumlah", "quantity"),
            Price => ("price", "harga", "price"),
            Cost => ("cost", "modal", "cost"),
            OpeningStock => ("opening_stock", "stok awal", "opening stock"),
            ReorderPoint => ("reorder_point", "batas stok", "reorder point"),
            Discount => ("discount", "diskon", "discount"),
            SaleDiscount => ("sale_discount", "diskon belanja", "sale discount"),
            Tendered => ("tendered", "uang diterima", "amount tendered"),
            Payment => ("payment", "pembayaran", "payment"),
            Customer => ("customer", "nama pelanggan", "customer name"),
            Supplier => ("supplier", "nama pemasok", "supplier name"),
            ContactName => ("contact_name", "nama kontak", "contact name"),
            Phone => ("phone", "nomor HP", "phone number"),
            Amount => ("amount", "nominal", "amount"),
            ExpenseCategory => (
                "expense_category",
                "kategori pengeluaran",
                "expense category",
            ),
            Cart => ("cart", "keranjang", "cart"),
            PurchaseItems => ("purchase_items", "barang pembelian", "purchase items"),
            ReturnItems => ("return_items", "barang retur", "returned items"),
            ReturnQty => ("return_quantity", "jumlah retur", "return quantity"),
            Void => ("void", "pembatalan", "void"),
            Reason => ("reason", "alasan", "reason"),
            Note => ("note", "catatan", "note"),
            CountedQty => ("counted", "jumlah hitungan", "counted quantity"),
            Adjustment => ("adjustment", "penyesuaian stok", "stock adjustment"),
            Stock => ("stock", "stok", "stock"),
            Balance => ("balance", "saldo utang", "debt balance"),
            Period => ("period", "periode", "period"),
            Time => ("time", "waktu", "time"),
            Timezone => ("timezone", "zona waktu", "time zone"),
            Setting => ("setting", "pengaturan", "setting"),
            Language => ("language", "bahasa", "language"),
            Theme => ("theme", "tema", "theme"),
            PaperWidth => ("receipt_paper_mm", "lebar kertas", "paper width"),
            LeadTime => (
                "lead_time_days",
                "waktu kirim pemasok",
                "supplier lead time",
            ),
            AllowNegativeStock => (
                "allow_negative_stock",
                "jual di bawah nol",
                "selling below zero",
            ),
            Days => ("days", "jumlah hari", "number of days"),
            ItemSpec => ("item", "--item", "--item"),
            UnitSpec => ("unit_def", "--unit-def", "--unit-def"),
            Demo => ("demo", "toko demo", "demo shop"),
            Lines => ("lines", "jumlah baris", "number of lines"),
            ShopName => ("shop_name", "nama toko", "shop name"),
            BackupFile => ("backup_file", "berkas cadangan", "backup file"),
            User => ("user", "nama pengguna", "user name"),
            Logo => ("logo", "logo struk", "receipt logo"),
            Printer => ("printer", "printer", "printer"),
            ReceiptQr => ("receipt_qr", "kode QR struk", "receipt QR code"),
            PrintJob => ("print_job", "antrean cetak", "print job"),
            OutputFile => ("out", "berkas tujuan (--out)", "output file (--out)"),
            Format => ("format", "format berkas", "file format"),
            Document => (
                "document",
                "nomor penjualan atau pembelian",
                "sale or purchase number",
            ),
            ExportKind => ("export", "jenis ekspor", "export kind"),
            Conversation => ("conversation", "percakapan", "conversation"),
            Date => ("date", "tanggal", "date"),
            Pin => ("pin", "PIN", "PIN"),
            OpeningFloat => ("opening_float", "uang modal laci", "opening cash"),
            CountedCash => ("counted_cash", "uang yang dihitung", "counted cash"),
        }
    }

    fn noun(self, lang: Lang) -> &'static str {
        let (_, id, en) = self.words();
        lang.pick(id, en)
    }
}

/// Why a value was refused. Parameters are already formatted for people ("Rp 12.500",
/// "1,25 kg"); the sentence around them is chosen by language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    NotPositive {
        value: String,
    },
    Negative {
        value: String,
    },
    Zero,
    OutOfRange {
        value: String,
        min: String,
        max: String,
    },
    LooksLikeBarcode {
        value: String,
    },
    TooPrecise {
        value: String,
        decimals: u32,
    },
    NotWholeRupiah {
        value: String,
    },
    ControlCharacters,
    TooLong {
        max: usize,
    },
    MoreThanPrice {
        discount: String,
        price: String,
    },
    LessThanTotal {
        given: String,
        total: String,
    },
    NotOnSale {
        sale: i64,
    },
    ExceedsOutstanding {
        qty: String,
        left: String,
        sale: i64,
    },
    AlreadyReversed {
        sale: i64,
    },
    IsReversal {
        sale: i64,
    },
    PriceMismatch {
        given: String,
        sold: String,
    },
    SoldInSeveralUnits {
        units: String,
    },
    NotExactIn {
        qty: String,
        unit: String,
    },
    UnknownChoice {
        value: String,
        choices: String,
    },
    NoDebt,
    /// A purchase, expense or kasbon entry that has already been corrected.
    AlreadyVoided {
        id: i64,
    },
    /// A kasbon entry that belongs to a sale or a purchase (void that instead).
    PartOfDocument {
        document: String,
    },
    Overpaid {
        amount: String,
        balance: String,
    },
    EndBeforeStart {
        spec: String,
    },
    BadFormat {
        value: String,
        example: String,
    },
    HasData,
    HasOtherEntries {
        count: i64,
    },
    NotAnImage,
    /// The same code or name on an earlier row of the file being imported.
    SameAsRow {
        value: String,
        row: usize,
    },
    /// A contact merged with itself.
    SameContact {
        name: String,
    },
    /// Already another product's.
    UsedBy {
        value: String,
        product: String,
    },
    /// A base unit other than the product's (changing it is done in Produk, on purpose).
    OtherBaseUnit {
        value: String,
        current: String,
    },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        use Problem::*;
        match self {
            Required => "required",
            NotPositive { .. } => "not_positive",
            Negative { .. } => "negative",
            Zero => "zero",
            OutOfRange { .. } => "out_of_range",
            LooksLikeBarcode { .. } => "looks_like_barcode",
            TooPrecise { .. } => "too_precise",
            NotWholeRupiah { .. } => "not_whole_rupiah",
            ControlCharacters => "control_characters",
            TooLong { .. } => "too_long",
            MoreThanPrice { .. } => "discount_too_large",
            LessThanTotal { .. } => "less_than_total",
            NotOnSale { .. } => "not_on_sale",
            ExceedsOutstanding { .. } => "exceeds_outstanding",
            AlreadyReversed { .. } => "already_reversed",
            IsReversal { .. } => "is_reversal",
            PriceMismatch { .. } => "price_mismatch",
            SoldInSeveralUnits { .. } => "sold_in_several_units",
            NotExactIn { .. } => "not_exact_in_unit",
            UnknownChoice { .. } => "unknown_choice",
            NoDebt => "no_debt",
            AlreadyVoided { .. } => "already_voided",
            PartOfDocument { .. } => "part_of_document",
            Overpaid { .. } => "overpaid",
            EndBeforeStart { .. } => "end_before_start",
            BadFormat { .. } => "bad_format",
            HasData => "has_data",
            HasOtherEntries { .. } => "has_other_entries",
            NotAnImage => "not_an_image",
            SameAsRow { .. } => "same_as_row",
            SameContact { .. } => "same_contact",
            UsedBy { .. } => "used_by",
            OtherBaseUnit { .. } => "other_base_unit",
        }
    }

    fn phrase(&self, lang: Lang) -> String {
        use Problem::*;
        let en = lang == Lang::En;
        match self {
            Required if en => "is required".into(),
            Required => "wajib diisi".into(),
            NotPositive { value } if en => format!("must be more than 0 (got {value})"),
            NotPositive { value } => format!("harus lebih dari 0 (tertulis {value})"),
            Negative { value } if en => format!("cannot be negative ({value})"),
            Negative { value } => format!("tidak boleh negatif ({value})"),
            Zero if en => "cannot be 0".into(),
            Zero => "tidak boleh 0".into(),
            OutOfRange { value, min, max } if en => {
                format!("{value} is out of range ({min} to {max})")
            }
            OutOfRange { value, min, max } => {
                format!("{value} di luar batas ({min} sampai {max})")
            }
            LooksLikeBarcode { value } if en => {
                format!("{value} is far too large: it looks like a barcode scanned into the quantity")
            }
            LooksLikeBarcode { value } => format!(
                "{value} terlalu besar: sepertinya barcode terpindai ke kolom jumlah"
            ),
            TooPrecise { value, decimals } if en => {
                format!("{value} has too many decimals (at most {decimals})")
            }
            TooPrecise { value, decimals } => {
                format!("{value} terlalu banyak angka di belakang koma (paling banyak {decimals})")
            }
            NotWholeRupiah { value } if en => {
                format!("{value} must be whole rupiah, without cents")
            }
            NotWholeRupiah { value } => format!("{value} harus rupiah bulat, tanpa sen"),
            ControlCharacters if en => "contains control characters that cannot be shown".into(),
            ControlCharacters => "berisi karakter kontrol yang tidak bisa ditampilkan".into(),
            TooLong { max } if en => format!("is too long (at most {max} characters)"),
            TooLong { max } => format!("terlalu panjang (paling banyak {max} huruf)"),
            MoreThanPrice { discount, price } if en => {
                format!("{discount} is more than the price {price}")
            }
            MoreThanPrice { discount, price } => {
                format!("{discount} lebih besar dari harga {price}")
            }
            LessThanTotal { given, total } if en => {
                format!("{given} is less than the total {total}")
            }
            LessThanTotal { given, total } => format!("{given} kurang dari total {total}"),
            NotOnSale { sale } if en => format!("is not on sale #{sale}"),
            NotOnSale { sale } => format!("tidak ada di penjualan #{sale}"),
            ExceedsOutstanding { qty, left, sale } if en => {
                format!("{qty} is more than the {left} still outstanding on sale #{sale}")
            }
            ExceedsOutstanding { qty, left, sale } => {
                format!("{qty} melebihi sisa {left} di penjualan #{sale}")
            }
            AlreadyReversed { sale } if en => format!("sale #{sale} is already fully taken back"),
            AlreadyReversed { sale } => format!("penjualan #{sale} sudah dibatalkan seluruhnya"),
            IsReversal { sale } if en => format!("#{sale} is itself a void or a return"),
            IsReversal { sale } => format!("#{sale} sendiri adalah pembatalan atau retur"),
            PriceMismatch { given, sold } if en => format!(
                "{given} differs from the selling price {sold}; a return refunds what was paid"
            ),
            PriceMismatch { given, sold } => format!(
                "{given} berbeda dari harga jual {sold}; retur mengembalikan yang dibayar"
            ),
            SoldInSeveralUnits { units } if en => {
                format!("was sold in several units ({units}); say which unit comes back")
            }
            SoldInSeveralUnits { units } => {
                format!("terjual dalam beberapa satuan ({units}); sebutkan satuan yang kembali")
            }
            NotExactIn { qty, unit } if en => {
                format!("{qty} cannot be expressed exactly in {unit}")
            }
            NotExactIn { qty, unit } => format!("{qty} tidak bisa dihitung tepat dalam {unit}"),
            UnknownChoice { value, choices } if en => {
                format!("\"{value}\" is not known (choose {choices})")
            }
            UnknownChoice { value, choices } => {
                format!("\"{value}\" tidak dikenal (pilih {choices})")
            }
            NoDebt if en => "is zero: this contact owes nothing and is owed nothing".into(),
            AlreadyVoided { id } if en => format!("#{id} has already been voided"),
            AlreadyVoided { id } => format!("#{id} sudah dibatalkan"),
            PartOfDocument { document } if en => {
                format!("belongs to {document}; void that instead")
            }
            PartOfDocument { document } => {
                format!("bagian dari {document}; batalkan itu saja")
            }
            NoDebt => "nol: kontak ini tidak punya utang atau piutang".into(),
            Overpaid { amount, balance } if en => {
                format!("{amount} is more than the open balance {balance}")
            }
            Overpaid { amount, balance } => format!("{amount} melebihi sisa utang {balance}"),
            EndBeforeStart { spec } if en => format!("\"{spec}\": the end date is before the start"),
            EndBeforeStart { spec } => format!("\"{spec}\": tanggal akhir sebelum tanggal awal"),
            BadFormat { value, example } if en => {
                format!("\"{value}\" cannot be read (for example: {example})")
            }
            BadFormat { value, example } => {
                format!("\"{value}\" tidak bisa dibaca (contoh: {example})")
            }
            HasData if en => {
                "cannot be made here: this database already holds a shop; use a new file (--db)"
                    .into()
            }
            HasData => {
                "tidak bisa dibuat di sini: database ini sudah berisi toko; pakai berkas baru (--db)"
                    .into()
            }
            HasOtherEntries { count } if en => format!(
                "holds {count} entries that the demo did not make; add --force to replace them"
            ),
            HasOtherEntries { count } => format!(
                "berisi {count} catatan yang tidak dibuat oleh demo; tambahkan --force untuk menggantinya"
            ),
            NotAnImage if en => {
                "is not a PNG image (at most 1 MB and 4000×4000 pixels); choose a .png file".into()
            }
            NotAnImage => {
                "bukan gambar PNG (paling besar 1 MB dan 4000×4000 piksel); pilih berkas .png".into()
            }
            SameAsRow { value, row } if en => format!("\"{value}\" is already on row {row}"),
            SameAsRow { value, row } => format!("\"{value}\" sudah ada di baris {row}"),
            SameContact { name } if en => format!("{name} cannot be merged with itself"),
            SameContact { name } => format!("{name} tidak bisa digabung dengan dirinya sendiri"),
            UsedBy { value, product } if en => {
                format!("\"{value}\" already belongs to {product}")
            }
            UsedBy { value, product } => format!("\"{value}\" sudah dipakai {product}"),
            OtherBaseUnit { value, current } if en => format!(
                "\"{value}\" differs from the product's base unit {current}; change it in Products if it really changed"
            ),
            OtherBaseUnit { value, current } => format!(
                "\"{value}\" berbeda dari satuan dasar produk ini ({current}); ubah di Produk bila memang berganti"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    #[error("product not found: {query}")]
    ProductNotFound { query: String },
    #[error("product inactive: {product}")]
    ProductInactive { product: String },
    #[error("ambiguous product {query}: {candidates:?}")]
    AmbiguousProduct {
        query: String,
        candidates: Vec<String>,
    },
    #[error("contact not found: {name}")]
    ContactNotFound { name: String },
    #[error("sale not found: {id}")]
    SaleNotFound { id: i64 },
    #[error("unknown unit {unit} for {product}")]
    UnknownUnit { product: String, unit: String },
    #[error("inexact unit {unit} for {product} (base {base})")]
    InexactUnit {
        product: String,
        unit: String,
        base: String,
    },
    #[error("invalid number {text}")]
    InvalidNumber { text: String },
    #[error("ambiguous number {text}")]
    AmbiguousNumber {
        text: String,
        thousands: String,
        decimal: String,
    },
    #[error("invalid {field:?}: {problem:?}")]
    Invalid { field: Field, problem: Problem },
    /// An error about one line of a document, named by its product.
    #[error("{product}: {error}")]
    ForProduct {
        product: String,
        error: Box<CoreError>,
    },
    #[error("stock would go negative for {product}")]
    InsufficientStock { product: String, stock: String },
    #[error("duplicate {field:?}: {value}")]
    Duplicate { field: Field, value: String },
    #[error("arithmetic overflow")]
    Overflow,
    #[error("database not found at {path}")]
    DatabaseMissing { path: String },
    #[error("empty database file {path}")]
    DatabaseEmpty { path: String },
    #[error("database path is a folder: {path}")]
    DatabaseIsFolder { path: String },
    #[error("not a folder: {parent}")]
    ParentNotFolder { path: String, parent: String },
    #[error("database corrupt or not a PasarSuara database: {path}")]
    DatabaseCorrupt { path: String },
    #[error("database of another program: {path}")]
    DatabaseForeign { path: String },
    #[error("database is read-only: {path}")]
    DatabaseReadOnly { path: String },
    #[error("permission denied: {path}")]
    PermissionDenied { path: String },
    #[error("database schema {found} is newer than this version ({known})")]
    DatabaseTooNew { found: i64, known: i64 },
    #[error("database busy")]
    DatabaseBusy,
    #[error("database in use: {path}")]
    DatabaseInUse { path: String },
    #[error("disk full")]
    DiskFull,
    #[error("database error: {detail}")]
    Database { detail: String },
    #[error("file error: {detail}")]
    Io { detail: String },
    #[error("purchase not found: {id}")]
    PurchaseNotFound { id: i64 },
    #[error("expense not found: {id}")]
    ExpenseNotFound { id: i64 },
    #[error("debt entry not found: {id}")]
    DebtEntryNotFound { id: i64 },
    #[error("print job not found: {id}")]
    PrintJobNotFound { id: i64 },
    #[error("no printer chosen")]
    PrinterNotSet,
    #[error("printer unreachable: {printer}")]
    PrinterUnreachable { printer: String },
    #[error("printer timed out: {printer}")]
    PrinterTimeout { printer: String },
    #[error("printer out of paper: {printer}")]
    PrinterPaperOut { printer: String },
    #[error("printer {printer} failed: {detail}")]
    PrinterFailed { printer: String, detail: String },
    #[error("cannot write {path}")]
    CannotWrite { path: String },
    #[error("refusing to replace a database: {path}")]
    CannotReplaceDatabase { path: String },
    #[error("file not found: {path}")]
    FileNotFound { path: String },
    #[error("not a printer device: {printer}")]
    PrinterNotADevice { printer: String },
    #[error("printer reset: {printer}")]
    PrinterReset { printer: String },
    #[error("no CUPS: {printer}")]
    PrinterNoCups { printer: String },
    #[error("printer gave no status: {printer}")]
    PrinterNoStatus { printer: String },
    #[error("not a spreadsheet: {path}")]
    NotASpreadsheet { path: String },
    #[error("damaged spreadsheet {path}: {detail}")]
    SpreadsheetDamaged { path: String, detail: String },
    #[error("password-protected spreadsheet: {path}")]
    SpreadsheetLocked { path: String },
    #[error("spreadsheet too big: {path} ({mb} MB)")]
    SpreadsheetTooBig { path: String, mb: u64, max_mb: u64 },
    #[error("empty spreadsheet: {path}")]
    SpreadsheetEmpty { path: String },
    #[error("no header row in {path}")]
    NoHeaderRow { path: String },
    #[error("no header row in sheet {sheet} of {path}")]
    SheetHasNoHeader { path: String, sheet: String },
    #[error("spreadsheet holds too much: {path}")]
    SpreadsheetTooLarge {
        path: String,
        max_cells: u64,
        max_mb: u64,
    },
    #[error("sheet {sheet} not found (sheets: {sheets})")]
    SheetNotFound { sheet: String, sheets: String },
    #[error("strict import refused: {rows} rows with problems")]
    ImportRefused { rows: usize },
    #[error("wrong PIN")]
    WrongPin,
    #[error("PIN locked for {seconds} s")]
    PinLocked { seconds: i64 },
    #[error("needs the owner: {action}")]
    NeedsOwner { action: String },
    #[error("nobody signed in")]
    NeedsSignIn,
    #[error("staff not found: {name}")]
    StaffNotFound { name: String },
    #[error("no open shift")]
    NoOpenShift,
    #[error("a shift is already open: #{id} by {staff}")]
    ShiftAlreadyOpen { id: i64, staff: String },
}

impl CoreError {
    pub fn invalid(field: Field, problem: Problem) -> Self {
        CoreError::Invalid { field, problem }
    }

    /// Names the product a line-level error is about.
    /// An error about what was asked (a value, a product, a rule of the books), as opposed
    /// to one about the machine (disk, database file). Agents answer the first kind in words.
    pub fn is_user_error(&self) -> bool {
        use CoreError::*;
        matches!(
            self,
            Invalid { .. }
                | ForProduct { .. }
                | InsufficientStock { .. }
                | ProductNotFound { .. }
                | ProductInactive { .. }
                | AmbiguousProduct { .. }
                | ContactNotFound { .. }
                | SaleNotFound { .. }
                | PurchaseNotFound { .. }
                | ExpenseNotFound { .. }
                | DebtEntryNotFound { .. }
                | WrongPin
                | PinLocked { .. }
                | NeedsOwner { .. }
                | NeedsSignIn
                | StaffNotFound { .. }
                | NoOpenShift
                | ShiftAlreadyOpen { .. }
                | UnknownUnit { .. }
                | InexactUnit { .. }
                | InvalidNumber { .. }
                | AmbiguousNumber { .. }
                | Duplicate { .. }
                | Overflow
        )
    }

    pub fn for_product(self, product: &str) -> Self {
        match self {
            // Already about a product, by name: "Telur: satuan karung tidak dikenal untuk
            // Telur" would say it twice.
            e @ (CoreError::ForProduct { .. }
            | CoreError::UnknownUnit { .. }
            | CoreError::InexactUnit { .. }
            | CoreError::ProductInactive { .. }
            | CoreError::InsufficientStock { .. }) => e,
            e => CoreError::ForProduct {
                product: product.to_string(),
                error: Box::new(e),
            },
        }
    }

    /// Stable code, safe to match on from the UI or scripts.
    pub fn code(&self) -> &'static str {
        use CoreError::*;
        match self {
            ProductNotFound { .. } => "product_not_found",
            ProductInactive { .. } => "product_inactive",
            AmbiguousProduct { .. } => "ambiguous_product",
            ContactNotFound { .. } => "contact_not_found",
            SaleNotFound { .. } => "sale_not_found",
            UnknownUnit { .. } => "unknown_unit",
            InexactUnit { .. } => "inexact_unit",
            InvalidNumber { .. } => "invalid_number",
            AmbiguousNumber { .. } => "ambiguous_number",
            Invalid { problem, .. } => problem.code(),
            ForProduct { error, .. } => error.code(),
            InsufficientStock { .. } => "insufficient_stock",
            Duplicate { .. } => "duplicate",
            Overflow => "overflow",
            DatabaseMissing { .. } => "database_missing",
            DatabaseEmpty { .. } => "database_empty",
            DatabaseIsFolder { .. } => "database_is_folder",
            ParentNotFolder { .. } => "parent_not_folder",
            DatabaseCorrupt { .. } => "database_corrupt",
            DatabaseForeign { .. } => "database_foreign",
            DatabaseReadOnly { .. } => "database_read_only",
            PermissionDenied { .. } => "permission_denied",
            DatabaseTooNew { .. } => "database_too_new",
            DatabaseBusy => "database_busy",
            DatabaseInUse { .. } => "database_in_use",
            DiskFull => "disk_full",
            Database { .. } => "database_error",
            Io { .. } => "io_error",
            PurchaseNotFound { .. } => "purchase_not_found",
            WrongPin => "wrong_pin",
            PinLocked { .. } => "pin_locked",
            NeedsOwner { .. } => "needs_owner",
            NeedsSignIn => "needs_sign_in",
            StaffNotFound { .. } => "staff_not_found",
            NoOpenShift => "no_open_shift",
            ShiftAlreadyOpen { .. } => "shift_already_open",
            ExpenseNotFound { .. } => "expense_not_found",
            DebtEntryNotFound { .. } => "debt_entry_not_found",
            PrintJobNotFound { .. } => "print_job_not_found",
            PrinterNotSet => "printer_not_set",
            PrinterUnreachable { .. } => "printer_unreachable",
            PrinterTimeout { .. } => "printer_timeout",
            PrinterPaperOut { .. } => "printer_paper_out",
            PrinterFailed { .. } => "printer_failed",
            CannotWrite { .. } => "cannot_write",
            CannotReplaceDatabase { .. } => "cannot_replace_database",
            FileNotFound { .. } => "file_not_found",
            PrinterNotADevice { .. } => "printer_not_a_device",
            PrinterReset { .. } => "printer_reset",
            PrinterNoCups { .. } => "printer_no_cups",
            PrinterNoStatus { .. } => "printer_no_status",
            NotASpreadsheet { .. } => "not_a_spreadsheet",
            SpreadsheetDamaged { .. } => "spreadsheet_damaged",
            SpreadsheetLocked { .. } => "spreadsheet_locked",
            SpreadsheetTooBig { .. } => "spreadsheet_too_big",
            SpreadsheetEmpty { .. } => "spreadsheet_empty",
            NoHeaderRow { .. } => "no_header_row",
            SheetHasNoHeader { .. } => "sheet_has_no_header",
            SpreadsheetTooLarge { .. } => "spreadsheet_too_large",
            SheetNotFound { .. } => "sheet_not_found",
            ImportRefused { .. } => "import_refused",
        }
    }

    /// The field a validation error is about, when there is one.
    pub fn field(&self) -> Option<Field> {
        match self {
            CoreError::Invalid { field, .. } | CoreError::Duplicate { field, .. } => Some(*field),
            CoreError::ForProduct { error, .. } => error.field(),
            _ => None,
        }
    }

    /// One line for a person, in the requested language.
    pub fn message(&self, lang: Lang) -> String {
        use CoreError::*;
        let en = lang == Lang::En;
        match self {
            ProductNotFound { query } if en => format!("product not found: \"{query}\""),
            ProductNotFound { query } => format!("produk tidak ditemukan: \"{query}\""),
            ProductInactive { product } if en => {
                format!("{product} is deactivated; activate it in the catalog to sell it")
            }
            ProductInactive { product } => {
                format!("{product} sudah nonaktif; aktifkan di katalog untuk menjualnya")
            }
            AmbiguousProduct { query, candidates } if en => format!(
                "\"{query}\" matches several products: {}; be more specific",
                candidates.join(", ")
            ),
            AmbiguousProduct { query, candidates } => format!(
                "\"{query}\" cocok dengan beberapa produk: {}; tulis lebih lengkap",
                candidates.join(", ")
            ),
            ContactNotFound { name } if en => format!("contact not found: \"{name}\""),
            ContactNotFound { name } => format!("kontak tidak ditemukan: \"{name}\""),
            SaleNotFound { id } if en => format!("sale #{id} not found"),
            SaleNotFound { id } => format!("penjualan #{id} tidak ditemukan"),
            UnknownUnit { product, unit } if en => {
                format!("unit \"{unit}\" is not defined for {product}")
            }
            UnknownUnit { product, unit } => {
                format!("satuan \"{unit}\" tidak dikenal untuk {product}")
            }
            InexactUnit {
                product,
                unit,
                base,
            } if en => format!(
                "1 {unit} cannot be counted exactly in {base} for {product}; make {unit} its base unit or define it with an exact size"
            ),
            InexactUnit {
                product,
                unit,
                base,
            } => format!(
                "1 {unit} tidak bisa dihitung tepat dalam {base} untuk {product}; jadikan {unit} satuan dasarnya atau tetapkan isinya dengan angka pasti"
            ),
            InvalidNumber { text } if en => format!("not a valid number: \"{text}\""),
            InvalidNumber { text } => format!("angka tidak valid: \"{text}\""),
            AmbiguousNumber {
                text,
                thousands,
                decimal,
            } if en => format!(
                "\"{text}\" is ambiguous: write {thousands} for thousands or {decimal} with a decimal comma"
            ),
            AmbiguousNumber {
                text,
                thousands,
                decimal,
            } => format!(
                "\"{text}\" bisa dibaca dua cara: tulis {thousands} untuk ribuan atau {decimal} dengan koma desimal"
            ),
            Invalid { field, problem } => {
                format!("{} {}", field.noun(lang), problem.phrase(lang))
            }
            ForProduct { product, error } => format!("{product}: {}", error.message(lang)),
            InsufficientStock { product, stock } if en => format!(
                "not enough stock of {product} (on hand {stock}); selling below zero is turned off"
            ),
            InsufficientStock { product, stock } => {
                format!("stok {product} tidak cukup (tersisa {stock}); jual di bawah nol dimatikan")
            }
            Duplicate { field, value } if en => {
                format!("{} \"{value}\" is already used", field.noun(lang))
            }
            Duplicate { field, value } => format!("{} \"{value}\" sudah dipakai", field.noun(lang)),
            Overflow if en => "the figures are too large to add up; nothing was saved".into(),
            Overflow => "angkanya terlalu besar untuk dihitung; tidak ada yang disimpan".into(),
            DatabaseMissing { path } if en => {
                format!("no database at {path}; run `pasar init` (or `pasar demo`) first")
            }
            DatabaseMissing { path } => {
                format!(
                    "database belum ada di {path}; jalankan `pasar init` (atau `pasar demo`) dulu"
                )
            }
            DatabaseEmpty { path } if en => {
                format!("{path} is an empty file, not a shop; run `pasar init` to make it one")
            }
            DatabaseEmpty { path } => format!(
                "{path} adalah berkas kosong, bukan toko; jalankan `pasar init` untuk membuatnya"
            ),
            DatabaseIsFolder { path } if en => {
                format!("{path} is a folder; give the path of a database file inside it")
            }
            DatabaseIsFolder { path } => {
                format!("{path} adalah folder; tulis jalur berkas database di dalamnya")
            }
            ParentNotFolder { path, parent } if en => {
                format!("cannot use {path}: {parent} is a file, not a folder")
            }
            ParentNotFolder { path, parent } => {
                format!("tidak bisa memakai {path}: {parent} adalah berkas, bukan folder")
            }
            DatabaseCorrupt { path } if en => {
                format!("the database file is damaged or is not a PasarSuara database: {path}")
            }
            DatabaseCorrupt { path } => {
                format!("berkas database rusak atau bukan database PasarSuara: {path}")
            }
            DatabaseForeign { path } if en => format!(
                "{path} is a database of another program, not a PasarSuara shop; it was not touched"
            ),
            DatabaseForeign { path } => format!(
                "{path} adalah database program lain, bukan toko PasarSuara; berkas tidak diubah"
            ),
            DatabaseReadOnly { path } if en => {
                format!("the database cannot be written (read-only): {path}; nothing was saved")
            }
            DatabaseReadOnly { path } => {
                format!("database tidak bisa ditulis (hanya-baca): {path}; tidak ada yang disimpan")
            }
            PermissionDenied { path } if en => {
                format!("no permission to use {path}; check the file and folder permissions")
            }
            PermissionDenied { path } => {
                format!("tidak punya izin memakai {path}; periksa izin berkas dan foldernya")
            }
            DatabaseTooNew { found, known } if en => format!(
                "this database was made by a newer PasarSuara (schema {found}, this version knows up to {known}); update the app — the file was not touched"
            ),
            DatabaseTooNew { found, known } => format!(
                "database ini dibuat oleh PasarSuara versi lebih baru (skema {found}, versi ini mengenal sampai {known}); perbarui aplikasi — berkas tidak diubah"
            ),
            DatabaseBusy if en => "the database is busy in another window; try again".into(),
            DatabaseBusy => "database sedang dipakai jendela lain; coba lagi".into(),
            DatabaseInUse { path } if en => format!(
                "{path} is open in another window or program; close it first, nothing was replaced"
            ),
            DatabaseInUse { path } => format!(
                "{path} sedang dibuka di jendela atau program lain; tutup dulu, tidak ada yang diganti"
            ),
            DiskFull if en => "the disk is full; nothing was saved".into(),
            DiskFull => "disk penuh; tidak ada yang disimpan".into(),
            Database { detail } if en => format!("database problem: {detail}"),
            Database { detail } => format!("database bermasalah: {detail}"),
            Io { detail } if en => format!("file problem: {detail}"),
            Io { detail } => format!("berkas bermasalah: {detail}"),
            WrongPin if en => "wrong PIN".into(),
            WrongPin => "PIN salah".into(),
            PinLocked { seconds } if en => {
                format!("too many wrong PINs: try again in {seconds} seconds")
            }
            PinLocked { seconds } => {
                format!("terlalu banyak PIN salah: coba lagi dalam {seconds} detik")
            }
            NeedsOwner { action } if en => format!("{} needs the owner's PIN", action_en(action)),
            NeedsOwner { action } => format!("{} perlu PIN pemilik", action_id(action)),
            NeedsSignIn if en => "choose who is at the counter and enter the PIN first".into(),
            NeedsSignIn => "pilih siapa yang bertugas dan masukkan PIN dulu".into(),
            StaffNotFound { name } if en => format!("no staff member called {name}"),
            StaffNotFound { name } => format!("tidak ada petugas bernama {name}"),
            NoOpenShift if en => "no shift is open: open one with the cash in the drawer".into(),
            NoOpenShift => {
                "belum ada shift yang dibuka: buka shift dengan uang modal di laci".into()
            }
            ShiftAlreadyOpen { id, staff } if en => {
                format!("shift #{id} ({staff}) is still open: close it first")
            }
            ShiftAlreadyOpen { id, staff } => {
                format!("shift #{id} ({staff}) masih terbuka: tutup dulu")
            }
            PurchaseNotFound { id } if en => format!("purchase #{id} not found"),
            PurchaseNotFound { id } => format!("pembelian #{id} tidak ditemukan"),
            ExpenseNotFound { id } if en => format!("expense #{id} not found"),
            ExpenseNotFound { id } => format!("pengeluaran #{id} tidak ditemukan"),
            DebtEntryNotFound { id } if en => format!("kasbon entry #{id} not found"),
            DebtEntryNotFound { id } => format!("catatan kasbon #{id} tidak ditemukan"),
            PrintJobNotFound { id } if en => format!("print job #{id} not found"),
            PrintJobNotFound { id } => format!("antrean cetak #{id} tidak ditemukan"),
            PrinterNotSet if en => {
                "no printer chosen; choose one in Settings (or give --printer)".into()
            }
            PrinterNotSet => "belum ada printer; pilih di Pengaturan (atau tulis --printer)".into(),
            PrinterUnreachable { printer } if en => format!(
                "printer {printer} does not answer: check that it is on, connected and the address is right"
            ),
            PrinterUnreachable { printer } => format!(
                "printer {printer} tidak menjawab: periksa printer menyala, tersambung dan alamatnya benar"
            ),
            PrinterTimeout { printer } if en => {
                format!("printer {printer} stopped responding while printing")
            }
            PrinterTimeout { printer } => {
                format!("printer {printer} berhenti merespons saat mencetak")
            }
            PrinterPaperOut { printer } if en => {
                format!("printer {printer} is out of paper; load a new roll")
            }
            PrinterPaperOut { printer } => {
                format!("kertas printer {printer} habis; pasang gulungan baru")
            }
            PrinterFailed { printer, detail } if en => {
                format!("printer {printer} refused the job ({detail})")
            }
            PrinterFailed { printer, detail } => {
                format!("printer {printer} menolak pekerjaan cetak ({detail})")
            }
            CannotWrite { path } if en => format!(
                "cannot write {path}: give a new file or an ordinary writable file, in a folder that exists"
            ),
            CannotWrite { path } => format!(
                "tidak bisa menulis {path}: tulis nama berkas baru atau berkas biasa yang boleh ditimpa, di folder yang ada"
            ),
            CannotReplaceDatabase { path } if en => format!(
                "{path} is a database (perhaps the shop itself); choose another file name — nothing was written"
            ),
            CannotReplaceDatabase { path } => format!(
                "{path} adalah database (mungkin toko ini sendiri); pilih nama berkas lain — tidak ada yang ditulis"
            ),
            FileNotFound { path } if en => format!("file not found: {path}"),
            FileNotFound { path } => format!("berkas tidak ditemukan: {path}"),
            PrinterNotADevice { printer } if en => format!(
                "{printer} is not a printer: give a device (/dev/usb/lp0), tcp://ADDRESS:9100 or a CUPS queue"
            ),
            PrinterNotADevice { printer } => format!(
                "{printer} bukan printer: tulis perangkat (/dev/usb/lp0), tcp://ALAMAT:9100 atau antrean CUPS"
            ),
            PrinterReset { printer } if en => {
                format!("printer {printer} broke the connection off (restarting or busy?)")
            }
            PrinterReset { printer } => {
                format!("printer {printer} memutus sambungan (sedang menyala ulang atau sibuk?)")
            }
            PrinterNoCups { printer } if en => format!(
                "cannot print to {printer}: CUPS (the lp command) is not installed on this computer"
            ),
            PrinterNoCups { printer } => format!(
                "tidak bisa mencetak ke {printer}: CUPS (perintah lp) belum terpasang di komputer ini"
            ),
            PrinterNoStatus { printer } if en => format!(
                "printer {printer} did not confirm it took the receipt (no answer to the status check); check it, or turn the status check off in Settings if this printer cannot answer"
            ),
            PrinterNoStatus { printer } => format!(
                "printer {printer} tidak memastikan struk diterima (tidak menjawab cek status); periksa printernya, atau matikan cek status di Pengaturan bila printer ini tidak bisa menjawab"
            ),
            NotASpreadsheet { path } if en => format!(
                "{path} is not a spreadsheet; choose an Excel (.xlsx, .xls), LibreOffice (.ods) or CSV file; nothing was imported"
            ),
            NotASpreadsheet { path } => format!(
                "{path} bukan lembar kerja; pilih berkas Excel (.xlsx, .xls), LibreOffice (.ods) atau CSV; tidak ada yang diimpor"
            ),
            SpreadsheetDamaged { path, .. } if en => format!(
                "{path} is damaged or cut short and cannot be opened; save it again from Excel and retry; nothing was imported"
            ),
            SpreadsheetDamaged { path, .. } => format!(
                "{path} rusak atau terpotong sehingga tidak bisa dibuka; simpan ulang dari Excel lalu coba lagi; tidak ada yang diimpor"
            ),
            SpreadsheetLocked { path } if en => format!(
                "{path} is locked with a password; save a copy without the password in Excel and import that; nothing was imported"
            ),
            SpreadsheetLocked { path } => format!(
                "{path} dikunci dengan kata sandi; simpan salinan tanpa kata sandi di Excel lalu impor salinan itu; tidak ada yang diimpor"
            ),
            SpreadsheetTooBig { path, mb, max_mb } if en => format!(
                "{path} is {mb} MB; a stock list can be at most {max_mb} MB (split it, or remove pictures); nothing was imported"
            ),
            SpreadsheetTooBig { path, mb, max_mb } => format!(
                "{path} berukuran {mb} MB; daftar barang paling besar {max_mb} MB (pecah berkasnya, atau hapus gambar); tidak ada yang diimpor"
            ),
            SpreadsheetEmpty { path } if en => {
                format!("{path} is empty; nothing was imported")
            }
            SpreadsheetEmpty { path } => format!("{path} kosong; tidak ada yang diimpor"),
            NoHeaderRow { path } if en => format!(
                "no sheet of {path} has a header row naming the products (e.g. \"Nama Barang\" beside \"Harga Jual\"); nothing was imported"
            ),
            NoHeaderRow { path } => format!(
                "tidak ada lembar di {path} dengan baris judul yang menyebut nama barang (mis. \"Nama Barang\" dan \"Harga Jual\"); tidak ada yang diimpor"
            ),
            SheetHasNoHeader { path, sheet } if en => format!(
                "sheet \"{sheet}\" of {path} has no header row naming the products (e.g. \"Nama Barang\" beside \"Harga Jual\"); nothing was imported"
            ),
            SheetHasNoHeader { path, sheet } => format!(
                "lembar \"{sheet}\" di {path} tidak punya baris judul yang menyebut nama barang (mis. \"Nama Barang\" dan \"Harga Jual\"); tidak ada yang diimpor"
            ),
            SpreadsheetTooLarge {
                path,
                max_cells,
                max_mb,
            } if en => format!(
                "{path} holds more than a stock list can (over {max_cells} filled cells, or over {max_mb} MB once unpacked); nothing was imported"
            ),
            SpreadsheetTooLarge {
                path,
                max_cells,
                max_mb,
            } => format!(
                "{path} berisi lebih dari yang mungkin untuk daftar barang (lebih dari {max_cells} sel terisi, atau lebih dari {max_mb} MB setelah dibuka); tidak ada yang diimpor"
            ),
            SheetNotFound { sheet, sheets } if en => {
                format!("there is no sheet \"{sheet}\"; the file has: {sheets}")
            }
            SheetNotFound { sheet, sheets } => {
                format!("tidak ada lembar \"{sheet}\"; berkas ini berisi: {sheets}")
            }
            ImportRefused { rows } if en => format!(
                "nothing was imported: {rows} rows have problems and the import was all-or-nothing (--strict)"
            ),
            ImportRefused { rows } => format!(
                "tidak ada yang diimpor: {rows} baris bermasalah dan impor ini semua-atau-tidak-sama-sekali (--strict)"
            ),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                C::ReadOnly => {
                    return CoreError::DatabaseReadOnly {
                        path: String::new(),
                    };
                }
                C::DatabaseCorrupt | C::NotADatabase => {
                    return CoreError::DatabaseCorrupt {
                        path: String::new(),
                    };
                }
                C::DatabaseBusy | C::DatabaseLocked => return CoreError::DatabaseBusy,
                C::DiskFull => return CoreError::DiskFull,
                C::PermissionDenied => {
                    return CoreError::PermissionDenied {
                        path: String::new(),
                    };
                }
                C::CannotOpen => {
                    return CoreError::Io {
                        detail: e.to_string(),
                    };
                }
                _ => {}
            }
        }
        if let rusqlite::Error::UserFunctionError(inner) = &e
            && inner.to_string() == OVERFLOW_MARK
        {
            return CoreError::Overflow;
        }
        CoreError::Database {
            detail: e.to_string(),
        }
    }
}

/// What the `dec_add` SQL function reports when a sum would overflow.
pub(crate) const OVERFLOW_MARK: &str = "pasar:overflow";

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Io {
            detail: e.to_string(),
        }
    }
}

/// The shape errors take across process and IPC boundaries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    /// The field a validation error is about ("quantity", "price"), for forms to highlight.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<&'static str>,
    /// For `needs_owner`: the action an owner's PIN would approve ("sale.void").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub action: Option<String>,
}

impl CoreError {
    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.message(lang),
            field: self.field().map(Field::key),
            action: match self {
                CoreError::NeedsOwner { action } => Some(action.clone()),
                _ => None,
            },
        }
    }
}

/// One example of every error, every field and every problem: the catalogue the tests check
/// (each has an Indonesian and an English message, and the English one is free of Indonesian).
pub fn catalogue() -> Vec<CoreError> {
    let s = |x: &str| x.to_string();
    let problems = vec![
        Problem::Required,
        Problem::NotPositive { value: s("0") },
        Problem::Negative { value: s("-5") },
        Problem::Zero,
        Problem::OutOfRange {
            value: s("400"),
            min: s("0"),
            max: s("365"),
        },
        Problem::LooksLikeBarcode {
            value: s("8991002101234"),
        },
        Problem::TooPrecise {
            value: s("0,0001"),
            decimals: 3,
        },
        Problem::NotWholeRupiah {
            value: s("Rp 12,5"),
        },
        Problem::ControlCharacters,
        Problem::TooLong { max: 200 },
        Problem::MoreThanPrice {
            discount: s("Rp 5.000"),
            price: s("Rp 3.500"),
        },
        Problem::LessThanTotal {
            given: s("Rp 10.000"),
            total: s("Rp 12.500"),
        },
        Problem::NotOnSale { sale: 7 },
        Problem::ExceedsOutstanding {
            qty: s("3 kg"),
            left: s("2 kg"),
            sale: 7,
        },
        Problem::AlreadyReversed { sale: 7 },
        Problem::IsReversal { sale: 8 },
        Problem::PriceMismatch {
            given: s("Rp 1"),
            sold: s("Rp 14.000"),
        },
        Problem::SoldInSeveralUnits {
            units: s("dus, bks"),
        },
        Problem::NotExactIn {
            qty: s("1 pcs"),
            unit: s("lusin"),
        },
        Problem::UnknownChoice {
            value: s("gold"),
            choices: s("cash, qris, transfer, kasbon"),
        },
        Problem::NoDebt,
        Problem::AlreadyVoided { id: 5 },
        Problem::PartOfDocument { document: s("#12") },
        Problem::Overpaid {
            amount: s("Rp 70.000"),
            balance: s("Rp 60.000"),
        },
        Problem::EndBeforeStart {
            spec: s("2026-11-30..2026-11-01"),
        },
        Problem::BadFormat {
            value: s("dus"),
            example: s("dus=40"),
        },
        Problem::HasData,
        Problem::HasOtherEntries { count: 3 },
        Problem::NotAnImage,
        Problem::SameAsRow {
            value: s("BRS-01"),
            row: 7,
        },
        Problem::SameContact { name: s("Sri") },
        Problem::UsedBy {
            value: s("8991234567890"),
            product: s("Beras Pulen"),
        },
        Problem::OtherBaseUnit {
            value: s("kg"),
            current: s("pcs"),
        },
    ];
    let mut all: Vec<CoreError> = Field::ALL
        .iter()
        .map(|f| CoreError::invalid(*f, Problem::Required))
        .collect();
    all.extend(
        problems
            .into_iter()
            .map(|p| CoreError::invalid(Field::Quantity, p)),
    );
    all.extend(Field::ALL.iter().map(|f| CoreError::Duplicate {
        field: *f,
        value: s("BRS"),
    }));
    let p = s("/tmp/toko.db");
    all.extend([
        CoreError::ProductNotFound { query: s("xyz") },
        CoreError::ProductInactive {
            product: s("Beras Pulen"),
        },
        CoreError::AmbiguousProduct {
            query: s("beras"),
            candidates: vec![s("Beras Pulen"), s("Beras Merah")],
        },
        CoreError::ContactNotFound { name: s("Sri") },
        CoreError::SaleNotFound { id: 9 },
        CoreError::UnknownUnit {
            product: s("Beras Pulen"),
            unit: s("dus"),
        },
        CoreError::InexactUnit {
            product: s("Telur"),
            unit: s("pcs"),
            base: s("lusin"),
        },
        CoreError::InvalidNumber { text: s("12abc") },
        CoreError::AmbiguousNumber {
            text: s("1.250"),
            thousands: s("1250"),
            decimal: s("1,25"),
        },
        CoreError::invalid(Field::Quantity, Problem::Zero).for_product("Beras Pulen"),
        CoreError::InsufficientStock {
            product: s("Beras Pulen"),
            stock: s("2 kg"),
        },
        CoreError::Overflow,
        CoreError::DatabaseMissing { path: p.clone() },
        CoreError::DatabaseEmpty { path: p.clone() },
        CoreError::DatabaseIsFolder { path: p.clone() },
        CoreError::ParentNotFolder {
            path: p.clone(),
            parent: s("/tmp"),
        },
        CoreError::DatabaseCorrupt { path: p.clone() },
        CoreError::DatabaseForeign { path: p.clone() },
        CoreError::DatabaseReadOnly { path: p.clone() },
        CoreError::PermissionDenied { path: p.clone() },
        CoreError::DatabaseTooNew { found: 9, known: 2 },
        CoreError::DatabaseBusy,
        CoreError::DatabaseInUse { path: p },
        CoreError::DiskFull,
        CoreError::Database { detail: s("x") },
        CoreError::Io { detail: s("x") },
        CoreError::PurchaseNotFound { id: 4 },
        CoreError::WrongPin,
        CoreError::PinLocked { seconds: 30 },
        CoreError::NeedsOwner {
            action: "sale.void".into(),
        },
        CoreError::NeedsSignIn,
        CoreError::StaffNotFound { name: s("Rina") },
        CoreError::NoOpenShift,
        CoreError::ShiftAlreadyOpen {
            id: 3,
            staff: s("Rina"),
        },
        CoreError::ExpenseNotFound { id: 4 },
        CoreError::DebtEntryNotFound { id: 4 },
        CoreError::PrintJobNotFound { id: 4 },
        CoreError::PrinterNotSet,
        CoreError::PrinterUnreachable {
            printer: s("tcp://192.168.1.50:9100"),
        },
        CoreError::PrinterTimeout {
            printer: s("/dev/usb/lp0"),
        },
        CoreError::PrinterPaperOut {
            printer: s("tcp://192.168.1.50:9100"),
        },
        CoreError::PrinterFailed {
            printer: s("cups:XP58"),
            detail: s("lp exit 1"),
        },
        CoreError::CannotWrite {
            path: s("/tmp/x/struk.pdf"),
        },
        CoreError::CannotReplaceDatabase {
            path: s("/tmp/toko.db"),
        },
        CoreError::FileNotFound {
            path: s("/tmp/logo.png"),
        },
        CoreError::PrinterNotADevice {
            printer: s("/etc/passwd"),
        },
        CoreError::PrinterReset {
            printer: s("tcp://192.168.1.50:9100"),
        },
        CoreError::PrinterNoCups {
            printer: s("cups:XP58"),
        },
        CoreError::PrinterNoStatus {
            printer: s("tcp://192.168.1.50:9100"),
        },
        CoreError::NotASpreadsheet {
            path: s("foto.jpg"),
        },
        CoreError::SpreadsheetDamaged {
            path: s("stok.xlsx"),
            detail: s("zip"),
        },
        CoreError::SpreadsheetLocked {
            path: s("stok.xlsx"),
        },
        CoreError::SpreadsheetTooBig {
            path: s("stok.xlsx"),
            mb: 200,
            max_mb: 64,
        },
        CoreError::SpreadsheetEmpty {
            path: s("stok.csv"),
        },
        CoreError::NoHeaderRow {
            path: s("stok.xlsx"),
        },
        CoreError::SheetHasNoHeader {
            path: s("stok.xlsx"),
            sheet: s("Gudang"),
        },
        CoreError::SpreadsheetTooLarge {
            path: s("stok.xlsx"),
            max_cells: 8_000_000,
            max_mb: 512,
        },
        CoreError::SheetNotFound {
            sheet: s("Gudang"),
            sheets: s("Sheet1, Harga"),
        },
        CoreError::ImportRefused { rows: 3 },
    ]);
    all
}

/// Index of a variant, for the test that every variant is in the catalogue. Adding a variant
/// fails to compile here until it gets a number, and the test then wants an example of it.
pub fn variant_index(e: &CoreError) -> usize {
    use CoreError::*;
    match e {
        ProductNotFound { .. } => 0,
        ProductInactive { .. } => 1,
        AmbiguousProduct { .. } => 2,
        ContactNotFound { .. } => 3,
        SaleNotFound { .. } => 4,
        UnknownUnit { .. } => 5,
        InexactUnit { .. } => 6,
        InvalidNumber { .. } => 7,
        AmbiguousNumber { .. } => 8,
        Invalid { problem, .. } => 100 + problem_index(problem),
        ForProduct { .. } => 9,
        InsufficientStock { .. } => 10,
        Duplicate { .. } => 11,
        Overflow => 12,
        DatabaseMissing { .. } => 13,
        DatabaseEmpty { .. } => 14,
        DatabaseIsFolder { .. } => 15,
        ParentNotFolder { .. } => 16,
        DatabaseCorrupt { .. } => 17,
        DatabaseReadOnly { .. } => 18,
        PermissionDenied { .. } => 19,
        DatabaseTooNew { .. } => 20,
        DatabaseBusy => 21,
        DatabaseInUse { .. } => 22,
        DiskFull => 23,
        Database { .. } => 24,
        Io { .. } => 25,
        DatabaseForeign { .. } => 26,
        PurchaseNotFound { .. } => 27,
        PrintJobNotFound { .. } => 28,
        PrinterNotSet => 29,
        PrinterUnreachable { .. } => 30,
        PrinterTimeout { .. } => 31,
        PrinterPaperOut { .. } => 32,
        PrinterFailed { .. } => 33,
        CannotWrite { .. } => 34,
        CannotReplaceDatabase { .. } => 35,
        FileNotFound { .. } => 36,
        PrinterNotADevice { .. } => 37,
        PrinterReset { .. } => 38,
        PrinterNoCups { .. } => 39,
        PrinterNoStatus { .. } => 40,
        NotASpreadsheet { .. } => 41,
        SpreadsheetDamaged { .. } => 42,
        SpreadsheetLocked { .. } => 43,
        SpreadsheetTooBig { .. } => 44,
        SpreadsheetEmpty { .. } => 45,
        NoHeaderRow { .. } => 46,
        SheetNotFound { .. } => 47,
        ImportRefused { .. } => 48,
        SheetHasNoHeader { .. } => 49,
        SpreadsheetTooLarge { .. } => 50,
        ExpenseNotFound { .. } => 51,
        DebtEntryNotFound { .. } => 52,
        WrongPin => 53,
        PinLocked { .. } => 54,
        NeedsOwner { .. } => 55,
        NeedsSignIn => 56,
        StaffNotFound { .. } => 57,
        NoOpenShift => 58,
        ShiftAlreadyOpen { .. } => 59,
    }
}

/// What a cashier asked to do that needs the owner, in words ("sale.void" → "voiding a sale").
fn action_en(action: &str) -> &'static str {
    match action {
        "sale.void" => "Voiding a sale",
        "sale.return" => "A return",
        "purchase.void" => "Voiding a purchase",
        "expense.void" => "Voiding an expense",
        "debt.reverse" => "Correcting a kasbon entry",
        "price.change" => "A price change this large",
        "report.view" => "Seeing cost and profit",
        "product.edit" => "Changing the catalog",
        "stock.adjust" => "Changing stock",
        "settings.change" => "Changing the settings",
        "staff.manage" => "Managing staff",
        "backup.restore" => "Restoring a backup",
        "import" => "Importing a stock list",
        "contact.merge" => "Merging contacts",
        _ => "This",
    }
}

fn action_id(action: &str) -> &'static str {
    match action {
        "sale.void" => "Membatalkan penjualan",
        "sale.return" => "Retur",
        "purchase.void" => "Membatalkan pembelian",
        "expense.void" => "Membatalkan pengeluaran",
        "debt.reverse" => "Mengoreksi kasbon",
        "price.change" => "Mengubah harga sebesar ini",
        "report.view" => "Melihat modal dan laba",
        "product.edit" => "Mengubah katalog",
        "stock.adjust" => "Mengubah stok",
        "settings.change" => "Mengubah pengaturan",
        "staff.manage" => "Mengatur petugas",
        "backup.restore" => "Memulihkan cadangan",
        "import" => "Mengimpor daftar stok",
        "contact.merge" => "Menggabungkan kontak",
        _ => "Ini",
    }
}

/// Number of non-`Invalid` variants and of problems (see `variant_index`).
pub const VARIANTS: usize = 60;
pub const PROBLEMS: usize = 33;

fn problem_index(p: &Problem) -> usize {
    use Problem::*;
    match p {
        Required => 0,
        NotPositive { .. } => 1,
        Negative { .. } => 2,
        Zero => 3,
        OutOfRange { .. } => 4,
        LooksLikeBarcode { .. } => 5,
        TooPrecise { .. } => 6,
        NotWholeRupiah { .. } => 7,
        ControlCharacters => 8,
        TooLong { .. } => 9,
        MoreThanPrice { .. } => 10,
        LessThanTotal { .. } => 11,
        NotOnSale { .. } => 12,
        ExceedsOutstanding { .. } => 13,
        AlreadyReversed { .. } => 14,
        IsReversal { .. } => 15,
        PriceMismatch { .. } => 16,
        SoldInSeveralUnits { .. } => 17,
        NotExactIn { .. } => 18,
        UnknownChoice { .. } => 19,
        NoDebt => 20,
        Overpaid { .. } => 21,
        EndBeforeStart { .. } => 22,
        BadFormat { .. } => 23,
        HasData => 24,
        HasOtherEntries { .. } => 25,
        NotAnImage => 26,
        SameAsRow { .. } => 27,
        UsedBy { .. } => 28,
        OtherBaseUnit { .. } => 29,
        AlreadyVoided { .. } => 30,
        PartOfDocument { .. } => 31,
        SameContact { .. } => 32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn words(s: &str) -> BTreeSet<String> {
        s.split(|c: char| !c.is_alphabetic())
            .filter(|w| w.len() > 1)
            .map(str::to_lowercase)
            .collect()
    }

    #[test]
    fn catalogue_covers_every_variant_and_problem() {
        let seen: BTreeSet<usize> = catalogue().iter().map(variant_index).collect();
        let want: BTreeSet<usize> = (0..VARIANTS)
            .chain((0..PROBLEMS).map(|i| 100 + i))
            .collect();
        assert_eq!(
            seen, want,
            "every error variant and problem needs an example"
        );
        let codes: BTreeSet<&str> = catalogue().iter().map(CoreError::code).collect();
        assert!(
            codes.len() >= VARIANTS + PROBLEMS - 2,
            "codes must be distinct"
        );
    }

    #[test]
    fn every_error_has_both_languages_and_english_has_no_indonesian() {
        // Words that are the same in both languages (names, units, commands, payment codes).
        let shared: BTreeSet<String> = words(
            "beras pulen merah telur sri xyz abc brs tmp toko db sku barcode pcs kg lusin dus bks \
             cash qris transfer kasbon pasar pasarsuara init demo force item unit def gold rp \
             database disk folder program rupiah total valid printer png qr tcp dev usb lp cups xp exit logo mb out pdf struk etc passwd cups lp format status \
             barang csv excel foto gudang harga jual jpg libreoffice nama ods sheet stok xls xlsx strict \
             pin shift rina",
        );
        let mut indonesian = BTreeSet::new();
        let mut english = BTreeSet::new();
        for e in catalogue() {
            let (id, en) = (e.message(Lang::Id), e.message(Lang::En));
            assert!(!id.trim().is_empty() && !en.trim().is_empty(), "{e:?}");
            assert_ne!(id, en, "{e:?} has no English wording");
            assert!(!en.contains('\n') && !id.contains('\n'), "one line: {e:?}");
            indonesian.extend(words(&id));
            english.extend(words(&en));
        }
        let leaked: Vec<&String> = english
            .intersection(&indonesian)
            .filter(|w| !shared.contains(*w))
            .collect();
        assert!(
            leaked.is_empty(),
            "Indonesian words in English messages: {leaked:?}"
        );
    }

    #[test]
    fn line_errors_keep_the_inner_code_and_name_the_product() {
        let e = CoreError::invalid(Field::Quantity, Problem::Zero).for_product("Beras Pulen");
        assert_eq!(e.code(), "zero");
        assert_eq!(e.field(), Some(Field::Quantity));
        assert_eq!(e.message(Lang::En), "Beras Pulen: quantity cannot be 0");
        assert_eq!(e.message(Lang::Id), "Beras Pulen: jumlah tidak boleh 0");
    }
}
