"""Test support: real git repositories laid out like a project that uses the
task (docker/Dockerfile.<component> and the task copied into .angreal/), and a
runner for the real `angreal` CLI."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.civars import without_ci

REPO_ROOT = Path(__file__).resolve().parents[2]
TASK_FILE = REPO_ROOT / "angreal_tasks" / "task_build.py"
COMPONENTS = ("broker", "agent", "ui")

def clean_env(extra=None):
    env = without_ci(os.environ)
    env.update(
        ANGREAL_NO_AUTO_COMPLETION="1",
        GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com",
        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
    )
    env.update(extra or {})
    return env


class GitProject:
    """A project directory that is a real git repository made with git."""

    def __init__(self, path: Path, git: bool = True):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        (path / "docker").mkdir(exist_ok=True)
        for c in COMPONENTS:
            (path / "docker" / f"Dockerfile.{c}").write_text(f"FROM scratch\nLABEL component={c}\n")
        (path / ".angreal").mkdir(exist_ok=True)
        shutil.copy(TASK_FILE, path / ".angreal" / "task_build.py")
        if git:
            self.git("init", "-q", "-b", "main")
            self.commit("initial")

    def git(self, *args) -> str:
        return subprocess.run(["git", *args], cwd=self.path, env=clean_env(), check=True,
                              capture_output=True, text=True, timeout=30).stdout.strip()

    def commit(self, message: str) -> str:
        (self.path / "CHANGES").open("a").write(message + "\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, annotated: bool = False, rev: str = "HEAD"):
        if annotated:
            self.git("tag", "-a", name, "-m", f"release {name}", rev)
        else:
            self.git("tag", name, rev)

    def detach(self):
        self.git("checkout", "-q", "--detach", "HEAD")

    def angreal(self, *args, env=None, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run(["angreal", *args], cwd=self.path, env=clean_env(env), capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path) -> GitProject:
    return GitProject(tmp_path / "proj")


@pytest.fixture
def plain_project(tmp_path) -> GitProject:
    """The same layout, not a git repository."""
    return GitProject(tmp_path / "plain", git=False)
