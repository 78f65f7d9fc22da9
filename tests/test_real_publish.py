"""End-to-end on the real stack: the real angreal CLI, real git repositories,
the real buildx and BuildKit (dockerd's, through a `remote` builder), QEMU
for linux/arm64 RUN steps, and a real registry on 127.0.0.1.  Every test
reads back what landed in the registry (or in docker)."""

import json
import re
import uuid

import pytest

from support.github import parse_github_output
from support.real import docker_has_image, layer_file
from support.realrun import (COMPONENTS, MACHINES, PLATFORMS, RELEASE_TAGS, assert_error, error_lines, image,
                             image_tags, multi_arch, printed_commands, printed_steps, registry_puts, tag_digests)

pytestmark = pytest.mark.real

REMOTE = "git@github.com:colliery-io/brokkr.git"
SOURCE = "https://github.com/colliery-io/brokkr"


@pytest.fixture
def ns(registry):
    return f"{registry.host}/r-{uuid.uuid4().hex[:8]}"


def test_publish_all_runs_on_both_platforms_and_lands_in_the_registry(real_project, registry, ns, tmp_path,
                                                                     docker_env):
    real_project.git("remote", "add", "origin", REMOTE)
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.write_text("earlier=kept\n")
    r = multi_arch(real_project, "all", "--tag", "v1.2.3", "--push", "--registry", ns,
                   env={"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0, r.stderr[-3000:]
    head = real_project.head()
    got = parse_github_output(outputs.read_text())
    assert got.pop("earlier") == "kept"
    assert got.pop("tags") == "v1.2.3,v1.2,v1,latest" and got.pop("version") == "v1.2.3"
    assert "digest" not in got  # three images: one digest each
    refs = got.pop("refs").split(",")
    sizes = json.loads(got.pop("sizes"))  # a first release: nothing to compare with
    assert {c: [(x["platform"], x["bytes"] > 0, "since" in x) for x in sizes[c]] for c in sizes} == \
        {c: [(p, True, False) for p in PLATFORMS] for c in COMPONENTS}
    plan = json.loads(got.pop("json"))
    annotations = json.loads(got.pop("annotations"))
    assert annotations["ui"]["org.opencontainers.image.description"] == "Administrative web interface"
    assert annotations["broker"]["org.opencontainers.image.source"] == SOURCE
    assert plan["mode"] == "push" and [i["component"] for i in plan["images"]] == list(COMPONENTS)
    table = summary.read_text()
    for comp in COMPONENTS:
        repo = image(ns, comp)
        digests = tag_digests(registry, repo)
        assert sorted(digests) == RELEASE_TAGS
        assert len(set(digests.values())) == 1
        digest = digests["v1.2.3"]
        # the reference to deploy by is printed and is what the registry holds
        assert f"{repo}@{digest}" in r.stdout
        assert re.search(rf"^{comp}\s+published\s+\d+\.\ds\s+", r.stdout, re.M)
        assert got.pop(f"{comp}-digest") == digest and got.pop(f"{comp}-ref") == f"{repo}@{digest}"
        assert {f"{repo}:{t}" for t in RELEASE_TAGS} <= set(refs)
        assert f"| {comp} | published | `{repo}@{digest}` | `v1.2.3` `v1.2` `v1` `latest` |" in table
        assert registry.platforms(f"{repo}:latest") == PLATFORMS
        for platform in PLATFORMS:
            labels = registry.labels(f"{repo}:v1.2.3", platform)
            assert labels["org.opencontainers.image.revision"] == head
            assert labels["org.opencontainers.image.version"] == "v1.2.3"
            assert labels["org.opencontainers.image.title"] == f"brokkr-{comp}"
            assert labels["org.opencontainers.image.source"] == SOURCE
            assert labels["org.opencontainers.image.created"].endswith("Z")
            # the RUN step really ran on that platform (QEMU for arm64)
            assert layer_file(registry, repo, digest, platform, "/arch") == \
                MACHINES[platform] + b"\n" + comp.encode() + b"\n"
        # order, from what the product printed: the build, then the immutable
        # tag, then the mutable ones (latest last), each a registry PUT of the digest
        steps = printed_steps(r.stderr, comp)
        builds = [i for i, s in enumerate(steps) if s[:3] == ["$", "buildx", "build"]]
        put_at = [i for i, s in enumerate(steps) if s[0] == "PUT"]
        assert len(builds) == 1 and len(put_at) == 4 and builds[0] < put_at[0], steps
        assert registry_puts(r.stderr, comp) == [(f"{repo}:{t}", digest) for t in ("v1.2.3", "v1.2", "v1", "latest")]
        assert [s[1] for s in steps if s[0] == "GET"][:1] == [f"{repo}:v1.2.3"]  # checked before building
    assert got == {} and len(refs) == 12
    assert "imagetools" not in r.stderr  # the registry is spoken to directly
    assert "[broker] " in r.stderr and "[agent] " in r.stderr and "[ui] " in r.stderr
    # a good first release's log holds no error: the tags not there yet are said as such
    assert not error_lines(r.stdout, r.stderr)
    assert f"[broker] {image(ns, 'broker')}:v1.2.3: not published yet" in r.stderr
    # a push leaves nothing behind in the builder's daemon (dockerd's BuildKit,
    # containerd image store): no nameless copy of each pushed image
    stored = docker_env.docker("image", "ls", "--format", "{{.Repository}}").stdout.split()
    assert not [name for name in stored if name.startswith(f"{ns}/")], stored


def test_local_build_is_loaded_into_docker(real_project, docker_env):
    ref = f"multiarch-test.invalid/l-{uuid.uuid4().hex[:8]}/brokkr-broker:dev"
    try:
        r = multi_arch(real_project, "broker", "--tag", "dev", "--registry", ref.rsplit("/", 1)[0])
        assert r.returncode == 0, r.stderr[-3000:]
        assert re.search(r"^broker\s+built\s+", r.stdout, re.M)
        listed = docker_env.docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
        assert ref in listed
        # the loaded image is this machine's platform and holds its RUN's output
        assert docker_env.docker("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref).stdout.strip() \
            == "linux/amd64"
        out = docker_env.docker("run", "--rm", "--network", "none", ref, "cat", "/arch").stdout
        assert out == "x86_64\nbroker\n"
    finally:
        docker_env.docker("rmi", "-f", ref, check=False)
    assert not docker_has_image(docker_env, ref)


def test_auto_on_a_branch_publishes_the_branch_and_sha_tags(real_project, registry, ns):
    real_project.git("checkout", "-q", "-b", "feature/login")
    r = multi_arch(real_project, "broker", "--tag", "auto", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    repo, sha = image(ns, "broker"), "sha-" + real_project.head()[:7]
    digests = tag_digests(registry, repo)
    assert sorted(digests) == sorted(["feature-login", sha]) and len(set(digests.values())) == 1
    assert registry.platforms(f"{repo}:feature-login") == PLATFORMS
    assert registry.labels(f"{repo}:{sha}", "linux/arm64")["org.opencontainers.image.version"] == "feature-login"


def test_a_release_of_a_commit_already_built_keeps_its_sha_tag(real_project, registry, ns):
    """main's build published sha-abc1234; tagging that commit v1.0.0 and
    publishing again must not fail on (or move) the immutable sha tag."""
    r = multi_arch(real_project, "broker", "--tag", "auto", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    repo, sha = image(ns, "broker"), "sha-" + real_project.head()[:7]
    first = registry.digest(f"{repo}:{sha}")
    assert registry.digest(f"{repo}:main") == first
    real_project.tag("v1.0.0")
    r = multi_arch(real_project, "broker", "--tag", "auto", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    assert registry.digest(f"{repo}:{sha}") == first
    release = registry.digest(f"{repo}:v1.0.0")
    assert release != first  # real BuildKit: the second build is another digest
    assert {registry.digest(f"{repo}:{t}") for t in ("v1", "v1.0", "latest")} == {release}
    assert image_tags(registry, repo) == sorted(["main", sha, "latest", "v1", "v1.0", "v1.0.0"])
    assert f"kept {repo}:{sha}" in r.stdout


def test_jobs_one_builds_one_image_at_a_time_and_the_default_runs_them_together(real_project, registry, ns):
    def order(r):
        lines = r.stderr.splitlines()
        broker_pushed = next(i for i, l in enumerate(lines)
                             if l.startswith("[broker]") and "pushing manifest" in l)
        agent_build = next(i for i, l in enumerate(lines) if l.startswith("[agent] $ docker buildx build"))
        return agent_build, broker_pushed

    r = multi_arch(real_project, "all", "--tag", "v1.0.0", "--push", "--registry", ns, "--jobs", "1")
    assert r.returncode == 0, r.stderr[-3000:]
    agent_build, broker_pushed = order(r)
    assert agent_build > broker_pushed  # agent's build starts only after broker's pushed
    r = multi_arch(real_project, "all", "--tag", "v1.0.1", "--push", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    agent_build, broker_pushed = order(r)
    assert agent_build < broker_pushed
    for comp in COMPONENTS:
        assert registry.platforms(f"{image(ns, comp)}:v1.0.1") == PLATFORMS


def test_cache_options_pass_through_or_turn_off(real_project, registry, ns):
    ref = f"{ns}/shared-cache:main"
    r = multi_arch(real_project, "agent", "--tag", "v1.0.0", "--push", "--registry", ns, "--platforms",
                   "linux/amd64", "--cache-from", f"type=registry,ref={ref}", "--cache-to", "none")
    assert r.returncode == 0, r.stderr[-3000:]
    build, = printed_commands(r.stderr, "agent", "buildx", "build")
    assert build.count("--cache-from") == 1 and build[build.index("--cache-from") + 1] == f"type=registry,ref={ref}"
    assert "--cache-to" not in build
    assert f"importing cache manifest from {ref}" in r.stderr  # buildx really tried it (absent: not fatal)
    repo = image(ns, "agent")
    assert registry.tags(repo) == ["latest", "v1", "v1.0", "v1.0.0"]  # no buildcache-*
    assert registry.platforms(f"{repo}:v1.0.0") == ["linux/amd64"]


def test_an_explicit_builder_that_does_not_exist_is_never_created(real_project, docker_env, ns):
    name = f"missing-{uuid.uuid4().hex[:6]}"
    r = real_project.angreal("build", "multi-arch", "broker", "--tag", "v1.0.0", "--push", "--registry", ns,
                             "--builder", name)
    assert_error(r, 1, f"buildx builder '{name}' not found")
    assert name not in docker_env.docker("buildx", "ls").stdout


def test_a_token_without_a_user_is_refused(real_project, ns):
    r = multi_arch(real_project, "broker", "--tag", "v1.0.0", "--push", "--registry", ns,
                   env={"MULTIARCH_REGISTRY_TOKEN": "secret-value-1"})
    assert_error(r, 2, "pass --username")
    assert "secret-value-1" not in r.stdout + r.stderr
