#!/usr/bin/env python3
"""multiarch benchmarks with targets: one command, one table, exit 1 when a
target is missed.  Every figure is measured within this run against something
else measured in the same run (git itself, the buildx emulator, a smaller
repository), so the machine's speed largely cancels out; BENCHMARKS.md holds
the figures and the machine they were taken on.

  tags         compute_tags(tag="auto", repo=...) on a synthetic repository with
               10,000 annotated version tags and 20,000 commits, refs packed as
               a clone has them: median and p95 latency; and the same answer
               computed the usual way, with git subprocesses (rev-parse HEAD,
               tag --points-at HEAD, tag -l 'v*', symbolic-ref).
               targets: median <= 2 ms; >= 10x faster than the git way
  scaling      compute_tags at 100, 1,000, 10,000 and 50,000 tags: ms, and the
               growth per 10x more tags.   target: <= 15x per 10x (about linear)
  concurrency  `all` (broker, agent, ui) built locally (--load, jobs 3) through
               the buildx emulator with every build taking 1 s
               (slow-build=1): the wall time those three 1-s builds add over
               the same run with instant builds.
               target: <= 1.3 s (one after the other it would be 3 s)
               Also shown: whole-run wall times, --jobs 1, and the --push flow
               against a local registry (pushes, verification, tagging).
  publish, stack, rerun on the real stack (bench/real.py): the task against
               bare buildx, registry requests per image, `build merge`, the
               registry cache, QEMU, re-runs and conflicts; they need
               scripts/stack.sh's stack and are left out unless asked for
               with --only publish / stack / rerun (stack prunes only its
               own records from the shared builder's cache, by id)
  transport    the C registry client (multiarch.registry) against `docker
               buildx imagetools` for the same read and tag move on the
               loopback registry (bench/real.py; --only transport)
  brokkr       the real release workload (bench/brokkr.py): examples/brokkr
               built for real, cold and after a one-line change, against
               bare buildx, QEMU against native and cross-compiled, the
               registry cache's modes, image sizes; about an hour on two
               loaded cores, so only with --only brokkr (parts of it:
               MULTIARCH_BENCH_BROKKR=release,cache,compile,overhead; the
               cache modes: MULTIARCH_BENCH_BROKKR_MODES=max,min,none)
  overhead     the task's own time per image: multiarch.cli for a local build
               against replaying, directly, every docker command it ran (the
               buildx emulator returning at once, and a null `docker`).
               target: <= 20 ms per image

Usage: python3 bench/run.py [--repos DIR] [--skip-push] [--only PART ...]
  --repos DIR   keep the generated repositories in DIR and reuse them next
                time (default: a temporary directory, removed afterwards)
  --only PART   tags, scaling, concurrency, overhead, publish, stack, rerun, transport or brokkr (repeatable)
Needs: git, the multiarch extension installed, and for the --push flow
docker-registry and skopeo (as for the tests).
"""

import argparse
import ctypes
import gc
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import multiarch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real as bench_real  # noqa: E402  (bench/real.py, beside this file)
from support.civars import is_ci_variable  # noqa: E402  (tests/ is on the path: bench/real.py put it there)
import brokkr as bench_brokkr  # noqa: E402  (bench/brokkr.py, beside this file)

ROOT = Path(__file__).resolve().parents[1]
EMULATOR = ROOT / "tests" / "support" / "docker"
EXAMPLE = ROOT / "examples" / "brokkr"

GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
# compute_tags reads CI variables from env: a clean one, so a CI runner's own
# GITHUB_* variables cannot change the answer
TAG_ENV = {"PATH": os.environ["PATH"]}

MAIN_TAGS, MAIN_COMMITS = 10_000, 20_000
SCALE_TAGS = (100, 1_000, 10_000, 50_000)


# ---------------------------------------------------------------- repositories

def version_name(i):
    """The i-th version: v0.0.0, v0.0.1, ... 20 patches per minor, 20 minors per major."""
    return f"v{i // 400}.{(i // 20) % 20}.{i % 20}"


