/* nsieve (classic shootout), same algorithm and output as tests/run/nsieve.mj. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
static long nsieve(long m, bool *flags) {
    for (long i = 2; i <= m; i++) flags[i] = true;
    long count = 0;
    for (long i = 2; i <= m; i++)
        if (flags[i]) {
            for (long k = i + i; k <= m; k += i) flags[k] = false;
            count++;
        }
    return count;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2;
    bool *flags = calloc((10000L << n) + 1, sizeof(bool));
    for (int i = 0; i < 3; i++) {
        long m = 10000L << (n - i);
        printf("Primes up to %8ld %8ld\n", m, nsieve(m, flags));
    }
    free(flags);
    return 0;
}
