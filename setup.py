"""Builds the `multiarch` CPython extension from csrc/ against libgit2, cJSON
and libcurl.  The package metadata (name, version) lives in pyproject.toml.

Where the libraries come from is one switch, the environment variable
MULTIARCH_LIBS:
  system    (default) pkg-config finds the system's shared libraries (Debian:
            libgit2-dev, libcjson-dev, libcurl4-openssl-dev, pkg-config): for
            developers and the test suite.
  vendored  the static builds of scripts/vendor.sh under build/vendor/ (run it
            first; the wheel build does): the extension carries them inside and
            needs nothing beyond libc.
"""

import glob
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools._distutils.ccompiler import new_compiler
from setuptools._distutils.errors import CompileError
from setuptools._distutils.sysconfig import customize_compiler

HERE = os.path.dirname(os.path.abspath(__file__))

# cJSON_ParseWithLengthOpts arrived in cJSON 1.7.13.
# libcurl (the registry client): CURLOPT_PROTOCOLS_STR arrived in 7.85.
PKG_CONFIG_PACKAGES = ["libgit2", "libcjson >= 1.7.13", "libcurl >= 7.85"]

LIBS = os.environ.get("MULTIARCH_LIBS", "system")
if LIBS not in ("system", "vendored"):
    sys.exit(f"error: MULTIARCH_LIBS must be 'system' or 'vendored', not '{LIBS}'")

VENDOR_PREFIX = os.environ.get("MULTIARCH_VENDOR_PREFIX") or os.path.join(HERE, "build", "vendor",
                             f"{platform.system().lower()}-{platform.machine()}", "prefix")

# The feature-test macro the core is compiled with (CMakeLists.txt: the same).
FEATURE_DEFINES = [("_GNU_SOURCE", None)]

# Calls beyond POSIX.1-2008 the core uses when the platform has them; the
# portable paths are in csrc/cloexec.c and csrc/proc.c (CMakeLists.txt makes
# the same checks).
FEATURE_CHECKS = {
    "HAVE_PIPE2": (["fcntl.h", "unistd.h"], "pipe2"),
    "HAVE_MKOSTEMP": (["fcntl.h", "stdlib.h"], "mkostemp"),
    "HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCHDIR_NP": (["spawn.h"], "posix_spawn_file_actions_addchdir_np"),
}


def read_version():
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        match = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M)
    if match is None:
        sys.exit("error: pyproject.toml has no version")
    return match.group(1)


def pkg_config(flag):
    env = dict(os.environ)
    args = ["pkg-config", flag]
    if LIBS == "vendored":
        if not os.path.isfile(os.path.join(VENDOR_PREFIX, ".stamp")):
            sys.exit(f"error: no vendored libraries in {VENDOR_PREFIX}: run bash scripts/vendor.sh first")
        # only the vendored .pc files, and their private (static) dependencies
        env["PKG_CONFIG_LIBDIR"] = os.path.join(VENDOR_PREFIX, "lib", "pkgconfig")
        env.pop("PKG_CONFIG_PATH", None)
        args.append("--static")
    try:
        out = subprocess.run([*args, *PKG_CONFIG_PACKAGES], check=True, capture_output=True, text=True,
                             env=env).stdout
    except FileNotFoundError:
        sys.exit("error: pkg-config not found (apt-get install pkg-config libgit2-dev libcjson-dev "
                 "libcurl4-openssl-dev)")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: pkg-config cannot find {', '.join(PKG_CONFIG_PACKAGES)}: {exc.stderr.strip()} "
                 "(apt-get install libgit2-dev libcjson-dev libcurl4-openssl-dev)")
    return shlex.split(out)


def has_symbol(headers, symbol):
    """Whether `symbol` is declared by `headers` under FEATURE_DEFINES."""
    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "check.c")
        with open(source, "w", encoding="utf-8") as f:
            f.write("".join(f"#include <{h}>\n" for h in headers))
            f.write(f"int main(void) {{ return (int)(sizeof &{symbol} == 0); }}\n")
        try:
            compiler.compile([source], output_dir=tmp, macros=FEATURE_DEFINES)
        except CompileError:
            return False
    return True


def flags(prefix, values):
    return [v[len(prefix):] for v in values if v.startswith(prefix)]


class build_ext_configured(build_ext):
    """Finds the libraries and the platform's features when the extension is
    built, not when setup.py is read: making the sdist needs neither."""

    def build_extensions(self):
        cflags = pkg_config("--cflags")
        libs = pkg_config("--libs")
        features = [(name, None) for name, (headers, symbol) in FEATURE_CHECKS.items()
                    if has_symbol(headers, symbol)]
        link_args = [f for f in libs if not f.startswith(("-l", "-L"))]
        if LIBS == "vendored" and sys.platform.startswith("linux"):
            # the vendored libraries' symbols stay inside the extension: no clash with
            # another copy of libgit2 or libcurl in the same process (pygit2, pycurl)
            link_args.append("-Wl,--exclude-libs,ALL")
        for ext in self.extensions:
            ext.include_dirs += flags("-I", cflags)
            ext.library_dirs += flags("-L", libs)
            ext.libraries += flags("-l", libs)
            ext.define_macros += features
            ext.extra_compile_args += [f for f in cflags if not f.startswith("-I")]
            ext.extra_link_args += link_args
        super().build_extensions()


extension = Extension(
    "multiarch",
    sources=sorted(glob.glob("csrc/*.c")),
    # a changed header rebuilds every source (setuptools otherwise keeps stale objects)
    depends=sorted(glob.glob("csrc/*.h")),
    include_dirs=["csrc"],
    define_macros=[*FEATURE_DEFINES, ("MA_VERSION", f'"{read_version()}"')],
    extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-format-truncation", "-O2"],
)

setup(
    ext_modules=[extension],
    cmdclass={"build_ext": build_ext_configured},
    packages=["multiarch-stubs"],
    package_dir={"multiarch-stubs": "stubs/multiarch-stubs"},
    package_data={"multiarch-stubs": ["__init__.pyi"]},
)
