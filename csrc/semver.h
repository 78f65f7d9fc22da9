/* Semantic versions as release tags: v{major}.{minor}.{patch}[-prerelease][+build],
 * ordered by semver 2.0.0 precedence.  Pure: no I/O. */
#ifndef MA_SEMVER_H
#define MA_SEMVER_H

#include <stdint.h>

#define MA_SEMVER_PART_MAX 128

typedef struct {
    uint64_t major, minor, patch;
    char prerelease[MA_SEMVER_PART_MAX]; /* "" when none */
    char build[MA_SEMVER_PART_MAX];      /* "" when none */
} ma_semver;

/* Parse a git tag name.  The leading 'v' is required (the seed's `v*.*.*`).
 * Strict semver 2.0.0: numeric parts without leading zeros, pre-release
 * identifiers non-empty and [0-9A-Za-z-] with no leading zeros in numeric
 * identifiers, build identifiers non-empty [0-9A-Za-z-].  `build_sep` is the
 * character that introduces build metadata: '+' for git tags, '_' for the
 * Docker form of a tag (Docker tags cannot hold '+'); any other build_sep is
 * refused.  Each of prerelease and build must fit in MA_SEMVER_PART_MAX - 1 bytes.
 * Returns 0 when s is a version, -1 otherwise (out is then unspecified). */
int ma_semver_parse_sep(const char *s, char build_sep, ma_semver *out);
/* ma_semver_parse_sep(s, '+', out) */
int ma_semver_parse(const char *s, ma_semver *out);

/* Precedence per semver 2.0.0 section 11: <0, 0, >0.  Build metadata is ignored. */
int ma_semver_compare(const ma_semver *a, const ma_semver *b);

/* 1 when the version has no pre-release part (a stable release). */
int ma_semver_is_stable(const ma_semver *v);

#endif
