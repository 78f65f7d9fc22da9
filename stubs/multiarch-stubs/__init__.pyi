"""Tags, build plans and buildx runs for multi-architecture container images.

The C extension behind `angreal build multi-arch`.  Bad input (an unknown
component, an invalid tag or platform) raises ValueError; a failing
environment (not a git repository for ``tag="auto"``, an unreadable config)
raises :class:`Error`.
"""

from typing import Mapping, Optional, TypedDict, Union

__version__: str
DEFAULT_TAG: str

class ImageResult(TypedDict):
    component: str
    image: str
    """Registry and repository without a tag."""
    result: str
    """``"published"``, ``"resumed"``, ``"built"``, ``"pushed"``, ``"not tagged"``, ``"not built"``,
    ``"failed"`` or ``"cancelled"``."""
    digest: Optional[str]
    """``sha256:…`` of what the registry holds (None when nothing was pushed)."""
    ref: Optional[str]
    """``image@sha256:…``: what to deploy by."""
    platforms: list[str]
    tags: list[str]
    """The tags the plan gives the image."""
    moved: list[str]
    """Tags this run pointed at the digest."""
    kept: list[str]
    """``sha-…`` tags left where an earlier build of this commit put them."""
    unchanged: list[str]
    """Tags that already named the digest."""
    notes: list[str]
    """What the summary says under the image (``kept …``, ``already published …``)."""
    seconds: float
    requests: int
    """Registry requests its steps sent (the registry client's: retries, pings and token fetches
    included; buildx's own pushes not)."""
    error: Optional[str]
    """Why it failed (None unless ``result == "failed"``)."""
    failed_step: Optional[str]
    """The failing build step as buildx names it (``[linux/arm64 4/7] RUN cargo build``), when the
    build's progress was read (the board or GitHub view); else None."""
    log: Optional[str]
    """The image's full log file (board and GitHub views), else None."""
    sizes: list[PlatformSize]
    """A published image: each platform's compressed size (config and layers), read after the run."""
    size_before: Optional[SizeBaseline]
    """What ``latest`` named before the run (the sizes' ``before_bytes``), or None."""
    size_error: Optional[str]
    """Why sizes are missing (a registry that did not answer), else None."""
    build_times: list[PlatformTime]
    """Each platform's build steps' time, from the rawjson progress (board and GitHub views)."""
    build_note: Optional[str]
    """When one platform's steps took more than 3x another's: which, its slowest step, and the
    remedy (docs/builders.md); else None."""

class PlatformSize(TypedDict):
    platform: str
    digest: str
    """The platform image's manifest."""
    bytes: int
    before_bytes: Optional[int]
    """The same platform's size in what ``latest`` named before the run, or None."""
    change: Optional[int]
    """``bytes - before_bytes``, or None."""

class SizeBaseline(TypedDict):
    tag: str
    """``"latest"``."""
    digest: str
    version: Optional[str]
    """Its version annotation (``v1.2.3``), or None."""

class PlatformTime(TypedDict):
    platform: str
    seconds: float
    """Its steps' time, summed (cached steps take none)."""
    steps: int
    slowest_step: Optional[str]
    slowest_seconds: float

class RunResult(TypedDict):
    ok: bool
    error: Optional[str]
    """The run's error, as ``cli()`` prints it after ``error:``; None when every image succeeded."""
    tags: list[str]
    images: list[ImageResult]

class Error(Exception):
    """The environment failed: not a git repository, an unreadable config, docker missing,
    or (from :func:`publish`) an image that did not publish."""

    result: RunResult
    """Set by :func:`publish`: the run's result, as it would have returned it."""

