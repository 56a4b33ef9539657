"""The anchors of bench/gpu/kernels.mj on an NVIDIA GPU: cuBLAS (through PyTorch) for the
matmuls, PyTorch's softmax and RMSNorm, timed the same way (best of 5 after a warm-up)
and printed in the same format: KERNEL SIZE SECONDS RATE UNIT.

    python3 bench/gpu/torch_ref.py N ROWS COLS
"""
import sys
import time

import torch


def best_of(f, reps=5):
    f()
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    n, rows, cols = (int(a) for a in sys.argv[1:4])
    dev = "cuda"
    flops = 2.0 * n * n * n
    size = f"{n}x{n}x{n}"
    a = torch.full((n, n), 0.5, device=dev)
    b = torch.full((n, n), 0.25, device=dev)
    t = best_of(lambda: torch.matmul(a, b))
    print("matmul_fp32_tiled", size, t, flops / t / 1e9, "GFLOP/s")
    a16, b16 = a.bfloat16(), b.bfloat16()
    t = best_of(lambda: torch.matmul(a16, b16))
    # Both bf16 kernels of mj are compared with the same cuBLAS bf16 matmul.
    print("matmul_bf16_mma", size, t, flops / t / 1e9, "GFLOP/s")
    print("matmul_bf16_wgmma", size, t, flops / t / 1e9, "GFLOP/s")
    x = torch.full((rows, cols), 1.5, device=dev)
    w = torch.full((cols,), 2.0, device=dev)
    nbytes = 2.0 * 4.0 * rows * cols
    shape = f"{rows}x{cols}"
    t = best_of(lambda: torch.softmax(x, dim=-1))
    print("softmax_fp32", shape, t, nbytes / t / 1e9, "GB/s")
    t = best_of(lambda: torch.nn.functional.rms_norm(x, (cols,), w, 1e-6))
    print("rmsnorm_fp32", shape, t, nbytes / t / 1e9, "GB/s")


if __name__ == "__main__":
    main()
