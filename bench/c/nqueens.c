/* N-queens by backtracking, same algorithm and output as tests/run/nqueens.mj. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
static bool cols[64], diag1[128], diag2[128];
static long solve(int row, int n) {
    if (row == n) return 1;
    long count = 0;
    for (int c = 0; c < n; c++)
        if (!cols[c] && !diag1[row + c] && !diag2[row - c + n - 1]) {
            cols[c] = diag1[row + c] = diag2[row - c + n - 1] = true;
            count += solve(row + 1, n);
            cols[c] = diag1[row + c] = diag2[row - c + n - 1] = false;
        }
    return count;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 8;
    printf("Solutions for %d queens: %ld\n", n, solve(0, n));
    return 0;
}
