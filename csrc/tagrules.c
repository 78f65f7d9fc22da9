#include "tagrules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "releasetag.h"

#define TAG_GRAMMAR "a tag is 1-128 characters from [A-Za-z0-9_.-] and cannot start with '.' or '-'"

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_tag_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '.' || c == '-';
}

static int is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_hex(char c)
{
    return is_lower_hex(c) || (c >= 'A' && c <= 'F');
}

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Bytes in the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF) starting at s, or 1 when s[0] does not
 * start one, so that a stray byte counts as one character.  Stops at the
 * first byte that is not a continuation, so never reads past the NUL. */
static size_t utf8_char_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        if (s[0] == 0xE0)
            lo = 0xA0;
        else if (s[0] == 0xED)
            hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        if (s[0] == 0xF0)
            lo = 0x90;
        else if (s[0] == 0xF4)
            hi = 0x8F;
    } else {
        return 1;
    }
    if (s[1] < lo || s[1] > hi)
        return 1;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 1;
    return len;
}

/* A value made safe to quote in a one-line error message: control
 * characters and invalid UTF-8 become '?', and long values are shortened
 * at a character boundary. */
#define SHOWN_MAX 100
static const char *shown(const char *s, char buf[SHOWN_MAX + 4])
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p != '\0') {
        size_t len = p[0] < 0x80 ? 1 : utf8_char_len(p);
        if (n + len > SHOWN_MAX) {
            memcpy(buf + n, "...", 3);
            n += 3;
            break;
        }
        if (p[0] < 0x20 || p[0] == 0x7F || (p[0] >= 0x80 && len == 1)) {
            buf[n++] = '?';
        } else {
            memcpy(buf + n, p, len);
            n += len;
        }
        p += len;
    }
    buf[n] = '\0';
    return buf;
}

int ma_tag_is_valid(const char *tag)
{
    const unsigned char *s = (const unsigned char *)tag;
    if (s == NULL || s[0] == '\0' || s[0] == '.' || s[0] == '-')
        return 0;
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (n >= MA_TAG_MAX || !is_tag_char(s[n]))
            return 0;
    return 1;
}

int ma_tag_sanitize(const char *in, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    if (s == NULL || *s == '\0')
        return -1;
    /* Each input character yields exactly one output byte, so stopping at
     * MA_TAG_MAX output bytes never splits anything. */
    size_t n = 0;
    while (*s != '\0' && n < MA_TAG_MAX) {
        if (is_tag_char(*s)) {
            out[n++] = (char)*s++;
        } else {
            out[n++] = '-';
            s += *s < 0x80 ? 1 : utf8_char_len(s);
        }
    }
    out[n] = '\0';
    if (out[0] == '.' || out[0] == '-')
        out[0] = '_';
    return 0;
}

/* sha-<7 lowercase hex>: the form ma_tags_compute gives every auto build. */
static int is_sha_tag(const char *tag)
{
    if (strncmp(tag, "sha-", 4) != 0)
        return 0;
    for (int i = 4; i < 11; i++)
        if (!is_lower_hex(tag[i]))
            return 0;
    return tag[11] == '\0';
}

int ma_tag_is_commit(const char *tag)
{
    return is_sha_tag(tag);
}

int ma_tag_is_immutable(const char *tag)
{
    ma_semver v;
    if (!ma_tag_is_valid(tag))
        return 0;
    return is_sha_tag(tag) || ma_semver_parse_sep(tag, '_', &v) == 0;
}