def make_repo(path, ntags, ncommits, annotated=True, loose=False):
    """ncommits commits on main and ntags version tags spread evenly over them,
    the highest on HEAD, made with git fast-import in a scratch repository and
    then cloned: refs end up packed (with the peeled commit of each annotated
    tag) exactly as a clone or CI checkout has them.  loose: no clone, every
    tag a loose ref file, as fast-import (or tagging one by one) leaves them."""
    src = path if loose else f"{path}.src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "-b", "main", src] + ([] if loose else ["--bare"]), check=True,
                   env=GIT_ENV)
    step = ncommits // ntags
    out = ["blob\nmark :1\ndata 6\nhello\n"]
    for c in range(ncommits):
        msg = f"c{c}"
        out.append(f"commit refs/heads/main\nmark :{c + 2}\n"
                   f"committer b <b@b> {1700000000 + c} +0000\ndata {len(msg)}\n{msg}\n")
        if c == 0:
            out.append("M 644 :1 README\n")
        out.append("\n")
    for i in range(ntags):
        mark = ncommits - (ntags - 1 - i) * step + 1
        name = version_name(i)
        if annotated:
            out.append(f"tag {name}\nfrom :{mark}\ntagger b <b@b> 1700000000 +0000\ndata 8\nrelease\n")
        else:
            out.append(f"reset refs/tags/{name}\nfrom :{mark}\n\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=src, input="".join(out), text=True, check=True,
                   env=GIT_ENV)
    if loose:
        subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True, env=GIT_ENV)
        return
    subprocess.run(["git", "clone", "-q", src, path], check=True, env=GIT_ENV)
    shutil.rmtree(src)


def repo(cache_dir, ntags, ncommits, annotated=True, loose=False):
    """The repository for these parameters, made once per cache directory."""
    path = os.path.join(cache_dir, f"tags{ntags}-commits{ncommits}-{'annotated' if annotated else 'lightweight'}"
                                   f"{'-loose' if loose else ''}")
    stamp = os.path.join(path, ".git", "bench-made")
    if not os.path.exists(stamp):
        t0 = time.perf_counter()
        make_repo(path, ntags, ncommits, annotated, loose)
        open(stamp, "w").close()
        print(f"  made {os.path.basename(path)} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


# ---------------------------------------------------------------- tags the usual way

SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
                    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")


def semver_key(tag):
    """A sort key in semver precedence, or None for a tag that is not a version."""
    m = SEMVER.match(tag)
    if not m:
        return None
    pre = m.group(4)
    pre_key = (1,) if pre is None else (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                                                 for p in pre.split(".")))
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre_key


def via_git(path):
    """--tag auto the way a shell-script task computes it: four git commands,
    then the same rules (release set with the alias rule, else the branch)."""
    def git(*args, check=True):
        return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=check,
                              env=GIT_ENV).stdout
    head = git("rev-parse", "HEAD").strip()
    at_head = git("tag", "--points-at", "HEAD").split()
    versions = git("tag", "-l", "v*").split()
    branch = git("symbolic-ref", "--short", "-q", "HEAD", check=False).strip()
    sha = "sha-" + head[:7]
    on_head = [(semver_key(t), t) for t in at_head if semver_key(t) is not None]
    if not on_head:
        return [re.sub(r"[^A-Za-z0-9_.-]", "-", branch), sha] if branch else [sha]
    key, tag = max(on_head, key=lambda kt: kt[0])
    tags = [tag.replace("+", "_")]
    if key[3] == (1,):
        stable = [k for k in map(semver_key, versions) if k is not None and k[3] == (1,) and k > key]
        if not any(k[:2] == key[:2] for k in stable):
            tags.append(f"v{key[0]}.{key[1]}")
        if not any(k[0] == key[0] for k in stable):
            tags.append(f"v{key[0]}")
        if not stable:
            tags.append("latest")
    return tags + [sha]


# ---------------------------------------------------------------- timing helpers

