//! The genesis `BeaconState` of Electra or Fulu (mainnet preset): its SSZ serialisation and
//! hash tree root, built like the consensus specs' genesis test helper (`create_genesis_state`) for a
//! post-merge genesis without deposits, as eth-beacon-genesis does.

use crate::preset::*;
use crate::ssz::{
    byte_list_root, byte_vector_root, container_root, empty_list_root, merkleize, merkleize_uniform, mix_in_length,
    pack_u64, u64_root, zero_hash, ContainerWriter, Root,
};
use crate::GenesisFork;

/// A validator record (`Validator` container).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Validator {
    pub(crate) pubkey: [u8; 48],
    pub(crate) withdrawal_credentials: [u8; 32],
    pub(crate) effective_balance: u64,
    pub(crate) activation_eligibility_epoch: u64,
    pub(crate) activation_epoch: u64,
}

impl Validator {
    const SSZ_LEN: usize = 121;

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.pubkey);
        out.extend_from_slice(&self.withdrawal_credentials);
        out.extend_from_slice(&self.effective_balance.to_le_bytes());
        out.push(0); // slashed
        out.extend_from_slice(&self.activation_eligibility_epoch.to_le_bytes());
        out.extend_from_slice(&self.activation_epoch.to_le_bytes());
        out.extend_from_slice(&FAR_FUTURE_EPOCH.to_le_bytes()); // exit_epoch
        out.extend_from_slice(&FAR_FUTURE_EPOCH.to_le_bytes()); // withdrawable_epoch
    }

    fn root(&self) -> Root {
        container_root(&[
            byte_vector_root(&self.pubkey),
            self.withdrawal_credentials,
            u64_root(self.effective_balance),
            [0; 32],
            u64_root(self.activation_eligibility_epoch),
            u64_root(self.activation_epoch),
            u64_root(FAR_FUTURE_EPOCH),
            u64_root(FAR_FUTURE_EPOCH),
        ])
    }
}

/// `hash_tree_root(validators)`: the genesis validators root.
pub(crate) fn validators_root(validators: &[Validator]) -> Root {
    let roots: Vec<Root> = validators.iter().map(Validator::root).collect();
    mix_in_length(&merkleize(&roots, VALIDATOR_REGISTRY_LIMIT), validators.len() as u64)
}

/// The Deneb..Fulu `ExecutionPayloadHeader`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExecutionPayloadHeader {
    pub(crate) parent_hash: [u8; 32],
    pub(crate) fee_recipient: [u8; 20],
    pub(crate) state_root: [u8; 32],
    pub(crate) receipts_root: [u8; 32],
    pub(crate) logs_bloom: [u8; BYTES_PER_LOGS_BLOOM],
    pub(crate) prev_randao: [u8; 32],
    pub(crate) block_number: u64,
    pub(crate) gas_limit: u64,
    pub(crate) gas_used: u64,
    pub(crate) timestamp: u64,
    pub(crate) extra_data: Vec<u8>,
    /// uint256, little-endian as SSZ stores it.
    pub(crate) base_fee_per_gas: [u8; 32],
    pub(crate) block_hash: [u8; 32],
    pub(crate) transactions_root: [u8; 32],
    pub(crate) withdrawals_root: [u8; 32],
    pub(crate) blob_gas_used: u64,
    pub(crate) excess_blob_gas: u64,
}

impl ExecutionPayloadHeader {
    fn ssz(&self) -> Vec<u8> {
        let mut w = ContainerWriter::default();
        w.fixed(self.parent_hash.to_vec())
            .fixed(self.fee_recipient.to_vec())
            .fixed(self.state_root.to_vec())
            .fixed(self.receipts_root.to_vec())
            .fixed(self.logs_bloom.to_vec())
            .fixed(self.prev_randao.to_vec())
            .u64(self.block_number)
            .u64(self.gas_limit)
            .u64(self.gas_used)
            .u64(self.timestamp)
            .variable(self.extra_data.clone())
            .fixed(self.base_fee_per_gas.to_vec())
            .fixed(self.block_hash.to_vec())
            .fixed(self.transactions_root.to_vec())
            .fixed(self.withdrawals_root.to_vec())
            .u64(self.blob_gas_used)
            .u64(self.excess_blob_gas);
        w.finish()
    }

