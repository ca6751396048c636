//! Releases in a cluster, one module per action as Helm's pkg/action has them:
//! [`install`] (install or upgrade, with dry runs), [`rollback`], [`uninstall`], [`query`]
//! (status, history, list) and [`diff`], over shared modules: [`plan`] (seed, revision,
//! discovery, what to prune), [`rollout`] (apply, prune, wait, record the outcome), [`apply`],
//! [`wait`] (with [`stuck`]: new pods that cannot start), [`lock`], [`record`] (the release
//! records in the cluster), [`chain`] (a chain keeps its genesis; `--new-chain`), [`changes`]
//! (what an upgrade changes that must be seen first), [`deadlines`] (what must be rolled out
//! before when), [`adopt`] (no takeover), [`hosts`]
//! (hosts the cluster already serves), [`stop`] (stop-before-change workloads), [`waves`]
//! (a change rolled out within the plugins' budgets) and
//! [`revision`] (rendering a revision). The types they share each have a file: options
//! ([`Options`], [`DryRun`]), events ([`Event`], [`Events`]), report ([`Report`],
//! [`NotFound`]) and readiness (what `--wait` and `status` judge).
//!
//! Every action takes a [`Cluster`](crate::cluster::Cluster), typed options and an [`Events`]
//! sink, and returns a [`Report`] or a typed [`Error`](crate::Error); nothing here prints.

pub mod adopt;
pub mod apply;
pub mod chain;
pub mod changes;
pub mod deadlines;
pub mod diff;
mod events;
pub mod hosts;
pub mod install;
pub mod lock;
mod options;
pub mod plan;
pub mod query;
mod readiness;
pub mod record;
mod report;
pub mod revision;
pub mod rollback;
pub mod rollout;
pub mod stop;
pub mod stuck;
pub mod uninstall;
pub mod wait;
pub mod waves;

pub use events::{Event, Events};
pub use install::deploy;
pub use options::{DryRun, Options};
pub use plan::SeedChoice;
pub use query::{default_release, history, list, status};
pub use report::{NotFound, Report};
pub use revision::{render_revision, renderer, ReleaseFacts, Revision};
pub use rollback::rollback;
pub use uninstall::uninstall;

pub(crate) use crate::job::now;

#[cfg(test)]
mod tests;
