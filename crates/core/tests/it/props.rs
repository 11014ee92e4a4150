//! Property test: random sequences of sales (fractional quantities, several units, all payment
//! methods), purchases, voids, partial returns, opnames, expenses and kasbon payments, over
//! several days. An independent model in this file tracks stock, revenue, cash and debts;
//! afterwards the shop must agree with the model and with its own entries, to the rupiah.
//! The operations include units with non-decimal factors (lusin = 12), returns counted in
//! another unit than sold (kg back from a karung, pcs back from a lusin), Rp 0 lines under a
//! sale discount, tiny quantities, absurd values that must be refused without a trace, and
//! products deactivated and reactivated; after every reversal no line and no sale may have
//! given back more than it took.

use crate::common::*;
use chrono::Duration;
use pasar_core::Clock;
use pasar_core::money::round_rupiah;
use pasar_core::sales::ReturnLine;
use pasar_core::{
    CountLine, Decimal, ExpenseCategory, NewExpense, NewPurchase, NewSale, Payment, ProductRef,
    PurchaseLineInput, SaleLineInput,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Sale {
        items: Vec<(usize, u32, bool, bool)>,
        pay: u8,
        extra_cash: u32,
        discount_pct: u8,
    },
    Purchase {
        p: usize,
        qty: u32,
        cost: u32,
        credit: bool,
    },
    Void {
        pick: usize,
    },
    Return {
        pick: usize,
        qty: u32,
        other_unit: bool,
    },
    Toggle {
        p: usize,
    },
    Absurd {
        which: u8,
    },
    Count {
        p: usize,
        counted: u32,
    },
    Expense {
        amount: u32,
        cat: usize,
    },
    PayDebt {
        who: usize,
        amount: u32,
    },
    Advance {
        minutes: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            prop::collection::vec((0..N, 1..400u32, any::<bool>(), prop::bool::weighted(0.15)), 1..5),
            0..4u8,
            0..50_000u32,
            prop_oneof![3 => Just(0u8), 1 => 1..60u8],
        )
            .prop_map(|(items, pay, extra_cash, discount_pct)| Op::Sale { items, pay, extra_cash, discount_pct }),
        2 => (0..N, 1..100u32, 1_000..70_000u32, any::<bool>())
            .prop_map(|(p, qty, cost, credit)| Op::Purchase { p, qty, cost, credit }),
        1 => any::<usize>().prop_map(|pick| Op::Void { pick }),
        2 => (any::<usize>(), 1..300u32, any::<bool>())
            .prop_map(|(pick, qty, other_unit)| Op::Return { pick, qty, other_unit }),
        1 => (0..N, 0..300u32).prop_map(|(p, counted)| Op::Count { p, counted }),
        1 => (0..N).prop_map(|p| Op::Toggle { p }),
        1 => (0..6u8).prop_map(|which| Op::Absurd { which }),
        1 => (1..500_000u32, 0..7usize).prop_map(|(amount, cat)| Op::Expense { amount, cat }),
        1 => (0..2usize, 1..200_000u32).prop_map(|(who, amount)| Op::PayDebt { who, amount }),
        2 => (0..1_500u32).prop_map(|minutes| Op::Advance { minutes }),
    ]
}

const N: usize = 4;
const SKUS: [&str; N] = ["BRS", "MIE", "CBE", "TLR"];
const CUSTOMERS: [&str; 2] = ["Bu Sri", "Pak Budi"];

struct ModelSale {
    id: i64,
    customer: Option<usize>,
    total: Decimal,
    reversed: Decimal,
    /// (product, qty sold in its unit, base units per unit, base units still not returned)
    lines: Vec<(usize, Decimal, Decimal, Decimal)>,
    /// Lines as the shop numbered them, in order.
    line_ids: Vec<i64>,
}

#[derive(Default)]
struct Model {
    stock: [Decimal; N],
    inactive: [bool; N],
    sales: Vec<ModelSale>,
    revenue: Decimal,
    sales_count: i64,
    cash_in: Decimal,
    cash_out: Decimal,
    expenses: Decimal,
    debts: [Decimal; 2],
}

