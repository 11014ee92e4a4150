#!/usr/bin/env python3
"""The obvious script a shop's nephew would write to load a stock list into SQLite:
openpyxl in read-only mode, then sqlite3 executemany in one transaction.
Used by `./x bench` as the baseline the importer is measured against.

usage: import_openpyxl.py STOCK.xlsx OUT.db
"""
import sqlite3
import sys
import time

import openpyxl


def main(xlsx, db):
    start = time.perf_counter()
    wb = openpyxl.load_workbook(xlsx, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    next(rows)  # header
    data = [
        (sku, name, unit, str(buy), str(sell), str(stock))
        for sku, name, unit, buy, sell, stock in rows
        if name
    ]
    read = time.perf_counter() - start
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE IF NOT EXISTS products (sku TEXT UNIQUE, name TEXT, unit TEXT,"
        " cost TEXT, price TEXT, stock TEXT)"
    )
    with con:
        con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", data)
    con.close()
    print(len(data))
    print(f"read {read:.3f} write {time.perf_counter() - start - read:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
