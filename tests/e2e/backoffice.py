"""The back office in the real window (called from desktop.py): corrections without deleting
(an expense and a purchase voided with a reason after a confirmation, then entered again),
paging through the day's sales with the true count, filters on part of a name, a supplier
and a contact typed with a typo ("maksud Anda …?"), and a duplicate contact merged."""

import time

from webdriver import check, db_one


def set_value(s, css, value):
    s.run("const e = document.querySelector(arguments[0]); e.value = arguments[1];"
          "e.dispatchEvent(new Event('input', { bubbles: true }));", css, value)


def void_expense(s, db, shots):
    s.click("#nav-transaksi")
    spent_before = int(db_one(db, "SELECT coalesce(sum(CAST(amount AS INTEGER)), 0) FROM expenses")[0])
    s.click("#expense-new")
    s.type("#ef-amount", "250rb")
    s.type("#ef-note", "bensin salah ketik")
    s.click("#ef-save")
    s.wait_text("#expense-table", lambda t: "bensin salah ketik" in t)
    wrong = db_one(db, "SELECT id FROM expenses ORDER BY id DESC LIMIT 1")[0]
    s.click("#expense-table tbody tr td")
    s.click("#expense-void")
    s.wait("#void-confirm")
    s.click("#void-yes")  # no reason yet
    err = s.wait_text("#detail-error", lambda t: len(t) > 3)
    check("alasan" in err.lower(), f"a void needs a reason: {err!r}")
    check(db_one(db, "SELECT count(*) FROM expenses WHERE reverses = ?", wrong) == (0,), "nothing written without it")
    s.type("#void-reason", "salah ketik, seharusnya 25rb")
    s.shot(f"{shots}/25-transaksi-batal-pengeluaran.png")
    s.click("#void-yes")
    s.wait_text("#expense-table", lambda t: "dibatalkan" in t)
    rev = db_one(db, "SELECT amount, note FROM expenses WHERE reverses = ?", wrong)
    check(rev == ("-250000", "salah ketik, seharusnya 25rb"), f"a reversing expense row: {rev}")
    # Entered again, right this time, from the voided one.
    s.run("[...document.querySelectorAll('#expense-table tbody tr')]"
          ".find(r => r.cells[0].textContent.trim().startsWith(arguments[0] + ' ')).click();", str(wrong))
    s.click("#expense-reenter")
    end = time.time() + 5
    while time.time() < end and s.value("#ef-amount") != "250.000":
        time.sleep(0.1)
    check(s.value("#ef-note") == "bensin salah ketik", "the form comes back filled in")
    set_value(s, "#ef-amount", "25rb")
    s.click("#ef-save")
    s.wait_text("#expense-table", lambda t: "Rp 25.000" in t)
    spent = int(db_one(db, "SELECT coalesce(sum(CAST(amount AS INTEGER)), 0) FROM expenses")[0])
    check(spent == spent_before + 25000, f"the books hold 25.000, not 250.000: {spent - spent_before}")
    check(db_one(db, "SELECT count(*) FROM expenses WHERE id = ?", wrong) == (1,), "the mistake is still there, voided")


def void_purchase(s, db, shots):
    s.click("#nav-transaksi")
    pid, stock0, cost0 = db_one(db, "SELECT id, stock, cost FROM products WHERE sku = 'GLA-001'")
    supplier_id = db_one(db, "SELECT id FROM contacts WHERE name = 'Toko Grosir Makmur Jaya'")[0]
    contacts_before = db_one(db, "SELECT count(*) FROM contacts")[0]
    s.click("#purchase-new")
    # A typo in the supplier's name asks first.
    s.type("#pf-supplier", "Toko Grosir Makmur Jya")
    set_value(s, ".pl-product", "GLA-001")
    set_value(s, ".pl-qty", "5")
    set_value(s, ".pl-cost", "150rb")
    s.click("#pf-purchase-save")
    asked = s.wait_text("#supplier-similar", lambda t: "Makmur Jaya" in t)
    check("Maksud Anda" in asked, f"a supplier typo asks: {asked!r}")
    s.click("#supplier-similar-0")
    check(s.value("#pf-supplier") == "Toko Grosir Makmur Jaya", "the known supplier is taken")
    s.click("#pf-purchase-save")
    s.wait_text("#purchase-table", lambda t: "Toko Grosir Makmur Jaya" in t)
    wrong, contact = db_one(db, "SELECT id, contact_id FROM purchases ORDER BY id DESC LIMIT 1")
    check(contact == supplier_id and db_one(db, "SELECT count(*) FROM contacts")[0] == contacts_before,
          "the purchase is the known supplier's; no second supplier")
    check(db_one(db, "SELECT stock FROM products WHERE id = ?", pid)[0] != stock0, "the goods came in")
    s.click("#purchase-table tbody tr td")
    s.wait("#purchase-void")
    s.click("#purchase-void")
    s.type("#void-reason", "harga salah: 150rb per kg")
    s.shot(f"{shots}/26-transaksi-batal-pembelian.png")
    s.click("#void-yes")
    s.wait_text("#purchase-table", lambda t: "dibatalkan" in t)
    stock1, cost1 = db_one(db, "SELECT stock, cost FROM products WHERE id = ?", pid)
    check((stock1, cost1) == (stock0, cost0), f"stock and average cost as before: {stock1} {cost1}")
    check(db_one(db, "SELECT total FROM purchases WHERE reverses = ?", wrong) == ("-750000",), "a reversing purchase")


