"""Staff and the cash drawer in the real window (called from desktop.py): the owner adds
herself and a cashier with PINs; the cashier signs in with the mouse on the keypad, opens a
shift, sells, is stopped at the back office and at a void until the owner's PIN approves it,
pays a supplier from the drawer and closes the shift 5.000 short; the owner sees the
difference on the dashboard and in the report."""

import time

from webdriver import ENTER, F8, check, db_one, rupiah


def tap_pin(s, pin):
    for k in pin:
        s.click(f".key[data-key='{k}']")
    s.click(".key[data-key='OK']")


def wait_db(db, sql, want, *args, timeout=5):
    end = time.time() + timeout
    got = None
    while time.time() < end:
        got = db_one(db, sql, *args)
        if got == want:
            return got
        time.sleep(0.1)
    return got


def add_staff(s, db, shots):
    s.click("#nav-pengaturan")
    s.wait("#staff-card")
    s.type("#staff-name", "Bu Ani")
    s.type("#staff-pin", "4321")
    s.click("#staff-add")
    s.wait_text("#staff-table", lambda t: "Bu Ani" in t)
    check(db_one(db, "SELECT role FROM staff WHERE name = 'Bu Ani'") == ("owner",), "the first staff member is the owner")
    s.type("#staff-name", "Rina")
    s.type("#staff-pin", "1111")
    s.click("#staff-add")
    s.wait_text("#staff-table", lambda t: "Rina" in t)
    row = db_one(db, "SELECT role, pin_hash FROM staff WHERE name = 'Rina'")
    check(row[0] == "cashier" and row[1].startswith("v1$") and "1111" not in row[1].split("$")[1:2],
          "the cashier is added, her PIN kept hashed")
    check(s.text(s.wait("#session-name")) == "Bu Ani", "the owner runs the shop now")


def cashier_signs_in(s, db, shots):
    s.click("#switch-user")
    s.wait("#sign-in")
    s.click(".person[data-name='Rina']")
    tap_pin(s, "0000")
    err = s.wait_text("#sign-in-error", lambda t: len(t) > 2)
    check("PIN salah" in err, f"a wrong PIN is refused: {err!r}")
    s.shot(f"{shots}/30-masuk-petugas.png")
    tap_pin(s, "1111")
    s.wait_text("#session-name", lambda t: t == "Rina")
    check(s.find_all("#kasir-search") != [], "the cashier starts at the Kasir")


def shift_and_sale(s, db, shots):
    s.click("#nav-beranda")
    s.wait("#shift-card")
    check(not s.find_all("#dash-profit"), "a cashier sees no profit on the dashboard")
    s.type("#shift-float", "200rb")
    s.click("#shift-open")
    s.wait_text("#shift-expected", lambda t: rupiah(200000) in t)
    check(db_one(db, "SELECT staff, opening_float FROM shifts WHERE closed_at IS NULL") == ("Rina", "200000"),
          "Rina's shift is open with Rp 200.000")
    barcode, price = db_one(db, "SELECT barcode, CAST(price AS INTEGER) FROM products WHERE barcode IS NOT NULL "
                                "AND active = 1 AND CAST(stock AS INTEGER) > 20 AND CAST(price AS INTEGER) < 40000 "
                                "ORDER BY id LIMIT 1")
    s.click("#nav-kasir")
    s.wait("#kasir-search")
    s.keys(barcode + ENTER)
    s.wait_text("#cart tbody tr", lambda t: "1 " in t)
    s.keys(F8)
    s.wait("#tendered-input")
    s.keys("50.000" + ENTER)
    s.wait("#sale-done")
    sale_id, actor = db_one(db, "SELECT id, actor FROM sales ORDER BY id DESC LIMIT 1")
    check(actor == "Rina", "the sale is Rina's")
    s.click("#new-sale")
    return sale_id, price