def timed(fn, n):
    """n wall-clock latencies of fn(), in seconds."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def p95(samples):
    s = sorted(samples)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


def compute_tags(path):
    return multiarch.compute_tags(tag="auto", repo=path, env=TAG_ENV)


def tag_latencies(path, n):
    compute_tags(path)  # the module now keeps this repository open
    for _ in range(20):
        compute_tags(path)
    gc.collect()
    return timed(lambda: compute_tags(path), n)


# ---------------------------------------------------------------- emulator runs

class Emulator:
    """The test suite's buildx emulator as `docker` on PATH, with its state dir.
    The product spawns docker with the process environment, so it is set there."""

    def __init__(self, root, docker=EMULATOR):
        self.bin = os.path.join(root, "bin")
        self.state = os.path.join(root, "state")
        os.makedirs(self.bin)
        os.makedirs(self.state)
        os.symlink(docker, os.path.join(self.bin, "docker"))

    def environ(self, faults=""):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MULTIARCH_EMULATOR_", "BUILDX_")) and not is_ci_variable(k)}
        env["PATH"] = self.bin + os.pathsep + env["PATH"]
        env["MULTIARCH_EMULATOR_STATE"] = self.state
        env["MULTIARCH_EMULATOR_DELAY"] = "0"  # no pause between progress lines
        if faults:
            env["MULTIARCH_EMULATOR_FAULTS"] = faults
        return env

    def calls(self):
        try:
            with open(os.path.join(self.state, "calls.jsonl"), encoding="utf-8") as fh:
                return [json.loads(line) for line in fh if line.strip()]
        except FileNotFoundError:
            return []

    def forget_calls(self):
        try:
            os.unlink(os.path.join(self.state, "calls.jsonl"))
        except FileNotFoundError:
            pass


class environ_as:
    """os.environ replaced for the duration (the product's children inherit it)."""

    def __init__(self, env):
        self.env = env

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


LIBC = ctypes.CDLL(None)


def run_cli(env, component, workdir, **kw):
    """multiarch.cli with its output (progress and summary, written to the C
    streams) sent to /dev/null; returns (exit status, wall seconds)."""
    sys.stdout.flush()
    sys.stderr.flush()
    LIBC.fflush(None)
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        with environ_as(env):
            t0 = time.perf_counter()
            status = multiarch.cli(component, repo=workdir, env=TAG_ENV, **kw)
            wall = time.perf_counter() - t0
    finally:
        LIBC.fflush(None)
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)
    return status, wall


def replay(env, calls):
    """Run these docker calls directly, one after the other: wall seconds."""
    with environ_as(env):
        t0 = time.perf_counter()
        for call in calls:
            proc = subprocess.run(["docker", *call["argv"]], cwd=call["cwd"], stdin=subprocess.DEVNULL,
                                  capture_output=True)
            # a builder probe may fail: the task then tries the current builder
            if proc.returncode != 0 and call["argv"][:2] != ["buildx", "inspect"]:
                raise RuntimeError(f"replayed docker {call['argv']} failed: {proc.stderr[-500:]!r}")
        return time.perf_counter() - t0


def project_copy(tmp):
    """A copy of examples/brokkr (Dockerfiles only, no git: explicit --tag)."""
    path = os.path.join(tmp, "brokkr")
    shutil.copytree(EXAMPLE, path)
    return path


# ---------------------------------------------------------------- the figures

class Table:
    def __init__(self):
        self.rows = []
        self.missed = 0

    def add(self, figure, measured, target="", ok=None):
        self.rows.append((figure, measured, target, "" if ok is None else ("met" if ok else "MISSED")))
        if ok is False:
            self.missed += 1

    def print(self):
        widths = [max(len(r[i]) for r in self.rows + [("figure", "measured", "target", "result")])
                  for i in range(4)]
        line = "  ".join("{:<%d}" % w for w in widths)
        print(line.format("figure", "measured", "target", "result"))
        print(line.format(*("-" * w for w in widths)))
        for row in self.rows:
            print(line.format(*row).rstrip())