class ImagePlan(TypedDict):
    component: str
    """Component name, e.g. ``"broker"``."""
    image: str
    """Registry and repository without a tag, e.g. ``"ghcr.io/colliery-io/brokkr-broker"``."""
    dockerfile: str
    """Dockerfile path relative to ``workdir``."""
    context: str
    """Build context relative to ``workdir``."""
    platforms: list[str]
    tags: list[str]
    refs: list[str]
    """``image:tag`` for every tag."""
    immutable_tags: list[str]
    """``vX.Y.Z`` and ``sha-…``: never overwritten at another digest."""
    mutable_tags: list[str]
    """``vX.Y``, ``vX``, ``latest``, branch, ``pr-N``: moved only after the immutable ones are verified."""
    metadata_file: Optional[str]
    """Where buildx writes the pushed digest (push only)."""
    digest_file: Optional[str]
    """Push by digest: the record written for ``merge``."""
    labels: list[str]
    """OCI labels, ``org.opencontainers.image.<key>=<value>``: source, revision, version, created, title."""
    annotations: list[str]
    """OCI annotations, ``org.opencontainers.image.<key>=<value>``: the labels' keys, then description,
    licenses and url; on the image index (what GHCR reads) and on each platform manifest.
    Empty for a local build."""
    index_annotations: bool
    """The pushed index carries ``annotations`` (a push of several platforms or with attestations,
    or a merge); a one-platform push without attestations makes no index: only its manifest has them."""
    attestations: bool
    """``--sbom`` or ``--provenance min|max`` was asked for: the read-back checks every platform has one."""
    sources: list[str]
    """What the tags point at: ``image@<digest>``, or (merge) the recorded ``image@sha256:…`` per platform."""
    command: list[str]
    """The exact ``docker buildx build`` argv (empty for a merge)."""
    promote: list[dict[str, str]]
    """The tag moves after the build, as registry steps, immutable tags first:
    ``{"method": "PUT", "ref": "image:tag", "digest": "<digest>"}``, ``<digest>`` standing for the
    digest the build pushes (or the merge composes)."""
    sign: list[list[str]]
    """With ``sign``: ``cosign sign`` then ``cosign verify`` of ``image@<digest>``, run before any tag
    moves (a re-run whose digest verifies already signs nothing); else empty."""

class SignPlan(TypedDict):
    key: Optional[str]
    """``sign_key`` as given (cosign ``--key``), or None: keyless."""
    keyless: bool
    offline: bool
    """No transparency log upload (``sign_offline``)."""
    allow_http: bool
    """The registry is on loopback: cosign reaches it over plain HTTP."""
    public_key: Optional[str]
    """Where the run writes the key's public half, which ``cosign verify`` checks with."""
    identity: Optional[str]
    """Keyless: the workflow's certificate identity (``$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF``)."""

class Option(TypedDict):
    name: str
    """The Python keyword (and the angreal argument's name)."""
    flag: Optional[str]
    """``"--tag"``, or None: the positional ``component`` or a Python-only keyword."""
    metavar: Optional[str]
    type: str
    """``"text"``, ``"flag"``, ``"count"``, ``"uint"``, ``"switch"`` (True, False, ``"true"``,
    ``"false"`` or None) or ``"env"``."""
    default: Optional[str]
    help: str
    json_key: Optional[str]
    """The plan JSON key it shows up under, or None."""
    required: bool
    commands: list[str]
    """Where it is taken: ``"multi-arch"``, ``"merge"``, ``"cli"``, ``"publish"``, ``"plan"``, ``"compute_tags"``,
    ``"prune"`` (``angreal build prune``), ``"prune()"`` (:func:`prune` and :func:`prune_cli`)."""

class TagPolicy(TypedDict):
    version_prefix: str
    """``"v"`` (``v1.2.3``, ``v1.2``, ``v1``) or ``""`` (``1.2.3``, ``1.2``, ``1``)."""
    sha: bool
    """The ``sha-<7>`` tag on every auto build."""
    major_zero: bool
    """The major alias (``v0``) for ``0.y.z`` releases."""
    latest: bool
    """Releases move ``latest``."""
    schedule: str
    """The tag of a scheduled CI run (``nightly``)."""

class Plan(TypedDict):
    """The version of multiarch first, then the options' keys in the option table's order, then revision,
    tags and images."""
    multiarch_version: str
    """The version of multiarch that made the plan (``__version__``)."""
    tag_prefix: Optional[str]
    """The release tags' prefix (``tag_prefix``, else the config's), or None."""
    tag_policy: TagPolicy
    """The tag policy in effect: the config's ``tags``, with the options given over it."""
    registry: str
    push: bool
    builder: str
    config: Optional[str]
    """The multiarch.json used, or None for the built-in Brokkr defaults."""
    digest_dir: Optional[str]
    sign: Optional[SignPlan]
    """How each index digest is signed, or None without ``sign``."""
    provenance: Optional[str]
    """``"min"``, ``"max"``, ``"false"``, or None: buildx's default."""
    sbom: bool
    workdir: str
    """The directory the commands run in (the project root)."""
    mode: str
    """``"load"``, ``"push"``, ``"push-by-digest"`` or ``"merge"``."""
    revision: Optional[str]
    """The commit built, or None outside git."""
    tags: list[str]
    images: list[ImagePlan]

