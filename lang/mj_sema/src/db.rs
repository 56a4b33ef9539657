//! The salsa database: source files are inputs; parsing and checking are tracked queries.
//!
//! Only one owner holds `&mut` to the database (to set inputs); readers work on clones.
//! The standard library's files are set with high durability, so editing a user file
//! does not revalidate queries over the library.

use std::sync::Arc;

use mj_syntax::ast::{Module, Stmt, StmtKind};
use mj_syntax::spans::{shift_diag, shift_stmt};
use mj_syntax::{Diag, Span};

use crate::check::tables::{Part, Reads};
use crate::check::{
    CheckResult, ItemPart, Items, Lines, ModuleInput, assemble, assemble_diags, check_body_lazy,
    check_consts, collect_items, strip_stmt,
};
use crate::tir::TFunction;
use crate::ty::Targs;

/// One source file: its dotted module name, its path (for messages) and its text.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub module: String,
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The set of files making up one program; `files[0]` is the main module. `target` is
/// what it is checked for: the same files checked for another target are another
/// `Program` (the parses are shared; items and bodies are checked again). With
/// `stable_ids` (the editor's programs), the main module's functions and structs take
/// ids kept by name, so an item inserted before others re-checks none of them; such a
/// program is checked, not lowered (`check::stable_ids`).
#[salsa::input(debug)]
pub struct Program {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    #[returns(ref)]
    pub target: mj_target::Target,
    pub stable_ids: bool,
}

/// The parse of one file. Equality is by content, so an edit that leaves the tree
/// unchanged (whitespace inside a line, say) does not re-run the checker.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub module: Arc<Module>,
    pub diags: Vec<Diag>,
}

/// A file's top-level items (`mj_syntax::item_ranges`), each a query of its own text and
/// position, with where it starts in the file. An edit re-parses the item it touches; the
/// others, also those it moves, come from the memo.
#[salsa::tracked(returns(ref))]
pub fn file_items<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
) -> Vec<(ItemText<'db>, u32)> {
    let text = file.text(db);
    let split = |ranges: Vec<(usize, usize)>| -> Vec<(ItemSource<'db>, u32)> {
        ranges
            .into_iter()
            .map(|(start, end)| {
                let src = ItemSource::new(db, text[start..end].to_string());
                (src, start as u32)
            })
            .collect()
    };
    let mut sources = split(mj_syntax::item_ranges(text));
    // (Where an item's tokens are broken, the split is a recovery: a bracket left open
    // ends with its item, `mj_syntax::item_ranges`, and a triple-quoted string left open
    // ends before the next definition at column 0 when the plain split has an item with
    // an error, `mj_syntax::string_cut_ranges`. Such an item reports its syntax errors
    // only, `diagnostics`.)
    // (The second scan only where an item has an error: valid code is scanned once.)
    if sources
        .iter()
        .any(|(src, _)| parse_item(db, *src).diags.iter().any(|d| d.is_error()))
        && let Some(cut) = mj_syntax::string_cut_ranges(text)
    {
        sources = split(cut);
    }
    // Each item takes one place, and one more per member of its structs and traits.
    let sizes: Vec<usize> = sources
        .iter()
        .map(|(src, _)| 1 + item_layout(db, *src).members.len())
        .collect();
    let placed = sources
        .iter()
        .all(|(src, _)| item_layout(db, *src).largest < ITEM_SIZE);
    let slots = place_slots(db, &sources, &sizes);
    sources
        .into_iter()
        .zip(slots)
        .map(|((src, start), k)| {
            let base = match k {
                Some(k) if placed => place_base(k),
                _ => start,
            };
            (ItemText::new(db, src, base), start)
        })
        .collect()
}

