//! miners
