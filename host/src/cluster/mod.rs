//! The cluster behind a small trait: discovery, get, list, server-side apply, create, replace
//! and delete of JSON objects. `KubeCluster` speaks to an API server through kube-rs: a real
//! one, or in tests the in-memory fake of the `fake-apiserver` crate, reached through the
//! `kube::Client` it provides.

pub mod builtin;
mod client;
mod error;
pub mod kube;
mod resource_type;

pub(crate) use client::FIELD_MANAGER;
pub use client::{Cluster, WriteOptions};
pub use error::{Cause, ClusterError, ObjectError};
pub use resource_type::ResourceType;