/// The first place of each item (its members' places follow it): where a hash of the
/// item's name puts it, so that an item inserted or removed elsewhere in the file leaves
/// the places of the others, and so their checked bodies, as they were (ids keyed by
/// name, as in rust-analyzer's item tree). A crowded file numbers its places in order;
/// one with more places than the positions hold has none.
fn place_slots(
    db: &dyn salsa::Database,
    sources: &[(ItemSource<'_>, u32)],
    sizes: &[usize],
) -> Vec<Option<usize>> {
    let total: usize = sizes.iter().sum();
    if total > MAX_PLACES {
        return vec![None; sizes.len()];
    }
    if total > MAX_PLACES / 2 {
        let mut k = 0;
        return sizes
            .iter()
            .map(|n| {
                k += n;
                Some(k - n)
            })
            .collect();
    }
    let mut used = vec![false; MAX_PLACES];
    let mut seen: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    sources
        .iter()
        .zip(sizes)
        .map(|((src, _), &n)| {
            // (Items of one name, overloads say, are told apart by their order.)
            let key = item_key(db, *src);
            let nth = seen.entry(key).or_insert(0);
            *nth += 1;
            let mut at = (crate::check::stable_ids::mix(key ^ *nth) as usize) % MAX_PLACES;
            loop {
                if at + n > MAX_PLACES {
                    at = 0;
                }
                match used[at..at + n].iter().position(|u| *u) {
                    None => break,
                    Some(i) => at += i + 1,
                }
            }
            used[at..at + n].iter_mut().for_each(|u| *u = true);
            Some(at)
        })
        .collect()
}

/// What names an item for its place: the kind and name of a definition, else its text.
fn item_key(db: &dyn salsa::Database, src: ItemSource<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    match parse_item(db, src).body.first().map(|s| &s.kind) {
        Some(StmtKind::Def(d)) => ("def", &d.name.name).hash(&mut h),
        Some(StmtKind::Struct(sd)) => ("struct", &sd.name.name).hash(&mut h),
        Some(StmtKind::Trait(td)) => ("trait", &td.name.name).hash(&mut h),
        _ => src.text(db).hash(&mut h),
    }
    h.finish()
}

// Item positions. The checker reads each item's tree with its spans moved to places of
// the item's own (`ItemText::base`): `AT_ITEM`, a place number, then the offset from the
// place's origin. An item takes one place (origin: where it starts), and each member of
// its structs and traits one more (origin: where the member starts), so an edit that
// changes the length of one body leaves every other function's tree equal, also the
// other methods of its struct (as rust-analyzer's item-relative positions). The
// diagnostics the database hands out are moved back to the file's offsets
// (`real_span`); line numbers come from `ItemLines`. A file with more places, or a
// place larger, than the positions hold keeps the file's offsets.

/// The bit that marks a span at an item position (a file's own offsets stay below it).
pub const AT_ITEM: u32 = 1 << 31;
pub(crate) const PLACE_BITS: u32 = 18;
/// The largest place (bytes) and the most places of a file that item positions hold.
const ITEM_SIZE: usize = 1 << PLACE_BITS;
const MAX_PLACES: usize = 1 << (31 - PLACE_BITS);

fn place_base(k: usize) -> u32 {
    AT_ITEM | ((k as u32) << PLACE_BITS)
}

/// The place number of a span at an item position, and the offset from its origin.
fn place_of(offset: u32) -> Option<(usize, u32)> {
    (offset & AT_ITEM != 0).then(|| {
        (
            ((offset & !AT_ITEM) >> PLACE_BITS) as usize,
            offset & (ITEM_SIZE as u32 - 1),
        )
    })
}

/// The places of a file: where each one's origin is in the file's text, the item it
/// belongs to (by index in `file_items`) and its number, in the file's order; and by
/// number, the index of each in that list.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Places {
    pub list: Vec<(u32, u32, u32)>,
    by_number: Vec<u32>,
}

impl Places {
    /// Place `k`: its origin and item, and the origin of the next place of its item.
    fn get(&self, k: usize) -> Option<((u32, u32), Option<u32>)> {
        let i = *self.by_number.get(k)? as usize;
        let (origin, item, _) = *self.list.get(i)?;
        let next = self
            .list
            .get(i + 1)
            .filter(|(_, it, _)| *it == item)
            .map(|(o, _, _)| *o);
        Some(((origin, item), next))
    }
}

#[salsa::tracked(returns(ref))]
pub fn file_places(db: &dyn salsa::Database, file: SourceFile) -> Places {
    let mut list = Vec::new();
    for (i, (item, start)) in file_items(db, file).iter().enumerate() {
        let Some((k, _)) = place_of(item.base(db)) else {
            return Places::default();
        };
        list.push((*start, i as u32, k as u32));
        for (j, m) in item_layout(db, item.source(db)).members.iter().enumerate() {
            list.push((start + m, i as u32, (k + 1 + j) as u32));
        }
    }
    let mut by_number = vec![u32::MAX; MAX_PLACES];
    for (i, (_, _, k)) in list.iter().enumerate() {
        by_number[*k as usize] = i as u32;
    }
    Places { list, by_number }
}

/// Where `offset` (a file offset, or an item position of file `file`) is in the file's text.
pub fn real_offset(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> u32 {
    let Some((k, rel)) = place_of(offset) else {
        return offset;
    };
    let len = file.text(db).len() as u32;
    match file_places(db, file).get(k) {
        Some(((origin, _), _)) => (origin + rel).min(len),
        None => len,
    }
}

/// Where file offset `offset` of file `file` is for the checker: its item position (the
/// file offset itself where the file has none).
pub fn item_offset(db: &dyn salsa::Database, file: SourceFile, offset: u32) -> u32 {
    let places = &file_places(db, file).list;
    if places.is_empty() {
        return offset;
    }
    let i = places
        .partition_point(|(origin, _, _)| *origin <= offset)
        .saturating_sub(1);
    match places.get(i) {
        Some((origin, _, k)) => place_base(*k as usize) + (offset - origin.min(&offset)),
        None => offset,
    }
}

/// `span` where the file's text has it.
pub fn real_span(db: &dyn salsa::Database, file: SourceFile, span: Span) -> Span {
    Span {
        start: real_offset(db, file, span.start),
        end: real_offset(db, file, span.end),
    }
}

/// A diagnostic of file `file` with its spans where the file's text has them.
pub fn real_diag(db: &dyn salsa::Database, file: SourceFile, d: &Diag) -> Diag {
    let mut d = d.clone();
    d.span = real_span(db, file, d.span);
    for l in &mut d.labels {
        l.span = real_span(db, file, l.span);
    }
    d
}

/// Diagnostics by module index, moved to their files' offsets.
fn real_diags(db: &dyn salsa::Database, program: Program, diags: &mut [(usize, Diag)]) {
    let files = program.files(db);
    for (m, d) in diags {
        if let Some(f) = files.get(*m) {
            *d = real_diag(db, *f, d);
        }
    }
}

/// The whole parse of a file, assembled from its items (for the readers that walk the
/// whole tree; the checker's queries read the items).
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let mut body = Vec::new();
    let mut diags = Vec::new();
    for (item, start) in file_items(db, file) {
        let p = parse_item(db, item.source(db));
        body.extend(p.body.iter().map(|s| moved(s, *start)));
        diags.extend(p.diags.iter().map(|d| moved_diag(d, *start)));
    }
    let (module, diags) = mj_syntax::assemble(body, diags);
    Parsed {
        module: Arc::new(module),
        diags,
    }
}

/// A file's syntax diagnostics, as `parse` orders them, without assembling its tree.
#[salsa::tracked(returns(ref))]
pub fn syntax_diags(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diag> {
    let diags = file_items(db, file)
        .iter()
        .flat_map(|(item, start)| {
            parse_item(db, item.source(db))
                .diags
                .iter()
                .map(|d| moved_diag(d, *start))
        })
        .collect();
    mj_syntax::assemble(Vec::new(), diags).1
}

/// One top-level item's text.
#[salsa::interned(debug)]
pub struct ItemSource<'db> {
    #[returns(ref)]
    pub text: String,
}

/// One top-level item and the place its tree is kept at for the checker (its first item
/// position, or where it starts in its file when the file has none). Where it starts is
/// not part of it: an edit that moves an item keeps it.
#[salsa::interned(debug)]
pub struct ItemText<'db> {
    #[returns(copy)]
    pub source: ItemSource<'db>,
    #[returns(copy)]
    pub base: u32,
}