int ma_release_tags(const char *version_tag, const ma_strlist *repo_tags,
                    ma_strlist *out, ma_error *err)
{
    ma_semver v;
    char show[SHOWN_MAX + 4];
    /* Accept the git form (v1.2.3+b) and the Docker form (v1.2.3_b). */
    if (version_tag == NULL || (ma_semver_parse(version_tag, &v) != 0 &&
                                ma_semver_parse_sep(version_tag, '_', &v) != 0))
        return ma_fail(err, MA_ERR_INPUT,
                       "'%s' is not a release version: expected v<major>.<minor>.<patch>"
                       "[-<pre-release>][+<build>], e.g. v1.2.3",
                       version_tag ? shown(version_tag, show) : "(none)");

    char own[MA_TAG_MAX + 1];
    size_t len = strlen(version_tag);
    if (len > MA_TAG_MAX)
        return ma_fail(err, MA_ERR_INPUT,
                       "version '%s' is %zu characters long: a Docker tag holds at most %d",
                       shown(version_tag, show), len, MA_TAG_MAX);
    for (size_t i = 0; i <= len; i++)
        own[i] = version_tag[i] == '+' ? '_' : version_tag[i];
    if (ma_strlist_push_unique(out, own) != 0)
        return ma_nomem(err);
    if (!ma_semver_is_stable(&v))
        return 0;

    /* A moving alias goes to this version only when no stable release in its
     * line outranks it, so a backport never steals vX or latest. */
    int want_minor = 1, want_major = 1, want_latest = 1;
    for (size_t i = 0; repo_tags != NULL && i < repo_tags->len; i++) {
        ma_semver other;
        if (ma_semver_parse(repo_tags->items[i], &other) != 0 || !ma_semver_is_stable(&other))
            continue;
        if (ma_semver_compare(&other, &v) <= 0)
            continue;
        want_latest = 0;
        if (other.major == v.major) {
            want_major = 0;
            if (other.minor == v.minor)
                want_minor = 0;
        }
    }

    char alias[64];
    if (want_minor) {
        snprintf(alias, sizeof alias, "v%" PRIu64 ".%" PRIu64, v.major, v.minor);
        if (ma_strlist_push_unique(out, alias) != 0)
            return ma_nomem(err);
    }
    if (want_major) {
        snprintf(alias, sizeof alias, "v%" PRIu64, v.major);
        if (ma_strlist_push_unique(out, alias) != 0)
            return ma_nomem(err);
    }
    if (want_latest && ma_strlist_push_unique(out, "latest") != 0)
        return ma_nomem(err);
    return 0;
}

/* v<digits>[.<digits>[.<digits>]]: the shape of a moving release alias. */
static int is_version_alias(const char *tag)
{
    const char *s = tag;
    if (*s++ != 'v')
        return 0;
    for (int group = 0; group < 3; group++) {
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
        if (*s == '\0')
            return 1;
        if (*s++ != '.')
            return 0;
    }
    return 0;
}

static int reads_as_release(const char *tag)
{
    ma_semver v;
    return strcmp(tag, "latest") == 0 || is_version_alias(tag) || is_sha_tag(tag) ||
           ma_semver_parse_sep(tag, '_', &v) == 0;
}

/* The version an auto build releases: CI's tag when it is a release tag (under
 * the prefix), else the highest version on HEAD, else NULL. */
static const char *release_version(const ma_tag_inputs *in)
{
    ma_semver best, v;
    const char *ci_version = ma_release_tag_version(in->ref_tag, in->tag_prefix, '+', &v);
    if (ci_version != NULL)
        return ci_version;
    const char *best_tag = NULL;
    for (size_t i = 0; in->head_tags != NULL && i < in->head_tags->len; i++) {
        const char *tag = in->head_tags->items[i];
        if (ma_release_tag_version(tag, NULL, '+', &v) == NULL)
            continue;
        if (best_tag == NULL || ma_semver_compare(&v, &best) > 0) {
            best = v;
            best_tag = tag;
        }
    }
    return best_tag;
}

