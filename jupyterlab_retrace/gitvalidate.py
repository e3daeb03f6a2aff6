"""Git's formats, checked strictly: loose objects, trees, commits, ref names.

Pure functions over bytes, no disk and no server: the storage endpoint uses
them before it acknowledges a write, and ``doctor`` reuses them. The rules are
the ones ``git fsck --strict`` and ``git check-ref-format`` apply, so whatever
passes here passes there.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus

OBJECT_TYPES = ("blob", "tree", "commit", "tag")
# Canonical header: a known type, one space, a decimal size without leading zeros, NUL.
HEADER_RE = re.compile(rb"(blob|tree|commit|tag) (0|[1-9][0-9]{0,17})\0")
OID_HEX_RE = re.compile(r"[0-9a-f]{40}")
# Modes git writes; fsck --strict refuses zero-padded or other modes.
# A gitlink (160000) names a commit of another repository: never looked for here.
TREE_MODES = {b"40000": "tree", b"100644": "blob", b"100755": "blob", b"120000": "blob", b"160000": "gitlink"}
IDENT_RE = re.compile(rb"[^<>\n]*<[^<>\n]*> [0-9]{1,19} [+-][0-9]{4}")
# Inflate in slices so a bomb is stopped after at most one slice beyond its budget.
INFLATE_SLICE = 1 << 20


class GitFormatError(Exception):
    """The bytes are not valid git; ``status`` is the HTTP answer the endpoint gives."""

    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = status
        self.message = message


class InflateBudget:
    """Total bytes a request may inflate, across all its objects (zlib bombs)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit

    def take(self, n: int, what: str) -> None:
        self.left -= n
        if self.left < 0:
            raise GitFormatError(
                f"{what}: objects inflate to more than the {self.limit} bytes one request may hold",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )


@dataclass
class GitObject:
    """A verified object: its id, type, size, and content unless it is a blob (never needed)."""

    oid: str
    kind: str
    size: int
    content: bytes | None = None
    # Filled for trees and commits: (oid, expected type) of what it points at.
    links: list[tuple[str, str]] = field(default_factory=list)


def declared_size(data: bytes, oid: str, max_object: int) -> int:
    """The size an object's header declares, read by inflating its first bytes only.

    Lets a request's whole inflation budget be checked before any object is
    inflated: a request of many bombs is refused at once, not after the first ones.
    """
    try:
        head = zlib.decompressobj().decompress(data, 64)
    except zlib.error:
        raise GitFormatError(f"object {oid}: not zlib-compressed data") from None
    match = HEADER_RE.match(head)
    if not match:
        raise GitFormatError(f"object {oid}: not a git object (no canonical '<type> <size>\\0' header)")
    size = int(match.group(2))
    if size > max_object:
        raise GitFormatError(
            f"object {oid}: {size} bytes is larger than allowed ({max_object})", HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        )
    return size


