//! preflight: measures whether a pilot's data sources are clean, permissioned, current and
//! labeled, and answers the checklist row "Data access: clean, permissioned, current data
//! sources" with PASS / WARN / FAIL and the evidence behind it.
//!
//! ```no_run
//! use preflight::{profile::Profile, scan::{ScanOptions, scan}};
//! let profile = Profile::load("profiles/demo.toml".as_ref())?;
//! let report = scan(&profile, &ScanOptions { as_of: 1_736_503_200_000_000, jobs: 2, progress: vec![] })?;
//! println!("{}", report.verdict.as_str());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod cli;
pub mod detect;
pub mod entity;
pub mod explain;
pub mod fmt;
pub mod history;
pub mod measures;
pub mod profile;
pub mod report;
pub mod scan;
pub mod sources;
pub mod stats;
pub mod verdict;