    fn root(&self) -> Root {
        container_root(&[
            self.parent_hash,
            byte_vector_root(&self.fee_recipient),
            self.state_root,
            self.receipts_root,
            byte_vector_root(&self.logs_bloom),
            self.prev_randao,
            u64_root(self.block_number),
            u64_root(self.gas_limit),
            u64_root(self.gas_used),
            u64_root(self.timestamp),
            byte_list_root(&self.extra_data, MAX_EXTRA_DATA_BYTES),
            self.base_fee_per_gas,
            self.block_hash,
            self.transactions_root,
            self.withdrawals_root,
            u64_root(self.blob_gas_used),
            u64_root(self.excess_blob_gas),
        ])
    }
}

/// `hash_tree_root(List[Transaction, MAX_TRANSACTIONS_PER_PAYLOAD]())`: a genesis payload has none.
pub(crate) fn empty_transactions_root() -> Root {
    empty_list_root(MAX_TRANSACTIONS_PER_PAYLOAD)
}

/// `hash_tree_root(List[Withdrawal, MAX_WITHDRAWALS_PER_PAYLOAD]())`.
pub(crate) fn empty_withdrawals_root() -> Root {
    empty_list_root(MAX_WITHDRAWALS_PER_PAYLOAD)
}

/// `hash_tree_root(BeaconBlockBody())` for Electra and Fulu (same container): every field zero or empty.
pub(crate) fn empty_block_body_root() -> Root {
    let zero = [0u8; 32];
    let signature_root = zero_hash(2); // BLSSignature: 96 bytes = 3 chunks, padded to 4
    let eth1_data_root = zero_hash(2); // 3 fields
    let sync_aggregate_root = container_root(&[zero_hash(1), signature_root]); // Bitvector[512] = 2 chunks
    let execution_payload_root = container_root(&[
        zero,                                      // parent_hash
        zero,                                      // fee_recipient
        zero,                                      // state_root
        zero,                                      // receipts_root
        zero_hash(3),                              // logs_bloom: 8 chunks
        zero,                                      // prev_randao
        zero,                                      // block_number
        zero,                                      // gas_limit
        zero,                                      // gas_used
        zero,                                      // timestamp
        byte_list_root(&[], MAX_EXTRA_DATA_BYTES), // extra_data
        zero,                                      // base_fee_per_gas
        zero,                                      // block_hash
        empty_transactions_root(),
        empty_withdrawals_root(),
        zero, // blob_gas_used
        zero, // excess_blob_gas
    ]);
    let execution_requests_root = container_root(&[
        empty_list_root(MAX_DEPOSIT_REQUESTS_PER_PAYLOAD),
        empty_list_root(MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD),
        empty_list_root(MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD),
    ]);
    container_root(&[
        signature_root,
        eth1_data_root,
        zero, // graffiti
        empty_list_root(MAX_PROPOSER_SLASHINGS),
        empty_list_root(MAX_ATTESTER_SLASHINGS_ELECTRA),
        empty_list_root(MAX_ATTESTATIONS_ELECTRA),
        empty_list_root(MAX_DEPOSITS),
        empty_list_root(MAX_VOLUNTARY_EXITS),
        sync_aggregate_root,
        execution_payload_root,
        empty_list_root(MAX_BLS_TO_EXECUTION_CHANGES),
        empty_list_root(MAX_BLOB_COMMITMENTS_PER_BLOCK),
        execution_requests_root,
    ])
}

/// `hash_tree_root(List[DepositData, 2**DEPOSIT_CONTRACT_TREE_DEPTH]())`: the empty deposit tree.
pub(crate) fn empty_deposit_root() -> Root {
    empty_list_root(1u64 << DEPOSIT_CONTRACT_TREE_DEPTH)
}

/// A sync committee: 512 public keys (with repeats) and their aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyncCommittee {
    pub(crate) pubkeys: Vec<[u8; 48]>,
    pub(crate) aggregate_pubkey: [u8; 48],
}

impl SyncCommittee {
    fn ssz(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48 * (SYNC_COMMITTEE_SIZE + 1));
        for pubkey in &self.pubkeys {
            out.extend_from_slice(pubkey);
        }
        out.extend_from_slice(&self.aggregate_pubkey);
        out
    }

    fn root(&self) -> Root {
        let pubkey_roots: Vec<Root> = self.pubkeys.iter().map(|p| byte_vector_root(p)).collect();
        container_root(&[
            merkleize(&pubkey_roots, SYNC_COMMITTEE_SIZE as u64),
            byte_vector_root(&self.aggregate_pubkey),
        ])
    }
}

