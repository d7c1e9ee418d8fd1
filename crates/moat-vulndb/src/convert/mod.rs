//! Converters from non-OSV advisory formats to [`Record`](crate::Record)s.

pub mod alpine;
pub mod debian;
pub mod rubysec;
