"""tests/support/cacherecords.py: which of the shared builder's records a job
may remove (its own, found by a token in their description, and what is
built on them), in an order BuildKit accepts (children before parents)."""

from support.cacherecords import record_ids

DU = """ID:\t\ttoolchain
Parent:\t\t
Description:\tmount / from exec /bin/sh -c apt-get install rustc

ID:\t\tcacher
Parent:\t\ttoolchain
Description:\tmount / from exec /bin/sh -c : tok123 && cargo build --release

ID:\t\tcopy
Parent:\t\tcacher
Description:\tCOPY . .

ID:\t\tbuilder
Parent:\t\tcopy
Description:\tmount / from exec /bin/sh -c find crates && cargo build

ID:\t\tother
Parent:\t\ttoolchain
Description:\tmount / from exec /bin/sh -c : tok999 && cargo build --release
"""


def test_a_jobs_records_and_what_is_built_on_them_children_first():
    assert record_ids(DU, "tok123") == ["builder", "copy", "cacher"]


def test_records_shared_with_other_jobs_are_left_alone():
    ids = record_ids(DU, "tok999")
    assert ids == ["other"] and "toolchain" not in ids
    assert record_ids(DU, "absent") == []
