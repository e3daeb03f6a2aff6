"""The status endpoint: present, authenticated, and telling where histories live."""
import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyterlab_retrace import __version__


async def test_status_reports_version_and_history_folder(jp_fetch, jp_root_dir):
    response = await jp_fetch("retrace", "api", "status")
    assert response.code == 200
    payload = json.loads(response.body)
    assert payload["version"] == __version__
    assert payload["historyDir"] == str((jp_root_dir / ".retrace").resolve())
    assert payload["historyDirRelative"] == ".retrace"
    assert payload["historyDirExists"] is False


async def test_status_requires_authentication(jp_fetch):
    with pytest.raises(HTTPClientError) as error:
        # An explicit empty Authorization header replaces the token jp_fetch adds.
        await jp_fetch("retrace", "api", "status", headers={"Authorization": ""})
    assert error.value.code == 403


class TestConfiguredHistoryFolder:
    """`c.Retrace.history_dir` moves the history folder, and the status says where."""

    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        return {**jp_server_config, "Retrace": {"history_dir": "notebooks-history"}}

    async def test_status_reports_the_configured_folder(self, jp_fetch, jp_root_dir):
        payload = json.loads((await jp_fetch("retrace", "api", "status")).body)
        assert payload["historyDirRelative"] == "notebooks-history"
        assert payload["historyDir"] == str((jp_root_dir / "notebooks-history").resolve())
