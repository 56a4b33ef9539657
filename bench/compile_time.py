#!/usr/bin/env python3
"""Compile-time benchmark (bench/compile-time): `mj build` time for every conformance program
(tests/run), and `mj check` / `mj build` time for a generated program with N generic
instantiations (default 500: half instances of a generic function, half of a generic struct with
a generic method). Every build uses a fresh, empty compile cache, so nothing is reused."""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MJ = os.environ.get('MJ_BIN') or os.path.join(ROOT, 'target', 'release', 'mj')


def generic_program(n):
    half = n // 2
    out = ['trait Scaled:', '    def value(self) -> Int: ...', '',
           'struct Cell[k: Int](Scaled):', '    var x: Int',
           '    def __init__(out self, x: Int):', '        self.x = x',
           '    def value(self) -> Int:', '        return self.x * k', '',
           'def scale[k: Int](x: Int) -> Int:', '    return x * k + 1', '',
           'def total[T: Scaled](c: T) -> Int:', '    return c.value()', '',
           'def main():', '    var s = 0']
    for i in range(half):
        out.append(f'    s += scale[{i}](s % 7)')
    for i in range(n - half):
        out.append(f'    s += total(Cell[{i}](s % 5))')
    out.append('    print(s)')
    return '\n'.join(out) + '\n'


def timed(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed: {p.stderr.decode(errors="replace")[-400:]}')
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--instances', type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        run_dir = os.path.join(ROOT, 'tests', 'run')
        progs = sorted(f for f in os.listdir(run_dir) if f.endswith('.mj'))
        total, built, lines = 0.0, 0, 0
        for i, f in enumerate(progs):
            env['MJ_CACHE_DIR'] = os.path.join(tmp, f'cache{i}')
            src = os.path.join(run_dir, f)
            try:
                total += timed([MJ, 'build', src, '-o', os.path.join(tmp, 'a.out')], env)
                built += 1
                lines += sum(1 for _ in open(src))
            except RuntimeError:
                pass  # programs that are expected to fail to build are not timed
        gen = os.path.join(tmp, 'generic.mj')
        with open(gen, 'w') as fh:
            fh.write(generic_program(args.instances))
        env['MJ_CACHE_DIR'] = os.path.join(tmp, 'cache-gen')
        check = timed([MJ, 'check', gen], env)
        build = timed([MJ, 'build', gen, '-o', os.path.join(tmp, 'gen.out')], env)
        out = subprocess.run([os.path.join(tmp, 'gen.out')], stdout=subprocess.PIPE).stdout.decode().strip()
        print('| what | time |')
        print('|---|---|')
        print(f'| `mj build` of {built} conformance programs ({lines} lines), cold cache, total | {total:.2f} s |')
        print(f'| ... per program (mean) | {1000 * total / max(built, 1):.0f} ms |')
        print(f'| `mj check`, generated program with {args.instances} generic instantiations | {1000 * check:.0f} ms |')
        print(f'| `mj build`, same program (-O3 default), cold cache | {1000 * build:.0f} ms |')
        print(f'(generated program ran and printed {out})')


if __name__ == '__main__':
    sys.exit(main())
