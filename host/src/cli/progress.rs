//! The live line a long render shows on a terminal: which plugins are rendering and how far each
//! says it is (`rendering secrets: validator keys 4096/16384 (3s)`). It appears once a render
//! has run for [`DELAY`], on stderr only when stderr is a terminal, and never with `--quiet` or
//! `-v` (the logs then say what runs). It is gone before anything else is printed.

use ethwasm::plugin::progress::{self, Event};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a render runs before the line shows.
pub const DELAY: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// What each running plugin last said: `None` until it reports.
#[derive(Debug, Default)]
pub struct Running {
    since: Option<Instant>,
    plugins: BTreeMap<String, Option<(String, u64, u64)>>,
}

impl Running {
    /// Takes in one event.
    pub fn apply(&mut self, event: Event<'_>, now: Instant) {
        match event {
            Event::Started { plugin } => {
                self.since.get_or_insert(now);
                self.plugins.insert(plugin.to_string(), None);
            }
            Event::Progress { plugin, what, done, total } => {
                if let Some(slot) = self.plugins.get_mut(plugin) {
                    *slot = Some((what.to_string(), done.min(total), total));
                }
            }
            Event::Finished { plugin } => {
                self.plugins.remove(plugin);
                if self.plugins.is_empty() {
                    self.since = None;
                }
            }
        }
    }

    /// The line, once the render has run for [`DELAY`]; `None` before, or when nothing runs.
    pub fn line(&self, now: Instant) -> Option<String> {
        let since = self.since?;
        if now.duration_since(since) < DELAY || self.plugins.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .plugins
            .iter()
            .map(|(plugin, said)| match said {
                Some((what, done, total)) => format!("{plugin}: {what} {done}/{total}"),
                None => plugin.clone(),
            })
            .collect();
        Some(format!("rendering {} ({}s)", parts.join(", "), now.duration_since(since).as_secs()))
    }
}

/// Installs the live line if stderr is a terminal and neither `quiet` nor `verbose` is set.
pub fn install(quiet: bool, verbose: u8) {
    if quiet || verbose > 0 || !std::io::stderr().is_terminal() {
        return;
    }
    let state = Arc::new(Mutex::new((Running::default(), None::<ProgressBar>)));
    let sink_state = state.clone();
    progress::set_sink(move |event| {
        let mut guard = sink_state.lock().unwrap_or_else(PoisonError::into_inner);
        let (running, bar) = &mut *guard;
        running.apply(event, Instant::now());
        // The last plugin done: the line goes before anything else is printed.
        if running.since.is_none() {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
        }
    });
    // Draws the line while a render runs; parked between ticks for the whole process.
    let _ = std::thread::Builder::new().name("ethwasm-progress".into()).spawn(move || loop {
        std::thread::sleep(TICK);
        let mut guard = state.lock().unwrap_or_else(PoisonError::into_inner);
        let (running, bar) = &mut *guard;
        if let Some(line) = running.line(Instant::now()) {
            let bar = bar.get_or_insert_with(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg}").unwrap_or(ProgressStyle::default_spinner()),
                );
                bar
            });
            bar.set_message(line);
            bar.tick();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_waits_a_second_names_the_running_plugins_and_goes_when_they_end() {
        let t0 = Instant::now();
        let mut r = Running::default();
        r.apply(Event::Started { plugin: "secrets" }, t0);
        assert_eq!(r.line(t0 + Duration::from_millis(900)), None, "not before a second");
        assert_eq!(r.line(t0 + DELAY).as_deref(), Some("rendering secrets (1s)"));
        r.apply(Event::Progress { plugin: "secrets", what: "validator keys", done: 1024, total: 16384 }, t0);
        r.apply(Event::Started { plugin: "bootnode" }, t0 + DELAY);
        assert_eq!(
            r.line(t0 + DELAY * 2).as_deref(),
            Some("rendering bootnode, secrets: validator keys 1024/16384 (2s)"),
            "the time since the render began"
        );
        // A plugin that did not start (a render-cache hit) cannot report.
        r.apply(Event::Progress { plugin: "genesis", what: "x", done: 1, total: 2 }, t0);
        r.apply(Event::Finished { plugin: "bootnode" }, t0);
        r.apply(Event::Finished { plugin: "secrets" }, t0);
        assert_eq!(r.line(t0 + DELAY * 5), None);
        // The next render waits its own second.
        let t1 = t0 + DELAY * 10;
        r.apply(Event::Started { plugin: "genesis" }, t1);
        assert_eq!(r.line(t1 + Duration::from_millis(500)), None);
        r.apply(Event::Progress { plugin: "genesis", what: "x", done: 9, total: 2 }, t1);
        assert_eq!(r.line(t1 + DELAY).as_deref(), Some("rendering genesis: x 2/2 (1s)"), "done never passes total");
    }
}
