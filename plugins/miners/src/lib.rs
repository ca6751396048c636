//! miners plugin: the nodes that run the chain. Signers (Clique sealers, or ethash miners) and
//! RPC nodes, as StatefulSets with a PersistentVolumeClaim per replica (or emptyDir), a
//! PodDisruptionBudget, an RPC Service and an optional NetworkPolicy; for proof of stake,
//! execution/beacon pairs and validator clients of the clients `global.clients` names ([`pos`]).
//!
//! Every flag is computed at render time from the other plugins' outputs: the genesis
//! ConfigMap and network id (`genesis`), enode URLs (`bootnodes`), node keys (`node-keys`),
//! signer addresses and keystores (`signers`), the ethstats address and secret (`ethstats`) and,
//! for proof of stake, the validator keystores, JWTs and beacon node keys (`validators`).
//!
//! Where things are: `values.rs` ([`Values`], the `miners` section, with its defaults),
//! `inputs.rs` ([`Inputs`], the other plugins' outputs), `geth.rs` and `rpc.rs` (what every geth
//! and every RPC node shares, whatever the consensus), `clique_ethash.rs` (the Clique and ethash
//! render) and [`pos`] (the proof-of-stake render). This file is the plugin's entry point: it
//! reads the input and picks the render.

mod clique_ethash;
mod geth;
mod inputs;
mod network;
pub mod pos;
mod rpc;
mod values;

pub use geth::GENESIS_HASH_ANNOTATION;
pub use inputs::Inputs;
pub use values::{
    Beacon, BeaconService, Ethash, Metrics, NetworkPolicy, Pdb, Peering, Rpc, RpcService, Validator, ValidatorPdb,
    Values,
};

use ethwasm_ethereum_types::{names, Consensus, Global, NodeKeys};
use ethwasm_plugin::{export, Info, Input, Output, Plugin, PluginError, Release};

/// JSON Schema of the `miners` values section.
pub const SCHEMA: &str = include_str!("schema.json");

/// The plugin.
pub struct Miners;

impl Plugin for Miners {
    fn info() -> Info {
        Info::new(
            "miners",
            env!("CARGO_PKG_VERSION"),
            "geth signers (clique sealers, ethash miners, or geth + Lighthouse with validator clients) and RPC nodes",
        )
        .provides(&[names::NETWORK])
        .requires(&[
            names::GENESIS,
            names::BOOTNODES,
            names::SIGNERS,
            names::NODE_KEYS,
            names::ETHSTATS,
            names::VALIDATORS,
        ])
        .schema(SCHEMA)
    }

    fn render(input: Input) -> Result<Output, PluginError> {
        let v: Values = input.values()?;
        let global: Global = input.global()?;
        let inputs = Inputs {
            genesis: input.input(names::GENESIS)?,
            bootnodes: input.input(names::BOOTNODES)?,
            signers: input.input(names::SIGNERS)?,
            rpc: input.input::<NodeKeys>(names::NODE_KEYS)?.rpc,
            ethstats: input.input(names::ETHSTATS)?,
            validators: input.input(names::VALIDATORS)?,
            cluster_domain: global.cluster_domain,
            clients: global.clients,
        };
        let (out, warnings) = render_warned(input.release(), &v, &inputs)?;
        for w in &warnings {
            ethwasm_plugin::log(ethwasm_plugin::Level::Warn, w);
        }
        Ok(out)
    }
}

/// Renders the geth nodes.
pub fn render(release: &Release, v: &Values, i: &Inputs) -> Result<Output, PluginError> {
    render_warned(release, v, i).map(|(out, _)| out)
}

/// Renders the geth nodes, with the warnings the render found (a topology that cannot lose a
/// node, say), which the plugin logs.
pub fn render_warned(release: &Release, v: &Values, i: &Inputs) -> Result<(Output, Vec<String>), PluginError> {
    let (namespace, release) = (&release.namespace, release.name.as_str());
    let network = network::network(namespace, release, v, i);
    if i.genesis.consensus == Consensus::Pos {
        let mut warnings = Vec::new();
        let out = pos::render(namespace, release, v, i, &mut warnings)?;
        return Ok((out.output(names::NETWORK, &network), warnings));
    }
    clique_ethash::render(namespace, release, v, i).map(|out| (out.output(names::NETWORK, &network), Vec::new()))
}

export!(Miners);
