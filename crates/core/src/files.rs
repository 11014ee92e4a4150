//! Files a person names (a logo, a stock list): read whole, but only when they are regular
//! files of a bounded size, so a folder, a device or a pipe can neither hang nor exhaust memory.

use std::io::Read;
use std::path::Path;

use crate::error::{CoreError, Result};

/// The bytes of `path`, at most `max`. A missing or unreadable file is `FileNotFound` or
/// `PermissionDenied`; anything else refused is `refuse(None)` (not a regular file) or
/// `refuse(Some(size))` (larger than `max`, also when it grew while being read).
pub fn read_user_file(
    path: &Path,
    max: u64,
    refuse: impl Fn(Option<u64>) -> CoreError,
) -> Result<Vec<u8>> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => CoreError::PermissionDenied {
            path: shown.clone(),
        },
        _ => CoreError::FileNotFound {
            path: shown.clone(),
        },
    })?;
    if !meta.is_file() {
        return Err(refuse(None));
    }
    if meta.len() > max {
        return Err(refuse(Some(meta.len())));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .map_err(|_| CoreError::PermissionDenied { path: shown })?
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CoreError::Io {
            detail: e.to_string(),
        })?;
    if buf.len() as u64 > max {
        return Err(refuse(Some(buf.len() as u64)));
    }
    Ok(buf)
}
