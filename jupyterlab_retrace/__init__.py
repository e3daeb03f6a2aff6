"""Retrace: run history, canonical run order and attempts for JupyterLab notebooks.

The Python package carries the prebuilt JupyterLab extension and the server
extension that keeps each notebook's history repository on disk.
"""
try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only when the package was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_retrace' outside a proper installation.")
    __version__ = "dev"

from .handlers import setup_handlers


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-retrace"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_retrace"}]


def _load_jupyter_server_extension(server_app):
    """Register Retrace's REST handlers with the running Jupyter server."""
    setup_handlers(server_app)
    server_app.log.info("Retrace server extension loaded, histories in %s",
                        server_app.web_app.settings["retrace_config"].history_path)
