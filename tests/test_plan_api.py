"""multiarch.plan(): components, defaults, platforms, registry, config overrides
and the exact buildx argv."""

import datetime
import json
import re
import platform

import multiarch
import pytest

from support.project import clean_env

HOST = {"x86_64": "linux/amd64", "aarch64": "linux/arm64", "arm64": "linux/arm64"}[platform.machine()]


def commit_time(project):
    """HEAD's committer time as the created label shows it (RFC 3339, UTC)."""
    seconds = int(project.git("log", "-1", "--format=%ct"))
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan(project, component="all", **kw):
    return multiarch.plan(component, repo=str(project.path), env=clean_env(), **kw)


def test_push_release_plan_for_all_components(project):
    head = project.head()
    p = plan(project, tag="v1.2.3", push=True)
    assert p["push"] is True and p["registry"] == "ghcr.io/colliery-io" and p["builder"] == "brokkr-builder"
    assert p["workdir"] == str(project.path.resolve()) and p["config"] is None
    assert [i["component"] for i in p["images"]] == ["broker", "agent", "ui"]
    broker = p["images"][0]
    image = "ghcr.io/colliery-io/brokkr-broker"
    assert broker["image"] == image
    assert broker["dockerfile"] == "docker/Dockerfile.broker"
    assert broker["platforms"] == ["linux/amd64", "linux/arm64"]
    assert broker["tags"] == ["v1.2.3", "v1.2", "v1", "latest"]
    assert broker["refs"] == [f"{image}:{t}" for t in ["v1.2.3", "v1.2", "v1", "latest"]]
    assert broker["immutable_tags"] == ["v1.2.3"]
    assert broker["mutable_tags"] == ["v1.2", "v1", "latest"]
    assert broker["metadata_file"] == "<run-dir>/broker.metadata.json"
    # the labels' facts, and the component's description (the spec's Purpose column), on the index
    assert broker["annotations"] == [
        f"org.opencontainers.image.revision={head}", "org.opencontainers.image.version=v1.2.3",
        f"org.opencontainers.image.created={commit_time(project)}", "org.opencontainers.image.title=brokkr-broker",
        "org.opencontainers.image.description=Central management service",
    ]
    assert broker["index_annotations"] is True and broker["attestations"] is False
    annotations = [arg for level in ("index", "manifest") for a in broker["annotations"]
                   for arg in ("--annotation", f"{level}:{a}")]
    assert broker["command"] == [
        "docker", "buildx", "build", "--builder", "brokkr-builder",
        "--platform", "linux/amd64,linux/arm64", "--file", "docker/Dockerfile.broker",
        "--build-arg", "VERSION=v1.2.3",
        "--label", f"org.opencontainers.image.revision={head}",
        "--label", "org.opencontainers.image.version=v1.2.3",
        "--label", f"org.opencontainers.image.created={commit_time(project)}",
        "--label", "org.opencontainers.image.title=brokkr-broker",
        *annotations,
        "--cache-from", f"type=registry,ref={image}:buildcache-linux-amd64",
        "--cache-from", f"type=registry,ref={image}:buildcache-linux-arm64",
        "--cache-from", f"type=registry,ref={image}:buildcache-linux-amd64_linux-arm64",
        "--cache-to", f"type=registry,ref={image}:buildcache-linux-amd64_linux-arm64,mode=max,"
                      "image-manifest=true,oci-mediatypes=true",
        "--output", f"type=image,name={image},push-by-digest=true,name-canonical=true,push=true,store=false",
        "--metadata-file", "<run-dir>/broker.metadata.json", ".",
    ]
    # each tag move is a registry PUT of the digest's bytes, the immutable tag first
    assert broker["promote"] == [{"method": "PUT", "ref": f"{image}:{t}", "digest": "<digest>"}
                                 for t in ("v1.2.3", "v1.2", "v1", "latest")]


