#include "semver.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* One of major/minor/patch: digits, no leading zero, fits in uint64_t. */
static int parse_number(const char **p, uint64_t *out)
{
    const char *s = *p;
    if (!is_digit(*s))
        return -1;
    if (s[0] == '0' && is_digit(s[1]))
        return -1;
    uint64_t value = 0;
    for (; is_digit(*s); s++) {
        uint64_t d = (uint64_t)(*s - '0');
        /* value * 10 + d > UINT64_MAX, with constant divisions only */
        if (value > UINT64_MAX / 10 || (value == UINT64_MAX / 10 && d > UINT64_MAX % 10))
            return -1;
        value = value * 10 + d;
    }
    *out = value;
    *p = s;
    return 0;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* Dot-separated identifiers from *p up to `stop` or the end of the string,
 * copied into dst.  Pre-release identifiers (numeric_rule) also refuse
 * numeric identifiers with leading zeros; build identifiers allow them. */
static int parse_identifiers(const char **p, char stop, int numeric_rule, char *dst)
{
    const char *start = *p, *s = start;
    while (*s != '\0' && *s != stop)
        s++;
    size_t len = (size_t)(s - start);
    if (len == 0 || len >= MA_SEMVER_PART_MAX)
        return -1;

    const char *ident = start;
    for (const char *c = start;; c++) {
        if (c == s || *c == '.') {
            size_t ident_len = (size_t)(c - ident);
            if (ident_len == 0)
                return -1;
            if (numeric_rule && ident_len > 1 && ident[0] == '0' && all_digits(ident, ident_len))
                return -1;
            if (c == s)
                break;
            ident = c + 1;
        } else if (!is_ident_char(*c)) {
            return -1;
        }
    }
    memcpy(dst, start, len);
    dst[len] = '\0';
    *p = s;
    return 0;
}

int ma_semver_parse_sep(const char *s, char build_sep, ma_semver *out)
{
    if (s == NULL || (build_sep != '+' && build_sep != '_') || *s++ != 'v')
        return -1;
    if (parse_number(&s, &out->major) != 0 || *s++ != '.')
        return -1;
    if (parse_number(&s, &out->minor) != 0 || *s++ != '.')
        return -1;
    if (parse_number(&s, &out->patch) != 0)
        return -1;
    out->prerelease[0] = '\0';
    out->build[0] = '\0';
    if (*s == '-') {
        s++;
        if (parse_identifiers(&s, build_sep, 1, out->prerelease) != 0)
            return -1;
    }
    if (*s == build_sep) {
        s++;
        if (parse_identifiers(&s, '\0', 0, out->build) != 0)
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}

int ma_semver_parse(const char *s, ma_semver *out)
{
    return ma_semver_parse_sep(s, '+', out);
}

static int compare_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* One pre-release identifier against another (semver 2.0.0 section 11.4). */
static int compare_identifier(const char *a, size_t alen, const char *b, size_t blen)
{
    int a_num = all_digits(a, alen), b_num = all_digits(b, blen);
    if (a_num && b_num) {
        /* No leading zeros, so the longer number is the larger; this also
         * compares numbers too long for any integer type. */
        if (alen != blen)
            return alen < blen ? -1 : 1;
        return memcmp(a, b, alen);
    }
    if (a_num != b_num)
        return a_num ? -1 : 1;
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int compare_prerelease(const char *a, const char *b)
{
    /* A version without a pre-release ranks above any with one. */
    if (*a == '\0' || *b == '\0')
        return (*a == '\0') - (*b == '\0');
    for (;;) {
        size_t alen = strcspn(a, "."), blen = strcspn(b, ".");
        int c = compare_identifier(a, alen, b, blen);
        if (c != 0)
            return c < 0 ? -1 : 1;
        a += alen;
        b += blen;
        if (*a == '\0' || *b == '\0')
            return (*a != '\0') - (*b != '\0'); /* more fields wins */
        a++;
        b++;
    }
}

int ma_semver_compare(const ma_semver *a, const ma_semver *b)
{
    int c = compare_u64(a->major, b->major);
    if (c == 0)
        c = compare_u64(a->minor, b->minor);
    if (c == 0)
        c = compare_u64(a->patch, b->patch);
    if (c == 0)
        c = compare_prerelease(a->prerelease, b->prerelease);
    return c;
}

int ma_semver_is_stable(const ma_semver *v)
{
    return v->prerelease[0] == '\0';
}
