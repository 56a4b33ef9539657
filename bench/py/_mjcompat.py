"""Stand-ins for the mj builtins used by the CPython transliterations in bench/py/."""
import sys as _sys
from dataclasses import dataclass
class Error(Exception):
    pass
class Copyable:
    def copy(self):
        import copy as _c
        return _c.deepcopy(self)
class Movable: pass
class ImplicitlyCopyable: pass
class Writable: pass
class Stringable: pass
class _ListT:
    def __getitem__(self, t):
        def make(*args, length=None, fill=None):
            if length is not None:
                return [fill] * length
            return list(args)
        return make
List = _ListT()
class _DictT:
    def __getitem__(self, t):
        return lambda: {}
Dict = _DictT()
def String(x=""):
    return x if isinstance(x, str) else str(x)
Int = int
Float64 = float
Bool = bool
def argv():
    return [_sys.argv[0]] + _sys.argv[1:]
def sort(xs):
    xs.sort()
