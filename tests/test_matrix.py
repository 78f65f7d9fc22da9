"""The matrix flow's refusals of bad input, before any docker command runs.
The flow itself (runners pushing by digest, then `angreal build merge`, and
the merge's refusals of records real runners wrote) runs on the real stack:
tests/test_real_matrix.py.  Each test here says why it uses the emulator in
a line starting `Emulator:`."""


def emulator_env(emulator, env=None):
    extra = {"PATH": emulator.env()["PATH"], "MULTIARCH_EMULATOR_STATE": emulator.state_dir,
             "MULTIARCH_EMULATOR_DELAY": "0.005"}
    extra.update(env or {})
    return extra


def merge(project, emulator, *args, env=None):
    return project.angreal("build", "merge", *args, env=emulator_env(emulator, env), timeout=180)


def assert_error(r, status, text):
    assert r.returncode == status, (r.returncode, r.stdout[-1000:], r.stderr[-2000:])
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and text in last, last
    assert "Traceback" not in r.stdout + r.stderr


def test_merge_refuses_an_empty_or_missing_folder(project, emulator, tmp_path):
    """Emulator: only its call log can show that no docker command ran at all."""
    empty = tmp_path / "empty"
    empty.mkdir()
    r = merge(project, emulator, "broker", "--digest-dir", str(empty), "--tag", "v1.2.3")
    assert_error(r, 2, "is empty")
    r = merge(project, emulator, "broker", "--digest-dir", str(tmp_path / "nowhere"), "--tag", "v1.2.3")
    assert_error(r, 2, "cannot read digest directory")
    assert emulator.calls() == []


def test_push_by_digest_needs_one_platform_and_a_folder(project, emulator, tmp_path):
    """Emulator: only its call log can show that no docker command ran at all."""
    base = ["build", "multi-arch", "broker", "--push-by-digest"]
    r = project.angreal(*base, "--digest-dir", str(tmp_path / "d"), env=emulator_env(emulator))
    assert_error(r, 2, "pass it with --platforms")
    r = project.angreal(*base, "--platforms", "linux/amd64,linux/arm64", "--digest-dir", str(tmp_path / "d"),
                        env=emulator_env(emulator))
    assert_error(r, 2, "builds one platform per run")
    r = project.angreal(*base, "--platforms", "linux/arm64", env=emulator_env(emulator))
    assert_error(r, 2, "needs --digest-dir")
    r = project.angreal("build", "multi-arch", "broker", "--digest-dir", str(tmp_path / "d"),
                        env=emulator_env(emulator))
    assert_error(r, 2, "--digest-dir goes with --push-by-digest")
    assert emulator.calls() == []


