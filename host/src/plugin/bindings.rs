//! The host's bindings of the plugin contract, one module per WIT package version in
//! `wit/<version>/`. The version string is written here once per version: in its `bindgen!`
//! (a macro needs literals) and as `VERSION`, which everything else uses.

/// `ethwasm:plugin@0.1.0` (wit/0.1.0/plugin.wit).
pub mod v0_1_0 {
    /// The package version these bindings are for.
    pub const VERSION: &str = "0.1.0";

    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "ethwasm:plugin/plugin-world@0.1.0",
        // `derive-key` traps on a length outside 1..=8160: that is a plugin bug, not data.
        imports: { "ethwasm:plugin/host.derive-key": trappable },
    });
}

/// `ethwasm:plugin@0.2.0` (wit/0.2.0/plugin.wit): the release's creation time, no revision.
pub mod v0_2_0 {
    /// The package version these bindings are for.
    pub const VERSION: &str = "0.2.0";

    wasmtime::component::bindgen!({
        path: "../wit/0.2.0",
        world: "ethwasm:plugin/plugin-world@0.2.0",
        imports: { "ethwasm:plugin/host.derive-key": trappable },
    });
}

/// `ethwasm:plugin@0.3.0` (wit/0.3.0/plugin.wit): 0.2.0's types, plus the `crypto` interface and
/// `host.progress`. Its `types` interface is 0.2.0's, word for word, so the bindings reuse 0.2.0's
/// Rust types (the component model checks types by structure, not by package).
pub mod v0_3_0 {
    /// The package version these bindings are for.
    pub const VERSION: &str = "0.3.0";

    wasmtime::component::bindgen!({
        path: "../wit/0.3.0",
        world: "ethwasm:plugin/plugin-world@0.3.0",
        with: { "ethwasm:plugin/types": super::v0_2_0::ethwasm::plugin::types },
        // A crypto argument past its bound, a deadline or scrypt's memory: a trap, as a
        // `derive-key` length out of range is.
        imports: {
            "ethwasm:plugin/host.derive-key": trappable,
            "ethwasm:plugin/crypto.eip2333-derive": trappable,
            "ethwasm:plugin/crypto.bls-public-keys": trappable,
            "ethwasm:plugin/crypto.bls-aggregate-public-keys": trappable,
            "ethwasm:plugin/crypto.scrypt": trappable,
            "ethwasm:plugin/crypto.pbkdf2-sha256": trappable,
        },
    });
}

// The host works in the newest version's types (0.3.0 shares 0.2.0's); older plugins are adapted
// at the call.
pub use v0_2_0::ethwasm::plugin::types::{PluginError, PluginInfo, Release, RenderInput, RenderOutput};

/// Versions this host runs plugins for, newest first.
pub const SUPPORTED: &[&str] = &[v0_3_0::VERSION, v0_2_0::VERSION, v0_1_0::VERSION];

/// Versions that have the `crypto` interface.
pub(crate) const WITH_CRYPTO: &[&str] = &[v0_3_0::VERSION];

use super::state::{Level, State};
use wasmtime::component::{HasSelf, InstancePre, Linker};
use wasmtime::Store;

/// Adds every supported version's host interfaces to `linker` (their names differ by version).
pub(crate) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    v0_1_0::PluginWorld::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    v0_2_0::PluginWorld::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    // 0.3.0's world would add 0.2.0's `types` again (its Rust types are 0.2.0's): add its own
    // `host` and `crypto`, and its `types` instance (types only, no functions) by name.
    v0_3_0::ethwasm::plugin::host::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    v0_3_0::ethwasm::plugin::crypto::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
    linker.instance(&format!("ethwasm:plugin/types@{}", v0_3_0::VERSION)).map(|_| ())
}

/// A linked component of one supported version, ready to instantiate.
pub(crate) enum WorldPre {
    V0_1(v0_1_0::PluginWorldPre<State>),
    V0_2(v0_2_0::PluginWorldPre<State>),
    V0_3(v0_3_0::PluginWorldPre<State>),
}

impl WorldPre {
    /// The typed pre-instance for a component that exports `version`'s world.
    pub(crate) fn new(version: &str, pre: InstancePre<State>) -> wasmtime::Result<WorldPre> {
        match version {
            v0_1_0::VERSION => Ok(WorldPre::V0_1(v0_1_0::PluginWorldPre::new(pre)?)),
            v0_2_0::VERSION => Ok(WorldPre::V0_2(v0_2_0::PluginWorldPre::new(pre)?)),
            v0_3_0::VERSION => Ok(WorldPre::V0_3(v0_3_0::PluginWorldPre::new(pre)?)),
            other => Err(wasmtime::Error::msg(format!("unsupported WIT version {other}"))),
        }
    }

