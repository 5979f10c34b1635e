//! SIGINT and SIGTERM: stop promptly with exit 130 / 143 and leave no partial output file
//! (DESIGN §1).
//!
//! The handler only records the signal (all a handler may safely do); a watcher thread sees it
//! within a few milliseconds, removes the temporary files of outputs being written, and exits.
//! Reports are written to a temporary file beside their path and renamed, so a path holds a
//! whole report or none. A history write is a SQLite transaction: exiting in the middle of one
//! leaves its journal, which the next open rolls back.
//!
//! `libc` is already in the tree (for std, tokio and the SQLite driver): no signal crate needed
//! for two signals and one flag.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

static SIGNAL: AtomicI32 = AtomicI32::new(0);
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INSTALLED: std::sync::Once = std::sync::Once::new();

/// How often the watcher looks at the flag: prompt for a person, idle for the machine.
const POLL: Duration = Duration::from_millis(20);

extern "C" fn on_signal(sig: libc::c_int) {
    SIGNAL.store(sig, Ordering::SeqCst);
}

/// Installs the handlers and starts the watcher, once per process.
pub fn install() {
    INSTALLED.call_once(|| {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe, and the
        // handler stays valid for the life of the process.
        unsafe {
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
        let watcher = std::thread::Builder::new().name("preflight-signals".into()).spawn(|| {
            loop {
                std::thread::sleep(POLL);
                let sig = SIGNAL.load(Ordering::SeqCst);
                if sig != 0 {
                    stop(sig);
                }
            }
        });
        if let Err(e) = watcher {
            log::warn!("cannot watch for SIGINT/SIGTERM ({e}): an interrupted scan may leave a temporary file");
        }
    });
}

fn stop(sig: i32) -> ! {
    if let Ok(files) = TEMPORARY.lock() {
        for f in files.iter() {
            let _ = std::fs::remove_file(f);
        }
    }
    let name = if sig == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
    eprintln!("preflight: interrupted by {name}; no report written");
    std::process::exit(128 + sig);
}

/// Marks a temporary output file to be removed if a signal stops the process.
pub fn temporary(path: &Path) {
    if let Ok(mut files) = TEMPORARY.lock() {
        files.push(path.to_path_buf());
    }
}

/// The temporary file is gone (renamed into place or removed).
pub fn done(path: &Path) {
    if let Ok(mut files) = TEMPORARY.lock() {
        files.retain(|f| f != path);
    }
}