def compute_tags(
    tag: Optional[str] = "dev",
    repo: Optional[str] = None,
    *,
    env: Optional[Mapping[str, str]] = None,
    config: Optional[str] = None,
    tag_prefix: Optional[str] = None,
    version_prefix: Optional[str] = None,
    sha_tag: Optional[Union[bool, str]] = None,
    major_zero: Optional[Union[bool, str]] = None,
    latest: Optional[Union[bool, str]] = None,
    schedule_tag: Optional[str] = None,
) -> list[str]:
    """The image tags a build gets.

    ``tag="auto"`` derives them from git (read with libgit2 from ``repo``, default
    the current directory) and the CI variables in ``env`` (default ``os.environ``):
    a version tag at HEAD gives ``vX.Y.Z``, ``vX.Y``, ``vX``, ``latest`` (aliases only
    when it is the highest of its line), else ``pr-N`` or the sanitized branch; then
    ``sha-<7 hex>``.  A full version such as ``"v1.2.3"`` gives its release set; any
    other value is validated against Docker's tag grammar and used as given.
    ``tag_prefix`` (default the config's ``tag_prefix``): release tags are
    ``<tag_prefix>v1.2.3``, only those count, and the image tags drop the prefix.
    The tag policy (default the config's ``tags``): ``version_prefix`` ``""`` spells
    version tags ``1.2.3``, ``1.2``, ``1`` (and ``"1.2.3"`` names the release
    ``"v1.2.3"`` names); ``sha_tag=False``: no ``sha-`` tag; ``major_zero=False``: no
    ``v0`` for ``0.y.z``; ``latest=False``: releases leave ``latest`` alone;
    ``schedule_tag``: the tag of a scheduled CI run (``nightly``), which replaces the
    release or branch tag there.
    """

def plan(
    component: str,
    tag: Optional[str] = "dev",
    push: bool = False,
    platforms: Optional[str] = None,
    registry: Optional[str] = None,
    repo: Optional[str] = None,
    *,
    env: Optional[Mapping[str, str]] = None,
    config: Optional[str] = None,
    builder: Optional[str] = None,
    run_dir: Optional[str] = None,
    merge: bool = False,
    push_by_digest: bool = False,
    digest_dir: Optional[str] = None,
    cache_from: Optional[str] = None,
    cache_to: Optional[str] = None,
    provenance: Optional[str] = None,
    sbom: bool = False,
    sign: bool = False,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    tag_prefix: Optional[str] = None,
    version_prefix: Optional[str] = None,
    sha_tag: Optional[Union[bool, str]] = None,
    major_zero: Optional[Union[bool, str]] = None,
    latest: Optional[Union[bool, str]] = None,
    schedule_tag: Optional[str] = None,
    from_: Optional[str] = None,
    from_registry: Optional[str] = None,
    promote: bool = False,
) -> Plan:
    """The build plan for ``component`` (``"broker"``, ``"agent"``, ``"ui"`` or ``"all"``).

    ``platforms`` is a comma-separated list (``"linux/amd64,linux/arm64"``); without it,
    a push builds the config's platforms (``linux/amd64`` and ``linux/arm64``) and a
    local build this machine's platform, loaded with ``--load``.  ``registry`` defaults
    to ``ghcr.io/colliery-io``.  ``run_dir`` is where metadata files go (default the
    ``<run-dir>`` stand-in).  ``push_by_digest`` plans one platform pushed by digest and
    recorded in ``digest_dir``; ``merge`` plans the index of the records in ``digest_dir``
    (read here).  ``cache_from``/``cache_to`` replace the registry cache default
    (``"none"``: no cache).  ``provenance`` (``"min"``, ``"max"``, ``"false"``) and ``sbom``
    ask buildx for attestations; ``sign`` plans cosign signatures (``sign_key``: a key file,
    ``env://VAR`` or a KMS URI; without it keyless; ``sign_offline``: no transparency log).
    Runs nothing.
    """

