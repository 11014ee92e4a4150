//! Opening the shop database: file checks, pragmas, embedded forward-only migrations,
//! settings and the audit log. The only module that decides how SQLite is configured.
//!
//! Opening never writes to a file it will refuse: header, application id and schema
//! version are checked over a read-only connection first.

use crate::error::{CoreError, Result};
use crate::money::{canon, parse_canon};
use crate::time::{Clock, ShopTz, SystemClock, stamp};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Migrations, in order. Entry N brings the schema to version N+1. Never edit a shipped one.
pub const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_init.sql",
    include_str!("../../../migrations/0001_init.sql"),
)];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// 'PASR': marks a SQLite file as a PasarSuara database.
const APPLICATION_ID: i64 = 0x5041_5352;

/// Directory name under the per-user data dir; equals the desktop app's identifier.
pub const APP_ID: &str = "id.pasarsuara.app";

/// `$XDG_DATA_HOME/id.pasarsuara.app/pasarsuara.db` (or the platform equivalent),
/// overridable with `PASAR_DB`. The desktop app uses the same file.
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os("PASAR_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("pasarsuara.db")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// The file must already exist.
    Existing,
    /// Create the file (and its folder) when missing.
    Create,
}

/// Settings the core reads on every write; cached on the handle.
#[derive(Clone, Debug)]
pub struct ShopSettings {
    pub tz: ShopTz,
    pub allow_negative_stock: bool,
    pub lead_time_days: i64,
}

/// An open shop: one SQLite connection plus the clock and the acting user.
pub struct Shop {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) actor: String,
    pub(crate) settings: ShopSettings,
    path: PathBuf,
    read_only: bool,
}

impl Shop {
    pub fn open(path: &Path, mode: OpenMode) -> Result<Shop> {
        Shop::open_with_clock(path, mode, Arc::new(SystemClock))
    }

