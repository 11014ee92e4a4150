//! Backups: a consistent copy of the shop taken once a day (kept for two weeks), any time by
//! hand, listed newest first, and restored without ever losing the current file: the backup
//! is copied beside the shop, opened and checked there (a PasarSuara database, whole, brought
//! up to this version's schema), and only then swapped in — the current file is renamed
//! aside ("toko.sebelum-pulih-20261122-165100.db"), never overwritten. A shop that no longer
//! opens is restored the same way from the window's first screen.

use crate::db::{OpenMode, Shop};
use crate::error::{CoreError, Result};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One backup file.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupFile {
    pub path: String,
    pub name: String,
    /// When it was taken, shop time, "2026-11-22 16:51:00" (from its name).
    pub taken_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RestoreReport {
    pub restored_from: String,
    /// Where the file that was in use went (none when there was no file).
    pub kept_aside: Option<String>,
}

const PREFIX: &str = "pasarsuara-";

/// "pasarsuara-20261122-165100.db" → "2026-11-22 16:51:00".
fn taken_at(name: &str) -> Option<String> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let (d, t) = stamp.split_once('-')?;
    (d.len() == 8 && t.len() == 6 && d.chars().chain(t.chars()).all(|c| c.is_ascii_digit())).then(
        || {
            format!(
                "{}-{}-{} {}:{}:{}",
                &d[..4],
                &d[4..6],
                &d[6..],
                &t[..2],
                &t[2..4],
                &t[4..]
            )
        },
    )
}

/// The backups in `dirs` (missing folders are skipped), newest first, each once.
pub fn list_backups(dirs: &[PathBuf]) -> Result<Vec<BackupFile>> {
    let mut out: Vec<BackupFile> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(at) = taken_at(&name) else { continue };
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let path = e.path();
            let canon = std::fs::canonicalize(&path).unwrap_or(path);
            let path = canon.display().to_string();
            if out.iter().any(|b| b.path == path) {
                continue;
            }
            out.push(BackupFile {
                path,
                name,
                taken_at: at,
                bytes: meta.len(),
            });
        }
    }
    out.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Restores `backup` as the shop at `db_path` (the shop must not be open). The backup is
/// checked on a copy first; the current file (with its WAL) is renamed aside, never
/// overwritten. `now` names the file kept aside, in the shop's zone `offset`.
pub fn restore_backup(
    db_path: &Path,
    backup: &Path,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> Result<RestoreReport> {
    let meta = std::fs::metadata(backup).map_err(|_| CoreError::FileNotFound {
        path: backup.display().to_string(),
    })?;
    if !meta.is_file() {
        return Err(CoreError::FileNotFound {
            path: backup.display().to_string(),
        });
    }
    let dir = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let stamp = now
        .with_timezone(&offset)
        .format("%Y%m%d-%H%M%S")
        .to_string();
    let trial = dir.join(format!(".pulih-{stamp}.db"));
    let cleanup = |p: &Path| {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(p, s));
        }
    };
    cleanup(&trial);
    std::fs::copy(backup, &trial)?;
    // Opened where it will live: a PasarSuara database, of this version or older (migrated
    // now), every page readable.
    let checked = (|| -> Result<()> {
        let shop = Shop::open(&trial, OpenMode::Existing)?;
        let verdict: String = shop
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(CoreError::DatabaseCorrupt {
                path: backup.display().to_string(),
            });
        }
        shop.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(())
    })();
    if let Err(e) = checked {
        cleanup(&trial);
        return Err(match e {
            CoreError::DatabaseCorrupt { .. } | CoreError::DatabaseEmpty { .. } => {
                CoreError::DatabaseCorrupt {
                    path: backup.display().to_string(),
                }
            }
            CoreError::DatabaseForeign { .. } => CoreError::DatabaseForeign {
                path: backup.display().to_string(),
            },
            e => e,
        });
    }
    // The file in use goes aside with its WAL, under a name that says what it is.
    let stem = db_path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "toko".into());
    let aside = dir.join(format!("{stem}.sebelum-pulih-{stamp}.db"));
    let kept_aside = if db_path.exists() {
        std::fs::rename(db_path, &aside)?;
        for s in ["-wal", "-shm"] {
            let from = with_suffix(db_path, s);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, s))?;
            }
        }
        Some(aside.display().to_string())
    } else {
        None
    };
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&trial, s));
    }
    if let Err(e) = std::fs::rename(&trial, db_path) {
        // Put the old file back rather than leave no shop at all.
        if let Some(a) = &kept_aside {
            let _ = std::fs::rename(a, db_path);
        }
        return Err(e.into());
    }
    Ok(RestoreReport {
        restored_from: backup.display().to_string(),
        kept_aside,
    })
}

impl Shop {
    /// Today's automatic backup into `dir`, unless one was taken today already; then only
    /// the newest `keep` backups of the folder stay. Returns the new file, if any.
    pub fn auto_backup(&self, dir: &Path, keep: usize) -> Result<Option<PathBuf>> {
        let today = self
            .clock
            .now()
            .with_timezone(&self.settings.tz.offset)
            .format("%Y%m%d")
            .to_string();
        let existing = list_backups(&[dir.to_path_buf()])?;
        if existing
            .iter()
            .any(|b| b.name.starts_with(&format!("{PREFIX}{today}-")))
        {
            return Ok(None);
        }
        let made = self.backup_to(dir)?;
        for old in list_backups(&[dir.to_path_buf()])?
            .into_iter()
            .skip(keep.max(1))
        {
            let _ = std::fs::remove_file(&old.path);
        }
        Ok(Some(made))
    }

    /// Where backups go: the `backup_dir` setting, else the shop's own folder.
    pub fn backup_dir(&self) -> Result<PathBuf> {
        Ok(PathBuf::from(self.settings_view()?.backup_dir))
    }
}
