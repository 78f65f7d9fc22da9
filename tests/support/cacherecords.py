"""The shared builder's cache records of one job, found and removed by id.

The builder (dockerd's BuildKit behind `multiarch-remote`) is shared by every
test, bench and session on the machine, so nothing may empty it (`docker
buildx prune -af` under a running build makes its `mode=max` cache export
fail with "not found").  A job that needs a "fresh runner" puts a token of its
own in its RUN steps and removes only the records whose description holds it.
Used by tests/support/real.py and bench/ (no pytest here)."""


def record_ids(du_verbose, token):
    """IDs of the records in `docker buildx du --verbose`'s output whose
    description holds TOKEN."""
    ids, current = [], None
    for line in du_verbose.splitlines():
        if line.startswith("ID:"):
            current = line.split(None, 1)[1].strip()
        elif line.startswith("Description:") and token in line and current:
            ids.append(current)
    return ids


def cache_record_ids(docker, builder, token):
    """DOCKER(*args) runs the docker CLI and returns its stdout."""
    return record_ids(docker("buildx", "du", "--builder", builder, "--verbose"), token)


def prune_records(docker, builder, token, attempts=5):
    """Remove the records TOKEN names, one `--filter id=` prune each (a record
    a running build still holds survives a round: retried up to ATTEMPTS
    times).  Returns (how many prunes ran, the IDs still there)."""
    removed = 0
    for _ in range(attempts):
        ids = cache_record_ids(docker, builder, token)
        if not ids:
            return removed, []
        for record in ids:
            docker("buildx", "prune", "--builder", builder, "--all", "--force", "--filter", f"id={record}")
            removed += 1
    return removed, cache_record_ids(docker, builder, token)
