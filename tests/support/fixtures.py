"""TEST SUPPORT: pytest fixtures for the real registry and the buildx
emulator (loaded from tests/conftest.py via pytest_plugins).

registry (session)  a started support.registry.Registry on 127.0.0.1:PORT;
                    use a fresh repository name per test (registry_repo).
registry_repo       a unique repository name such as "t/test-name-1a2b3c4d".
emulator (function) an Emulator:
    bin_dir     temp dir holding `docker` -> tests/support/docker
    state_dir   its MULTIARCH_EMULATOR_STATE
    env(extra=None)      os.environ copy, PATH prefixed by bin_dir, state set,
                         inherited MULTIARCH_EMULATOR_FAULTS/BUILDX_BUILDER dropped
    faults(*items)       {"MULTIARCH_EMULATOR_FAULTS": "a,b=1"} for env(extra=...)
    run(args, ...)       run `docker ARGS` through the emulator (helper for tests)
    calls()              parsed calls.jsonl: [{"argv": [args after "docker"],
                         "cwd", "stdin_bytes", "pid"}]
    builders(), loaded(), logins()   the emulator's other state files
Faults (MULTIARCH_EMULATOR_FAULTS, comma separated): push-5xx=N, build-fail=SUBSTR,
no-metadata, bad-metadata, wrong-platforms, slow-build=SECONDS, login-denied.
MULTIARCH_EMULATOR_DELAY sets the pause between progress lines (default 0.02 s).
"""

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

from support.registry import Registry

EMULATOR_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docker")
EMULATOR_ENV_DROP = ("MULTIARCH_EMULATOR_FAULTS", "BUILDX_BUILDER", "MULTIARCH_EMULATOR_DELAY",
                     "BUILDX_NO_DEFAULT_ATTESTATIONS")


class Emulator:
    def __init__(self, root):
        self.bin_dir = os.path.join(root, "bin")
        self.state_dir = os.path.join(root, "state")
        os.makedirs(self.bin_dir)
        os.makedirs(self.state_dir)
        target = os.path.join(self.bin_dir, "docker")
        if os.access(EMULATOR_SCRIPT, os.X_OK):
            os.symlink(EMULATOR_SCRIPT, target)
        else:  # e.g. a checkout that lost the executable bit
            shutil.copyfile(EMULATOR_SCRIPT, target)
            os.chmod(target, 0o755)
        self.docker = target

    def env(self, extra=None):
        env = dict(os.environ)
        for key in EMULATOR_ENV_DROP:
            env.pop(key, None)
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        env["MULTIARCH_EMULATOR_STATE"] = self.state_dir
        if extra:
            env.update(extra)
        return env

    @staticmethod
    def faults(*items):
        return {"MULTIARCH_EMULATOR_FAULTS": ",".join(items)}

    def run(self, args, input=None, extra_env=None, cwd=None, timeout=60):
        """`docker ARGS` via the emulator; returns CompletedProcess (text)."""
        return subprocess.run([self.docker] + list(args), input=input, capture_output=True,
                              text=True, env=self.env(extra_env), cwd=cwd, timeout=timeout,
                              check=False)

    def _json(self, name, default):
        try:
            with open(os.path.join(self.state_dir, name), encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return default

    def calls(self):
        try:
            with open(os.path.join(self.state_dir, "calls.jsonl"), encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
        except FileNotFoundError:
            return []

    def builders(self):
        return self._json("builders.json", {"builders": {}, "current": None})

    def loaded(self):
        return self._json("loaded.json", [])

    def logins(self):
        return self._json("logins.json", [])


@pytest.fixture(scope="session")
def registry():
    reg = Registry()
    reg.start()
    try:
        yield reg
    finally:
        reg.cleanup()


@pytest.fixture
def registry_repo(request):
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40] or "repo"
    return f"t/{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def emulator(tmp_path_factory):
    return Emulator(str(tmp_path_factory.mktemp("emulator")))
