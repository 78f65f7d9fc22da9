"""Benchmarks on the real stack (scripts/stack.sh: dockerd's BuildKit through
the `multiarch-remote` builder, QEMU, the loopback registry 127.0.0.1:5555).
Every figure is a ratio of two things measured in this run.

  publish the task's `all --push` against three bare `docker buildx build
          --push -t ...` of the same images run in parallel (target <= 1.2x);
          the registry requests each image's steps sent (publish()'s
          `requests`) for a first release and a re-run; `build merge all` of
          three images pushed by digest for two platforms: its time and its
          requests (no target).  Prunes nothing: safe while others use the
          shared builder
  stack   a warm build from the registry cache on a "fresh runner" (the cold
          build's records pruned from the shared builder by id, nothing else)
          against a cold one (a fresh nonce in the RUN step), with a RUN step
          sleeping 6 s standing in for compilation (target <= 0.3x); a
          CPU-bound RUN step for linux/arm64 under QEMU
          against the same step on linux/amd64 (no target: the case for
          native arm64 runners)
  brokkr  the real release workload, examples/brokkr (Rust broker and agent
          from Debian's packaged crates, a Node.js ui, on the Debian base):
          its first release end to end, a release after a one-line source
          change (target <= 0.3x the first), the task over bare parallel
          `buildx build --push` of the same release (target <= 1.05x), the
          arm64 compile under QEMU over native and cross-compiled over QEMU,
          the registry cache (mode=max, min, none: time and bytes), sizes
  rerun   a re-run of a published release against its first publish (the
          same 6 s stand-in; target <= 0.03x, no build); the time to refuse a
          conflicting release (target <= 0.1 s, no build) against the build it
          saves
  transport  the C registry client (multiarch.registry, in this process)
          against `docker buildx imagetools` for the same registry steps on
          the loopback registry: a manifest read by tag, a tag move (read the
          source, put its bytes under the tag), four tags read at once; and
          the HTTP requests each costs (no target: the case for moving the
          release onto the client)
"""

import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.cacherecords import prune_records  # noqa: E402  (by id: the builder is shared)
from support.civars import without_ci  # noqa: E402  (the one list of CI variables)
REGISTRY = os.environ.get("MULTIARCH_STACK_REGISTRY", "127.0.0.1:5555")
BUILDER = os.environ.get("MULTIARCH_REMOTE_BUILDER", "multiarch-remote")
BASE = f"{REGISTRY}/multiarch/busybox:1"
COMPONENTS = ("broker", "agent", "ui")
GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
TIMEOUT = 900


def env():
    out = without_ci(os.environ)
    out.update(GIT_ENV, ANGREAL_NO_AUTO_COMPLETION="1")
    return out


def run(argv, cwd=None, check=True, timeout=TIMEOUT):
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return took, proc


def parallel(argvs, cwd, timeout=TIMEOUT):
    t0 = time.perf_counter()
    procs = [subprocess.Popen(a, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for a in argvs]
    for a, p in zip(argvs, procs):
        _, err = p.communicate(timeout=timeout)
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(a)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t0


def project(tmp, name, run_step):
    """A git project whose three Dockerfiles build FROM the base with RUN_STEP."""
    path = Path(tmp) / name
    (path / "docker").mkdir(parents=True)
    (path / ".angreal").mkdir()
    (path / ".angreal" / "task_build.py").write_text((ROOT / "angreal_tasks" / "task_build.py").read_text())
    for comp in COMPONENTS:
        (path / "docker" / f"Dockerfile.{comp}").write_text(f"FROM {BASE}\n{run_step.format(comp=comp)}\n")
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "bench"]):
        run(argv, cwd=path)
    return path


def task(path, *args):
    return run(["angreal", "build", "multi-arch", *args], cwd=path)


def docker(*args):
    return run(["docker", *args])[1].stdout


def forget(token):
    """A fresh runner for one job: the builder's cache records whose RUN steps
    carry TOKEN are pruned by id, nothing else (the builder is shared; emptying
    it fails other jobs' cache exports with "not found")."""
    _, left = prune_records(docker, BUILDER, token)
    if left:
        raise SystemExit(f"cache records of {token} survived the prune: {left}")


