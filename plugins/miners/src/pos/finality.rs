//! What a network survives: how many validator clients may be down while the rest still
//! finalize, the disruption budget that follows, the warning for a topology that cannot lose
//! one, and the data-availability warning for beacon nodes that are not supernodes.
//!
//! Finality needs attestations from at least two thirds of the active stake
//! (`3 * attesting >= 2 * total`). Losing clients that hold exactly a third leaves exactly two
//! thirds, which finalizes only while every other validator attests on time, so the rule here
//! is strict: the clients that may be down together hold *less* than a third. With even slices,
//! 4 clients is the fewest of which one can be lost.

use ethwasm_ethereum_types::ValidatorClient;

/// How many validator clients may be down at once, whichever they are, with the rest holding
/// over two thirds of the validators: the largest `k` whose `k` largest slices hold less than a
/// third.
pub(super) fn tolerable_down(clients: &[ValidatorClient]) -> u32 {
    let total: u64 = clients.iter().map(|c| u64::from(c.held())).sum();
    let mut slices: Vec<u64> = clients.iter().map(|c| u64::from(c.held())).collect();
    slices.sort_unstable_by(|a, b| b.cmp(a));
    let mut down = 0;
    let mut k = 0;
    for s in slices {
        if 3 * (down + s) >= total {
            break;
        }
        down += s;
        k += 1;
    }
    k
}

/// The most validators that may be down at once with the rest holding more than two thirds:
/// the largest `w` with `3 * w < total` (21 of 64). A rollout in waves keeps each wave within it.
pub(super) fn stake_budget(clients: &[ValidatorClient]) -> u64 {
    let total: u64 = clients.iter().map(|c| u64::from(c.held())).sum();
    total.saturating_sub(1) / 3
}

/// The warning for a topology in which one validator client down stops finality, with the
/// numbers; None when any one can be lost.
pub(super) fn one_down_warning(release: &str, clients: &[ValidatorClient]) -> Option<String> {
    let total: u32 = clients.iter().map(|c| c.held()).sum();
    // The first of the largest (max_by_key keeps the last).
    let largest = clients.iter().rev().max_by_key(|c| c.held())?;
    if tolerable_down(clients) > 0 || total == 0 {
        return None;
    }
    let left = total - largest.held();
    Some(format!(
        "global.topology: validator client {release}-validator-{c} holds {n} of the {total} validators ({pct}%); \
         with it down (a node drain, an image pull, an OOM kill) the others hold {left}/{total} ({left_pct}%), and \
         finality needs more than two thirds. Run at least 4 signers (each client then holds under a third), or \
         accept that one client down stops finality",
        c = largest.signer,
        n = largest.held(),
        pct = 100 * largest.held() / total,
        left_pct = 100 * left / total,
    ))
}

/// Custody groups of the Fulu spec a node keeps at least (`CUSTODY_REQUIREMENT`), a node with
/// validators (`VALIDATOR_CUSTODY_REQUIREMENT`), and in all (`NUMBER_OF_CUSTODY_GROUPS`).
const CUSTODY_REQUIREMENT: u32 = 4;
const VALIDATOR_CUSTODY_REQUIREMENT: u32 = 8;
const CUSTODY_GROUPS: u32 = 128;

/// The warning for `supernode: false`: how many of the 128 column groups the beacon nodes keep
/// at most (each its 4, a validator client's node one per 32 ETH attached and at least 8).
pub(super) fn custody_warning(clients: &[ValidatorClient], rpc_nodes: usize) -> String {
    let validator_nodes: u32 =
        clients.iter().map(|c| c.held().clamp(VALIDATOR_CUSTODY_REQUIREMENT, CUSTODY_GROUPS)).sum();
    let most = (validator_nodes + CUSTODY_REQUIREMENT * rpc_nodes as u32).min(CUSTODY_GROUPS);
    format!(
        "miners.beacon.supernode is false: the {n} beacon nodes keep at most {most} of the {CUSTODY_GROUPS} \
         data column groups together (fewer where their random choices overlap). A column no node keeps is lost, \
         and a node that later syncs a block with blobs, or custodies that column, fails data availability for it. \
         Keep supernode: true unless the network has enough nodes that every group is kept",
        n = clients.len() + rpc_nodes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ethwasm_ethereum_types::SecretKeyRef;

    fn clients(counts: &[u32]) -> Vec<ValidatorClient> {
        let r = SecretKeyRef { secret_name: "s".into(), key: "k".into() };
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| ValidatorClient {
                signer: i as u32,
                first: 0,
                count,
                joined: vec![],
                keystore_secrets: vec![],
                password: r.clone(),
            })
            .collect()
    }

    #[test]
    fn even_slices_of_four_lose_one() {
        assert_eq!(tolerable_down(&clients(&[16, 16, 16, 16])), 1);
        assert!(one_down_warning("eth", &clients(&[16, 16, 16, 16])).is_none());
    }

    #[test]
    fn the_stake_budget_is_under_a_third() {
        assert_eq!(stake_budget(&clients(&[16, 16, 16, 16])), 21);
        assert_eq!(stake_budget(&clients(&[1, 1, 1])), 0, "3 validators: none may be down");
        assert_eq!(stake_budget(&clients(&[2, 2])), 1);
        assert_eq!(stake_budget(&[]), 0);
    }

    #[test]
    fn a_third_exactly_is_not_enough() {
        // 3 clients of 21/21/21 (63): one down leaves exactly two thirds.
        assert_eq!(tolerable_down(&clients(&[21, 21, 21])), 0);
        let w = one_down_warning("eth", &clients(&[22, 21, 21])).unwrap();
        assert!(w.contains("eth-validator-0 holds 22 of the 64 validators (34%)"), "{w}");
        assert!(w.contains("42/64 (65%)"), "{w}");
    }

    #[test]
    fn two_halves_lose_none_and_seven_lose_two() {
        assert_eq!(tolerable_down(&clients(&[32, 32])), 0);
        assert_eq!(tolerable_down(&clients(&[10, 9, 9, 9, 9, 9, 9])), 2);
        assert_eq!(tolerable_down(&clients(&[64])), 0);
    }

    #[test]
    fn custody_counts_validator_nodes_and_rpc_nodes() {
        let w = custody_warning(&clients(&[16, 16, 16, 16]), 1);
        assert!(w.contains("the 5 beacon nodes keep at most 68 of the 128"), "{w}");
        let w = custody_warning(&clients(&[2, 2]), 0);
        assert!(w.contains("at most 16 of the 128"), "{w}");
    }
}
