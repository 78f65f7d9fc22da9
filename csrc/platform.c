#include "platform.h"

#include <stdio.h>
#include <string.h>

/* The operating systems and architectures buildx accepts (Go's GOOS/GOARCH). */
static const char *const KNOWN_OS[] = {"linux", "windows", "darwin", "freebsd", "netbsd",
                                       "openbsd", "solaris", "illumos", "aix", "android",
                                       "ios", "plan9", "dragonfly", "js", "wasip1", NULL};
static const char *const KNOWN_ARCH[] = {"amd64", "arm64", "arm", "386", "ppc64le", "ppc64",
                                         "s390x", "riscv64", "mips64le", "mips64", "mipsle",
                                         "mips", "loong64", "wasm", NULL};

/* Machine names people type for the architecture buildx calls otherwise. */
static const struct {
    const char *machine, *platform;
} MACHINES[] = {
    {"x86_64", "linux/amd64"},  {"amd64", "linux/amd64"},    {"aarch64", "linux/arm64"},
    {"arm64", "linux/arm64"},   {"armv7l", "linux/arm/v7"},  {"armv7", "linux/arm/v7"},
    {"armv6l", "linux/arm/v6"}, {"i386", "linux/386"},       {"i686", "linux/386"},
    {"x86", "linux/386"},       {"ppc64le", "linux/ppc64le"}, {"s390x", "linux/s390x"},
    {"riscv64", "linux/riscv64"}, {"loongarch64", "linux/loong64"},
};

static int in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strlen(*list) == n && strncmp(s, *list, n) == 0)
            return 1;
    return 0;
}

/* vN or vN.M with N in `majors` and M one digit: the arm64 variants Go and
 * containerd accept (v8, v8.0 ... v8.9, v9, v9.0 ... v9.9). */
static int arm64_variant_ok(const char *v)
{
    if (v[0] != 'v' || (v[1] != '8' && v[1] != '9'))
        return 0;
    return v[2] == '\0' || (v[2] == '.' && v[3] >= '0' && v[3] <= '9' && v[4] == '\0');
}

static int variant_ok(const char *arch, size_t archlen, const char *variant)
{
    static const char *const ARM[] = {"v5", "v6", "v7", "v8", NULL};
    static const char *const AMD64[] = {"v1", "v2", "v3", "v4", NULL};
    size_t n = strlen(variant);
    if (archlen == 3 && strncmp(arch, "arm", 3) == 0)
        return in_list(variant, n, ARM);
    if (archlen == 5 && strncmp(arch, "arm64", 5) == 0)
        return arm64_variant_ok(variant);
    if (archlen == 5 && strncmp(arch, "amd64", 5) == 0)
        return in_list(variant, n, AMD64);
    return 0;
}

int ma_platform_from_machine(const char *machine, char *out, size_t outsz)
{
    for (size_t i = 0; i < sizeof MACHINES / sizeof MACHINES[0]; i++)
        if (strcmp(machine, MACHINES[i].machine) == 0) {
            snprintf(out, outsz, "%s", MACHINES[i].platform);
            return 0;
        }
    return -1;
}

int ma_platform_validate(const char *s, ma_error *err)
{
    const char *expected = "expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7";
    const char *slash = strchr(s, '/');
    if (s[0] == '\0')
        return ma_fail(err, MA_ERR_INPUT, "empty platform: %s", expected);
    if (slash == NULL) {
        char hint[64];
        if (ma_platform_from_machine(s, hint, sizeof hint) == 0)
            return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': %s (did you mean %s?)", s, expected, hint);
        return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': %s", s, expected);
    }
    size_t oslen = (size_t)(slash - s);
    const char *arch = slash + 1;
    const char *slash2 = strchr(arch, '/');
    size_t archlen = slash2 ? (size_t)(slash2 - arch) : strlen(arch);
    if (!in_list(s, oslen, KNOWN_OS))
        return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': unknown operating system '%.*s' (%s)",
                       s, (int)oslen, s, expected);
    if (!in_list(arch, archlen, KNOWN_ARCH)) {
        char name[64], hint[64];
        snprintf(name, sizeof name, "%.*s", (int)(archlen < 63 ? archlen : 63), arch);
        /* the machine table speaks of linux: keep the operating system given */
        if (ma_platform_from_machine(name, hint, sizeof hint) == 0)
            return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': unknown architecture '%s' (did you mean %.*s/%s?)",
                           s, name, (int)oslen, s, strchr(hint, '/') + 1);
        return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': unknown architecture '%s' (%s)", s, name, expected);
    }
    if (slash2 != NULL && !variant_ok(arch, archlen, slash2 + 1))
        return ma_fail(err, MA_ERR_INPUT, "invalid platform '%s': unknown variant '%s' for %.*s",
                       s, slash2 + 1, (int)archlen, arch);
    return 0;
}

