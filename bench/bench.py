#!/usr/bin/env python3
"""Benchmark driver used by bench/run. Compares mj (-O3) against C (gcc -O2 and gcc -O3 -march=native) and CPython on the
six benchmark programs of tests/run, checks that all three agree on the output, and measures
`mj run` start-up (cold and warm cache) and `mj check` throughput.

Options: --quick (CPython runs at reduced sizes, and mj is also timed at those sizes for the
speedup column), --runs N (best of N, default 3), --only NAME[,NAME...], --skip-build."""
import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'bench')
OUT = os.path.join(BENCH, 'out')
MJ = os.environ.get('MJ_BIN') or os.path.join(ROOT, 'target', 'release', 'mj')

# name, size (C takes roughly 0.5-2 s), reduced size for CPython in --quick mode
PROGRAMS = [
    ('nbody', 5000000, 100000),
    ('spectralnorm', 3000, 300),
    ('fannkuchredux', 10, 9),
    ('nsieve', 12, 8),
    ('nqueens', 13, 10),
    ('mandelbrot', 4000, 500),
]


def run(cmd, timeout=1800, env=None):
    """Run cmd; return (seconds, stdout) or raise RuntimeError with a short message."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f'timeout after {timeout}s: {" ".join(cmd)}')
    except OSError as e:
        raise RuntimeError(f'cannot run {cmd[0]}: {e}')
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        err = p.stderr.decode(errors='replace').strip().splitlines()[-3:]
        raise RuntimeError(f'exit {p.returncode}: {" ".join(cmd)}: {" / ".join(err)}')
    return dt, p.stdout.decode(errors='replace')


def best_of(cmd, runs, timeout=1800):
    best, out = None, None
    for _ in range(runs):
        dt, o = run(cmd, timeout)
        if out is not None and o != out:
            raise RuntimeError('output differs between runs')
        out = o
        best = dt if best is None else min(best, dt)
    return best, out


def fmt(x, spec='.3f'):
    return 'n/a' if x is None else format(x, spec)


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--only', default='')
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    only = set(filter(None, args.only.split(',')))
    problems = []
    rows = []

    for name, size, py_size in PROGRAMS:
        if only and name not in only:
            continue
        print(f'== {name} (size {size})', flush=True)
        c_exe = os.path.join(OUT, f'c_{name}')
        mj_exe = os.path.join(OUT, f'mj_{name}')
        src_mj = os.path.join(ROOT, 'tests', 'run', f'{name}.mj')
        src_c = os.path.join(BENCH, 'c', f'{name}.c')
        src_py = os.path.join(BENCH, 'py', f'{name}.py')
        row = {'name': name, 'size': size, 'c': None, 'c3': None, 'mj': None, 'py': None,
               'py_size': None, 'mj_at_py': None, 'note': ''}
        try:
            run(['gcc', '-O2', '-o', c_exe, src_c, '-lm'])
            row['c'], c_out = best_of([c_exe, str(size)], args.runs)
        except RuntimeError as e:
            c_out = None
            problems.append(f'{name}: C: {e}')
        # The strongest form of the anchor: the goal is mj within 1.05x of the faster C.
        c3_exe = c_exe + '_O3native'
        try:
            run(['gcc', '-O3', '-march=native', '-o', c3_exe, src_c, '-lm'])
            row['c3'], c3_out = best_of([c3_exe, str(size)], args.runs)
            if c_out is not None and c3_out != c_out:
                problems.append(f'{name}: gcc -O3 -march=native output differs from -O2')
        except RuntimeError as e:
            problems.append(f'{name}: C -O3: {e}')
        try:
            run([MJ, 'build', '-O3', src_mj, '-o', mj_exe])
            row['mj'], mj_out = best_of([mj_exe, str(size)], args.runs)
            if c_out is not None and mj_out != c_out:
                problems.append(f'{name}: mj output differs from C at size {size}')
                row['note'] = 'OUTPUT MISMATCH'
        except RuntimeError as e:
            mj_out = None
            problems.append(f'{name}: mj: {e}')
        psize = py_size if args.quick else size
        row['py_size'] = psize
        try:
            # CPython at full size is slow: a single run unless --quick.
            row['py'], py_out = best_of([sys.executable, src_py, str(psize)], args.runs if args.quick else 1, timeout=3600)
            ref = None
            if psize == size:
                ref, row['mj_at_py'] = (mj_out if mj_out is not None else c_out), row['mj']
            elif row['mj'] is not None:
                row['mj_at_py'], ref = best_of([mj_exe, str(psize)], args.runs)
            if ref is not None and py_out != ref:
                problems.append(f'{name}: CPython output differs at size {psize}')
                row['note'] = 'OUTPUT MISMATCH'
        except RuntimeError as e:
            problems.append(f'{name}: CPython: {e}')
        rows.append(row)
        print(f'   C {fmt(row["c"])} s, C -O3 native {fmt(row["c3"])} s, mj {fmt(row["mj"])} s, CPython {fmt(row["py"])} s (size {psize})', flush=True)

    lines = []
    lines.append('| program | size | C -O2 (s) | C -O3 native (s) | mj (s) | mj/C-O2 | mj/best C | '
                 'CPython size | CPython (s) | CPython/mj | note |')
    lines.append('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|')
    ratios, best_ratios, speedups = [], [], []
    for r in rows:
        ratio = r['mj'] / r['c'] if r['mj'] and r['c'] else None
        best_c = min(t for t in (r['c'], r['c3']) if t) if (r['c'] or r['c3']) else None
        best_ratio = r['mj'] / best_c if r['mj'] and best_c else None
        speed = r['py'] / r['mj_at_py'] if r['py'] and r['mj_at_py'] else None
        ratios.append(ratio)
        best_ratios.append(best_ratio)
        speedups.append(speed)
        lines.append(f"| {r['name']} | {r['size']} | {fmt(r['c'])} | {fmt(r['c3'])} | {fmt(r['mj'])} | "
                     f"{fmt(ratio, '.2f')} | {fmt(best_ratio, '.2f')} | "
                     f"{r['py_size']} | {fmt(r['py'])} | {fmt(speed, '.1f')} | {r['note']} |")
    lines.append(f"| **geometric mean** | | | | | {fmt(geomean(ratios), '.2f')} | "
                 f"{fmt(geomean(best_ratios), '.2f')} | | | {fmt(geomean(speedups), '.1f')} | |")

    lines.append('')
    lines += startup_and_check(problems)
    if args.quick:
        lines.append('')
        lines.append('(--quick: CPython ran at the reduced sizes shown; CPython/mj compares against mj at that size.)')
    if problems:
        lines.append('')
        lines.append('Problems:')
        lines += [f'- {p}' for p in problems]

    text = '\n'.join(lines) + '\n'
    print()
    print(text)
    with open(os.path.join(OUT, 'results.md'), 'w') as f:
        f.write('# mj benchmark results\n\n')
        f.write(f'Machine: {os.uname().machine}, {os.cpu_count()} CPUs; best of {args.runs} wall-clock runs.\n\n')
        f.write(text)
    return 1 if problems else 0


def startup_and_check(problems):
    lines = []
    hello = os.path.join(ROOT, 'examples', 'hello.mj')
    cache = tempfile.mkdtemp(prefix='mj-bench-cache-')
    env = dict(os.environ, MJ_CACHE_DIR=cache)
    cold, warm = [], []
    try:
        for _ in range(5):
            shutil.rmtree(cache, ignore_errors=True)
            os.makedirs(cache, exist_ok=True)
            t0 = time.perf_counter()
            p = subprocess.run([MJ, 'run', hello], capture_output=True, env=env, timeout=300)
            cold.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            q = subprocess.run([MJ, 'run', hello], capture_output=True, env=env, timeout=300)
            warm.append((time.perf_counter() - t0) * 1000)
            if p.returncode != 0 or q.returncode != 0 or q.stdout != b'Hello, mj!\n':
                raise RuntimeError(f'mj run hello.mj failed: {(p.stderr or q.stderr).decode(errors="replace")[-200:]}')
        lines.append('| `mj run examples/hello.mj` | min (ms) | median (ms) |')
        lines.append('|---|---:|---:|')
        lines.append(f'| cold (empty MJ_CACHE_DIR) | {min(cold):.1f} | {statistics.median(cold):.1f} |')
        lines.append(f'| warm (second run) | {min(warm):.1f} | {statistics.median(warm):.1f} |')
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        problems.append(f'startup: {e}')
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    large = os.path.join(OUT, 'large.mj')
    subprocess.run([sys.executable, os.path.join(BENCH, 'gen_large.py'), large, '50000'], check=True)
    with open(large) as f:
        nlines = sum(1 for _ in f)
    try:
        best, _ = best_of([MJ, 'check', large], 3, timeout=600)
        lines.append('')
        lines.append(f'`mj check` on a generated {nlines}-line file: {best * 1000:.0f} ms, '
                     f'{nlines / best:,.0f} lines/s')
    except RuntimeError as e:
        problems.append(f'mj check: {e}')
    return lines


if __name__ == '__main__':
    sys.exit(main())
