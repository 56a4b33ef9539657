"""Times numpy's matmul (OpenBLAS, the BLAS bundled with the numpy wheel) on square fp32
matrices, with the same inputs as matmul_bench.mj; prints "size seconds gflops checksum"."""
import sys
import time

import numpy as np


def main():
    size, reps = int(sys.argv[1]), int(sys.argv[2])
    idx = np.arange(size * size, dtype=np.int64)
    a = (((idx * 7 + 3) % 13).astype(np.float32) * np.float32(0.25) - np.float32(1.0)).reshape(size, size)
    b = (((idx * 5 + 1) % 11).astype(np.float32) * np.float32(0.5) - np.float32(2.0)).reshape(size, size)
    c = np.empty((size, size), dtype=np.float32)
    np.matmul(a, b, out=c)
    best = float('inf')
    for _ in range(reps):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t0)
    rows = np.arange(size)
    checksum = float(c[rows, (rows * 3) % size].astype(np.float64).sum())
    print(size, best, 2.0 * size ** 3 / best / 1e9, checksum)


if __name__ == '__main__':
    main()
