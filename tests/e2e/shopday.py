"""A real shop day at the Kasir, driven in the real window (called from desktop.py).

  a sale made with the mouse alone (product tiles, +, quick cash, the change shown live);
  a scan right after a click; an unknown barcode that becomes a new product and lands in the
  cart; a name + Enter that matches several products (choices, nothing added) and a word
  that only resembles a product ("rokok" never adds a diaper); quantities that make no sense
  refused at the line; a percent discount; a cart held and resumed; a kasbon typed with a
  typo ("Pak Budy") that asks "maksud Anda Pak Budi?" instead of making a second debtor.
"""

import time

from webdriver import ARROW_DOWN, ENTER, check, db_all, db_one, rupiah


def cart_text(s):
    return s.text(s.wait("#cart tbody"))


def empty_cart(s):
    if s.find_all("#cart-clear:not([disabled])"):
        s.click("#cart-clear")
        s.click("#cart-clear")  # the second click confirms
    s.wait_text("#cart tbody", lambda t: "Keranjang kosong" in t)


def mouse_only_sale(s, db, shots):
    sales_before = db_one(db, "SELECT count(*) FROM sales")[0]
    s.click("#browse-open")
    s.wait("#tiles .tile")
    tile_name = s.text(s.wait("#tiles .tile .tile-name"))
    pid, price = db_one(db, "SELECT id, CAST(price AS INTEGER) FROM products WHERE name = ?", tile_name)
    s.click("#tiles .tile")
    s.wait_text("#cart tbody tr", lambda t: tile_name in t)
    s.click("#cart tbody tr .qty-more")
    total = s.wait_text("#cart-total", lambda t: t == rupiah(2 * price))
    check(total == rupiah(2 * price), f"mouse: a tile and + make 2 x {tile_name} = {total}")
    s.click("#pay-open")
    s.wait("#tendered-input")
    note = next(n for n in (20000, 50000, 100000) if n >= 2 * price) if 2 * price <= 100000 else None
    s.click(f"#cash-{note}" if note else "#cash-exact")
    paid = note or 2 * price
    live = s.wait_text("#live-change", lambda t: "Rp" in t)
    check(rupiah(paid - 2 * price) in live and "Kembalian" in live, f"change shown before saving: {live!r}")
    s.shot(f"{shots}/20-kasir-mouse-bayar.png")
    s.click("#pay-confirm")
    s.wait("#sale-done")
    row = db_one(db, "SELECT id, total, tendered, change FROM sales ORDER BY id DESC LIMIT 1")
    check(db_one(db, "SELECT count(*) FROM sales")[0] == sales_before + 1, "mouse: one sale saved")
    check(row[1:] == (str(2 * price), str(paid), str(paid - 2 * price)), f"mouse: total, cash and change: {row}")
    check(db_one(db, "SELECT product_id, qty FROM sale_lines WHERE sale_id = ?", row[0]) == (pid, "2"),
          "mouse: the line is 2 of the tile's product")
    s.click("#new-sale")
    s.wait("#pay-open")
    s.click("#browse-open")  # close the tiles
    s.wait_text("#browse-open", lambda t: True)


def scan_after_click(s, db):
    barcode, name = db_one(db, "SELECT barcode, name FROM products WHERE barcode IS NOT NULL AND active = 1 "
                               "AND CAST(stock AS INTEGER) > 20 ORDER BY id LIMIT 1")
    # A click on a button, then the scanner types: the code must land in the search box.
    s.click("#held-open") if s.find_all("#held-open:not([disabled])") else s.click("#cart")
    s.keys(barcode + ENTER)
    s.wait_text("#cart tbody", lambda t: name in t)
    check(s.active_id() == "kasir-search", "the search box has the focus after a click")
    # A click on the cart row, then another scan of the same product: 2 of it, one line.
    s.click("#cart tbody tr td.name")
    s.keys(barcode + ENTER)
    line = s.wait_text("#cart tbody tr", lambda t: name in t and " 2 " in f" {t} ")
    check(len(s.find_all("#cart tbody tr")) == 1, f"a scan after a click adds to the line: {line!r}")
    return name


