"""The real release workload on the real stack (bench/run.py --only brokkr):
examples/brokkr, Brokkr's three images really built (Rust broker and agent
from Debian's packaged crates in planner/cacher/builder stages, a Node.js ui)
for linux/amd64 and linux/arm64 (QEMU), pushed to the loopback registry.

A cold build on the shared builder: every copy of the example gets a fresh
nonce in its RUN steps (`RUN : <nonce> && ...`), so nothing is found in
BuildKit's cache or the registry cache, while the shared builder's cache,
which other jobs use, is left alone (no prune).  Apt downloads from
deb.debian.org are part of every cold build, as on a fresh CI runner.

  release   the first release (`all --push`, v1.0.0) end to end, then a
            release after a one-line source change in the shared models crate
            (v1.0.1: the dependency stages from cache); target <= 0.3x; then
            another on a "fresh runner": this copy's records pruned from
            BuildKit's cache by id, so only the registry cache helps
  overhead  the task's changed-source release against three bare parallel
            `buildx build --push` of the same images with the same cache
            arguments, each side its own one-line change and namespace,
            alternating who goes first; target <= 1.05x
  cache     the first and the changed-source release with the registry cache
            written as mode=max (the default), as min (inline: in the image
            config, which is all mode=min exports) and not at all, each from
            cold: time and the bytes in the registry (images, and cache
            blobs no image holds)
  compile   broker's planner+cacher+builder only (--target builder, toolchain
            cached): linux/arm64 under QEMU over linux/amd64 natively, and
            Dockerfile.broker-cross (cross-compiled on the build platform)
            over QEMU, with the dependency stage and the program's compile
            read from the build's progress
  sizes     the compressed size of each image per platform (its layers)
"""

import json
import os
import re
import shutil
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from real import BUILDER, COMPONENTS, REGISTRY, ROOT, forget, parallel, run

EXAMPLE = ROOT / "examples" / "brokkr"
PLATFORMS = "linux/amd64,linux/arm64"
CACHE_TAG = "buildcache-linux-amd64_linux-arm64"
SLOW = 3600  # a cold release of three images, arm64 under QEMU, on a loaded machine
ACCEPT = ", ".join(("application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.docker.distribution.manifest.v2+json"))


def brokkr_copy(tmp, name, nonce, only=None):
    """examples/brokkr as a git repository; RUN steps (those matching ONLY, if
    given) carry NONCE, so they miss every cache (no NONCE: the example as it
    is, whatever BuildKit's cache holds of it)."""
    path = Path(tmp) / name
    shutil.copytree(EXAMPLE, path, ignore=shutil.ignore_patterns(".angreal", "target", "dist", "Cargo.lock"))
    (path / ".angreal").mkdir()
    shutil.copy(ROOT / "angreal_tasks" / "task_build.py", path / ".angreal" / "task_build.py")
    for dockerfile in (path / "docker").glob("Dockerfile.*") if nonce else ():
        text = dockerfile.read_text()
        dockerfile.write_text(re.sub(r"^RUN (.*)$", lambda m: f"RUN : {nonce} && {m.group(1)}"
                                     if only is None or only in m.group(1) else m.group(0), text, flags=re.M))
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "brokkr"]):
        run(argv, cwd=path)
    return path


def change_one_line(path, what):
    """A one-line source change in the models crate (broker and agent rebuild
    their program; the ui does not change), committed."""
    lib = path / "crates" / "brokkr-models" / "src" / "lib.rs"
    # the fallback version string, whatever an earlier change made it
    lib.write_text(re.sub(r'unwrap_or\("dev[^"]*"\)', f'unwrap_or("dev-{what}")', lib.read_text(), count=1))
    run(["git", "commit", "-qam", f"models: {what}"], cwd=path)


def release(path, tag, ns, *cache):
    took, proc = run(["angreal", "build", "multi-arch", "all", "--tag", tag, "--push", "--registry", ns,
                      "--builder", BUILDER, *cache], cwd=path, timeout=SLOW)
    return took, proc.stderr


def bare_release(path, tag, ns):
    """Three parallel `buildx build --push` with the cache arguments the task
    uses by default (read this platform set's and each platform's cache,
    write mode=max)."""
    argvs = []
    for comp in COMPONENTS:
        image = f"{ns}/brokkr-{comp}"
        argvs.append(["docker", "buildx", "build", "--builder", BUILDER, "--platform", PLATFORMS,
                      "--file", f"docker/Dockerfile.{comp}", "--build-arg", f"VERSION={tag}",
                      "--cache-from", f"type=registry,ref={image}:buildcache-linux-amd64",
                      "--cache-from", f"type=registry,ref={image}:buildcache-linux-arm64",
                      "--cache-from", f"type=registry,ref={image}:{CACHE_TAG}",
                      "--cache-to", f"type=registry,ref={image}:{CACHE_TAG},mode=max,image-manifest=true,"
                      "oci-mediatypes=true", "--push", "--tag", f"{image}:{tag}", "."])
    return parallel(argvs, path, timeout=SLOW)


