//! pasar-core integration tests: one binary, one module per concern.

mod backups;
mod chat;
mod common;
mod concurrency;
mod corrections;
mod fuzz;
mod import;
mod kasir;
mod ledger;
mod open;
mod props;
mod search;
mod staff;
mod views;