def test_local_build_loads_the_host_platform_with_every_tag(project):
    p = plan(project, "broker", tag="dev")
    img = p["images"][0]
    assert img["platforms"] == [HOST]
    assert img["metadata_file"] is None and img["promote"] == []
    assert img["command"][-4:] == ["--tag", "ghcr.io/colliery-io/brokkr-broker:dev", "--load", "."]
    assert "--output" not in img["command"]


def test_explicit_platforms_and_registry(project):
    p = plan(project, "agent", tag="test", platforms="linux/arm64", registry="myregistry.io/myorg")
    img = p["images"][0]
    assert img["image"] == "myregistry.io/myorg/brokkr-agent"
    assert img["platforms"] == ["linux/arm64"]
    assert img["command"][img["command"].index("--platform") + 1] == "linux/arm64"


def test_push_with_explicit_platforms(project):
    p = plan(project, "ui", tag="v2.0.0", push=True, platforms="linux/amd64,linux/arm/v7")
    assert p["images"][0]["platforms"] == ["linux/amd64", "linux/arm/v7"]


def test_several_platforms_without_push_is_refused_with_a_reason(project):
    with pytest.raises(ValueError, match="--push"):
        plan(project, "broker", platforms="linux/amd64,linux/arm64")


@pytest.mark.parametrize("bad, hint", [
    ("linux/x86_64", "did you mean linux/amd64"),
    ("amd64", "os/arch"),
    ("linux/amd64,", "empty entry"),
    ("linux/amd64,linux/amd64", "twice"),
    ("plan9000/amd64", "unknown operating system"),
    ("linux/arm/v9", "unknown variant"),
])
def test_invalid_platforms(project, bad, hint):
    with pytest.raises(ValueError, match=hint):
        plan(project, "broker", push=True, platforms=bad)


def test_unknown_component_lists_the_known_ones(project):
    with pytest.raises(ValueError, match=r"unknown component 'db' \(expected one of: broker, agent, ui, all\)"):
        plan(project, "db")


# docker's reference grammar (distribution/reference): the registry names it
# takes, and those it refuses (each with what is wrong).
REGISTRY_NAMES_ACCEPTED = [
    "ghcr.io/colliery-io", "localhost", "localhost:5000/team", "127.0.0.1:5555/a/b", "[::1]:5000/x",
    "[2001:db8::1]/x", "docker.io/myteam/images", "registry.example.com:443/a.b/c_d/e__f/g---h", "MyHost/x",
]
REGISTRY_NAMES_REFUSED = [
    ("myteam/images", "did you mean docker.io/myteam/images"),
    ("myteam", "did you mean docker.io/myteam"),
    ("https://ghcr.io/x", "leave out the scheme"),
    ("test.com:http", "is not a host"),
    ("test.com:0/x", "is not a host"),
    ("test.com:65536/x", "is not a host"),
    ("-ab.com", "is not a host"),
    ("ab.com-", "is not a host"),
    ("do..cker/x", "is not a host"),
    ("dock_.er/x", "is not a host"),
    ("dock-.er/x", "is not a host"),
    ("[fc00::1]8080/x", "is not a host"),
    ("ghcr.io/Colliery", "namespace must be lowercase"),
    ("ghcr.io/x/", "namespace must be lowercase"),
    ("ghcr.io/a..b", "namespace must be lowercase"),
    ("ghcr.io/a___b", "namespace must be lowercase"),
    ("ghcr.io/a-", "namespace must be lowercase"),
    ("a b", "is not a host"),
    ("", "empty --registry"),
    ("ghcr.io/" + "a" * 248, "more than the 255"),
]


@pytest.mark.parametrize("good", REGISTRY_NAMES_ACCEPTED)
def test_registry_names_docker_accepts(project, good):
    assert plan(project, "broker", registry=good)["images"][0]["image"] == f"{good}/brokkr-broker"


@pytest.mark.parametrize("bad, why", REGISTRY_NAMES_REFUSED)
def test_invalid_registry(project, bad, why):
    with pytest.raises(ValueError, match=re.escape(why)):
        plan(project, "broker", registry=bad)


