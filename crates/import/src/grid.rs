//! Any stock list as a grid of cells. The file is recognised by its content, not its name
//! (a CSV saved as .xlsx is read as CSV): ZIP (xlsx, xlsm, ods), OLE (xls), else text —
//! UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252, with the delimiter
//! (`,` `;` tab) and quoting detected.

use std::io::Cursor;

use calamine::{Data, Reader};

/// One cell as the sheet holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A number stored as a number (xlsx/xls/ods); CSV numbers are text.
    Number(f64),
    Bool(bool),
}

impl Cell {
    /// The cell as text, numbers without a spurious ".0" (87678.0 → "87678").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        }
    }
}

/// A float as the shortest decimal text that reads back to it ("1466.6666666666667",
/// "3.5", "87678").
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A sheet: its name and rows; `rows[i]` is the sheet's row `first_row + i` (1-based, as the
/// spreadsheet program shows it).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub first_row: usize,
    pub rows: Vec<Vec<Cell>>,
}

/// What a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Workbook,
    Csv { delimiter: u8 },
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    /// A workbook that does not open: damaged, truncated, or password-protected.
    Damaged {
        detail: String,
    },
    /// Not a spreadsheet nor text (an image, a PDF…).
    NotASpreadsheet,
    /// No sheet has a row that names the products' column.
    NoHeader,
    /// A workbook locked with a password.
    Encrypted,
    /// Larger than `MAX_BYTES`: a stock list is a few megabytes.
    TooBig {
        bytes: u64,
    },
    /// The sheet asked for has no row that names the products' column.
    SheetHasNoHeader {
        sheet: String,
    },
    /// More filled cells than `MAX_CELLS`, or more than `MAX_UNPACKED` bytes once unzipped (a
    /// zip bomb, or not a stock list).
    TooLarge,
    /// The sheet asked for is not in the workbook.
    NoSuchSheet {
        sheet: String,
        sheets: Vec<String>,
    },
}

/// The largest file read: 100,000 products are ~5 MB of xlsx or CSV; anything near this is not
/// a stock list, and reading it whole would take the laptop's memory.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The most filled cells read from a workbook (100,000 products × 53 columns of a wide POS
/// export is 5.3 million), so a sheet cannot take the laptop's memory.
pub const MAX_CELLS: u64 = 8_000_000;

/// The most bytes a workbook may unpack to, as its zip directory declares them (a zip bomb
/// of a few MB may declare gigabytes).
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// Columns beyond this are not read: a note typed far to the right (column XFD) must not
/// make every row sixteen thousand cells wide.
pub const MAX_COLUMNS: usize = 512;

/// `EncryptedPackage` in UTF-16LE: the stream an encrypted OOXML file keeps in its OLE box.
fn is_encrypted_ooxml(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(needle.len()).any(|w| w == needle)
}

pub fn read_bytes(bytes: &[u8]) -> Result<(Kind, Vec<Sheet>), ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ReadError::TooBig {
            bytes: bytes.len() as u64,
        });
    }
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    if ole && is_encrypted_ooxml(bytes) {
        return Err(ReadError::Encrypted);
    }
    if zip || ole {
        return read_workbook(bytes).map(|s| (Kind::Workbook, s));
    }
    // Documents and pictures that happen to hold readable text are still not tables.
    const NOT_TABLES: [&[u8]; 6] = [
        b"%PDF",
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"GIF8",
        b"{\\rtf",
        b"Rar!",
    ];
    if NOT_TABLES.iter().any(|m| bytes.starts_with(m)) {
        return Err(ReadError::NotASpreadsheet);
    }
    let text = decode_text(bytes).ok_or(ReadError::NotASpreadsheet)?;
    let delimiter = sniff_delimiter(&text);
    let rows = parse_csv(&text, delimiter);
    Ok((
        Kind::Csv { delimiter },
        vec![Sheet {
            name: "csv".into(),
            first_row: 1,
            rows,
        }],
    ))
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        check_unpacked(bytes)?;
    }
    let mut wb =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
            let detail = e.to_string();
            if detail.to_lowercase().contains("password") {
                ReadError::Encrypted
            } else {
                ReadError::Damaged { detail }
            }
        })?;
    let names = wb.sheet_names().to_vec();
    let mut sheets = Vec::new();
    let mut failed = None;
    let mut cells = 0u64;
    for name in names {
        let rows = match &mut wb {
            // xlsx is streamed cell by cell: calamine's range is dense, and one cell typed at
            // XFD1048576 would make it rows × columns large.
            calamine::Sheets::Xlsx(x) => read_xlsx_sheet(x, &name, &mut cells),
            other => other
                .worksheet_range(&name)
                .map_err(|e| ReadError::Damaged {
                    detail: e.to_string(),
                })
                .and_then(|r| range_rows(r, &mut cells)),
        };
        match rows {
            Ok(rows) => sheets.push(Sheet {
                name,
                first_row: 1,
                rows,
            }),
            Err(ReadError::Damaged { detail }) => {
                failed.get_or_insert(detail);
            }
            Err(e) => return Err(e),
        }
    }
    match failed {
        Some(detail) if sheets.is_empty() => Err(ReadError::Damaged { detail }),
        _ => Ok(sheets),
    }
}