def unknown_barcode(s, db, shots):
    code = "8997777000017"
    s.keys(code + ENTER)
    notice = s.wait_text("#unknown-code", lambda t: code in t)
    check("belum terdaftar" in notice, f"unknown code said: {notice!r}")
    check(s.value("#kasir-search") == "", "the unknown code is cleared from the search box")
    s.shot(f"{shots}/21-kasir-kode-baru.png")
    s.click("#unknown-add")
    s.wait("#pf-name")
    end = time.time() + 5
    while time.time() < end and s.value("#pf-barcode") != code:
        time.sleep(0.1)
    check(s.value("#pf-barcode") == code, "the new product form has the scanned code")
    s.type("#pf-name", "Sambal Uji Botol 135 ml")
    s.type("#pf-price", "9.500")
    s.type("#pf-stock", "12")
    s.click("#pf-save")
    s.wait_text("#cart tbody", lambda t: "Sambal Uji Botol" in t)
    check(db_one(db, "SELECT price, stock FROM products WHERE barcode = ?", code) == ("9500", "12"),
          "the product was created with its code, and is in the cart")
    check(s.active_id() == "kasir-search", "back at the Kasir, the search box has the focus")


def ambiguous_names(s, db, shots):
    empty_cart(s)
    # "telur" is an alias of one product (exact: added); "mie sedaap" fits two.
    s.keys("mie sedaap" + ENTER)
    head = s.wait_text("#kasir-choose", lambda t: "mie sedaap" in t)
    offered = s.texts("#kasir-results li")
    check(len(offered) == 2 and all("Mie Sedaap" in o for o in offered), f"choices for 'mie sedaap': {offered}")
    check("Keranjang kosong" in cart_text(s), "name + Enter on several products added nothing")
    s.shot(f"{shots}/22-kasir-pilih.png")
    s.keys(ARROW_DOWN + ENTER)
    second = offered[1].split(" · ")[0].split("\n")[0]
    s.wait_text("#cart tbody", lambda t: second[:12] in t)
    check(True, f"the chosen one was added ({head!r} → {second!r})")
    # "rokok": cigarettes are offered (by category or name), never a diaper.
    s.keys("rokok" + ENTER)
    s.wait("#kasir-results li")
    offered = s.texts("#kasir-results li")
    check(not any("Popok" in o for o in offered), f"'rokok' offers no diaper: {offered[:4]}")
    check(len(s.find_all("#cart tbody tr")) == 1, "and adds nothing by itself")
    s.keys("\ue00c")  # Escape closes the choices


def line_edits(s, db, shots):
    # Quantities that make no sense are refused at the line, with the reason.
    s.click("#cart tbody tr .line-edit")
    s.wait("#line-editor")
    for bad, why in (("0", "lebih dari 0 (tertulis 0)"), ("-2", "lebih dari 0 (tertulis -2)"),
                     ("2 karung", 'satuan "karung" tidak dikenal'), ("2000000", "di luar batas")):
        s.run("const e = document.querySelector('#qty-input'); e.value = arguments[0];"
              "e.dispatchEvent(new Event('input', { bubbles: true }));", bad)
        s.click("#line-apply")
        err = s.wait_text("#line-error", lambda t: why in t)
        check(why in err, f"qty {bad!r} refused at the line: {err!r}")
    check(" 1 " in f" {s.text(s.wait('#cart tbody tr'))} ", "the line kept its quantity")
    s.run("const e = document.querySelector('#qty-input'); e.value = '3';"
          "e.dispatchEvent(new Event('input', { bubbles: true }));")
    s.type("#line-discount-input", "10%")
    s.click("#line-apply")
    row = s.wait_text("#cart tbody tr", lambda t: "(10%)" in t)
    check(" 3 " in f" {row} ", f"the line takes 3 and 10% off: {row!r}")
    s.shot(f"{shots}/23-kasir-diskon-baris.png")
    # A price typed over the catalog's is marked.
    s.click("#cart tbody tr .line-edit")
    s.wait("#price-input")
    s.run("const e = document.querySelector('#price-input'); e.value = '1.000';"
          "e.dispatchEvent(new Event('input', { bubbles: true }));")
    s.click("#line-apply")
    s.wait_text("#cart tbody tr", lambda t: "harga diubah" in t)
    check(True, "a changed price is marked on its line")


