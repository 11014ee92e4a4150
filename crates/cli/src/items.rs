//! Parsing of `--item "SKU_OR_NAME=QTY[UNIT][@PRICE]"` and `UNIT=FACTOR[@PRICE]` arguments.

use pasar_core::error::{Field, Problem};
use pasar_core::money::{parse_number, parse_qty, parse_qty_unit};
use pasar_core::{CoreError, Decimal, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct ItemSpec {
    pub product: String,
    pub qty: Decimal,
    pub unit: Option<String>,
    pub price: Option<Decimal>,
}

/// "beras=1,25kg@12rb" → product "beras", qty 1.25, unit "kg", price 12000.
/// "GLA-001" alone means one base unit at the catalog price.
pub fn parse_item(spec: &str) -> Result<ItemSpec> {
    let bad = |_why: &str| {
        CoreError::invalid(
            Field::ItemSpec,
            Problem::BadFormat {
                value: spec.trim().to_string(),
                example: "beras=2kg@12rb".into(),
            },
        )
    };
    let (product, rest) = match spec.rsplit_once('=') {
        Some((p, r)) => (p.trim(), Some(r.trim())),
        None => (spec.trim(), None),
    };
    if product.is_empty() {
        return Err(bad("nama/SKU produk kosong"));
    }
    let Some(rest) = rest else {
        return Ok(ItemSpec {
            product: product.into(),
            qty: Decimal::ONE,
            unit: None,
            price: None,
        });
    };
    let (qty_unit, price) = match rest.split_once('@') {
        Some((q, p)) => (q.trim(), Some(parse_number(p)?)),
        None => (rest, None),
    };
    let (qty, unit) = parse_qty_unit(qty_unit).map_err(|e| match e {
        CoreError::InvalidNumber { .. }
            if !qty_unit.starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
        {
            bad("jumlah belum diisi (contoh: beras=2kg@12rb)")
        }
        other => other,
    })?;
    Ok(ItemSpec {
        product: product.into(),
        qty,
        unit,
        price,
    })
}

/// "karung=50@600rb" → extra unit karung of 50 base units sold at 600.000; "dus=40#899123"
/// → a dus of 40 whose own barcode is 899123.
pub fn parse_unit_def(spec: &str) -> Result<pasar_core::ProductUnit> {
    let bad = || {
        CoreError::invalid(
            Field::UnitSpec,
            Problem::BadFormat {
                value: spec.trim().to_string(),
                example: "karung=50@600rb".into(),
            },
        )
    };
    let (unit, rest) = spec.split_once('=').ok_or_else(bad)?;
    let (rest, code) = match rest.split_once('#') {
        Some((r, c)) if !c.trim().is_empty() => (r, Some(c.trim().to_string())),
        Some(_) => return Err(bad()),
        None => (rest, None),
    };
    let (factor, price) = match rest.split_once('@') {
        Some((f, p)) => (f, Some(parse_number(p)?)),
        None => (rest, None),
    };
    if unit.trim().is_empty() {
        return Err(bad());
    }
    Ok(pasar_core::ProductUnit {
        unit: unit.trim().into(),
        factor: parse_qty(factor)?,
        price,
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn parses_item_specs() {
        let i = parse_item("beras=1,25kg@12rb").unwrap();
        assert_eq!(
            (i.product.as_str(), i.qty, i.unit.as_deref(), i.price),
            ("beras", d("1.25"), Some("kg"), Some(d("12000")))
        );
        let i = parse_item("GLA-001=2").unwrap();
        assert_eq!((i.qty, i.unit, i.price), (d("2"), None, None));
        let i = parse_item("Indomie Goreng=1 dus").unwrap();
        assert_eq!((i.qty, i.unit.as_deref()), (d("1"), Some("dus")));
        assert_eq!(parse_item("MIE-001").unwrap().qty, Decimal::ONE);
        assert_eq!(parse_item("x=-1").unwrap().qty, d("-1"));
        assert!(parse_item("beras=kg").is_err());
        assert!(parse_item("=2").is_err());
        assert!(parse_item("beras=2@abc").is_err());
        assert!(parse_item("beras=1..5").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4000, ..Default::default() })]
        /// Fuzz: any `--item` / `--unit-def` text is parsed or refused, never a panic, and an
        /// accepted item names a product.
        #[test]
        fn item_specs_never_panic(s in proptest::prop_oneof![
            "[A-Za-z ]{0,12}=[-0-9.,]{0,20}[a-z ]{0,6}(@[Rp0-9.,rbjtk ]{0,15})?",
            "\\PC{0,40}",
        ]) {
            if let Ok(i) = parse_item(&s) {
                proptest::prop_assert!(!i.product.trim().is_empty());
            }
            let _ = parse_unit_def(&s);
        }
    }

    #[test]
    fn parses_unit_defs() {
        let u = parse_unit_def("karung=50@600rb").unwrap();
        assert_eq!(
            (u.unit.as_str(), u.factor, u.price),
            ("karung", d("50"), Some(d("600000")))
        );
        assert!(parse_unit_def("dus").is_err());
        let u = parse_unit_def("dus=40@118rb#8991234500017").unwrap();
        assert_eq!(
            (u.factor, u.price, u.code.as_deref()),
            (d("40"), Some(d("118000")), Some("8991234500017"))
        );
        assert_eq!(parse_unit_def("dus=40").unwrap().code, None);
        assert!(parse_unit_def("dus=40#").is_err());
    }
}
