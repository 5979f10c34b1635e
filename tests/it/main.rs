//! The integration tests: one binary (STYLE.md), one module per area.

mod cli;
mod common;
mod demo;
mod profiles;
mod sql;
