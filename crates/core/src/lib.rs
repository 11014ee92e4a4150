//! pasar-core: every shop rule of PasarSuara — catalog, stock ledger, sales, purchases,
//! expenses, kasbon, reports — over one SQLite file. No Tauri, no HTTP, no UI here; the CLI,
//! the desktop shell and tests all call this crate. Only this crate knows SQL.

pub mod backups;
mod batch;
pub mod books;
pub mod catalog;
pub mod chat;
pub mod contacts;
pub mod corrections;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod document;
pub mod error;
pub mod expenses;
pub mod export;
pub mod files;
pub mod import;
pub mod intent;
pub mod money;
pub mod print_queue;
pub mod purchases;
pub mod receipt;
pub mod report;
pub mod sales;
pub mod shifts;
pub mod staff;
pub mod stock;
pub mod time;
pub mod units;

pub use catalog::{NewProduct, Product, ProductPatch, ProductUnit, SalePick};
pub use chat::{ChatMessage, ChatReply, ChatStatus};
pub use contacts::{Contact, DebtBalance, DebtEntry};
pub use db::{OpenMode, SCHEMA_VERSION, Shop, default_db_path};
pub use document::{Invoice, Receipt, ReportDocument};
pub use error::{CoreError, ErrorBody, Lang, Result};
pub use expenses::{Expense, ExpenseCategory, NewExpense};
pub use print_queue::{JobStatus, PrintJob, PrinterTarget};
pub use purchases::{NewPurchase, Purchase, PurchaseLineInput};
pub use report::{Period, Report};
pub use rust_decimal::Decimal;
pub use sales::{NewSale, Payment, ProductRef, Quote, ReturnLine, Sale, SaleLineInput};
pub use stock::{CountLine, StockCount};
pub use time::{Clock, ManualClock, ShopTz, SystemClock};
