# CPython version of tests/run/nqueens.mj for bench/run (same algorithm, same output).
# Mechanically transliterated from the mj program; the small prelude stands in for mj builtins.
from __future__ import annotations
from _mjcompat import *  # noqa: F401,F403  (stand-ins for mj builtins)
# BUILD
# N-queens: count all solutions by backtracking. Usage: nqueens [n], default 8.
pass

def solve(row: Int, n: Int, cols: List[Bool], diag1: List[Bool], diag2: List[Bool]) -> Int:
    if row == n:
        return 1
    count = 0
    for c in range(n):
        if not cols[c] and not diag1[row + c] and not diag2[row - c + n - 1]:
            cols[c] = True
            diag1[row + c] = True
            diag2[row - c + n - 1] = True
            count += solve(row + 1, n, cols, diag1, diag2)
            cols[c] = False
            diag1[row + c] = False
            diag2[row - c + n - 1] = False
    return count

def main():
    n = 8
    args = argv()
    if len(args) > 1:
        n = Int(args[1])
    cols = List[Bool](length=n, fill=False)
    diag1 = List[Bool](length=2 * n, fill=False)
    diag2 = List[Bool](length=2 * n, fill=False)
    print("Solutions for " + String(n) + " queens: " + String(solve(0, n, cols, diag1, diag2)))

if __name__ == "__main__":
    main()
