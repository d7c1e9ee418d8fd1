//! The error of [`crate::Version::parse`].

use std::fmt;

use crate::Ecosystem;

/// Why a version string was rejected, with which ecosystem and which input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("invalid {ecosystem} version {input:?}: {reason}")]
pub struct VersionError {
    /// The ecosystem whose rules rejected the input.
    pub ecosystem: Ecosystem,
    /// The rejected input (cut to its first 64 characters when it is too long).
    pub input: String,
    /// What is wrong with it.
    pub reason: Reason,
}

impl VersionError {
    pub(crate) fn new(ecosystem: Ecosystem, input: &str, reason: Reason) -> Self {
        let input = if input.len() > 64 {
            let cut = (0..=64)
                .rev()
                .find(|&i| input.is_char_boundary(i))
                .unwrap_or(0);
            format!("{}…", input.get(..cut).unwrap_or(""))
        } else {
            input.to_owned()
        };
        VersionError {
            ecosystem,
            input,
            reason,
        }
    }
}

/// The reason a version string is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The string is empty (or only white space).
    Empty,
    /// The string is longer than [`crate::MAX_LEN`] bytes.
    TooLong,
    /// The string breaks the ecosystem's syntax; the text says how.
    Syntax(&'static str),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Empty => f.write_str("version is empty"),
            Reason::TooLong => write!(f, "version is longer than {} bytes", crate::MAX_LEN),
            Reason::Syntax(why) => f.write_str(why),
        }
    }
}
