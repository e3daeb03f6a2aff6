"""Server configuration for the browser tests.

Galata's helper sets a temporary root folder, an empty token, port 8888 and
the in-page test helpers; we only add what this machine needs.
"""
from jupyterlab.galata import configure_jupyter_server

import os

configure_jupyter_server(c)  # noqa: F821 - `c` is injected by Jupyter's config loader

# Several test runs can share a machine when each picks its own port.
c.ServerApp.port = int(os.environ.get("RETRACE_TEST_PORT", "8888"))  # noqa: F821

c.ServerApp.allow_root = True  # noqa: F821 - CI runs as root
c.LabApp.expose_app_in_browser = True  # noqa: F821
