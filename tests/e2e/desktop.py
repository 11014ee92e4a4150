#!/usr/bin/env python3
"""End-to-end test of the real desktop app.

Launches the real `pasarsuara` binary in a real window (Xvfb) through tauri-driver +
WebKitWebDriver, speaks plain W3C WebDriver JSON over HTTP (no client library), and checks
the shop's SQLite file directly:

  first start → demo shop; a cash sale made with the keyboard only (scan a barcode, change the
  quantity, pay, see the change); the sale row, its stock movement and the dashboard figure;
  a product added and an expense recorded through the UI; a screenshot of every screen.

Run through tests/e2e/run.sh (starts Xvfb, a session bus, a notification daemon, tauri-driver).
Usage: desktop.py APP_BINARY SCREENSHOT_DIR
"""

import glob
import os
import subprocess
import sys
import tempfile
import time

from webdriver import (CTRL, ENTER, F3, F5, F8, CheckFailed, Session, check, checks, db_one,
                       rupiah)
import backoffice
import maintenance
import shopday
import staffday

def free_port():
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def fake_printer(port, received):
    """A receipt printer on loopback: answers the paper-status query, keeps what it gets."""
    import socket
    import threading
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                data = b""
                conn.settimeout(5)
                try:
                    data = conn.recv(3)
                    if data == b"\x10\x04\x04":
                        conn.sendall(b"\x12")
                    while True:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                        # Asked again after the job, like a real printer it answers.
                        if len(data) > 3 and data.endswith(b"\x10\x04\x04"):
                            conn.sendall(b"\x12")
                except OSError:
                    pass
                received.append(data)

    threading.Thread(target=serve, daemon=True).start()
    return srv