def cli(
    component: Optional[str],
    tag: Optional[str] = "dev",
    registry: Optional[str] = None,
    platforms: Optional[str] = None,
    push: bool = False,
    dry_run: bool = False,
    json: bool = False,
    *,
    repo: Optional[str] = None,
    config: Optional[str] = None,
    builder: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    jobs: Optional[Union[int, str]] = None,
    retries: Optional[Union[int, str]] = None,
    allow_overwrite: bool = False,
    force_move: bool = False,
    username: Optional[str] = None,
    retry_backoff_ms: int = 0,
    merge: bool = False,
    push_by_digest: bool = False,
    digest_dir: Optional[str] = None,
    cache_from: Optional[str] = None,
    cache_to: Optional[str] = None,
    progress: Optional[str] = None,
    provenance: Optional[str] = None,
    sbom: bool = False,
    sign: bool = False,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    tag_prefix: Optional[str] = None,
    version_prefix: Optional[str] = None,
    sha_tag: Optional[Union[bool, str]] = None,
    major_zero: Optional[Union[bool, str]] = None,
    latest: Optional[Union[bool, str]] = None,
    schedule_tag: Optional[str] = None,
    from_: Optional[str] = None,
    from_registry: Optional[str] = None,
    promote: bool = False,
) -> int:
    """Run ``angreal build multi-arch`` (``merge=True``: ``angreal build merge``) and return
    its exit status.

    Prints the plan (``dry_run``), the plan as one JSON document (``dry_run`` and
    ``json``), or runs the builds: preflight, build and push by digest, verify,
    then tag immutable and mutable tags in that order.  Progress goes to stderr,
    the summary and ``image@sha256:…`` references to stdout.  ``jobs`` (an int or
    its text, default 3)
    bounds the commands run at once; ``retries`` (default 3) bounds retries of
    transient registry failures, first after ``retry_backoff_ms`` (default 1000),
    doubling.  ``env`` is where CI variables and the registry token
    (``MULTIARCH_REGISTRY_TOKEN`` or ``GITHUB_TOKEN``, user ``username`` or
    ``GITHUB_ACTOR``) are read (default ``os.environ``); the docker processes
    inherit the process environment (copied when the call starts), without ``COSIGN_PASSWORD``:
    with ``sign``, only cosign gets it (read from ``env``).  The GIL is released while they run.

    ``progress`` (``--progress``): ``"auto"`` (default: a board redrawn in place when
    stderr is a terminal and ``TERM`` is not ``dumb``; groups and annotations when
    ``GITHUB_ACTIONS=true`` in ``env``; else the prefixed lines), ``"tty"`` (the board) or
    ``"plain"`` (the prefixed lines).  The board and GitHub views run builds with
    ``--progress rawjson`` and keep each image's log in
    ``$TMPDIR/multiarch-logs-XXXXXX/<component>.log``, printed at the end.

    Errors are printed as one ``error:`` line on stderr; the status is 0 on
    success, 2 for bad input, 1 for other failures and 130 when interrupted.
    """

def publish(
    component: Optional[str],
    tag: Optional[str] = "dev",
    registry: Optional[str] = None,
    platforms: Optional[str] = None,
    push: bool = False,
    dry_run: bool = False,
    json: bool = False,
    *,
    repo: Optional[str] = None,
    config: Optional[str] = None,
    builder: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    jobs: Optional[Union[int, str]] = None,
    retries: Optional[Union[int, str]] = None,
    allow_overwrite: bool = False,
    force_move: bool = False,
    username: Optional[str] = None,
    retry_backoff_ms: int = 0,
    merge: bool = False,
    push_by_digest: bool = False,
    digest_dir: Optional[str] = None,
    cache_from: Optional[str] = None,
    cache_to: Optional[str] = None,
    progress: Optional[str] = None,
    provenance: Optional[str] = None,
    sbom: bool = False,
    sign: bool = False,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    tag_prefix: Optional[str] = None,
    version_prefix: Optional[str] = None,
    sha_tag: Optional[Union[bool, str]] = None,
    major_zero: Optional[Union[bool, str]] = None,
    latest: Optional[Union[bool, str]] = None,
    schedule_tag: Optional[str] = None,
    from_: Optional[str] = None,
    from_registry: Optional[str] = None,
    promote: bool = False,
) -> RunResult:
    """Run as :func:`cli` does, with the same options, and return the result as plain data.

    Prints the same board or lines and summary (no ``error:`` line: the exception
    carries it).  Returns a :class:`RunResult`: per image the component, the result,
    the digest and ``image@digest`` reference, the tags moved and kept, the time, the
    error and the failing step.

    Raises ``ValueError`` for bad input (what makes ``cli()`` exit 2, and ``dry_run=True``:
    call :func:`plan` for that), :class:`Error` with ``.result`` (the same
    :class:`RunResult`) when any image failed or the environment did, and
    ``KeyboardInterrupt`` on Ctrl-C or SIGTERM once the builds it started are stopped.
    The GIL is released while the builds run.
    """


