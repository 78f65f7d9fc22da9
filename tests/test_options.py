"""The option table (multiarch.options(), csrc/options.c) against what users
read: the README's options table, the stubs, the real `angreal ... --help`,
and the keywords the module's functions take."""

import ast
import re
from pathlib import Path

import multiarch
import pytest

ROOT = Path(__file__).resolve().parents[1]
STUBS = ROOT / "stubs" / "multiarch-stubs" / "__init__.pyi"
ROWS = multiarch.options()
FUNCTIONS = ("cli", "publish", "plan", "compute_tags")


def rows_for(command):
    return [r for r in ROWS if command in r["commands"]]


def stub_functions():
    tree = ast.parse(STUBS.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def stub_classes():
    tree = ast.parse(STUBS.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_every_row_is_complete():
    for r in ROWS:
        assert re.fullmatch(r"[a-z][a-z_]*", r["name"]) and r["help"], r
        assert r["type"] in {"text", "flag", "count", "uint", "switch", "env"}, r
        assert r["commands"], r
        if r["flag"] is not None:
            # a Python keyword takes a trailing underscore (from_ for --from)
            assert r["flag"] == "--" + r["name"].rstrip("_").replace("_", "-"), r
            assert (r["metavar"] is None) == (r["type"] == "flag"), r


@pytest.mark.parametrize("command", ["multi-arch", "merge", "promote", "prune"])
def test_help_shows_every_option_with_its_help(project, command):
    r = project.angreal("build", command, "--help")
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    for row in rows_for(command):
        shown = f"<{row['name']}>" if row["flag"] is None else row["flag"]
        assert shown in text, shown
        assert " ".join(row["help"].split())[:40] in text, row["name"]
    options = r.stdout[r.stdout.index("OPTIONS:"):]
    flags = set(re.findall(r"--[a-z][a-z-]+", options)) - {"--help"}
    assert flags == {row["flag"] for row in rows_for(command) if row["flag"]} | \
        {f for row in rows_for(command) for f in re.findall(r"--[a-z][a-z-]+", row["help"])}


def readme_options():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Options"):text.index("Environment:", text.index("## Options"))]
    table = re.findall(r"^\| `(--[a-z-]+)", section, re.M)
    merge = section[section.index("`angreal build merge"):]
    return table, set(re.findall(r"`(--[a-z-]+)`", merge))


def test_the_readme_lists_every_option_of_each_command():
    table, merge_paragraph = readme_options()
    assert sorted(table) == sorted({r["flag"] for r in rows_for("multi-arch") if r["flag"]})
    merge_flags = {r["flag"] for r in rows_for("merge") if r["flag"]}
    assert merge_flags - {"--digest-dir"} <= merge_paragraph


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_stubs_take_the_keywords_the_module_parses(function):
    node = stub_functions()[function]
    params = [a.arg for a in node.args.args + node.args.kwonlyargs]
    assert sorted(params) == sorted({r["name"] for r in rows_for(function)})
    # the module takes each of them and refuses any other keyword
    with pytest.raises(TypeError, match=f"{function}\\(\\) got an unexpected keyword argument 'nope'"):
        getattr(multiarch, function)(**({} if function == "compute_tags" else {"component": "broker"}), nope=1)


def test_the_stubs_name_every_function_of_the_module():
    public = {n for n in dir(multiarch) if not n.startswith("_") and callable(getattr(multiarch, n))}
    assert public - {"Error"} == set(stub_functions())
    assert {"Error", "Plan", "Option"} <= set(stub_classes())


def test_the_plan_json_is_written_from_the_table_in_its_order(project):
    plan = multiarch.plan("broker", repo=str(project.path), env={})
    table_keys = list(dict.fromkeys(r["json_key"] for r in ROWS if r["json_key"] is not None))
    assert list(plan) == ["multiarch_version"] + table_keys + ["revision", "tags", "images"]
    stub_keys = [s.target.id for s in stub_classes()["Plan"].body if isinstance(s, ast.AnnAssign)]
    assert stub_keys == list(plan)


def test_a_plan_json_key_holds_the_value_given(project, tmp_path):
    """Each option with a plain JSON key shows what was passed (mode and sign are worked out)."""
    given = {"registry": "localhost:5000/team", "builder": "b1", "tag_prefix": "broker-",
             "digest_dir": str(tmp_path), "provenance": "max", "sbom": True, "push": True,
             "config": None, "repo": str(project.path)}
    plan = multiarch.plan("broker", tag="v1.2.3", push_by_digest=True, platforms="linux/arm64", env={},
                          **given)
    for r in ROWS:
        if r["json_key"] is not None and r["name"] in given and given[r["name"]] is not None:
            assert plan[r["json_key"]] == given[r["name"]], r["name"]
    assert plan["mode"] == "push-by-digest" and plan["sign"] is None and plan["config"] is None


def test_positional_and_required_arguments(project):
    with pytest.raises(TypeError, match="missing required argument 'component'"):
        multiarch.plan()
    with pytest.raises(TypeError, match="at most 2 positional"):
        multiarch.compute_tags("dev", str(project.path), {})
    with pytest.raises(TypeError, match="multiple values for argument 'tag'"):
        multiarch.plan("broker", "dev", tag="dev")
    with pytest.raises(TypeError, match="argument 'tag' must be str or None"):
        multiarch.compute_tags(3)
    assert multiarch.compute_tags("v1.2.3", str(project.path)) == ["v1.2.3", "v1.2", "v1", "latest"]


@pytest.mark.parametrize("function", ["prune", "prune_cli"])
def test_the_prune_stubs_take_the_keywords_the_module_parses(function):
    node = stub_functions()[function]
    params = [a.arg for a in node.args.args + node.args.kwonlyargs]
    assert sorted(params) == sorted({r["name"] for r in ROWS if "prune()" in r["commands"]})
    assert {r["name"] for r in rows_for("prune")} <= set(params)
    with pytest.raises(TypeError, match=f"{function}\\(\\) got an unexpected keyword argument 'nope'"):
        getattr(multiarch, function)("broker", nope=1)


def test_the_readme_lists_every_prune_option():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Pruning"):]
    section = section[:section.index("\n## ", 1)]
    assert {r["flag"] for r in rows_for("prune") if r["flag"]} <= set(re.findall(r"`(--[a-z-]+)", section))
