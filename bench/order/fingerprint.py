"""Stable fingerprints of an IPython user namespace.

Used inside the replay worker (the corpus venv); it imports nothing heavy
itself: numpy/pandas/torch are only touched when the namespace already holds
their objects (their modules are then in sys.modules).

A fingerprint is a canonical text (``canon``) and its digest. Two replays of
the same code in two processes give the same text when the values are equal:
- scalars, strings, bytes: repr (long ones hashed);
- list/tuple/dict/set: element-wise, recursively, up to a size/depth budget
  (dicts and sets order-insensitive, like their equality); larger ones: hash
  of their repr;
- numpy arrays, pandas frames/series/indexes, torch/tf tensors: type, shape,
  dtype and a hash of the data (pandas: ``hash_pandas_object``);
- modules: by name; functions: qualified name plus a hash of their code
  (so a wrong version of ``def f`` is caught); classes: qualified name plus
  their methods' code hashes;
- other objects: repr with memory addresses (``0x...``) normalised, plus,
  at the top level, their ``__dict__`` (e.g. a fitted estimator's ``coef_``),
  except for matplotlib artists, widgets and IPython objects (their repr
  states their value; their ``__dict__`` is plumbing: figure graphs, comm ids);
  random ids (uuids, widget model ids) are normalised like addresses.
"""

import hashlib
import math
import re
import sys
import types

_ADDR = re.compile(r"0x[0-9a-fA-F]{4,}")
# Random ids (widget model ids, uuid4 reprs) differ in every process.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b")
# Objects whose repr already states their value and whose __dict__ holds
# process-specific plumbing (figure graphs, comm/widget ids, callbacks).
_REPR_ONLY = ("matplotlib", "ipywidgets", "IPython", "traitlets")
MAX_ITEMS = 200     # containers up to this many items are walked element-wise
MAX_DEPTH = 4
MAX_STR = 200       # longer strings are hashed
MAX_REPR = 5_000_000  # reprs longer than this are truncated before hashing

# IPython's own names, never part of the user's state.
_IPY_NAMES = {
    "In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_oh", "_ih", "_dh",
    "exit", "quit", "get_ipython", "_exit_code", "_sh",
}
_IPY_PATTERN = re.compile(r"^(_i\d+|_\d+|__\w*__)$")


def excluded_name(name, hidden=()):
    return name in _IPY_NAMES or name in hidden or bool(_IPY_PATTERN.match(name))


def _sha(text):
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()[:16]


def normalise(text):
    return _UUID.sub("<id>", _ADDR.sub("0x?", text))


def _qual(obj):
    mod = getattr(obj, "__module__", None) or "?"
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or "?"
    return f"{mod}.{name}"


def _type_name(obj):
    return _qual(type(obj))


