"""Watching a run, on the real stack: the board at a terminal (a real
pseudo-terminal: tmux), GitHub Actions' groups and annotations, the plain
lines everywhere else, and multiarch.publish() for programs."""

import json
import re
import uuid
from pathlib import Path

import pytest

import multiarch
from support.project import clean_env
from support.real import real_dockerfile
from support.realrun import COMPONENTS, PLATFORMS, error_lines, image, multi_arch, tag_digests
from support.terminal import SGR, Terminal, board_lines

pytestmark = pytest.mark.real

FAIL_STEP = "RUN echo agent-step-fails && exit 3"


@pytest.fixture
def ns(registry):
    return f"{registry.host}/w-{uuid.uuid4().hex[:8]}"


def break_agent(project):
    project.dockerfile("agent", real_dockerfile("agent", FAIL_STEP + "\n"))
    project.commit("agent breaks")


def terminal(project, tmp_path, *args, env=None, width=120, height=60):
    full = clean_env({**project.docker_env, "TERM": "xterm-256color", "TMPDIR": str(tmp_path), **(env or {})})
    argv = ["angreal", "build", "multi-arch", *args, "--builder", project.docker_env.builder]
    return Terminal(argv, project.path, full, tmp_path, width=width, height=height)


def log_paths(text):
    """{name: Path} from the `Logs:` block printed at the end."""
    block = text[text.rindex("Logs:"):].splitlines()[1:]
    return {m.group(1): Path(m.group(2)) for line in block for m in [re.match(r"\s+(\S+)\s+(/\S+)$", line)] if m}


def test_the_board_at_a_terminal_shows_phases_redraws_in_place_and_ends_with_the_failure(
        real_project, ns, tmp_path):
    break_agent(real_project)
    slow = f"RUN sleep 2 && echo {uuid.uuid4().hex}"  # never cached: the board sees it run
    real_project.dockerfile("broker", real_dockerfile("broker", slow + "\n"))
    real_project.commit("broker takes its time")
    token = "secret-" + uuid.uuid4().hex
    term = terminal(real_project, tmp_path, "all", "--tag", "v1.2.3", "--push", "--registry", ns,
                    "--username", "release-bot", env={"MULTIARCH_REGISTRY_TOKEN": token})
    try:
        mid = term.wait_for(lambda: re.search(r"^(broker|ui)\s+(building|pushing)", term.screen(), re.M), 120)
        status = term.wait()
        screen, raw, visible = term.screen(), term.raw(), term.cursor_visible()
    finally:
        term.close()
    assert mid, raw[-3000:]
    assert status == 1, screen
    # redrawn in place: frame after frame moves the cursor up over the last one
    assert len(re.findall(r"\x1b\[\d+A", raw)) >= 3
    drawn = board_lines(raw)
    for comp in COMPONENTS:
        assert any(re.match(rf"{comp}\s+waiting", line) for line in drawn)
        assert any(re.match(rf"{comp}\s+building", line) for line in drawn)
    assert any(re.match(r"(broker|ui)\s+pushing\s+\d+/\d+", line) for line in drawn)
    assert any(re.match(rf"broker\s+building\s+\d+/\d+\s+\S+\s+\[linux/(amd64|arm64) 3/3\] {re.escape(slow)}$",
                        line) for line in drawn)  # the step as buildx names it
    # the last frame: one line per image, each once on the screen, then the summary
    lines = screen.splitlines()
    board = [i for i, line in enumerate(lines) if re.match(r"(broker|agent|ui)\s+(done|failed|cancelled)\s+\d+/\d+ ", line)]
    assert len(board) == 3 and board == list(range(board[0], board[0] + 3)), screen
    assert re.match(rf"agent\s+failed\s+\d+/\d+\s+\S+\s+\[linux/(amd64|arm64) \d/\d\] {re.escape(FAIL_STEP)}",
                    lines[board[1]]), screen
    assert re.match(r"broker\s+cancelled\s.*not tagged", lines[board[0]])
    summary = next(i for i, line in enumerate(lines) if line.startswith("component  result"))
    failure = next(i for i, line in enumerate(lines) if line.startswith("agent failed at [linux/"))
    assert board[-1] < summary < failure, screen
    after = "\n".join(lines[failure:])
    assert "  agent-step-fails" in after and "ERROR: process" in after and "exit code: 3" in after
    assert lines[-1].startswith("error: ") or "error: " in screen.strip().splitlines()[-1]
    # the terminal is left clean: the cursor shows again
    assert raw.rfind("\x1b[?25h") > raw.rfind("\x1b[?25l") >= 0 and visible
    # each image's full log is in a file; the token is in none of them, nor on the screen
    logs = log_paths(screen)
    assert set(logs) == {"setup", *COMPONENTS}
    agent_log = logs["agent"].read_text()
    assert "$ docker buildx build --progress rawjson --builder" in agent_log
    assert "agent-step-fails" in agent_log and f"{FAIL_STEP}" in agent_log
    assert "docker login" in logs["setup"].read_text()
    for path in logs.values():
        assert token not in path.read_text()
    assert token not in raw


