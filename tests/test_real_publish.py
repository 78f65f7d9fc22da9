"""End-to-end on the real stack: the real angreal CLI, real git repositories,
the real buildx and BuildKit (dockerd's, through a `remote` builder), QEMU
for linux/arm64 RUN steps, and a real registry on 127.0.0.1."""

import re
import uuid

import pytest

from support.real import layer_file

pytestmark = pytest.mark.real

COMPONENTS = ("broker", "agent", "ui")
PLATFORMS = ["linux/amd64", "linux/arm64"]
RELEASE_TAGS = ["latest", "v1", "v1.2", "v1.2.3"]


@pytest.fixture
def ns(registry):
    return f"{registry.host}/r-{uuid.uuid4().hex[:8]}"


def image_tags(registry, repo):
    return [t for t in registry.tags(repo) if not t.startswith("buildcache-")]


def test_publish_all_runs_on_both_platforms_and_lands_in_the_registry(real_project, registry, ns, docker_env):
    r = real_project.angreal("build", "multi-arch", "all", "--tag", "v1.2.3", "--push", "--registry", ns,
                             "--builder", docker_env.builder)
    assert r.returncode == 0, r.stderr[-3000:]
    head = real_project.head()
    for comp in COMPONENTS:
        repo = f"{ns}/brokkr-{comp}"
        assert image_tags(registry, repo) == RELEASE_TAGS
        digests = {t: registry.digest(f"{repo}:{t}") for t in RELEASE_TAGS}
        assert len(set(digests.values())) == 1
        digest = digests["v1.2.3"]
        assert f"{repo}@{digest}" in r.stdout
        assert re.search(rf"^{comp}\s+published\s+", r.stdout, re.M)
        assert registry.platforms(f"{repo}:latest") == PLATFORMS
        for platform, machine in (("linux/amd64", b"x86_64"), ("linux/arm64", b"aarch64")):
            labels = registry.labels(f"{repo}:v1.2.3", platform)
            assert labels["org.opencontainers.image.revision"] == head
            assert labels["org.opencontainers.image.version"] == "v1.2.3"
            assert labels["org.opencontainers.image.title"] == f"brokkr-{comp}"
            # the RUN step really ran on that platform (QEMU for arm64)
            assert layer_file(registry, repo, digest, platform, "/arch") == machine + b"\n" + comp.encode() + b"\n"
