"""Builds the `multiarch` CPython extension from csrc/ against libgit2 and
cJSON and libcurl, found with pkg-config (Debian: libgit2-dev, libcjson-dev,
libcurl4-openssl-dev, pkg-config)."""

import glob
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup

# cJSON_ParseWithLengthOpts arrived in cJSON 1.7.13.
# libcurl (the registry client): CURLOPT_PROTOCOLS_STR arrived in 7.85.
PKG_CONFIG_PACKAGES = ["libgit2", "libcjson >= 1.7.13", "libcurl >= 7.85"]


def pkg_config(flag):
    try:
        out = subprocess.run(
            ["pkg-config", flag, *PKG_CONFIG_PACKAGES],
            check=True, capture_output=True, text=True,
        ).stdout
    except FileNotFoundError:
        sys.exit("error: pkg-config not found (apt-get install pkg-config libgit2-dev libcjson-dev libcurl4-openssl-dev)")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: pkg-config cannot find {', '.join(PKG_CONFIG_PACKAGES)}: {exc.stderr.strip()} "
                 "(apt-get install libgit2-dev libcjson-dev libcurl4-openssl-dev)")
    return shlex.split(out)


def flags(prefix, values):
    return [v[len(prefix):] for v in values if v.startswith(prefix)]


cflags = pkg_config("--cflags")
libs = pkg_config("--libs")

extension = Extension(
    "multiarch",
    sources=sorted(glob.glob("csrc/*.c")),
    # a changed header rebuilds every source (setuptools otherwise keeps stale objects)
    depends=sorted(glob.glob("csrc/*.h")),
    include_dirs=["csrc", *flags("-I", cflags)],
    library_dirs=flags("-L", libs),
    libraries=flags("-l", libs),
    define_macros=[("_GNU_SOURCE", None)],
    extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-format-truncation", "-O2"]
    + [f for f in cflags if not f.startswith("-I")],
)

setup(
    name="multiarch",
    version="0.1.0",
    description="Tags, build plans and buildx runs for multi-architecture container images",
    ext_modules=[extension],
    packages=["multiarch-stubs"],
    package_dir={"multiarch-stubs": "stubs/multiarch-stubs"},
    package_data={"multiarch-stubs": ["__init__.pyi"]},
    # PyModule_AddObjectRef (module.c) arrived in Python 3.10.
    python_requires=">=3.10",
)
