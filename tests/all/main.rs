//! All end-to-end tests, compiled into one binary (the wasmtime habit: one link, one run).

mod cache;
mod chart;
mod compat;
mod deploy;
mod examples;
mod pos;
mod sandbox;
mod wit;