static int auto_tags(const ma_tag_inputs *in, ma_strlist *tags, ma_error *err)
{
    char show[SHOWN_MAX + 4];
    if (in->head_sha == NULL)
        return ma_fail(err, MA_ERR_ENV,
                       "--tag auto needs a git repository: no commit found "
                       "(run inside a git checkout or pass an explicit --tag)");
    size_t sha_len = 0;
    while (sha_len < 40 && is_hex(in->head_sha[sha_len]))
        sha_len++;
    if (sha_len != 40 || in->head_sha[40] != '\0')
        return ma_fail(err, MA_ERR_ENV,
                       "commit id '%s' is not 40 hexadecimal characters: cannot name the sha- tag "
                       "(check the git checkout or pass an explicit --tag)",
                       shown(in->head_sha, show));

    /* A pull request's code is never published under a release or branch tag
     * (a fork's branch may be called master): pr-N, or no guess at all. */
    int pull_request = in->pr_event != NULL && in->pr_event[0] != '\0';
    if (pull_request && (in->pr_number == NULL || in->pr_number[0] == '\0'))
        return ma_fail(err, MA_ERR_INPUT,
                       "a %.60s event, but no pull request number was found (%.400s): refusing to guess "
                       "the tags (pass --tag explicitly)",
                       in->pr_event, in->pr_lookup ? in->pr_lookup : "CI gave none");
    const char *version = pull_request ? NULL : release_version(in);
    if (version != NULL) {
        if (ma_release_tags(version, in->repo_tags, tags, err) != 0)
            return -1;
    } else if (in->pr_number != NULL && in->pr_number[0] != '\0') {
        if (!all_digits(in->pr_number) || strlen(in->pr_number) > MA_TAG_MAX - 3)
            return ma_fail(err, MA_ERR_ENV,
                           "pull request number '%s' from CI is not a number of at most 125 digits: "
                           "cannot name the pr- tag "
                           "(check the CI variables or pass an explicit --tag)",
                           shown(in->pr_number, show));
        if (ma_strlist_pushf(tags, "pr-%s", in->pr_number) != 0)
            return ma_nomem(err);
    } else if (in->branch != NULL && in->branch[0] != '\0') {
        char tag[MA_TAG_MAX + 1];
        char show_tag[SHOWN_MAX + 4];
        ma_tag_sanitize(in->branch, tag);
        if (reads_as_release(tag))
            return ma_fail(err, MA_ERR_INPUT,
                           "branch '%s' would produce the release tag '%s': rename the branch "
                           "or pass --tag explicitly",
                           shown(in->branch, show), shown(tag, show_tag));
        if (ma_strlist_push(tags, tag) != 0)
            return ma_nomem(err);
    }

    char sha_tag[12] = "sha-";
    for (int i = 0; i < 7; i++) {
        char c = in->head_sha[i];
        sha_tag[4 + i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    sha_tag[11] = '\0';
    if (ma_strlist_push(tags, sha_tag) != 0)
        return ma_nomem(err);
    return 0;
}

static int explicit_tags(const ma_tag_inputs *in, ma_strlist *tags, ma_error *err)
{
    ma_semver v;
    char show[SHOWN_MAX + 4];
    /* broker-v1.2.3 under --tag-prefix broker- and v1.2.3 name the same release */
    const char *version = ma_release_tag_version(in->requested, in->tag_prefix, '+', &v);
    if (version == NULL)
        version = ma_release_tag_version(in->requested, in->tag_prefix, '_', &v);
    if (version == NULL && ma_release_tag_version(in->requested, NULL, '+', &v) != NULL)
        version = in->requested;
    if (version == NULL && ma_release_tag_version(in->requested, NULL, '_', &v) != NULL)
        version = in->requested;
    if (version != NULL)
        return ma_release_tags(version, in->repo_tags, tags, err);
    if (!ma_tag_is_valid(in->requested))
        return ma_fail(err, MA_ERR_INPUT, "invalid tag '%s': " TAG_GRAMMAR,
                       shown(in->requested, show));
    if (ma_strlist_push(tags, in->requested) != 0)
        return ma_nomem(err);
    return 0;
}

int ma_tags_compute(const ma_tag_inputs *in, ma_strlist *out, ma_error *err)
{
    if (in->requested == NULL || in->requested[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT,
                       "empty --tag: pass 'auto' or a tag (" TAG_GRAMMAR ")");

    /* Build into a scratch list so refused input leaves out untouched. */
    ma_strlist tags = MA_STRLIST_INIT;
    int rc = strcmp(in->requested, "auto") == 0 ? auto_tags(in, &tags, err)
                                                : explicit_tags(in, &tags, err);
    for (size_t i = 0; rc == 0 && i < tags.len; i++)
        if (ma_strlist_push_unique(out, tags.items[i]) != 0)
            rc = ma_nomem(err);
    ma_strlist_free(&tags);
    return rc;
}