def bench_tags(table, cache_dir):
    print("tags ...", file=sys.stderr)
    path = repo(cache_dir, MAIN_TAGS, MAIN_COMMITS)
    ours = compute_tags(path)
    theirs = via_git(path)
    if ours != theirs:
        raise SystemExit(f"compute_tags {ours} differs from the git way {theirs}")
    lat = tag_latencies(path, 1000)
    git_lat = timed(lambda: via_git(path), 30)
    med = statistics.median(lat)
    table.add(f"tags: compute_tags median, {MAIN_TAGS:,} annotated tags, {MAIN_COMMITS:,} commits",
              f"{med * 1e3:.2f} ms", "<= 2 ms", med <= 0.002)
    table.add("tags: compute_tags p95", f"{p95(lat) * 1e3:.2f} ms")
    table.add("tags: git subprocesses, median", f"{statistics.median(git_lat) * 1e3:.2f} ms")
    speedup = statistics.median(git_lat) / med
    table.add("tags: git subprocesses / compute_tags (medians)", f"{speedup:.1f}x", ">= 10x", speedup >= 10)

    # not the repository kept open: each call alternates between two, so each
    # opens its repository and parses packed-refs again (a one-shot command's cost)
    other = repo(cache_dir, 100, 200)
    compute_tags(other)
    cold = []
    for _ in range(200):
        compute_tags(other)
        t0 = time.perf_counter()
        compute_tags(path)
        cold.append(time.perf_counter() - t0)
    table.add("tags: compute_tags median, repository opened afresh each call",
              f"{statistics.median(cold) * 1e3:.2f} ms")

    light = repo(cache_dir, MAIN_TAGS, MAIN_COMMITS, annotated=False)
    if compute_tags(light) != via_git(light):
        raise SystemExit("compute_tags differs from the git way on lightweight tags")
    lat_light = tag_latencies(light, 500)
    table.add(f"tags: compute_tags median, {MAIN_TAGS:,} lightweight tags",
              f"{statistics.median(lat_light) * 1e3:.2f} ms")

    # every tag a loose ref file: libgit2 reads each file on every call, as git does
    loose = repo(cache_dir, MAIN_TAGS, MAIN_COMMITS, loose=True)
    if compute_tags(loose) != via_git(loose):
        raise SystemExit("compute_tags differs from the git way on loose refs")
    lat_loose = statistics.median(tag_latencies(loose, 30))
    git_loose = statistics.median(timed(lambda: via_git(loose), 10))
    table.add(f"tags: compute_tags median, {MAIN_TAGS:,} loose tag refs (git subprocesses: {git_loose * 1e3:.0f} ms)",
              f"{lat_loose * 1e3:.2f} ms ({git_loose / lat_loose:.1f}x faster)")


