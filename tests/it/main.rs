//! The integration tests: one binary (STYLE.md), one module per area, each running the built
//! `preflight` binary or the library against real files.

mod broken;
mod cli;
mod common;
mod corpus;
mod csv;
mod demo;
mod detect;
mod entities;
mod faults;
mod history;
mod profiles;
mod reports;
mod sql;
mod structure;
mod usecases;
