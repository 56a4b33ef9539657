//! Memory regression test: `parse` builds its chumsky parsers on every call, and they must
//! all be freed again (mutually recursive parsers once formed `Rc` cycles and leaked about
//! 8 KB per call). A language server re-parses on every edit, so repeated parsing must not
//! grow the resident set. Linux-only measurement; skipped where `/proc` is unavailable.

const SOURCE: &str = r#"
"""Module docstring."""
from .util import helper as h, other
import std.math as m

comptime N = 16
comptime assert N > 0, "positive"

@value
struct Point[T: AnyType = Int](Copyable, Movable):
    var x: T
    var y: T

    fn __init__(out self, x: T, y: T):
        self.x = x
        self.y = y

    def norm(self) raises -> Float64:
        return m.sqrt(Float64(self.x ** 2 + self.y ** 2))

trait Shape:
    fn area(self) -> Float64: ...

def run(read xs: List[Int], mut acc: Dict[String, Int], *args, **kwargs) -> Int:
    var total: Int = 0
    var a, b = divmod(7, 2)
    squares = [x * x for x in xs if x % 2 == 0 and not x in acc]
    pairs = {"k": [v for k, v in acc.items()]} if acc else {1, 2, 3}
    f = lambda p, q: p if p > q else -q ** 2
    g: def(Int, Float64) raises -> Int = f
    for ref i, (j, k) in enumerate(zip(xs[1:-1:2], xs[::-1])):
        total += i << 2 | j & k ^ ~total
        if i is not None and j not in (1, 2,):
            continue
        elif i >= 3 or j != k:
            break
        else:
            pass
    while total > 0:
        total //= 2
    else:
        total = -1
    try:
        raise ValueError(f"bad {total!r:>10} and {xs[0] + 1} {'nested'}")
    except ValueError as e:
        print(e, sep=", ", end="")
    finally:
        total = total @ 1 if False else total % 3
    match total:
        case 0 | 1 if total < N:
            return x^
        case (a, b):
            return a + b
        case _:
            return sum(squares, start=0)
    return total, squares
"#;

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn repeated_parsing_does_not_grow_memory() {
    let Some(_) = rss_kib() else {
        eprintln!("skipping: /proc/self/status (VmRSS) is unavailable");
        return;
    };
    // The source must exercise the recursive parts of the grammar and parse cleanly.
    let (module, diags) = mj_syntax::parse(SOURCE);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
    assert!(module.body.len() >= 7);

    // Warm up so allocator arenas and lazily initialised state settle first.
    for _ in 0..200 {
        std::hint::black_box(mj_syntax::parse(std::hint::black_box(SOURCE)));
    }
    let before = rss_kib().expect("VmRSS readable");
    const ITERS: usize = 2_000;
    for _ in 0..ITERS {
        std::hint::black_box(mj_syntax::parse(std::hint::black_box(SOURCE)));
    }
    let after = rss_kib().expect("VmRSS readable");
    let growth = after.saturating_sub(before);
    eprintln!(
        "RSS before {before} KiB, after {after} KiB, growth {growth} KiB over {ITERS} parses"
    );
    // A per-parse leak of even 1 KB would show as ~5 MB here.
    assert!(
        growth < 3 * 1024,
        "RSS grew by {growth} KiB over {ITERS} parses ({} bytes/parse): parser memory leaks",
        growth * 1024 / ITERS as u64
    );
}
