//! The command line: global flags, the subcommands (one module each under `commands/`), the
//! flag groups they share (`args`) and everything that prints (`print`). The library below
//! knows none of it.

mod app;
pub mod args;
pub mod commands;
mod globals;
pub mod print;
pub mod progress;

pub use app::Cli;
pub use globals::{Globals, Outcome};
