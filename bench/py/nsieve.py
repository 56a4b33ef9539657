# CPython version of tests/run/nsieve.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
import sys as _sys
from dataclasses import dataclass
class Error(Exception):
    pass
class Copyable:
    def copy(self):
        import copy as _c
        return _c.deepcopy(self)
class Movable: pass
class ImplicitlyCopyable: pass
class Writable: pass
class Stringable: pass
class _ListT:
    def __getitem__(self, t):
        def make(*args, length=None, fill=None):
            if length is not None:
                return [fill] * length
            return list(args)
        return make
List = _ListT()
class _DictT:
    def __getitem__(self, t):
        return lambda: {}
Dict = _DictT()
def String(x=""):
    return x if isinstance(x, str) else str(x)
Int = int
Float64 = float
Bool = bool
def argv():
    return [_sys.argv[0]] + _sys.argv[1:]
def sort(xs):
    xs.sort()
# BUILD
# The classic nsieve benchmark: count primes up to 10000 * 2m for m = n, n-1, n-2 with a
# List[Bool] sieve. Usage: nsieve [n], default 2.
pass

def nsieve(m: Int, flags: List[Bool]) -> Int:
    for i in range(2, m + 1):
        flags[i] = True
    count = 0
    for i in range(2, m + 1):
        if flags[i]:
            k = i + i
            while k <= m:
                flags[k] = False
                k += i
            count += 1
    return count

def main():
    n = 2
    args = argv()
    if len(args) > 1:
        n = Int(args[1])
    flags = List[Bool](length=(10000 << n) + 1, fill=False)
    for i in range(3):
        m = 10000 << (n - i)
        print(f"Primes up to {m:8d} {nsieve(m, flags):8d}")

if __name__ == "__main__":
    main()
