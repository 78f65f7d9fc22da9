"""The shared builder's cache records of one job, found and removed by id.

The builder (dockerd's BuildKit behind `multiarch-remote`) is shared by every
test, bench and session on the machine, so nothing may empty it (`docker
buildx prune -af` under a running build makes its `mode=max` cache export
fail with "not found").  A job that needs a "fresh runner" puts a token of its
own in its RUN steps and removes only the records whose description holds it.
Used by tests/support/real.py and bench/ (no pytest here)."""


def record_ids(du_verbose, token):
    """IDs of the records in `docker buildx du --verbose`'s output whose
    description holds TOKEN, and of every record built on one of them (a
    `COPY` after a tokened `RUN` has no token, but BuildKit keeps a record that
    has children), children first."""
    parents, described, current = {}, {}, None
    for line in du_verbose.splitlines():
        key, _, value = line.partition(":")
        if key == "ID":
            current = value.strip()
            parents.setdefault(current, [])
        elif key == "Parent" and current:
            parents[current] += [p.strip() for p in value.split(",") if p.strip()]
        elif key == "Description" and current:
            described[current] = value
    depth = {}

    def tokened_depth(rec, seen=()):
        """How many records lie between REC and a tokened ancestor (0: REC has
        the token), or None."""
        if rec not in depth:
            if token in described.get(rec, ""):
                depth[rec] = 0
            else:
                ups = [tokened_depth(p, seen + (rec,)) for p in parents.get(rec, []) if p not in seen]
                ups = [d for d in ups if d is not None]
                depth[rec] = min(ups) + 1 if ups else None
        return depth[rec]

    found = [(tokened_depth(rec), rec) for rec in parents]
    return [rec for _, rec in sorted(((d, rec) for d, rec in found if d is not None), key=lambda x: -x[0])]


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
