"""Two `multiarch.cli()` runs at once on two threads (the GIL is released while
builds run): a signal reaches both, and after they end, whatever the order,
Ctrl-C raises KeyboardInterrupt again and SIGTERM ends the process.  Each case
runs in a child Python process, which then signals itself."""

import json
import os
import signal
import subprocess
import sys
import textwrap

from support.project import clean_env

CHILD = textwrap.dedent(r'''
    import json, os, signal, sys, threading, time
    import multiarch

    repo, registry, state, mode = sys.argv[1:5]
    statuses = {}

    def publish(name):
        statuses[name] = multiarch.cli("broker", tag="v1.0.0", push=True, registry=f"{registry}/{name}",
                                       repo=repo, env={})

    def builds_started():
        return len([f for f in os.listdir(state) if f.startswith("build-started.")])

    first = threading.Thread(target=publish, args=("first",))
    second = threading.Thread(target=publish, args=("second",))
    first.start()
    deadline = time.monotonic() + 60
    while builds_started() < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    second.start()  # installs while the first run is still building
    if mode == "interrupt":
        while builds_started() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while both run: both stop
    first.join()
    second.join()
    result = {"statuses": statuses,
              "sigint_handler_is_python": signal.getsignal(signal.SIGINT) is signal.default_int_handler}
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        result["keyboard_interrupt"] = False
    except KeyboardInterrupt:
        result["keyboard_interrupt"] = True
    print("RESULT " + json.dumps(result), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    print("still alive after SIGTERM", flush=True)
''')


def run_child(project, emulator, registry, mode, seconds):
    env = clean_env({"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
                     **emulator.faults(f"slow-build={seconds}")})
    return subprocess.run([sys.executable, "-c", CHILD, str(project.path), f"{registry.host}/overlap-{mode}",
                           emulator.state_dir, mode],
                          cwd=project.path, env=env, capture_output=True, text=True, timeout=120)


def result_of(r):
    lines = [line for line in r.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, r.stdout[-2000:] + r.stderr[-2000:]
    return json.loads(lines[0][len("RESULT "):])


def test_after_two_overlapping_runs_signals_act_as_before(project, emulator, registry):
    # the first run ends while the second still runs: the order that used to
    # leave our handler installed with its pipe closed
    r = run_child(project, emulator, registry, "overlap", 1)
    result = result_of(r)
    assert result["statuses"] == {"first": 0, "second": 0}, r.stderr[-3000:]
    assert result["sigint_handler_is_python"]
    assert result["keyboard_interrupt"]
    assert r.returncode == -signal.SIGTERM, (r.returncode, r.stderr[-2000:])
    assert "still alive" not in r.stdout


def test_ctrl_c_stops_both_overlapping_runs(project, emulator, registry):
    r = run_child(project, emulator, registry, "interrupt", 60)
    result = result_of(r)
    assert result["statuses"] == {"first": 130, "second": 130}, r.stderr[-3000:]
    assert r.stderr.count("error: interrupted") == 2, r.stderr[-3000:]
    assert result["keyboard_interrupt"]
    assert r.returncode == -signal.SIGTERM, (r.returncode, r.stderr[-2000:])
    build_pids = [json.loads(line)["pid"] for line in open(os.path.join(emulator.state_dir, "calls.jsonl"))
                  if json.loads(line)["argv"][:2] == ["buildx", "build"]]
    assert len(build_pids) == 2
    for pid in build_pids:
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive, pid
