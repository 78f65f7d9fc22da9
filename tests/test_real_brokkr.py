"""A real release workload on the real stack: examples/brokkr (Rust broker and
agent built from Debian's packaged crates in planner/cacher/builder stages, a
Node.js ui) published with `all --push` for linux/amd64 and linux/arm64 (the
arm64 compile under QEMU), then every image run on both platforms.

One publish for the whole module: the builds take minutes on a fresh machine
(on a machine that built the example before, BuildKit's cache makes the
toolchain and dependency stages instant), so every check reads the one
release."""

import shutil
import subprocess
import uuid

import pytest

from support.project import REPO_ROOT, GitProject
from support.real import STACK_REGISTRY, STACK_SCRIPT, remote_docker_env
from support.realrun import COMPONENTS, PLATFORMS, image, multi_arch, tag_digests

pytestmark = pytest.mark.real

EXAMPLE = REPO_ROOT / "examples" / "brokkr"
DEBIAN_BASE = f"{STACK_REGISTRY}/multiarch/debian:bookworm"  # what the Dockerfiles build on
VERSION = "v1.4.2"
TAGS = ["latest", "v1", "v1.4", VERSION]
# e_machine of an ELF executable (bytes 18-19, little-endian), as `od -An -tx1` prints it
ELF_MACHINE = {"linux/amd64": "3e 00", "linux/arm64": "b7 00"}
NODE_ARCH = {"linux/amd64": "x64", "linux/arm64": "arm64"}


class BrokkrProject(GitProject):
    """examples/brokkr as a git repository of its own (the task file copied in)."""

    def __init__(self, path, docker_env):
        super().__init__(path, git=False)
        shutil.copytree(EXAMPLE, path, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".angreal", "target", "dist", "Cargo.lock"))
        self.docker_env = docker_env
        self.git("init", "-q", "-b", "main")
        self.git("remote", "add", "origin", "https://github.com/colliery-io/brokkr.git")
        self.commit("brokkr")
        self.tag(VERSION)

    def angreal(self, *args, env=None, timeout=300):
        return super().angreal(*args, env={**self.docker_env, **(env or {})}, timeout=timeout)


@pytest.fixture(scope="module")
def release(real_stack, registry, tmp_path_factory):
    """The example published once: (project, namespace, the task's result,
    the references the checks pull)."""
    # a stack made before the Debian base was part of it: stack.sh adds it
    if subprocess.run(["docker", "buildx", "imagetools", "inspect", "--raw", DEBIAN_BASE],
                      capture_output=True, timeout=120).returncode != 0:
        proc = subprocess.run(["bash", str(STACK_SCRIPT)], capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"bash scripts/stack.sh failed:\n{proc.stderr[-3000:]}"
    tmp = tmp_path_factory.mktemp("brokkr")
    env = remote_docker_env(real_stack, tmp)
    project = BrokkrProject(tmp / "brokkr", env)
    ns = f"{registry.host}/brokkr-{uuid.uuid4().hex[:8]}"
    # no registry cache: its export (every stage, the toolchains' hundreds of
    # MB, to a registry thrown away after the test) is tested on a small build
    # in test_real_faults.py and measured on this example in bench/brokkr.py
    result = multi_arch(project, "all", "--tag", VERSION, "--push", "--registry", ns,
                        "--cache-from", "none", "--cache-to", "none", timeout=3600)
    pulled = []
    yield project, ns, result, pulled
    for ref in pulled:  # what the checks pulled into dockerd's image store
        env.docker("image", "rm", "-f", ref, check=False)


def test_the_release_is_published_for_both_platforms(release, registry):
    project, ns, r, _ = release
    assert r.returncode == 0, r.stderr[-5000:]
    for comp in COMPONENTS:
        repo = image(ns, comp)
        digests = tag_digests(registry, repo)
        assert sorted(digests) == TAGS and len(set(digests.values())) == 1, digests
        assert f"{repo}@{digests[VERSION]}" in r.stdout
        assert registry.platforms(f"{repo}:{VERSION}") == PLATFORMS
        for platform in PLATFORMS:
            config = registry.config(f"{repo}:{VERSION}", platform)
            assert config["config"]["User"] == "brokkr", (comp, platform, config["config"])
            assert config["config"]["Labels"]["org.opencontainers.image.version"] == VERSION


def test_the_rust_stages_ran_on_each_platform(release):
    """The dependency stage and the program's compile ran (or came from
    BuildKit's cache) for each platform: the planner/cacher/builder layout."""
    _, _, r, _ = release
    assert r.returncode == 0, r.stderr[-5000:]
    for comp in ("broker", "agent"):
        for platform in PLATFORMS:
            for stage in ("planner", "cacher", "builder"):
                assert f"[{comp}] #" in r.stderr
                assert any(line.startswith(f"[{comp}] #") and f"[{platform} {stage} " in line
                           for line in r.stderr.splitlines()), (comp, platform, stage)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("comp", COMPONENTS)
def test_each_image_answers_its_version_on_each_platform(release, comp, platform):
    project, ns, r, pulled = release
    assert r.returncode == 0, r.stderr[-5000:]
    ref = f"{image(ns, comp)}:{VERSION}"
    pulled.append(ref)
    docker = project.docker_env.docker
    docker("pull", "-q", "--platform", platform, ref, timeout=600)
    run = ["run", "--rm", "--pull", "never", "--platform", platform]
    assert docker(*run, ref, "--version").stdout.strip() == f"brokkr-{comp} {VERSION}"
    # the program is built for the platform (not an amd64 binary that would
    # run either way) and runs as the non-root user
    if comp == "ui":
        assert docker(*run, "--entrypoint", "node", ref, "-p", "process.arch").stdout.strip() == \
            NODE_ARCH[platform]
    else:
        elf = docker(*run, "--entrypoint", "od", ref, "-An", "-tx1", "-j18", "-N2",
                     f"/usr/local/bin/brokkr-{comp}").stdout.strip()
        assert elf == ELF_MACHINE[platform]
    assert docker(*run, "--entrypoint", "id", ref, "-u").stdout.strip() == "10001"
