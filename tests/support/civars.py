"""The CI variables the product reads (csrc/cienv.c's table of CI systems, the
GitHub outputs and signing identity): tests and benches scrub them from the
environment they run the product in, so the machine's own CI never leaks in."""

CI_PREFIXES = ("GITHUB_", "CI_", "GITLAB_", "BUILDKITE")
CI_NAMES = ("CI",)


def is_ci_variable(name):
    return name.startswith(CI_PREFIXES) or name in CI_NAMES


def without_ci(environ):
    """A copy of environ without the CI variables."""
    return {k: v for k, v in environ.items() if not is_ci_variable(k)}
