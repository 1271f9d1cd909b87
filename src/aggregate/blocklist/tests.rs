//! Unit and property tests of the blocklist builder.
