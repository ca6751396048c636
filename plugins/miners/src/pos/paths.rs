//! The names proof-of-stake pods share: images, the annotations the host reads, and the paths
//! the containers that write and read them agree on.

/// A Fulu/Osaka-capable geth for proof of stake (Osaka since v1.16.7; pinned, see
/// docs/research/pos-workloads.md).
pub(super) const POS_TAG: &str = "v1.17.7";
pub(super) const LIGHTHOUSE: &str = "sigp/lighthouse";
/// Fulu-capable; a security release of the v8.3 line.
pub(super) const LIGHTHOUSE_TAG: &str = "v8.3.3";
/// Annotation carrying a digest of rendered configuration a pod reads at start (static nodes,
/// peer lists), so a change rolls the pods.
pub const CONFIG_HASH_ANNOTATION: &str = "ethwasm.io/config-hash";
/// The validator indices a validator client's pod runs (`0-15,64,68`: inclusive ranges).
pub const VALIDATORS_ANNOTATION: &str = "ethwasm.io/validators";
/// Tells the host to stop (scale to zero, or delete) every changed workload of the named group
/// and wait for its pods to go before it applies anything: no validator key runs in two
/// clients while slices move.
pub const STOP_BEFORE_CHANGE_ANNOTATION: &str = "ethwasm.io/stop-before-change";
/// A digest of the validator keys a validator client holds: while it stays, a change moves no
/// key, and the host stops each client in its own wave instead of all of them first.
pub const HOLDS_ANNOTATION: &str = "ethwasm.io/holds";
/// What a validator client holds, item by item (its validator indices as inclusive ranges): the
/// host stops every changed client first only when an index moves from one client to another;
/// keys that join or leave move nothing.
pub const HOLDS_SET_ANNOTATION: &str = "ethwasm.io/holds-set";
/// The workloads that share a rollout budget (the host rolls a change out in waves within it).
pub const ROLLOUT_GROUP_ANNOTATION: &str = "ethwasm.io/rollout-group";
/// What a workload takes down while it restarts (a validator client: its validators).
pub const ROLLOUT_WEIGHT_ANNOTATION: &str = "ethwasm.io/rollout-weight";
/// The most weight of the group that may be down at once.
pub const ROLLOUT_BUDGET_ANNOTATION: &str = "ethwasm.io/rollout-budget";

/// Paths, shared by the containers that write and read them.
pub(super) const DATA: &str = "/data";
pub(super) const GETH_DATADIR: &str = "/data/geth";
pub(super) const BEACON_DATADIR: &str = "/data/lighthouse";
/// Lighthouse's network dir, `<datadir>/beacon/network`, and the key file it reads there.
pub(super) const BEACON_NETWORK_DIR: &str = "/data/lighthouse/beacon/network";
pub(super) const BEACON_KEY_FILE: &str = "/data/lighthouse/beacon/network/key";
pub(super) const TESTNET_DIR: &str = "/testnet";
pub(super) const VALIDATORS_DIR: &str = "/data/validators";
pub(super) const PASSWORD_DIR: &str = "/password";
pub(super) const PASSWORD_FILE: &str = "/password/password";
pub(super) const SLASHING_DB: &str = "/data/validators/slashing_protection.sqlite";