def promote(
    component: Optional[str],
    tag: Optional[str] = "dev",
    registry: Optional[str] = None,
    platforms: Optional[str] = None,
    push: bool = False,
    dry_run: bool = False,
    json: bool = False,
    *,
    from_: Optional[str] = None,
    from_registry: Optional[str] = None,
    repo: Optional[str] = None,
    config: Optional[str] = None,
    builder: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    jobs: Optional[Union[int, str]] = None,
    retries: Optional[Union[int, str]] = None,
    allow_overwrite: bool = False,
    force_move: bool = False,
    username: Optional[str] = None,
    retry_backoff_ms: int = 0,
    progress: Optional[str] = None,
    sign: bool = False,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    tag_prefix: Optional[str] = None,
    version_prefix: Optional[str] = None,
    major_zero: Optional[Union[bool, str]] = None,
    latest: Optional[Union[bool, str]] = None,
) -> RunResult:
    """``angreal build promote``: put a tested image's index under a release's tags, unchanged.

    ``from_`` names the tested image: its tag (``sha-abc1234``) or ``@sha256:<digest>``, in
    ``from_registry`` (default: ``registry``).  Nothing is built: the source index must hold
    every platform (``platforms``, default the configured ones), each immutable tag must be
    absent or at the source's digest (else it is refused before anything moves), the digest is
    signed first with ``sign``, then the index's exact bytes go under the immutable tags, then
    the aliases (forward-only).  From another repository of the same registry the blobs are
    mounted, from another registry copied (each digest checked).  It is :func:`publish` with
    ``promote=True``: the same other keywords and the same :class:`RunResult`.
    """


class RegistryAnswer(TypedDict):
    found: bool
    digest: str
    media_type: str
    body: bytes
    size: int
    tags: list[str]
    digests: list[str]
    steps: list[str]
    requests: int

def registry(
    op: str,
    host: str,
    repo: str,
    ref: Optional[str] = None,
    *,
    tag: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    retries: int = 3,
    retry_backoff_ms: int = 1000,
    page_size: int = 0,
    insecure: Optional[str] = None,
    certs_dir: Optional[str] = None,
) -> RegistryAnswer:
    """Ask a registry one question through the C registry client (HTTP on libcurl).

    ``op``: ``"head"`` or ``"get"`` (the manifest ``ref`` names: a tag or digest; its body's
    digest is checked), ``"heads"`` (the ``digests`` of several comma-separated refs, read side
    by side, ``""`` for an absent one), ``"tags"`` (every tag of ``repo``, following ``Link`` pages of
    ``page_size``), ``"blob"`` (HEAD the blob ``ref``), ``"tag"`` (point ``tag`` at what ``ref``
    names: its exact bytes are PUT).  Credentials come from docker's config.json (``env``'s
    ``DOCKER_CONFIG``, else ``$HOME/.docker``), its ``credHelpers``/``credsStore`` helpers
    included; TLS from the system CAs plus ``certs_dir`` (``/etc/docker/certs.d``)/<host>/;
    plain HTTP only for loopback hosts and those in ``insecure`` (comma-separated
    ``host[:port]``).  Returns the answer with each step as a log line and the HTTP requests
    sent.  Raises ``ValueError`` for bad input, :class:`Error` for a failed request.
    """

class StatusSize(TypedDict):
    platform: Optional[str]
    """None for a single image manifest."""
    digest: str
    bytes: int

class StatusVersion(TypedDict):
    tag: str
    digest: str
    revision: Optional[str]
    """The commit (the index annotation), or None when it does not say."""
    created: Optional[str]
    platforms: list[str]
    sizes: list[StatusSize]
    """Compressed size per platform: the manifest's config and layers."""
    signed: bool
    """The cosign signature tag of its digest is there."""
    verified: Optional[bool]
    """With ``sign_key``: whether the signature verifies; else None."""

class StatusAlias(TypedDict):
    tag: str
    digest: str
    version: Optional[str]
    """The version tag naming the same digest, or None."""
    highest: Optional[str]
    """The highest stable version of its line: what it should name."""
    checked: bool
    """False for an alias in the other spelling (``1`` under ``version_prefix "v"``): shown only."""

class StatusHead(TypedDict):
    tag: str
    published: bool
    digest: Optional[str]

class StatusDrift(TypedDict):
    kind: str
    """``"alias"``, ``"platform"`` or ``"signature"``."""
    message: str
    fix: str
    """The command that fixes it."""

class StatusImage(TypedDict):
    component: str
    image: str
    platforms: list[str]
    """What the config asks for."""
    versions: list[StatusVersion]
    """In semver order, lowest first."""
    aliases: list[StatusAlias]
    head: Optional[StatusHead]
    drift: list[StatusDrift]
    requests: int

