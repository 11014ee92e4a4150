//! pasar-core integration tests: one binary, one module per concern.

mod common;
mod ledger;
mod open;
mod props;
mod search;
mod views;
