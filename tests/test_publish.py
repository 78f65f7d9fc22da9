"""`angreal build multi-arch` where the real stack cannot be used: faults it
cannot produce (a missing or corrupt metadata file, an index without a
requested platform), a builder it cannot create here, and checks that need
the emulator's log of every docker call.  Each emulator test says why in a
line starting `Emulator:`.  Everything the real stack can do is tested on it:
tests/test_real_publish.py, test_real_faults.py and test_real_matrix.py.
The last tests need no docker at all (missing docker, missing buildx, bad
input)."""

import os
import shutil
import subprocess
import uuid

import pytest

from support.fixtures import EMULATOR_SCRIPT
from support.project import clean_env

COMPONENTS = ("broker", "agent", "ui")
RELEASE_TAGS = ["latest", "v1", "v1.2", "v1.2.3"]


@pytest.fixture
def ns(registry):
    """A fresh registry namespace per test: HOST/t-xxxxxxxx."""
    return f"{registry.host}/t-{uuid.uuid4().hex[:8]}"


def run(project, emulator, *args, faults=(), env=None, timeout=180):
    extra = {"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
             "MULTIARCH_EMULATOR_DELAY": "0.005"}
    if faults:
        extra.update(emulator.faults(*faults))
    extra.update(env or {})
    return project.angreal("build", "multi-arch", *args, env=extra, timeout=timeout)


def image(ns, comp):
    return f"{ns}/brokkr-{comp}"


def image_tags(registry, repo):
    """The repository's tags without the registry build cache (buildcache-*)."""
    return [t for t in registry.tags(repo) if not t.startswith("buildcache-")]


def tag_digests(registry, repo):
    return {t: registry.digest(f"{repo}:{t}") for t in image_tags(registry, repo)}


def publish_release(project, emulator, ns, tag="v1.2.3", *extra, **kw):
    r = run(project, emulator, "all", "--tag", tag, "--push", "--registry", ns, *extra, **kw)
    return r


def test_builder_is_created_once_and_reused(project, emulator, ns):
    """Emulator: a docker-container builder cannot boot here (it pulls moby/buildkit from Docker Hub)."""
    first = publish_release(project, emulator, ns, "v1.0.0")
    assert first.returncode == 0, first.stderr[-2000:]
    # a builder not created yet is said as such, not as docker's `ERROR: no builder … found`
    assert "[setup] builder brokkr-builder: not created yet" in first.stderr
    assert "no builder" not in first.stderr
    builders = emulator.builders()["builders"]
    assert builders["brokkr-builder"]["driver"] == "docker-container"
    creates = [c for c in emulator.calls() if c["argv"][:2] == ["buildx", "create"]]
    assert len(creates) == 1
    assert publish_release(project, emulator, ns, "v1.0.1").returncode == 0
    assert len([c for c in emulator.calls() if c["argv"][:2] == ["buildx", "create"]]) == 1


def seed_previous_release(project, emulator, registry, ns):
    """Publish v1.2.2 so `latest` exists; return the digests of every tag."""
    r = publish_release(project, emulator, ns, "v1.2.2")
    assert r.returncode == 0, r.stderr[-2000:]
    (project.path / "docker" / "Dockerfile.broker").write_text("FROM scratch\nLABEL changed=yes\n")
    (project.path / "docker" / "Dockerfile.agent").write_text("FROM scratch\nLABEL changed=yes\n")
    (project.path / "docker" / "Dockerfile.ui").write_text("FROM scratch\nLABEL changed=yes\n")
    return {comp: tag_digests(registry, image(ns, comp)) for comp in COMPONENTS}


def assert_nothing_moved(registry, ns, before):
    for comp in COMPONENTS:
        assert tag_digests(registry, image(ns, comp)) == before[comp], comp


