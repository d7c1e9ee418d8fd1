//! Maps offsets of joined instruction text (continuations removed) back to source
//! lines and columns.

use crate::ast::Pos;

/// Segments of joined text: each starts at a byte offset and at a source position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    segs: Vec<(usize, Pos)>,
}

impl SourceMap {
    /// Records that text from byte `offset` on starts at `pos`.
    pub fn push(&mut self, offset: usize, pos: Pos) {
        self.segs.push((offset, pos));
    }

    /// The map of the text from `offset` on, rebased so `offset` becomes 0.
    #[must_use]
    pub fn shifted(&self, text: &str, offset: usize) -> SourceMap {
        let mut out = SourceMap::default();
        out.push(0, self.pos(text, offset));
        for &(at, pos) in &self.segs {
            if at > offset {
                out.push(at - offset, pos);
            }
        }
        out
    }

    /// The source position of byte `offset` of `text` (the text this map describes).
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let idx = self.segs.partition_point(|&(at, _)| at <= offset);
        let Some(&(at, start)) = idx.checked_sub(1).and_then(|i| self.segs.get(i)) else {
            return Pos::default();
        };
        let chars = text.get(at..offset).map_or(0, |s| s.chars().count() as u32);
        Pos::new(start.line, start.column + chars)
    }
}

/// The 1-based column of byte `offset` in `line`.
pub fn column(line: &str, offset: usize) -> u32 {
    line.get(..offset)
        .map_or(1, |s| s.chars().count() as u32 + 1)
}

/// Line number type conversion that never panics.
pub fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}
