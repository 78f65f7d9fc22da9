/* MA_VERSION, the package version: written once in pyproject.toml and passed
 * to the compiler by setup.py, CMakeLists.txt and scripts/fuzz.sh.  The JSON
 * plan carries it ("multiarch_version"), the module as __version__. */
#ifndef MA_VERSION_H
#define MA_VERSION_H

#ifndef MA_VERSION
#error "MA_VERSION is not defined: build with setup.py or CMake (the version is in pyproject.toml)"
#endif

#endif
