# CPython version of tests/run/nsieve.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
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