def hold_and_resume(s, db, name):
    lines_before = s.texts("#cart tbody tr")
    s.click("#cart-hold")
    s.wait_text("#cart tbody", lambda t: "Keranjang kosong" in t)
    check("(1)" in s.text(s.wait("#held-open")), "the cart is on hold")
    # Serve the next customer meanwhile.
    s.keys(name + ENTER)
    s.wait_text("#cart tbody", lambda t: name in t)
    s.click("#held-open")
    s.click("#held-list .held-resume")
    s.wait_text("#cart tbody", lambda t: "(10%)" in t)
    check(s.texts("#cart tbody tr") == lines_before, "the held cart came back as it was")
    check("(1)" in s.text(s.wait("#held-open")), "the cart being served went on hold in its place")


def kasbon_near_duplicate(s, db, shots):
    budi_id, budi_before = db_one(db, "SELECT id, CAST(balance AS INTEGER) FROM contacts WHERE name = 'Pak Budi'")
    contacts_before = db_one(db, "SELECT count(*) FROM contacts")[0]
    s.click("#pay-open")
    s.click("#pay-kasbon")
    s.type("#customer-input", "Pak Budy")
    s.click("#pay-confirm")
    asked = s.wait_text("#kasbon-similar", lambda t: "Pak Budi" in t)
    check("Maksud Anda" in asked, f"a typo in a debtor's name asks first: {asked!r}")
    s.shot(f"{shots}/24-kasir-maksud-anda.png")
    check(db_one(db, "SELECT count(*) FROM contacts")[0] == contacts_before, "nothing written while asking")
    s.click("#similar-0")
    shown = s.wait_text("#kasbon-balance", lambda t: "Rp" in t)
    check(rupiah(budi_before) in shown, f"Pak Budi's current kasbon is shown before the sale: {shown!r}")
    s.click("#pay-confirm")
    s.wait("#sale-done")
    sale_id, contact, total = db_one(db, "SELECT id, contact_id, CAST(total AS INTEGER) FROM sales ORDER BY id DESC LIMIT 1")
    check(contact == budi_id, "the kasbon went to Pak Budi")
    check(db_one(db, "SELECT count(*) FROM contacts")[0] == contacts_before, "no second debtor was created")
    after = db_one(db, "SELECT CAST(balance AS INTEGER) FROM contacts WHERE id = ?", budi_id)[0]
    check(after == budi_before + total, f"Pak Budi owes {rupiah(budi_before)} + {rupiah(total)} = {rupiah(after)}")
    s.click("#new-sale")


def run(s, db, shots):
    s.click("#nav-kasir")
    s.wait("#kasir-search")
    empty_cart(s)
    mouse_only_sale(s, db, shots)
    name = scan_after_click(s, db)
    unknown_barcode(s, db, shots)
    ambiguous_names(s, db, shots)
    line_edits(s, db, shots)
    hold_and_resume(s, db, name)
    kasbon_near_duplicate(s, db, shots)
    # What is left on hold stays there for later; the next flows start from an empty cart.
    check(len(db_all(db, "SELECT id FROM sales WHERE kind = 'sale'")) > 0, "the day's sales are in the books")


SCREENS = ["beranda", "kasir", "chat", "produk", "stok", "transaksi", "kontak", "laporan", "pengaturan"]


def every_screen_at_two_sizes(s, shots):
    """Every screen on a netbook (1024x600) and a common laptop (1366x768), a cart with lines
    on the Kasir; the pictures are committed and looked at."""
    import os
    os.makedirs(f"{shots}/sizes", exist_ok=True)
    s.click("#nav-kasir")
    if s.find_all("#held-open:not([disabled])"):
        s.click("#held-open")
        s.click("#held-list .held-resume")
    for w, h in ((1024, 600), (1366, 768)):
        s.resize(w, h)
        for screen in SCREENS:
            s.click(f"#nav-{screen}")
            time.sleep(0.8)
            s.shot(f"{shots}/sizes/{w}x{h}-{screen}.png")
        # At any size the Kasir's search box and pay button stay on screen.
        s.click("#nav-kasir")
        box = s.run("const r = document.querySelector('#kasir-search').getBoundingClientRect();"
                    "const p = document.querySelector('#pay-open').getBoundingClientRect();"
                    "return [r.top, p.bottom, window.innerHeight, document.scrollingElement.scrollTop];")
        check(box[0] >= 0 and box[1] <= box[2] and box[3] == 0,
              f"{w}x{h}: search box and pay button in view without scrolling: {box}")
    s.resize(1280, 720)
