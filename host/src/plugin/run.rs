//! Calling a plugin: a fresh store per call, with memory, time and output limits.

use super::bindings::{PluginError as WitError, RenderInput, WorldPre};
use super::engine::Runtime;
use super::loader::Plugin;
use super::state::{Seed, State};
use super::{format_bytes, Level, PluginError, PluginRender};
use wasmtime::{Store, Trap};

/// The longest message of a plugin's that goes into an error, in bytes.
const MAX_MESSAGE: usize = 4 << 10;

impl Plugin {
    /// Runs `f` against a fresh instance in a fresh store, mapping traps and limit breaches to
    /// errors that name the plugin and the limit.
    pub(super) fn call<R>(
        &self,
        func: &'static str,
        seed: &Seed,
        f: impl FnOnce(&WorldPre, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.call_with_state(func, seed, f).map(|(r, _)| r)
    }

    fn call_with_state<R>(
        &self,
        func: &'static str,
        seed: &Seed,
        f: impl FnOnce(&WorldPre, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<(R, State), PluginError> {
        let name = self.info.name.clone();
        let pre = self.pre()?;
        let mut store = Store::new(pre.engine(), State::new(&name, seed, self.limits.memory_bytes));
        store.limiter(|s| s as &mut dyn wasmtime::ResourceLimiter);
        store.set_epoch_deadline(Runtime::ticks(self.limits.timeout));
        store.data_mut().deadline = Some(std::time::Instant::now() + self.limits.timeout);
        store.epoch_deadline_trap();
        let result = f(pre, &mut store);
        store.data_mut().drain_stdio();
        match result {
            Ok(r) => Ok((r, store.into_data())),
            Err(e) => Err(self.classify(func, e, store.data())),
        }
    }

    fn classify(&self, func: &'static str, e: wasmtime::Error, state: &State) -> PluginError {
        let plugin = self.info.name.clone();
        if state.memory_denied {
            return PluginError::MemoryLimit { plugin, limit: format_bytes(self.limits.memory_bytes) };
        }
        if let Some(Trap::Interrupt) = e.downcast_ref::<Trap>() {
            return PluginError::Timeout { plugin, limit: self.limits.timeout, func };
        }
        // The reason first, on one line; the wasm backtrace (the error's outer context) under -v.
        tracing::debug!("plugin {plugin}: `{func}` stopped: {}", crate::text::printable(&format!("{e:?}"), 64 << 10));
        // The SDK's panic hook logs the panic message at error level just before the trap.
        let last_error = state.logs.iter().rev().find(|l| l.level == Level::Error).map(|l| l.message.clone());
        let mut message = match e.downcast_ref::<Trap>() {
            Some(Trap::UnreachableCodeReached) => {
                "wasm `unreachable` executed (a panic or abort in the plugin)".to_string()
            }
            Some(t) => t.to_string(),
            None => crate::text::one_line(&e.root_cause().to_string(), MAX_MESSAGE),
        };
        if let Some(last) = last_error {
            message = format!("{message}; its last error log: {}", crate::text::one_line(&last, MAX_MESSAGE));
        }
        PluginError::Trap { plugin, func, message }
    }

    /// [`Plugin::render_revision`] of revision 1, as `render` without a cluster renders.
    pub fn render(&self, seed: &Seed, input: &RenderInput) -> Result<PluginRender, PluginError> {
        self.render_revision(seed, input, 1)
    }

    /// Calls `render` with `input`, checks the output size, and maps the plugin's own error. A
    /// render made before with the same component, input, limits and seed is read back from the
    /// render cache instead ([`super::Memo`]). Only plugins of WIT 0.1.0 see `revision`; for them
    /// it is part of what the render cache is keyed by.
    pub fn render_revision(
        &self,
        seed: &Seed,
        input: &RenderInput,
        revision: u32,
    ) -> Result<PluginRender, PluginError> {
        match self.recall(seed, input, revision) {
            Some(hit) => Ok(hit),
            None => self.render_new(seed, input, revision),
        }
    }

    /// The render the render cache holds for this request, with what the plugin logged when it
    /// ran logged again, as if it ran now.
    pub fn recall(&self, seed: &Seed, input: &RenderInput, revision: u32) -> Option<PluginRender> {
        let hit = self.memo.as_ref()?.get(seed, &self.memo_request(input, revision))?;
        tracing::debug!("plugin {}: render from the render cache", self.info.name);
        for line in &hit.logs {
            super::state::emit(&self.info.name, line);
        }
        Some(hit)
    }

    /// Runs the render (no render-cache lookup) and keeps it in the render cache.
    pub fn render_new(&self, seed: &Seed, input: &RenderInput, revision: u32) -> Result<PluginRender, PluginError> {
        let render = self.render_fresh(seed, input, revision)?;
        if let Some(memo) = self.memo.as_ref().filter(|_| !seed.is_fresh()) {
            memo.put(seed, &self.memo_request(input, revision), &render);
        }
        Ok(render)
    }

    fn memo_request<'a>(&'a self, input: &'a RenderInput, revision: u32) -> super::memo::Request<'a> {
        let sees_revision = self.wit_version == super::bindings::v0_1_0::VERSION;
        super::memo::Request {
            component: &self.sha256,
            input,
            limits: self.limits,
            revision: sees_revision.then_some(revision),
        }
    }

    fn render_fresh(&self, seed: &Seed, input: &RenderInput, revision: u32) -> Result<PluginRender, PluginError> {
        let start = std::time::Instant::now();
        let name = self.info.name.as_str();
        super::progress::report(super::progress::Event::Started { plugin: name });
        let called = self.call_with_state("render", seed, |w, s| w.render(s, input, revision));
        super::progress::report(super::progress::Event::Finished { plugin: name });
        let (result, state) = called?;
        tracing::debug!("plugin {}: render took {:?}", self.info.name, start.elapsed());
        let plugin = self.info.name.clone();
        let text = |m: String| crate::text::printable(&m, MAX_MESSAGE);
        let output = result.map_err(|e| match e {
            WitError::InvalidValues(m) => PluginError::InvalidValues { plugin: plugin.clone(), message: text(m) },
            WitError::MissingInput(m) => PluginError::MissingInput { plugin: plugin.clone(), message: text(m) },
            WitError::Failed(m) => PluginError::Failed { plugin: plugin.clone(), message: text(m) },
        })?;
        let size = output.manifests.iter().map(|m| m.len() as u64).sum::<u64>()
            + output.outputs.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum::<u64>()
            + output.notes.as_ref().map_or(0, |n| n.len() as u64);
        if size > self.limits.output_bytes {
            return Err(PluginError::OutputLimit { plugin, size, limit: self.limits.output_bytes });
        }
        Ok(PluginRender { output, logs: state.logs })
    }
}
