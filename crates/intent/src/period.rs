//! Periods and dates in shop talk: "hari ini", "kemarin", "minggu lalu", "bulan ini", "7 hari
//! terakhir", "tanggal 5", "3 hari lalu"; Javanese "dino iki", "wingi", "sesuk", "sasi iki";
//! Sundanese "poe ieu", "kamari", "isukan", "bulan ieu".

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    #[serde(rename = "last_7_days")]
    Last7Days,
    ThisYear,
    LastYear,
}

fn day_word(w: &str) -> bool {
    matches!(
        w,
        "hari" | "dino" | "dina" | "poe" | "dinten" | "today" | "hr" | "harini" | "saiki"
    )
}
fn this_word(w: &str) -> bool {
    matches!(
        w,
        "ini" | "iki" | "ieu" | "niki" | "puniki" | "this" | "skrg" | "sekarang"
    )
}
fn last_word(w: &str) -> bool {
    matches!(
        w,
        "lalu"
            | "kemarin"
            | "kemaren"
            | "wingi"
            | "kamari"
            | "kepungkur"
            | "kapengker"
            | "sebelumnya"
            | "last"
            | "tadi"
            | "kemare"
            | "wingenane"
    )
}
fn week_word(w: &str) -> bool {
    matches!(w, "minggu" | "pekan" | "minggon" | "week" | "mingguan")
}
fn month_word(w: &str) -> bool {
    matches!(
        w,
        "bulan" | "sasi" | "wulan" | "sasih" | "sasasi" | "month" | "bln"
    )
}
fn yesterday_word(w: &str) -> bool {
    matches!(
        w,
        "kemarin" | "kemaren" | "wingi" | "kamari" | "yesterday" | "kmrn" | "kemare"
    )
}

/// Whether a word belongs to a period phrase (never a product or a name).
pub fn word(w: &str) -> bool {
    day_word(w)
        || month_word(w)
        || week_word(w)
        || yesterday_word(w)
        || matches!(
            w,
            "besok"
                | "sesuk"
                | "isukan"
                | "lusa"
                | "mbenjang"
                | "terakhir"
                | "pungkasan"
                | "tomorrow"
                | "seminggu"
                | "sebulan"
        )
}

/// Finds the period (for reports) or the date (for a dated entry) a message names, and the
/// token positions that name it.
pub fn find(toks: &[&str], today: NaiveDate) -> (Option<Period>, Option<NaiveDate>, Vec<usize>) {
    let mut spans = Vec::new();
    let at = |i: usize| toks.get(i).copied().unwrap_or("");
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let n = at(i + 1);
        // "7 hari terakhir", "tujuh hari terakhir", "seminggu terakhir"
        if (t == "7" || t == "tujuh" || t == "pitung")
            && day_word(n)
            && matches!(
                at(i + 2),
                "terakhir" | "pungkasan" | "belakangan" | "kebelakang"
            )
        {
            return (Some(Period::Last7Days), None, vec![i, i + 1, i + 2]);
        }
        if t == "seminggu" && matches!(n, "terakhir" | "pungkasan" | "belakangan" | "ini") {
            return (Some(Period::Last7Days), None, vec![i, i + 1]);
        }
        if week_word(t) {
            if this_word(n) {
                return (Some(Period::ThisWeek), None, vec![i, i + 1]);
            }
            if last_word(n) {
                return (Some(Period::LastWeek), None, vec![i, i + 1]);
            }
        }
        if matches!(t, "tahun" | "taun" | "warsa" | "year") {
            if this_word(n) {
                return (Some(Period::ThisYear), None, vec![i, i + 1]);
            }
            if last_word(n) {
                return (Some(Period::LastYear), None, vec![i, i + 1]);
            }
        }
        if month_word(t) {
            if this_word(n) {
                return (Some(Period::ThisMonth), None, vec![i, i + 1]);
            }
            if last_word(n) {
                return (Some(Period::LastMonth), None, vec![i, i + 1]);
            }
        }
        if day_word(t) && this_word(n) {
            spans.extend([i, i + 1]);
            return (Some(Period::Today), None, spans);
        }
        if t == "harini" || t == "today" {
            return (Some(Period::Today), None, vec![i]);
        }
        if yesterday_word(t) {
            return (
                Some(Period::Yesterday),
                today.checked_sub_signed(Duration::days(1)),
                vec![i],
            );
        }
        // "3 hari lalu", "2 dino kepungkur"
        if let Some(k) = t.parse::<i64>().ok().filter(|k| (1..=366).contains(k))
            && day_word(n)
            && last_word(at(i + 2))
        {
            return (
                None,
                today.checked_sub_signed(Duration::days(k)),
                vec![i, i + 1, i + 2],
            );
        }
        // "tanggal 5", "tgl 17"
        if matches!(t, "tanggal" | "tgl" | "tanggal," | "kaping")
            && let Some(d) = n.parse::<u32>().ok().filter(|d| (1..=31).contains(d))
        {
            let date = NaiveDate::from_ymd_opt(today.year(), today.month(), d)
                .filter(|x| *x <= today)
                .or_else(|| {
                    let prev = today.with_day(1)? - Duration::days(1);
                    NaiveDate::from_ymd_opt(prev.year(), prev.month(), d)
                });
            return (None, date, vec![i, i + 1]);
        }
        if matches!(t, "besok" | "sesuk" | "isukan" | "mbenjang" | "tomorrow") {
            return (None, today.checked_add_signed(Duration::days(1)), vec![i]);
        }
        if t == "lusa" {
            return (None, today.checked_add_signed(Duration::days(2)), vec![i]);
        }
        i += 1;
    }
    (None, None, spans)
}

/// A day written as "20/11" or "20/11/2026" (day first, as in Indonesia), not after today.
pub fn slash_date(toks: &[&str], today: NaiveDate) -> Option<NaiveDate> {
    let num = |t: &str| t.parse::<u32>().ok();
    toks.windows(3).find_map(|w| {
        if w[1] != "/" {
            return None;
        }
        let (d, m) = (num(w[0])?, num(w[2])?);
        let this = NaiveDate::from_ymd_opt(today.year(), m, d)?;
        Some(if this > today {
            NaiveDate::from_ymd_opt(today.year() - 1, m, d)?
        } else {
            this
        })
    })
}