def test_image_name_past_docker_limit(project):
    # the registry fits, the image name it makes does not
    with pytest.raises(ValueError, match=r"more than the 255 docker allows: use a shorter --registry"):
        plan(project, "broker", registry="ghcr.io/" + "a" * 240)


def test_config_file_overrides_components_and_defaults(project):
    (project.path / "multiarch.json").write_text(json.dumps({
        "registry": "registry.example.com/team",
        "builder": "ci-builder",
        "platforms": ["linux/amd64", "linux/s390x"],
        "image_prefix": "",
        "components": {
            "api": {"dockerfile": "build/api.Dockerfile", "target": "runtime",
                    "build_args": {"RUST_VERSION": "1.80"}},
            "worker": {"image": "jobs/worker", "context": "services/worker"},
        },
    }))
    p = plan(project, tag="v1.0.0", push=True)
    assert p["config"] == str(project.path.resolve() / "multiarch.json")
    api, worker = p["images"]
    assert api["image"] == "registry.example.com/team/api" and api["dockerfile"] == "build/api.Dockerfile"
    assert api["platforms"] == ["linux/amd64", "linux/s390x"]
    cmd = api["command"]
    assert cmd[cmd.index("--builder") + 1] == "ci-builder"
    assert cmd[cmd.index("--target") + 1] == "runtime"
    assert cmd[cmd.index("--build-arg") + 1] == "RUST_VERSION=1.80"
    assert worker["image"] == "registry.example.com/team/jobs/worker"
    assert worker["dockerfile"] == "docker/Dockerfile.worker" and worker["command"][-1] == "services/worker"
    with pytest.raises(ValueError, match="expected one of: api, worker, all"):
        plan(project, "broker")


@pytest.mark.parametrize("text, message", [
    ("{not json", "invalid JSON"),
    ('{"platfroms": []}', "unknown key 'platfroms'"),
    ('{"components": {"all": {}}}', "not 'all'"),
    ('{"platforms": ["linux/x86_64"]}', "did you mean linux/amd64"),
    ('{"registry": 5}', "non-empty string"),
    ("[]", "JSON object"),
])
def test_bad_config_is_an_environment_error(project, text, message):
    (project.path / "multiarch.json").write_text(text)
    with pytest.raises(multiarch.Error, match=message):
        plan(project, "broker")


def test_explicit_config_path_must_exist(project):
    with pytest.raises(multiarch.Error, match="cannot read config"):
        plan(project, "broker", config=str(project.path / "missing.json"))


def test_run_dir_fills_the_metadata_path(project):
    p = plan(project, "broker", tag="v1.0.0", push=True, run_dir="/tmp/run-1")
    assert p["images"][0]["metadata_file"] == "/tmp/run-1/broker.metadata.json"


def test_branch_push_has_no_immutable_promotion_but_sha(project):
    project.git("checkout", "-q", "-b", "develop")
    p = plan(project, "broker", tag="auto", push=True)
    img = p["images"][0]
    assert img["immutable_tags"] == ["sha-" + project.head()[:7]]
    assert img["mutable_tags"] == ["develop"]
    assert [s["ref"].rsplit(":", 1)[1] for s in img["promote"]] == ["sha-" + project.head()[:7], "develop"]


def test_version_is_the_package_metadata_everywhere(project):
    """Written once in pyproject.toml: the module, the installed metadata when
    there is one, and the JSON plan all carry it."""
    import importlib.metadata
    import tomllib
    from pathlib import Path

    version = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]["version"]
    assert multiarch.__version__ == version
    assert multiarch.plan("all", repo=str(project.path), env=clean_env())["multiarch_version"] == version
    try:
        assert importlib.metadata.version("multiarch") == version
    except importlib.metadata.PackageNotFoundError:
        pass  # an in-place build (PYTHONPATH) has no installed metadata
