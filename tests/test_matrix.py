"""The matrix-then-merge flow, end to end: separate processes stand in for
separate CI runners, each builds one platform and pushes it by digest into
one digest folder; `angreal build merge` then tags one index holding every
platform.  Real git, the real angreal CLI, a real registry on 127.0.0.1 and
the buildx emulator (tests/support/docker)."""

import json
import os
import subprocess
import uuid

import pytest

from support.github import parse_github_output
from support.project import clean_env

PLATFORMS = ("linux/amd64", "linux/arm64")
RELEASE_TAGS = ["latest", "v1", "v1.2", "v1.2.3"]
REMOTE = "git@github.com:colliery-io/brokkr.git"
SOURCE = "https://github.com/colliery-io/brokkr"


@pytest.fixture
def ns(registry):
    return f"{registry.host}/m-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def digests(tmp_path):
    return tmp_path / "digests"


def emulator_env(emulator, env=None):
    extra = {"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
             "MULTIARCH_EMULATOR_DELAY": "0.005"}
    extra.update(env or {})
    return extra


def image_tags(registry, repo):
    return sorted(t for t in registry.tags(repo) if not t.startswith("buildcache-"))


def runner_state(emulator, platform):
    """Each runner is its own machine: its own docker state (builders, calls)."""
    path = f"{emulator.state_dir}-{platform.replace('/', '-')}"
    os.makedirs(path, exist_ok=True)
    return path


