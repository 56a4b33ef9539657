# CPython version of tests/run/fannkuchredux.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
# BUILD
# The fannkuch-redux benchmark (Computer Language Benchmarks Game). Usage: fannkuchredux [n], default 7.
pass

def fannkuch(n: Int) -> Tuple[Int, Int]:
    perm1 = List[Int](length=n, fill=0)
    for i in range(n):
        perm1[i] = i
    perm = List[Int](length=n, fill=0)
    count = List[Int](length=n, fill=0)
    max_flips = 0
    checksum = 0
    perm_count = 0
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        for i in range(n):
            perm[i] = perm1[i]
        flips = 0
        k = perm[0]
        while k != 0:
            i = 0
            j = k
            while i < j:
                t = perm[i]
                perm[i] = perm[j]
                perm[j] = t
                i += 1
                j -= 1
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        if perm_count % 2 == 0:
            checksum += flips
        else:
            checksum -= flips
        # next permutation
        while True:
            if r == n:
                return (checksum, max_flips)
            perm0 = perm1[0]
            for i in range(r):
                perm1[i] = perm1[i + 1]
            perm1[r] = perm0
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1
        perm_count += 1

def main():
    n = 7
    args = argv()
    if len(args) > 1:
        n = Int(args[1])
    res = fannkuch(n)
    print(res[0])
    print("Pfannkuchen(" + String(n) + ") = " + String(res[1]))

if __name__ == "__main__":
    main()