def main():
    app, shots = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="pasarsuara-e2e-")
    db = os.path.join(tmp, "toko.db")
    s = Session(app, db)
    try:
        # First start offers the demo shop or an empty one.
        s.wait("#start-demo")
        s.shot(f"{shots}/00-first-start.png")
        s.click("#start-demo")
        revenue_before = s.wait_text("#dash-revenue", lambda t: t.startswith("Rp"))
        check(os.path.exists(db), "first start created the shop database")
        s.shot(f"{shots}/01-beranda.png")

        # A product that sells by the piece, with a barcode and stock.
        pid, barcode, price, stock_before = db_one(
            db, "SELECT id, barcode, price, stock FROM products WHERE barcode IS NOT NULL AND unit = 'pcs' "
                "AND CAST(stock AS INTEGER) > 10 AND CAST(price AS INTEGER) BETWEEN 2000 AND 15000 ORDER BY id LIMIT 1")
        price = int(price)
        sales_before = db_one(db, "SELECT count(*) FROM sales")[0]

        # Keyboard only: scan (the scanner types the code and Enter), F3 quantity, F8 pay.
        s.click("#nav-kasir")
        s.wait("#kasir-search")
        check(s.active_id() == "kasir-search", "cashier search has the focus")
        s.keys(barcode + ENTER)
        s.wait_text("#cart tbody tr", lambda t: "1 pcs" in t)
        s.keys(F3)
        s.wait("#qty-input")
        s.keys("3" + ENTER)
        s.wait_text("#cart tbody tr", lambda t: "3 pcs" in t)
        check(s.text(s.wait("#cart-total")) == rupiah(3 * price), f"cart total is 3 x {rupiah(price)}")
        s.shot(f"{shots}/02-kasir.png")
        s.keys(F8)
        s.wait("#tendered-input")
        s.keys("50.000" + ENTER)
        change = s.wait_text("#change-amount", lambda t: t.startswith("Rp"))
        check(change == rupiah(50000 - 3 * price), f"change shown: {change}")
        s.shot(f"{shots}/03-kasir-kembalian.png")

        # The books: one more sale, its line, its stock movement.
        sale_id, total, tendered, chg = db_one(db, "SELECT id, total, tendered, change FROM sales ORDER BY id DESC LIMIT 1")
        check(db_one(db, "SELECT count(*) FROM sales")[0] == sales_before + 1, "exactly one sale was written")
        check((total, tendered, chg) == (str(3 * price), "50000", str(50000 - 3 * price)), "sale row: total, tendered, change")
        qty, line_pid = db_one(db, "SELECT qty, product_id FROM sale_lines WHERE sale_id = ?", sale_id)
        check((qty, line_pid) == ("3", pid), "sale line: 3 of the scanned product")
        mv = db_one(db, "SELECT kind, qty FROM stock_movements WHERE doc_type = 'sale' AND doc_id = ?", sale_id)
        check(mv == ("sale", "-3"), "stock movement -3 for the sale")
        stock_after = db_one(db, "SELECT stock FROM products WHERE id = ?", pid)[0]
        check(int(stock_after) == int(stock_before) - 3, "on-hand went down by 3")

        # Second sale, still keyboard only: a product by its typed SKU, a price override (F5),
        # QRIS (Ctrl+2), and enough quantity to cross its reorder point → a desktop notification.
        s.keys(ENTER)  # new sale
        pid2, sku2, name2, left = db_one(
            db, "SELECT id, sku, name, CAST(stock AS INTEGER) - CAST(reorder_point AS INTEGER) FROM products "
                "WHERE unit = 'pcs' AND CAST(reorder_point AS INTEGER) > 0 AND id != ? "
                "AND CAST(stock AS INTEGER) - CAST(reorder_point AS INTEGER) BETWEEN 1 AND 9 ORDER BY id LIMIT 1", pid)
        s.wait("#kasir-search")
        s.keys(sku2 + ENTER)
        s.wait_text("#cart tbody tr", lambda t: name2 in t)
        s.keys(F3)
        s.wait("#qty-input")
        s.keys(str(left) + ENTER)
        s.wait_text("#cart tbody tr", lambda t: f"{left} pcs" in t)
        s.keys(F5)
        s.wait("#price-input")
        s.keys("5rb" + ENTER)  # the field opens with its text selected: typing replaces it
        check(s.wait_text("#cart-total", lambda t: t == rupiah(left * 5000)) == rupiah(left * 5000),
              f"price override: {left} x Rp 5.000")
        s.keys(F8)
        s.wait("#tendered-input")
        s.chord(CTRL, "2")
        s.wait_text("#pay-qris", lambda t: True)
        s.keys(ENTER)
        s.wait("#sale-done")
        pay2, total2 = db_one(db, "SELECT payment, total FROM sales ORDER BY id DESC LIMIT 1")
        check((pay2, total2) == ("qris", str(left * 5000)), f"QRIS sale saved at the edited price: {pay2} {total2}")
        log = os.path.join(os.path.dirname(db), "logs", "pasarsuara.log")
        end = time.time() + 5
        while time.time() < end and f"notify: Stok menipis: {name2}" not in open(log).read():
            time.sleep(0.1)
        check(f"notify: Stok menipis: {name2}" in open(log).read(), f"low-stock notification for {name2}")

        # The dashboard shows the new figure (it listens for changes).
        s.keys(ENTER)  # new sale
        s.click("#nav-beranda")
        today_rev = int(db_one(db, "SELECT revenue FROM daily_sales ORDER BY local_date DESC LIMIT 1")[0])
        shown = s.wait_text("#dash-revenue", lambda t: t == rupiah(today_rev))
        check(shown != revenue_before or 3 * price == 0, f"dashboard revenue updated to {shown}")

        # Printing never blocks or loses a sale. The receipt printer (a network printer on
        # loopback) is off: the sale is saved, its receipt waits in the queue with a visible
        # status; the printer comes up, "coba lagi", and the receipt is printed.
        port = free_port()
        printer = f"tcp://127.0.0.1:{port}"
        s.click("#nav-pengaturan")
        s.wait("#set-printer")
        s.run("const el = document.querySelector('#set-printer'); el.value = arguments[0];"
              "el.dispatchEvent(new Event('change', { bubbles: true }));", printer)
        end = time.time() + 10
        while time.time() < end and db_one(db, "SELECT value FROM settings WHERE key = 'printer'") != (printer,):
            time.sleep(0.1)
        check(db_one(db, "SELECT value FROM settings WHERE key = 'printer'") == (printer,), "printer chosen in Pengaturan")
        s.shot(f"{shots}/11-pengaturan-printer.png")
        s.click("#nav-kasir")
        s.wait("#kasir-search")
        s.keys(barcode + ENTER)
        s.wait_text("#cart tbody tr", lambda t: "1 pcs" in t)
        s.keys(F8)
        s.wait("#tendered-input")
        s.keys("100.000" + ENTER)
        s.wait("#sale-done")
        t_saved = time.time()
        sale3 = db_one(db, "SELECT id FROM sales ORDER BY id DESC LIMIT 1")[0]
        check(sale3 > sale_id, f"sale #{sale3} saved with the printer off")
        status = s.wait_text("#print-status", lambda t: "belum tercetak" in t, timeout=30)
        check("belum tercetak" in status, f"status shown: {status!r}")
        job = db_one(db, "SELECT status, last_error FROM print_jobs WHERE sale_id = ?", sale3)
        check(job == ("queued", "printer_unreachable"), f"receipt kept in the queue: {job}")
        s.shot(f"{shots}/12-struk-belum-tercetak.png")
        # The window answers meanwhile: another screen, then the sale in Transaksi.
        t0 = time.time()
        s.click("#nav-beranda")
        s.wait_text("#dash-revenue", lambda t: t.startswith("Rp"))
        check(time.time() - t0 < 5, "the window stays responsive while the printer is off")
        s.click("#nav-transaksi")
        s.click("#sales-table tbody tr td")
        status = s.wait_text("#print-status", lambda t: "belum tercetak" in t, timeout=15)
        check("coba lagi" in status.lower() or s.find_all("#print-retry"), "Transaksi shows the waiting receipt with a retry")
        received = []
        srv = fake_printer(port, received)
        # "Coba lagi" (the worker may already have retried by itself: then there is no button).
        s.run("document.querySelector('#print-retry')?.click();")
        status = s.wait_text("#print-status", lambda t: "tercetak" in t and "belum" not in t, timeout=30)
        check("Struk tercetak" in status, f"printed after the printer came back: {status!r}")
        end = time.time() + 5
        while time.time() < end and not received:
            time.sleep(0.1)
        payload = b"".join(received)
        name1 = db_one(db, "SELECT name FROM products WHERE id = ?", pid)[0]
        check(payload[:3] == b"\x10\x04\x04" and b"\x1b@" in payload and name1.encode("cp1252", "replace")[:20] in payload,
              f"the printer received the receipt of {name1} ({len(payload)} bytes)")
        check(db_one(db, "SELECT status FROM print_jobs WHERE sale_id = ?", sale3) == ("printed",), "job marked printed")
        check(db_one(db, "SELECT count(*) FROM sales WHERE id = ?", sale3) == (1,), "the sale is intact")
        s.shot(f"{shots}/13-struk-tercetak.png")
        srv.close()
        del t_saved
        # Leave the sale's detail (a dialog over Transaksi).
        s.run("document.querySelector('#nav-beranda').click();")
        s.wait("#dash-revenue")

        # Add a product through the UI.
        s.click("#nav-produk")
        s.click("#product-new")
        s.type("#pf-name", "Kopi Tubruk Uji 100 g")
        s.type("#pf-sku", "UJI-001")
        s.type("#pf-price", "12,5rb")
        s.type("#pf-cost", "9.000")
        s.type("#pf-stock", "10")
        s.click("#pf-unit-add")
        s.type(".pu-unit", "dus")
        s.type(".pu-factor", "20")
        s.type(".pu-price", "240rb")
        words = s.wait_text(".unit-words", lambda t: "1 dus = 20" in t)
        check("240rb" in words or "240" in words, f"the unit in words: {words!r}")
        s.click("#pf-save")
        s.wait_text("#product-table", lambda t: "Kopi Tubruk Uji" in t)
        row = db_one(db, "SELECT price, cost, stock FROM products WHERE sku = 'UJI-001'")
        check(row == ("12500", "9000", "10"), f"product saved with exact price/cost/stock: {row}")
        check(db_one(db, "SELECT u.factor, u.price FROM product_units u JOIN products p ON p.id = u.product_id "
                         "WHERE p.sku = 'UJI-001'") == ("20", "240000"), "extra unit dus = 20 @ 240.000")
        s.shot(f"{shots}/04-produk.png")

        # Import a stock list: Produk → Impor, the preview, a column the app did not know
        # ("Sisa" is the stock), then the import; products in Produk, movements in Stok.
        # The system file dialog cannot be driven by WebDriver: run.sh names the file it answers.
        pick = os.environ["PASAR_E2E_PICK_FILE"]
        with open(pick, "w", encoding="cp1252", newline="") as f:
            f.write("DAFTAR BARANG TOKO UJI;;;;\r\n"
                    "Kode;Nama Barang;Satuan;Harga Jual;Sisa\r\n"
                    "IMP-1;Kacang Garuda Uji 250 g;bks;Rp 14.500;24\r\n"
                    "IMP-2;Kerupuk Udang Uji;kg;Rp 38.000;2,5\r\n"
                    "UJI-001;Kopi Tubruk Uji 100 g;pcs;Rp 13.000;12\r\n"
                    "IMP-4;;pcs;Rp 1.000;1\r\n")
        s.click("#product-import")
        s.click("#import-pick")
        s.wait_text("#import-header-row", lambda t: t == "2")
        problems = s.wait_text("#import-problems", lambda t: "Baris 6" in t)
        check("Nama Barang" in problems, f"row problem named by row and column: {problems!r}")
        counts = s.text(s.wait("#import-counts"))
        check("2 baru" in counts and "1 diperbarui" in counts, f"preview counts: {counts!r}")
        check(db_one(db, "SELECT count(*) FROM products WHERE sku LIKE 'IMP-%'") == (0,), "the preview wrote nothing")
        # Stock is in "Sisa": tell the app.
        s.run("const e = document.querySelector('#map-stock'); e.value = '4'; e.dispatchEvent(new Event('change', { bubbles: true }));")
        s.wait_text("#import-preview", lambda t: "2,5 kg" in t)
        s.shot(f"{shots}/14-impor-pratinjau.png")
        s.click("#import-run")
        s.wait("#import-result")
        check(s.text(s.wait("#import-inserted")) == "2" and s.text(s.wait("#import-updated")) == "1",
              "import result: 2 new, 1 updated")
        s.shot(f"{shots}/15-impor-selesai.png")
        rows = [db_one(db, "SELECT price, stock FROM products WHERE sku = ?", k) for k in ("IMP-1", "IMP-2", "UJI-001")]
        check(rows == [("14500", "24"), ("38000", "2.5"), ("13000", "12")], f"imported figures: {rows}")
        mv = db_one(db, "SELECT m.kind, m.qty, m.doc_type FROM stock_movements m JOIN products p ON p.id = m.product_id "
                        "WHERE p.sku = 'UJI-001' ORDER BY m.id DESC LIMIT 1")
        check(mv == ("import", "2", "import"), f"stock 10 → 12 through an import movement: {mv}")
        s.click("#import-finish")
        s.type("#product-search", "Kerupuk Udang Uji")
        s.wait_text("#product-table", lambda t: "Kerupuk Udang Uji" in t and "2,5 kg" in t)
        s.click("#nav-stok")
        s.type("#stock-search", "Kerupuk Udang Uji")
        s.click("#stock-table tbody tr td")
        hist = s.wait_text("#movement-table", lambda t: "Stok awal" in t)
        check("Impor #" in hist, f"Stok shows the import movement: {hist!r}")
        s.shot(f"{shots}/16-stok-impor.png")
        s.click("#nav-produk")

        # Record an expense through the UI; the category is guessed from the note.
        s.click("#nav-transaksi")
        s.click("#expense-new")
        s.type("#ef-amount", "25rb")
        s.type("#ef-note", "bensin motor kulakan")
        s.click("#ef-save")
        s.wait_text("#expense-table", lambda t: "bensin motor kulakan" in t)
        exp = db_one(db, "SELECT amount, category FROM expenses ORDER BY id DESC LIMIT 1")
        check(exp == ("25000", "transport"), f"expense saved: {exp}")
        s.shot(f"{shots}/05-transaksi.png")

        # The Chat screen: a sale, a question asked and answered, a kasbon confirmed with
        # the button, a report; the dashboard follows.
        s.click("#nav-beranda")
        kasbon_before = s.wait_text("#dash-kasbon", lambda t: t.startswith("Rp"))
        revenue_mid = s.wait_text("#dash-revenue", lambda t: t.startswith("Rp"))
        sales_mid = db_one(db, "SELECT count(*) FROM sales")[0]
        s.click("#nav-chat")
        s.wait("#chat-input")
        check(s.active_id() == "chat-input", "the chat box has the focus")

        def shop_says(pred, what):
            return s.wait_text("#chat-list .bubble.shop:last-child", pred, timeout=20)

        s.type("#chat-input", "jual 10 telur puyuh" + ENTER)
        said = shop_says(lambda t: "Penjualan #" in t, "sale")
        check("Rp 5.000" in said, f"chat sale booked: {said!r}")
        check(db_one(db, "SELECT count(*) FROM sales")[0] == sales_mid + 1, "the chat sale is in the books")
        # Two products that both fit ask which one.
        s.type("#chat-input", "jual mie sedaap 2" + ENTER)
        said = shop_says(lambda t: "yang mana" in t, "which one")
        check("Mie Sedaap Goreng" in said and "Mie Sedaap Soto" in said, f"asks which: {said!r}")
        s.type("#chat-input", "yang soto" + ENTER)
        said = shop_says(lambda t: "Penjualan #" in t, "sale after the answer")
        check("Mie Sedaap Soto" in said, f"the answer picked it: {said!r}")
        s.type("#chat-input", "bu Wati ngutang 35rb" + ENTER)
        s.wait("#chat-yes")
        s.shot(f"{shots}/17-chat-konfirmasi.png")
        s.click("#chat-yes")
        said = shop_says(lambda t: "dicatat" in t and "Wati" in t, "kasbon")
        wati = db_one(db, "SELECT balance FROM contacts WHERE name = 'Bu Wati'")
        check(wati == ("35000",), f"kasbon booked after the yes: {wati}")
        s.type("#chat-input", "laporan hari ini" + ENTER)
        said = shop_says(lambda t: "Laporan hari ini" in t, "report")
        check("Laba bersih" in said, f"report reply: {said[:80]!r}")
        s.shot(f"{shots}/18-chat.png")
        s.click("#nav-beranda")
        kasbon_after = s.wait_text("#dash-kasbon", lambda t: t != kasbon_before)
        check(kasbon_after != kasbon_before, f"dashboard kasbon follows: {kasbon_before} -> {kasbon_after}")
        check(s.text(s.wait("#dash-revenue")) != revenue_mid, "dashboard revenue follows the chat sales")

        # A real day at the Kasir: the mouse, scans after clicks, unknown codes, ambiguous
        # names, corrections at the line, a held cart, a kasbon name with a typo.
        shopday.run(s, db, shots)
        backoffice.run(s, db, shots)
        shopday.every_screen_at_two_sizes(s, shots)
        # Staff with PINs and a shift closed short; the owner signed in afterwards.
        staffday.run(s, db, shots)
        maintenance.backup_and_restore(s, db, shots)

        for i, screen in enumerate(["stok", "kontak", "laporan", "pengaturan"], start=6):
            s.click(f"#nav-{screen}")
            time.sleep(0.8)
            s.shot(f"{shots}/{i:02d}-{screen}.png")

        # English and dark theme are one switch away.
        s.run("const el = document.querySelector('#set-theme'); el.value = 'dark'; el.dispatchEvent(new Event('change', { bubbles: true }));")
        s.click("#nav-beranda")
        s.wait_text("#dash-revenue", lambda t: t.startswith("Rp"))
        time.sleep(0.5)
        s.shot(f"{shots}/10-beranda-gelap.png")
        # Every screen in the dark theme (dropdowns, placeholders and forms must stay readable).
        for screen in shopday.SCREENS:
            s.click(f"#nav-{screen}")
            time.sleep(0.8)
            s.shot(f"{shots}/sizes/dark-{screen}.png")
        s.click("#nav-beranda")
        check(db_one(db, "SELECT value FROM settings WHERE key = 'theme'") == ("dark",), "theme setting saved")

        # One instance only: a second launch hands over to the first window and exits.
        second = subprocess.run([app, "--db", db], timeout=30, capture_output=True)
        check(second.returncode == 0, "a second launch exits cleanly")
        check(s.text(s.wait("#dash-revenue")).startswith("Rp"), "the first window is still running")
        check(os.path.exists(log) and "ready: interactive" in open(log).read(), "the app logs to its data folder")
    finally:
        try:
            s.quit()
        except Exception as e:  # the app may already be gone after a failure
            print(f"quit: {e}")
    # Other shops, other windows: an empty shop's first start, a damaged file restored.
    maintenance.empty_shop_first_start(app, shots)
    backup = sorted(glob.glob(os.path.join(os.path.dirname(db), "backups", "pasarsuara-*.db")))[-1]
    maintenance.damaged_start(app, shots, backup)
    print(f"e2e: {checks['passed']} passed, {checks['failed']} failed")


if __name__ == "__main__":
    try:
        main()
    except CheckFailed:
        print(f"e2e: {checks['passed']} passed, {checks['failed']} failed")
        sys.exit(1)
    except Exception as e:
        print(f"FAIL {e}")
        print(f"e2e: {checks['passed']} passed, {checks['failed'] + 1} failed")
        sys.exit(1)
