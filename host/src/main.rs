//! The `ethwasm` binary: parse, run, print the error chain, exit with a code that says why.

use clap::Parser;
use ethwasm::cli::Cli;
use ethwasm::exit::{self, Outcome};

fn main() {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let code = match cli.execute() {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::Changes) => 1,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            exit::code(&err)
        }
    };
    std::process::exit(code);
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        // kube-rs logs each failed request at error level; ethwasm reports the failure itself.
        0 => "warn,kube_client=off",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("ETHWASM_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .init();
}
