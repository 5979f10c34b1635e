//! Runs batch accumulation on the worker pool while the reader keeps reading, and merges the
//! results in batch order with a bounded number of batches in flight (bounded memory).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use crate::stats::SourceAcc;

/// Feeds every batch `next` yields to `work` on `pool`, merging results into `into` in order.
/// A failing batch stops the run with its error. The caller must not be a pool thread: it blocks while waiting for results.
pub fn run<B, E>(
    pool: &rayon::ThreadPool,
    into: &mut SourceAcc,
    mut next: impl FnMut() -> Result<Option<B>, E>,
    work: Arc<dyn Fn(B) -> Result<SourceAcc, String> + Send + Sync>,
    to_error: impl Fn(String) -> E,
) -> Result<(), E>
where
    B: Send + 'static,
{
    let (tx, rx) = mpsc::channel::<(usize, Result<SourceAcc, String>)>();
    let limit = pool.current_num_threads() * 2 + 1;
    let mut sent = 0usize;
    let mut merged = 0usize;
    let mut pending: BTreeMap<usize, SourceAcc> = BTreeMap::new();

    let receive =
        |pending: &mut BTreeMap<usize, SourceAcc>, merged: &mut usize, into: &mut SourceAcc| -> Result<(), E> {
            let Ok((i, r)) = rx.recv() else {
                return Err(to_error("worker channel closed".into()));
            };
            pending.insert(i, r.map_err(&to_error)?);
            while let Some(acc) = pending.remove(merged) {
                into.merge(acc);
                *merged += 1;
            }
            Ok(())
        };

    loop {
        while sent - merged - pending.len() >= limit || sent - merged >= limit * 2 {
            receive(&mut pending, &mut merged, into)?;
        }
        let Some(batch) = next()? else { break };
        let tx = tx.clone();
        let work = Arc::clone(&work);
        let idx = sent;
        pool.spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| work(batch))).unwrap_or_else(|p| Err(panic_message(p.as_ref())));
            let _ = tx.send((idx, r));
        });
        sent += 1;
    }
    while merged < sent {
        receive(&mut pending, &mut merged, into)?;
    }
    Ok(())
}

/// The text of a caught panic, so a reader bug on one file becomes that source's error.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let what = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown cause".into());
    format!("the reader failed unexpectedly: {what}")
}