def bench_publish(table, tmp):
    print("real stack: task vs bare buildx ...", file=sys.stderr)
    nonce = uuid.uuid4().hex[:8]
    path = project(tmp, "publish", f"RUN echo {{comp}}-{nonce} > /name && uname -m > /arch")
    tasks, bares = [], []
    # each side pushes into a fresh namespace (so both upload every blob), and
    # they take turns going first (so neither always finds the other's cache)
    for i in range(7):
        ns_task, ns_bare = (f"{REGISTRY}/bench-{uuid.uuid4().hex[:8]}" for _ in range(2))
        argvs = [["docker", "buildx", "build", "--builder", BUILDER, "--platform", "linux/amd64,linux/arm64",
                  "--file", f"docker/Dockerfile.{c}", "--push", "--tag", f"{ns_bare}/brokkr-{c}:v1.0.{i}", "."]
                 for c in COMPONENTS]
        sides = [lambda: task(path, "all", "--tag", f"v1.0.{i}", "--push", "--registry", ns_task, "--builder",
                              BUILDER)[0],
                 lambda: parallel(argvs, path)]
        order = (0, 1) if i % 2 else (1, 0)
        took = {side: sides[side]() for side in order}
        if i:  # the first round warms BuildKit's cache for both
            tasks.append(took[0])
            bares.append(took[1])
    t, b = statistics.median(tasks), statistics.median(bares)
    table.add("real: `all --push` (3 images x 2 platforms, 4 tags) over 3 bare `buildx build --push` in parallel",
              f"{t / b:.2f}x ({t:.2f} s vs {b:.2f} s)", "<= 1.2x", t / b <= 1.2)
    t_nc = statistics.median(task(path, "all", "--tag", f"v2.0.{i}", "--push", "--registry",
                                  f"{REGISTRY}/bench-{uuid.uuid4().hex[:8]}", "--builder", BUILDER,
                                  "--cache-from", "none", "--cache-to", "none")[0] for i in range(3))
    table.add("real: the same `all --push` with --cache-from none --cache-to none, over the bare builds",
              f"{t_nc / b:.2f}x ({t_nc:.2f} s)")
    bench_requests(table, path)
    bench_merge(table, path)


def publish_requests(path, *args, **kwargs):
    """multiarch.publish in this process (the build under test): each image's registry requests."""
    import multiarch
    r = multiarch.publish(*args, repo=str(path), builder=BUILDER, env=env(), **kwargs)
    return {img["component"]: img["requests"] for img in r["images"]}, r


def bench_requests(table, path):
    print("registry requests per image ...", file=sys.stderr)
    ns = f"{REGISTRY}/bench-req-{uuid.uuid4().hex[:8]}"
    first, _ = publish_requests(path, "all", tag="v3.0.0", push=True, registry=ns)
    again, r = publish_requests(path, "all", tag="v3.0.0", push=True, registry=ns)
    if any(img["result"] != "resumed" for img in r["images"]):
        raise SystemExit("the re-run did not find the release published")
    table.add("requests: registry requests per image, first release (4 tags: check, read-back, guard, 4 PUTs "
              "and their read-backs)", ", ".join(f"{c} {n}" for c, n in first.items()))
    table.add("requests: registry requests per image, re-run of that release (nothing built, nothing moved)",
              ", ".join(f"{c} {n}" for c, n in again.items()))


def bench_merge(table, path, rounds=3):
    """`build merge all` of three images, each pushed by digest for both platforms (one runner per
    platform, in turn, as the real suite does): its time (median of `rounds`, each a fresh release
    in a fresh namespace) and its registry requests."""
    import multiarch
    print("build merge ...", file=sys.stderr)
    times, requests = [], {}
    for i in range(rounds):
        ns = f"{REGISTRY}/bench-merge-{uuid.uuid4().hex[:8]}"
        digests = Path(path).parent / f"digests-{uuid.uuid4().hex[:8]}"
        for platform in ("linux/amd64", "linux/arm64"):
            multiarch.publish("all", tag=f"v4.0.{i}", registry=ns, platforms=platform, push_by_digest=True,
                              digest_dir=str(digests), repo=str(path), builder=BUILDER, env=env())
        t0 = time.perf_counter()
        requests, r = publish_requests(path, "all", tag=f"v4.0.{i}", registry=ns, merge=True,
                                       digest_dir=str(digests))
        times.append(time.perf_counter() - t0)
        if any(img["result"] != "published" for img in r["images"]):
            raise SystemExit("the merge did not publish")
    t = statistics.median(times)
    table.add("merge: `build merge all` (3 images x 2 recorded digests, 4 tags), in process, median of 3",
              f"{t:.2f} s; requests per image: " + ", ".join(f"{c} {n}" for c, n in requests.items()))


