/* What is published, at a glance (`angreal build status`): for one image,
 * the version tags in semver order with what each names (digest, commit,
 * created time, platforms, size per platform, signature), each alias
 * (`vX.Y`, `vX`, `latest`) and the version it names, whether HEAD's `sha-…`
 * is there, and the drift: an alias not naming the highest version of its
 * line, a version lacking a platform the config asks for, a release without
 * a signature when signing is expected; each with the command that fixes it.
 * The data is plain; ma_status_judge is pure (statusread.c asks the
 * registry, statusreport.c writes it out). */
#ifndef MA_STATUS_H
#define MA_STATUS_H

#include <stddef.h>

#include "semver.h"
#include "sha256.h"
#include "sizes.h"
#include "strlist.h"
#include "tagpolicy.h"

/* Signatures: not checked, verified, there but not verifying. */
typedef enum { MA_SIG_UNCHECKED = 0, MA_SIG_VERIFIED, MA_SIG_BAD } ma_sig_check;

typedef struct {
    char *tag;                  /* "v1.2.4" (or "1.2.4") as the registry holds it */
    ma_semver version;
    char digest[MA_DIGEST_MAX]; /* the index it names */
    char *revision;             /* the commit (index annotation or label), NULL when it does not say */
    char *created;              /* the created annotation, NULL when it does not say */
    ma_strlist platforms;       /* its platform images (attestations aside) */
    ma_image_size size;         /* per platform */
    int is_signed;              /* the cosign signature tag of its digest is there */
    ma_sig_check verified;
    char *sig_error;            /* why a verification failed, or NULL */
} ma_status_version;

typedef struct {
    char *tag;                  /* "latest", "v1", "v1.2" */
    char digest[MA_DIGEST_MAX]; /* what it names ("" when missing) */
    int checked;                /* in the policy's spelling (or latest): judged; else only shown */
    const char *names;          /* the version tag of that digest (the highest if several), or NULL */
    const char *should;         /* the highest version tag of its line, or NULL (no version in its line) */
} ma_status_alias;

typedef struct {
    char *kind;                 /* "alias", "platform", "signature" */
    char *message;              /* one line */
    char *fix;                  /* the command that fixes it */
} ma_status_drift;

typedef struct {
    char *component;
    char *image;                /* host/repository */
    ma_strlist want_platforms;  /* what the config asks for */
    ma_status_version *versions; /* in semver order, lowest first */
    size_t nversions;
    ma_status_alias *aliases;   /* latest, then majors, then minors, each by version */
    size_t naliases;
    char head_tag[16];          /* "sha-abc1234", "" outside git */
    char head_digest[MA_DIGEST_MAX]; /* what it names, "" when not published */
    ma_status_drift *drift;
    size_t ndrift;
    unsigned long requests;     /* registry requests sent for this image */
} ma_status_image;

/* What status expects besides the tag policy. */
typedef struct {
    const ma_tag_policy *policy;
    int sign_expected;          /* a release must carry a signature */
    const char *sign_key;       /* the key to name in the fix (cosign sign --key KEY), or NULL */
    const char *tag_prefix;     /* the git release tags' prefix (a monorepo's "broker-"), or NULL */
} ma_status_rules;

/* 1 when tag is an alias status shows: "latest", or a major or minor alias
 * in either spelling (v1, 1, v1.2, 1.2); *major, *minor (-1: none) set. */
int ma_status_alias_parse(const char *tag, long *major, long *minor);

/* The cosign signature tag of digest ("sha256-<hex>.sig") into out. */
void ma_status_sig_tag(const char *digest, char *out, size_t outsz);

/* Add a version (tag, already parsed as one) in semver order; its fields
 * are filled by the caller afterwards through the returned pointer (NULL:
 * out of memory). */
ma_status_version *ma_status_add_version(ma_status_image *img, const char *tag, const ma_semver *v);

/* Add an alias (tag, digest); NULL out of memory. */
ma_status_alias *ma_status_add_alias(ma_status_image *img, const char *tag, const char *digest);

/* The created time an index's annotations give, or NULL (malloc'd). */
char *ma_status_created(const char *raw, size_t len);

/* Work out what each alias names and should name, and the drift, from
 * what img holds.  -1 out of memory. */
int ma_status_judge(ma_status_image *img, const ma_status_rules *rules);

void ma_status_image_free(ma_status_image *img);

#endif
