//! The `ethwasm` binary: parse, run, print the error chain, exit with a code that says why.
//!
//! The one mapping from an error's class to an exit code lives here.

mod cli;

use clap::Parser;
use cli::{Cli, Outcome};
use ethwasm::Class;

/// Exit code of a usage, values or chart error (also clap's).
const USAGE: i32 = 2;
/// Exit code of a plugin failure: load, limit, trap, plugin error, bad manifest.
const PLUGIN: i32 = 3;
/// Exit code of a cluster failure.
const CLUSTER: i32 = 4;
/// Exit code of anything else (I/O, internal).
const OTHER: i32 = 5;
/// Exit code of a registry failure: unreachable, refused credentials, a digest that does not
/// match.
const REGISTRY: i32 = 6;

fn exit_code(class: Class) -> i32 {
    match class {
        Class::Usage => USAGE,
        Class::Plugin => PLUGIN,
        Class::Cluster => CLUSTER,
        Class::Internal => OTHER,
        Class::Registry => REGISTRY,
    }
}

fn main() {
    let cli = Cli::parse();
    init_logging(cli.globals.verbose);
    cli::progress::install(cli.globals.quiet, cli.globals.verbose);
    let code = match cli.execute() {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::Changes) => 1,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            exit_code(err.class())
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
