//! preflight: a data-readiness scanner. Measures whether the data behind an AI pilot is clean,
//! permissioned, current, labeled and connected, and answers the checklist row
//! "Data access: clean, permissioned, current data sources" with PASS / WARN / FAIL.

pub mod profile;
pub mod sources;
pub mod stats;
