"""The release workflow (.github/workflows/wheels.yml) and its cibuildwheel
configuration (pyproject.toml): valid against SchemaStore's GitHub workflow
schema (vendored in tests/schemas/, no network), and building what the README
promises: manylinux x86_64 and aarch64, macOS arm64 and x86_64, CPython
3.10-3.13, the sdist, every wheel linking the vendored libraries."""

import copy
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "tests" / "schemas" / "github-workflow.json").read_text())
WORKFLOW_FILES = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def load(path):
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on"
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def errors(workflow):
    return [e.message for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(workflow)]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_matches_the_schema(path):
    assert errors(load(path)) == []


def test_the_schema_rejects_a_broken_workflow():
    broken = copy.deepcopy(load(REPO / ".github" / "workflows" / "wheels.yml"))
    del broken["jobs"]["wheels"]["runs-on"]
    broken["jobs"]["sdist"]["steps"][0]["uses"] = 3
    assert len(errors(broken)) >= 2


def test_wheels_on_every_target_and_the_sdist():
    wf = load(REPO / ".github" / "workflows" / "wheels.yml")
    wheels = wf["jobs"]["wheels"]
    runners = [entry["os"] for entry in wheels["strategy"]["matrix"]["include"]]
    # x86_64 and aarch64 Linux, arm64 (macos-14) and x86_64 (macos-13) macOS, each native
    assert sorted(runners) == ["macos-13", "macos-14", "ubuntu-24.04", "ubuntu-24.04-arm"]
    assert any(str(step.get("uses", "")).startswith("pypa/cibuildwheel@") for step in wheels["steps"])
    sdist_runs = [step.get("run", "") for step in wf["jobs"]["sdist"]["steps"]]
    assert any("build --sdist" in run for run in sdist_runs)
    assert set(wf["on"]) == {"push", "workflow_dispatch"}


def test_cibuildwheel_builds_cpython_310_to_313_with_vendored_libraries():
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    assert cfg["build"] == ["cp310-*", "cp311-*", "cp312-*", "cp313-*"]
    assert "bash scripts/vendor.sh" in cfg["before-all"]
    assert "bash scripts/vendor.sh" in cfg["linux"]["before-all"]
    for env in (cfg["environment"], cfg["macos"]["environment"]):
        assert env["MULTIARCH_LIBS"] == "vendored"
    assert cfg["linux"]["manylinux-x86_64-image"] == cfg["linux"]["manylinux-aarch64-image"] == "manylinux_2_28"
    assert "auditwheel repair" in cfg["linux"]["repair-wheel-command"]
