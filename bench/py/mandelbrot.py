# CPython version of tests/run/mandelbrot.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
# BUILD
# The mandelbrot benchmark (Benchmarks Game algorithm, 50 iterations, escape at 4.0). Instead of
# writing the PBM bitmap, print the number of points in the set and a hash of the packed bitmap
# bytes. Usage: mandelbrot [size], default 200.
pass

def main():
    size = 200
    args = argv()
    if len(args) > 1:
        size = Int(args[1])
    w = size
    h = size
    inside = 0
    hash = 0
    nbytes = 0
    for y in range(h):
        ci = 2.0 * Float64(y) / Float64(h) - 1.0
        byte = 0
        bit = 0
        for x in range(w):
            cr = 2.0 * Float64(x) / Float64(w) - 1.5
            zr = 0.0
            zi = 0.0
            tr = 0.0
            ti = 0.0
            i = 0
            while i < 50 and tr + ti <= 4.0:
                zi = 2.0 * zr * zi + ci
                zr = tr - ti + cr
                tr = zr * zr
                ti = zi * zi
                i += 1
            byte = byte << 1
            if tr + ti <= 4.0:
                byte = byte | 1
                inside += 1
            bit += 1
            if bit == 8:
                hash = (hash * 31 + byte) % 1000000007
                nbytes += 1
                byte = 0
                bit = 0
        if bit > 0:
            byte = byte << (8 - bit)
            hash = (hash * 31 + byte) % 1000000007
            nbytes += 1
    print("size", size)
    print("bytes", nbytes)
    print("inside", inside)
    print("hash", hash)

if __name__ == "__main__":
    main()