/// The genesis `BeaconState`; fields not listed are zero or empty at genesis.
#[derive(Clone, Debug)]
pub(crate) struct GenesisState {
    pub(crate) fork: GenesisFork,
    pub(crate) genesis_time: u64,
    pub(crate) genesis_validators_root: Root,
    /// `fork.previous_version` and `fork.current_version` (both the genesis fork's version), epoch 0.
    pub(crate) fork_version: [u8; 4],
    pub(crate) latest_block_body_root: Root,
    pub(crate) eth1_deposit_root: Root,
    pub(crate) eth1_deposit_count: u64,
    pub(crate) eth1_block_hash: Root,
    pub(crate) eth1_deposit_index: u64,
    pub(crate) validators: Vec<Validator>,
    pub(crate) balances: Vec<u64>,
    /// Every entry of `randao_mixes`.
    pub(crate) randao_mix: Root,
    /// Both `current_sync_committee` and `next_sync_committee`.
    pub(crate) sync_committee: SyncCommittee,
    pub(crate) latest_execution_payload_header: ExecutionPayloadHeader,
    pub(crate) deposit_requests_start_index: u64,
    pub(crate) earliest_exit_epoch: u64,
    pub(crate) earliest_consolidation_epoch: u64,
    /// Fulu only: `(MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH` proposer indices.
    pub(crate) proposer_lookahead: Vec<u64>,
}

fn fork_bytes(version: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(&version); // previous_version
    out.extend_from_slice(&version); // current_version
    out.extend_from_slice(&0u64.to_le_bytes()); // epoch
    out
}