impl<'db> ItemText<'db> {
    pub fn text_of(self, db: &'db dyn salsa::Database) -> &'db str {
        self.source(db).text(db)
    }
}

/// The statements and diagnostics of one item, and whether its tokens and layout were
/// clean.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedItem {
    /// (Shared, so that a function's `fn_syntax` is its statement without a copy.)
    pub body: Vec<Arc<Stmt>>,
    pub diags: Vec<Diag>,
    pub clean: bool,
}

/// Where the members of an item's structs and traits start (from the item's start; each
/// is a place of its own), and the largest extent of a place.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemLayout {
    pub members: Vec<u32>,
    pub largest: usize,
}

#[salsa::tracked(returns(ref))]
pub fn item_layout<'db>(db: &'db dyn salsa::Database, src: ItemSource<'db>) -> ItemLayout {
    let mut members = Vec::new();
    for s in &parse_item(db, src).body {
        for m in members_of(s) {
            members.push(first_byte(m));
        }
    }
    // (A member's place runs from its start to the next one's, the last to the item's end.)
    let len = src.text(db).len() as u32;
    let mut largest = members.first().copied().unwrap_or(len) as usize;
    for (i, m) in members.iter().enumerate() {
        let next = members.get(i + 1).copied().unwrap_or(len);
        largest = largest.max(next.saturating_sub(*m) as usize);
    }
    ItemLayout { members, largest }
}

/// The members of a struct or trait statement (each has a place of its own).
fn members_of(s: &Stmt) -> &[Stmt] {
    match &s.kind {
        StmtKind::Struct(sd) => &sd.body,
        StmtKind::Trait(td) => &td.body,
        _ => &[],
    }
}

/// The first byte a statement's spans cover (a decorator may start before its `def`).
fn first_byte(s: &Stmt) -> u32 {
    let mut s = s.clone();
    let mut lo = u32::MAX;
    mj_syntax::spans::stmt_spans(&mut s, &mut |sp| lo = lo.min(sp.start));
    lo
}

/// An item parsed on its own (its spans start at 0): the same wherever it sits.
#[salsa::tracked(returns(ref))]
pub fn parse_item<'db>(db: &'db dyn salsa::Database, src: ItemSource<'db>) -> ParsedItem {
    let (body, diags, clean) = mj_syntax::parse_item(src.text(db), 0);
    ParsedItem {
        body: body.into_iter().map(Arc::new).collect(),
        diags,
        clean,
    }
}

/// `stmt` with its spans `delta` bytes further on.
fn moved(stmt: &Stmt, delta: u32) -> Stmt {
    let mut s = stmt.clone();
    shift_stmt(&mut s, delta);
    s
}

/// `d` with its spans `delta` bytes further on.
fn moved_diag(d: &Diag, delta: u32) -> Diag {
    let mut d = d.clone();
    shift_diag(&mut d, delta);
    d
}