/// (quantity, unit, base factor, price per unit) for a generated line.
fn line_terms(p: usize, n: u32, big: bool) -> (Decimal, Option<&'static str>, Decimal, Decimal) {
    match (p, big) {
        (0, true) => (
            Decimal::from(1 + n % 3),
            Some("karung"),
            d("25"),
            d("335000"),
        ),
        (0, false) => (
            Decimal::new(i64::from(n), 2),
            None,
            Decimal::ONE,
            d("14000"),
        ),
        (1, true) => (Decimal::from(1 + n % 2), Some("dus"), d("40"), d("140000")),
        (1, false) => (Decimal::from(1 + n % 12), None, Decimal::ONE, d("3500")),
        // Eggs counted in pcs, sold by the lusin (a built-in factor of 12) or by the piece.
        (3, true) => (Decimal::from(1 + n % 3), Some("lusin"), d("12"), d("24000")),
        (3, false) => (Decimal::from(1 + n % 10), None, Decimal::ONE, d("2000")),
        _ => (
            Decimal::new(i64::from(n), 3),
            None,
            Decimal::ONE,
            d("62345"),
        ),
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let (mut shop, clock) = shop();
    beras(&mut shop);
    indomie(&mut shop, "200");
    product(&mut shop, "CBE", "Cabai Rawit", "kg", "62345", "50001", "3");
    product(&mut shop, "TLR", "Telur Ayam", "pcs", "2000", "1700", "300");
    let mut m = Model {
        stock: [d("100"), d("200"), d("3"), d("300")],
        ..Default::default()
    };
    let start = clock.now();

    for op in ops {
        match op {
            Op::Sale {
                items,
                pay,
                extra_cash,
                discount_pct,
            } => {
                let payment = [
                    Payment::Cash,
                    Payment::Qris,
                    Payment::Transfer,
                    Payment::Kasbon,
                ][pay as usize];
                let customer = (payment == Payment::Kasbon).then_some(extra_cash as usize % 2);
                let mut lines = Vec::new();
                let mut model_lines = Vec::new();
                let mut subtotal = Decimal::ZERO;
                let mut any_inactive = false;
                for (p, n, big, free) in items {
                    let (qty, unit, factor, price) = line_terms(p, n, big);
                    // A free item (Rp 0 line) now and then, as shops give away.
                    let price = if free { Decimal::ZERO } else { price };
                    subtotal += round_rupiah(qty * price);
                    any_inactive |= m.inactive[p];
                    model_lines.push((p, qty, factor, qty * factor));
                    lines.push(SaleLineInput {
                        product: ProductRef::Query(SKUS[p].into()),
                        qty,
                        unit: unit.map(str::to_string),
                        price: free.then_some(Decimal::ZERO),
                        discount: Decimal::ZERO,
                        discount_percent: None,
                    });
                }
                let discount =
                    (subtotal * Decimal::from(discount_pct) / Decimal::from(100)).floor();
                let total = subtotal - discount;
                let tendered =
                    (payment == Payment::Cash).then(|| total + Decimal::from(extra_cash));
                let sale = NewSale {
                    lines,
                    payment,
                    tendered,
                    customer: customer.map(|c| CUSTOMERS[c].to_string()),
                    discount,
                    note: None,
                    discount_percent: None,
                };
                if any_inactive {
                    let e = shop.record_sale(&sale).unwrap_err();
                    prop_assert_eq!(e.code(), "product_inactive");
                    continue;
                }
                let s = shop.record_sale(&sale).unwrap();
                prop_assert_eq!(s.total, total);
                prop_assert_eq!(s.change, tendered.map_or(Decimal::ZERO, |t| t - total));
                for (p, _, _, base) in &model_lines {
                    m.stock[*p] -= *base;
                }
                m.revenue += total;
                m.sales_count += 1;
                match customer {
                    Some(c) => m.debts[c] += total,
                    None => m.cash_in += total,
                }
                m.sales.push(ModelSale {
                    id: s.sale_id,
                    customer,
                    total,
                    reversed: Decimal::ZERO,
                    lines: model_lines,
                    line_ids: s.lines.iter().map(|l| l.id).collect(),
                });
            }
            Op::Purchase {
                p,
                qty,
                cost,
                credit,
            } => {
                let qty = Decimal::from(qty);
                let supplier = "Grosir";
                let r = shop
                    .record_purchase(&NewPurchase {
                        lines: vec![PurchaseLineInput {
                            product: ProductRef::Query(SKUS[p].into()),
                            qty,
                            unit: None,
                            unit_cost: Some(Decimal::from(cost)),
                            total: None,
                        }],
                        supplier: Some(supplier.into()),
                        payment: if credit {
                            Payment::Kasbon
                        } else {
                            Payment::Cash
                        },
                        note: None,
                    })
                    .unwrap();
                prop_assert_eq!(r.total, qty * Decimal::from(cost));
                m.stock[p] += qty;
                if !credit {
                    m.cash_out += r.total;
                }
            }
            Op::Void { pick } | Op::Return { pick, .. } if m.sales.is_empty() => {
                let _ = pick;
            }
            Op::Void { pick } => {
                let i = pick % m.sales.len();
                let outstanding = m.sales[i].lines.iter().any(|l| l.3 > Decimal::ZERO);
                let res = shop.void_sale(m.sales[i].id, "uji");
                if !outstanding {
                    prop_assert!(res.is_err());
                    continue;
                }
                let v = res.unwrap();
                check_outstanding(&shop, &m.sales[i])?;
                let ms = &mut m.sales[i];
                for l in ms.lines.iter_mut() {
                    m.stock[l.0] += l.3;
                    l.3 = Decimal::ZERO;
                }
                ms.reversed += -v.total;
                prop_assert_eq!(ms.reversed, ms.total, "a fully reversed sale nets to zero");
                m.revenue += v.total;
                match ms.customer {
                    Some(c) => m.debts[c] += v.total,
                    None => m.cash_out -= v.total,
                }
            }
            Op::Return {
                pick,
                qty,
                other_unit,
            } => {
                let i = pick % m.sales.len();
                let Some(li) = m.sales[i].lines.iter().position(|l| l.3 > Decimal::ZERO) else {
                    continue;
                };
                let (p, sold, factor, left) = m.sales[i].lines[li];
                // In the line's own unit, so several lines of one product in different units
                // (1 dus + 5 pcs) are each returnable.
                let in_line = (left / factor)
                    .round_dp_with_strategy(3, rust_decimal::RoundingStrategy::ToZero);
                let mut asked = (sold * Decimal::from(qty) / Decimal::from(300))
                    .round_dp(3)
                    .max(d("0.001"))
                    .min(in_line);
                let mut unit = unit_of(p, factor).to_string();
                let mut base = asked * factor;
                // (Only when no line of the product is in the base unit: a pcs return goes to
                // the sale's pcs line first, not to its dus line.)
                let base_line = m.sales[i]
                    .lines
                    .iter()
                    .any(|l| l.0 == p && l.2 == Decimal::ONE);
                if other_unit && factor > Decimal::ONE && !base_line {
                    // Counted back in the base unit: whole kg of a karung, single eggs of a
                    // lusin (1/12 of the line's unit: exact in base units).
                    let base_left = left.floor();
                    if base_left < Decimal::ONE {
                        continue;
                    }
                    asked = (base_left * Decimal::from(qty) / Decimal::from(300))
                        .floor()
                        .max(Decimal::ONE);
                    unit = unit_of(p, Decimal::ONE).to_string();
                    base = asked;
                }
                if asked <= Decimal::ZERO {
                    continue;
                }
                let r = shop
                    .return_sale(
                        m.sales[i].id,
                        &[ReturnLine {
                            product: SKUS[p].into(),
                            qty: asked,
                            unit: Some(unit),
                            price: None,
                        }],
                        "retur uji",
                    )
                    .unwrap();
                prop_assert!(
                    r.total <= Decimal::ZERO,
                    "a return never charges the customer"
                );
                check_outstanding(&shop, &m.sales[i])?;
                m.stock[p] += base;
                let ms = &mut m.sales[i];
                ms.lines[li].3 -= base;
                ms.reversed += -r.total;
                prop_assert!(ms.reversed <= ms.total);
                if ms.lines.iter().all(|l| l.3.is_zero()) {
                    prop_assert_eq!(ms.reversed, ms.total);
                }
                m.revenue += r.total;
                match ms.customer {
                    Some(c) => m.debts[c] += r.total,
                    None => m.cash_out -= r.total,
                }
            }
            Op::Count { p, counted } => {
                let counted = Decimal::new(i64::from(counted), 1);
                shop.post_stock_count(
                    &[CountLine {
                        product: SKUS[p].into(),
                        counted,
                        counted_at: None,
                    }],
                    None,
                )
                .unwrap();
                m.stock[p] = counted;
            }
            Op::Expense { amount, cat } => {
                let amount = Decimal::from(amount);
                let category = pasar_core::expenses::EXPENSE_CATEGORIES[cat];
                let _: ExpenseCategory = category;
                shop.record_expense(&NewExpense {
                    amount,
                    category: Some(category),
                    note: None,
                    payment: None,
                    date: None,
                })
                .unwrap();
                m.expenses += amount;
                m.cash_out += amount;
            }
            Op::PayDebt { who, amount } => {
                let amount = Decimal::from(amount).min(m.debts[who]);
                let res = shop.pay_debt(CUSTOMERS[who], amount, None);
                if amount <= Decimal::ZERO {
                    prop_assert!(res.is_err());
                    continue;
                }
                prop_assert_eq!(res.unwrap().balance, m.debts[who] - amount);
                m.debts[who] -= amount;
                m.cash_in += amount;
            }
            Op::Advance { minutes } => clock.advance(Duration::minutes(i64::from(minutes))),
            Op::Toggle { p } => {
                m.inactive[p] = !m.inactive[p];
                shop.update_product(
                    shop.resolve_product(SKUS[p]).unwrap().id,
                    pasar_core::ProductPatch {
                        active: Some(!m.inactive[p]),
                        ..Default::default()
                    },
                )
                .unwrap();
            }
            Op::Absurd { which } => {
                // Values the core must refuse at its edge, leaving no trace.
                let before = sum(&shop, "SELECT count(*) || '' FROM audit_log");
                let sale = |item: SaleLineInput| NewSale {
                    lines: vec![item],
                    payment: Payment::Cash,
                    tendered: None,
                    customer: None,
                    discount: Decimal::ZERO,
                    note: None,
                    discount_percent: None,
                };
                let item = |qty: &str, price: Option<&str>| SaleLineInput {
                    product: ProductRef::Query("MIE".into()),
                    qty: d(qty),
                    unit: None,
                    price: price.map(d),
                    discount: Decimal::ZERO,
                    discount_percent: None,
                };
                let code = match which {
                    0 => shop
                        .record_sale(&sale(item("8991002101234", None)))
                        .unwrap_err()
                        .code(),
                    1 => shop
                        .record_sale(&sale(item("1", Some("99999999999999999999"))))
                        .unwrap_err()
                        .code(),
                    2 => shop
                        .record_sale(&sale(item("0.0000000000000000000000000001", None)))
                        .unwrap_err()
                        .code(),
                    3 => shop
                        .add_debt("Bu Sri", d("9999999999999"), None)
                        .unwrap_err()
                        .code(),
                    4 => shop.add_debt("Bu Sri", d("12.5"), None).unwrap_err().code(),
                    _ => shop
                        .adjust_stock("MIE", d("99999999999999999999"), "uji")
                        .unwrap_err()
                        .code(),
                };
                let want = [
                    "looks_like_barcode",
                    "out_of_range",
                    "too_precise",
                    "out_of_range",
                    "not_whole_rupiah",
                    "out_of_range",
                ][which as usize];
                // The product is looked up first: an inactive one is refused as such.
                let want = if which < 3 && m.inactive[1] {
                    "product_inactive"
                } else {
                    want
                };
                prop_assert_eq!(code, want);
                prop_assert_eq!(sum(&shop, "SELECT count(*) || '' FROM audit_log"), before);
            }
        }
    }

    for (i, sku) in SKUS.iter().enumerate() {
        // An inactive product is still counted and found by its code.
        prop_assert_eq!(
            shop.resolve_product(sku).unwrap().stock,
            m.stock[i],
            "stock of {}",
            sku
        );
    }
    let problems = shop.verify_books().unwrap();
    prop_assert!(problems.is_empty(), "{:?}", problems);
    let from = shop.today() - Duration::days(60);
    let r = shop
        .report(&format!("{}..{}", start.date_naive(), shop.today()))
        .unwrap();
    prop_assert_eq!(r.revenue, m.revenue);
    prop_assert_eq!(r.revenue, sum(&shop, "SELECT total FROM sales"));
    prop_assert_eq!(r.cogs, sum(&shop, "SELECT cogs FROM sale_lines"));
    prop_assert_eq!(r.gross_profit, r.revenue - r.cogs);
    prop_assert_eq!(r.sales_count, m.sales_count);
    prop_assert_eq!(r.expenses, m.expenses);
    prop_assert_eq!(r.net_profit, r.gross_profit - r.expenses);
    prop_assert_eq!(r.cash_in, m.cash_in);
    prop_assert_eq!(r.cash_out, m.cash_out);
    let owed: Decimal = m.debts.iter().filter(|b| **b > Decimal::ZERO).sum();
    prop_assert_eq!(r.debts_outstanding, owed);
    // Day-by-day reports add up to the whole-range report.
    let mut by_day = Decimal::ZERO;
    let mut day = from;
    while day <= shop.today() {
        by_day += shop.report(&format!("{day}..{day}")).unwrap().revenue;
        day += Duration::days(1);
    }
    prop_assert_eq!(by_day, r.revenue);
    Ok(())
}

fn unit_of(p: usize, factor: Decimal) -> &'static str {
    match (p, factor > Decimal::ONE) {
        (0, true) => "karung",
        (0, false) | (2, _) => "kg",
        (1, true) => "dus",
        (3, true) => "lusin",
        _ => "pcs",
    }
}