def test_a_good_first_release_on_the_board_shows_and_logs_no_error(real_project, ns, tmp_path):
    term = terminal(real_project, tmp_path, "broker", "--tag", "v1.0.0", "--push", "--registry", ns)
    try:
        status = term.wait()
        screen, raw = term.screen(), term.raw()
    finally:
        term.close()
    assert status == 0, screen
    logs = log_paths(screen)
    texts = [raw] + [path.read_text() for path in logs.values()]
    assert not error_lines(*texts)
    # what is not there yet is said as such in the image's log
    assert "v1.0.0: not published yet" in logs["broker"].read_text()


def test_a_narrow_terminal_and_a_long_name_never_wrap_the_board_and_no_color_is_respected(
        real_project, ns, tmp_path):
    long_name = "a-component-with-a-name-far-longer-than-any-column"
    (real_project.path / "multiarch.json").write_text(json.dumps(
        {"components": {long_name: {"dockerfile": "docker/Dockerfile.broker"}, "ui": {}}}))
    real_project.commit("a long component name")
    width = 40
    term = terminal(real_project, tmp_path, "all", "--tag", "v1.0.0", "--push", "--registry", ns,
                    env={"NO_COLOR": "1"}, width=width)
    try:
        status = term.wait()
        raw, screen = term.raw(), term.screen()
    finally:
        term.close()
    assert status == 0, screen
    drawn = board_lines(raw)
    assert len(re.findall(r"\x1b\[\d+A", raw)) >= 3  # NO_COLOR keeps the redraw
    assert drawn and all(len(line) <= width - 1 for line in drawn), [l for l in drawn if len(l) >= width]
    assert not SGR.search(raw), "NO_COLOR: no colour"
    assert any(line.startswith(long_name[:24] + "  done") for line in drawn)


def test_ctrl_c_at_the_board_stops_the_builds_and_leaves_the_terminal_clean(real_project, ns, tmp_path):
    seconds = 600 + uuid.uuid4().int % 300
    real_project.dockerfile("broker", real_dockerfile("broker", f"RUN sleep {seconds}\n"))
    real_project.commit("slow broker")
    term = terminal(real_project, tmp_path, "broker", "--tag", "v1.2.3", "--push", "--registry", ns)
    try:
        assert term.wait_for(lambda: f"RUN sleep {seconds}" in term.screen(), 120), term.screen()
        term.send_keys("C-c")
        status = term.wait(timeout=60)
        screen, raw, visible = term.screen(), term.raw(), term.cursor_visible()
    finally:
        term.close()
    assert status == 130, screen
    assert re.search(r"^broker\s+cancelled\s", screen, re.M), screen
    assert "error: interrupted" in screen
    assert raw.rfind("\x1b[?25h") > raw.rfind("\x1b[?25l") >= 0 and visible


# -- GitHub Actions ------------------------------------------------------------------


def groups(stderr):
    """[(title, [lines])] of the ::group:: blocks; fails on a nested or unclosed group."""
    out, current = [], None
    for line in stderr.splitlines():
        if line.startswith("::group::"):
            assert current is None, f"nested group: {line}"
            current = (line[len("::group::"):], [])
        elif line == "::endgroup::":
            assert current is not None, "endgroup without group"
            out.append(current)
            current = None
        elif current is not None:
            current[1].append(line)
    assert current is None, "unclosed group"
    return out


