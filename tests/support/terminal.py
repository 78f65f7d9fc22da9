"""TEST SUPPORT: run a command in a real pseudo-terminal (tmux) and read
what it drew: the final screen (`capture-pane`), the raw bytes it wrote
(`pipe-pane`), and whether the cursor is visible."""

import os
import re
import shlex
import subprocess
import time
import uuid
from pathlib import Path

SGR = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    """A detached tmux session of WIDTH x HEIGHT running ARGV in CWD with
    ENV; `wait()` returns its exit status."""

    def __init__(self, argv, cwd, env, tmp_path, width=120, height=50):
        self.name = f"ma-{uuid.uuid4().hex[:8]}"
        self.raw_path = Path(tmp_path) / f"{self.name}.raw"
        self.status_path = Path(tmp_path) / f"{self.name}.status"
        self.width, self.height = width, height
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = (f"cd {shlex.quote(str(cwd))} && env -i {exports} {shlex.join(argv)}; "
                  f"echo $? > {shlex.quote(str(self.status_path))}; sleep 3600")
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                        "bash", "-c", script], check=True, env={**os.environ, "TERM": "xterm-256color"})
        subprocess.run(["tmux", "pipe-pane", "-t", self.name, "-o", f"cat >> {shlex.quote(str(self.raw_path))}"],
                       check=True)

    def raw(self):
        return self.raw_path.read_bytes().decode("utf-8", "replace") if self.raw_path.exists() else ""

    def screen(self, joined=False):
        args = ["tmux", "capture-pane", "-p", "-t", self.name] + (["-J"] if joined else [])
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def cursor_visible(self):
        out = subprocess.run(["tmux", "display", "-p", "-t", self.name, "#{cursor_flag}"], capture_output=True,
                             text=True, check=True).stdout.strip()
        return out == "1"

    def send_keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.2)
        return False

    def wait(self, timeout=300):
        assert self.wait_for(self.status_path.exists, timeout), f"no exit within {timeout}s:\n{self.screen()}"
        time.sleep(0.3)  # let tmux draw the last bytes
        return int(self.status_path.read_text().strip())

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def board_lines(raw):
    """Every board line the program drew (after each clear-line), without colour."""
    lines = []
    for chunk in raw.split("\x1b[2K")[1:]:
        line = re.split(r"[\r\n]", chunk, maxsplit=1)[0]
        lines.append(SGR.sub("", line))
    return lines
