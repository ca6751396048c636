//! Execution-layer genesis: the alloc (deposit contract, system contracts, prefunded accounts), geth's
//! genesis.json, and the genesis block's state root and hash exactly as `geth init` derives them.

mod contracts;
mod genesis;
mod header;

pub(crate) use genesis::build;
pub(crate) use header::ExecutionHeader;
