#!/usr/bin/env python3
"""Writes the importer's own fixtures into crates/import/tests/fixtures/ (committed; rerun to
regenerate). Each one is a kind of stock list shops really keep. Needs openpyxl and xlwt
(pip install openpyxl xlwt)."""
import os
import zipfile

import openpyxl
import xlwt

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "import", "tests", "fixtures")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


# A title above the header (merged across), a date line, a blank row; prices as "Rp" text and
# as numbers; "-" for no stock; a blank row inside the data; a TOTAL row at the bottom.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Daftar Harga"
ws["A1"] = "DAFTAR HARGA TOKO MAKMUR JAYA"
ws.merge_cells("A1:F1")
ws["A2"] = "Per 1 November 2026"
ws.append([])
ws.append(["No", "Kode", "Nama Barang", "Satuan", "Harga Jual", "Stok"])
ws.append([1, "BRS-01", "Beras Pulen 5 kg", "sak", "Rp 68.000", 12])
ws.append([2, "GLP-01", "Gula Pasir 1 kg", "pcs", 18500, "1,5"])
ws.append([])
ws.append([3, "MYK-02", "Minyak Goreng 2 L", "pcs", "Rp36.500,-", "-"])
ws.append([4, 8991002101234, "Kopi Bubuk 200 g", "bks", "12.500", 40])
ws.append([None, None, "TOTAL", None, "Rp 135.500", 53.5])
wb.save(path("judul-di-atas.xlsx"))

# Indonesian-locale Excel "CSV (semicolon)": Windows-1252, CRLF, comma decimals, an accent.
rows = [
    "Kode;Nama;Harga Beli;Harga Jual;Stok",
    "K-01;Café Susu Jahe;4.500;7.000;24",
    'K-02;"Teh Manis; Gelas Besar";2.000;5.000;1,25',
    "K-03;Kerupuk Udang;1.250;2.000;100",
]
with open(path("titik-koma-1252.csv"), "wb") as f:
    f.write("\r\n".join(rows).encode("cp1252"))

# A CSV saved with an .xlsx name (UTF-8 with BOM), English headers and dot decimals.
with open(path("csv-bernama-xlsx.xlsx"), "wb") as f:
    f.write("\ufeffSKU,Item name,Selling price,In stock\nA1,Green Tea 500ml,\"12,000.00\",3.5\nA2,Cola Can,8000.00,12\n".encode("utf-8"))

# Old Excel 97-2003 (.xls): codes stored as numbers, stock as floats.
book = xlwt.Workbook()
sh = book.add_sheet("Barang")
for c, h in enumerate(["Kode Barang", "Nama Barang", "Harga", "Jumlah"]):
    sh.write(0, c, h)
for r, row in enumerate([[87678.0, "Sabun Mandi", 4500.0, 3.0], [12.0, "Sikat Gigi", 9000.0, 10.0]], start=1):
    for c, v in enumerate(row):
        sh.write(r, c, v)
book.save(path("lama.xls"))

# A workbook whose first sheet is a cover page; the list is on the second.
wb = openpyxl.Workbook()
wb.active.title = "Sampul"
wb.active["B2"] = "Stok opname Desember"
ws = wb.create_sheet("Stok")
ws.append(["Nama Produk", "Harga", "Stok"])
ws.append(["Aqua 600 ml", 4000, 48])
wb.save(path("sampul-lalu-daftar.xlsx"))

# Things that are not stock lists.
wb = openpyxl.Workbook()
wb.active.title = "Kosong"
wb.save(path("kosong.xlsx"))
with open(path("gambar.xlsx"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00")
with open(path("judul-di-atas.xlsx"), "rb") as f:
    whole = f.read()
with open(path("terpotong.xlsx"), "wb") as f:
    f.write(whole[: len(whole) // 2])
# A note typed far away (XFD1048576) beside a small list: a dense reader would need
# 16384 × 1048576 cells.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Stok"
ws.append(["Nama Barang", "Harga Jual", "Stok"])
ws.append(["Gula Pasir", 16500, 24])
ws.append(["Beras Pandan", 13000, 50])
ws["XFD1048576"] = "catatan"
wb.save(path("sel-jauh.xlsx"))

# A zip bomb: a 1 MB workbook whose sheet unpacks to 600 MB (spaces inside sheetData).
with zipfile.ZipFile(path("sampul-lalu-daftar.xlsx")) as src, zipfile.ZipFile(
    path("bom-zip.xlsx"), "w", zipfile.ZIP_DEFLATED, compresslevel=9
) as dst:
    for item in src.infolist():
        data = src.read(item.filename)
        if item.filename == "xl/worksheets/sheet2.xml":
            head, tail = data.split(b"<sheetData>", 1)
            with dst.open(item.filename, "w", force_zip64=True) as f:
                f.write(head + b"<sheetData>")
                chunk = b" " * (1 << 20)
                for _ in range(600):
                    f.write(chunk)
                f.write(tail)
        else:
            dst.writestr(item, data)

# Two header rows: "Harga" merged over "Beli | Jual"; a date typed under a price; a price
# that is a formula saved without its value (openpyxl, xlwt and many generators do that).
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Barang"
ws.append(["Nama Barang", "Harga", None, "Stok"])
ws.append([None, "Beli", "Jual", None])
ws.merge_cells("B1:C1")
ws.append(["Susu UHT 1 L", 9000, 11000, 12])
ws.append(["Kopi Sachet", 1200, 1500, 100])
ws.append(["Teh Celup", 4500, "=B5*1.2", 30])
import datetime

ws.append(["Sabun Cuci", 3000, datetime.date(2026, 11, 20), 10])
wb.save(path("dua-baris-judul.xlsx"))
print("fixtures written to", os.path.abspath(OUT))
