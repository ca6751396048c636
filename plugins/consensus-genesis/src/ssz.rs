//! The small part of SSZ the genesis state needs: SHA-256, merkleization with zero-subtree padding,
//! packing of basic values, and a container writer with offsets for variable-size fields.
//!
//! Merkleization never materialises padding: a list of `n` chunks under a limit of `2^d` costs about
//! `n + d` hashes, and a vector of identical chunks (the genesis `randao_mixes`) costs one hash per
//! level. Checked against the executable consensus specs by the repository's `tests/pos/run.sh`.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// A 32-byte SSZ chunk or root.
pub(crate) type Root = [u8; 32];

/// SHA-256 of `data`.
pub(crate) fn hash(data: &[u8]) -> Root {
    Sha256::digest(data).into()
}

/// SHA-256 of the concatenation of two roots.
pub(crate) fn hash_pair(a: &Root, b: &Root) -> Root {
    let mut h = Sha256::new();
    h.update(a);
    h.update(b);
    h.finalize().into()
}

/// Roots of all-zero subtrees: `zero_hash(d)` is the root of a tree of depth `d` with zero leaves.
pub(crate) fn zero_hash(depth: u32) -> Root {
    static ZERO_HASHES: OnceLock<Vec<Root>> = OnceLock::new();
    let table = ZERO_HASHES.get_or_init(|| {
        let mut table = vec![[0u8; 32]];
        for d in 0..64 {
            let below = table[d];
            table.push(hash_pair(&below, &below));
        }
        table
    });
    table[depth as usize]
}

/// Depth of a tree with room for `limit` chunks (`ceil(log2(limit))`, 0 for a limit of 0 or 1).
pub(crate) fn depth_for(limit: u64) -> u32 {
    if limit <= 1 {
        0
    } else {
        64 - (limit - 1).leading_zeros()
    }
}

/// `merkleize(chunks, limit)` of the SSZ spec: the root of `chunks` padded with zero chunks to the next
/// power of two of `limit` (which must be at least `chunks.len()`).
pub(crate) fn merkleize(chunks: &[Root], limit: u64) -> Root {
    debug_assert!(chunks.len() as u64 <= limit.max(1));
    let depth = depth_for(limit);
    if chunks.is_empty() {
        return zero_hash(depth);
    }
    let mut layer: Vec<Root> = chunks.to_vec();
    for d in 0..depth {
        if layer.len() % 2 == 1 {
            layer.push(zero_hash(d));
        }
        layer = layer.chunks_exact(2).map(|pair| hash_pair(&pair[0], &pair[1])).collect();
    }
    layer[0]
}

/// Root of a vector of `2^depth` identical chunks: one hash per level instead of `2^depth`.
pub(crate) fn merkleize_uniform(chunk: &Root, depth: u32) -> Root {
    (0..depth).fold(*chunk, |node, _| hash_pair(&node, &node))
}

/// `mix_in_length` of the SSZ spec: the root of a list.
pub(crate) fn mix_in_length(root: &Root, length: u64) -> Root {
    let mut len = [0u8; 32];
    len[..8].copy_from_slice(&length.to_le_bytes());
    hash_pair(root, &len)
}

/// Root of an empty list whose chunk limit is `limit`.
pub(crate) fn empty_list_root(limit: u64) -> Root {
    mix_in_length(&zero_hash(depth_for(limit)), 0)
}

/// Hash tree root of a `uint64`.
pub(crate) fn u64_root(value: u64) -> Root {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

/// Packs bytes into chunks, zero-padding the last one.
pub(crate) fn pack_bytes(bytes: &[u8]) -> Vec<Root> {
    bytes
        .chunks(32)
        .map(|part| {
            let mut chunk = [0u8; 32];
            chunk[..part.len()].copy_from_slice(part);
            chunk
        })
        .collect()
}

/// Packs `uint64` values, four to a chunk.
pub(crate) fn pack_u64(values: &[u64]) -> Vec<Root> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    pack_bytes(&bytes)
}

/// Hash tree root of a fixed byte vector (`Bytes4`, `Bytes20`, `BLSPubkey`, `ByteVector[256]`, ...).
pub(crate) fn byte_vector_root(bytes: &[u8]) -> Root {
    let chunks = pack_bytes(bytes);
    merkleize(&chunks, chunks.len() as u64)
}