/// One item's statements at its item positions (`ItemText::base`): what the checker
/// reads. The members of its structs and traits are each at a place of their own.
#[salsa::tracked(returns(ref))]
pub fn item_body<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> Vec<Arc<Stmt>> {
    let body = &parse_item(db, item.source(db)).body;
    let base = item.base(db);
    if place_of(base).is_none() {
        // The file's own offsets.
        return body.iter().map(|s| Arc::new(moved(s, base))).collect();
    }
    // The members' origins, in the order the layout found them.
    let mut origins = item_layout(db, item.source(db)).members.iter();
    let mut next = base;
    body.iter()
        .map(|s| {
            let mut s = (**s).clone();
            let mut members = match &mut s.kind {
                StmtKind::Struct(sd) => std::mem::take(&mut sd.body),
                StmtKind::Trait(td) => std::mem::take(&mut td.body),
                _ => Vec::new(),
            };
            shift_stmt(&mut s, base);
            for m in &mut members {
                next += 1 << PLACE_BITS;
                let origin = origins.next().copied().unwrap_or(0);
                shift_stmt(m, next.wrapping_sub(origin));
            }
            match &mut s.kind {
                StmtKind::Struct(sd) => sd.body = members,
                StmtKind::Trait(td) => td.body = members,
                _ => {}
            }
            Arc::new(s)
        })
        .collect()
}

/// A file's whole tree at item positions: what compile-time evaluation reads of the
/// bodies of a module (`check_body_lazy`'s `fetch`).
#[salsa::tracked(returns(ref))]
pub fn item_module(db: &dyn salsa::Database, file: SourceFile) -> Arc<Module> {
    let body = file_items(db, file)
        .iter()
        .flat_map(|(item, _)| item_body(db, *item).iter().map(|s| (**s).clone()))
        .collect();
    Arc::new(mj_syntax::assemble(body, Vec::new()).0)
}

/// Place number `index` of a file (`file_places`).
#[salsa::interned(debug)]
pub struct PlaceSlot<'db> {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(copy)]
    pub index: u32,
}

/// The lines of one place: the line its origin is on (1-based), the origin's column (in
/// bytes), and where its lines start from the origin. An edit elsewhere that adds no
/// line above it leaves it equal.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceLines {
    pub first: u32,
    pub column: u32,
    pub starts: Vec<u32>,
}

#[salsa::tracked(returns(ref))]
pub fn place_lines<'db>(db: &'db dyn salsa::Database, slot: PlaceSlot<'db>) -> Option<PlaceLines> {
    let file = slot.file(db);
    let ((origin, item), next) = file_places(db, file).get(slot.index(db) as usize)?;
    // The place runs to the next place of its item, or to the item's end.
    let (it, start) = file_items(db, file).get(item as usize)?;
    let end = next.unwrap_or(start + it.text_of(db).len() as u32);
    let text = file.text(db);
    let lines = line_index(db, file);
    let first = crate::check::line_of(lines, origin);
    let column = origin - lines.line_start(origin);
    // (Blank lines at the end of a place hold no code: a function added after the last
    // one, which moves where its item ends, leaves its lines equal.)
    let place = text.get(origin as usize..end as usize)?;
    let starts = crate::check::line_starts(place.trim_end());
    Some(PlaceLines {
        first,
        column,
        starts,
    })
}

/// Where the lines of one place start, from its origin, and the origin's column: what a
/// body's check reads (its lines relative to the place). A line added above the place
/// leaves it equal.
#[salsa::tracked(returns(ref))]
pub fn place_shape<'db>(
    db: &'db dyn salsa::Database,
    slot: PlaceSlot<'db>,
) -> Option<(u32, Vec<u32>)> {
    place_lines(db, slot)
        .as_ref()
        .map(|pl| (pl.column, pl.starts.clone()))
}

/// The line (1-based, in the file) a place's origin is on.
#[salsa::tracked]
pub fn place_first<'db>(db: &'db dyn salsa::Database, slot: PlaceSlot<'db>) -> Option<u32> {
    place_lines(db, slot).as_ref().map(|pl| pl.first)
}

// Lines at item positions: a body's typed IR holds its line numbers relative to their
// place (`LINE_AT_PLACE`, the place, the line from the place's first), so a line added
// above a function leaves its `infer` equal; `Lines::absolute` gives the file's line
// where a number is shown, and `check` turns every line into the file's before lowering.
const LINE_AT_PLACE: u32 = 1 << 31;
const LINE_BITS: u32 = 18;

/// The lines of one file for the checker (`check::Lines`), for spans at item positions
/// and at file offsets. A function's check reads the lines of the places its spans are in
/// only, so a line added above them changes its line numbers but nothing else does.
pub struct ItemLines<'a> {
    db: &'a dyn salsa::Database,
    file: SourceFile,
    /// The start of each line asked about, for `span_of_line`.
    seen: std::cell::RefCell<std::collections::HashMap<u32, u32>>,
}

impl<'a> ItemLines<'a> {
    pub fn new(db: &'a dyn salsa::Database, file: SourceFile) -> ItemLines<'a> {
        ItemLines {
            db,
            file,
            seen: Default::default(),
        }
    }

    /// The line of `offset` and where that line starts (in `offset`'s coordinates).
    fn locate(&self, offset: u32) -> (u32, u32) {
        let (line, start) = match place_of(offset) {
            None => {
                let starts = line_index(self.db, self.file);
                let line = crate::check::line_of(starts, offset);
                (line, starts.line_start(offset))
            }
            Some((k, rel)) => {
                let slot = PlaceSlot::new(self.db, self.file, k as u32);
                let Some((column, starts)) = place_shape(self.db, slot) else {
                    return (1, offset);
                };
                let r = crate::check::line_of(starts, rel).max(1);
                let origin = offset - rel;
                // (The first line starts before the origin, at its column.)
                let at = match r {
                    1 => origin.wrapping_sub(*column),
                    _ => origin + starts.get(r as usize - 1).copied().unwrap_or(0),
                };
                let r = r.min((1 << LINE_BITS) - 1);
                (LINE_AT_PLACE | (k as u32) << LINE_BITS | r, at)
            }
        };
        self.seen.borrow_mut().insert(line, start);
        (line, start)
    }
}

impl Lines for ItemLines<'_> {
    fn line(&self, offset: u32) -> u32 {
        self.locate(offset).0
    }