def code_hash(code):
    """Hash of a code object: bytecode, names and constants (recursively)."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            parts.append(code_hash(const))
        else:
            parts.append(normalise(repr(const)))
    return _sha("|".join(parts))


def _safe_repr(obj):
    try:
        text = repr(obj)
    except Exception as exc:  # a broken __repr__ is a fact about the object, not a crash
        return f"<repr failed: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_REPR:
        text = text[:MAX_REPR] + f"...<{len(text)} chars>"
    return normalise(text)


def _mod_of(obj):
    return (type(obj).__module__ or "").split(".")[0]


def _array(obj):
    import numpy as np
    a = obj
    if a.dtype == object:
        items = a.ravel().tolist()
        if len(items) <= MAX_ITEMS * 5:
            body = _sha("|".join(canon(x, MAX_DEPTH - 1) for x in items))
        else:
            body = _sha(_safe_repr(items))
        return f"ndarray{a.shape}:object:{body}"
    data = np.ascontiguousarray(a)
    try:
        raw = data.tobytes()
    except Exception:
        raw = _safe_repr(data.tolist()).encode()
    return f"ndarray{a.shape}:{a.dtype.str}:{_sha(raw)}"


def _pandas(obj):
    import pandas as pd
    name = type(obj).__name__
    try:
        hashed = pd.util.hash_pandas_object(obj, index=True)
        digest = _sha(hashed.to_numpy().tobytes())
    except Exception:
        # Unhashable cells (lists, dicts): fall back to their string forms.
        try:
            digest = _sha(obj.astype(str).to_csv())
        except Exception:
            digest = _sha(_safe_repr(obj))
    extra = ""
    if isinstance(obj, pd.DataFrame):
        extra = f":cols={_sha(repr(list(obj.columns)))}:dtypes={_sha(repr(list(map(str, obj.dtypes))))}"
    elif isinstance(obj, pd.Series):
        extra = f":name={obj.name!r}:dtype={obj.dtype}"
    elif isinstance(obj, pd.Index):
        extra = f":name={obj.names!r}:dtype={obj.dtype}"
    return f"{name}{getattr(obj, 'shape', '')}{extra}:{digest}"


def canon(obj, depth=0):
    """Canonical text for obj; equal values give equal texts across processes."""
    t = type(obj)
    if obj is None or t in (bool, int):
        return f"{t.__name__}:{obj!r}"
    if t is float:
        return "float:nan" if math.isnan(obj) else f"float:{obj!r}"
    if t is complex:
        return f"complex:{obj!r}"
    if isinstance(obj, str):
        s = str(obj)
        return f"str:{s!r}" if len(s) <= MAX_STR else f"str[{len(s)}]:{_sha(s)}"
    if isinstance(obj, (bytes, bytearray, memoryview)):
        b = bytes(obj)
        return f"{t.__name__}[{len(b)}]:{_sha(b)}"
    if isinstance(obj, types.ModuleType):
        return f"module:{obj.__name__}"
    if isinstance(obj, types.FunctionType):
        return f"function:{_qual(obj)}#{code_hash(obj.__code__)}"
    if isinstance(obj, types.MethodType):
        return f"method:{_qual(obj.__func__)}@" + (
            canon(obj.__self__, depth + 1) if depth < 2 else _type_name(obj.__self__))
    if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        return f"builtin:{_qual(obj)}"
    if isinstance(obj, type):
        methods = []
        for k, v in sorted(vars(obj).items()):
            if isinstance(v, (staticmethod, classmethod)):
                v = v.__func__
            if isinstance(v, types.FunctionType):
                methods.append(f"{k}#{code_hash(v.__code__)}")
        return f"class:{_qual(obj)}" + (f"#{_sha('|'.join(methods))}" if methods else "")

    mod = _mod_of(obj)
    if mod == "numpy" and "numpy" in sys.modules:
        import numpy as np
        if isinstance(obj, np.ndarray):
            return _array(obj)
        if isinstance(obj, np.generic):
            return f"{_type_name(obj)}:{normalise(repr(obj.item()))}"
    if mod == "pandas" and "pandas" in sys.modules:
        import pandas as pd
        if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
            return _pandas(obj)
    if mod in ("torch", "tensorflow", "jax", "jaxlib"):
        try:
            if mod == "torch":
                arr = obj.detach().cpu().numpy()
            elif hasattr(obj, "numpy"):
                arr = obj.numpy()
            else:
                arr = None
            if arr is not None:
                return f"{_type_name(obj)}:" + _array(arr)
        except Exception:
            pass

    if t in (list, tuple) or isinstance(obj, (list, tuple)):
        n = len(obj)
        if depth < MAX_DEPTH and n <= MAX_ITEMS:
            return f"{_type_name(obj)}[" + ",".join(canon(x, depth + 1) for x in obj) + "]"
        return f"{_type_name(obj)}[{n}]:{_sha(_safe_repr(obj))}"
    if isinstance(obj, dict):
        n = len(obj)
        if depth < MAX_DEPTH and n <= MAX_ITEMS:
            items = sorted(f"{canon(k, depth + 1)}=>{canon(v, depth + 1)}" for k, v in obj.items())
            return f"{_type_name(obj)}{{" + ",".join(items) + "}"
        return f"{_type_name(obj)}{{{n}}}:{_sha('|'.join(sorted(_safe_repr(k) + '=>' + _safe_repr(v) for k, v in obj.items())))}"
    if isinstance(obj, (set, frozenset)):
        n = len(obj)
        if depth < MAX_DEPTH and n <= MAX_ITEMS:
            return f"{_type_name(obj)}{{" + ",".join(sorted(canon(x, depth + 1) for x in obj)) + "}"
        return f"{_type_name(obj)}{{{n}}}:{_sha('|'.join(sorted(_safe_repr(x) for x in obj)))}"

    # Anything else: its repr, plus its attributes at the top level.
    text = f"{_type_name(obj)}:{_safe_repr(obj)}"
    if depth == 0 and mod not in _REPR_ONLY:
        try:
            attrs = vars(obj)
        except TypeError:
            attrs = None
        if isinstance(attrs, dict) and attrs:
            text += "|attrs:" + canon(dict(attrs), MAX_DEPTH - 2)
    return text


def summary(obj, limit=100):
    """Short human-readable description for reports."""
    shape = getattr(obj, "shape", None)
    tn = _type_name(obj)
    if isinstance(shape, tuple) and shape != ():
        return f"{tn} shape={shape}"
    text = _safe_repr(obj).replace("\n", " ")
    if len(text) > limit:
        text = text[:limit] + "..."
    return f"{tn} {text}"


def fingerprint(obj):
    text = canon(obj)
    return {"type": _type_name(obj), "digest": _sha(text)}