/// Hash tree root of a `ByteList[max_len]`.
pub(crate) fn byte_list_root(bytes: &[u8], max_len: u64) -> Root {
    mix_in_length(&merkleize(&pack_bytes(bytes), max_len.div_ceil(32)), bytes.len() as u64)
}

/// Hash tree root of a container from its field roots.
pub(crate) fn container_root(fields: &[Root]) -> Root {
    merkleize(fields, fields.len() as u64)
}

/// Serialises a container: fixed-size fields in place, variable-size ones behind 4-byte offsets.
#[derive(Default)]
pub(crate) struct ContainerWriter {
    parts: Vec<Part>,
}

enum Part {
    Fixed(Vec<u8>),
    Variable(Vec<u8>),
}

impl ContainerWriter {
    /// Appends a fixed-size field's bytes.
    pub(crate) fn fixed(&mut self, bytes: Vec<u8>) -> &mut Self {
        self.parts.push(Part::Fixed(bytes));
        self
    }

    /// Appends a `uint64` field.
    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.fixed(value.to_le_bytes().to_vec())
    }

    /// Appends a variable-size field's serialisation (an offset goes in the fixed part).
    pub(crate) fn variable(&mut self, bytes: Vec<u8>) -> &mut Self {
        self.parts.push(Part::Variable(bytes));
        self
    }

    /// The serialised container.
    pub(crate) fn finish(&self) -> Vec<u8> {
        let fixed_len: usize = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Fixed(b) => b.len(),
                Part::Variable(_) => 4,
            })
            .sum();
        let var_len: usize = self.parts.iter().map(|p| if let Part::Variable(b) = p { b.len() } else { 0 }).sum();
        let mut out = Vec::with_capacity(fixed_len + var_len);
        let mut offset = fixed_len;
        for part in &self.parts {
            match part {
                Part::Fixed(b) => out.extend_from_slice(b),
                Part::Variable(b) => {
                    // Offsets are 4 bytes in SSZ; a genesis state is far below 4 GiB (MAX_VALIDATORS bounds it).
                    out.extend_from_slice(&(offset as u32).to_le_bytes());
                    offset += b.len();
                }
            }
        }
        for part in &self.parts {
            if let Part::Variable(b) = part {
                out.extend_from_slice(b);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_merkleize(chunks: &[Root], limit: u64) -> Root {
        let width = 1usize << depth_for(limit);
        let mut layer = chunks.to_vec();
        layer.resize(width, [0u8; 32]);
        while layer.len() > 1 {
            layer = layer.chunks(2).map(|p| hash_pair(&p[0], &p[1])).collect();
        }
        layer[0]
    }

    #[test]
    fn merkleize_matches_naive_padding() {
        let chunks: Vec<Root> = (0u8..13).map(|i| [i; 32]).collect();
        for n in 0..=13 {
            for limit in [n as u64, 13, 16, 17, 64, 1000] {
                if limit >= n as u64 {
                    assert_eq!(
                        merkleize(&chunks[..n], limit),
                        naive_merkleize(&chunks[..n], limit),
                        "n={n} limit={limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn uniform_vector_matches_general_merkleize() {
        let chunk = [7u8; 32];
        let chunks = vec![chunk; 1024];
        assert_eq!(merkleize_uniform(&chunk, 10), merkleize(&chunks, 1024));
    }

    #[test]
    fn depth_and_zero_hashes() {
        assert_eq!(depth_for(0), 0);
        assert_eq!(depth_for(1), 0);
        assert_eq!(depth_for(2), 1);
        assert_eq!(depth_for(3), 2);
        assert_eq!(depth_for(1 << 40), 40);
        assert_eq!(zero_hash(1), hash(&[0u8; 64]));
        // zero_hashes[1] is the deposit contract's storage slot 0x22 (known from the genesis generator).
        assert_eq!(hex::encode(zero_hash(1)), "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
    }

    #[test]
    fn empty_deposit_tree_root_is_the_known_value() {
        // hash_tree_root(List[DepositData, 2**32]()) = the deposit contract's get_deposit_root() when empty.
        assert_eq!(
            hex::encode(empty_list_root(1 << 32)),
            "d70a234731285c6804c2a4f56711ddb8c82c99740f207854891028af34e27e5e"
        );
    }

    #[test]
    fn container_writer_offsets() {
        let mut w = ContainerWriter::default();
        w.u64(1).variable(vec![9, 9]).fixed(vec![5]).variable(vec![]);
        assert_eq!(w.finish(), vec![1, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 5, 19, 0, 0, 0, 9, 9]);
    }
}
