/* What a release tag is, defined once for the git reader and the tag rules:
 * an optional prefix (a monorepo's "broker-", --tag-prefix), then 'v' and a
 * semantic version (v1.2.3, v1.2.3-rc.1, v1.2.3+build).  Pure: no I/O. */
#ifndef MA_RELEASETAG_H
#define MA_RELEASETAG_H

#include "semver.h"

/* The longest --tag-prefix / tag_prefix accepted. */
#define MA_TAG_PREFIX_MAX 64

/* When name is prefix + a version ("broker-v1.2.3" under "broker-"; prefix
 * NULL or "" for none), its version part ("v1.2.3") with the version parsed
 * into v; else NULL.  build_sep is '+' for git tags, '_' for the Docker form. */
const char *ma_release_tag_version(const char *name, const char *prefix, char build_sep, ma_semver *v);

/* 1 when prefix is usable as a tag prefix: 1..MA_TAG_PREFIX_MAX characters of
 * [A-Za-z0-9_.-] starting with a letter or digit, so prefix + version is
 * both a git tag name and a Docker tag. */
int ma_tag_prefix_is_valid(const char *prefix);

#endif