def runner_calls(emulator, platform):
    with open(os.path.join(runner_state(emulator, platform), "calls.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line)["argv"] for line in fh if line.strip()]


def start_runner(project, emulator, platform, digests, *args, env=None):
    """One CI runner: `multi-arch --push-by-digest` for one platform, as its own process."""
    argv = ["angreal", "build", "multi-arch", *args, "--platforms", platform, "--push-by-digest",
            "--digest-dir", str(digests)]
    extra = dict(env or {}, MULTIARCH_EMULATOR_STATE=runner_state(emulator, platform))
    return subprocess.Popen(argv, cwd=project.path, env=clean_env(emulator_env(emulator, extra)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_matrix(project, emulator, digests, *args, env=None, platforms=PLATFORMS):
    runners = [start_runner(project, emulator, p, digests, *args, env=env) for p in platforms]
    results = []
    for proc in runners:
        out, err = proc.communicate(timeout=180)
        results.append((proc.returncode, out, err))
    for status, out, err in results:
        assert status == 0, err[-3000:]
    return results


def merge(project, emulator, *args, env=None):
    return project.angreal("build", "merge", *args, env=emulator_env(emulator, env), timeout=180)


def assert_error(r, status, text):
    assert r.returncode == status, (r.returncode, r.stdout[-1000:], r.stderr[-2000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and text in last, last
    assert "Traceback" not in r.stdout + r.stderr


def test_matrix_then_merge_publishes_one_index_with_both_platforms(project, emulator, registry, ns, digests,
                                                                   tmp_path):
    project.git("remote", "add", "origin", REMOTE)
    head = project.head()
    outputs = [tmp_path / f"out-{i}" for i in range(2)]
    runners = [start_runner(project, emulator, p, digests, "broker", "--tag", "v1.2.3", "--registry", ns,
                            env={"GITHUB_OUTPUT": str(outputs[i])})
               for i, p in enumerate(PLATFORMS)]
    for proc in runners:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
        assert "pushed" in out and "Recorded for `angreal build merge`" in out
    repo = f"{ns}/brokkr-broker"
    assert image_tags(registry, repo) == []  # by digest only: nothing is tagged yet

    # one record per platform, each naming a digest the registry holds
    names = sorted(os.listdir(digests))
    assert names == ["broker-linux-amd64.json", "broker-linux-arm64.json"]
    pushed = {}
    for name, out_file in zip(names, outputs):
        record = json.loads((digests / name).read_text())
        assert record["component"] == "broker" and record["image"] == repo and record["revision"] == head
        assert registry.digest(f"{repo}@{record['digest']}") == record["digest"]
        pushed[record["platform"]] = record["digest"]
        step = parse_github_output(out_file.read_text())
        assert step["digest"] == record["digest"] and step["broker-digest"] == record["digest"]
        assert step["tags"] == "v1.2.3,v1.2,v1,latest" and step["version"] == "v1.2.3"
        assert step["refs"] == ""  # nothing tagged
    assert sorted(pushed) == list(PLATFORMS)

    summary = tmp_path / "summary.md"
    merged_out = tmp_path / "merge-out"
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns,
              env={"GITHUB_OUTPUT": str(merged_out), "GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0, r.stderr[-3000:]

    assert image_tags(registry, repo) == RELEASE_TAGS
    index = registry.digest(f"{repo}:v1.2.3")
    assert {registry.digest(f"{repo}:{t}") for t in RELEASE_TAGS} == {index}
    assert registry.platforms(f"{repo}:latest") == list(PLATFORMS)
    for platform in PLATFORMS:
        labels = registry.labels(f"{repo}:v1.2.3", platform)
        assert labels["org.opencontainers.image.source"] == SOURCE
        assert labels["org.opencontainers.image.revision"] == head
        assert labels["org.opencontainers.image.version"] == "v1.2.3"
        assert labels["org.opencontainers.image.title"] == "brokkr-broker"
        assert labels["org.opencontainers.image.created"].endswith("Z")
    # the index points at exactly the digests the runners pushed
    raw = json.loads(registry.raw(f"{repo}:v1.2.3"))
    children = {m["digest"] for m in raw["manifests"]}
    for platform, digest in pushed.items():
        top = json.loads(registry.raw(f"{repo}@{digest}"))
        assert digest in children or {m["digest"] for m in top.get("manifests", [])} <= children

    got = parse_github_output(merged_out.read_text())
    assert got["digest"] == index and got["broker-ref"] == f"{repo}@{index}"
    assert sorted(got["refs"].split(",")) == sorted(f"{repo}:{t}" for t in RELEASE_TAGS)
    assert json.loads(got["json"])["mode"] == "merge"
    assert f"| broker | published | `{repo}@{index}` |" in summary.read_text()
    assert f"{repo}@{index}" in r.stdout

    # immutable first, then the mutable tags, each from the recorded digests
    creates = [c["argv"] for c in emulator.calls() if c["argv"][:3] == ["buildx", "imagetools", "create"]]
    tagged = [c for c in creates if "--dry-run" not in c]
    assert [[c[i + 1].rsplit(":", 1)[1] for i, a in enumerate(c) if a == "--tag"] for c in tagged] == \
        [["v1.2.3"], ["v1.2", "v1", "latest"]]
    for c in creates:
        assert sorted(a for a in c if "@sha256:" in a) == sorted(f"{repo}@{d}" for d in pushed.values())


def test_merge_of_all_components_with_the_source_date_epoch(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "all", "--tag", "v2.0.0", "--registry", ns,
               env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert len(os.listdir(digests)) == 6
    r = merge(project, emulator, "all", "--digest-dir", str(digests), "--tag", "v2.0.0", "--registry", ns)
    assert r.returncode == 0, r.stderr[-3000:]
    for comp in ("broker", "agent", "ui"):
        repo = f"{ns}/brokkr-{comp}"
        assert image_tags(registry, repo) == ["latest", "v2", "v2.0", "v2.0.0"]
        assert registry.platforms(f"{repo}:v2.0.0") == list(PLATFORMS)
        labels = registry.labels(f"{repo}:v2", "linux/arm64")
        assert labels["org.opencontainers.image.created"] == "2023-11-14T22:13:20Z"


def test_merge_dry_run_prints_the_exact_commands(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "v1.2.3", "--registry", ns)
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns,
              "--dry-run")
    assert r.returncode == 0, r.stderr
    repo = f"{ns}/brokkr-broker"
    records = [json.loads((digests / n).read_text()) for n in sorted(os.listdir(digests))]
    sources = " ".join(f"{repo}@{rec['digest']}" for rec in records)
    assert f"$ docker buildx imagetools create --tag {repo}:v1.2.3 {sources}\n" in r.stdout
    assert f"$ docker buildx imagetools create --tag {repo}:v1.2 --tag {repo}:v1 --tag {repo}:latest {sources}\n" \
        in r.stdout
    assert image_tags(registry, repo) == []
    calls = [c["argv"] for c in emulator.calls()]
    assert not any(c[:3] == ["buildx", "imagetools", "create"] for c in calls)


def test_merge_refuses_a_digest_missing_from_the_registry(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "v1.2.3", "--registry", ns)
    record_file = digests / "broker-linux-arm64.json"
    record = json.loads(record_file.read_text())
    record["digest"] = "sha256:" + "0" * 64
    record_file.write_text(json.dumps(record))
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns)
    assert_error(r, 1, "did not publish")
    assert "linux/arm64 digest" in r.stdout and "is not in the registry" in r.stdout
    assert image_tags(registry, f"{ns}/brokkr-broker") == []


def test_merge_refuses_the_same_platform_twice(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "v1.2.3", "--registry", ns)
    # a second arm64 record (say, from a re-run collected under another name)
    record = json.loads((digests / "broker-linux-amd64.json").read_text())
    record["platform"] = "linux/arm64"
    (digests / "broker-linux-arm64-rerun.json").write_text(json.dumps(record))
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns)
    assert_error(r, 2, "two digests for broker linux/arm64")
    assert image_tags(registry, f"{ns}/brokkr-broker") == []
    assert not any(c["argv"][:2] == ["buildx", "imagetools"] for c in emulator.calls())


def test_merge_refuses_a_missing_platform(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "v1.2.3", "--registry", ns, platforms=("linux/amd64",))
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "v1.2.3", "--registry", ns)
    assert_error(r, 2, "no digest for broker linux/arm64")
    assert image_tags(registry, f"{ns}/brokkr-broker") == []


def test_merge_refuses_an_empty_or_missing_folder(project, emulator, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = merge(project, emulator, "broker", "--digest-dir", str(empty), "--tag", "v1.2.3")
    assert_error(r, 2, "is empty")
    r = merge(project, emulator, "broker", "--digest-dir", str(tmp_path / "nowhere"), "--tag", "v1.2.3")
    assert_error(r, 2, "cannot read digest directory")
    assert emulator.calls() == []


def test_merge_refuses_digests_of_another_commit(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "auto", "--registry", ns)
    project.commit("later")
    r = merge(project, emulator, "broker", "--digest-dir", str(digests), "--tag", "auto", "--registry", ns)
    assert_error(r, 2, "merge on the commit that was built")
    assert image_tags(registry, f"{ns}/brokkr-broker") == []


def test_push_by_digest_needs_one_platform_and_a_folder(project, emulator, tmp_path):
    base = ["build", "multi-arch", "broker", "--push-by-digest"]
    r = project.angreal(*base, "--digest-dir", str(tmp_path / "d"), env=emulator_env(emulator))
    assert_error(r, 2, "pass it with --platforms")
    r = project.angreal(*base, "--platforms", "linux/amd64,linux/arm64", "--digest-dir", str(tmp_path / "d"),
                        env=emulator_env(emulator))
    assert_error(r, 2, "builds one platform per run")
    r = project.angreal(*base, "--platforms", "linux/arm64", env=emulator_env(emulator))
    assert_error(r, 2, "needs --digest-dir")
    r = project.angreal("build", "multi-arch", "broker", "--digest-dir", str(tmp_path / "d"),
                        env=emulator_env(emulator))
    assert_error(r, 2, "--digest-dir goes with --push-by-digest")
    assert emulator.calls() == []


def test_a_release_of_a_commit_already_built_keeps_its_sha_tag(project, emulator, registry, ns):
    """main's build published sha-abc1234; tagging that commit v1.0.0 and
    publishing again must not fail on (or move) the immutable sha tag."""
    env = emulator_env(emulator)
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--registry", ns, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    repo, sha = f"{ns}/brokkr-broker", "sha-" + project.head()[:7]
    first = registry.digest(f"{repo}:{sha}")
    project.tag("v1.0.0")
    r = project.angreal("build", "multi-arch", "broker", "--tag", "auto", "--push", "--registry", ns, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert registry.digest(f"{repo}:{sha}") == first
    assert registry.digest(f"{repo}:v1.0.0") != first
    assert image_tags(registry, repo) == sorted(["main", sha, "latest", "v1", "v1.0", "v1.0.0"])
    assert f"kept {repo}:{sha}" in r.stdout


def test_registry_cache_is_written_per_component_and_platform(project, emulator, registry, ns, digests):
    run_matrix(project, emulator, digests, "broker", "--tag", "v1.2.3", "--registry", ns)
    tags = registry.tags(f"{ns}/brokkr-broker")
    assert sorted(t for t in tags if t.startswith("buildcache-")) == ["buildcache-linux-amd64",
                                                                      "buildcache-linux-arm64"]
    builds = [a for p in PLATFORMS for a in runner_calls(emulator, p) if a[:2] == ["buildx", "build"]]
    assert len(builds) == 2
    for argv in builds:
        platform = argv[argv.index("--platform") + 1].replace("/", "-")
        ref = f"{ns}/brokkr-broker:buildcache-{platform}"
        assert argv[argv.index("--cache-from") + 1] == f"type=registry,ref={ref}"
        assert argv[argv.index("--cache-to") + 1].startswith(f"type=registry,ref={ref},mode=max")
        assert "VERSION=v1.2.3" in argv


def test_cache_options_pass_through_or_turn_off(project, emulator, registry, ns, digests):
    ref = f"{ns}/shared-cache:main"
    r = project.angreal("build", "multi-arch", "agent", "--tag", "v1.0.0", "--push", "--registry", ns,
                        "--cache-from", f"type=registry,ref={ref}", "--cache-to", "none",
                        env=emulator_env(emulator))
    assert r.returncode == 0, r.stderr[-2000:]
    argv = next(c["argv"] for c in emulator.calls() if c["argv"][:2] == ["buildx", "build"])
    assert argv.count("--cache-from") == 1 and argv[argv.index("--cache-from") + 1] == f"type=registry,ref={ref}"
    assert "--cache-to" not in argv
    assert not [t for t in registry.tags(f"{ns}/brokkr-agent") if t.startswith("buildcache-")]