def assert_error(r, status, text):
    assert r.returncode == status, (r.returncode, r.stderr[-2000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), last
    assert text in r.stdout + r.stderr, r.stdout + r.stderr[-2000:]
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("fault, message", [
    ("no-metadata", "no metadata file"),
    ("bad-metadata", "metadata"),
    ("wrong-platforms", "but not linux/arm64"),
])
def test_metadata_and_verification_faults(project, emulator, registry, ns, fault, message):
    """Emulator: real buildx always writes a whole metadata file and pushes every platform it built."""
    before = seed_previous_release(project, emulator, registry, ns)
    r = publish_release(project, emulator, ns, faults=[fault])
    assert_error(r, 1, message)
    assert_nothing_moved(registry, ns, before)


def test_a_by_digest_build_refused_by_the_image_store_race_is_retried(project, emulator, registry, ns, tmp_path):
    """Emulator: dockerd's containerd image store refuses one of two by-digest
    builds of one image started at once (`image "…": already exists`), about
    one run in six where it was seen; the stack the tests run on did not show it
    in 40 rounds (tests/test_real_matrix.py runs ten), so the fault is made here."""
    digests = tmp_path / "digests"
    r = run(project, emulator, "broker", "--tag", "v1.2.3", "--push-by-digest", "--platforms", "linux/amd64",
            "--registry", ns, "--digest-dir", str(digests), faults=["image-exists=2"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stderr.count("retrying after a transient failure (attempt") == 2
    # the build's own output is kept, the error of each refused try included
    assert r.stderr.count("[broker] #") > 10
    assert r.stderr.count(f'image "{image(ns, "broker")}": already exists') >= 2
    assert r.stderr.count("$ docker buildx build") == 3
    assert os.listdir(digests) == ["broker-linux-amd64.json"]


def test_local_build_with_two_platforms_is_refused_before_running(project, emulator):
    """Emulator: only its call log can show that no docker command ran at all."""
    r = run(project, emulator, "broker", "--platforms", "linux/amd64,linux/arm64")
    assert_error(r, 2, "add --push to publish a multi-platform image")
    assert emulator.calls() == []


def test_missing_dockerfile_fails_before_any_build(project, emulator, ns):
    """Emulator: only its call log can show that no docker command ran at all."""
    (project.path / "docker" / "Dockerfile.agent").unlink()
    r = publish_release(project, emulator, ns)
    assert_error(r, 1, "Dockerfile for agent not found")
    assert emulator.calls() == []


def test_missing_docker_binary(project, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "angreal").symlink_to(subprocess.run(["which", "angreal"], capture_output=True, text=True).stdout.strip())
    r = project.angreal("build", "multi-arch", "broker", "--tag", "dev", env={"PATH": str(bin_dir)})
    assert_error(r, 1, "docker not found on PATH: install")


# where the docker CLI looks for plugins besides $DOCKER_CONFIG/cli-plugins (docker/cli's
# defaultSystemPluginDirs on Linux); a config.json may add cliPluginsExtraDirs, a fresh one has none
SYSTEM_PLUGIN_DIRS = ("/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
                      "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins")


def test_missing_buildx_plugin_with_the_real_docker_cli(project, tmp_path):
    """The real docker CLI without its buildx plugin.  The CLI always searches
    the system plugin dirs, so where buildx is installed the test hides them:
    in a private mount namespace (unshare) an empty directory is bind-mounted
    over each, and DOCKER_CONFIG is a fresh directory (no cli-plugins)."""
    real = shutil.which("docker", path="/usr/local/bin:/usr/bin:/bin")
    assert real and os.path.realpath(real) != os.path.realpath(EMULATOR_SCRIPT), "the real docker CLI is needed"
    bin_dir, empty, config = tmp_path / "bin", tmp_path / "no-plugins", tmp_path / "dockercfg"
    for d in (bin_dir, empty, config):
        d.mkdir()
    (bin_dir / "docker").symlink_to(real)
    (bin_dir / "angreal").symlink_to(shutil.which("angreal"))
    hide = [d for d in SYSTEM_PLUGIN_DIRS if os.path.isdir(d)]
    # inside the namespace: hide the plugin dirs, prove buildx is really gone (exit 97 if not), run the product
    script = ('for d in "$@"; do mount --bind "$EMPTY" "$d" || exit 98; done; '
              'docker buildx version >/dev/null 2>&1 && exit 97; '
              'exec angreal build multi-arch broker --tag dev')
    argv = ["sh", "-c", script, "sh", *hide]
    if hide:
        assert os.geteuid() == 0 and shutil.which("unshare"), "hiding the installed buildx needs root and unshare"
        argv = ["unshare", "--mount", "--propagation", "private", "--", *argv]
    env = clean_env({"PATH": f"{bin_dir}:/usr/bin:/bin", "DOCKER_CONFIG": str(config), "EMPTY": str(empty)})
    r = subprocess.run(argv, cwd=project.path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode not in (97, 98), (r.returncode, r.stderr)
    assert_error(r, 1, "docker has no buildx plugin: install the buildx plugin")
    assert "[setup] $ docker buildx version" in r.stderr
    # and the same docker CLI outside the namespace has it, when it is installed
    if hide:
        outside = subprocess.run([real, "buildx", "version"], env=env, capture_output=True, text=True, timeout=60)
        assert outside.returncode == 0, outside.stderr


def test_login_token_goes_to_stdin_only(project, emulator, registry, ns):
    """Emulator: only its call log shows every spawned docker argv (none holds the token) and the
    login's stdin size; the real login is tests/test_real_faults.py."""
    token = "ghp_" + uuid.uuid4().hex
    r = run(project, emulator, "broker", "--tag", "v1.0.0", "--push", "--registry", ns,
            env={"GITHUB_TOKEN": token, "GITHUB_ACTOR": "release-bot"})
    assert r.returncode == 0, r.stderr[-2000:]
    logins = emulator.logins()
    assert [(l["server"], l["user"]) for l in logins] == [(registry.host, "release-bot")]
    login_calls = [c for c in emulator.calls() if c["argv"][0] == "login"]
    assert login_calls[0]["stdin_bytes"] >= len(token)
    assert all(token not in " ".join(c["argv"]) for c in emulator.calls())
    assert token not in r.stdout + r.stderr


def test_jobs_option_is_validated(project):
    r = project.angreal("build", "multi-arch", "all", "--jobs", "0")
    assert_error(r, 2, "invalid --jobs '0'")


