"""Shared pytest set-up: fixtures live in tests/support/ (test support only,
never product code): real git projects, a real registry, the real build stack
(dockerd, buildx, BuildKit, QEMU) and, for faults the real stack cannot
produce, the buildx emulator."""

pytest_plugins = ["support.project", "support.fixtures", "support.real"]
