"""REST endpoints of the Retrace server extension, all under ``/retrace/api``.

Every handler derives from Jupyter's ``APIHandler`` and is decorated with
``tornado.web.authenticated``, so Jupyter's own token/cookie auth and XSRF
checks apply exactly as they do to the core REST API.
"""
import json

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import __version__
from .config import Retrace
from .identity import identity_handlers
from .storage import storage_handlers


class StatusHandler(APIHandler):
    """Tells the frontend that the server part is present, its version and where histories live."""

    @tornado.web.authenticated
    def get(self):
        config: Retrace = self.settings["retrace_config"]
        path = config.history_path
        try:
            relative = str(path.relative_to(config.root_dir))
        except ValueError:
            relative = None
        self.finish(
            json.dumps(
                {
                    "version": __version__,
                    "historyDir": str(path),
                    "historyDirRelative": relative,
                    "historyDirExists": path.is_dir(),
                }
            )
        )


def setup_handlers(server_app) -> None:
    web_app = server_app.web_app
    root_dir = getattr(server_app, "root_dir", None) or web_app.settings.get("server_root_dir", ".")
    web_app.settings["retrace_config"] = Retrace(root_dir=root_dir, config=server_app.config)
    base = url_path_join(web_app.settings["base_url"], "retrace", "api")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "status"), StatusHandler),
            *storage_handlers(web_app.settings["base_url"]),
            *identity_handlers(web_app.settings["base_url"]),
        ],
    )
