"""Recover of a history whose HEAD file was emptied (the panel's Recover, storage endpoint)."""
import json
import os

from .test_doctor import two_commits
from .test_storage import REPO, body, git, post, repo_dir


async def status(jp_fetch):
    return json.loads((await jp_fetch("retrace", "api", "repos", REPO)).body)


async def test_an_emptied_head_is_reported_as_a_damaged_ref_and_recovered(jp_fetch, retrace_config):
    _c1, c2 = await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    open(os.path.join(repo, "HEAD"), "w").close()
    # Not a valid repository any more, but its damage is said, so that Recover is offered.
    assert (await post(jp_fetch, REPO, "init", {})).code == 409
    before = await status(jp_fetch)
    assert before["valid"] is False and before["damagedRefs"] == {"HEAD": "empty"}

    answer = await post(jp_fetch, REPO, "recover", {})
    assert answer.code == 200, answer.body
    assert body(answer)["unrepaired"] == [] and body(answer)["damagedRefs"] == {}
    assert body(answer)["changes"][0].startswith("HEAD was empty; set to ref: refs/heads/main")
    after = await status(jp_fetch)
    assert after["valid"] is True and after["damagedRefs"] == {}
    assert git(repo, "rev-parse", "HEAD").strip() == c2
    git(repo, "fsck", "--full", "--strict")


async def test_recover_still_refuses_a_folder_that_is_not_a_repository(jp_fetch, retrace_config):
    await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    open(os.path.join(repo, "HEAD"), "w").close()
    os.rename(os.path.join(repo, "objects"), os.path.join(repo, "objects-moved"))
    answer = await post(jp_fetch, REPO, "recover", {})
    assert answer.code == 409 and body(answer)["kind"] == "corrupt"
    assert open(os.path.join(repo, "HEAD")).read() == ""  # not touched
