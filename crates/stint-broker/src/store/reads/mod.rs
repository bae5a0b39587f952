//! The store's reads, once for both backends: statements with `?` placeholders run through
//! `statement::Dialect` on whatever connection the caller holds (a pooled one, or the
//! transaction a claim runs in).

pub(super) mod audit;
pub(super) mod requests;
pub(super) mod tuples;
