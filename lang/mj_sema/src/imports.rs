//! Which modules a file imports, resolved to dotted names (relative imports included).

use mj_syntax::ast::StmtKind;

/// `(level, dotted)` pairs are flattened to absolute dotted names; the number is the
/// statement's byte offset, for error messages. `is_package`: the file is a package's
/// `__init__.mj`, whose relative imports start at the package itself.
/// The modules a file imports, from its top-level statements and the imports inside its
/// functions (which load their modules too: their names are module-wide,
/// `check::strip_bodies`). The database gathers both item by item.
pub fn imports_in(
    top: &[mj_syntax::ast::Stmt],
    inner: &[mj_syntax::ast::Stmt],
    this: &str,
    is_package: bool,
) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for s in top.iter().chain(inner) {
        match &s.kind {
            StmtKind::Import { path, .. } => {
                // `import a.b` also loads the package `a` (its `__init__.mj`), as in Python.
                for k in 1..path.len() {
                    out.push((s.span.start, dotted(&path[..k])));
                }
                out.push((s.span.start, dotted(path)));
            }
            StmtKind::FromImport {
                level,
                module,
                names,
                ..
            } => {
                let mut dotted = dotted(module);
                if *level > 0 {
                    dotted = relative_module(this, is_package, *level, &dotted);
                }
                out.push((s.span.start, dotted.clone()));
                // `from pkg import mod` may name a submodule.
                for (n, _) in names {
                    out.push((s.span.start, format!("{dotted}.{}", n.name)));
                }
            }
            _ => {}
        }
    }
    out
}

/// Bare module names that mean the standard library's module (`import os` is `std.os`)
/// unless the program has a module of that name: the built-in modules that also have
/// library files, and the library-only modules that Python programs import bare.
pub fn std_alias(dotted: &str) -> bool {
    // Mojo's GPU modules before they moved under `std` (`from gpu.host import ...`).
    if dotted == "gpu" || dotted.starts_with("gpu.") {
        return true;
    }
    matches!(
        dotted,
        "math"
            | "sys"
            | "collections"
            | "collections.string"
            | "random"
            | "os"
            | "os.path"
            | "pathlib"
            | "io"
            | "io.file"
            | "utils"
            | "utils.variant"
            | "utils.numerics"
            | "iter"
            | "itertools"
            | "testing"
            | "os.atomic"
            | "atomic"
    )
}

/// Library packages outside `std` that programs import by their own name: the `layout`
/// package (tensors over a compile-time layout), `max` (`max.gpu.host`, the path of
/// today's GPU programs) and `llm` (the model code: GGUF, quantized kernels, tokenizer,
/// llama). The driver loads them from the library's root unless the program has its own.
pub fn library_package(dotted: &str) -> bool {
    let head = dotted.split('.').next().unwrap_or("");
    matches!(head, "layout" | "max" | "llm")
}

/// The library module behind the built-in names that are written in mj (`open`,
/// `FileHandle`): every module sees them without an import, as in Mojo.
pub const PRELUDE_MODULE: &str = "std.io.file";
pub const PRELUDE_NAMES: &[&str] = &["open", "FileHandle"];

/// Whether a file's text mentions a prelude name as a whole word, so that the driver
/// loads `PRELUDE_MODULE` for it. A textual test keeps it cheap; a mention in a comment or
/// a string only loads the module for nothing.
pub fn mentions_prelude(text: &str) -> bool {
    PRELUDE_NAMES.iter().any(|name| mentions_word(text, name))
}

/// Whether a text may use `Optional`: the word itself, or a `.get(` call (`Dict.get(k)`
/// returns one). A cheap textual test, like [`mentions_prelude`].
pub fn mentions_optional(text: &str) -> bool {
    text.contains(".get(") || mentions_word(text, "Optional")
}

/// Whether a file may call a `String` method written in mj (`std.collections.string`).
pub fn mentions_string_methods(text: &str) -> bool {
    crate::lang_items::STRING_METHOD_NAMES
        .iter()
        .any(|name| mentions_method_call(text, name, &['(']))
}

/// Whether a file may call a SIMD method written in mj (`std.builtin.simd_methods`):
/// `.name(` or `.name[`.
pub fn mentions_simd_methods(text: &str) -> bool {
    // (`**` of integer vectors is its `__pow__`.)
    text.contains("**")
        || crate::lang_items::SIMD_METHOD_NAMES
            .iter()
            .any(|name| mentions_method_call(text, name, &['(', '[']))
}

/// Whether `text` has `.name` followed by one of `openers` (`(`, or `[` of compile-time
/// arguments), spaces allowed between.
fn mentions_method_call(text: &str, name: &str, openers: &[char]) -> bool {
    let b = text.as_bytes();
    text.match_indices(name).any(|(i, _)| {
        let after = text[i + name.len()..].trim_start_matches([' ', '\t']);
        i > 0 && b[i - 1] == b'.' && after.starts_with(openers)
    })
}

/// Whether a file may use the hashing prelude (`hash`, `Hashable`, `Hasher`).
pub fn mentions_hashing(text: &str) -> bool {
    ["hash", "Hashable", "Hasher", "default_hasher", "__hash__"]
        .iter()
        .any(|w| mentions_word(text, w))
}

