//! Fuzzing every parser the CLI and the window expose with arbitrary text (proptest, a fixed
//! number of cases so CI time is bounded): none may panic, and what they accept is sane
//! (canonical, within bounds, round-trips through the Indonesian formatter).

use pasar_core::money::{
    check_line_qty, format_id, format_rupiah, parse_number, parse_qty, parse_qty_unit,
};
use pasar_core::report::Period;
use pasar_core::{Decimal, ExpenseCategory, Payment, error::Field};
use proptest::prelude::*;

/// Text shaped like what people type into number and quantity fields, plus noise.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]{0,2}(Rp|rp|IDR)?[ .]{0,2}[0-9]{0,25}([.,][0-9]{0,4}){0,4}(rb|ribu|k|jt|juta|m|,-)?[ ]{0,2}",
        "[-+]?[0-9.,]{0,30}[a-z ]{0,8}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn number_parsers_never_panic(s in numberish()) {
        if let Ok(v) = parse_number(&s) {
            prop_assert_eq!(v, v.normalize(), "canonical");
        }
        if let Ok(q) = parse_qty(&s) {
            // Whatever a quantity field accepts is then bounded by the core's check.
            let _ = check_line_qty(Field::Quantity, q);
        }
        if let Ok((q, unit)) = parse_qty_unit(&s) {
            prop_assert_eq!(q, q.normalize());
            prop_assert!(unit.is_none_or(|u| !u.trim().is_empty()));
        }
    }

    #[test]
    fn choice_parsers_never_panic(s in "\\PC{0,30}") {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        if let Ok(p) = Period::parse(&s, today) {
            prop_assert!(p.from <= p.to);
        }
        let _ = Payment::parse(&s);
        let _ = ExpenseCategory::parse(&s);
        let _ = pasar_core::Lang::parse(&s);
        let _ = pasar_core::ShopTz::parse(&s);
    }

    #[test]
    fn indonesian_formats_round_trip(units in 0i64..1_000_000_000_000, cents in 0u32..100) {
        let v = Decimal::new(units * 100 + i64::from(cents), 2).normalize();
        prop_assert_eq!(parse_number(&format_id(v)).unwrap(), v);
        prop_assert_eq!(parse_number(&format_rupiah(v)).unwrap(), v);
        prop_assert_eq!(parse_number(&format!("{},-", format_rupiah(Decimal::from(units)))).unwrap(), Decimal::from(units));
    }
}
