"""No leaks from Python: plan() and compute_tags() called 100,000 times each on
a real git repository must not grow the process's resident memory.

Resident memory is read from /proc/self/statm after a warm-up (pymalloc arenas,
libgit2's caches and the module's kept-open repository reach their steady size
first); ru_maxrss alone would only show the peak.  A leak of one 40-byte
allocation per call would add about 8 MB over the 200,000 calls, far above the
1 MB allowed.
"""

import gc
import os

import multiarch
import pytest

from support.project import GitProject, clean_env

CALLS = 100_000  # of each function
WARMUP = 2_000
ALLOWED_GROWTH = 1 << 20  # bytes

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")


def resident_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture
def released(tmp_path):
    """A repository whose HEAD is a release: packed and loose, lightweight and
    annotated tags, so the calls take every path of the tag reading."""
    project = GitProject(tmp_path / "proj")
    for minor in range(10):
        project.tag(f"v1.{minor}.0", annotated=minor % 2 == 0)
    project.tag("v2.0.0-rc.1")
    project.tag("nightly")
    project.git("pack-refs", "--all")
    project.tag("v2.0.0", annotated=True)  # loose: peeled through the tag object
    project.tag("v2.0.0+build.7")
    return project


def test_plan_and_compute_tags_100k_calls_do_not_grow_resident_memory(released, plain_project):
    repo, env = str(released.path), clean_env()
    plain = str(plain_project.path)
    expected = ["v2.0.0", "v2.0", "v2", "latest", "sha-" + released.head()[:7]]

    def calls(n):
        for i in range(n):
            tags = multiarch.compute_tags("auto", repo=repo, env=env)
            plan = multiarch.plan("all", tag="auto", push=True, repo=repo, env=env)
            if i % 100 == 0:
                # error paths too; a failed read also empties the module's
                # repository cache, so the next call opens the repository again
                with pytest.raises(multiarch.Error):
                    multiarch.compute_tags("auto", repo=plain, env=env)
                with pytest.raises(ValueError):
                    multiarch.plan("nope", tag="auto", repo=repo, env=env)
        return tags, plan

    tags, plan = calls(WARMUP)
    assert tags == expected and plan["tags"] == expected and len(plan["images"]) == 3
    gc.collect()
    before = resident_bytes()
    tags, plan = calls(CALLS)
    del plan
    gc.collect()
    growth = resident_bytes() - before
    assert tags == expected
    print(f"resident growth {growth} bytes")
    assert growth < ALLOWED_GROWTH, f"resident memory grew by {growth} bytes over {CALLS} calls of each"
