//! pasar-print integration tests: one binary. Receipts are decoded from their ESC/POS bytes,
//! PDFs are read back with poppler (pdfinfo, pdftotext, pdftoppm), and printers are fake
//! ones listening on loopback.

mod common;
mod escpos;
mod pdf;
mod queue;