    pub(crate) fn engine(&self) -> &wasmtime::Engine {
        match self {
            WorldPre::V0_1(p) => p.engine(),
            WorldPre::V0_2(p) => p.engine(),
            WorldPre::V0_3(p) => p.engine(),
        }
    }

    /// Instantiates and calls `info`.
    pub(crate) fn info(&self, store: &mut Store<State>) -> wasmtime::Result<PluginInfo> {
        match self {
            WorldPre::V0_1(p) => {
                Ok(from_v0_1::info(p.instantiate(&mut *store)?.ethwasm_plugin_plugin().call_info(store)?))
            }
            WorldPre::V0_2(p) => p.instantiate(&mut *store)?.ethwasm_plugin_plugin().call_info(store),
            WorldPre::V0_3(p) => p.instantiate(&mut *store)?.ethwasm_plugin_plugin().call_info(store),
        }
    }

    /// Instantiates and calls `render`; an older plugin gets the input its version has (0.1.0:
    /// the release's `revision`, without `created`).
    pub(crate) fn render(
        &self,
        store: &mut Store<State>,
        input: &RenderInput,
        revision: u32,
    ) -> wasmtime::Result<Result<RenderOutput, PluginError>> {
        match self {
            WorldPre::V0_1(p) => {
                let world = p.instantiate(&mut *store)?;
                let out = world.ethwasm_plugin_plugin().call_render(store, &to_v0_1::input(input, revision))?;
                Ok(out.map(from_v0_1::output).map_err(from_v0_1::error))
            }
            WorldPre::V0_2(p) => p.instantiate(&mut *store)?.ethwasm_plugin_plugin().call_render(store, input),
            WorldPre::V0_3(p) => p.instantiate(&mut *store)?.ethwasm_plugin_plugin().call_render(store, input),
        }
    }
}

/// 0.2.0 values as 0.1.0 has them: `release.created` is left out, `revision` put in.
mod to_v0_1 {
    use super::v0_1_0::ethwasm::plugin::types as v1;

    pub(super) fn input(i: &super::RenderInput, revision: u32) -> v1::RenderInput {
        v1::RenderInput {
            release: v1::Release { name: i.release.name.clone(), namespace: i.release.namespace.clone(), revision },
            values: i.values.clone(),
            global_values: i.global_values.clone(),
            inputs: i.inputs.clone(),
        }
    }
}

/// 0.1.0 answers as the host's (0.2.0) types.
mod from_v0_1 {
    use super::v0_1_0::ethwasm::plugin::types as v1;

    pub(crate) fn info(i: v1::PluginInfo) -> super::PluginInfo {
        super::PluginInfo {
            name: i.name,
            version: i.version,
            description: i.description,
            provides: i.provides,
            requires: i.requires,
            values_schema: i.values_schema,
        }
    }

    pub(crate) fn output(o: v1::RenderOutput) -> super::RenderOutput {
        super::RenderOutput { manifests: o.manifests, outputs: o.outputs, notes: o.notes }
    }

    pub(crate) fn error(e: v1::PluginError) -> super::PluginError {
        match e {
            v1::PluginError::InvalidValues(m) => super::PluginError::InvalidValues(m),
            v1::PluginError::MissingInput(m) => super::PluginError::MissingInput(m),
            v1::PluginError::Failed(m) => super::PluginError::Failed(m),
        }
    }

    pub(crate) fn level(l: v1::Level) -> super::Level {
        match l {
            v1::Level::Debug => super::Level::Debug,
            v1::Level::Info => super::Level::Info,
            v1::Level::Warn => super::Level::Warn,
            v1::Level::Error => super::Level::Error,
        }
    }
}

fn level_v0_2(l: v0_2_0::ethwasm::plugin::types::Level) -> Level {
    use v0_2_0::ethwasm::plugin::types::Level as L;
    match l {
        L::Debug => Level::Debug,
        L::Info => Level::Info,
        L::Warn => Level::Warn,
        L::Error => Level::Error,
    }
}

// The host interface of every supported version, served alike.
impl v0_2_0::ethwasm::plugin::types::Host for State {}

impl v0_2_0::ethwasm::plugin::host::Host for State {
    fn log(&mut self, level: v0_2_0::ethwasm::plugin::types::Level, message: String) {
        self.log_line(level_v0_2(level), message)
    }