fn u64s(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl GenesisState {
    /// `latest_block_header`: every field zero but `body_root` (its `state_root` is filled in by the
    /// first slot processing, so at genesis it is zero).
    fn latest_block_header_ssz(&self) -> Vec<u8> {
        let mut out = vec![0u8; 80];
        out.extend_from_slice(&self.latest_block_body_root);
        out
    }

    /// The SSZ serialisation (genesis.ssz).
    pub(crate) fn ssz(&self) -> Vec<u8> {
        let n = self.validators.len();
        let mut validators = Vec::with_capacity(n * Validator::SSZ_LEN);
        for v in &self.validators {
            v.write(&mut validators);
        }
        let mut eth1_data = self.eth1_deposit_root.to_vec();
        eth1_data.extend_from_slice(&self.eth1_deposit_count.to_le_bytes());
        eth1_data.extend_from_slice(&self.eth1_block_hash);
        let mut randao = Vec::with_capacity(32 * EPOCHS_PER_HISTORICAL_VECTOR as usize);
        for _ in 0..EPOCHS_PER_HISTORICAL_VECTOR {
            randao.extend_from_slice(&self.randao_mix);
        }
        let committee = self.sync_committee.ssz();

        let mut w = ContainerWriter::default();
        w.u64(self.genesis_time)
            .fixed(self.genesis_validators_root.to_vec())
            .u64(0) // slot
            .fixed(fork_bytes(self.fork_version))
            .fixed(self.latest_block_header_ssz())
            .fixed(vec![0; 32 * SLOTS_PER_HISTORICAL_ROOT as usize]) // block_roots
            .fixed(vec![0; 32 * SLOTS_PER_HISTORICAL_ROOT as usize]) // state_roots
            .variable(vec![]) // historical_roots
            .fixed(eth1_data)
            .variable(vec![]) // eth1_data_votes
            .u64(self.eth1_deposit_index)
            .variable(validators)
            .variable(u64s(&self.balances))
            .fixed(randao)
            .fixed(vec![0; 8 * EPOCHS_PER_SLASHINGS_VECTOR as usize]) // slashings
            .variable(vec![0; n]) // previous_epoch_participation
            .variable(vec![0; n]) // current_epoch_participation
            .fixed(vec![0]) // justification_bits
            .fixed(vec![0; 40]) // previous_justified_checkpoint
            .fixed(vec![0; 40]) // current_justified_checkpoint
            .fixed(vec![0; 40]) // finalized_checkpoint
            .variable(vec![0; 8 * n]) // inactivity_scores
            .fixed(committee.clone()) // current_sync_committee
            .fixed(committee) // next_sync_committee
            .variable(self.latest_execution_payload_header.ssz())
            .u64(0) // next_withdrawal_index
            .u64(0) // next_withdrawal_validator_index
            .variable(vec![]) // historical_summaries
            .u64(self.deposit_requests_start_index)
            .u64(0) // deposit_balance_to_consume
            .u64(0) // exit_balance_to_consume
            .u64(self.earliest_exit_epoch)
            .u64(0) // consolidation_balance_to_consume
            .u64(self.earliest_consolidation_epoch)
            .variable(vec![]) // pending_deposits
            .variable(vec![]) // pending_partial_withdrawals
            .variable(vec![]); // pending_consolidations
        if self.fork == GenesisFork::Fulu {
            w.fixed(u64s(&self.proposer_lookahead));
        }
        w.finish()
    }

    /// `hash_tree_root(state)`.
    pub(crate) fn root(&self) -> Root {
        let n = self.validators.len() as u64;
        let zero = [0u8; 32];
        // Lists of uint64 / uint8 pack 4 / 32 values per chunk; all-zero chunks form zero subtrees.
        let u64_list_limit = VALIDATOR_REGISTRY_LIMIT / 4;
        let u8_list_limit = VALIDATOR_REGISTRY_LIMIT / 32;
        let participation_root = mix_in_length(&zero_hash(crate::ssz::depth_for(u8_list_limit)), n);
        let checkpoint_root = zero_hash(1);
        let committee_root = self.sync_committee.root();
        let mut fields = vec![
            u64_root(self.genesis_time),
            self.genesis_validators_root,
            zero, // slot
            container_root(&[byte_vector_root(&self.fork_version), byte_vector_root(&self.fork_version), zero]),
            container_root(&[zero, zero, zero, zero, self.latest_block_body_root]),
            zero_hash(crate::ssz::depth_for(SLOTS_PER_HISTORICAL_ROOT)), // block_roots
            zero_hash(crate::ssz::depth_for(SLOTS_PER_HISTORICAL_ROOT)), // state_roots
            empty_list_root(HISTORICAL_ROOTS_LIMIT),
            container_root(&[self.eth1_deposit_root, u64_root(self.eth1_deposit_count), self.eth1_block_hash]),
            empty_list_root(ETH1_DATA_VOTES_LIMIT),
            u64_root(self.eth1_deposit_index),
            self.genesis_validators_root, // validators: same list, same root
            mix_in_length(&merkleize(&pack_u64(&self.balances), u64_list_limit), n),
            merkleize_uniform(&self.randao_mix, crate::ssz::depth_for(EPOCHS_PER_HISTORICAL_VECTOR)),
            zero_hash(crate::ssz::depth_for(EPOCHS_PER_SLASHINGS_VECTOR / 4)), // slashings
            participation_root,
            participation_root,
            zero, // justification_bits
            checkpoint_root,
            checkpoint_root,
            checkpoint_root,
            mix_in_length(&zero_hash(crate::ssz::depth_for(u64_list_limit)), n), // inactivity_scores
            committee_root,
            committee_root,
            self.latest_execution_payload_header.root(),
            zero,                                    // next_withdrawal_index
            zero,                                    // next_withdrawal_validator_index
            empty_list_root(HISTORICAL_ROOTS_LIMIT), // historical_summaries
            u64_root(self.deposit_requests_start_index),
            zero, // deposit_balance_to_consume
            zero, // exit_balance_to_consume
            u64_root(self.earliest_exit_epoch),
            zero, // consolidation_balance_to_consume
            u64_root(self.earliest_consolidation_epoch),
            empty_list_root(PENDING_DEPOSITS_LIMIT),
            empty_list_root(PENDING_PARTIAL_WITHDRAWALS_LIMIT),
            empty_list_root(PENDING_CONSOLIDATIONS_LIMIT),
        ];
        if self.fork == GenesisFork::Fulu {
            let chunks = pack_u64(&self.proposer_lookahead);
            fields.push(merkleize(&chunks, chunks.len() as u64));
        }
        container_root(&fields)
    }
}

/// `hash_tree_root(BeaconBlockHeader(slot=0, proposer_index=0, parent_root=0, state_root, body_root))`:
/// the genesis block root clients derive from the state.
pub(crate) fn genesis_block_root(state_root: &Root, body_root: &Root) -> Root {
    let zero = [0u8; 32];
    container_root(&[zero, zero, zero, *state_root, *body_root])
}

/// `compute_fork_data_root(version, genesis_validators_root)`.
pub(crate) fn fork_data_root(version: [u8; 4], genesis_validators_root: &Root) -> Root {
    container_root(&[byte_vector_root(&version), *genesis_validators_root])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_payload_list_roots() {
        // Values from the executable specs: hash_tree_root(List[Transaction, 2**20]()) and
        // hash_tree_root(List[Withdrawal, 16]()).
        assert_eq!(
            hex::encode(empty_transactions_root()),
            "7ffe241ea60187fdb0187bfa22de35d1f9bed7ab061d9401fd47e34a54fbede1"
        );
        assert_eq!(
            hex::encode(empty_withdrawals_root()),
            "792930bbd5baac43bcc798ee49aa8185ef76bb3b44ba62b91d86ae569e4bb535"
        );
    }
}
