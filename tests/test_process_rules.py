"""Rules about how the product runs processes: no shell anywhere, and the GIL
released while buildx runs."""

import re
import threading
import time
from pathlib import Path

import multiarch

ROOT = Path(__file__).resolve().parents[1]
SHELL = re.compile(r'\b(system|popen|execl|execlp)\s*\(|shell\s*=\s*True|"sh",\s*"-c"|/bin/sh|\bos\.system\b')


def test_no_shell_invocation_in_the_product():
    sources = [p for p in (ROOT / "csrc").glob("*.[ch]")] + list((ROOT / "angreal_tasks").glob("*.py"))
    assert len(sources) > 20
    hits = [f"{p.name}:{n}: {line.strip()}" for p in sources
            for n, line in enumerate(p.read_text().splitlines(), 1) if SHELL.search(line)]
    assert hits == []


def test_no_python_h_outside_the_binding():
    including = sorted(p.name for p in (ROOT / "csrc").glob("*.[ch]") if "Python.h" in p.read_text())
    assert including == ["module.c"]


def test_the_gil_is_released_while_builds_run(project, emulator, registry, monkeypatch):
    monkeypatch.setenv("PATH", emulator.env()["PATH"])
    monkeypatch.setenv("MULTIARCH_EMULATOR_STATE", emulator.state_dir)
    monkeypatch.setenv("MULTIARCH_EMULATOR_FAULTS", "slow-build=1")
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    try:
        started = time.monotonic()
        status = multiarch.cli("broker", tag="v1.0.0", push=True, registry=f"{registry.host}/gil",
                               repo=str(project.path), env={})
        finished = time.monotonic()
    finally:
        done.set()
        t.join()
    assert status == 0
    during = [x for x in ticks if started < x < finished]
    # a held GIL would leave the other thread at most a handful of ticks
    assert finished - started > 1.0 and len(during) > 50


def layout_layers():
    """The csrc/ lines of the README's layout, bottom layer first: each names files."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index("## Layout"):]
    block = block[block.index("csrc/"):block.index("angreal_tasks/")]
    layers = []
    for line in block.splitlines()[1:]:
        names = re.split(r"\s{2,}", line.strip())[0].split()
        layers.append(names)
    return layers


def includes(path):
    return re.findall(r'^#include "([a-z0-9_]+)\.h"', path.read_text(), re.M)


def test_the_readme_layout_names_every_source_file_once():
    named = [name for layer in layout_layers() for name in layer]
    files = sorted({p.stem for p in (ROOT / "csrc").glob("*.[ch]")})
    assert sorted(named) == files


def test_includes_point_down_the_layout_only():
    layer_of = {name: i for i, layer in enumerate(layout_layers()) for name in layer}
    upward = [f"{p.name} includes {h}.h" for p in sorted((ROOT / "csrc").glob("*.[ch]"))
              for h in includes(p) if layer_of[h] > layer_of[p.stem]]
    assert upward == []


def test_no_include_loops():
    graph = {p.name: [f"{h}.h" for h in includes(p)] for p in (ROOT / "csrc").glob("*.h")}
    done, path = set(), []

    def visit(name):
        assert name not in path, " -> ".join(path + [name])
        if name in done:
            return
        path.append(name)
        for child in graph.get(name, []):
            visit(child)
        path.pop()
        done.add(name)

    for name in graph:
        visit(name)


def test_jobs_and_retries_take_ints_or_their_text(project, emulator, monkeypatch, capfd):
    monkeypatch.setenv("PATH", emulator.env()["PATH"])
    monkeypatch.setenv("MULTIARCH_EMULATOR_STATE", emulator.state_dir)
    for jobs, retries in [(2, 0), ("2", "0")]:
        assert multiarch.cli("broker", tag="dev", repo=str(project.path), env={}, jobs=jobs, retries=retries) == 0
    assert multiarch.cli("broker", tag="dev", repo=str(project.path), env={}, jobs=0) == 2
    assert "error: invalid --jobs '0': expected a whole number from 1 to 64" in capfd.readouterr().err
    for bad in [True, 2.5, b"2"]:
        try:
            multiarch.cli("broker", tag="dev", dry_run=True, repo=str(project.path), env={}, jobs=bad)
        except TypeError as exc:
            assert "jobs must be an int or a str" in str(exc)
        else:
            raise AssertionError(f"jobs={bad!r} was accepted")
