"""TEST SUPPORT: small helpers shared by the real-stack test modules
(tests/test_real_*.py): running the product on the remote builder, and
reading what it printed and what the registry holds."""

import re

COMPONENTS = ("broker", "agent", "ui")
PLATFORMS = ["linux/amd64", "linux/arm64"]
MACHINES = {"linux/amd64": b"x86_64", "linux/arm64": b"aarch64"}
RELEASE_TAGS = ["latest", "v1", "v1.2", "v1.2.3"]


def multi_arch(project, *args, env=None, timeout=300):
    """`angreal build multi-arch ARGS --builder <the remote builder>`."""
    return project.angreal("build", "multi-arch", *args, "--builder", project.docker_env.builder,
                           env=env, timeout=timeout)


def image(ns, comp):
    return f"{ns}/brokkr-{comp}"


def image_tags(registry, repo):
    """The repository's tags without the registry build cache (buildcache-*)."""
    return sorted(t for t in registry.tags(repo) if not t.startswith("buildcache-"))


def tag_digests(registry, repo):
    return {t: registry.digest(f"{repo}:{t}") for t in image_tags(registry, repo)}


def assert_error(r, status, text):
    """Exit STATUS, the last stderr line is one `error:` line, TEXT is said."""
    assert r.returncode == status, (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), last
    assert text in r.stdout + r.stderr, r.stdout + r.stderr[-3000:]
    assert "Traceback" not in r.stdout + r.stderr


def error_lines(*texts):
    """The lines of TEXTS that report an error: a word `ERROR` or `Error:`.
    A Go library's constant name in a passed-through log line (buildx's
    `http2: ... PROTOCOL_ERROR` when a session connection closes) is not one."""
    return [line for text in texts for line in text.splitlines() if re.search(r"\bERROR\b|\bError:", line)]


def printed_commands(stderr, component, *prefix):
    """The commands the product printed for COMPONENT (`[comp] $ docker ...`)
    whose words start with PREFIX, in order, each as a list of words."""
    out = []
    marker = f"[{component}] $ docker "
    for line in stderr.splitlines():
        if line.startswith(marker):
            words = line[len(marker):].split()
            if words[:len(prefix)] == list(prefix):
                out.append(words)
    return out


REGISTRY_METHODS = ("GET", "HEAD", "PUT")


def printed_steps(stderr, component):
    """What COMPONENT did, in order, from its plain log: a command as
    ["$", word, ...] (`[comp] $ docker ...`, without "docker"), a registry
    step as [METHOD, ref] or ["PUT", ref, digest] (`[comp] PUT host/repo:tag ← sha256:...`)."""
    out = []
    head = f"[{component}] "
    for line in stderr.splitlines():
        if not line.startswith(head):
            continue
        words = line[len(head):].split()
        if words[:2] == ["$", "docker"]:
            out.append(["$"] + words[2:])
        elif words and words[0] in REGISTRY_METHODS and len(words) >= 2:
            out.append([words[0], words[1]] + ([words[3]] if words[0] == "PUT" and len(words) >= 4 else []))
    return out


def registry_puts(stderr, component):
    """The (ref, digest) of every registry PUT COMPONENT's plain log shows, in order."""
    return [(s[1], s[2]) for s in printed_steps(stderr, component) if s[0] == "PUT" and len(s) == 3]


def tags_of(command):
    """The --tag values of a printed `imagetools create` command."""
    return [command[i + 1] for i, word in enumerate(command) if word == "--tag"]


def run_step_lines(stderr, component, platform, needle):
    """buildx progress of COMPONENT's RUN step on PLATFORM: every line of that
    step's number (e.g. ["#9 [linux/arm64 2/2] RUN ...", "#9 CACHED"]),
    without the `[comp] ` prefix; [] when the step never showed."""
    lines = [line[len(component) + 3:] for line in stderr.splitlines()
             if line.startswith(f"[{component}] ")]
    numbers = {m.group(1) for line in lines
               for m in [re.match(rf"(#\d+) \[{re.escape(platform)} [^\]]*\] RUN .*{re.escape(needle)}", line)]
               if m}
    return [line for line in lines if line.split(" ", 1)[0] in numbers]
