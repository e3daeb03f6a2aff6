"""git's formats as the endpoint checks them, against what the git command line writes."""
import os
import subprocess
import zlib

import pytest

from jupyterlab_retrace.gitvalidate import GitFormatError, InflateBudget, inflate_object, ref_name_problem


def loose_files(gitdir):
    for d in sorted(os.listdir(os.path.join(gitdir, "objects"))):
        if len(d) == 2:
            for f in sorted(os.listdir(os.path.join(gitdir, "objects", d))):
                yield d + f, open(os.path.join(gitdir, "objects", d, f), "rb").read()


def test_every_object_git_itself_writes_passes(tmp_path):
    """Commits, trees (with a gitlink, an executable, a symlink), blobs and an annotated tag."""
    work = tmp_path / "w"
    work.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@b"}
    run = lambda *a: subprocess.run(["git", *a], cwd=work, check=True, capture_output=True, env=env)  # noqa: E731
    run("init", "-q")
    (work / "a.txt").write_text("hello\n")
    (work / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(work / "run.sh", 0o755)
    os.symlink("a.txt", work / "link")
    run("add", "-A")
    run("update-index", "--add", "--cacheinfo", "160000," + "1" * 40 + ",sub")
    run("commit", "-qm", "first\n\nwith a body")
    run("tag", "-a", "v1", "-m", "a tag")
    kinds = set()
    for oid, data in loose_files(work / ".git"):
        obj = inflate_object(data, oid, InflateBudget(1 << 30), 1 << 30)
        kinds.add(obj.kind)
        if obj.kind == "tree":
            assert ("1" * 40, "gitlink") in obj.links
    assert kinds == {"blob", "tree", "commit", "tag"}


@pytest.mark.parametrize(
    "content",
    [
        b"tree 0000000000000000000000000000000000000000\nauthor A <a@b> 1 +0000\n\nno committer\n",
        b"parent 0000000000000000000000000000000000000000\ntree 0000000000000000000000000000000000000000\n",
        b"tree xyz\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n",
        b"tree 0000000000000000000000000000000000000000\nauthor A a@b 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n",
    ],
)
def test_malformed_commits_are_refused(content):
    import hashlib

    raw = b"commit %d\0" % len(content) + content
    with pytest.raises(GitFormatError):
        inflate_object(zlib.compress(raw), hashlib.sha1(raw).hexdigest(), InflateBudget(1 << 20), 1 << 20)


@pytest.mark.parametrize("ref", ["refs/heads/main", "refs/heads/attempt-2", "refs/retrace/meta", "HEAD"])
def test_names_git_accepts(ref):
    assert ref_name_problem(ref) is None
    if ref != "HEAD":
        assert subprocess.run(["git", "check-ref-format", ref]).returncode == 0