class Status(TypedDict):
    multiarch_version: str
    ok: bool
    """No drift."""
    drift: int
    sign_key: Optional[str]
    version_prefix: str
    requests: int
    images: list[StatusImage]

def status(
    component: str,
    *,
    registry: Optional[str] = None,
    config: Optional[str] = None,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    repo: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Status:
    """What is published, read-only: per image the version tags in semver order (digest,
    commit, created, platforms, compressed size per platform, signature), the aliases and
    the version each names, whether HEAD's ``sha-…`` is there, and the drift with its fix;
    the same document as ``angreal build status --json``.  ``sign_key``: releases must be
    signed (a missing signature is drift) and each signature is verified with cosign.
    Raises ``ValueError`` for bad input, :class:`Error` when the registry or cosign fails."""

def status_cli(
    component: str,
    *,
    registry: Optional[str] = None,
    config: Optional[str] = None,
    sign_key: Optional[str] = None,
    sign_offline: bool = False,
    json: bool = False,
    check: bool = False,
    repo: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> int:
    """``angreal build status``: print the status (``json``: its JSON) and return the exit
    status: 1 with ``check`` when there is drift (or on a registry failure), 2 for bad input."""


class PruneItem(TypedDict):
    digest: str
    kind: str
    """``"index"``, ``"manifest"``, ``"attestation"`` (an index's attestation manifest),
    ``"signature"``, ``"cosign-attestation"``, ``"referrer"`` or ``"cache"``."""
    why: str
    """Kept: the tag that reaches it.  Going: the tag let go, or ``"untagged"``."""

class PruneDeleteItem(PruneItem):
    size: int
    """The manifest's own bytes."""

class PruneRepository(TypedDict):
    image: str
    api: str
    """``"oci"`` (DELETE by digest) or ``"github"`` (the GitHub Packages API)."""
    read: bool
    """The repository was read whole and decided; when False nothing in it was deleted."""
    error: Optional[str]
    objects: int
    tags: list[str]
    kept: list[PruneItem]
    delete: list[PruneDeleteItem]
    """What goes (with ``yes``) or would go, in the order it is deleted."""
    deleted: list[str]
    tags_removed: list[str]
    tags_kept_shared: list[str]
    """Tags let go whose object another tag still reaches: they stay."""
    blobs_freed: list[str]
    manifest_bytes: int
    blob_bytes: int
    bytes_freed: int
    notes: list[str]
    registry_notes: list[str]
    requests: int

class PruneReport(TypedDict):
    repositories: list[PruneRepository]
    ok: bool
    deleted: bool
    bytes_freed: int

def prune(
    component: str,
    *,
    pr: Union[int, str, None] = None,
    untagged: bool = False,
    keep_sha: Union[int, str, None] = None,
    yes: bool = False,
    json: bool = False,
    api: Optional[str] = None,
    registry: Optional[str] = None,
    config: Optional[str] = None,
    retries: Union[int, str, None] = None,
    repo: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    retry_backoff_ms: int = 0,
) -> PruneReport:
    """``angreal build prune`` for programs: what no kept tag reaches in the component's
    repositories (``pr``: the ``pr-N`` tag; ``untagged``: every object no tag reaches, where
    the registry lists them; ``keep_sha``: keep the newest N ``sha-`` tags).  Everything is read
    and decided before the first delete; deletes only with ``yes=True``.  Nothing is printed.
    Raises ``ValueError`` for bad input, :class:`Error` (with ``.result``, the report) when a
    repository could not be read or a delete failed."""

def prune_cli(
    component: str,
    *,
    pr: Union[int, str, None] = None,
    untagged: bool = False,
    keep_sha: Union[int, str, None] = None,
    yes: bool = False,
    json: bool = False,
    api: Optional[str] = None,
    registry: Optional[str] = None,
    config: Optional[str] = None,
    retries: Union[int, str, None] = None,
    repo: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    retry_backoff_ms: int = 0,
) -> int:
    """Run ``angreal build prune`` (the same options as :func:`prune`): print the report
    (text, or JSON with ``json``), append the step summary to ``$GITHUB_STEP_SUMMARY``, and
    return the exit status."""

def options() -> list[Option]:
    """Every option, one row each, as the binding parses the keywords of :func:`cli`,
    :func:`publish`, :func:`plan` and :func:`compute_tags` and the angreal task declares
    ``build multi-arch`` and ``build merge``."""
