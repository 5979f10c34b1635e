//! The integration tests: one binary (STYLE.md), one module per area, each running the built
//! `preflight` binary or the library against real files.

mod broken;
mod cli;
mod common;
mod corpus;
mod csv;
mod delta;
mod demo;
mod detect;
mod entities;
mod faults;
mod history;
mod layers;
mod object;
mod profiles;
mod reports;
mod review;
mod rows;
mod spark;
mod sql;
mod sql_field;
mod sql_stream;
mod structure;
mod usecases;
