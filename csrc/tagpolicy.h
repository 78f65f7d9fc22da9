/* A project's own tag policy (the "tags" object of multiarch.json and the
 * options beside it): how version tags are spelled, whether every build gets
 * a sha- tag, whether 0.y.z releases get a major alias, whether releases move
 * `latest`, and what a scheduled run is tagged.  The default is the seed's.
 * Also where a version is read in either spelling (v1.2.3 or 1.2.3), so the
 * steps that compare what a registry holds (the alias guard, re-runs) compare
 * versions, not strings.  Pure: no I/O. */
#ifndef MA_TAGPOLICY_H
#define MA_TAGPOLICY_H

#include "semver.h"

/* The longest schedule tag: a Docker tag. */
#define MA_SCHEDULE_TAG_MAX 128

typedef struct {
    char version_prefix[2];                   /* "v" (the seed: v1.2.3, v1.2, v1) or "" (1.2.3, 1.2, 1) */
    int sha;                                  /* the sha-<7> tag on every auto build */
    int major_zero;                           /* vX / X for 0.y.z releases too */
    int latest;                               /* releases move `latest` */
    char schedule[MA_SCHEDULE_TAG_MAX + 1];   /* the tag of a scheduled run ("nightly") */
} ma_tag_policy;

/* The seed's policy: "v", sha-, v0, latest, nightly. */
void ma_tag_policy_default(ma_tag_policy *out);

/* Set policy->version_prefix from text: "v" or "" only.  -1 otherwise. */
int ma_tag_policy_set_prefix(ma_tag_policy *policy, const char *text);

/* "true" -> 1, "false" -> 0, anything else -1. */
int ma_switch_parse(const char *text);

/* A version in either spelling: v1.2.3 or 1.2.3, the build part after '+'
 * (git) or '_' (the Docker form).  0, or -1 when text is no version. */
int ma_version_read(const char *text, ma_semver *v);

/* A version spelled as the policy spells image tags: 0 when tag is
 * version_prefix + a semantic version (build part after '_' or '+'). */
int ma_version_tag_parse(const char *tag, const char *version_prefix, ma_semver *v);

/* 1 when a and b are the same version in any spelling (v1.2.3 and 1.2.3,
 * v1.2.3+b and 1.2.3_b), or, when either is no version, the same text.
 * NULL equals only NULL. */
int ma_version_same(const char *a, const char *b);

#endif
