#!/usr/bin/env python3
"""Runs every conformance program (tests/run/*.mj) as an `mj build` executable under
valgrind's memcheck and reports invalid accesses and definite/indirect leaks.

Called by `scripts/memcheck` (which builds `mj` first); see that script for usage.

Each program is compiled with `mj build`, then run under valgrind with the `# ARGS:` of its
header, from its own directory, with stdin closed, exactly as tests/conformance.rs runs it.
Its exit status must be the `# EXIT:` one (default 0) and, for exit 0, its stdout must
equal the `.out` file: a memory bug that silently changes the output counts too.

Verdicts, one line per program:
  OK                      nothing found
  INVALID ACCESS (n)      valgrind reported n errors that are not leaks (invalid reads/writes,
                          invalid frees, uses of uninitialized values)
  LEAK (n bytes ...)      bytes definitely or indirectly lost at exit
  WRONG OUTPUT / EXIT     the program misbehaved under valgrind
  ALLOWED LEAK            a leak of a program listed in ALLOWED_LEAKS (reason printed)

Programs that stop through a run-time error (a non-zero `# EXIT:`) end with `exit()` in the
middle of the program, so whatever their callers hold is not released: their leaks are
reported but do not fail the check (invalid accesses still do).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Programs that still leak, each with the reason (keep docs/porting.md in sync). A leak of any
# other program fails the check; a listed program that stops leaking is reported so that
# the entry can be removed.
ALLOWED_LEAKS: dict[str, str] = {}

VALGRIND_EXIT = 99


def header(src: str) -> dict:
    h = {"args": [], "exit": 0, "skip": None, "env": {}}
    for line in src.splitlines():
        t = line.strip()
        if not t:
            continue
        if not t.startswith("#"):
            break
        rest = t[1:].strip()
        if rest.startswith("ARGS:"):
            h["args"] = rest[len("ARGS:"):].split()
        elif rest.startswith("ENV:"):
            k, _, v = rest[len("ENV:"):].strip().partition("=")
            h["env"][k.strip()] = v.strip()
        elif rest.startswith("EXIT:"):
            try:
                h["exit"] = int(rest[len("EXIT:"):].strip())
            except ValueError:
                h["exit"] = 1
        elif rest.startswith("SKIP"):
            h["skip"] = rest[4:].lstrip(":").strip() or "skipped"
    return h


LOST = re.compile(r"(definitely|indirectly) lost: ([\d,]+) bytes in ([\d,]+) blocks")
# The kinds of valgrind error records that are not leak records.
ACCESS = re.compile(
    r"^==\d+== (Invalid (read|write|free)|Mismatched free|Conditional jump|"
    r"Use of uninitialised|Syscall param|Source and destination overlap|"
    r"Argument '.*' of function|Invalid alignment)",
    re.M,
)


def num(s: str) -> int:
    return int(s.replace(",", ""))


def check(mj: Path, prog: Path, tmp: Path, timeout: int, keep_logs: Path | None):
    """Returns (name, status, detail, failed, leaked_bytes, invalid)."""
    name = prog.stem
    src = prog.read_text()
    h = header(src)
    if h["skip"]:
        return name, "SKIP", h["skip"], False, 0, 0
    exe = tmp / name
    b = subprocess.run(
        [str(mj), "build", str(prog), "-o", str(exe)],
        cwd=prog.parent, capture_output=True, text=True,
    )
    if b.returncode != 0:
        return name, "BUILD FAILED", b.stderr.strip().splitlines()[-1:] or "", True, 0, 0
    log = tmp / f"{name}.vg"
    cmd = [
        "valgrind", f"--error-exitcode={VALGRIND_EXIT}", "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
        "--num-callers=30", f"--log-file={log}", str(exe), *h["args"],
    ]
    try:
        r = subprocess.run(cmd, cwd=prog.parent, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout,
                           env={**os.environ, **h["env"]})
    except subprocess.TimeoutExpired:
        return name, "TIMEOUT", f"{timeout}s", True, 0, 0
    text = log.read_text(errors="replace") if log.exists() else ""
    if keep_logs is not None:
        keep_logs.mkdir(parents=True, exist_ok=True)
        (keep_logs / f"{name}.vg").write_text(text)
    lost = sum(num(m.group(2)) for m in LOST.finditer(text))
    invalid = len(ACCESS.findall(text))
    want_exit = h["exit"]
    code = r.returncode
    if invalid:
        first = ACCESS.search(text).group(1)
        return name, f"INVALID ACCESS ({invalid})", first, True, lost, invalid
    aborted = want_exit != 0
    if code not in (want_exit, VALGRIND_EXIT):
        return name, "WRONG EXIT", f"{code}, expected {want_exit}", True, lost, 0
    if want_exit == 0:
        expected = prog.with_suffix(".out")
        if expected.exists() and r.stdout != expected.read_bytes():
            return name, "WRONG OUTPUT", "", True, lost, 0
    if lost:
        detail = f"{lost} bytes definitely/indirectly lost"
        if name in ALLOWED_LEAKS:
            return name, "ALLOWED LEAK", f"{detail}: {ALLOWED_LEAKS[name]}", False, lost, 0
        if aborted:
            return name, "LEAK AT ABORT", f"{detail} (exit {want_exit}: not counted)", False, lost, 0
        return name, "LEAK", detail, True, lost, 0
    if name in ALLOWED_LEAKS:
        return name, "OK", "(listed in ALLOWED_LEAKS but no longer leaks: remove it)", False, 0, 0
    return name, "OK", "", False, 0, 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mj", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--logs", help="keep valgrind logs in this directory")
    ap.add_argument("filters", nargs="*", help="only programs whose name contains one of these")
    a = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    progs = sorted((root / "tests" / "run").glob("*.mj"))
    if a.filters:
        progs = [p for p in progs if any(f in p.stem for f in a.filters)]
    logs = Path(a.logs).resolve() if a.logs else None
    with tempfile.TemporaryDirectory(prefix="mj-memcheck-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            futs = [pool.submit(check, Path(a.mj), p, Path(tmp), a.timeout, logs) for p in progs]
            results = []
            for f in futs:
                res = f.result()
                results.append(res)
                name, status, detail, _, _, _ = res
                print(f"{status:<16} {name}" + (f"  {detail}" if detail else ""), flush=True)
    failed = [r for r in results if r[3]]
    leaking = [r for r in results if r[4] > 0]
    invalid = [r for r in results if r[5] > 0]
    skipped = [r for r in results if r[1] == "SKIP"]
    print(
        f"memcheck: {len(results)} programs, {len(invalid)} with invalid accesses, "
        f"{len(leaking)} leaking ({sum(r[4] for r in leaking)} bytes; "
        f"{sum(1 for r in leaking if r[1] in ('ALLOWED LEAK', 'LEAK AT ABORT'))} allowed), "
        f"{len(skipped)} skipped, {len(failed)} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
