//! Progress bars on stderr, one per source, fed by the sources' atomic counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::sources::Progress;

pub struct Bars {
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Bars {
    pub fn start(names: Vec<String>, progress: Vec<Arc<Progress>>) -> Bars {
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        let ticker = std::thread::spawn(move || {
            let multi = MultiProgress::new();
            let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).min(20);
            let bars: Vec<ProgressBar> = names
                .iter()
                .map(|n| {
                    let b = multi.add(ProgressBar::new(0));
                    // Until the source knows its size, say so under its name rather than
                    // letting indicatif draw its default, nameless full-width bar.
                    if let Ok(style) = ProgressStyle::with_template("{prefix} opening…") {
                        b.set_style(style);
                    }
                    b.set_prefix(format!("{n:width$}"));
                    b
                })
                .collect();
            loop {
                let done = stop2.load(Ordering::Relaxed);
                for (b, p) in bars.iter().zip(&progress) {
                    update(b, p);
                }
                if done {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            for b in &bars {
                b.finish_and_clear();
            }
            let _ = multi.clear();
        });
        Bars { stop, ticker: Some(ticker) }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

fn update(b: &ProgressBar, p: &Progress) {
    let total = p.total.load(Ordering::Relaxed);
    let done = p.done.load(Ordering::Relaxed);
    let bytes = p.bytes.load(Ordering::Relaxed);
    if b.length() != Some(total) {
        let template = if bytes {
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
        } else {
            "{prefix} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_length(total);
    }
    b.set_position(done.min(total.max(done)));
    if p.finished.load(Ordering::Relaxed) && !b.is_finished() {
        b.set_position(total.max(done));
    }
}