/// Refuses a zip whose entries declare more than `MAX_UNPACKED` bytes in all.
fn check_unpacked(bytes: &[u8]) -> Result<(), ReadError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not readable as a zip: calamine says what is wrong with it.
        return Ok(());
    };
    let mut total = 0u64;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > MAX_UNPACKED {
        return Err(ReadError::TooLarge);
    }
    Ok(())
}

/// Puts one cell into the grid, counting it against `MAX_CELLS`.
fn place(
    rows: &mut Vec<Vec<Cell>>,
    (r, c): (usize, usize),
    value: Cell,
    cells: &mut u64,
) -> Result<(), ReadError> {
    if c >= MAX_COLUMNS || value == Cell::Empty {
        return Ok(());
    }
    *cells += 1;
    if *cells > MAX_CELLS {
        return Err(ReadError::TooLarge);
    }
    if rows.len() <= r {
        rows.resize_with(r + 1, Vec::new);
    }
    let row = &mut rows[r];
    if row.len() <= c {
        row.resize(c + 1, Cell::Empty);
    }
    row[c] = value;
    Ok(())
}

fn read_xlsx_sheet<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
    cells: &mut u64,
) -> Result<Vec<Vec<Cell>>, ReadError> {
    let damaged = |e: calamine::XlsxError| ReadError::Damaged {
        detail: e.to_string(),
    };
    let mut reader = x.worksheet_cells_reader(name).map_err(damaged)?;
    let mut rows = Vec::new();
    while let Some(c) = reader.next_cell().map_err(damaged)? {
        let (r, col) = c.get_position();
        let value = cell(Data::from(c.get_value().clone()));
        place(&mut rows, (r as usize, col as usize), value, cells)?;
    }
    Ok(rows)
}

/// A dense range (xls, ods) as rows; cells are moved out, not copied.
fn range_rows(
    mut range: calamine::Range<Data>,
    cells: &mut u64,
) -> Result<Vec<Vec<Cell>>, ReadError> {
    let (r0, c0) = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut rows = Vec::new();
    for i in 0..range.height() {
        for (j, d) in range[i].iter_mut().enumerate() {
            place(&mut rows, (r0 + i, c0 + j), cell(std::mem::take(d)), cells)?;
        }
    }
    Ok(rows)
}

/// One calamine value as a grid cell: a date as text, an error as nothing.
fn cell(d: Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Int(i) => Cell::Number(i as f64),
        Data::Float(f) => Cell::Number(f),
        Data::Bool(b) => Cell::Bool(b),
        Data::DateTime(d) => Cell::Text(date_text(d.as_f64())),
    }
}

/// A date cell as the text a person would type ("2026-11-20", "2026-11-20 14:30"): a date is
/// never read as a price or a quantity (its serial number, 46346, would be).
pub fn date_text(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return serial.to_string();
    }
    let days = serial.floor() as i64;
    let minutes = ((serial - serial.floor()) * 1440.0).round() as i64;
    // Days since 1899-12-30 → civil date (H. Hinnant's days_from_civil, inverted).
    let z = days - 25569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if minutes == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}",
            minutes / 60,
            minutes % 60
        )
    }
}

