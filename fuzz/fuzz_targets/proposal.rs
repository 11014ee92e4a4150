//! Any bytes as the online assistant's answer: it is read or refused, never a panic, and
//! what is read is always low-confidence (so the chat asks before writing) with positive,
//! bounded figures.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use pasar_intent::{Context, PROPOSAL_CONFIDENCE, Proposal, unfence};
use rust_decimal::Decimal;

fuzz_target!(|data: &[u8]| {
    let Ok(answer) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = serde_json::from_str::<Proposal>(unfence(answer)) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let Ok(c) = p.into_command("pesan dari toko", &Context::new(today)) else {
        return;
    };
    assert!(c.confidence <= PROPOSAL_CONFIDENCE, "{c:?}");
    for i in &c.items {
        assert!(!i.product.is_empty(), "{c:?}");
        for f in [i.quantity, i.unit_price, i.total].into_iter().flatten() {
            assert!(f > Decimal::ZERO, "{c:?}");
        }
    }
    if let Some(a) = c.amount {
        assert!(a > Decimal::ZERO, "{c:?}");
    }
    if let Some(d) = c.date {
        assert!((d - today).num_days().abs() <= 366, "{c:?}");
    }
});
