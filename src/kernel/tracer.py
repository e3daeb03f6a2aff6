"""Retrace kernel tracer: dynamic evidence of what each cell run did.

The frontend (src/kernel/tracer.ts) executes this source silently in every
IPython kernel, inside a private module (sys.modules['_retrace_tracer']), so
the user's namespace and history never see it.  After every run that has an
execution count it reports, over the comm target TARGET, which global names
the run added, rebound, deleted or visibly mutated, which global names its
code loaded, and which files under the notebook's folder it opened for
reading or writing.

The tracer is also the kernel's journal: every stored execution (execution
count, the cell id JupyterLab sends in the execute request's metadata, the
code, ok or error, start and end time, and the effects above) is kept in a
bounded journal named by this kernel process.  Live reports go to every open
comm; a page that connects, reloads, or opens a second tab asks for "entries
after count N" and so catches up on runs it did not see.

Costs are bounded: objects are fingerprinted from a fixed-size sample (never
a deep hash), the type table holds classes weakly (a class redefined in a
cell can be collected), and the one audit hook (audit hooks cannot be
removed) does nothing outside a traced run, nothing for other threads, and
nothing at all once the tracer is off.  No hook ever lets an exception of its
own reach user code, but a Ctrl-C that lands in a hook is the user's and is
raised again; after MAX_FAILURES consecutive failures the tracer turns itself
off and tells the frontend.

The last section, kept apart, records the kernel session's environment: the
Python version and the installed distributions its imports came from, sent
as an "environment" message after hello and whenever it grows.

Executing this source again in the same kernel is idempotent: an active
tracer of the same VERSION is kept, one of another version is replaced.
Keep the file ASCII: the frontend embeds it in a Python string literal.
"""

import _thread
import collections
import dis
import itertools
import os
import re
import sys
import time
import types
import uuid
import weakref

VERSION = "1.2.0"
PROTOCOL = 2
TARGET = "retrace.tracer"
MODULE = "_retrace_tracer"

JOURNAL_SIZE = 1000  # executions the journal keeps (read at each append)
JOURNAL_CODE_BYTES = 4 << 20  # total code the journal keeps, oldest dropped first
JOURNAL_BATCH = 200  # entries per catch-up answer
MAX_FAILURES = 3  # consecutive hook failures before the tracer turns off
MAX_COMMS = 8  # dead comms of closed browser tabs are never closed for us
MAX_FILES = 500  # per list and run
SMALL = 16  # containers up to this size are fingerprinted completely (shallow)
SAMPLE = 4  # items taken from each end of a bigger container
ARRAY_SAMPLE_BYTES = 256  # bytes sampled from each end of a numpy array
ARRAY_STRIDED = 16  # elements sampled from across a numpy array
MAX_SCAN_INSTRUCTIONS = 20000  # bytecode scanned for global loads per run

# Names IPython puts in the user namespace; never user state.
_IPYTHON_NAMES = frozenset(
    """In Out _oh _ih _dh _sh exit quit get_ipython _exit_code __builtin__
    __builtins__ __name__ __doc__ __package__ __loader__ __spec__
    __warningregistry__""".split()
)
_IPYTHON_PATTERN = re.compile(r"_+|_i+|_i\d+|_\d+")

# Objects whose state is their identity, or that we deliberately do not
# fingerprint (code, not data).
_ATOMIC = frozenset(
    [int, float, complex, bool, str, bytes, type(None), range, tuple, frozenset, slice]
)
_CODE_LIKE = (
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.BuiltinMethodType,
    type,
)

_LOAD_OPS = {dis.opmap[n]: 0 for n in ("LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS") if n in dis.opmap}
# Since 3.11 LOAD_GLOBAL's argument is the name index shifted left by one.
_LOAD_OPS[dis.opmap["LOAD_GLOBAL"]] = 1 if sys.version_info >= (3, 11) else 0
_EXTENDED_ARG = dis.opmap["EXTENDED_ARG"]

_MISSING = object()


# ----------------------------------------------------------------------------
# Fingerprints: cheap, bounded, shallow; they never call user-defined methods.
#
# Identity comes from object.__hash__ (the address-based hash every object
# has underneath its own __hash__), not id(): id() raises an audit event, so
# with our audit hook in place every id() call would run Python code.

_addr = object.__hash__


def _fp_list(v):
    n = list.__len__(v)
    if n <= SMALL:
        return hash((n, tuple(map(_addr, v))))
    step = n // (2 * SAMPLE)
    return hash((n, tuple(map(_addr, list.__getitem__(v, slice(0, None, step)))), _addr(list.__getitem__(v, -1))))


def _fp_deque(v):
    n = len(v)
    if n <= SMALL:
        return hash((n, tuple(map(_addr, v))))
    head = tuple(map(_addr, itertools.islice(v, SAMPLE)))
    tail = tuple(map(_addr, itertools.islice(reversed(v), SAMPLE)))
    return hash((n, head, tail))


