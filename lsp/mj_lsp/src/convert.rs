//! Between the protocol's positions (lines and UTF-16 columns, `file:` URIs) and the
//! frontend's byte offsets and paths.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};
use mj_syntax::Span;

/// Where the lines of a text start, to turn byte offsets into positions and back.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col: usize = self.text[start..end].chars().map(char::len_utf16).sum();
        Position::new(line as u32, col as u32)
    }

    /// `position` for offsets asked in increasing order (a file's tokens): each costs the
    /// text since the one before, not a search and its line's prefix.
    pub fn positions(&self) -> impl FnMut(usize) -> Position + '_ {
        let (mut line, mut at, mut col) = (0usize, 0usize, 0usize);
        move |offset: usize| {
            let mut offset = offset.min(self.text.len());
            while !self.text.is_char_boundary(offset) {
                offset -= 1;
            }
            if offset < at {
                let p = self.position(offset);
                (line, at, col) = (p.line as usize, offset, p.character as usize);
                return p;
            }
            while self.starts.get(line + 1).is_some_and(|&s| s <= offset) {
                line += 1;
                (at, col) = (self.starts[line], 0);
            }
            col += self.text[at..offset]
                .chars()
                .map(char::len_utf16)
                .sum::<usize>();
            at = offset;
            Position::new(line as u32, col as u32)
        }
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of a position (clamped to its line and to the text).
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.text.len(), |e| e - 1);
        let mut units = 0u32;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= p.character {
                return start + i;
            }
            units += c.len_utf16() as u32;
        }
        end
    }
}

/// The path of a `file:` URI (percent-escapes decoded).
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str().strip_prefix("file://")?;
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// The `file:` URI of a path (characters outside the unreserved set escaped).
pub fn uri_of(path: &Path) -> Uri {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut s = String::from("file://");
    for b in abs.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse()
        .unwrap_or_else(|_| "file:///".parse().expect("a valid URI"))
}

/// Applies one change of `didChange` to a text: a range replaced, or the whole text.
pub fn apply_change(text: &mut String, range: Option<Range>, new: &str) {
    match range {
        None => *text = new.to_string(),
        Some(r) => {
            let idx = LineIndex::new(text);
            let (a, b) = (idx.offset(r.start), idx.offset(r.end));
            let (a, b) = (a.min(b), a.max(b));
            text.replace_range(a..b, new);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let t = "a😀b\nxyz";
        let idx = LineIndex::new(t);
        assert_eq!(idx.position(5), Position::new(0, 3));
        assert_eq!(idx.offset(Position::new(0, 3)), 5);
        assert_eq!(idx.offset(Position::new(1, 2)), 9);
        assert_eq!(idx.position(t.len()), Position::new(1, 3));
        assert_eq!(idx.offset(Position::new(9, 0)), t.len());
    }

    #[test]
    fn positions_in_order_match_position() {
        let t = "a😀b\n\nxyz é\n  q";
        let idx = LineIndex::new(t);
        let mut at = idx.positions();
        for offset in [0, 1, 5, 6, 7, 9, 11, 13, 14, 16, 3, 17, t.len() + 4] {
            let want = idx.position(offset);
            assert_eq!(at(offset), want, "offset {offset}");
        }
    }

    #[test]
    fn edits_and_uris() {
        let mut t = String::from("def f():\n    pass\n");
        apply_change(
            &mut t,
            Some(Range::new(Position::new(1, 4), Position::new(1, 8))),
            "return",
        );
        assert_eq!(t, "def f():\n    return\n");
        let u = uri_of(Path::new("/tmp/a b.mj"));
        assert_eq!(u.as_str(), "file:///tmp/a%20b.mj");
        assert_eq!(path_of(&u), Some(PathBuf::from("/tmp/a b.mj")));
    }
}
