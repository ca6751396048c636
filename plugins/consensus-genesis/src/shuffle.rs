//! Swap-or-not shuffling and the Electra balance-weighted sampling of sync committees and proposers
//! (consensus-specs: `compute_shuffled_index`, `get_seed`, `get_next_sync_committee_indices`,
//! `compute_proposer_index`, Fulu `compute_proposer_indices` / `initialize_proposer_lookahead`).

use crate::preset::{
    DOMAIN_BEACON_PROPOSER, DOMAIN_SYNC_COMMITTEE, MAX_EFFECTIVE_BALANCE_ELECTRA, MIN_SEED_LOOKAHEAD,
    SHUFFLE_ROUND_COUNT, SLOTS_PER_EPOCH, SYNC_COMMITTEE_SIZE,
};
use crate::ssz::{hash, Root};

/// `compute_shuffled_index` for one list size, with the per-round pivots and the 256-position source
/// hashes cached (small validator sets cost 90 source hashes per seed in total) and, optionally, every
/// result memoised (the sync committee draws far more candidates than small sets have validators).
/// One shuffler serves many seeds: `reseed` invalidates the caches in O(1) by a generation counter.
pub(crate) struct Shuffler {
    seed: Root,
    count: u64,
    pivots: [u64; SHUFFLE_ROUND_COUNT as usize],
    buckets: u64,
    /// (generation, hash) per (round, position / 256).
    sources: Vec<(u32, Root)>,
    generation: u32,
    /// Memoised results (`u64::MAX` = not yet computed); empty when memoisation is off.
    memo: Vec<u64>,
}

impl Shuffler {
    /// A shuffler of `count` (> 0) indices under `seed`.
    pub(crate) fn new(seed: Root, count: u64, memoise: bool) -> Self {
        debug_assert!(count > 0);
        let buckets = count.div_ceil(256);
        let mut shuffler = Shuffler {
            seed,
            count,
            pivots: [0; SHUFFLE_ROUND_COUNT as usize],
            buckets,
            sources: vec![(0, [0; 32]); (buckets * SHUFFLE_ROUND_COUNT as u64) as usize],
            generation: 0,
            memo: if memoise { vec![u64::MAX; count as usize] } else { Vec::new() },
        };
        shuffler.reseed(seed);
        shuffler
    }

    /// Switches to another seed over the same list size.
    pub(crate) fn reseed(&mut self, seed: Root) {
        self.seed = seed;
        self.generation += 1;
        for (round, pivot) in self.pivots.iter_mut().enumerate() {
            let mut input = [0u8; 33];
            input[..32].copy_from_slice(&seed);
            input[32] = round as u8;
            *pivot = u64::from_le_bytes(first_8(&hash(&input))) % self.count;
        }
        self.memo.fill(u64::MAX);
    }

    fn source(&mut self, round: u8, bucket: u64) -> Root {
        let slot = &mut self.sources[(round as u64 * self.buckets + bucket) as usize];
        if slot.0 != self.generation {
            let mut input = [0u8; 37];
            input[..32].copy_from_slice(&self.seed);
            input[32] = round;
            // position // 256 fits in uint32 for any list below 2^40 entries.
            input[33..].copy_from_slice(&(bucket as u32).to_le_bytes());
            *slot = (self.generation, hash(&input));
        }
        slot.1
    }

    /// The spec's `compute_shuffled_index(index, count, seed)`.
    pub(crate) fn shuffled_index(&mut self, index: u64) -> u64 {
        debug_assert!(index < self.count);
        if let Some(&known) = self.memo.get(index as usize) {
            if known != u64::MAX {
                return known;
            }
        }
        let mut shuffled = index;
        for round in 0..SHUFFLE_ROUND_COUNT {
            let pivot = self.pivots[round as usize];
            let flip = (pivot + self.count - shuffled) % self.count;
            let position = shuffled.max(flip);
            let source = self.source(round, position / 256);
            let byte = source[((position % 256) / 8) as usize];
            if (byte >> (position % 8)) & 1 == 1 {
                shuffled = flip;
            }
        }
        if let Some(slot) = self.memo.get_mut(index as usize) {
            *slot = shuffled;
        }
        shuffled
    }
}

fn first_8(h: &Root) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&h[..8]);
    out
}

/// `get_seed(state, epoch, domain)` for a genesis state, whose randao mixes all equal `mix`.
pub(crate) fn seed(mix: &Root, epoch: u64, domain: [u8; 4]) -> Root {
    let mut input = Vec::with_capacity(44);
    input.extend_from_slice(&domain);
    input.extend_from_slice(&epoch.to_le_bytes());
    input.extend_from_slice(mix);
    hash(&input)
}

/// The Electra acceptance test shared by sync-committee and proposer sampling: candidate number `i`
/// is accepted with probability `effective_balance / MAX_EFFECTIVE_BALANCE_ELECTRA`, decided by the
/// 16-bit random value at `hash(seed + uint_to_bytes(i // 16))[i % 16 * 2 ..][..2]`.
struct Sampler<'a> {
    seed: Root,
    active: &'a [u64],
    effective_balances: &'a [u64],
    shuffler: &'a mut Shuffler,
    random_block: Option<(u64, Root)>,
}

impl<'a> Sampler<'a> {
    /// A sampler over `active` under the seed `shuffler` was (re)seeded with.
    fn new(seed: Root, active: &'a [u64], effective_balances: &'a [u64], shuffler: &'a mut Shuffler) -> Self {
        Sampler { seed, active, effective_balances, shuffler, random_block: None }
    }

