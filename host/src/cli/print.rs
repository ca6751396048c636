//! Everything the binary prints: stdout writes that tolerate a closed pipe, notes, JSON,
//! times, rendered objects, and deploy progress (a live line per workload on a terminal,
//! plain lines otherwise).

use ethwasm::deploy::wait::Readiness;
use ethwasm::deploy::{DryRun, Event, Events, Report};
use ethwasm::error::ResultExt;
use ethwasm::manifest::Object;
use ethwasm::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.internal(|| "cannot write to stdout".into()),
    }
}

/// Prints lines on stdout.
pub fn lines(text: impl AsRef<str>) -> Result<()> {
    let mut s = text.as_ref().to_string();
    if !s.ends_with('\n') {
        s.push('\n');
    }
    write_stdout(s.as_bytes())
}

/// Prints pretty JSON and a newline.
pub fn json(v: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(v).internal(|| "cannot print JSON".into())?;
    text.push('\n');
    write_stdout(text.as_bytes())
}

/// Prints plugin notes on stderr.
pub fn notes(notes: &[(String, String)]) {
    if notes.is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "NOTES:");
    for (plugin, text) in notes {
        let _ = writeln!(err, "[{plugin}]");
        for line in text.lines() {
            let _ = writeln!(err, "  {line}");
        }
    }
}

/// Unix seconds as a UTC time.
pub fn time(secs: u64) -> String {
    jiff::Timestamp::from_second(secs as i64)
        .map_or_else(|_| secs.to_string(), |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// One YAML document per object, each headed by the plugin that rendered it.
pub fn to_yaml(objects: &[Object]) -> String {
    let mut s = String::new();
    for o in objects {
        s.push_str("---\n");
        s.push_str(&format!("# Source: plugin/{}\n", o.plugin));
        s.push_str(&ethwasm::yaml::to_string(&o.body));
    }
    s
}

/// A `v1/List` holding the objects, pretty-printed.
pub fn to_json(objects: &[Object]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": objects.iter().map(|o| &o.body).collect::<Vec<_>>(),
    });
    format!("{list:#}\n")
}

/// The summary line of a deploy or rollback, or a dry run's plan.
pub fn report(r: &Report) -> Result<()> {
    let head = format!("release {} in namespace {}: revision {}", r.release, r.namespace, r.revision);
    let mut out = String::new();
    match r.dry_run {
        Some(DryRun::Client) => {
            out.push_str(&format!("{head} ({}), client dry run: nothing sent\n", r.action));
            r.applied.iter().for_each(|k| out.push_str(&format!("would apply  {k}\n")));
            r.pruned.iter().for_each(|k| out.push_str(&format!("would prune  {k}\n")));
        }
        Some(DryRun::Server) => {
            out.push_str(&format!("{head} ({}), server dry run: nothing stored\n", r.action));
            r.applied.iter().for_each(|k| out.push_str(&format!("valid        {k}\n")));
            r.skipped.iter().for_each(|k| {
                out.push_str(&format!("would apply  {k} (not validated: its definition is not installed yet)\n"))
            });
            r.pruned.iter().for_each(|k| out.push_str(&format!("would prune  {k}\n")));
        }
        None => {
            let skipped = if r.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} left in place (not created by ethwasm)", r.skipped.len())
            };
            let sep = if r.action == "rollback" { ":" } else { "" };
            out.push_str(&format!(
                "{head}{sep} {}: {} applied, {} pruned{skipped}\n",
                r.description.to_lowercase(),
                r.applied.len(),
                r.pruned.len()
            ));
        }
    }
    write_stdout(out.as_bytes())
}

/// How waiting shows: live bars on a terminal, changed lines otherwise.
enum WaitDisplay {
    Idle,
    /// The bars draw through the MultiProgress, kept alive while they do.
    Bars {
        _multi: MultiProgress,
        bars: Vec<ProgressBar>,
    },
    Lines(Vec<String>),
}

/// Progress of an action on stdout: what was applied, pruned and deleted, and the wait.
pub fn progress() -> Events {
    let display = Arc::new(Mutex::new(WaitDisplay::Idle));
    Events::new(move |event| {
        let mut d = display.lock().unwrap_or_else(PoisonError::into_inner);
        let line = |s: String| {
            let _ = lines(s);
        };
        match event {
            Event::NamespaceCreated(ns) => line(format!("created namespace {ns}")),
            Event::Change(text) => line(format!("change   {text}")),
            Event::Wave(text) => line(format!("wave     {text}")),
            Event::Applied(k) => line(format!("applied  {k}")),
            Event::Pruned(k) => line(format!("pruned   {k}")),
            Event::Deleted(k) => line(format!("deleted  {k}")),
            Event::Stopped(k) => line(format!("stopped  {k} (before the change)")),
            Event::WaitStarted(keys) => *d = wait_display(keys),
            Event::Readiness { index, key, state } => match &mut *d {
                WaitDisplay::Bars { bars, .. } => {
                    let Some(bar) = bars.get(index) else { return };
                    bar.set_message(state.text().to_string());
                    if !matches!(state, Readiness::Pending(_)) {
                        let mark = if state.is_ready() { "ready:" } else { "FAILED:" };
                        bar.finish_with_message(format!("{mark} {}", state.text()));
                    }
                }
                WaitDisplay::Lines(last) => {
                    let text = match state {
                        Readiness::Ready(t) => format!("ready    {key} ({t})"),
                        Readiness::Pending(t) => format!("waiting  {key} ({t})"),
                        Readiness::Failed(t) => format!("failed   {key} ({t})"),
                    };
                    if last.get(index) != Some(&text) {
                        line(text.clone());
                        if let Some(slot) = last.get_mut(index) {
                            *slot = text;
                        }
                    }
                }
                WaitDisplay::Idle => {}
            },
            Event::WaitFinished => {
                if let WaitDisplay::Bars { bars, .. } = &*d {
                    bars.iter().filter(|b| !b.is_finished()).for_each(ProgressBar::abandon);
                }
                *d = WaitDisplay::Idle;
            }
        }
    })
}

fn wait_display(keys: &[ethwasm::manifest::ObjectKey]) -> WaitDisplay {
    if !std::io::stdout().is_terminal() {
        return WaitDisplay::Lines(vec![String::new(); keys.len()]);
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
    let style =
        ProgressStyle::with_template("{spinner} {prefix:.bold} {msg}").unwrap_or(ProgressStyle::default_spinner());
    let bars = keys
        .iter()
        .map(|k| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style.clone());
            bar.set_prefix(k.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        })
        .collect();
    WaitDisplay::Bars { _multi: multi, bars }
}