    fn line_start(&self, offset: u32) -> u32 {
        self.locate(offset).1
    }

    fn span_of_line(&self, line: u32) -> Span {
        match self.seen.borrow().get(&line) {
            Some(at) => Span {
                start: *at,
                end: *at,
            },
            None => line_index(self.db, self.file).span_of_line(self.absolute(line)),
        }
    }

    fn absolute(&self, line: u32) -> u32 {
        if line & LINE_AT_PLACE == 0 {
            return line;
        }
        let k = (line & !LINE_AT_PLACE) >> LINE_BITS;
        let r = line & ((1 << LINE_BITS) - 1);
        let slot = PlaceSlot::new(self.db, self.file, k);
        place_first(self.db, slot).map_or(1, |first| first + r - 1)
    }
}

/// Where each line of a file starts, for turning offsets into line numbers.
#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn salsa::Database, file: SourceFile) -> Vec<u32> {
    crate::check::line_starts(file.text(db))
}

/// What the import discovery reads of one item: its import statements (top-level, and
/// inside its functions) and which prelude modules its text may use.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFacts {
    pub top_imports: Vec<mj_syntax::ast::Stmt>,
    pub inner_imports: Vec<mj_syntax::ast::Stmt>,
    /// Whether the item mentions a prelude name, then one flag per `PRELUDE_MODULES` entry.
    pub mentions: Vec<bool>,
}

#[salsa::tracked(returns(ref))]
pub fn item_facts<'db>(db: &'db dyn salsa::Database, item: ItemText<'db>) -> ItemFacts {
    use crate::imports as im;
    use mj_syntax::ast::StmtKind;
    let text = item.text_of(db);
    let module = Module {
        docstring: None,
        body: item_body(db, item).iter().map(|s| (**s).clone()).collect(),
    };
    let body = &module.body;
    let mut mentions = vec![im::mentions_prelude(text)];
    for pm in crate::PRELUDE_MODULES {
        mentions.push(match *pm {
            "std.iter" => im::mentions_iter(text),
            "std.hashlib.hash" => im::mentions_hashing(text),
            "std.collections.dict" => im::mentions_dict(text, &module),
            // `Set` is not a prelude name (Mojo imports it from `collections`); the module
            // is loaded for the set literals and comprehensions it backs.
            "std.collections.set" => im::has_set_literal(&module),
            "std.collections.list" => im::mentions_list(text, &module),
            "std.builtin.builtin_slice" => im::mentions_word(text, "Slice"),
            // `range` as a value (a `for` over `Int` bounds needs no library code).
            "std.builtin.range" => im::mentions_word(text, "range"),
            "std.collections.string" => {
                im::mentions_string_methods(text) || im::mentions_word(text, "Codepoint")
            }
            // `partition(list, k, cmp)` is a built-in name written in mj.
            "std.builtin.sort" => im::mentions_call(text, "partition"),
            "std.builtin.bool" => im::mentions_call(text, "all") || im::mentions_call(text, "any"),
            // Printing and comparing arrays (the functions the compiler calls for them).
            "std.collections.inline_array" => {
                im::mentions_word(text, "InlineArray") || im::mentions_word(text, "Array")
            }
            "std.builtin.simd_methods" => im::mentions_simd_methods(text),
            _ => im::mentions_optional(text),
        });
    }
    ItemFacts {
        top_imports: body
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    StmtKind::Import { .. } | StmtKind::FromImport { .. }
                )
            })
            .cloned()
            .collect(),
        inner_imports: mj_syntax::visit::body_imports(body),
        mentions,
    }
}

/// The dotted names of the modules a file imports (for the driver to load them), from
/// its items' facts: an edit inside one item reads that item's text again, not the file's.
#[salsa::tracked(returns(ref))]
pub fn imports(db: &dyn salsa::Database, file: SourceFile) -> Vec<(u32, String)> {
    let facts: Vec<&ItemFacts> = file_items(db, file)
        .iter()
        .map(|(item, _)| item_facts(db, *item))
        .collect();
    let top: Vec<_> = facts
        .iter()
        .flat_map(|f| f.top_imports.iter().cloned())
        .collect();
    let inner: Vec<_> = facts
        .iter()
        .flat_map(|f| f.inner_imports.iter().cloned())
        .collect();
    let this = file.module(db);
    let mut v =
        crate::imports::imports_in(&top, &inner, this, file.path(db).ends_with("__init__.mj"));
    let mentions = |k: usize| facts.iter().any(|f| f.mentions[k]);
    // `open()` and `FileHandle` are built-ins written in mj: load their module on demand.
    if this != crate::imports::PRELUDE_MODULE && mentions(0) {
        v.push((0, crate::imports::PRELUDE_MODULE.to_string()));
    }
    // `Optional` (also the result of `Dict.get(k)`) and the other prelude modules are
    // loaded the same way, so a program that never uses one does not pay for checking it.
    for (k, pm) in crate::PRELUDE_MODULES.iter().enumerate() {
        // Library modules import most of them by name when they use them (a library's own
        // `.count()` of another type must not load `String`'s methods for every program).
        let also_in_library = matches!(
            *pm,
            "std.collections.optional"
                | "std.iter"
                | "std.hashlib.hash"
                | "std.builtin.builtin_slice"
        );
        let wanted = (also_in_library || !this.starts_with("std.")) && mentions(k + 1);
        if this != pm && wanted {
            v.push((0, pm.to_string()));
        }
    }
    v
}