    fn derive_key(&mut self, label: String, length: u32) -> wasmtime::Result<Vec<u8>> {
        self.derive_key_bytes(&label, length)
    }
}

impl v0_3_0::ethwasm::plugin::host::Host for State {
    fn log(&mut self, level: v0_2_0::ethwasm::plugin::types::Level, message: String) {
        self.log_line(level_v0_2(level), message)
    }

    fn derive_key(&mut self, label: String, length: u32) -> wasmtime::Result<Vec<u8>> {
        self.derive_key_bytes(&label, length)
    }

    fn progress(&mut self, what: String, done: u64, total: u64) {
        State::progress(self, &what, done, total)
    }
}

impl v0_3_0::ethwasm::plugin::crypto::Host for State {
    fn eip2333_derive(&mut self, parent: Vec<u8>, paths: Vec<Vec<u32>>) -> wasmtime::Result<Vec<u8>> {
        let start = std::time::Instant::now();
        let r = super::crypto::eip2333_derive(&parent, &paths, self.budget()).map_err(|r| self.refused(r));
        self.crypto_took("eip2333-derive", paths.len(), start);
        r
    }

    fn bls_public_keys(&mut self, secret_keys: Vec<u8>) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let start = std::time::Instant::now();
        let r = super::crypto::bls_public_keys(&secret_keys, self.budget()).map_err(|r| self.refused(r));
        self.crypto_took("bls-public-keys", secret_keys.len() / 32, start);
        r
    }

    fn bls_aggregate_public_keys(&mut self, public_keys: Vec<u8>) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let start = std::time::Instant::now();
        let r = super::crypto::bls_aggregate_public_keys(&public_keys, self.budget()).map_err(|r| self.refused(r));
        self.crypto_took("bls-aggregate-public-keys", public_keys.len() / 48, start);
        r
    }

    fn scrypt(
        &mut self,
        password: Vec<u8>,
        salts: Vec<Vec<u8>>,
        log_n: u8,
        r: u32,
        p: u32,
        dklen: u32,
    ) -> wasmtime::Result<Vec<Vec<u8>>> {
        let start = std::time::Instant::now();
        let out =
            super::crypto::scrypt(&password, &salts, log_n, r, p, dklen, self.budget()).map_err(|e| self.refused(e));
        self.crypto_took("scrypt", salts.len(), start);
        out
    }

    fn pbkdf2_sha256(
        &mut self,
        password: Vec<u8>,
        salts: Vec<Vec<u8>>,
        iterations: u32,
        dklen: u32,
    ) -> wasmtime::Result<Vec<Vec<u8>>> {
        let start = std::time::Instant::now();
        let out = super::crypto::pbkdf2_sha256(&password, &salts, iterations, dklen, self.budget())
            .map_err(|e| self.refused(e));
        self.crypto_took("pbkdf2-sha256", salts.len(), start);
        out
    }
}

impl v0_1_0::ethwasm::plugin::types::Host for State {}

impl v0_1_0::ethwasm::plugin::host::Host for State {
    fn log(&mut self, level: v0_1_0::ethwasm::plugin::types::Level, message: String) {
        self.log_line(from_v0_1::level(level), message)
    }

    fn derive_key(&mut self, label: String, length: u32) -> wasmtime::Result<Vec<u8>> {
        self.derive_key_bytes(&label, length)
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    /// Every released version's file and its sha256.
    const RELEASED: &[(&str, &str)] = &[
        ("0.1.0", "768ba07a9c98be7066e542393e1815b337178a72e2a8e587cc0da42c3cb5e88f"),
        ("0.2.0", "72e7b23049bd078fbb5f95d65d37ee12ea82a3f2f84240faf85a7ead2bc6750a"),
        ("0.3.0", "0c5a451e59ac9c805e4b2c432effe1ce60d2acdcaf381fc0d7367d2a01432e4d"),
    ];

    /// Released WIT files are frozen: a change is a new version folder, never an edit.
    #[test]
    fn released_wit_is_frozen() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        for (version, sha256) in RELEASED {
            let text = std::fs::read(root.join(version).join("plugin.wit")).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&text)), *sha256, "wit/{version}/plugin.wit was edited");
            let package = format!("package ethwasm:plugin@{version};");
            assert!(String::from_utf8_lossy(&text).contains(&package), "wit/{version} is not {package}");
        }
        let listed: Vec<&str> = RELEASED.iter().map(|(v, _)| *v).collect();
        let mut supported = super::SUPPORTED.to_vec();
        supported.sort();
        assert_eq!(supported, listed, "every released version is supported and pinned");
    }
}
