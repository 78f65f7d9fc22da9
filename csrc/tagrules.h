/* Which image tags a build gets: a pure function of the requested tag and the
 * facts gathered from git and CI.  No I/O, so unit tests and fuzzers call it directly.
 *
 * Docker tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
#ifndef MA_TAGRULES_H
#define MA_TAGRULES_H

#include <stddef.h>

#include "error.h"
#include "semver.h"
#include "strlist.h"

#define MA_TAG_MAX 128

/* 1 when tag matches Docker's tag grammar. */
int ma_tag_is_valid(const char *tag);

/* Turn any string (a branch name, possibly UTF-8) into a valid Docker tag:
 * every character outside [A-Za-z0-9_.-] becomes '-' (one '-' per UTF-8
 * code point, not per byte), a first character of '.' or '-' becomes '_',
 * and the result is cut to 128 bytes.  out must hold MA_TAG_MAX + 1 bytes.
 * Returns 0, or -1 when the input is empty (nothing to name the tag by). */
int ma_tag_sanitize(const char *in, char *out);

/* 1 for tags that name one build forever: a full version (v1.2.3, v1.2.3-rc.1,
 * v1.2.3_build in Docker form) or sha-<7 hex>.  Everything else (v1.2, v1,
 * latest, branch, pr-N, dev) is mutable. */
int ma_tag_is_immutable(const char *tag);

/* 1 for sha-<7 hex>: it names a commit, and the first image published for
 * that commit keeps it (a later build of the same commit, e.g. its release,
 * leaves it where it is). */
int ma_tag_is_commit(const char *tag);

/* The tags for one release version `v` (already parsed from `version_tag`):
 *  - a pre-release gets only its own tag;
 *  - a stable version gets its own tag, then vX.Y when no stable tag in
 *    repo_tags has the same X.Y and higher precedence, vX when none has the same
 *    X and higher precedence, `latest` when none at all has higher precedence.
 * Tags in repo_tags that are not versions, and pre-releases, are ignored.
 * The version's own tag is written in Docker form ('+' becomes '_').
 * Appends to out. */
int ma_release_tags(const char *version_tag, const ma_strlist *repo_tags,
                    ma_strlist *out, ma_error *err);

/* Facts the tag rules need, gathered by the context step. */
typedef struct {
    const char *requested;        /* the --tag value: "auto" or a literal tag */
    const char *head_sha;         /* 40 hex chars of the commit built, NULL when unknown */
    const char *branch;           /* branch being built (local or from CI), NULL when none */
    const char *pr_number;        /* pull/merge request number from CI, NULL when none */
    const char *ref_tag;          /* git tag CI says it is building (with its prefix), NULL when none */
    const char *tag_prefix;       /* release tags are <tag_prefix>v<semver> (releasetag.h), NULL: none */
    const ma_strlist *head_tags;  /* the versions (v..., prefix dropped) of the release tags on HEAD (may be NULL) */
    const ma_strlist *repo_tags;  /* the releases the alias rule weighs: vX.Y.Z of the top of each
                                     vX.Y line under tag_prefix, prefix dropped (may be NULL) */
    const char *pr_event;         /* the pull/merge request event CI builds, NULL when none */
    const char *pr_lookup;        /* with pr_event and no pr_number: what was read, for the refusal */
} ma_tag_inputs;

/* Compute the ordered, de-duplicated tag list.
 *  - requested "auto": the release set of ref_tag when it is a release tag under
 *    tag_prefix (the image tags drop the prefix), else of
 *    the highest version among head_tags; otherwise `pr-N` when pr_number is set,
 *    else the sanitized branch; then always `sha-<first 7 of head_sha>`.  A branch
 *    whose tag would read as a release tag (`latest`, a vX[.Y[.Z]] form or
 *    sha-<7 hex>) is refused: building a branch must never move release tags.
 *    head_sha NULL with "auto" is an MA_ERR_ENV error.  On a pull-request event
 *    (pr_event) only `pr-N` and the sha- tag, never a release or branch tag;
 *    without a number it is refused (MA_ERR_INPUT naming pr_lookup).
 *  - requested a full version (v1.2.3..., or tag_prefix + one): its release set
 *    (ma_release_tags) without the prefix.
 *  - anything else: used as given once ma_tag_is_valid; invalid -> MA_ERR_INPUT
 *    with a message naming the value and the allowed grammar.
 * Appends to out (which the caller frees). */
int ma_tags_compute(const ma_tag_inputs *in, ma_strlist *out, ma_error *err);

#endif