/// No line and no sale has given back more than it took, and every reversal gave back
/// something or nothing, never a charge.
fn check_outstanding(shop: &pasar_core::Shop, ms: &ModelSale) -> Result<(), TestCaseError> {
    let sale = shop.sale(ms.id).unwrap();
    let conn = shop.connection();
    let mut back_total = Decimal::ZERO;
    let mut st = conn
        .prepare("SELECT total FROM sales WHERE reverses = ?1")
        .unwrap();
    for t in st.query_map([ms.id], |r| r.get::<_, String>(0)).unwrap() {
        let t: Decimal = t.unwrap().parse().unwrap();
        prop_assert!(t <= Decimal::ZERO, "reversal of #{} charged {}", ms.id, t);
        back_total -= t;
    }
    prop_assert!(
        back_total <= sale.total,
        "#{} gave back {} of {}",
        ms.id,
        back_total,
        sale.total
    );
    for (l, id) in sale.lines.iter().zip(&ms.line_ids) {
        let mut st = conn
            .prepare("SELECT qty_base, total FROM sale_lines WHERE reverses_line = ?1")
            .unwrap();
        let (mut q, mut t) = (Decimal::ZERO, Decimal::ZERO);
        for row in st
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .unwrap()
        {
            let (rq, rt) = row.unwrap();
            q -= rq.parse::<Decimal>().unwrap();
            t -= rt.parse::<Decimal>().unwrap();
        }
        prop_assert!(
            q <= l.qty_base && t <= l.total && t >= Decimal::ZERO,
            "line {} over-reversed",
            id
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 2000, ..ProptestConfig::default() })]
    #[test]
    fn ledger_matches_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}