def test_github_actions_groups_each_image_whole_and_annotates_the_failure(real_project, ns, tmp_path):
    break_agent(real_project)
    summary = tmp_path / "summary.md"
    r = multi_arch(real_project, "all", "--tag", "v1.2.3", "--push", "--registry", ns,
                   env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "TMPDIR": str(tmp_path)})
    assert r.returncode == 1, r.stderr[-3000:]
    found = groups(r.stderr)
    assert found[0][0].startswith("setup")
    by_comp = {}
    for title, lines in found[1:]:
        comp = title.split(":", 1)[0]
        assert comp in COMPONENTS, title
        by_comp.setdefault(comp, []).append((title, lines))
        # the build's lines are fenced: they cannot issue workflow commands
        assert lines[0].startswith("::stop-commands::") and lines[-1] == f"::{lines[0].split('::')[2]}::"
        others = [c for c in COMPONENTS if c != comp]
        for line in lines:
            for other in others:  # no line of another image inside this image's group
                assert f"brokkr-{other}" not in line and f"Dockerfile.{other}" not in line \
                    and f"echo {other} >>" not in line, (title, line)
    assert set(by_comp) == set(COMPONENTS)
    agent_text = "\n".join(line for _, lines in by_comp["agent"] for line in lines)
    assert "agent-step-fails" in agent_text and "$ docker buildx build --progress rawjson" in agent_text
    assert any("building" in title and "failed" in title for title, _ in by_comp["agent"])
    assert any("pushing" in title for title, _ in by_comp["broker"])
    # outside the groups: short progress lines only, never build output
    outside, depth = [], 0
    for line in r.stderr.splitlines():
        depth += line.startswith("::group::")
        if depth == 0:
            outside.append(line)
        depth -= line == "::endgroup::"
    assert any(re.match(r"broker: building", line) for line in outside)
    assert not any(line.startswith("#") for line in outside)
    errors = [line for line in r.stderr.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1, errors
    assert re.match(r"::error title=agent build failed::\[linux/(amd64|arm64) \d/\d\] "
                    + re.escape(FAIL_STEP) + r": process .* did not complete successfully: exit code: 3$", errors[0])
    table = summary.read_text()
    assert re.search(r"\| agent \| failed \| failed at `\[linux/(amd64|arm64) \d/\d\] " + re.escape(FAIL_STEP), table)
    assert set(log_paths(r.stderr)) == set(COMPONENTS)
    assert "\x1b[" not in r.stderr


def test_github_actions_a_resumed_release_is_a_notice(real_project, registry, ns, tmp_path):
    env = {"GITHUB_ACTIONS": "true", "TMPDIR": str(tmp_path)}
    r = multi_arch(real_project, "broker", "--tag", "v1.0.0", "--push", "--registry", ns, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not [line for line in r.stderr.splitlines() if line.startswith("::error")]
    # a good first release's GitHub log holds no error: what is not there yet is said as such
    assert not error_lines(r.stdout, r.stderr)
    assert f"{image(ns, 'broker')}:v1.0.0: not published yet" in r.stderr
    r = multi_arch(real_project, "broker", "--tag", "v1.0.0", "--push", "--registry", ns, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    digest = registry.digest(f"{image(ns, 'broker')}:v1.0.0")
    assert f"::notice title=broker::already published at {digest}: built nothing, moved no tag" in r.stderr


def test_plain_output_is_unchanged_off_a_terminal_and_with_progress_plain(real_project, ns):
    for env, extra in (({}, ()), ({"GITHUB_ACTIONS": "true"}, ("--progress", "plain"))):
        r = multi_arch(real_project, "broker", "--tag", f"v1.0.{len(extra)}", "--push", "--registry", ns,
                       *extra, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        assert "[broker] $ docker buildx build --builder" in r.stderr
        # (BuildKit counts the steps of this two-line Dockerfile as 2/2 or, lately, 2/3)
        assert re.search(r"^\[broker\] #\d+ \[linux/arm64 2/\d\] RUN uname -m", r.stderr, re.M)
        assert "--progress" not in r.stderr and "::group::" not in r.stderr and "\x1b[" not in r.stderr
        assert "Logs:" not in r.stderr


# -- multiarch.publish() -------------------------------------------------------------


@pytest.fixture
def docker_process_env(real_project, monkeypatch):
    """publish() runs docker in the process environment: the test's DOCKER_CONFIG."""
    for key, value in real_project.docker_env.items():
        monkeypatch.setenv(key, value)
    return real_project


def test_publish_returns_the_digests_the_registry_holds(docker_process_env, registry, ns):
    project = docker_process_env
    result = multiarch.publish("all", tag="v1.2.3", push=True, registry=ns, builder=project.docker_env.builder,
                               repo=str(project.path), env={})
    assert result["ok"] is True and result["error"] is None
    assert result["tags"] == ["v1.2.3", "v1.2", "v1", "latest"]
    assert [i["component"] for i in result["images"]] == list(COMPONENTS)
    for img in result["images"]:
        repo = image(ns, img["component"])
        digests = tag_digests(registry, repo)
        assert img["result"] == "published" and img["error"] is None and img["failed_step"] is None
        assert img["image"] == repo and img["digest"] == digests["v1.2.3"] == digests["latest"]
        assert img["ref"] == f"{repo}@{img['digest']}"
        assert img["moved"] == ["v1.2.3", "v1.2", "v1", "latest"] and img["kept"] == []
        assert img["platforms"] == PLATFORMS and img["seconds"] > 0


def test_publish_raises_with_the_failed_images_result(docker_process_env, ns, tmp_path):
    project = docker_process_env
    break_agent(project)
    with pytest.raises(multiarch.Error) as caught:
        multiarch.publish("all", tag="v1.2.3", push=True, registry=ns, builder=project.docker_env.builder,
                          repo=str(project.path), env={"TMPDIR": str(tmp_path)}, progress="tty")
    result = caught.value.result
    assert result["ok"] is False and result["error"] == str(caught.value)
    assert "1 of 3 images did not publish" in result["error"] or "3 of 3 images did not publish" in result["error"]
    images = {i["component"]: i for i in result["images"]}
    agent = images["agent"]
    assert agent["result"] == "failed" and agent["digest"] is None and "exit code: 3" in agent["error"]
    assert re.match(r"\[linux/(amd64|arm64) \d/\d\] " + re.escape(FAIL_STEP), agent["failed_step"])
    assert "agent-step-fails" in Path(agent["log"]).read_text()
    for comp in ("broker", "ui"):
        assert images[comp]["result"] == "not tagged" and images[comp]["digest"].startswith("sha256:")
        assert images[comp]["moved"] == []


def test_publish_refuses_bad_input_as_cli_exits_2(docker_process_env):
    project = docker_process_env
    with pytest.raises(ValueError, match="invalid --progress 'fancy': expected auto, tty or plain"):
        multiarch.publish("broker", repo=str(project.path), env={}, progress="fancy")
    with pytest.raises(ValueError, match="unknown component 'db'"):
        multiarch.publish("db", repo=str(project.path), env={})
    with pytest.raises(ValueError, match="plan()"):
        multiarch.publish("broker", repo=str(project.path), env={}, dry_run=True)


PUBLISH_AND_REPORT = """
import json, sys, multiarch
try:
    multiarch.publish("broker", tag="v9.9.9", push=True, registry=sys.argv[1], builder=sys.argv[2],
                      repo=sys.argv[3], env={}, progress="plain")
    print(json.dumps({"raised": None}))
except KeyboardInterrupt:
    print(json.dumps({"raised": "KeyboardInterrupt"}))
except BaseException as exc:
    print(json.dumps({"raised": type(exc).__name__, "text": str(exc)}))
"""


def test_publish_raises_keyboard_interrupt_on_ctrl_c_after_stopping_the_build(docker_process_env, registry, ns):
    import signal
    import subprocess
    import sys
    import time
    project = docker_process_env
    marker = f"sleep {300 + int(uuid.uuid4().int % 600)}"  # a sleep no other build runs
    project.dockerfile("broker", real_dockerfile("broker", f"RUN {marker}\n"))
    project.commit("broker sleeps")
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH_AND_REPORT, ns, project.docker_env.builder,
                             str(project.path)], env=clean_env(dict(project.docker_env)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    running = False
    while time.monotonic() < deadline and proc.poll() is None:
        ps = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
        if ps.stdout.strip():
            running = True
            break
        time.sleep(0.2)
    assert running, "the RUN step never started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert json.loads(out.strip().splitlines()[-1]) == {"raised": "KeyboardInterrupt"}, err[-2000:]
    # the children were stopped before it raised: the RUN step is gone and nothing was tagged
    for _ in range(50):
        if not subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout.strip():
            break
        time.sleep(0.2)
    assert not subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout.strip()
    assert tag_digests(registry, image(ns, "broker")) == {}