def bench_stack(table, tmp):
    print("real stack: registry cache ...", file=sys.stderr)
    ratios = []
    for _ in range(2):
        nonce = uuid.uuid4().hex[:8]
        path = project(tmp, f"cache-{nonce}", f"RUN sleep 6 && echo {{comp}}-{nonce} > /built")
        ns = f"{REGISTRY}/bench-cache-{nonce}"
        cold, _ = task(path, "ui", "--tag", "v1.0.0", "--push", "--registry", ns, "--builder", BUILDER)
        forget(nonce)
        warm, proc = task(path, "ui", "--tag", "v1.0.1", "--push", "--registry", ns, "--builder", BUILDER)
        hits = len(re.findall(r"RUN sleep 6 .*\n(?:\[ui\] )?#\d+ CACHED", proc.stderr))
        ratios.append((warm / cold, warm, cold, hits))
    ratio, warm, cold, hits = sorted(ratios)[len(ratios) // 2]
    misses = sum(1 for r in ratios if r[3] < 2)
    table.add("real: warm build from the registry cache (the cold build's records pruned by id) over a cold "
              "one (RUN sleep 6), median of 2",
              f"{ratio:.2f}x ({warm:.2f} s vs {cold:.2f} s; {misses} of 2 rounds missed the cache)", "<= 0.3x",
              ratio <= 0.3)

    print("real stack: QEMU ...", file=sys.stderr)
    times = {}
    for platform in ("linux/amd64", "linux/arm64"):
        nonce = uuid.uuid4().hex
        dockerfile = Path(tmp) / f"Dockerfile.cpu-{platform.replace('/', '-')}"
        dockerfile.write_text(f"FROM {BASE}\nRUN echo {nonce} && dd if=/dev/zero bs=1M count=256 2>/dev/null "
                              f"| sha256sum > /sum\n")
        took, _ = run(["docker", "buildx", "build", "--builder", BUILDER, "--platform", platform, "--file",
                       str(dockerfile), "--output", "type=cacheonly", str(tmp)])
        times[platform] = took
    ratio = times["linux/arm64"] / times["linux/amd64"]
    table.add("real: CPU-bound RUN (sha256 of 256 MiB) for linux/arm64 under QEMU over linux/amd64 natively",
              f"{ratio:.1f}x ({times['linux/arm64']:.2f} s vs {times['linux/amd64']:.2f} s)")


def bench_rerun(table, tmp):
    print("re-runs and conflicts ...", file=sys.stderr)
    nonce = uuid.uuid4().hex[:8]
    path = project(tmp, "rerun", f"RUN sleep 6 && echo {{comp}}-{nonce} > /built")
    ns = f"{REGISTRY}/bench-rerun-{nonce}"
    first, _ = task(path, "all", "--tag", "v1.2.3", "--push", "--registry", ns, "--builder", BUILDER)
    reruns = []
    for _ in range(3):
        took, proc = task(path, "all", "--tag", "v1.2.3", "--push", "--registry", ns, "--builder", BUILDER)
        if re.search(r"\$ docker buildx build ", proc.stderr):
            raise SystemExit("a re-run built something")
        reruns.append(took)
    again = statistics.median(reruns)
    table.add("rerun: re-run of a published release (`all`, RUN sleep 6) over its first publish",
              f"{again / first:.3f}x ({again:.2f} s vs {first:.2f} s), no build", "<= 0.03x",
              again / first <= 0.03)

    (path / "docker" / "Dockerfile.ui").write_text(f"FROM {BASE}\nRUN sleep 6 && echo changed > /built\n")
    run(["git", "commit", "-qam", "change"], cwd=path)
    refusals = []
    for _ in range(3):
        took, proc = run(["angreal", "build", "multi-arch", "all", "--tag", "v1.2.3", "--push", "--registry", ns,
                          "--builder", BUILDER], cwd=path, check=False)
        if proc.returncode != 1 or "refused before building" not in proc.stdout or \
                re.search(r"\$ docker buildx build ", proc.stderr):
            raise SystemExit(f"the conflict was not refused before building:\n{proc.stdout[-2000:]}")
        refusals.append(took)
    refuse = statistics.median(refusals)
    table.add("rerun: time to refuse a conflicting release (`all`), nothing built, through the `angreal` CLI",
              f"{refuse:.2f} s ({refuse / first:.3f}x of the {first:.2f} s build it saves)", "<= 0.1 s",
              refuse <= 0.1)
    cli = statistics.median(run(["angreal", "--help"], cwd=path)[0] for _ in range(3))
    table.add("rerun: the `angreal` CLI starting alone (`angreal --help`, no task), the share of the above "
              "that is not the task's", f"{cli:.2f} s")
    bench_in_process(table, path, ns, first)


def bench_in_process(table, path, ns, first):
    """The task's own share of a conflict refused and of a re-run: the same
    release through multiarch.publish() in this process (no CLI start), and
    when each of its phases ended (the plain log's lines, timed as they came)."""
    import multiarch  # the build under test (PYTHONPATH), imported only here
    refusals = []
    for _ in range(5):
        t0 = time.perf_counter()
        try:
            multiarch.publish("all", tag="v1.2.3", push=True, registry=ns, repo=str(path), builder=BUILDER,
                              env=env())
            raise SystemExit("the conflict was published")
        except multiarch.Error as e:
            if not any("refused before building" in (i.get("error") or "") for i in e.result["images"]):
                raise SystemExit(f"not refused as a conflict: {e}") from e
        refusals.append(time.perf_counter() - t0)
    refuse = statistics.median(refusals)
    table.add("rerun: the same conflict refused by `multiarch.publish()` in process (the task's own share)",
              f"{refuse:.3f} s", "<= 0.1 s", refuse <= 0.1)
    run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=path)  # back to the published commit: a re-run
    reruns = []
    for _ in range(5):
        t0 = time.perf_counter()
        r = multiarch.publish("all", tag="v1.2.3", push=True, registry=ns, repo=str(path), builder=BUILDER, env=env())
        reruns.append(time.perf_counter() - t0)
        if any(i["result"] != "resumed" for i in r["images"]):
            raise SystemExit("the re-run was not a re-run")
    again = statistics.median(reruns)
    table.add("rerun: re-run by `multiarch.publish()` in process over the first publish (the task's own share)",
              f"{again / first:.4f}x ({again:.3f} s vs {first:.2f} s)", "<= 0.03x", again / first <= 0.03)
    table.add("rerun: where a re-run's time goes (the plain log, each line timed as it came)", phase_profile(
        ["angreal", "build", "multi-arch", "all", "--tag", "v1.2.3", "--push", "--registry", ns, "--builder",
         BUILDER], path))


