/* mandelbrot (Benchmarks Game algorithm), printing a checksum as tests/run/mandelbrot.mj does. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long size = argc > 1 ? atol(argv[1]) : 200;
    long w = size, h = size, inside = 0, hash = 0, nbytes = 0;
    for (long y = 0; y < h; y++) {
        double ci = 2.0 * (double)y / (double)h - 1.0;
        long byte = 0, bit = 0;
        for (long x = 0; x < w; x++) {
            double cr = 2.0 * (double)x / (double)w - 1.5;
            double zr = 0, zi = 0, tr = 0, ti = 0;
            for (int i = 0; i < 50 && tr + ti <= 4.0; i++) {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
            }
            byte <<= 1;
            if (tr + ti <= 4.0) { byte |= 1; inside++; }
            if (++bit == 8) { hash = (hash * 31 + byte) % 1000000007; nbytes++; byte = 0; bit = 0; }
        }
        if (bit > 0) { byte <<= 8 - bit; hash = (hash * 31 + byte) % 1000000007; nbytes++; }
    }
    printf("size %ld\nbytes %ld\ninside %ld\nhash %ld\n", size, nbytes, inside, hash);
    return 0;
}
