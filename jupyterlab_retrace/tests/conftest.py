"""Fixtures shared by the server-side tests: a real Jupyter server with Retrace enabled."""
import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_retrace": True},
            # Refuse anonymous access so the auth tests mean something.
            "allow_unauthenticated_access": False,
        },
        # A background `git gc` would make on-disk layouts timing-dependent in tests.
        "Retrace": {"git_gc": False},
    }


@pytest.fixture
def retrace_config(jp_serverapp):
    """The live ``Retrace`` settings of the test server (tests may lower its limits)."""
    return jp_serverapp.web_app.settings["retrace_config"]
