#!/usr/bin/env bash
# Renders the sample documents in docs/receipts/ (58 mm and 80 mm receipts, the A4 nota and
# the A4 report) from a demo shop through the `pasar` command line, then to PNG with pdftoppm.
# Usage: tools/receipt-samples.sh [PATH_TO_PASAR]
set -euo pipefail
cd "$(dirname "$0")/.."
PASAR=${1:-${CARGO_TARGET_DIR:-target}/debug/pasar}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
db="$T/toko.db"
p() { "$PASAR" --db "$db" "$@"; }
p demo --days 14 >/dev/null
p setting set receipt_header "Sembako · Gas · Air galon" >/dev/null
p setting set shop_phone "0812-3456-7890" >/dev/null
p setting set receipt_qr "https://wa.me/6281234567890" >/dev/null
p setting set invoice_terms "Barang yang sudah dibeli tidak dapat ditukar kecuali rusak. Pembayaran kasbon paling lambat 14 hari." >/dev/null
p contact add --name "Bu Sri Wahyuni" --phone 0813-2222-1111 >/dev/null
kasbon=$(p --json sell --item "Beras Pulen Cianjur=1,25kg" --item "Minyak Goreng Bimoli 2 L=2" \
  --item "Indomie Goreng=1dus" --item "Telur Ayam Negeri=1kg" --discount 2000 \
  --pay kasbon --customer "Bu Sri Wahyuni" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sale_id"])')
cash=$(p --json sell --item "Gula Pasir Gulaku 1 kg=2" --item "Kopi Kapal Api Special Mix=5" \
  --item "Sampoerna Mild 16=1" --item "Aqua 600 ml=3" --tendered 150rb \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["sale_id"])')
mkdir -p docs/receipts
p receipt "$cash" --format pdf --paper 58 --out "$T/struk-58.pdf" >/dev/null
p receipt "$kasbon" --format pdf --paper 80 --out "$T/struk-80.pdf" >/dev/null
p invoice "$kasbon" --out "$T/nota-a4.pdf" >/dev/null
p report --period last_7_days --pdf "$T/laporan-a4.pdf" >/dev/null
pdftoppm -png -r 150 -singlefile "$T/struk-58.pdf" docs/receipts/struk-58mm
pdftoppm -png -r 150 -singlefile "$T/struk-80.pdf" docs/receipts/struk-80mm
pdftoppm -png -r 80 -singlefile "$T/nota-a4.pdf" docs/receipts/nota-a4
pdftoppm -png -r 80 -singlefile "$T/laporan-a4.pdf" docs/receipts/laporan-a4
ls -la docs/receipts