/// A file's item tree: its parse with every function body removed. It changes only when
/// an item (signature, struct, import, constant) changes or moves.
#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn salsa::Database, file: SourceFile) -> Arc<Module> {
    let items = file_items(db, file);
    let mut body: Vec<mj_syntax::ast::Stmt> = items
        .iter()
        .flat_map(|(item, _)| item_stubs(db, *item).iter().cloned())
        .collect();
    let (module, _) = mj_syntax::assemble(std::mem::take(&mut body), Vec::new());
    let mut module = module;
    // An import inside a function binds its names module-wide (`check::strip_bodies`).
    for (item, _) in items {
        module
            .body
            .extend(item_facts(db, *item).inner_imports.iter().cloned());
    }
    Arc::new(module)
}

/// One item's statements with their function bodies removed.
#[salsa::tracked(returns(ref))]
pub fn item_stubs<'db>(
    db: &'db dyn salsa::Database,
    item: ItemText<'db>,
) -> Vec<mj_syntax::ast::Stmt> {
    item_body(db, item).iter().map(|s| strip_stmt(s)).collect()
}

/// Name resolution and signatures for the whole program: scopes, imports, constants,
/// struct fields and function signatures (from item trees only, so editing inside a body
/// does not invalidate it unless an item moved).
#[salsa::tracked(returns(ref))]
pub fn items(db: &dyn salsa::Database, program: Program) -> Arc<Items> {
    let inputs = program
        .files(db)
        .iter()
        .map(|f| ModuleInput {
            name: f.module(db).clone(),
            path: f.path(db).clone(),
            ast: item_tree(db, *f).clone(),
        })
        .collect();
    Arc::new(collect_items(
        inputs,
        program.target(db).clone(),
        *program.stable_ids(db),
    ))
}

// Bodies depend on the parts of the items they read. A body's check reads the items
// through `check::tables`, which notes each row, name and count it reads; the body's
// query then reads those parts through `items_part`, whose values compare equal while the
// parts do not change. So an edit that changes an item (a new function, a signature)
// re-checks the bodies that read it: not every body. The query cannot read `items`
// itself (that would make it depend on all of them), so the caller that holds the items
// of this revision lends them (`Lent`); a body asked for without them depends on all the
// items, which is correct, only coarser.

/// One part of a program's items (`check::tables::Part`).
#[salsa::interned(debug)]
pub struct PartKey<'db> {
    #[returns(copy)]
    pub program: Program,
    #[returns(ref)]
    pub part: Part,
}

/// The value of one part of the items: what a body that read it depends on.
#[salsa::tracked(returns(ref))]
pub fn items_part<'db>(db: &'db dyn salsa::Database, key: PartKey<'db>) -> ItemPart {
    items(db, key.program(db)).part(key.part(db))
}

thread_local! {
    /// The items lent to the bodies checked on this thread, by program (innermost last).
    static LENT: std::cell::RefCell<Vec<(Program, Arc<Items>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The items of `program` in this revision, lent to the bodies checked while it lives.
pub struct Lent;

impl Lent {
    pub fn new(program: Program, items: Arc<Items>) -> Lent {
        LENT.with(|l| l.borrow_mut().push((program, items)));
        Lent
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        LENT.with(|l| l.borrow_mut().pop());
    }
}

/// Runs `f` over the items of `program`, depending on the parts it reads only when they
/// are lent, else on all of them.
fn with_items<R>(db: &dyn salsa::Database, program: Program, f: impl FnOnce(&Items) -> R) -> R {
    let lent = LENT.with(|l| {
        l.borrow()
            .iter()
            .rev()
            .find(|(p, _)| *p == program)
            .map(|(_, its)| its.clone())
    });
    let Some(its) = lent else {
        return f(items(db, program));
    };
    // (Besides the tables, a body reads the target and the program's modules.)
    program.target(db);
    program.files(db);
    let reads = Reads::record();
    let out = f(&its);
    for part in reads.finish() {
        items_part(db, PartKey::new(db, program, part));
    }
    out
}

/// One function of a program, by its index in the item table.
#[salsa::interned(debug)]
pub struct FnKey<'db> {
    #[returns(copy)]
    pub program: Program,
    #[returns(copy)]
    pub index: u32,
}

/// A function's signature as text (`def m.f(a: Int) raises -> String`).
#[salsa::tracked(returns(ref))]
pub fn signature<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Option<String> {
    items(db, key.program(db)).signature_text(key.index(db))
}

/// The syntax one function's check reads: the statement that defines it, in full (a
/// method: its struct with the other methods' bodies stripped). Its value stays equal when
/// another function's body changes, so salsa does not re-check this one: a body query
/// that depends on its own function's syntax, not on the whole file's.
#[salsa::tracked(returns(ref))]
pub fn fn_syntax<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Option<Arc<Stmt>> {
    let program = key.program(db);
    let (m, Some((stmt, method))) =
        with_items(db, program, |its| its.function_location(key.index(db)))?
    else {
        return None;
    };
    let file = program.files(db)[m];
    let (item, j) = (*stmt_at(db, StmtSlot::new(db, file, stmt as u32)))?;
    let full = item_body(db, item).get(j as usize)?;
    let stub = item_tree(db, file).body.get(stmt)?;
    Some(Arc::new(match (method, &stub.kind, &full.kind) {
        (Some(k), StmtKind::Struct(sd), StmtKind::Struct(fd)) => {
            let mut sd = sd.clone();
            if let (Some(dst), Some(src)) = (sd.body.get_mut(k), fd.body.get(k)) {
                *dst = src.clone();
            }
            Stmt {
                kind: StmtKind::Struct(sd),
                span: stub.span,
            }
        }
        _ => return Some(full.clone()),
    }))
}

/// Statement `index` of a file's module (the item tree's numbering).
#[salsa::interned(debug)]
pub struct StmtSlot<'db> {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(copy)]
    pub index: u32,
}