/// Text in UTF-8 (BOM or not), UTF-16 (with BOM) or Windows-1252; None for binary content.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Some(String::from_utf8_lossy(rest).into_owned());
    }
    // UTF-16 without a BOM (Notepad's "Unicode" without one): every other byte of ASCII
    // text is NUL.
    let pairs = &bytes[..bytes.len().min(4096) & !1];
    let nul_at = |odd: bool| {
        pairs
            .chunks_exact(2)
            .filter(|c| c[usize::from(odd)] == 0 && c[usize::from(!odd)] != 0)
            .count()
    };
    let bomless = if pairs.len() >= 8 && nul_at(true) * 10 >= pairs.len() / 2 * 9 {
        Some((&b""[..], true))
    } else if pairs.len() >= 8 && nul_at(false) * 10 >= pairs.len() / 2 * 9 {
        Some((&b""[..], false))
    } else {
        None
    };
    for (bom, le) in [(&b"\xFF\xFE"[..], true), (&b"\xFE\xFF"[..], false)]
        .into_iter()
        .chain(bomless)
    {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            return Some(String::from_utf16_lossy(&units));
        }
    }
    // Binary content (NULs, many control bytes) is not a text table.
    let sample = &bytes[..bytes.len().min(4096)];
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x1D | 0x0C))
        .count();
    if sample.contains(&0) || controls * 20 > sample.len() {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.to_string()),
        Err(_) => Some(bytes.iter().map(|b| cp1252_char(*b)).collect()),
    }
}

fn cp1252_char(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// The delimiter whose field count is the most consistent over the first lines (and > 1).
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| parse_csv(l, d).first().map_or(0, Vec::len))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let same = counts.iter().filter(|c| **c == first).count();
        let score = same * 100 + first;
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// RFC 4180 with the usual tolerance: quotes may be doubled inside quoted fields, a quote in
/// the middle of an unquoted field is kept, line ends are LF or CRLF, the last line may lack one.
pub fn parse_csv(text: &str, delimiter: u8) -> Vec<Vec<Cell>> {
    let d = delimiter as char;
    let mut rows = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let push_field = |row: &mut Vec<Cell>, field: &mut String, was_quoted: bool| {
        let f = std::mem::take(field);
        let v = if was_quoted { f } else { f.trim().to_string() };
        row.push(if v.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(v)
        });
    };
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            c if c == d => {
                push_field(&mut row, &mut field, was_quoted);
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                push_field(&mut row, &mut field, was_quoted);
                was_quoted = false;
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() || was_quoted {
        push_field(&mut row, &mut field, was_quoted);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn csv_quotes_delimiters_and_line_ends() {
        let rows = parse_csv("a,\"b, c\",\"say \"\"hi\"\"\"\r\n1,,3", b',');
        assert_eq!(
            rows,
            vec![
                vec![t("a"), t("b, c"), t("say \"hi\"")],
                vec![t("1"), Cell::Empty, t("3")]
            ]
        );
        assert_eq!(sniff_delimiter("nama;harga;stok\nBeras;12.000;5\n"), b';');
        assert_eq!(sniff_delimiter("nama\tharga\nBeras\t12,5\n"), b'\t');
        assert_eq!(sniff_delimiter("Nama,Harga Jual\nKopi, 12.500\n"), b',');
    }

    #[test]
    fn encodings_are_recognised() {
        assert_eq!(
            decode_text(b"\xEF\xBB\xBFnama;harga").unwrap(),
            "nama;harga"
        );
        assert_eq!(decode_text(b"Caf\xe9 \x80").unwrap(), "Café €");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a;b".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode_text(&utf16).unwrap(), "a;b");
        for be in [false, true] {
            let bomless: Vec<u8> = "Nama;Harga\nGula;15000"
                .encode_utf16()
                .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect();
            assert_eq!(decode_text(&bomless).unwrap(), "Nama;Harga\nGula;15000");
        }
        assert_eq!(
            read_bytes(b"%PDF-1.4\nNama Barang;Harga Jual\n").unwrap_err(),
            ReadError::NotASpreadsheet
        );
        assert_eq!(date_text(45658.0), "2025-01-01");
        assert_eq!(date_text(46346.5), "2026-11-20 12:00");
        assert!(decode_text(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").is_none());
        assert_eq!(read_bytes(b"").unwrap_err(), ReadError::Empty);
        assert!(matches!(
            read_bytes(b"PK\x03\x04garbage").unwrap_err(),
            ReadError::Damaged { .. }
        ));
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number_text(87678.0), "87678");
        assert_eq!(number_text(3.5), "3.5");
        assert_eq!(number_text(-1.5), "-1.5");
    }
}
