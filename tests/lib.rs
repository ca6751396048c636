//! Helpers shared by the end-to-end tests: where the built binary and plugins are.