def paging(s, db, shots):
    s.click("#nav-transaksi")
    s.click("#tab-sales")
    n = db_one(db, "SELECT count(*) FROM sales WHERE local_date = (SELECT max(local_date) FROM sales)")[0]
    shown = s.wait_text("#list-count", lambda t: "dari" in t)
    check(f"dari {n:,}".replace(",", ".") in shown, f"the true count of today's sales ({n}): {shown!r}")
    check(len(s.find_all("#sales-table tbody tr")) == min(n, 50), "50 on a page")
    first = s.text(s.wait("#sales-table tbody tr td"))
    if n > 50:
        s.click("#page-next")
        s.wait_text("#list-count", lambda t: t.startswith("51"))
        check(len(s.find_all("#sales-table tbody tr")) == min(n - 50, 50), "the next page holds the rest")
        s.click("#page-prev")
        s.wait_text("#list-count", lambda t: t.startswith("1–"))
    newest = db_one(db, "SELECT max(id) FROM sales")[0]
    check(first.split()[0] == str(newest), f"newest first: {first!r}")
    # Part of a name: "bud" finds Pak Budi's sales.
    s.type("#filter-contact", "bud")
    nb = db_one(db, "SELECT count(*) FROM sales s JOIN contacts c ON c.id = s.contact_id "
                    "WHERE s.local_date = (SELECT max(local_date) FROM sales) AND c.name LIKE '%bud%'")[0]
    shown = s.wait_text("#list-count", lambda t: f"dari {nb}" in t or (nb == 0 and t.startswith("0")))
    check(True, f"filtered by part of a name: {shown!r}")
    s.shot(f"{shots}/27-transaksi-halaman.png")
    set_value(s, "#filter-contact", "")
    s.wait_text("#list-count", lambda t: f"dari {n:,}".replace(",", ".") in t)


def contact_typo_and_merge(s, db, shots):
    s.click("#nav-kontak")
    budi_id, budi_balance = db_one(db, "SELECT id, CAST(balance AS INTEGER) FROM contacts WHERE name = 'Pak Budi'")
    s.click("#contact-add")
    s.type("#nc-name", "Pak Budy")
    s.click("#nc-save")
    asked = s.wait_text("#add-similar", lambda t: "Pak Budi" in t)
    check("Maksud Anda" in asked, f"adding a near-duplicate asks first: {asked!r}")
    check(db_one(db, "SELECT count(*) FROM contacts WHERE name = 'Pak Budy'") == (0,), "nothing added while asking")
    s.shot(f"{shots}/28-kontak-maksud-anda.png")
    s.click("#add-anyway")
    s.wait_text("#contact-name", lambda t: t == "Pak Budy")
    dup = db_one(db, "SELECT id FROM contacts WHERE name = 'Pak Budy'")[0]
    # The owner sees it is the same man: merge it into Pak Budi.
    s.type("#contact-search", "Pak Budi")
    s.click("#contact-table tbody tr td")
    s.wait_text("#contact-name", lambda t: t == "Pak Budi")
    s.click("#contact-merge")
    explain = s.wait_text("#merge-explain", lambda t: "Pak Budy" in t)
    check("Pak Budi" in explain, f"the merge says what happens: {explain!r}")
    s.click("#merge-yes")
    end = time.time() + 5
    while time.time() < end and db_one(db, "SELECT merged_into FROM contacts WHERE id = ?", dup) != (budi_id,):
        time.sleep(0.1)
    check(db_one(db, "SELECT merged_into FROM contacts WHERE id = ?", dup) == (budi_id,), "merged into Pak Budi")
    check(db_one(db, "SELECT CAST(balance AS INTEGER) FROM contacts WHERE id = ?", budi_id) == (budi_balance,),
          "his kasbon unchanged (the duplicate owed nothing)")
    s.run("const e = document.querySelector('#contact-search'); e.value = 'Budy';"
          "e.dispatchEvent(new Event('input', { bubbles: true }));")
    s.wait_text("#contact-table tbody", lambda t: "Pak Budy" not in t)
    check(True, "the duplicate is gone from the list")


def run(s, db, shots):
    void_expense(s, db, shots)
    void_purchase(s, db, shots)
    paging(s, db, shots)
    contact_typo_and_merge(s, db, shots)
