//! bootnode