def inflate_object(data: bytes, oid: str, budget: InflateBudget | None, max_object: int) -> GitObject:
    """Inflate a loose object completely and check everything git checks.

    The zlib stream must end (with its Adler-32 checksum) exactly at the end of
    ``data``; the header must be canonical; the content must be as long as the
    header says, no more than ``max_object``, and hash to ``oid``. Blob content
    is hashed as it streams and not kept. ``budget`` None: the caller took the
    declared size from it already (``declared_size``).
    """
    what = f"object {oid}"
    inflater = zlib.decompressobj()
    sha = hashlib.sha1()
    try:
        head = inflater.decompress(data, 64)
    except zlib.error:
        raise GitFormatError(f"{what}: not zlib-compressed data") from None
    match = HEADER_RE.match(head)
    if not match:
        raise GitFormatError(f"{what}: not a git object (no canonical '<type> <size>\\0' header)")
    kind = match.group(1).decode()
    size = int(match.group(2))
    if size > max_object:
        raise GitFormatError(f"{what}: {size} bytes is larger than allowed ({max_object})", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if budget is not None:
        budget.take(size, what)
    keep = kind != "blob"
    body_start = match.end()
    sha.update(head)
    parts = [head[body_start:]] if keep else []
    got = len(head) - body_start
    pending = inflater.unconsumed_tail
    try:
        while not inflater.eof:
            if pending:
                chunk = inflater.decompress(pending, INFLATE_SLICE)
                pending = inflater.unconsumed_tail
            else:
                # All input consumed: what zlib still holds is at most its window.
                chunk = inflater.flush()
                if not inflater.eof:
                    raise GitFormatError(f"{what}: zlib stream is incomplete (truncated or missing its checksum)")
            got += len(chunk)
            if got > size:
                raise GitFormatError(f"{what}: content is longer than its header says ({size})")
            sha.update(chunk)
            if keep:
                parts.append(chunk)
    except zlib.error:
        raise GitFormatError(f"{what}: zlib stream is damaged") from None
    if inflater.unused_data:
        raise GitFormatError(f"{what}: {len(inflater.unused_data)} bytes after the end of the zlib stream")
    if got != size:
        raise GitFormatError(f"{what}: content is {got} bytes, its header says {size}")
    if sha.hexdigest() != oid:
        raise GitFormatError(f"{what}: content does not match the object id")
    obj = GitObject(oid=oid, kind=kind, size=size, content=b"".join(parts) if keep else None)
    if kind == "tree":
        obj.links = parse_tree(obj.content, what)
    elif kind == "commit":
        obj.links = parse_commit(obj.content, what)
    elif kind == "tag":
        obj.links = parse_tag(obj.content, what)
    return obj


def _tree_key(name: bytes, mode: bytes) -> bytes:
    return name + b"/" if mode == b"40000" else name


def parse_tree(content: bytes, what: str = "tree") -> list[tuple[str, str]]:
    """Entries of a tree as (oid, type); refuses what ``git fsck --strict`` refuses."""
    links = []
    pos = 0
    prev = None
    names = set()
    n = len(content)
    while pos < n:
        space = content.find(b" ", pos, pos + 8)
        nul = content.find(b"\0", space + 1) if space > 0 else -1
        if space < 0 or nul < 0 or nul + 21 > n:
            raise GitFormatError(f"{what}: malformed tree entry")
        mode = content[pos:space]
        name = content[space + 1 : nul]
        kind = TREE_MODES.get(mode)
        if kind is None:
            raise GitFormatError(f"{what}: bad mode {mode!r} in tree")
        if not name or b"/" in name or name in (b".", b"..", b".git"):
            raise GitFormatError(f"{what}: bad name {name!r} in tree")
        key = _tree_key(name, mode)
        if prev is not None and key <= prev:
            raise GitFormatError(f"{what}: tree entries are not sorted or repeat a name")
        if name in names:
            raise GitFormatError(f"{what}: duplicate name {name!r} in tree")
        names.add(name)
        prev = key
        links.append((content[nul + 1 : nul + 21].hex(), kind))
        pos = nul + 21
    return links


def _headers(content: bytes, what: str) -> list[tuple[bytes, bytes]]:
    end = content.find(b"\n\n")
    head = content if end < 0 else content[:end]
    if end < 0 and not content.endswith(b"\n"):
        raise GitFormatError(f"{what}: header does not end with a newline")
    out = []
    for line in head.split(b"\n"):
        if not line:
            continue
        if line.startswith(b" "):
            continue  # continuation of a multi-line header (gpgsig, mergetag)
        key, sp, value = line.partition(b" ")
        if not sp:
            raise GitFormatError(f"{what}: malformed header line")
        out.append((key, value))
    return out


def parse_commit(content: bytes, what: str = "commit") -> list[tuple[str, str]]:
    """(tree, 'tree') then (parent, 'commit')...; author and committer must be well formed."""
    headers = _headers(content, what)
    keys = [k for k, _ in headers]
    if not keys or keys[0] != b"tree":
        raise GitFormatError(f"{what}: commit does not start with its tree")
    i = 1
    while i < len(keys) and keys[i] == b"parent":
        i += 1
    if keys[i : i + 2] != [b"author", b"committer"]:
        raise GitFormatError(f"{what}: commit lacks author and committer after its parents")
    links = []
    for key, value in headers[:i]:
        hexid = value.decode("ascii", "replace")
        if not OID_HEX_RE.fullmatch(hexid):
            raise GitFormatError(f"{what}: bad {key.decode()} id")
        links.append((hexid, "tree" if key == b"tree" else "commit"))
    for key, value in headers[i : i + 2]:
        if not IDENT_RE.fullmatch(value):
            raise GitFormatError(f"{what}: bad {key.decode()} line")
    if b"parent" in keys[i:] or b"tree" in keys[i:]:
        raise GitFormatError(f"{what}: tree or parent out of place")
    return links


def parse_tag(content: bytes, what: str = "tag") -> list[tuple[str, str]]:
    headers = _headers(content, what)
    if len(headers) < 3 or [k for k, _ in headers[:3]] != [b"object", b"type", b"tag"]:
        raise GitFormatError(f"{what}: malformed tag")
    target = headers[0][1].decode("ascii", "replace")
    kind = headers[1][1].decode("ascii", "replace")
    if not OID_HEX_RE.fullmatch(target) or kind not in OBJECT_TYPES:
        raise GitFormatError(f"{what}: bad tag target")
    return [(target, kind)]


# ---- refs -----------------------------------------------------------------------------------

# Stricter than git (which allows most of Unicode): the characters our client writes, which
# also keeps every ref a valid file name everywhere. fullmatch, never match + '$' (which
# accepts a trailing newline).
REF_COMPONENT_RE = re.compile(r"[A-Za-z0-9._-]{1,200}")
MAX_REF_LENGTH = 1000


def ref_name_problem(ref) -> str | None:
    """Why ``ref`` is not a name git's ``check-ref-format`` accepts (as we use it), or None."""
    if not isinstance(ref, str):
        return "not a string"
    if ref == "HEAD":
        return None
    if not ref.startswith("refs/") or len(ref) > MAX_REF_LENGTH:
        return "must be HEAD or start with refs/"
    if ref.endswith("/") or ref.endswith(".") or ".." in ref or "@{" in ref:
        return "ends with '/' or '.', or holds '..' or '@{'"
    for part in ref.split("/"):
        if not REF_COMPONENT_RE.fullmatch(part):
            return f"component {part!r} is empty, too long or holds characters refs may not hold"
        if part.startswith(".") or part.endswith(".lock"):
            return f"component {part!r} starts with '.' or ends with '.lock'"
    return None


def is_valid_ref_name(ref) -> bool:
    return ref_name_problem(ref) is None


def ref_value_problem(value) -> str | None:
    """A ref file's content (without its newline) is an object id or ``ref: <valid name>``."""
    if not isinstance(value, str):
        return "not a string"
    if OID_HEX_RE.fullmatch(value):
        return None
    if value.startswith("ref: ") and is_valid_ref_name(value[5:]) and value[5:] != "HEAD":
        return None
    return "neither an object id nor 'ref: refs/...'"


def is_valid_ref_value(value) -> bool:
    return ref_value_problem(value) is None