/// Whether a file may use `Dict`: by name (a textual test), or through a `{k: v}` literal,
/// `{}` or a dict comprehension in its syntax tree (an f-string's braces do not count).
pub fn mentions_dict(text: &str, module: &mj_syntax::ast::Module) -> bool {
    use mj_syntax::ast::ExprKind;
    ["Dict", "KeyElement", "DictEntry"]
        .iter()
        .any(|w| mentions_word(text, w))
        || has_expr(module, |k| {
            matches!(k, ExprKind::Dict(_) | ExprKind::DictComp { .. })
        })
}

/// Whether a module may make or name a list, so that the library's `List` (a lang item)
/// must be loaded: the name `List`, a list literal or comprehension, a variadic parameter
/// (`*xs: T` is a list of the arguments), or a built-in that returns a list. A program
/// that does none of these is not charged for checking `std.collections.list`.
pub fn mentions_list(text: &str, module: &mj_syntax::ast::Module) -> bool {
    use mj_syntax::ast::ExprKind;
    const WORDS: &[&str] = &[
        "List",
        "split",
        "splitlines",
        "argv",
        "listdir",
        "enumerate",
        "sorted",
        "zip",
        "keys",
        "values",
        "items",
    ];
    WORDS.iter().any(|w| mentions_word(text, w))
        || has_varargs(module)
        || has_expr(module, |k| {
            matches!(k, ExprKind::List(_) | ExprKind::ListComp { .. })
        })
}

/// Whether a function of the module (a method or a nested one too) takes `*values`: a
/// variadic parameter is a `List` of the arguments.
fn has_varargs(module: &mj_syntax::ast::Module) -> bool {
    use mj_syntax::ast::{ParamKind, StmtKind};
    let mut found = false;
    mj_syntax::visit::walk_module_stmts(&module.body, &mut |s| {
        if let StmtKind::Def(d) = &s.kind {
            found |= d.args.iter().any(|a| a.kind == ParamKind::VarArgs);
        }
    });
    found
}

/// Whether a file names something of `std.iter` (the iteration traits, `StopIteration`,
/// `iter`, `next`, `zip`), which loads that prelude module.
pub fn mentions_iter(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "zip",
        "Iterator",
        "Iterable",
        "IterableOwned",
        "StopIteration",
        "iter",
        "next",
        "enumerate",
    ];
    WORDS.iter().any(|w| mentions_word(text, w))
}

/// Whether a module contains a set literal `{a, b}` or a set comprehension, which build
/// the library's `Set` (a lang item) and so need its module loaded.
pub fn has_set_literal(module: &mj_syntax::ast::Module) -> bool {
    use mj_syntax::ast::ExprKind;
    has_expr(module, |k| {
        matches!(k, ExprKind::Set(_) | ExprKind::SetComp { .. })
    })
}

/// Whether any expression of a module is of a kind `pred` accepts.
fn has_expr(module: &mj_syntax::ast::Module, pred: fn(&mj_syntax::ast::ExprKind) -> bool) -> bool {
    let mut found = false;
    mj_syntax::visit::walk_module_exprs(&module.body, &mut |e| {
        found |= pred(&e.kind);
    });
    found
}

/// Whether `word` occurs in `text` as a whole identifier.
pub fn mentions_word(text: &str, word: &str) -> bool {
    whole_words(text, word).next().is_some()
}

/// Whether `text` calls `name` (a whole word followed by `(` or `[`, spaces allowed
/// between): built-in functions written in mj load their module for a call, not for the
/// word in a comment (`all`, `any`, `partition`).
pub fn mentions_call(text: &str, name: &str) -> bool {
    whole_words(text, name).any(|end| {
        text[end..]
            .trim_start_matches([' ', '\t'])
            .starts_with(['(', '['])
    })
}

/// The end offsets of the whole-word occurrences of `word` in `text`.
fn whole_words<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = text.as_bytes();
    text.match_indices(word).filter_map(move |(i, _)| {
        let end = i + word.len();
        ((i == 0 || !ident(b[i - 1])) && (end == b.len() || !ident(b[end]))).then_some(end)
    })
}

/// `a.b.c` from the identifiers of an import path.
pub fn dotted(path: &[mj_syntax::ast::Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The absolute name of `from {"." * level}{dotted} import ...` written in module `this`.
pub fn relative_module(this: &str, is_package: bool, level: u32, dotted: &str) -> String {
    let mut parts: Vec<&str> = this.split('.').collect();
    let drop = if is_package { level - 1 } else { level };
    for _ in 0..drop {
        parts.pop();
    }
    if !dotted.is_empty() {
        parts.push(dotted);
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::{mentions_call, mentions_word};

    #[test]
    fn a_call_is_a_word_followed_by_an_argument_list() {
        assert!(mentions_call("print(all([True]))", "all"));
        assert!(mentions_call("x = any (flags)", "any"));
        assert!(mentions_call("partition[k](xs)", "partition"));
        assert!(!mentions_call("# all of them\nprint(1)", "all"));
        assert!(!mentions_call("overall(x)", "all"));
        assert!(mentions_word("# all of them", "all"));
        assert!(!mentions_word("overall", "all"));
    }
}
