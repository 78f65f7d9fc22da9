"""Shared pytest set-up: fixtures live in tests/support/ (test support only,
never product code): real git projects, a real registry, the buildx emulator."""

pytest_plugins = ["support.project", "support.fixtures"]
