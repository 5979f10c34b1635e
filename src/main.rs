//! The `preflight` binary: arguments in, error chain out, exit code per DESIGN §1.

use clap::Parser;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = match preflight::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap exits 0 for --help/--version and 2 for bad arguments, as DESIGN §1 wants.
            std::process::exit(if e.use_stderr() { preflight::cli::EXIT_ERROR } else { preflight::cli::EXIT_OK });
        }
    };
    let code = match preflight::cli::run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => preflight::cli::EXIT_OK,
        Err(err) => {
            preflight::cli::print_error(&err);
            preflight::cli::EXIT_ERROR
        }
    };
    std::process::exit(code);
}

/// `preflight scan … | head` closing the pipe early is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
