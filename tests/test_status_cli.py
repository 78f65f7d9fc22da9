"""`angreal build status` and multiarch.status() without a build: the option
rows against --help and the stubs, bad input (exit 2), a registry that does
not answer (exit 1, one line), and an empty repository on a real loopback
registry (nothing published: no drift).  What a real release shows is in
tests/test_real_status.py."""

import ast
import json
import re
from pathlib import Path

import multiarch
import pytest

from support.registry import free_port

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "stubs" / "multiarch-stubs" / "__init__.pyi"
ROWS = multiarch.options()


def rows_for(place):
    return [r for r in ROWS if place in r["commands"]]


def stub_params(function):
    tree = ast.parse(STUBS.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    return sorted(a.arg for a in node.args.args + node.args.kwonlyargs)


def test_help_shows_every_status_option(project):
    r = project.angreal("build", "status", "--help")
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    for row in rows_for("status"):
        shown = f"<{row['name']}>" if row["flag"] is None else row["flag"]
        assert shown in text, shown
        assert " ".join(row["help"].split())[:40] in text, row["name"]
    options = r.stdout[r.stdout.index("OPTIONS:"):]
    flags = set(re.findall(r"--[a-z][a-z-]+", options)) - {"--help"}
    assert flags == {"--registry", "--config", "--sign-key", "--sign-offline", "--json", "--check"}


@pytest.mark.parametrize("function,place", [("status", "status()"), ("status_cli", "status_cli")])
def test_the_stubs_take_the_keywords_the_module_parses(function, place):
    assert stub_params(function) == sorted({r["name"] for r in rows_for(place)})
    with pytest.raises(TypeError, match=f"{function}\\(\\) got an unexpected keyword argument 'nope'"):
        getattr(multiarch, function)("broker", nope=1)
    with pytest.raises(TypeError, match="missing required argument 'component'"):
        getattr(multiarch, function)()
    # status() returns data: printing and exit statuses are status_cli()'s
    if function == "status":
        for keyword in ("json", "check"):
            with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
                multiarch.status("broker", **{keyword: True})


def test_bad_input_is_exit_2_with_one_line(project):
    r = project.angreal("build", "status", "db")
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip().splitlines() == ["error: unknown component 'db' (expected one of: broker, agent, ui, all)"]
    r = project.angreal("build", "status", "broker", "--registry", "myteam/images")
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    r = project.angreal("build", "status", "broker", "--registry", "127.0.0.1:5000/x", "--sign-key", " ")
    assert r.returncode == 2 and r.stderr.startswith("error: empty --sign-key")
    with pytest.raises(ValueError, match="unknown component 'db'"):
        multiarch.status("db", repo=str(project.path), env={})


def test_a_registry_that_does_not_answer_is_exit_1_with_one_line(project):
    port = free_port()  # nothing listens there
    r = project.angreal("build", "status", "all", "--registry", f"127.0.0.1:{port}/ns")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and f"127.0.0.1:{port}" in lines[0], lines
    with pytest.raises(multiarch.Error, match=f"127.0.0.1:{port}"):
        multiarch.status("broker", registry=f"127.0.0.1:{port}/ns", repo=str(project.path), env={})


def test_nothing_published_is_no_drift(project, registry):
    ns = f"{registry.host}/empty"
    r = project.angreal("build", "status", "all", "--registry", ns, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("no version published") == 3 and "No drift" in r.stdout
    doc = json.loads(project.angreal("build", "status", "all", "--registry", ns, "--json").stdout)
    head = "sha-" + project.head()[:7]
    assert [i["component"] for i in doc["images"]] == ["broker", "agent", "ui"]
    for img in doc["images"]:
        assert img["image"] == f"{ns}/brokkr-{img['component']}"
        assert img["versions"] == [] and img["aliases"] == [] and img["drift"] == []
        assert img["head"] == {"tag": head, "published": False, "digest": None}
        assert img["requests"] >= 1
    assert doc["ok"] is True and doc["drift"] == 0 and doc["sign_key"] is None
    assert multiarch.status("all", registry=ns, repo=str(project.path), env={})["images"] == doc["images"]
