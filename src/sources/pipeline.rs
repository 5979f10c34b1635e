//! Runs batch accumulation on the worker pool while the reader keeps reading, and merges the
//! results in batch order with a bounded number of batches in flight (bounded memory).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use crate::stats::SourceAcc;

/// Why a batch could not be measured. The reader turns it into its source's `SourceError`,
/// naming the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The data is damaged: truncated, corrupt, not what its header declares.
    #[error("{0}")]
    Unreadable(String),
    /// The data uses a feature this reader does not read (a Parquet encoding, encryption).
    #[error("{0}")]
    Unsupported(String),
    /// The worker panicked: a reader bug on one file becomes that source's error.
    #[error("{0}")]
    Panicked(String),
    #[error("worker channel closed")]
    ChannelClosed,
}

/// A reader's own message: the data could not be read.
impl From<String> for BatchError {
    fn from(message: String) -> BatchError {
        BatchError::Unreadable(message)
    }
}

/// Measures one batch on a pool thread.
pub type Work<B> = Arc<dyn Fn(B) -> Result<SourceAcc, BatchError> + Send + Sync>;

/// Feeds every batch `next` yields to `work` on `pool`, merging results into `into` in order;
/// `next` sees what has been merged so far.
/// A failing batch stops the run with its error: the error of the earliest failing batch, so
/// the message does not depend on which worker finished first. The caller must not be a pool
/// thread: it blocks while waiting for results.
pub fn run<B, E>(
    pool: &rayon::ThreadPool,
    into: &mut SourceAcc,
    mut next: impl FnMut(&SourceAcc) -> Result<Option<B>, E>,
    work: Work<B>,
    to_error: impl Fn(BatchError) -> E,
) -> Result<(), E>
where
    B: Send + 'static,
{
    let (tx, rx) = mpsc::channel::<(usize, Result<SourceAcc, BatchError>)>();
    let limit = pool.current_num_threads() * 2 + 1;
    let mut sent = 0usize;
    let mut merged = 0usize;
    let mut failed = false;
    let mut pending: BTreeMap<usize, Result<SourceAcc, BatchError>> = BTreeMap::new();

    // Waits for one result, then merges every result that is next in order. An error is
    // returned only when its turn comes: every earlier batch has been merged without one.
    let receive = |pending: &mut BTreeMap<usize, Result<SourceAcc, BatchError>>,
                   merged: &mut usize,
                   failed: &mut bool,
                   into: &mut SourceAcc|
     -> Result<(), E> {
        let Ok((i, r)) = rx.recv() else {
            return Err(to_error(BatchError::ChannelClosed));
        };
        *failed |= r.is_err();
        pending.insert(i, r);
        while let Some(r) = pending.remove(merged) {
            into.merge(r.map_err(&to_error)?);
            *merged += 1;
        }
        Ok(())
    };

    while !failed {
        while sent - merged - pending.len() >= limit || sent - merged >= limit * 2 {
            receive(&mut pending, &mut merged, &mut failed, into)?;
        }
        let Some(batch) = next(into)? else { break };
        let tx = tx.clone();
        let work = Arc::clone(&work);
        let idx = sent;
        pool.spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| work(batch)))
                .unwrap_or_else(|p| Err(BatchError::Panicked(panic_message(p.as_ref()))));
            let _ = tx.send((idx, r));
        });
        sent += 1;
    }
    while merged < sent {
        receive(&mut pending, &mut merged, &mut failed, into)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_failing_batch_names_the_error_however_fast_the_others_fail() {
        // Regression: a Parquet file corrupt in two row groups was reported by whichever row
        // group's worker failed first (tests/it/corpus.rs, ARROW-GH-41321 under load).
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool");
        let req = crate::stats::tests::request();
        for _ in 0..5 {
            let mut acc = SourceAcc::new(&[], &[], &req);
            let mut batches = 0..4usize;
            let work: Work<usize> = Arc::new(|i| {
                // Batch 0 fails only after the others have failed.
                std::thread::sleep(std::time::Duration::from_millis(if i == 0 { 50 } else { 0 }));
                Err(if i == 0 { BatchError::Unsupported(format!("batch {i}")) } else { format!("batch {i}").into() })
            });
            let r = run(&pool, &mut acc, |_| Ok::<_, BatchError>(batches.next()), work, |e| e);
            assert_eq!(r, Err(BatchError::Unsupported("batch 0".into())), "the kind travels with the message");
        }
    }
}
