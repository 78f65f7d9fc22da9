"""Benchmark: `--tag auto` on repositories with many tags, as ratios measured
in one run (so the machine's speed cancels out).

  speed     multiarch.compute_tags("auto") against the same facts read with the
            git CLI (rev-parse, tag --points-at, tag -l: what a shell task runs),
            on a repository with 5000 packed tags (as a clone or CI fetch has
            them).                                    target: >= 5x faster
            The same with 5000 loose tag refs, where libgit2 reads one file per
            ref as git does.                          target: >= 0.7 (no worse than 30% slower)
  scaling   time at 5000 tags / time at 500 tags.      target: <= 15 (linear, not quadratic)
  memory    max RSS growth over 2000 plan("all") calls / over the first 200.
                                                       target: <= 1.5 (no leak per call)

Usage: python bench/bench_tags.py   (exits 1 when a target is missed)
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import multiarch

ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b",
       "GIT_COMMITTER_EMAIL": "b@b", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": os.environ["PATH"]}


def make_repo(path, ntags, packed=True):
    """ntags commits, each tagged v<major>.<minor>.<patch> (a third annotated), via fast-import."""
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=ENV)
    lines = []
    for i in range(ntags):
        msg = f"c{i}"
        lines += ["commit refs/heads/main", f"mark :{i + 1}", "committer b <b@b> 1700000000 +0000",
                  f"data {len(msg)}", msg, f"M 644 inline f", f"data {len(msg)}", msg]
    for i in range(ntags):
        name = f"v{i // 100}.{(i // 10) % 10}.{i % 10}"
        if i % 3 == 0:
            lines += [f"tag {name}", f"from :{i + 1}", "tagger b <b@b> 1700000000 +0000", "data 1", "t"]
        else:
            lines += [f"reset refs/tags/{name}", f"from :{i + 1}"]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input="\n".join(lines) + "\n", text=True,
                   check=True, env=ENV)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True, env=ENV)
    # tags arrive packed in a clone or CI fetch; loose refs are measured separately
    if packed:
        subprocess.run(["git", "pack-refs", "--all"], cwd=path, check=True, env=ENV)


def via_git_cli(path):
    """The facts --tag auto needs, the way a shell-script task reads them."""
    run = lambda *a: subprocess.run(["git", *a], cwd=path, capture_output=True, text=True, check=True).stdout
    return run("rev-parse", "HEAD"), run("tag", "--points-at", "HEAD"), run("tag", "-l"), \
        run("symbolic-ref", "--short", "HEAD")


def best_of(fn, repeat=15):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    env = {"PATH": os.environ["PATH"]}
    with tempfile.TemporaryDirectory() as tmp:
        small, large, loose = (os.path.join(tmp, n) for n in ("small", "large", "loose"))
        make_repo(small, 500)
        make_repo(large, 5000)
        make_repo(loose, 5000, packed=False)
        for d in ("broker", "agent", "ui"):
            os.makedirs(os.path.join(large, "docker"), exist_ok=True)
            open(os.path.join(large, "docker", f"Dockerfile.{d}"), "w").close()
        ours = lambda repo: multiarch.compute_tags("auto", repo=repo, env=env)
        assert ours(large)[:1] == ["v49.9.9"], ours(large)
        t_ours_large = best_of(lambda: ours(large))
        t_ours_small = best_of(lambda: ours(small))
        t_git_large = best_of(lambda: via_git_cli(large))
        t_ours_loose = best_of(lambda: ours(loose), 5)
        t_git_loose = best_of(lambda: via_git_cli(loose), 5)

        plan = lambda: multiarch.plan("all", tag="auto", push=True, repo=small, env=env)
        base = max_rss_kb()
        for _ in range(200):
            plan()
        first = max(max_rss_kb() - base, 1)
        for _ in range(1800):
            plan()
        total = max(max_rss_kb() - base, 1)

    results = [
        ("speed: git CLI / multiarch at 5000 tags", t_git_large / t_ours_large, ">=", 5.0),
        ("speed, 5000 loose tag refs: git CLI / multiarch", t_git_loose / t_ours_loose, ">=", 0.7),
        ("scaling: 5000 tags / 500 tags", t_ours_large / t_ours_small, "<=", 15.0),
        ("memory: RSS growth 2000 calls / 200 calls", total / first, "<=", 1.5),
    ]
    print(f"compute_tags auto: {t_ours_small * 1e3:.2f} ms at 500 tags, {t_ours_large * 1e3:.2f} ms at 5000 tags; "
          f"git CLI {t_git_large * 1e3:.2f} ms at 5000 tags; loose refs: {t_ours_loose * 1e3:.2f} ms "
          f"against git CLI {t_git_loose * 1e3:.2f} ms")
    missed = 0
    for name, ratio, op, target in results:
        ok = ratio >= target if op == ">=" else ratio <= target
        missed += not ok
        print(f"{'ok  ' if ok else 'MISS'} {name}: {ratio:.2f} (target {op} {target})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