/// Where a top-level statement comes from: its item and its place in the item's parse.
/// Every slot is asked again after an edit, but its answer stays equal unless the
/// statement's own item changed, so the function that reads it is not re-run.
#[salsa::tracked]
pub fn stmt_at<'db>(
    db: &'db dyn salsa::Database,
    slot: StmtSlot<'db>,
) -> Option<(ItemText<'db>, u32)> {
    stmt_table(db, slot.file(db))
        .get(slot.index(db) as usize)
        .copied()
}

/// The item and place of each top-level statement of a file, in the module's order (the
/// docstring taken out).
#[salsa::tracked(returns(ref))]
pub fn stmt_table<'db>(
    db: &'db dyn salsa::Database,
    file: SourceFile,
) -> Vec<(ItemText<'db>, u32)> {
    let mut table: Vec<(ItemText<'db>, u32)> = file_items(db, file)
        .iter()
        .flat_map(|(item, _)| (0..item_body(db, *item).len() as u32).map(|j| (*item, j)))
        .collect();
    if item_tree(db, file).docstring.is_some() && !table.is_empty() {
        table.remove(0);
    }
    table
}

/// The typed body of one function and its diagnostics (by module index). It depends on the
/// program's items and on its own file only.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    pub function: Arc<TFunction>,
    pub diags: Vec<(usize, Diag)>,
}

#[salsa::tracked(returns(ref))]
pub fn infer<'db>(db: &'db dyn salsa::Database, key: FnKey<'db>) -> Inferred {
    let program = key.program(db);
    let index = key.index(db);
    let files = program.files(db);
    let (function, diags) = with_items(db, program, |its| {
        let module = its.function_location(index).map(|(m, _)| m).unwrap_or(0);
        check_body_lazy(
            its,
            index,
            &[],
            fn_syntax(db, key).as_deref(),
            &ItemLines::new(db, files[module]),
            &mut |m| item_module(db, files[m]).clone(),
        )
    });
    Inferred {
        function: Arc::new(function),
        diags,
    }
}

/// One instance of a generic function: the template and its compile-time arguments.
#[salsa::interned(debug)]
pub struct InstKey<'db> {
    #[returns(copy)]
    pub program: Program,
    #[returns(copy)]
    pub index: u32,
    #[returns(ref)]
    pub targs: Targs,
}

