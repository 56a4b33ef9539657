# CPython version of tests/run/spectralnorm.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
# BUILD
# The spectral-norm benchmark (Computer Language Benchmarks Game). Usage: spectralnorm [n], default 100.
from math import sqrt
pass

def eval_a(i: Int, j: Int) -> Float64:
    return 1.0 / Float64((i + j) * (i + j + 1) // 2 + i + 1)

def mul_av(v: List[Float64], av: List[Float64]):
    n = len(v)
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(i, j) * v[j]
        av[i] = s

def mul_atv(v: List[Float64], atv: List[Float64]):
    n = len(v)
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += eval_a(j, i) * v[j]
        atv[i] = s

def mul_atav(v: List[Float64], out: List[Float64], tmp: List[Float64]):
    mul_av(v, tmp)
    mul_atv(tmp, out)

def main():
    n = 100
    args = argv()
    if len(args) > 1:
        n = Int(args[1])
    u = List[Float64](length=n, fill=1.0)
    v = List[Float64](length=n, fill=0.0)
    tmp = List[Float64](length=n, fill=0.0)
    for _ in range(10):
        mul_atav(u, v, tmp)
        mul_atav(v, u, tmp)
    vbv = 0.0
    vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    print(f"{sqrt(vbv / vv):.9f}")

if __name__ == "__main__":
    main()
