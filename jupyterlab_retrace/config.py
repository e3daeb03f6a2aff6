"""Server-side settings of Retrace (set them in jupyter_server_config.py as ``c.Retrace.*``)."""
from pathlib import Path

from traitlets import Bool, Integer, Unicode
from traitlets.config import Configurable


class Retrace(Configurable):
    """Where and how histories are kept."""

    history_dir = Unicode(
        ".retrace",
        config=True,
        help="Folder, relative to the Jupyter root, that holds one git repository per notebook.",
    )
    max_request_bytes = Integer(
        64 * 1024 * 1024,
        config=True,
        help="Largest storage request body accepted, in bytes.",
    )
    max_file_bytes = Integer(
        32 * 1024 * 1024,
        config=True,
        help="Largest single file (compressed git object) the storage endpoint writes or returns in a batch read.",
    )
    max_object_bytes = Integer(
        256 * 1024 * 1024,
        config=True,
        help="Largest uncompressed git object accepted (guards against decompression bombs).",
    )
    max_inflate_bytes = Integer(
        256 * 1024 * 1024,
        config=True,
        help="Total uncompressed bytes one write request may inflate across all its objects (zlib bombs).",
    )
    git_gc = Bool(
        True,
        config=True,
        help="Run `git gc --auto` in the background after writes when the git command line is available.",
    )

    def __init__(self, root_dir: str, **kwargs):
        super().__init__(**kwargs)
        self.root_dir = Path(root_dir).expanduser().resolve()

    @property
    def history_path(self) -> Path:
        path = Path(self.history_dir).expanduser()
        return path if path.is_absolute() else self.root_dir / path