    pub fn open_with_clock(path: &Path, mode: OpenMode, clock: Arc<dyn Clock>) -> Result<Shop> {
        let shown = path.display().to_string();
        let exists = path.exists();
        if !exists && mode == OpenMode::Existing {
            return Err(CoreError::DatabaseMissing(shown));
        }
        let mut read_only = false;
        if exists {
            let meta = std::fs::metadata(path)?;
            if !meta.is_file() {
                return Err(CoreError::DatabaseCorrupt(shown));
            }
            // Honour the file's read-only attribute even when the OS would let us write
            // (root): a file the owner locked is a backup to read, not to change.
            read_only = meta.permissions().readonly();
            check_header(path, meta.len())?;
            check_version(path)?;
        } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| locate(e.into(), &shown))?;
        let mut shop = Shop {
            conn,
            clock,
            actor: "owner".into(),
            settings: ShopSettings {
                tz: ShopTz::jakarta(),
                allow_negative_stock: true,
                lead_time_days: 2,
            },
            path: path.to_path_buf(),
            read_only,
        };
        shop.configure().map_err(|e| locate(e, &shown))?;
        shop.migrate().map_err(|e| locate(e, &shown))?;
        shop.load_settings().map_err(|e| locate(e, &shown))?;
        Ok(shop)
    }

    /// A private in-memory shop (tests).
    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Shop> {
        let conn = Connection::open_in_memory()?;
        let mut shop = Shop {
            conn,
            clock,
            actor: "owner".into(),
            settings: ShopSettings {
                tz: ShopTz::jakarta(),
                allow_negative_stock: true,
                lead_time_days: 2,
            },
            path: PathBuf::from(":memory:"),
            read_only: false,
        };
        shop.configure()?;
        shop.migrate()?;
        shop.load_settings()?;
        Ok(shop)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    pub fn settings(&self) -> &ShopSettings {
        &self.settings
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// `synchronous=FULL` (the default) makes every committed sale survive power loss.
    /// Bulk generators (demo, benchmarks) may turn it off and must call this again after.
    pub fn set_durable(&mut self, durable: bool) -> Result<()> {
        let level = if durable { "FULL" } else { "OFF" };
        self.conn.pragma_update(None, "synchronous", level)?;
        Ok(())
    }

    /// Raw connection for read-only diagnostics in tests and benches.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn configure(&mut self) -> Result<()> {
        let c = &self.conn;
        register_functions(c)?;
        // The sale path alone uses ~10 cached statements; the default cache of 16 would thrash
        // as soon as reports and catalog edits interleave with sales.
        c.set_prepared_statement_cache_capacity(128);
        c.busy_timeout(std::time::Duration::from_secs(5))?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        if !self.read_only {
            let mode: String =
                c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
                return Err(CoreError::Database(format!("journal_mode {mode}")));
            }
            c.pragma_update(None, "synchronous", "FULL")?;
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(CoreError::DatabaseTooNew {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if self.read_only {
            return Err(CoreError::DatabaseReadOnly(String::new()));
        }
        apply_migrations(&mut self.conn, MIGRATIONS)
    }

    fn load_settings(&mut self) -> Result<()> {
        if let Some(tz) = self.setting("timezone")? {
            self.settings.tz = ShopTz::parse(&tz)?;
        }
        if let Some(v) = self.setting("allow_negative_stock")? {
            self.settings.allow_negative_stock = v != "false";
        }
        if let Some(v) = self.setting("lead_time_days")? {
            self.settings.lead_time_days = v.parse().unwrap_or(2);
        }
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Known settings: shop_name, shop_address, shop_phone, receipt_footer, timezone,
    /// allow_negative_stock (true/false), lead_time_days, language.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let value = value.trim();
        match key {
            "timezone" => {
                ShopTz::parse(value)?;
            }
            "allow_negative_stock" => {
                if value != "true" && value != "false" {
                    return Err(CoreError::invalid(key, "pakai true atau false"));
                }
            }
            "lead_time_days" => {
                if !value.parse::<i64>().is_ok_and(|d| (0..=365).contains(&d)) {
                    return Err(CoreError::invalid(key, "jumlah hari 0–365"));
                }
            }
            "receipt_paper_mm" => {
                if value != "58" && value != "80" {
                    return Err(CoreError::invalid("lebar kertas", "pilih 58 atau 80 mm"));
                }
            }
            "language" => {
                if crate::error::Lang::parse(value).is_none() {
                    return Err(CoreError::invalid("bahasa", "pilih id atau en"));
                }
            }
            "theme" => {
                if !matches!(value, "light" | "dark" | "system") {
                    return Err(CoreError::invalid("tema", "pilih light, dark, atau system"));
                }
            }
            "shop_name" | "shop_address" | "shop_phone" | "receipt_footer" | "printer"
            | "backup_dir" | "demo_shop" => {}
            _ => {
                return Err(CoreError::invalid(
                    "pengaturan",
                    format!("\"{key}\" tidak dikenal"),
                ));
            }
        }
        let at = stamp(self.clock.now());
        let actor = self.actor.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        audit(
            &tx,
            &at,
            &actor,
            "setting.set",
            "settings",
            None,
            &serde_json::json!({key: value}),
        )?;
        if key == "timezone" {
            crate::report::rebuild_daily_sales(&tx, &ShopTz::parse(value)?)?;
        }
        tx.commit()?;
        self.load_settings()
    }

    /// Begins a write transaction. IMMEDIATE takes the write lock up front so two windows
    /// never deadlock upgrading a read lock.
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        if self.read_only {
            return Err(CoreError::DatabaseReadOnly(self.path.display().to_string()));
        }
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| locate(e.into(), &self.path.display().to_string()))
    }
}

/// Applies `migrations[user_version..]` and bumps the version, all in one transaction:
/// a failing migration leaves the database exactly as it was.
pub fn apply_migrations(conn: &mut Connection, migrations: &[(&str, &str)]) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let target = migrations.len() as i64;
    if version >= target {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    for (name, sql) in &migrations[version as usize..] {
        tx.execute_batch(sql)
            .map_err(|e| CoreError::Database(format!("migration {name}: {e}")))?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", target)?;
    tx.commit()?;
    Ok(())
}

/// `dec_add(a, b)`: exact sum of two canonical decimal strings (NULL counts as 0), so that
/// aggregates can be bumped in one UPSERT without SQLite's floating-point arithmetic.
/// Used only in statements, never in the schema, so other tools can still read the file.
fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "dec_add",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let mut sum = Decimal::ZERO;
            for i in 0..2 {
                if let Some(s) = ctx.get::<Option<String>>(i)? {
                    sum += parse_canon(&s)
                        .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))?;
                }
            }
            Ok(canon(sum))
        },
    )?;
    Ok(())
}

/// Adds the file path to errors that are about the file.
fn locate(e: CoreError, path: &str) -> CoreError {
    match e {
        CoreError::DatabaseCorrupt(p) if p.is_empty() => CoreError::DatabaseCorrupt(path.into()),
        CoreError::DatabaseReadOnly(p) if p.is_empty() => CoreError::DatabaseReadOnly(path.into()),
        other => other,
    }
}

