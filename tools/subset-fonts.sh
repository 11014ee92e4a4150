#!/usr/bin/env bash
# Rebuilds assets/fonts/*.ttf: DejaVu Sans Condensed subset to the Latin ranges receipts use.
# printpdf 0.12 (without its layout engine) embeds whole fonts, so the subset keeps a receipt
# PDF near 60 KB instead of 1.4 MB. Needs fonts-dejavu-core and fontTools (pip install fonttools).
set -euo pipefail
cd "$(dirname "$0")/.."
U="U+0020-007E,U+00A0-017F,U+0192,U+02C6,U+02DC,U+2010-2027,U+2030-203A,U+20AC,U+20B9,U+2116,U+2122,U+2190-2193,U+2212,U+2713,U+25CF"
for f in DejaVuSansCondensed DejaVuSansCondensed-Bold; do
  pyftsubset "/usr/share/fonts/truetype/dejavu/$f.ttf" --unicodes="$U" --no-hinting \
    --desubroutinize --layout-features='kern' --output-file="assets/fonts/$f.ttf"
done
