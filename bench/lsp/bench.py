"""Latency of `mj lsp` (and of ty's server on the same shape of Python code, when given):
from `didChange` to the document's diagnostics (p50/p95), completion after a
one-character edit, and resident memory after 1,000 edits.

    python3 bench/lsp/bench.py MJ [TY]
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import queue

# The reader thread hands messages over through the GIL: switch often, so that the
# timings are the server's, not the interpreter's 5 ms switch interval.
sys.setswitchinterval(0.0002)


class Client:
    def __init__(self, cmd, root):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.q = queue.Queue()
        self.id = 0
        threading.Thread(target=self.reader, daemon=True).start()
        self.request("initialize", {"processId": None, "rootUri": "file://" + root,
                                    "capabilities": {"textDocument": {"publishDiagnostics": {}}}})
        self.notify("initialized", {})

    def reader(self):
        f = self.p.stdout
        while True:
            n = 0
            while True:
                line = f.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    n = int(line.split(b":")[1])
            self.q.put(json.loads(f.read(n)))

    def send(self, m):
        b = json.dumps(m).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
        self.p.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.id += 1
        i = self.id
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        while True:
            m = self.q.get(timeout=120)
            if m.get("id") == i and "method" not in m:
                return m
            if "method" in m and "id" in m:  # a request from the server: answer it
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})

    def diagnostics(self, uri):
        while True:
            m = self.q.get(timeout=120)
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]
            if "method" in m and "id" in m:
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})

    def rss_mib(self):
        for line in open(f"/proc/{self.p.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def project(d, lines, lang):
    """About `lines` lines of mj or Python (the same code): functions of 20 lines calling
    each other."""
    mj = lang == "mj"
    out = ['"""A generated project."""\n\n']
    n = lines // 22
    for i in range(n):
        out.append(f"def f{i}(a: {'Int' if mj else 'int'}, b: {'Int' if mj else 'int'}) -> {'Int' if mj else 'int'}:\n")
        out.append(f'    """Function {i}."""\n')
        out.append(f"    {'var ' if mj else ''}total = a\n")
        for k in range(16):
            out.append(f"    total = total + b * {k} - (a // {k + 1})\n")
        call = f"f{i - 1}(total, b)" if i else "total"
        out.append(f"    return {call}\n\n")
    out.append("def main():\n    print(f%d(1, 2))\n" % (n - 1))
    path = os.path.join(d, "big.mj" if mj else "big.py")
    open(path, "w").write("".join(out))
    return path


def rng(l0, c0, l1, c1):
    return {"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}}


def measure(cmd, path, lang, edits=60):
    """p50/p95 ms from an edit to its diagnostics (pulled): a one-character edit in the
    middle of the file that keeps the length, typing (a digit inserted and deleted, which
    changes it), a line added inside a body, and item edits (a signature, a function added
    at the end or inserted in the middle); completion after an edit; RSS after 1,000
    edits."""
    root = os.path.dirname(path)
    c = Client(cmd, root)
    uri = "file://" + path
    text = open(path).read()
    lines = text.split("\n")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": lang, "version": 1, "text": text}})
    c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    version = 1

    def timed(do, undo):
        """`edits` edits, `do` and `undo` in turn, each timed to its diagnostics. (Both
        servers answer a `textDocument/diagnostic` pull; ty publishes nothing on its own.)"""
        nonlocal version
        out = []
        for k in range(edits):
            version += 1
            t0 = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                "contentChanges": [do if k % 2 == 0 else undo]})
            r = c.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
            assert "result" in r, r
            out.append((time.perf_counter() - t0) * 1000)
        return out

    # An edit inside a body in the middle of the file: a one-digit literal changes.
    import re
    target, col = next((i, m.start()) for i in range(len(lines) // 2, len(lines))
                       if lines[i].startswith("    ") and not lines[i].lstrip().startswith("def") and "#" not in lines[i] and '"' not in lines[i]
                       for m in [re.search(r"(?<![\w.])[1-9](?![\w.])", lines[i])] if m)
    first = lines[target][col]
    other = "2" if first != "2" else "3"
    times = timed({"range": rng(target, col, target, col + 1), "text": other},
                  {"range": rng(target, col, target, col + 1), "text": first})
    # Typing: a digit inserted after the literal, then deleted; each edit changes the
    # text's length, so every later position moves.
    typing = timed({"range": rng(target, col + 1, target, col + 1), "text": "7"},
                   {"range": rng(target, col + 1, target, col + 2), "text": ""})
    # A line added inside the body (a `pass` statement above the edited one), and removed:
    # every line after it moves.
    indent = lines[target][:len(lines[target]) - len(lines[target].lstrip())]
    newline = timed({"range": rng(target, 0, target, 0), "text": indent + "pass\n"},
                    {"range": rng(target, 0, target + 1, 0), "text": ""})
    # Item edits: a signature in the middle of the file changes (a default value typed
    # and deleted); a function is added at the end of the file and removed; one is
    # inserted before the function in the middle and removed (the items after it are
    # renumbered, so their bodies are checked again).
    sig = []
    header = next((i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("def ") and ", b: " in lines[i]), None)
    if header is not None:
        at = lines[header].index(", b: ") + len(", b: ") + 3
        sig = timed({"range": rng(header, at, header, at), "text": " = 1"},
                    {"range": rng(header, at, header, at + 4), "text": ""})
    end = len(lines) - 1
    ty = "Int" if lang == "mj" else "int"
    new_fn = f"def added(x: {ty}) -> {ty}:\n    return x\n"
    added = timed({"range": rng(end, len(lines[end]), end, len(lines[end])), "text": "\n\n" + new_fn},
                  {"range": rng(end, len(lines[end]), end + 5, 0), "text": ""})
    inserted = []
    mid = header if header is not None else next((i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("def ")), None)
    if mid is not None:
        inserted = timed({"range": rng(mid, 0, mid, 0), "text": new_fn + "\n\n"},
                         {"range": rng(mid, 0, mid + 4, 0), "text": ""})
    comp = []
    for k in range(20):
        version += 1
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
            {"range": rng(target, col, target, col + 1), "text": other if k % 2 == 0 else first}]})
        t0 = time.perf_counter()
        c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": target, "character": 4}})
        comp.append((time.perf_counter() - t0) * 1000)
    rss0 = c.rss_mib()
    for k in range(1000):
        version += 1
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
            {"range": rng(target, col, target, col + 1), "text": other if k % 2 == 0 else first}]})
    c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    time.sleep(1)
    rss1 = c.rss_mib()
    c.close()
    return {"p50": pct(times, 50), "p95": pct(times, 95), "typing_p50": pct(typing, 50), "typing_p95": pct(typing, 95), "comp_p50": pct(comp, 50), "comp_p95": pct(comp, 95),
            "nl_p50": pct(newline, 50), "nl_p95": pct(newline, 95),
            "sig_p50": pct(sig, 50) if sig else float("nan"), "sig_p95": pct(sig, 95) if sig else float("nan"),
            "add_p50": pct(added, 50), "add_p95": pct(added, 95),
            "ins_p50": pct(inserted, 50) if inserted else float("nan"), "ins_p95": pct(inserted, 95) if inserted else float("nan"),
            "rss_before": rss0, "rss_after": rss1, "lines": len(lines)}


def fmt(x):
    return "n/a" if x != x else f"{x:.1f}"


def main():
    mj = sys.argv[1]
    ty = sys.argv[2] if len(sys.argv) > 2 else None
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        stdlib_file = os.path.join(root, "stdlib", "std", "collections", "list.mj")
        # The library file is edited in a copy (the server's view), not on disk.
        rows.append(("mj lsp", "stdlib: std/collections/list.mj", measure([mj, "lsp"], stdlib_file, "mj")))
        rows.append(("mj lsp", "generated project", measure([mj, "lsp"], project(d, 10000, "mj"), "mj")))
        if ty:
            rows.append(("ty server", "generated project (Python)", measure([ty, "server"], project(d, 10000, "python"), "python")))
    print("| server | file | lines | didChange to diagnostics p50 ms | p95 ms | typing (length changes) p50 ms | p95 ms | line added p50 ms | p95 ms | signature edit p50 ms | p95 ms | function added at the end p50 ms | p95 ms | function inserted in the middle p50 ms | p95 ms | completion p50 ms | p95 ms | RSS before 1,000 edits MiB | after |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for who, what, r in rows:
        print(f"| {who} | {what} | {r['lines']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['typing_p50']:.1f} | {r['typing_p95']:.1f} | {r['nl_p50']:.1f} | {r['nl_p95']:.1f} | {fmt(r['sig_p50'])} | {fmt(r['sig_p95'])} | {r['add_p50']:.1f} | {r['add_p95']:.1f} | {fmt(r['ins_p50'])} | {fmt(r['ins_p95'])} | {r['comp_p50']:.1f} | {r['comp_p95']:.1f} "
              f"| {r['rss_before']:.0f} | {r['rss_after']:.0f} |")


if __name__ == "__main__":
    main()
