//! The one error type of pasar-core. Every variant has a stable machine code (for the UI and
//! scripts to branch on) and a message a shop owner understands, in Indonesian or English.
//! Never put SQL text or Rust debug output in a message.

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
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("product not found: {0}")]
    ProductNotFound(String),
    #[error("ambiguous product {query}: {candidates:?}")]
    AmbiguousProduct {
        query: String,
        candidates: Vec<String>,
    },
    #[error("contact not found: {0}")]
    ContactNotFound(String),
    #[error("sale not found: {0}")]
    SaleNotFound(i64),
    #[error("unknown unit {unit} for {product}")]
    UnknownUnit { product: String, unit: String },
    #[error("invalid number {0}")]
    InvalidNumber(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("stock would go negative for {product}")]
    InsufficientStock { product: String, stock: String },
    #[error("duplicate {field}: {value}")]
    Duplicate { field: String, value: String },
    #[error("database not found at {0}")]
    DatabaseMissing(String),
    #[error("database corrupt or not a PasarSuara database: {0}")]
    DatabaseCorrupt(String),
    #[error("database is read-only: {0}")]
    DatabaseReadOnly(String),
    #[error("database schema {found} is newer than this version ({known})")]
    DatabaseTooNew { found: i64, known: i64 },
    #[error("database busy")]
    DatabaseBusy,
    #[error("disk full")]
    DiskFull,
    #[error("database error: {0}")]
    Database(String),
    #[error("file error: {0}")]
    Io(String),
}

impl CoreError {
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        CoreError::Invalid {
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    /// Stable code, safe to match on from the UI or scripts.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::ProductNotFound(_) => "product_not_found",
            CoreError::AmbiguousProduct { .. } => "ambiguous_product",
            CoreError::ContactNotFound(_) => "contact_not_found",
            CoreError::SaleNotFound(_) => "sale_not_found",
            CoreError::UnknownUnit { .. } => "unknown_unit",
            CoreError::InvalidNumber(_) => "invalid_number",
            CoreError::Invalid { .. } => "invalid_input",
            CoreError::InsufficientStock { .. } => "insufficient_stock",
            CoreError::Duplicate { .. } => "duplicate",
            CoreError::DatabaseMissing(_) => "database_missing",
            CoreError::DatabaseCorrupt(_) => "database_corrupt",
            CoreError::DatabaseReadOnly(_) => "database_read_only",
            CoreError::DatabaseTooNew { .. } => "database_too_new",
            CoreError::DatabaseBusy => "database_busy",
            CoreError::DiskFull => "disk_full",
            CoreError::Database(_) => "database_error",
            CoreError::Io(_) => "io_error",
        }
    }

    /// One line for a person, in the requested language.
    pub fn message(&self, lang: Lang) -> String {
        use CoreError::*;
        let en = lang == Lang::En;
        match self {
            ProductNotFound(q) if en => format!("product not found: \"{q}\""),
            ProductNotFound(q) => format!("produk tidak ditemukan: \"{q}\""),
            AmbiguousProduct { query, candidates } if en => format!(
                "\"{query}\" matches several products: {}; be more specific",
                candidates.join(", ")
            ),
            AmbiguousProduct { query, candidates } => format!(
                "\"{query}\" cocok dengan beberapa produk: {}; tulis lebih lengkap",
                candidates.join(", ")
            ),
            ContactNotFound(n) if en => format!("contact not found: \"{n}\""),
            ContactNotFound(n) => format!("kontak tidak ditemukan: \"{n}\""),
            SaleNotFound(id) if en => format!("sale #{id} not found"),
            SaleNotFound(id) => format!("penjualan #{id} tidak ditemukan"),
            UnknownUnit { product, unit } if en => {
                format!("unit \"{unit}\" is not defined for {product}")
            }
            UnknownUnit { product, unit } => {
                format!("satuan \"{unit}\" tidak dikenal untuk {product}")
            }
            InvalidNumber(s) if en => format!("not a valid number: \"{s}\""),
            InvalidNumber(s) => format!("angka tidak valid: \"{s}\""),
            Invalid { field, reason } if en => format!("invalid {field}: {reason}"),
            Invalid { field, reason } => format!("{field} tidak valid: {reason}"),
            InsufficientStock { product, stock } if en => format!(
                "not enough stock of {product} (on hand {stock}); selling below zero is turned off"
            ),
            InsufficientStock { product, stock } => {
                format!("stok {product} tidak cukup (tersisa {stock}); jual di bawah nol dimatikan")
            }
            Duplicate { field, value } if en => format!("{field} \"{value}\" is already used"),
            Duplicate { field, value } => format!("{field} \"{value}\" sudah dipakai"),
            DatabaseMissing(p) if en => {
                format!("no database at {p}; run `pasar init` (or `pasar demo`) first")
            }
            DatabaseMissing(p) => {
                format!("database belum ada di {p}; jalankan `pasar init` (atau `pasar demo`) dulu")
            }
            DatabaseCorrupt(p) if en => {
                format!("the database file is damaged or is not a PasarSuara database: {p}")
            }
            DatabaseCorrupt(p) => {
                format!("berkas database rusak atau bukan database PasarSuara: {p}")
            }
            DatabaseReadOnly(p) if en => {
                format!("the database cannot be written (read-only): {p}; nothing was saved")
            }
            DatabaseReadOnly(p) => {
                format!("database tidak bisa ditulis (hanya-baca): {p}; tidak ada yang disimpan")
            }
            DatabaseTooNew { found, known } if en => format!(
                "this database was made by a newer PasarSuara (schema {found}, this version knows up to {known}); update the app — the file was not touched"
            ),
            DatabaseTooNew { found, known } => format!(
                "database ini dibuat oleh PasarSuara versi lebih baru (skema {found}, versi ini mengenal sampai {known}); perbarui aplikasi — berkas tidak diubah"
            ),
            DatabaseBusy if en => "the database is busy in another window; try again".into(),
            DatabaseBusy => "database sedang dipakai jendela lain; coba lagi".into(),
            DiskFull if en => "the disk is full; nothing was saved".into(),
            DiskFull => "disk penuh; tidak ada yang disimpan".into(),
            Database(m) if en => format!("database problem: {m}"),
            Database(m) => format!("database bermasalah: {m}"),
            Io(m) if en => format!("file error: {m}"),
            Io(m) => format!("berkas bermasalah: {m}"),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                C::ReadOnly => return CoreError::DatabaseReadOnly(String::new()),
                C::DatabaseCorrupt | C::NotADatabase => {
                    return CoreError::DatabaseCorrupt(String::new());
                }
                C::DatabaseBusy | C::DatabaseLocked => return CoreError::DatabaseBusy,
                C::DiskFull => return CoreError::DiskFull,
                C::CannotOpen => return CoreError::Io(e.to_string()),
                _ => {}
            }
        }
        CoreError::Database(e.to_string())
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Io(e.to_string())
    }
}

/// The shape errors take across process and IPC boundaries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
}

impl CoreError {
    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.message(lang),
        }
    }
}