/* The entry of list that is the same platform as p (ma_platforms_hold said one is). */
static const char *first_same(const ma_strlist *list, const char *p)
{
    for (size_t i = 0; i < list->len; i++)
        if (ma_platform_same(list->items[i], p))
            return list->items[i];
    return p;
}

int ma_platforms_parse(const char *csv, ma_strlist *out, ma_error *err)
{
    ma_strlist items = MA_STRLIST_INIT;
    if (ma_strlist_split(&items, csv, ',') != 0) {
        ma_strlist_free(&items); /* the items split before memory ran out */
        return ma_nomem(err);
    }
    int rc = 0;
    for (size_t i = 0; i < items.len && rc == 0; i++) {
        if (items.items[i][0] == '\0')
            rc = ma_fail(err, MA_ERR_INPUT, "invalid --platforms '%s': empty entry (use a comma-separated list such as linux/amd64,linux/arm64)", csv);
        else if (ma_platform_validate(items.items[i], err) != 0)
            rc = -1;
        else if (ma_platforms_hold(out, items.items[i]))
            rc = ma_fail(err, MA_ERR_INPUT, "invalid --platforms '%s': %s is listed twice (as %s)", csv,
                         items.items[i], first_same(out, items.items[i]));
        else if (ma_strlist_push(out, items.items[i]) != 0)
            rc = ma_nomem(err);
    }
    ma_strlist_free(&items);
    return rc;
}

/* containerd's normalisation (platforms.Normalize): arm64/v8 and arm64/v8.0
 * are arm64, arm64/v9.0 is arm64/v9, amd64/v1 is amd64, a bare arm is arm/v7. */
void ma_platform_normalize(const char *p, char out[MA_PLATFORM_MAX])
{
    snprintf(out, MA_PLATFORM_MAX, "%s", p);
    char *arch = strchr(out, '/');
    if (arch == NULL)
        return;
    arch++;
    char *variant = strchr(arch, '/');
    if (variant != NULL) {
        *variant++ = '\0';
        if ((strcmp(arch, "arm64") == 0 && (strcmp(variant, "v8") == 0 || strcmp(variant, "v8.0") == 0)) ||
            (strcmp(arch, "amd64") == 0 && strcmp(variant, "v1") == 0))
            return; /* the default variant is left out */
        if (strcmp(arch, "arm64") == 0 && strcmp(variant, "v9.0") == 0)
            variant[2] = '\0';
        variant[-1] = '/';
    } else if (strcmp(arch, "arm") == 0 && strlen(out) + 3 < MA_PLATFORM_MAX) {
        strcat(out, "/v7");
    }
}

int ma_platform_same(const char *a, const char *b)
{
    char ka[MA_PLATFORM_MAX], kb[MA_PLATFORM_MAX];
    ma_platform_normalize(a, ka);
    ma_platform_normalize(b, kb);
    return strcmp(ka, kb) == 0;
}

int ma_platforms_hold(const ma_strlist *found, const char *want)
{
    for (size_t i = 0; i < found->len; i++)
        if (ma_platform_same(found->items[i], want))
            return 1;
    return 0;
}