def blocked_by_pin(s, db, shots, sale_id):
    # The back office: the owner's PIN, or nothing.
    s.click("#nav-produk")
    why = s.wait_text("#owner-pin-why", lambda t: len(t) > 3)
    check("pemilik" in why, f"Produk asks for the owner's PIN: {why!r}")
    s.type("#owner-pin-input", "1111" + ENTER)  # her own PIN approves nothing
    err = s.wait_text("#owner-pin-error", lambda t: len(t) > 2)
    check("PIN salah" in err, f"a cashier's PIN is not the owner's: {err!r}")
    s.shot(f"{shots}/31-perlu-pin-pemilik.png")
    s.click("#owner-pin-cancel")
    time.sleep(0.5)
    check(not s.find_all("#product-table"), "without the owner's PIN the cashier stays out of Produk")
    # A void: stopped, then approved once by the owner standing by.
    s.click("#nav-transaksi")
    s.wait("#sales-table")
    s.run("[...document.querySelectorAll('#sales-table tbody tr')]"
          ".find(r => r.cells[0].textContent.trim().startsWith(arguments[0] + ' ') || r.cells[0].textContent.trim() === arguments[0]).click();",
          str(sale_id))
    s.click("#sale-void")
    s.type("#void-reason", "pembeli batal")
    s.click("#void-yes")
    s.wait("#owner-pin")
    check(db_one(db, "SELECT count(*) FROM sales WHERE reverses = ?", sale_id) == (0,), "nothing voided before the PIN")
    tap_pin(s, "4321")
    got = wait_db(db, "SELECT count(*) FROM sales WHERE reverses = ?", (1,), sale_id)
    check(got == (1,), "the owner's PIN let the void through")
    approval = db_one(db, "SELECT actor, detail FROM audit_log WHERE action = 'owner.approve' ORDER BY id DESC LIMIT 1")
    check(approval[0] == "Rina" and "Bu Ani" in approval[1] and "sale.void" in approval[1],
          f"the audit log says who asked and who approved: {approval}")
    check(db_one(db, "SELECT actor FROM sales WHERE reverses = ?", sale_id) == ("Rina",), "the void is booked as Rina's")


def close_short(s, db, shots):
    s.click("#nav-beranda")
    s.wait("#shift-card")
    s.type("#move-amount", "20rb")
    s.type("#move-note", "bayar pemasok telur")
    s.click("#move-out")
    expected = s.wait_text("#shift-expected", lambda t: "Rp" in t)
    want = int(db_one(db, "SELECT 200000 + coalesce((SELECT sum(CAST(total AS INTEGER)) FROM sales WHERE payment = 'cash' "
                          "AND occurred_at >= (SELECT opened_at FROM shifts WHERE closed_at IS NULL)), 0) - 20000")[0])
    check(expected.endswith(rupiah(want)), f"the drawer should hold {rupiah(want)}: {expected!r}")
    s.click("#shift-close-open")
    s.type("#shift-counted", f"{want - 5000}")
    s.type("#shift-close-note", "uang kembalian salah")
    s.shot(f"{shots}/32-tutup-shift.png")
    s.click("#shift-close")
    diff = s.wait_text("#last-shift-diff", lambda t: "kurang" in t)
    check(rupiah(5000) in diff, f"the dashboard shows the drawer 5.000 short: {diff!r}")
    row = db_one(db, "SELECT counted, expected, difference, closed_by FROM shifts ORDER BY id DESC LIMIT 1")
    check(row == (str(want - 5000), str(want), "-5000", "Rina"), f"the shift is closed with its difference: {row}")


def owner_reads_the_report(s, db, shots):
    s.click("#switch-user")
    s.click(".person[data-name='Bu Ani']")
    s.type("#sign-in-pin", "4321" + ENTER)
    s.wait_text("#session-name", lambda t: t == "Bu Ani")
    s.click("#nav-laporan")
    s.run("const e = document.querySelector('#report-period'); e.value = 'today';"
          "e.dispatchEvent(new Event('change', { bubbles: true }));")
    diff = s.wait_text("#report-shift-diff", lambda t: "Rp" in t)
    check(diff == "-" + rupiah(5000), f"the report carries the drawer difference: {diff!r}")
    check(s.text(s.wait("#report-shop")) != "", "the report carries the shop's name")
    s.shot(f"{shots}/33-laporan-selisih-laci.png")
    s.click("#nav-beranda")
    s.wait("#dash-profit")
    check(True, "the owner sees the profit again")


def run(s, db, shots):
    add_staff(s, db, shots)
    cashier_signs_in(s, db, shots)
    sale_id, _ = shift_and_sale(s, db, shots)
    blocked_by_pin(s, db, shots, sale_id)
    close_short(s, db, shots)
    owner_reads_the_report(s, db, shots)