def _fp_dict(v):
    n = dict.__len__(v)
    if n <= SMALL:
        return hash((n, tuple(map(_addr, dict.keys(v))), tuple(map(_addr, dict.values(v)))))
    keys = dict.keys(v)
    values = dict.values(v)
    head = tuple(map(_addr, itertools.islice(keys, SAMPLE))) + tuple(map(_addr, itertools.islice(values, SAMPLE)))
    tail = tuple(map(_addr, itertools.islice(reversed(keys), SAMPLE))) + tuple(
        map(_addr, itertools.islice(reversed(values), SAMPLE))
    )
    return hash((n, head, tail))


def _fp_set(v):
    n = len(v)
    if n <= SMALL:
        return hash((n, sum(map(_addr, v))))
    # Iteration order follows the hash table, so it changes when the set does.
    return hash((n, tuple(map(_addr, itertools.islice(v, 2 * SAMPLE)))))


def _fp_bytearray(v):
    n = len(v)
    k = ARRAY_SAMPLE_BYTES
    if n <= 4 * k:
        return hash((n, bytes(v)))
    return hash((n, bytes(v[:k]), bytes(v[-k:]), bytes(v[:: n // ARRAY_STRIDED])))


def _fp_object(v):
    """Plain objects: their __dict__, like a dict (keys and value identities)."""
    try:
        d = object.__getattribute__(v, "__dict__")
    except Exception:
        return None
    if type(d) is not dict:
        return None
    return _fp_dict(d)


def _fp_ndarray(v):
    """Shape, strides, dtype and a bounded sample of the bytes, as one bytes
    object (comparing is a memcmp, cheaper than hashing).  For object arrays
    the bytes are the element pointers, i.e. their identities.
    """
    n = v.size
    key = hash((v.shape, v.strides, v.dtype.str)).to_bytes(8, "little", signed=True)
    if n == 0:
        return key
    if v.flags.c_contiguous:
        flat = v.reshape(-1)  # a view, never a copy, for contiguous arrays
        per = max(1, ARRAY_SAMPLE_BYTES // v.itemsize)
        if n <= 4 * per:
            return key + flat.tobytes()
        return b"".join((key, flat[:per].tobytes(), flat[-per:].tobytes(), flat[:: n // ARRAY_STRIDED].tobytes()))
    # Other layouts: a strided sample along every axis, never a full copy.
    per_axis = max(2, int(ARRAY_STRIDED ** (1.0 / max(1, v.ndim))))
    index = tuple(slice(None, None, max(1, s // per_axis)) for s in v.shape)
    return key + v[index].tobytes()


def _fp_array_like(values):
    """A pandas block's values: numpy array, or an extension array.

    Fingerprints end as ints or bytes, never tuples: the snapshot then holds no
    object the garbage collector tracks, so tracing does not trigger collections.
    """
    np = sys.modules.get("numpy")
    if np is not None and type(values) is np.ndarray:
        return _fp_ndarray(values)
    inner = getattr(values, "_ndarray", None)  # string, datetime, categorical-like arrays
    if inner is None:
        inner = getattr(values, "_data", None)  # masked arrays (Int64, boolean)
    if np is not None and isinstance(inner, np.ndarray):
        return hash((_addr(values), _fp_ndarray(inner)))
    inner = getattr(values, "_pa_array", None)  # pyarrow-backed: replaced, not mutated
    return hash((_addr(values), _addr(inner) if inner is not None else None, len(values)))


def _label(x):
    return x if type(x) in (str, int, float, bool, type(None)) else _addr(x)


def _fp_dataframe(v):
    # Index objects are immutable, so the same columns and index objects mean
    # the same labels and shape; the values live in the blocks.
    try:
        parts = tuple(_fp_array_like(b.values) for b in v._mgr.blocks)  # internal, pandas 1 to 3
    except Exception:
        parts = v.shape
    return hash((_addr(v.columns), _addr(v.index), parts))


def _fp_series(v):
    try:
        part = _fp_array_like(v._values)
    except Exception:
        part = len(v)
    return hash((_addr(v.index), _label(v.name), part))


_STATIC_HANDLERS = {
    list: _fp_list,
    dict: _fp_dict,
    set: _fp_set,
    bytearray: _fp_bytearray,
    collections.deque: _fp_deque,
    collections.OrderedDict: _fp_dict,
    collections.defaultdict: _fp_dict,
    collections.Counter: _fp_dict,
}


def _handler_for(t):
    """The fingerprint function for objects of type t, or None (identity only)."""
    if t in _ATOMIC or issubclass(t, _CODE_LIKE):
        return None
    h = _STATIC_HANDLERS.get(t)
    if h is not None:
        return h
    np = sys.modules.get("numpy")
    if np is not None and issubclass(t, np.ndarray):
        return _fp_ndarray
    pd = sys.modules.get("pandas")
    if pd is not None:
        if issubclass(t, pd.DataFrame):
            return _fp_dataframe
        if issubclass(t, pd.Series):
            return _fp_series
        if issubclass(t, pd.Index):
            return None  # immutable
    for base, h in ((dict, _fp_dict), (list, _fp_list), (set, _fp_set), (collections.deque, _fp_deque)):
        if issubclass(t, base):
            return h
    if issubclass(t, (tuple, frozenset, str, bytes, int, float)):
        return None
    if t.__module__.startswith("IPython."):
        return None
    return _fp_object


class _TypeTable:
    """type -> fingerprint handler, holding each type weakly.

    A strong dict would keep every class ever seen alive (classes redefined in
    cells, with their methods and module globals).  Keyed by the type's
    address, with a weak reference that removes the entry when the class is
    collected; a lookup checks the reference, so a new class at a recycled
    address is never mistaken for the old one.
    """

    def __init__(self):
        self._entries = {}

    def get(self, t):
        entry = self._entries.get(_addr(t))
        if entry is not None and entry[0]() is t:
            return entry[1]
        return _MISSING

    def put(self, t, handler):
        key = _addr(t)
        entries = self._entries

        def forget(ref, key=key):
            current = entries.get(key)
            if current is not None and current[0] is ref:
                del entries[key]

        try:
            entries[key] = (weakref.ref(t, forget), handler)
        except TypeError:
            pass  # not weakly referenceable: look it up again next time

    def __len__(self):
        return len(self._entries)

    def holds(self, t):
        return self.get(t) is not _MISSING


# ----------------------------------------------------------------------------
# Names in bytecode: the globals a run's code loads, and (in the environment
# section below) the modules it imports.  One walk over the instructions.


def _names_of(code, ops, out):
    """Add to out the co_names entry of each instruction of code (nested code
    not included) whose opcode is in ops, a {opcode: shift} table (the name
    index is the argument shifted right).  Returns the instructions read."""
    names = code.co_names
    raw = code.co_code
    ext = 0
    for i in range(0, len(raw), 2):
        op = raw[i]
        arg = raw[i + 1] | ext
        if op == _EXTENDED_ARG:
            ext = arg << 8
            continue
        ext = 0
        shift = ops.get(op)
        if shift is not None:
            out.add(names[arg >> shift])
    return len(raw) // 2


def _loaded_names(code, out, budget):
    """Add to out the names that code (and nested code) loads as globals.

    Returns the instruction budget left; past it, co_names stands in (a superset).
    """
    if budget <= 0:
        out.update(code.co_names)
    else:
        budget -= _names_of(code, _LOAD_OPS, out)
    for c in code.co_consts:
        if type(c) is types.CodeType:
            budget = _loaded_names(c, out, budget)
    return budget


# ----------------------------------------------------------------------------
# The tracer.


class Tracer:
    """Watches one IPython shell; one instance per kernel."""

    def __init__(self, shell, slot, journal):
        self.version = VERSION
        self.shell = shell
        self.disabled = False
        self._slot = slot  # shared with the permanent audit hook
        self._comms = []
        self._journal = journal  # shared by every tracer of this kernel process
        self._failures = 0
        self._skip = {}
        self._handlers = _TypeTable()
        self._snapshot = None  # (identities, fingerprints) after the last traced run
        self._depth = 0  # nesting of pre_run_cell/post_run_cell pairs
        self._traced = False  # the outermost open run is traced
        self._cost = 0.0
        self._cwd = ""
        self._prefix = ""
        self._excluded = ()
        self._read = {}
        self._written = {}
        self._codes = []
        self._before = None
        self._run_code = None
        self._registered = []
        self._target_manager = None
        self._journaling = False  # the outermost open run goes into the journal
        self._start = 0.0
        self._parent = {}
        self._environment = None  # the kernel session's Environment (last section)
        self._environment_changed = False

    # -- installation -------------------------------------------------------

    def install(self):
        events = self.shell.events
        for name, cb in (("pre_run_cell", self._pre_run_cell), ("post_run_cell", self._post_run_cell)):
            events.register(name, cb)
            self._registered.append((name, cb))
        try:
            from IPython.core.interactiveshell import InteractiveShell

            self._run_code = InteractiveShell.run_code.__code__
        except Exception:
            self._run_code = None
        self._register_target()
        self._snapshot = self._scan(None)

    def _register_target(self):
        """Register the comm target with whichever comm API this kernel has."""
        managers = []
        kernel = getattr(self.shell, "kernel", None)
        if kernel is not None and getattr(kernel, "comm_manager", None) is not None:
            managers.append(kernel.comm_manager)  # the one that routes this kernel's messages
        try:
            import comm

            managers.append(comm.get_comm_manager())
        except Exception:
            pass
        for manager in managers:
            try:
                manager.register_target(TARGET, self.comm_opened)
                self._target_manager = manager
                return
            except Exception:
                continue
        if kernel is not None:
            raise RuntimeError("Retrace tracer: no comm manager accepts a target in this kernel")

    def uninstall(self):
        """Unregister every hook; the audit hook stays, but idle."""
        for name, cb in self._registered:
            try:
                self.shell.events.unregister(name, cb)
            except ValueError:
                pass
        self._registered = []
        self._slot[0] = self._slot[1] = self._slot[2] = None
        if self._target_manager is not None:
            try:
                if self._target_manager.targets.get(TARGET) == self.comm_opened:
                    del self._target_manager.targets[TARGET]
            except Exception:
                pass
        self._depth = 0
        self._traced = False
        self._journaling = False

    # -- comms --------------------------------------------------------------

    def comm_opened(self, comm, msg=None):
        """Comm target: say hello; the page then asks the journal for what it missed."""
        try:
            import platform

            try:
                import IPython

                ipython = IPython.__version__
            except Exception:
                ipython = None
            self._comms.append(comm)
            if len(self._comms) > MAX_COMMS:
                del self._comms[0]
            try:
                comm.on_close(lambda _msg, c=comm: self._comm_closed(c))
            except Exception:
                pass
            try:
                comm.on_msg(lambda m, c=comm: self._comm_msg(c, m))
            except Exception:
                pass
            journal = self._journal
            hello = {
                "type": "hello",
                "version": VERSION,
                "protocol": PROTOCOL,
                "python": platform.python_version(),
                "ipython": ipython,
                "pid": os.getpid(),
                "kernel": journal.kernel,
                "last": journal.last(),
                "disabled": self.disabled,
            }
            if self._send_one(comm, hello) and self._environment is not None:
                self._send_one(comm, self._environment.message())
        except Exception:
            pass

    def _comm_msg(self, comm, msg):
        """A page asks for the journal entries after an execution count."""
        try:
            data = msg["content"]["data"]
            if not isinstance(data, dict) or data.get("type") != "journal":
                return
            after = data.get("after")
            after = after if type(after) is int else 0
            limit = data.get("limit")
            limit = limit if type(limit) is int and 0 < limit <= JOURNAL_BATCH else JOURNAL_BATCH
            answer = self._journal.after(after, limit)
            answer["type"] = "journal"
            answer["request"] = data.get("request")
            self._send_one(comm, answer)
        except Exception:
            pass

    def _comm_closed(self, comm):
        try:
            self._comms.remove(comm)
        except ValueError:
            pass

    def _send_one(self, comm, data):
        try:
            comm.send(data)
            return True
        except Exception:
            self._comm_closed(comm)
            return False

    def _emit(self, data):
        # Nothing is buffered: what no page received is in the journal.
        for comm in list(self._comms):
            self._send_one(comm, data)

    # -- failures -----------------------------------------------------------

    def _failed(self, where, exc, execution_count=None):
        self._failures += 1
        self._slot[0] = self._slot[1] = self._slot[2] = None
        self._traced = False
        self._snapshot = None  # start from a fresh baseline
        disable = self._failures >= MAX_FAILURES
        if disable:
            self.disabled = True
            self.uninstall()
        try:
            self._emit(
                {
                    "type": "error",
                    "where": where,
                    "message": "%s: %s" % (type(exc).__name__, exc),
                    "execution_count": execution_count,
                    "disabled": disable,
                }
            )
        except Exception:
            pass

    # -- namespace ----------------------------------------------------------

    def _scan(self, old):
        """A snapshot of the user namespace: (identities, fingerprints).

        identities: name -> hash of (address, type address); fingerprints:
        name -> int, bytes or None.  Only ints and bytes, which the garbage
        collector does not track, so a snapshot of 1,000 names does not set
        off collections.  With old, names whose identity did not change keep
        their old fingerprint (used between runs); without, everything is
        fingerprinted.
        """
        ns = self.shell.user_ns
        hidden_get = self.shell.user_ns_hidden.get
        skip = self._skip
        handlers = self._handlers
        addr = _addr
        missing = _MISSING
        idents = {}
        fps = {}
        if old is not None:
            old_idents, old_fps = old
        for name, value in list(ns.items()):
            s = skip.get(name)
            if s is None:
                s = skip[name] = type(name) is not str or name in _IPYTHON_NAMES or _IPYTHON_PATTERN.fullmatch(name) is not None
            # IPython's own start-up names (which %who hides) while they keep their value.
            if s or hidden_get(name, missing) is value:
                continue
            t = type(value)
            ident = hash((addr(value), addr(t)))
            idents[name] = ident
            if old is not None and old_idents.get(name) == ident:
                fps[name] = old_fps[name]
                continue
            h = handlers.get(t)
            if h is missing:
                h = _handler_for(t)
                handlers.put(t, h)
            fp = None
            if h is not None:
                try:
                    fp = h(value)
                except Exception:
                    pass  # a strange object must not cost the whole report
            fps[name] = fp
        return idents, fps

    @staticmethod
    def _diff(before, after):
        before_idents, before_fps = before
        after_idents, after_fps = after
        added, rebound, mutated = [], [], []
        for name, ident in after_idents.items():
            prev = before_idents.get(name)
            if prev is None:
                added.append(name)
            elif prev != ident:
                rebound.append(name)
            elif before_fps[name] != after_fps[name]:
                mutated.append(name)
        deleted = [name for name in before_idents if name not in after_idents]
        return added, rebound, deleted, mutated

    # -- files --------------------------------------------------------------

    def _excluded_prefixes(self, cwd):
        """Folders under the notebook's folder whose files are never user data."""
        paths = [sys.prefix, sys.base_prefix, sys.exec_prefix]
        try:
            import site

            paths.extend(site.getsitepackages())
            paths.append(site.getusersitepackages())
        except Exception:
            pass
        try:
            import tempfile

            paths.append(tempfile.gettempdir())
        except Exception:
            pass
        try:
            paths.append(self.shell.profile_dir.location)
            paths.append(self.shell.ipython_dir)
        except Exception:
            pass
        mpl = sys.modules.get("matplotlib")
        if mpl is not None:
            try:
                paths.append(mpl.get_cachedir())
                paths.append(mpl.get_configdir())
            except Exception:
                pass
        if os.environ.get("MPLCONFIGDIR"):
            paths.append(os.environ["MPLCONFIGDIR"])
        out = []
        for p in paths:
            if p:
                p = os.path.join(os.path.abspath(p), "")
                # Only folders inside the notebook's folder matter; a notebook
                # that itself lives under a temp folder keeps its files.
                if p.startswith(cwd) and p != cwd:
                    out.append(p)
        return tuple(out)

    def _on_open(self, args):
        path, _mode, flags = args
        if type(path) is not str:
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            elif isinstance(path, os.PathLike):
                path = os.fspath(path)
                if isinstance(path, bytes):
                    path = os.fsdecode(path)
            else:
                return  # a file descriptor
        if not os.path.isabs(path):
            path = os.path.join(os.getcwd(), path)
        path = os.path.normpath(path)
        if not path.startswith(self._prefix) or path.startswith(self._excluded):
            return
        rel = path[len(self._prefix) :]
        parts = rel.split(os.sep)
        for part in parts[:-1]:
            # Hidden folders (.git, .ipynb_checkpoints, .cache) and bytecode caches.
            if part.startswith(".") or part == "__pycache__":
                return
        rel = "/".join(parts)
        access = (flags or 0) & 3  # O_ACCMODE
        if access != os.O_WRONLY and len(self._read) < MAX_FILES:
            self._read[rel] = None
        if access != os.O_RDONLY and len(self._written) < MAX_FILES:
            self._written[rel] = None

    def _on_exec(self, args):
        code = args[0] if args else None
        if type(code) is not types.CodeType:
            return
        # Keep only the code IPython runs for the cell itself: the caller of exec
        # is InteractiveShell.run_code (frames: this method, the audit hook).
        frame = sys._getframe(2)
        fc = frame.f_code
        if fc is self._run_code or (self._run_code is None and fc.co_name == "run_code"):
            self._codes.append(code)

    # -- IPython events ---------------------------------------------------------

    def _pre_run_cell(self, info=None):
        try:
            self._depth += 1
            if self._depth > 1 or self.disabled:
                return  # nested run_cell: the outer run accounts for it
            stored = bool(getattr(info, "store_history", True)) and not getattr(info, "silent", False)
            self._journaling = self._traced = stored
            if not stored:
                return
            self._start = time.time()
            self._parent = self._parent_header()
            t0 = time.perf_counter()
            # Bring the baseline up to date with what happened between runs
            # (silent executions, widgets): only new or rebound names cost a
            # fingerprint.
            self._before = self._scan(self._snapshot)
            if self._environment is not None:
                self._environment.before_run()
            cwd = os.path.join(os.getcwd(), "")
            if cwd != self._cwd:
                self._cwd = cwd
                self._excluded = self._excluded_prefixes(cwd)
            self._prefix = cwd
            self._read = {}
            self._written = {}
            self._codes = []
            self._cost = time.perf_counter() - t0
            # Only the thread running the cell is charged with the files it opens.
            self._slot[2] = _thread.get_ident()
            self._slot[0] = self._on_open
            self._slot[1] = self._on_exec
        except KeyboardInterrupt:
            # The user's Ctrl-C, not our failure: leave no half-open run, then
            # let it go where it would have gone without the tracer.
            self._abandon_run()
            raise
        except Exception as e:
            self._failed("pre_run_cell", e)

    def _abandon_run(self):
        self._slot[0] = self._slot[1] = self._slot[2] = None
        self._traced = False
        self._snapshot = None
        self._before = None
        self._codes = []

    def _parent_header(self):
        """The execute request being run (its msg_id, client session, metadata)."""
        kernel = getattr(self.shell, "kernel", None)
        try:
            parent = kernel.get_parent("shell")  # ipykernel >= 6
        except Exception:
            parent = getattr(self.shell, "parent_header", None)
        return parent if isinstance(parent, dict) else {}

    def _post_run_cell(self, result=None):
        count = None
        try:
            self._slot[0] = self._slot[1] = self._slot[2] = None
            self._depth = max(0, self._depth - 1)
            if self._depth > 0 or self.disabled:
                return
            journaling = self._journaling
            traced = self._traced
            self._journaling = self._traced = False
            info = getattr(result, "info", None)
            if not journaling or (info is not None and not getattr(info, "store_history", True)):
                return
            count = getattr(result, "execution_count", None)
            if count is None:
                return
            end = time.time()
            report = self._base_report(result, info, count, end)
            failure = None
            effects = None
            if traced:
                try:
                    effects = self._effects()
                except KeyboardInterrupt:
                    raise
                except Exception as e:
                    failure = e  # the run still goes into the journal, without effects
            if effects is not None:
                report.update(effects)
            else:
                report["traced"] = False
            self._journal.append(report)
            self._emit(report)
            if self._environment_changed:
                self._environment_changed = False
                self._emit(self._environment.message())
            if failure is not None:
                self._failed("post_run_cell", failure, count)
            elif effects is not None:
                self._failures = 0
        except KeyboardInterrupt:
            self._abandon_run()
            raise
        except Exception as e:
            self._failed("post_run_cell", e, count)

    def _base_report(self, result, info, count, end):
        parent = self._parent
        self._parent = {}
        header = parent.get("header") or {}
        cell_id = getattr(info, "cell_id", None)
        if not isinstance(cell_id, str):
            metadata = parent.get("metadata") or {}
            cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
        error = getattr(result, "error_before_exec", None) or getattr(result, "error_in_exec", None)
        report = {
            "type": "run",
            "kernel": self._journal.kernel,
            "execution_count": count,
            "cell_id": cell_id if isinstance(cell_id, str) else None,
            "code": getattr(info, "raw_cell", None) if info is not None else None,
            "status": "ok" if error is None else "error",
            "start": round(self._start * 1000.0, 1),
            "end": round(end * 1000.0, 1),
            "msg_id": header.get("msg_id"),
            "client": header.get("session"),
        }
        if error is not None:
            report["ename"] = type(error).__name__
            try:
                report["evalue"] = str(error)[:1000]
            except Exception:
                report["evalue"] = ""
        return report

    def _effects(self):
        t0 = time.perf_counter()
        before = self._before
        self._before = None
        after = self._scan(None)
        self._snapshot = after
        added, rebound, deleted, mutated = self._diff(before, after)
        loaded = set()
        budget = MAX_SCAN_INSTRUCTIONS
        for code in self._codes:
            budget = _loaded_names(code, loaded, budget)
        if self._environment is not None:
            self._environment_changed = self._environment.after_run(self._codes)
        self._codes = []
        read = sorted(n for n in loaded if n in before[0])
        cost = self._cost + (time.perf_counter() - t0)
        effects = {
            "added": added,
            "rebound": rebound,
            "deleted": deleted,
            "mutated": mutated,
            "read": read,
            "files_read": list(self._read),
            "files_written": list(self._written),
            "ms": round(cost * 1000.0, 3),
        }
        self._read = {}
        self._written = {}
        return effects


# ----------------------------------------------------------------------------
# The journal.


class Journal:
    """The last executions of this kernel process, by execution count.

    Bounded by JOURNAL_SIZE entries and JOURNAL_CODE_BYTES of code; the oldest
    go first.  `kernel` names this kernel process: with an execution count it
    names one run, identically in every page that watches the kernel.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self._entries = collections.deque()
        self._code_bytes = 0
        self.dropped = 0  # the highest execution count dropped so far

    def append(self, entry):
        entries = self._entries
        entries.append(entry)
        self._code_bytes += len(entry.get("code") or "")
        limit = max(1, JOURNAL_SIZE)
        while len(entries) > limit or (self._code_bytes > JOURNAL_CODE_BYTES and len(entries) > 1):
            old = entries.popleft()
            self._code_bytes -= len(old.get("code") or "")
            self.dropped = max(self.dropped, old["execution_count"])

    def __len__(self):
        return len(self._entries)

    def last(self):
        return self._entries[-1]["execution_count"] if self._entries else None

    def after(self, count, limit):
        """Entries with an execution count above count, oldest first, at most limit.

        `missed` lists the counts above count that left the journal before
        they were asked for (a page that stayed away too long), as [first, last].
        """
        out = [e for e in self._entries if e["execution_count"] > count]
        more = len(out) > limit
        missed = [count + 1, self.dropped] if self.dropped > count else None
        return {"kernel": self.kernel, "entries": out[:limit], "more": more, "missed": missed, "last": self.last()}


def _kernel_process_id(shell):
    """A name for this kernel process, made once when the tracer is first installed.

    The kernel's own message session id when it has one (the `session` of its
    IOPub headers, which a page sees before the tracer answers), else a new
    random id; either is new after every kernel restart.
    """
    try:
        session = shell.kernel.session.session
        if isinstance(session, str) and session:
            return session
    except Exception:
        pass
    return uuid.uuid4().hex


# ============================================================================
# The environment (kept apart from the tracer above, which calls only
# before_run, after_run and message): which Python, and which installed
# distributions the kernel session's imports came from -- not a pip freeze.
#
# After each traced run: the top-level modules the run loaded (sys.modules
# grew) and those its code imports directly (IMPORT_NAME, so a module the
# kernel had already loaded counts when a cell imports it), standard library
# and private (_name) modules left out, each mapped once to the distribution
# that installed it.  The mapping reads the .dist-info folders beside the
# module (in the sys.path folder it came from) rather than calling
# importlib.metadata.packages_distributions(), which reads the RECORD of
# every installed distribution on each call (about 0.5 s for 100 of them).
# A run that imports nothing costs a len(sys.modules) comparison.

ENV_MAX_DISTRIBUTIONS = 1000

_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_IMPORT_OPS = {_IMPORT_NAME: 0}
_IMPORT_BYTE = bytes((_IMPORT_NAME,))
_NORMAL = re.compile(r"[-_.]+")
_UNKNOWN = object()  # not loaded (yet): ask again after a later run


def _normal_name(name):
    return _NORMAL.sub("_", name).lower()


def _imported_tops(codes, out):
    """Add the top-level modules the cell's own code imports (nested code is
    seen through sys.modules when it first loads a module)."""
    imported = set()
    for code in codes:
        # Most cells import nothing: skip the walk when no byte could be the opcode.
        if _IMPORT_BYTE in code.co_code:
            _names_of(code, _IMPORT_OPS, imported)
    for name in imported:
        top = name.partition(".")[0]
        if top:  # "" for a relative import
            out.add(top)


def _root_of(module):
    """The folder on sys.path a top-level module was loaded from, or None."""
    try:
        f = getattr(module, "__file__", None)
        path = getattr(module, "__path__", None)
        if isinstance(f, str) and f:
            folder = os.path.dirname(os.path.abspath(f))
            return os.path.dirname(folder) if path is not None else folder
        if path is not None:  # a namespace package
            for p in path:
                return os.path.dirname(os.path.abspath(p))
    except Exception:
        pass
    return None


def _read_head(path):
    """Name and Version from a METADATA / PKG-INFO header."""
    name = version = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                break
            if name is None and line.startswith("Name:"):
                name = line[5:].strip()
            elif version is None and line.startswith("Version:"):
                version = line[8:].strip()
            if name and version:
                break
    return name, version


def _top_levels(info):
    """Top-level modules a .dist-info / .egg-info declares or installed."""
    if not os.path.isdir(info):
        return []
    try:
        with open(os.path.join(info, "top_level.txt"), encoding="utf-8") as f:
            return [line.strip().replace("/", ".").partition(".")[0] for line in f if line.strip()]
    except OSError:
        pass
    tops = []
    for record in ("RECORD", "installed-files.txt", "SOURCES.txt"):
        try:
            with open(os.path.join(info, record), encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            first = line.split(",", 1)[0].replace("\\", "/").split("/", 1)[0]
            if not first or first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data", ".pth")):
                continue
            top = first.partition(".")[0]
            if top and top not in tops:
                tops.append(top)
        break
    return tops


class Environment:
    """The environment of one kernel session (one kernel process)."""

    def __init__(self, kernel):
        import platform

        self.kernel = kernel
        self.python = platform.python_version()
        self.implementation = platform.python_implementation()
        self.distributions = {}  # name -> {"version", "modules"}
        self.ms = 0.0  # what recording the environment has cost so far
        self._owner = {}  # top-level module -> (name, version) or None
        self._stdlib = frozenset(sys.builtin_module_names) | frozenset(getattr(sys, "stdlib_module_names", ()))
        self._stdlib_dirs = None
        self._count = len(sys.modules)
        # Modules loaded before the first run are the kernel's own, unless a cell imports them.
        self._known = self._tops()
        self._folders = {}  # folder -> [mtime, {normal dist name: info path}, {module: info path} or None]
        self._infos = {}  # info path -> (name, version) or None

    @staticmethod
    def _tops():
        return {k.partition(".")[0] for k in list(sys.modules)}

    def before_run(self):
        """Modules loaded between runs (completion, widgets) are not a run's imports."""
        n = len(sys.modules)
        if n != self._count:
            self._count = n
            self._known = self._tops()

    def after_run(self, codes):
        """Record what the run imported; True when the environment changed."""
        t0 = time.perf_counter()
        wanted = set()
        try:
            _imported_tops(codes, wanted)
        except Exception:
            pass
        n = len(sys.modules)
        if n != self._count:
            self._count = n
            tops = self._tops()
            wanted.update(t for t in tops - self._known if not t.startswith("_"))
            self._known = tops
        changed = False
        owner = self._owner
        for top in wanted:
            if top in owner:
                continue
            dist = self._resolve(top)
            if dist is _UNKNOWN:
                continue
            owner[top] = dist
            if dist is None:
                continue
            name, version = dist
            entry = self.distributions.get(name)
            if entry is None:
                if len(self.distributions) >= ENV_MAX_DISTRIBUTIONS:
                    continue
                self.distributions[name] = {"version": version, "modules": [top]}
            elif top not in entry["modules"]:
                entry["modules"].append(top)
            changed = True
        self.ms += (time.perf_counter() - t0) * 1000.0
        return changed

    def _is_stdlib_folder(self, folder):
        if self._stdlib_dirs is None:
            import sysconfig

            dirs = []
            for key in ("stdlib", "platstdlib"):
                try:
                    dirs.append(os.path.join(os.path.abspath(sysconfig.get_paths()[key]), ""))
                except Exception:
                    pass
            self._stdlib_dirs = tuple(dirs)
        folder = os.path.join(folder, "")
        return folder.startswith(self._stdlib_dirs) and "-packages" not in folder

    def _resolve(self, top):
        """(distribution name, version) of a top-level module, None if it has none."""
        if top in self._stdlib:
            return None
        module = sys.modules.get(top)
        if module is None:
            return _UNKNOWN
        folder = _root_of(module)
        if folder is None or self._is_stdlib_folder(folder):
            return None
        entry = self._folder(folder)
        if entry is None:
            return None
        info = entry[1].get(_normal_name(top))
        if info is None:
            if entry[2] is None:
                owners = {}
                for path in entry[1].values():
                    try:
                        for name in _top_levels(path):
                            owners.setdefault(name, path)
                    except Exception:
                        continue
                entry[2] = owners
            info = entry[2].get(top)
        return None if info is None else self._info(info)

    def _folder(self, folder):
        try:
            mtime = os.stat(folder).st_mtime_ns
        except OSError:
            return None
        entry = self._folders.get(folder)
        if entry is not None and entry[0] == mtime:
            return entry
        names = {}
        try:
            with os.scandir(folder) as it:
                for e in it:
                    n = e.name
                    if n.endswith(".dist-info"):
                        names.setdefault(_normal_name(n[:-10].split("-", 1)[0]), e.path)
                    elif n.endswith(".egg-info"):
                        names.setdefault(_normal_name(n[:-9].split("-", 1)[0]), e.path)
        except OSError:
            pass
        entry = self._folders[folder] = [mtime, names, None]
        return entry

    def _info(self, path):
        if path in self._infos:
            return self._infos[path]
        found = None
        try:
            if os.path.isdir(path):
                meta = os.path.join(path, "METADATA" if path.endswith(".dist-info") else "PKG-INFO")
            else:
                meta = path  # an old egg-info file is the PKG-INFO itself
            name, version = _read_head(meta)
            if name and version:
                found = (name, version)
        except Exception:
            pass
        self._infos[path] = found
        return found

    def message(self):
        return {
            "type": "environment",
            "kernel": self.kernel,
            "python": self.python,
            "implementation": self.implementation,
            "distributions": {n: {"version": d["version"], "modules": list(d["modules"])} for n, d in self.distributions.items()},
            "ms": round(self.ms, 3),
        }


def _install_environment(tracer):
    """Give the tracer the kernel session's Environment, kept across tracer upgrades."""
    g = globals()
    env = g.get("_ENVIRONMENT")
    if env is None or type(env) is not Environment or env.kernel != tracer._journal.kernel:
        fresh = Environment(tracer._journal.kernel)
        if env is not None and getattr(env, "kernel", None) == fresh.kernel:
            fresh.distributions = getattr(env, "distributions", {})
        env = g["_ENVIRONMENT"] = fresh
    tracer._environment = env


# ----------------------------------------------------------------------------
# The permanent audit hook and installation.


def _make_audit_hook(slot):
    """slot: [open handler, exec handler, thread running the cell]; all None when idle or off."""
    get_ident = _thread.get_ident

    def _retrace_audit(event, args):
        # Called for every audit event in the process: stay cheap.
        if event == "open":
            f = slot[0]
        elif event == "exec":
            f = slot[1]
        else:
            return
        if f is not None and get_ident() == slot[2]:
            try:
                f(args)
            except Exception:
                slot[0] = slot[1] = slot[2] = None  # stop tracing this run rather than fail user code

    return _retrace_audit


def install():
    """Install (or keep) the tracer in the running IPython shell; returns it."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("Retrace tracer needs an IPython shell")
    g = globals()
    if "_AUDIT_SLOT" not in g:
        g["_AUDIT_SLOT"] = [None, None, None]
        sys.addaudithook(_make_audit_hook(g["_AUDIT_SLOT"]))
    elif len(g["_AUDIT_SLOT"]) < 3:
        g["_AUDIT_SLOT"].append(None)  # a hook of tracer 1.0 ignores the thread
    if g.get("_JOURNAL") is None:
        g["_JOURNAL"] = Journal(_kernel_process_id(shell))
    old = g.get("TRACER")
    if old is not None:
        if old.shell is shell and old.version == VERSION and not old.disabled:
            return old
        old.uninstall()
    tracer = Tracer(shell, g["_AUDIT_SLOT"], g["_JOURNAL"])
    g["TRACER"] = tracer
    tracer.install()
    try:
        _install_environment(tracer)
    except Exception:
        pass  # the environment is an extra: the tracer works without it
    return tracer


install()