fn check_header(path: &Path, len: u64) -> Result<()> {
    if len == 0 {
        return Ok(()); // an empty file becomes a new database
    }
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path)?;
    if len < 100 || f.read_exact(&mut head).is_err() || &head != b"SQLite format 3\0" {
        return Err(CoreError::DatabaseCorrupt(path.display().to_string()));
    }
    Ok(())
}

/// Reads application id and schema version without writing anything.
fn check_version(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let corrupt = |_| CoreError::DatabaseCorrupt(shown.clone());
    let ro = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(corrupt)?;
    let app_id: i64 = ro
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(corrupt)?;
    let version: i64 = ro
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    let tables: i64 = ro
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(corrupt)?;
    if app_id != APPLICATION_ID && !(app_id == 0 && version == 0 && tables == 0) {
        return Err(CoreError::DatabaseCorrupt(shown));
    }
    if version > SCHEMA_VERSION {
        return Err(CoreError::DatabaseTooNew {
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Reads a canonical decimal column.
pub(crate) fn dec(row: &Row<'_>, idx: usize) -> rusqlite::Result<Decimal> {
    let s: String = row.get(idx)?;
    parse_canon(&s).map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("bad decimal {s:?}").into(),
        )
    })
}

/// Appends one audit row: who did what to which entity, and when.
pub(crate) fn audit(
    conn: &Connection,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: &serde_json::Value,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log(at, actor, action, entity, entity_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        at,
        actor,
        action,
        entity,
        entity_id,
        detail.to_string()
    ])?;
    Ok(())
}

/// Decimal as a SQL parameter (canonical text).
pub(crate) fn d(v: Decimal) -> String {
    canon(v)
}

/// Everything the Pengaturan screen shows, with defaults filled in.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SettingsView {
    pub shop_name: String,
    pub shop_address: String,
    pub shop_phone: String,
    pub receipt_footer: String,
    pub receipt_paper_mm: String,
    pub printer: String,
    pub language: String,
    pub theme: String,
    pub timezone: String,
    /// The shop's offset from UTC, for showing times in shop time whatever the laptop's zone.
    pub utc_offset_minutes: i32,
    pub allow_negative_stock: bool,
    pub lead_time_days: i64,
    pub backup_dir: String,
    pub data_path: String,
    pub demo_shop: bool,
}

impl Shop {
    pub fn settings_view(&self) -> Result<SettingsView> {
        let get = |k: &str, default: &str| -> Result<String> {
            Ok(self.setting(k)?.unwrap_or_else(|| default.to_string()))
        };
        let data_dir = self
            .path
            .parent()
            .map(|p| p.join("backups"))
            .unwrap_or_default();
        Ok(SettingsView {
            shop_name: get("shop_name", "Toko Saya")?,
            shop_address: get("shop_address", "")?,
            shop_phone: get("shop_phone", "")?,
            receipt_footer: get("receipt_footer", "Terima kasih")?,
            receipt_paper_mm: get("receipt_paper_mm", "58")?,
            printer: get("printer", "")?,
            language: get("language", "id")?,
            theme: get("theme", "light")?,
            timezone: self.settings.tz.name.clone(),
            utc_offset_minutes: self.settings.tz.offset.local_minus_utc() / 60,
            allow_negative_stock: self.settings.allow_negative_stock,
            lead_time_days: self.settings.lead_time_days,
            backup_dir: get("backup_dir", &data_dir.display().to_string())?,
            data_path: self.path.display().to_string(),
            demo_shop: self.setting("demo_shop")?.as_deref() == Some("true"),
        })
    }

    /// A consistent copy of the whole shop (`VACUUM INTO`), safe while the shop is in use.
    /// Returns the new file's path.
    pub fn backup_to(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let name = format!(
            "pasarsuara-{}.db",
            self.clock
                .now()
                .with_timezone(&self.settings.tz.offset)
                .format("%Y%m%d-%H%M%S")
        );
        let target = dir.join(name);
        if target.exists() {
            return Err(CoreError::Duplicate {
                field: "berkas cadangan".into(),
                value: target.display().to_string(),
            });
        }
        self.conn
            .execute("VACUUM INTO ?1", [target.display().to_string()])?;
        Ok(target)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub detail: serde_json::Value,
}

impl Shop {
    /// Most recent audit entries first.
    pub fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            let detail: String = r.get(6)?;
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                entity: r.get(4)?,
                entity_id: r.get(5)?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