    /// Candidate `i` and whether it is accepted.
    fn candidate(&mut self, i: u64) -> (u64, bool) {
        let total = self.active.len() as u64;
        let candidate = self.active[self.shuffler.shuffled_index(i % total) as usize];
        let block = i / 16;
        let random_bytes = match self.random_block {
            Some((b, bytes)) if b == block => bytes,
            _ => {
                let mut input = [0u8; 40];
                input[..32].copy_from_slice(&self.seed);
                input[32..].copy_from_slice(&block.to_le_bytes());
                let bytes = hash(&input);
                self.random_block = Some((block, bytes));
                bytes
            }
        };
        let offset = ((i % 16) * 2) as usize;
        let random_value = u16::from_le_bytes([random_bytes[offset], random_bytes[offset + 1]]) as u64;
        let effective_balance = self.effective_balances[candidate as usize];
        // effective_balance <= 2048 ETH in gwei: times 65535 stays below 2^64.
        let accepted = effective_balance * 0xffff >= MAX_EFFECTIVE_BALANCE_ELECTRA * random_value;
        (candidate, accepted)
    }
}

/// `get_next_sync_committee_indices` at genesis (current epoch 0, so the seed is that of epoch 1).
/// `active` lists the active validator indices, `effective_balances` is indexed by validator index.
pub(crate) fn sync_committee_indices(mix: &Root, active: &[u64], effective_balances: &[u64]) -> Vec<u64> {
    let epoch = 1;
    let seed = seed(mix, epoch, DOMAIN_SYNC_COMMITTEE);
    let mut shuffler = Shuffler::new(seed, active.len() as u64, true);
    let mut sampler = Sampler::new(seed, active, effective_balances, &mut shuffler);
    let mut indices = Vec::with_capacity(SYNC_COMMITTEE_SIZE);
    let mut i = 0u64;
    while indices.len() < SYNC_COMMITTEE_SIZE {
        let (candidate, accepted) = sampler.candidate(i);
        if accepted {
            indices.push(candidate);
        }
        i += 1;
    }
    indices
}

/// `compute_proposer_index(state, active, seed)`.
fn proposer_index(seed: Root, active: &[u64], effective_balances: &[u64], shuffler: &mut Shuffler) -> u64 {
    shuffler.reseed(seed);
    let mut sampler = Sampler::new(seed, active, effective_balances, shuffler);
    let mut i = 0u64;
    loop {
        let (candidate, accepted) = sampler.candidate(i);
        if accepted {
            return candidate;
        }
        i += 1;
    }
}

/// Fulu `initialize_proposer_lookahead` at genesis: the proposers of epochs 0 ..= MIN_SEED_LOOKAHEAD.
pub(crate) fn proposer_lookahead(mix: &Root, active: &[u64], effective_balances: &[u64]) -> Vec<u64> {
    let mut lookahead = Vec::with_capacity(((MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH) as usize);
    let mut shuffler = Shuffler::new([0; 32], active.len() as u64, false);
    for epoch in 0..=MIN_SEED_LOOKAHEAD {
        let epoch_seed = seed(mix, epoch, DOMAIN_BEACON_PROPOSER);
        for slot in epoch * SLOTS_PER_EPOCH..(epoch + 1) * SLOTS_PER_EPOCH {
            let mut input = [0u8; 40];
            input[..32].copy_from_slice(&epoch_seed);
            input[32..].copy_from_slice(&slot.to_le_bytes());
            lookahead.push(proposer_index(hash(&input), active, effective_balances, &mut shuffler));
        }
    }
    lookahead
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's per-index algorithm, without caches.
    fn reference_shuffled_index(mut index: u64, count: u64, seed: &Root) -> u64 {
        for round in 0..SHUFFLE_ROUND_COUNT {
            let mut pivot_input = seed.to_vec();
            pivot_input.push(round);
            let pivot = u64::from_le_bytes(first_8(&hash(&pivot_input))) % count;
            let flip = (pivot + count - index) % count;
            let position = index.max(flip);
            let mut source_input = pivot_input.clone();
            source_input.extend_from_slice(&((position / 256) as u32).to_le_bytes());
            let source = hash(&source_input);
            if (source[((position % 256) / 8) as usize] >> (position % 8)) & 1 == 1 {
                index = flip;
            }
        }
        index
    }

    #[test]
    fn cached_shuffle_matches_reference_and_is_a_permutation() {
        let seed = hash(b"seed");
        for count in [1u64, 2, 3, 100, 300, 1000] {
            for memoise in [false, true] {
                let mut shuffler = Shuffler::new(hash(b"other"), count, memoise);
                shuffler.shuffled_index(0);
                shuffler.reseed(seed);
                let mut seen = vec![false; count as usize];
                for i in (0..count).chain(0..count) {
                    let s = shuffler.shuffled_index(i);
                    assert_eq!(s, reference_shuffled_index(i, count, &seed));
                    seen[s as usize] = true;
                }
                assert!(seen.iter().all(|s| *s));
            }
        }
    }

    #[test]
    fn sync_committee_has_512_members_from_the_active_set() {
        let active: Vec<u64> = (0..10).collect();
        let balances = vec![32_000_000_000u64; 10];
        let indices = sync_committee_indices(&[3u8; 32], &active, &balances);
        assert_eq!(indices.len(), SYNC_COMMITTEE_SIZE);
        assert!(indices.iter().all(|i| *i < 10));
    }
}