def step_times(stderr, component=None):
    """{(platform, stage, what): seconds} of the RUN steps in buildx's plain
    progress (`#26 [linux/arm64 cacher 2/2] RUN cargo build ...`, then
    `#26 DONE 101.8s`; a one-platform build leaves the platform out: None),
    lines optionally behind `[component] `."""
    names, out = {}, {}
    prefix = f"[{component}] " if component else ""
    for line in stderr.splitlines():
        if not line.startswith(prefix):
            continue
        line = line[len(prefix):]
        m = re.match(r"(#\d+) \[(?:(\S+) )?(\S+) \d+/\d+\] RUN (.*)", line)
        if m:
            what = "cargo" if "cargo build" in m.group(4) else "apt" if "apt-get" in m.group(4) else "other"
            names[m.group(1)] = (m.group(2), m.group(3), what)
        m = re.match(r"(#\d+) DONE ([\d.]+)s", line)
        if m and m.group(1) in names:
            out[names[m.group(1)]] = float(m.group(2))
    return out


def _get(path):
    request = urllib.request.Request(f"http://{REGISTRY}{path}", headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _blobs(repo, reference):
    """{digest: size} of every blob a tag or digest holds (an index: all of
    its manifests' configs and layers)."""
    doc = _get(f"/v2/{repo}/manifests/{reference}")
    if "manifests" in doc:
        out = {}
        for child in doc["manifests"]:
            out.update(_blobs(repo, child["digest"]))
        return out
    return {b["digest"]: b["size"] for b in [doc["config"], *doc["layers"]]}


def registry_bytes(ns):
    """(bytes the images hold, bytes only the registry caches hold) in NS,
    each blob counted once."""
    images, caches = {}, {}
    for comp in COMPONENTS:
        repo = f"{ns.split('/', 1)[1]}/brokkr-{comp}"
        for tag in _get(f"/v2/{repo}/tags/list").get("tags") or []:
            (caches if tag.startswith("buildcache") else images).update(_blobs(repo, tag))
    return sum(images.values()), sum(size for digest, size in caches.items() if digest not in images)


def image_sizes(ns, tag):
    """{(component, platform): compressed bytes of the image's layers}."""
    out = {}
    for comp in COMPONENTS:
        repo = f"{ns.split('/', 1)[1]}/brokkr-{comp}"
        for child in _get(f"/v2/{repo}/manifests/{tag}")["manifests"]:
            platform = child.get("platform", {})
            if platform.get("os") == "linux":
                layers = _get(f"/v2/{repo}/manifests/{child['digest']}")["layers"]
                out[comp, f"linux/{platform['architecture']}"] = sum(layer["size"] for layer in layers)
    return out


def mb(n):
    return f"{n / 1e6:.1f} MB"


CACHE_MODES = (("max", ()), ("min", ("--cache-to", "type=inline")), ("none", ("--cache-to", "none")))


def load():
    return f"{os.getloadavg()[0]:.1f}"


def release_cycle(tmp, mode, cache, fresh):
    """One copy of the example through a cache mode: the cold first release,
    the changed-source release on the same builder, and (FRESH) another on a
    fresh runner.  {name: seconds or None, ...} with the namespace and path."""
    nonce = uuid.uuid4().hex[:8]
    path = brokkr_copy(tmp, f"brokkr-{mode}-{nonce}", nonce)
    ns = f"{REGISTRY}/bench-brokkr-{mode}-{nonce}"
    out = {"path": path, "ns": ns, "nonce": nonce, "load": [load()]}
    out["first"], out["stderr"] = release(path, "v1.0.0", ns, *cache)
    out["load"].append(load())
    change_one_line(path, nonce)
    out["same"], _ = release(path, "v1.0.1", ns, *cache)
    out["load"].append(load())
    out["fresh"] = None
    if fresh:
        forget(nonce)
        change_one_line(path, nonce + "-fresh")
        out["fresh"], _ = release(path, "v1.0.2", ns, *cache)
        out["load"].append(load())
    out["image_bytes"], out["cache_bytes"] = registry_bytes(ns)
    print(f"brokkr: cache {mode}: first {out['first']:.1f} s, same builder {out['same']:.1f} s, fresh runner "
          f"{out['fresh'] or 0:.1f} s, load {' -> '.join(out['load'])}", file=sys.stderr, flush=True)
    return out


def bench_release_and_cache(table, tmp, modes=CACHE_MODES, fresh=("max", "min")):
    """The cache modes' cycles side by side (one thread each: the same load for
    all of them; each copy its own nonce, so none finds another's records).
    A fresh runner without any registry cache is a cold build, the first
    release again: not run for "none".  Returns the cycles by mode."""
    print(f"brokkr: cold releases, cache {', '.join(m for m, _ in modes)} side by side (load {load()}) ...",
          file=sys.stderr)
    with ThreadPoolExecutor(len(modes)) as pool:
        futures = {mode: pool.submit(release_cycle, tmp, mode, cache, mode in fresh) for mode, cache in modes}
        results = {mode: f.result() for mode, f in futures.items()}
    side = f", {len(modes)} cycles side by side" if len(modes) > 1 else ""
    if "max" in results:
        r = results["max"]
        first, same, fresh_t = r["first"], r["same"], r["fresh"]
        table.add(f"brokkr: first release, `all --push` (3 images x 2 platforms, cold: apt, crates, QEMU), "
                  f"registry cache mode=max (the default){side}; load {' -> '.join(r['load'])}", f"{first:.1f} s")
        table.add("brokkr: release after a one-line source change over the first, on the same builder",
                  f"{same / first:.2f}x ({same:.1f} s vs {first:.1f} s)", "<= 0.3x", same / first <= 0.3)
        if fresh_t:
            table.add("brokkr: the same on a fresh runner (BuildKit's records of this example pruned by id: the "
                      "registry cache only)", f"{fresh_t / first:.2f}x ({fresh_t:.1f} s vs {first:.1f} s)",
                      "<= 0.3x", fresh_t / first <= 0.3)
    for mode, r in results.items():
        fresh_s = f"{r['fresh']:.1f} s" if r["fresh"] else "(a cold build: the first release)"
        table.add(f"brokkr: registry cache {mode}{' (inline)' if mode == 'min' else ''}: first release / "
                  "changed-source release, same builder / fresh runner / bytes in the registry (images + "
                  "cache only)", f"{r['first']:.1f} s / {r['same']:.1f} s / {fresh_s} / {mb(r['image_bytes'])} + "
                  f"{mb(r['cache_bytes'])}")
    first_mode = next(iter(results))
    stage_ratios(table, results[first_mode]["stderr"], first_mode)
    for (comp, platform), size in sorted(image_sizes(results[first_mode]["ns"], "v1.0.0").items()):
        table.add(f"brokkr: image size, {comp} {platform} (compressed layers)", mb(size))
    return results


def stage_ratios(table, stderr, mode):
    """QEMU over native inside one two-platform build (the first release's
    broker): the Rust stages and the toolchain's apt-get install."""
    times = step_times(stderr, "broker")
    arm = sum(v for (p, _, w), v in times.items() if p == "linux/arm64" and w == "cargo")
    amd = sum(v for (p, _, w), v in times.items() if p == "linux/amd64" and w == "cargo")
    if arm and amd:
        table.add(f"brokkr: in the first release ({mode}), broker's Rust stages (cacher + builder) for "
                  "linux/arm64 under QEMU over linux/amd64", f"{arm / amd:.1f}x ({arm:.1f} s vs {amd:.1f} s)")
    apt_arm = times.get(("linux/arm64", "toolchain", "apt"))
    apt_amd = times.get(("linux/amd64", "toolchain", "apt"))
    if apt_arm and apt_amd:
        table.add("brokkr: in the first release, the toolchain's apt-get install for linux/arm64 under QEMU "
                  "over linux/amd64", f"{apt_arm / apt_amd:.1f}x ({apt_arm:.1f} s vs {apt_amd:.1f} s)")


def bench_overhead(table, tmp, path=None, rounds=2):
    """The task against bare buildx, each a changed-source release (PATH: a
    copy whose dependency stages are built already, e.g. the release part's)."""
    print(f"brokkr: the task against bare buildx (load {load()}) ...", file=sys.stderr)
    nonce = uuid.uuid4().hex[:8]
    if path is None:  # the example as it is: its dependency stages from BuildKit's cache, or built here once
        path = brokkr_copy(tmp, f"brokkr-overhead-{nonce}", None)
        release(path, "v1.0.0", f"{REGISTRY}/bench-brokkr-warm-{nonce}")
    tasks, bares, loads = [], [], [load()]
    for i in range(rounds):
        sides = [lambda: release(path, f"v1.1.{i}", f"{REGISTRY}/bench-brokkr-t-{uuid.uuid4().hex[:8]}")[0],
                 lambda: bare_release(path, f"v1.1.{i}", f"{REGISTRY}/bench-brokkr-b-{uuid.uuid4().hex[:8]}")]
        for side in ((0, 1) if i % 2 else (1, 0)):
            change_one_line(path, f"{nonce}-{i}-{side}")
            (tasks if side == 0 else bares).append(sides[side]())
            loads.append(load())
            print(f"brokkr: round {i}: {'task' if side == 0 else 'bare'} {(tasks if side == 0 else bares)[-1]:.1f} s, "
                  f"load {loads[-1]}", file=sys.stderr, flush=True)  # as they come: a crash keeps what ran
    t, b = sum(tasks) / len(tasks), sum(bares) / len(bares)
    table.add(f"brokkr: the task's changed-source release (`all --push`, 4 tags) over 3 bare parallel "
              f"`buildx build --push` (same cache arguments), mean of {rounds} each, alternating; load "
              f"{' -> '.join(loads)}", f"{t / b:.3f}x ({t:.1f} s vs {b:.1f} s; task {', '.join(f'{x:.1f}' for x in tasks)}"
              f"; bare {', '.join(f'{x:.1f}' for x in bares)})", "<= 1.05x", t / b <= 1.05)


def compile_only(path, dockerfile, platform, target="builder"):
    t0 = time.perf_counter()
    _, proc = run(["docker", "buildx", "build", "--builder", BUILDER, "--platform", platform, "--file",
                   f"docker/{dockerfile}", "--target", target, "--progress", "plain", "--output", "type=cacheonly",
                   "."], cwd=path, timeout=SLOW)
    took = time.perf_counter() - t0
    times = step_times(proc.stderr)
    deps = sum(v for (_, stage, w), v in times.items() if stage == "cacher" and w == "cargo")
    program = sum(v for (_, stage, w), v in times.items() if stage == "builder" and w == "cargo")
    return took, deps, program


def bench_compile(table, tmp):
    print("brokkr: compile, QEMU and cross ...", file=sys.stderr)
    warm = brokkr_copy(tmp, "brokkr-toolchains", "warm", only="cargo build")
    for dockerfile, platform in (("Dockerfile.broker", "linux/amd64"), ("Dockerfile.broker", "linux/arm64"),
                                 ("Dockerfile.broker-cross", "linux/arm64")):
        compile_only(warm, dockerfile, platform, "toolchain")  # the toolchain stages, untimed
    runs = {}
    cases = [("native", "Dockerfile.broker", "linux/amd64"), ("qemu", "Dockerfile.broker", "linux/arm64"),
             ("cross", "Dockerfile.broker-cross", "linux/arm64")]
    for rnd in range(2):  # two rounds, the second in reverse order
        for name, dockerfile, platform in (cases if rnd == 0 else cases[::-1]):
            nonce = uuid.uuid4().hex[:8]
            path = brokkr_copy(tmp, f"brokkr-compile-{name}-{nonce}", nonce, only="cargo build")
            runs.setdefault(name, []).append(compile_only(path, dockerfile, platform))
    mean = {name: tuple(sum(col) / len(col) for col in zip(*rs)) for name, rs in runs.items()}
    for name, label in (("native", "linux/amd64 natively"), ("qemu", "linux/arm64 under QEMU"),
                        ("cross", "linux/arm64 cross-compiled (Dockerfile.broker-cross)")):
        took, deps, program = mean[name]
        table.add(f"brokkr: broker's Rust stages, {label}: whole / dependency stage / program, mean of 2",
                  f"{took:.1f} s / {deps:.1f} s / {program:.1f} s")
    q, n, c = mean["qemu"], mean["native"], mean["cross"]
    table.add("brokkr: arm64 under QEMU over amd64 native (whole; dependency stage; program)",
              f"{q[0] / n[0]:.1f}x; {q[1] / n[1]:.1f}x; {q[2] / n[2]:.1f}x")
    table.add("brokkr: arm64 cross-compiled over arm64 under QEMU (whole; dependency stage; program)",
              f"{c[0] / q[0]:.2f}x; {c[1] / q[1]:.2f}x; {c[2] / q[2]:.2f}x")


PARTS = ("release", "cache", "compile", "overhead")


def bench_brokkr(table, tmp, parts=PARTS, modes=None):
    """PARTS: release (the first release and the changed-source ones, with
    mode=max), cache (the same with the cache MODES too, side by side: by
    default max, min and none), compile, overhead (on the release's copy, its
    dependency stages built, when release or cache ran)."""
    chosen = [m for m in CACHE_MODES if m[0] in modes] if modes else list(CACHE_MODES)
    released = {}

    def show(step, *args):
        shown = len(table.rows)
        out = step(table, tmp, *args)
        for row in table.rows[shown:]:  # as they come: a part takes many minutes
            print(" | ".join(row), file=sys.stderr, flush=True)
        return out

    if "compile" in parts:
        show(bench_compile)
    if "cache" in parts or "release" in parts:
        released = show(bench_release_and_cache, chosen if "cache" in parts else CACHE_MODES[:1])
    if "overhead" in parts:
        show(bench_overhead, released["max"]["path"] if "max" in released else None)
