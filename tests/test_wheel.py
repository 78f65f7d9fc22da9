"""The wheel where nothing else is installed: scripts/wheel.sh builds it, and a
bare Debian root (mmdebstrap minbase + python3 + python3-venv: no -dev
package, no git, no compiler) installs it and angreal offline, then runs
`import multiarch`, compute_tags and `angreal build multi-arch all --dry-run
--json` in a git repository made on the host (git is not in that root).

Runs as root (chroot), as CI does.  Cached under build/: the vendored static
libraries (scripts/vendor.sh), the root's tarball and the angreal wheelhouse
(both in build/bareroot/), so a repeated run takes seconds plus the wheel's
compile."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from support.project import REPO_ROOT, GitProject

CACHE = REPO_ROOT / "build" / "bareroot"
ROOT_TAR = CACHE / "bookworm-python3.tar"
WHEELHOUSE = CACHE / "wheelhouse"
VENV = "/opt/venv"
PROJECT = "/work/proj"
VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(argv, timeout=600, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def in_root(root, *argv, cwd="/"):
    """argv run inside the root with nothing of the host's environment."""
    return run(["chroot", str(root), "/usr/bin/env", "-i", "-C", cwd, f"PATH={VENV}/bin:/usr/bin:/bin",
                "HOME=/root", "LANG=C.UTF-8", "ANGREAL_NO_AUTO_COMPLETION=1", *argv])


@pytest.fixture(scope="module")
def wheel() -> Path:
    r = run(["bash", "scripts/wheel.sh"], cwd=REPO_ROOT, timeout=1800)
    assert r.returncode == 0, r.stdout + r.stderr
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    found = sorted((REPO_ROOT / "dist").glob(f"multiarch-{VERSION}-{tag}-{tag}-manylinux_*.whl"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def bare_root(tmp_path_factory, wheel) -> Path:
    assert os.geteuid() == 0, "the bare-root test needs root (chroot), as in CI"
    CACHE.mkdir(parents=True, exist_ok=True)
    if not ROOT_TAR.exists():
        part = ROOT_TAR.with_suffix(".tar.part")
        r = run(["mmdebstrap", "--format=tar", "--variant=minbase", "--include=python3,python3-venv", "bookworm", str(part),
                 "http://deb.debian.org/debian"], timeout=1200)
        assert r.returncode == 0, r.stderr[-3000:]
        part.rename(ROOT_TAR)
    if not any(WHEELHOUSE.glob("angreal-*.whl")):
        r = run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(WHEELHOUSE),
                 "angreal"], timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
    root = tmp_path_factory.mktemp("bareroot") / "root"
    root.mkdir()
    r = run(["tar", "-xf", str(ROOT_TAR), "-C", str(root)])
    assert r.returncode == 0, r.stderr
    wheels = root / "wheels"
    shutil.copytree(WHEELHOUSE, wheels)
    shutil.copy(wheel, wheels)
    r = in_root(root, "python3", "-m", "venv", VENV)
    assert r.returncode == 0, r.stderr
    r = in_root(root, "pip", "install", "-q", "--no-index", "--find-links", "/wheels", "multiarch", "angreal")
    assert r.returncode == 0, r.stdout + r.stderr
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def project(bare_root, tmp_path_factory) -> str:
    """A release commit, made on the host with git, copied into the root."""
    host = GitProject(tmp_path_factory.mktemp("wheelproj") / "proj")
    host.tag("v1.2.3", annotated=True)
    shutil.copytree(host.path, bare_root / PROJECT.lstrip("/"), symlinks=True)
    return host.head()


def test_the_root_is_bare(bare_root):
    for tool in ("git", "gcc", "cc", "pkg-config"):
        assert not (bare_root / "usr" / "bin" / tool).exists(), tool
    r = in_root(bare_root, "dpkg-query", "-W", "-f", "${Package}\n")
    assert r.returncode == 0, r.stderr
    packages = r.stdout.split()
    assert "python3" in packages and "python3-venv" in packages
    assert [p for p in packages if p.endswith("-dev") or p.startswith(("libgit2", "libcjson", "libcurl"))] == []


def test_ldd_finds_every_library(bare_root):
    r = in_root(bare_root, "python3", "-c", "import multiarch; print(multiarch.__file__)")
    assert r.returncode == 0, r.stderr
    extension = r.stdout.strip()
    assert extension.startswith(VENV + "/") and extension.endswith(".so")
    r = in_root(bare_root, "ldd", extension)
    assert r.returncode == 0, r.stderr
    assert "not found" not in r.stdout
    needed = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    # the vendored libraries are inside the extension: only glibc's own remain
    assert not [n for n in needed if n.startswith(("libgit2", "libcjson", "libcurl", "libmbed", "libz", "libssl"))]


def test_import_and_compute_tags(bare_root, project):
    code = ("import json, multiarch; print(json.dumps({'version': multiarch.__version__, "
            f"'tags': multiarch.compute_tags('auto', {PROJECT!r}, env={{}})}}))")
    r = in_root(bare_root, "python3", "-c", code)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"version": VERSION, "tags": ["v1.2.3", "v1.2", "v1", "latest", "sha-" + project[:7]]}


def test_angreal_dry_run_json_plan(bare_root, project):
    r = in_root(bare_root, "angreal", "build", "multi-arch", "all", "--tag", "auto", "--push", "--dry-run",
                "--json", cwd=PROJECT)
    assert r.returncode == 0, r.stdout + r.stderr
    plan = json.loads(r.stdout)
    tags = ["v1.2.3", "v1.2", "v1", "latest", "sha-" + project[:7]]
    assert plan["push"] is True and plan["tags"] == tags and plan["revision"] == project
    assert plan["multiarch_version"] == VERSION
    assert [img["image"] for img in plan["images"]] == [
        f"ghcr.io/colliery-io/brokkr-{c}" for c in ("broker", "agent", "ui")]
    for img in plan["images"]:
        assert img["tags"] == tags
        assert img["command"][:3] == ["docker", "buildx", "build"]
        assert img["dockerfile"] == f"docker/Dockerfile.{img['component']}"
