"""Shared pytest set-up: the real-registry and buildx-emulator fixtures live in
tests/support/ (test support only, never product code)."""

pytest_plugins = ["support.fixtures"]
