"""Starting and keeping a shop, in the real window (called from desktop.py): an empty shop's
first start (name, address, phone, the first product and the first sale), a backup taken and
restored (what was booked after it is gone, the file in use kept aside), and a damaged shop
file restored from the first screen."""

import glob
import os
import shutil
import tempfile
import time

from webdriver import ENTER, Session, check, db_one


def empty_shop_first_start(app, shots):
    tmp = tempfile.mkdtemp(prefix="pasarsuara-e2e-empty-")
    db = os.path.join(tmp, "toko.db")
    s = Session(app, db)
    try:
        s.click("#start-empty")
        s.wait("#setup")
        s.shot(f"{shots}/34-toko-baru.png")
        s.click("#setup-next")  # no name yet
        err = s.wait_text("#setup-error", lambda t: len(t) > 1)
        check("Nama toko" in err, f"a shop needs a name: {err!r}")
        s.type("#setup-name", "Warung Sumber Rejeki")
        s.type("#setup-address", "Jl. Pasar Baru 3, Klaten")
        s.type("#setup-phone", "0812-3456-7890")
        s.click("#setup-next")
        s.wait("#setup-product")
        s.type("#setup-product", "Beras Pandan Wangi")
        s.type("#setup-price", "14rb")
        s.run("const e = document.querySelector('#setup-unit'); e.value = 'kg';"
              "e.dispatchEvent(new Event('input', { bubbles: true }));")
        s.type("#setup-stock", "25")
        s.click("#setup-save-product")
        s.wait("#setup-sell")
        s.shot(f"{shots}/35-toko-baru-siap.png")
        s.click("#setup-sell")
        s.wait_text("#cart tbody tr", lambda t: "Beras Pandan Wangi" in t)
        s.click("#pay-open")
        s.click("#cash-exact")
        s.click("#pay-confirm")
        s.wait("#sale-done")
        check(db_one(db, "SELECT value FROM settings WHERE key = 'shop_name'") == ("Warung Sumber Rejeki",),
              "the shop's name is saved")
        check(db_one(db, "SELECT value FROM settings WHERE key = 'shop_address'") == ("Jl. Pasar Baru 3, Klaten",),
              "and its address")
        check(db_one(db, "SELECT price, unit, stock FROM products") == ("14000", "kg", "24"),
              "the first product with its stock, one kg sold")
        check(db_one(db, "SELECT count(*), sum(CAST(total AS INTEGER)) FROM sales") == (1, 14000),
              "the first sale is in the books")
    finally:
        s.quit()


def backup_and_restore(s, db, shots):
    s.click("#nav-pengaturan")
    s.click("#backup-now")
    end = time.time() + 10
    while time.time() < end and not glob.glob(os.path.join(os.path.dirname(db), "backups", "pasarsuara-*.db")):
        time.sleep(0.1)
    s.wait_text("#backup-list", lambda t: "KB" in t)
    sales_at_backup = db_one(db, "SELECT count(*) FROM sales")[0]
    # Booked after the backup: this sale will not be in the restored shop.
    barcode = db_one(db, "SELECT barcode FROM products WHERE barcode IS NOT NULL AND active = 1 ORDER BY id LIMIT 1")[0]
    s.click("#nav-kasir")
    s.wait("#kasir-search")
    s.keys(barcode + ENTER)
    s.wait_text("#cart tbody tr", lambda t: "1 " in t)
    s.click("#pay-open")
    s.click("#cash-exact")
    s.click("#pay-confirm")
    s.wait("#sale-done")
    s.click("#new-sale")
    check(db_one(db, "SELECT count(*) FROM sales")[0] == sales_at_backup + 1, "a sale after the backup")
    s.click("#nav-pengaturan")
    s.click("#backup-list .backup-restore")
    s.wait("#restore-confirm")
    s.shot(f"{shots}/36-pulihkan-cadangan.png")
    s.click("#restore-yes")
    # The shop has staff: it asks who is at the counter again.
    s.wait("#sign-in")
    s.click(".person[data-name='Bu Ani']")
    s.type("#sign-in-pin", "4321" + ENTER)
    s.wait_text("#session-name", lambda t: t == "Bu Ani")
    check(db_one(db, "SELECT count(*) FROM sales")[0] == sales_at_backup, "restored: the later sale is not in the shop")
    aside = glob.glob(os.path.join(os.path.dirname(db), "toko.sebelum-pulih-*.db"))
    check(len(aside) == 1, f"the file in use was kept aside: {[os.path.basename(a) for a in aside]}")
    check(db_one(aside[0], "SELECT count(*) FROM sales")[0] == sales_at_backup + 1, "and it still holds the later sale")


def damaged_start(app, shots, backup):
    """A shop file that no longer opens: the first screen offers its backups."""
    tmp = tempfile.mkdtemp(prefix="pasarsuara-e2e-damaged-")
    db = os.path.join(tmp, "toko.db")
    with open(db, "wb") as f:
        f.write(b"SQLite format 3\0" + b"\x5a" * 8192)
    shutil.copy(backup, os.path.join(tmp, os.path.basename(backup)))
    s = Session(app, db)
    try:
        err = s.wait_text("#start-error", lambda t: len(t) > 3)
        s.wait("#restore-list .restore-use")
        s.shot(f"{shots}/37-toko-rusak-pulihkan.png")
        check(True, f"a damaged shop says so and offers its backups: {err!r}")
        s.click("#restore-list .restore-use")
        s.wait("#sign-in, #dash-revenue")
        check(db_one(db, "SELECT count(*) FROM sales")[0] > 0, "the shop is back from its backup")
        check(len(glob.glob(os.path.join(tmp, "toko.sebelum-pulih-*.db"))) == 1, "the damaged file is kept aside")
    finally:
        s.quit()
