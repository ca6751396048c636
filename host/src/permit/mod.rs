//! What a plugin may create. By default: namespaced objects in the release's namespace, of kinds
//! that are not RBAC, admission webhooks or API services, custom resource definitions or
//! namespaces, and no pod that breaks the Pod Security Standards' baseline
//! ([`crate::pod_security`]: privileged containers, added capabilities beyond baseline's list,
//! host namespaces, hostPath volumes, host ports, AppArmor, SELinux, /proc mounts, seccomp,
//! unsafe sysctls), and none of the namespaced paths past the release ([`reach`]: external IPs,
//! hand-written endpoints, other service accounts, token Secrets, bound volumes, pods reading
//! what the release does not render, hosts another Ingress or route serves). Anything more is a [`Grant`], given per plugin in
//! chart.yaml (`allow:`) or on the command line (`--allow PLUGIN:GRANT`).
//! `render` and `deploy` check the same rules, so a CI render gets the cluster's answer; the
//! one thing a render cannot know, which hosts the cluster already serves, a deploy reads
//! before anything is applied and checks with the same rules ([`check_in`]).

mod check;
mod grant;
pub mod reach;
mod summary;

pub use check::{category, check, check_in, holds, needs, NotGranted};
pub use grant::{parse_allow, Grant, Grants, GRANTS};
pub use summary::{summary, Summary};