def phase_profile(argv, cwd):
    """When the run's landmarks appeared (s after start): its first line, the
    first registry step, docker's processes started, the last registry step
    before the summary, the end."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append((time.perf_counter() - t0, line.rstrip()))
    proc.wait(timeout=TIMEOUT)
    end = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"the profiled run failed:\n{seen[-5:]}")

    def when(pred):
        return next((f"{t:.2f}" for t, line in seen if pred(line)), "-")
    steps = [t for t, line in seen if re.search(r"\] (GET|PUT|POST|HEAD|DELETE) ", line)]
    return (f"first line {when(lambda l: True)} s, docker started {when(lambda l: '$ docker buildx version' in l)} s, "
            f"first registry step {steps[0] if steps else 0:.2f} s, last {steps[-1] if steps else 0:.2f} s, "
            f"end {end:.2f} s")


def bench_transport(table, rounds=7):
    """The same registry steps through the C client and through imagetools,
    alternating, median of `rounds`; a fresh repository (a copy of the base)."""
    import multiarch  # the build under test (PYTHONPATH), imported only here
    print("registry transport ...", file=sys.stderr)
    host = REGISTRY
    repo = f"bench-transport-{uuid.uuid4().hex[:8]}/busybox"
    run(["docker", "buildx", "imagetools", "create", "-t", f"{host}/{repo}:v1", BASE])
    digest = multiarch.registry("head", host, repo, "v1")["digest"]
    cases = [
        ("read a manifest by tag (`GET …:v1`)",
         lambda i: ["docker", "buildx", "imagetools", "inspect", "--raw", f"{host}/{repo}:v1"],
         lambda i: multiarch.registry("get", host, repo, "v1")),
        ("move a tag (`PUT …:t<N> ← sha256:…`)",
         lambda i: ["docker", "buildx", "imagetools", "create", "-t", f"{host}/{repo}:it{i}", f"{host}/{repo}:v1"],
         lambda i: multiarch.registry("tag", host, repo, "v1", tag=f"c{i}")),
    ]
    for what, tool_argv, client_call in cases:
        tool, client, requests = [], [], 0
        for i in range(rounds):
            tool.append(run(tool_argv(i))[0])
            t0 = time.perf_counter()
            answer = client_call(i)
            client.append(time.perf_counter() - t0)
            requests = answer["requests"]
            if answer["digest"] != digest:
                raise SystemExit(f"the client found {answer['digest']}, not {digest}")
        a, b = statistics.median(client), statistics.median(tool)
        table.add(f"transport: {what}, the C client over imagetools",
                  f"{a / b:.3f}x ({a * 1000:.1f} ms vs {b * 1000:.0f} ms), {requests} HTTP requests")
    # four reads at once (the release's read-backs of one image) against four imagetools one after the other
    refs = ["v1"] + [f"c{i}" for i in range(3)]
    tool, client = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for r in refs:
            run(["docker", "buildx", "imagetools", "inspect", "--raw", f"{host}/{repo}:{r}"])
        tool.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        answer = multiarch.registry("heads", host, repo, ",".join(refs))
        client.append(time.perf_counter() - t0)
        if answer["digests"] != [digest] * 4:
            raise SystemExit("the client read other digests")
    a, b = statistics.median(client), statistics.median(tool)
    table.add("transport: four tags read side by side by the C client over four imagetools reads in turn",
              f"{a / b:.3f}x ({a * 1000:.1f} ms vs {b * 1000:.0f} ms), {answer['requests']} HTTP requests")
