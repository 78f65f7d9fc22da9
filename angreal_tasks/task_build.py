"""angreal tasks: `angreal build multi-arch <component>`, `angreal build merge <component>` and
`angreal build status <component>`, `angreal build promote <component>` and `angreal build prune <component>`.

Copy this file into a project's `.angreal/` directory (the `multiarch`
extension must be installed: `pip install <path to this repository>`).
Each command declares its arguments from the extension's option table
(multiarch.options(): one row per option, the same rows the extension parses
its keywords from) and calls one function; everything else, including
printing and errors, happens in the extension.
"""

import os
import sys

import angreal

build = angreal.command_group(name="build", about="Build the project's artifacts")


def _extension():
    try:
        import multiarch
    except ImportError as exc:
        print(f"error: the multiarch extension is not installed ({exc}): pip install <multiarch checkout>",
              file=sys.stderr)
        return None
    return multiarch


def _project_root():
    return os.path.dirname(os.path.abspath(angreal.get_root()))


def _declare(command, fn):
    """Declare fn's arguments from the extension's option table (multiarch.options()):
    every row taken by `command`, in the table's order."""
    multiarch = _extension()
    rows = [r for r in (multiarch.options() if multiarch else []) if command in r["commands"]]
    for row in reversed(rows):
        arg = dict(name=row["name"], help=row["help"])
        if row["flag"] is None:
            arg["required"] = True
        else:
            arg["long"] = row["flag"][2:]
            if row["required"]:
                arg["required"] = True
        if row["type"] == "flag":
            arg.update(is_flag=True, takes_value=False)
        if row["default"] is not None:
            arg["default_value"] = row["default"]
        fn = angreal.argument(**arg)(fn)
    return fn


def _multi_arch(**options):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.cli(repo=_project_root(), **options)


def _merge(**options):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.cli(repo=_project_root(), merge=True, **options)


multi_arch = build()(angreal.command(
    name="multi-arch",
    about="Build multi-architecture container images (and publish them with --push)",
)(_declare("multi-arch", _multi_arch)))

merge = build()(angreal.command(
    name="merge",
    about="Tag one multi-platform index made of the digests `multi-arch --push-by-digest` recorded",
)(_declare("merge", _merge)))


def _status(**options):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.status_cli(repo=_project_root(), **options)


status = build()(angreal.command(
    name="status",
    about="What is published: versions, aliases, sizes, signatures and drift (read-only)",
)(_declare("status", _status)))


def _promote(**options):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.cli(repo=_project_root(), promote=True, **options)


promote = build()(angreal.command(
    name="promote",
    about="Put a tested image (its sha- tag or digest) under a release's tags, unchanged: no rebuild",
)(_declare("promote", _promote)))


def _prune(**options):
    multiarch = _extension()
    if multiarch is None:
        return 1
    return multiarch.prune_cli(repo=_project_root(), **options)


prune = build()(angreal.command(
    name="prune",
    about="Delete what no kept tag reaches (a pull request's images, old sha- tags, untagged versions); "
          "reports only without --yes",
)(_declare("prune", _prune)))