def bench_scaling(table, cache_dir):
    print("scaling ...", file=sys.stderr)
    medians = {}
    for n in SCALE_TAGS:
        path = repo(cache_dir, n, 2 * n)
        medians[n] = statistics.median(tag_latencies(path, max(100, min(1000, 2_000_000 // n))))
    table.add("scaling: compute_tags median at " + ", ".join(f"{n:,}" for n in SCALE_TAGS) + " tags",
              " / ".join(f"{medians[n] * 1e3:.2f}" for n in SCALE_TAGS) + " ms")
    for small, large in zip(SCALE_TAGS, SCALE_TAGS[1:]):
        ratio = medians[large] / medians[small]
        per10 = ratio ** (1 / math.log10(large / small))  # growth for 10x more tags
        table.add(f"scaling: {small:,} -> {large:,} tags, growth per 10x tags",
                  f"{per10:.1f}x (x{ratio:.2f})", "<= 15x", per10 <= 15)


def bench_concurrency(table, tmp, with_push):
    print("concurrency ...", file=sys.stderr)
    emu = Emulator(os.path.join(tmp, "emulator-concurrency"))
    workdir = project_copy(tmp)
    quick, slow = emu.environ(), emu.environ("slow-build=1")

    def local(env, jobs):
        status, wall = run_cli(env, "all", workdir, tag="v1.2.3", jobs=str(jobs))
        if status != 0:
            raise SystemExit(f"local build of all failed (status {status})")
        return wall

    local(quick, 3)  # creates the builder; from now on only builds differ
    rounds = [(local(quick, 3), local(slow, 3)) for _ in range(3)]
    instant, timed_builds = (statistics.median(x) for x in zip(*rounds))
    added = timed_builds - instant
    table.add("concurrency: local `all`, wall added by 3 builds of 1 s each, --jobs 3",
              f"{added:.2f} s", "<= 1.3 s", added <= 1.3)
    table.add("concurrency: local `all`, whole run, builds of 1 s / instant builds",
              f"{timed_builds:.2f} s / {instant:.2f} s")
    seq = local(slow, 1) - local(quick, 1)
    table.add("concurrency: local `all`, wall added by the same builds, --jobs 1", f"{seq:.2f} s")

    if not with_push:
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from support.registry import Registry  # test support: docker-registry on 127.0.0.1
    registry = Registry()
    registry.start()
    try:
        def push(env, n):
            status, wall = run_cli(env, "all", workdir, tag="v1.2.3", push=True, jobs="3",
                                   registry=f"{registry.host}/bench{n}", platforms="linux/amd64,linux/arm64")
            if status != 0:
                raise SystemExit(f"--push of all failed (status {status})")
            return wall
        push(quick, 0)
        rounds = [(push(quick, 2 * i + 1), push(slow, 2 * i + 2)) for i in range(2)]
        instant, timed_builds = (statistics.median(x) for x in zip(*rounds))
        table.add("concurrency: --push `all` (2 platforms), wall added by 3 builds of 1 s each",
                  f"{timed_builds - instant:.2f} s")
        table.add("concurrency: --push `all`, whole run, builds of 1 s / instant builds",
                  f"{timed_builds:.2f} s / {instant:.2f} s")
    finally:
        registry.cleanup()


def bench_overhead(table, tmp):
    print("overhead ...", file=sys.stderr)
    workdir = project_copy(os.path.join(tmp, "overhead"))
    null_docker = os.path.join(tmp, "null-docker")
    with open(null_docker, "w") as fh:
        # answers the builder probe as a running docker-container builder would
        fh.write('#!/bin/sh\ncase "$*" in *"buildx inspect"*) printf "Name: brokkr-builder\\nDriver: '
                 'docker-container\\nStatus: running\\nPlatforms: linux/amd64, linux/arm64\\n";; esac\nexit 0\n')
    os.chmod(null_docker, 0o755)

    # (docker, component, images, rounds): the emulator costs ~0.15 s a call,
    # the null docker ~1 ms, so it gets more rounds and `all` too
    cases = (("buildx emulator", EMULATOR, "broker", 1, 16),
             ("null docker (exit 0)", null_docker, "broker", 1, 40),
             ("null docker (exit 0)", null_docker, "all", 3, 40))
    for k, (label, docker, component, images, rounds) in enumerate(cases):
        emu = Emulator(os.path.join(tmp, f"emulator-overhead-{k}"), docker)
        env = emu.environ()

        def cli():
            status, wall = run_cli(env, component, workdir, tag="v1.2.3", jobs="1")
            if status != 0:
                raise SystemExit(f"local build of {component} failed (status {status})")
            return wall
        cli()  # creates the builder (emulator); the calls of a steady run follow
        emu.forget_calls()
        cli()
        calls = emu.calls() if docker == EMULATOR else [
            {"argv": a, "cwd": workdir} for a in docker_calls(component, workdir)]
        builds = [c for c in calls if c["argv"][:2] == ["buildx", "build"]]
        assert len(builds) == images, calls
        # paired rounds, in alternating order: the task, and the same docker
        # calls run directly; plus the task's own CPU time (this process's,
        # not its children's)
        samples, cpu = [], []
        for i in range(rounds):
            if i % 2 == 1:
                t_all, t_builds = replay(env, calls), replay(env, builds)
            before = time.process_time()
            t_cli = cli()
            cpu.append(time.process_time() - before)
            if i % 2 == 0:
                t_all, t_builds = replay(env, calls), replay(env, builds)
            samples.append((t_cli, t_all, t_builds))
        diffs = [(t_cli - t_all) / images for t_cli, t_all, _ in samples]
        own = statistics.median(diffs)
        q1, _, q3 = statistics.quantiles(diffs, n=4)
        table.add(f"overhead: {component}, own time per image over its {len(calls)} docker calls, {label}",
                  f"{own * 1e3:.1f} ms (IQR {q1 * 1e3:.1f}..{q3 * 1e3:.1f})", "<= 20 ms", own <= 0.020)
        table.add(f"overhead: {component}, CPU time of the task itself per image, {label}",
                  f"{statistics.median(cpu) / images * 1e3:.1f} ms")
        if docker == EMULATOR:
            with_setup = statistics.median(t_cli - t_builds for t_cli, _, t_builds in samples) / images
            table.add(f"overhead: {component}, per image over its build command alone (own time plus "
                      f"`buildx version` and `buildx inspect`), {label}", f"{with_setup * 1e3:.1f} ms")


def docker_calls(component, workdir):
    """The docker argvs a local build runs (from the plan), for a docker that logs nothing."""
    plan = multiarch.plan(component, tag="v1.2.3", repo=workdir, env=TAG_ENV)
    return [["buildx", "version"], ["buildx", "inspect", "--bootstrap", plan["builder"]]] + \
        [img["command"][1:] for img in plan["images"]]


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "?")
    mem = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")), "0")
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    libgit2 = subprocess.run(["pkg-config", "--modversion", "libgit2"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} CPUs, {cpu}, {int(mem) / 2**20:.0f} GiB RAM, Python {sys.version.split()[0]}, "
            f"libgit2 {libgit2 or '?'}, {git}, load average {load:.2f} at the start")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", help="keep and reuse the generated repositories in this directory")
    ap.add_argument("--skip-push", action="store_true", help="leave out the --push flow (needs docker-registry)")
    ap.add_argument("--only", choices=("tags", "scaling", "concurrency", "overhead", "publish", "stack", "rerun",
                                       "transport", "brokkr"),
                    action="append",
                    help="run only these parts (repeatable); the default is all")
    args = ap.parse_args()
    parts = set(args.only or ("tags", "scaling", "concurrency", "overhead"))
    print(machine(), file=sys.stderr)
    table = Table()
    with tempfile.TemporaryDirectory(prefix="multiarch-bench-") as tmp:
        cache_dir = args.repos or os.path.join(tmp, "repos")
        os.makedirs(cache_dir, exist_ok=True)
        if "tags" in parts:
            bench_tags(table, cache_dir)
        if "scaling" in parts:
            bench_scaling(table, cache_dir)
        if "concurrency" in parts:
            bench_concurrency(table, tmp, not args.skip_push)
        if "overhead" in parts:
            bench_overhead(table, tmp)
        if "publish" in parts:
            bench_real.bench_publish(table, tmp)
        if "stack" in parts:
            bench_real.bench_stack(table, tmp)
        if "rerun" in parts:
            bench_real.bench_rerun(table, tmp)
        if "transport" in parts:
            bench_real.bench_transport(table)
        if "brokkr" in parts:
            parts = os.environ.get("MULTIARCH_BENCH_BROKKR")
            modes = os.environ.get("MULTIARCH_BENCH_BROKKR_MODES")
            bench_brokkr.bench_brokkr(table, tmp, parts.split(",") if parts else bench_brokkr.PARTS,
                                      modes.split(",") if modes else None)
    print(machine())
    print()
    table.print()
    print()
    print(f"{table.missed} target{'s' if table.missed != 1 else ''} missed" if table.missed else "all targets met")
    return 1 if table.missed else 0


if __name__ == "__main__":
    sys.exit(main())