/// The typed body of one instance of a generic function (cached per instance).
#[salsa::tracked(returns(ref))]
pub fn infer_instance<'db>(db: &'db dyn salsa::Database, key: InstKey<'db>) -> Inferred {
    let program = key.program(db);
    let index = key.index(db);
    let files = program.files(db);
    // (Its syntax is the template's, `fn_syntax`: an edit of another body leaves it.)
    let own = fn_syntax(db, FnKey::new(db, program, index));
    let (function, diags) = with_items(db, program, |its| {
        let module = its.function_location(index).map(|(m, _)| m).unwrap_or(0);
        check_body_lazy(
            its,
            index,
            key.targs(db),
            own.as_deref(),
            &ItemLines::new(db, files[module]),
            &mut |m| item_module(db, files[m]).clone(),
        )
    });
    Inferred {
        function: Arc::new(function),
        diags,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Checked(pub Arc<CheckResult>);

/// Type-checks the whole program: the items, then every body through `infer`, then the
/// instances of generic functions; the checked program is what the back end lowers.
#[salsa::tracked(returns(ref))]
pub fn check(db: &dyn salsa::Database, program: Program) -> Checked {
    let its = items(db, program);
    let _lent = Lent::new(program, its.clone());
    let (mut diags, functions) = bodies(db, program);
    // The back end reads the file's line numbers (the bodies hold them relative to their
    // item) and has no use for the types of expressions (they serve the editor).
    let files = program.files(db);
    let lines: Vec<ItemLines> = files.iter().map(|f| ItemLines::new(db, *f)).collect();
    let lowered = |index: u32, f: &TFunction| {
        let mut f = TFunction {
            expr_types: Vec::new(),
            ..f.clone()
        };
        let m = its.function_location(index).map_or(0, |(m, _)| m);
        if let Some(l) = lines.get(m) {
            crate::tir::map_lines(&mut f, &mut |line| l.absolute(line));
        }
        f
    };
    let functions = functions
        .iter()
        .enumerate()
        .map(|(i, f)| lowered(i as u32, f))
        .collect();
    let (tp, entry_diags) = assemble(its, functions, 0, &mut |index, targs| {
        let inferred = infer_instance(db, InstKey::new(db, program, index, targs.clone()));
        (lowered(index, &inferred.function), inferred.diags.clone())
    });
    diags.extend(entry_diags);
    crate::check::dedup_diags(&mut diags);
    real_diags(db, program, &mut diags);
    Checked(Arc::new(CheckResult { program: tp, diags }))
}

/// What `check` reports (by module index), and the instances of generic functions the
/// program uses (function index, compile-time arguments; the editor reads a generic
/// body's types from them).
#[derive(Clone, Debug, PartialEq)]
pub struct Checkup {
    pub diags: Vec<(usize, Diag)>,
    pub instances: Vec<(u32, Targs)>,
}

/// What `check` reports, without building the program (`check::assemble_diags`): after an
/// edit, the bodies and instances come from the memo and nothing is copied.
#[salsa::tracked(returns(ref))]
pub fn check_diags(db: &dyn salsa::Database, program: Program) -> Checkup {
    let its = items(db, program);
    let _lent = Lent::new(program, its.clone());
    let (mut diags, functions) = bodies(db, program);
    let (more, instances) = assemble_diags(its, functions, 0, &mut |index, targs| {
        let inferred = infer_instance(db, InstKey::new(db, program, index, targs.clone()));
        (inferred.function.clone(), inferred.diags.clone())
    });
    diags.extend(more);
    crate::check::dedup_diags(&mut diags);
    real_diags(db, program, &mut diags);
    Checkup { diags, instances }
}

/// The diagnostics of the items, the constants and every body, and the checked bodies.
/// (Its callers, `check` and `check_diags`, lend the items to the bodies.)
fn bodies(db: &dyn salsa::Database, program: Program) -> (Vec<(usize, Diag)>, Vec<Arc<TFunction>>) {
    let its = items(db, program);
    let mut diags = its.diags().to_vec();
    // Constants computed by calls that no body uses still report their errors.
    let files = program.files(db);
    diags.extend(check_consts(its, &mut |m| {
        item_module(db, files[m]).clone()
    }));
    // (By id; checked and reported in the order they were declared. A free id of the
    // main module's block, `Program::stable_ids`, is an empty template.)
    let free = Arc::new(TFunction {
        template: true,
        ..TFunction::default()
    });
    let mut functions = vec![free; its.function_count()];
    for &i in its.function_order() {
        let inferred = infer(db, FnKey::new(db, program, i));
        functions[i as usize] = inferred.function.clone();
        diags.extend(inferred.diags.iter().cloned());
    }
    (diags, functions)
}

/// All diagnostics of a program, per file: syntax errors first, then semantic ones.
pub fn diagnostics(db: &dyn salsa::Database, program: Program) -> Vec<(SourceFile, Diag)> {
    let files = program.files(db).clone();
    let mut out = Vec::new();
    for f in &files {
        for d in syntax_diags(db, *f) {
            out.push((*f, d.clone()));
        }
    }
    // In a file with syntax errors, the items that hold them were parsed with recovery:
    // their semantic errors would mostly be echoes, so only the syntax errors are
    // reported there. The file's other items are whole, and their type errors count,
    // except a use of an undefined name that a broken item mentions (it may define it).
    let broken: Vec<Vec<(usize, usize, &str)>> = files
        .iter()
        .map(|f| {
            let len = f.text(db).len();
            file_items(db, *f)
                .iter()
                .filter(|(item, _)| {
                    parse_item(db, item.source(db))
                        .diags
                        .iter()
                        .any(|d| d.is_error())
                })
                .map(|(item, start)| {
                    let start = *start as usize;
                    let end = start + item.text_of(db).len();
                    // (The last item holds the end of the file too.)
                    (
                        start,
                        if end == len { end + 1 } else { end },
                        item.text_of(db),
                    )
                })
                .collect()
        })
        .collect();
    for (m, d) in &check_diags(db, program).diags {
        let Some(f) = files.get(*m) else { continue };
        let at = d.span.start as usize;
        let inside = broken[*m].iter().any(|(a, b, _)| (*a..*b).contains(&at));
        let echo = d.code == crate::check::E_UNDEFINED
            && d.message.split('`').nth(1).is_some_and(|name| {
                broken[*m]
                    .iter()
                    .any(|(_, _, text)| crate::imports::mentions_word(text, name))
            });
        if inside || echo {
            continue;
        }
        out.push((*f, d.clone()));
    }
    out
}

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}
