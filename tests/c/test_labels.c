/* The OCI labels: the web URL of a git remote (credentials never survive),
 * RFC 3339 times, SOURCE_DATE_EPOCH parsing, and the label list's fixed
 * order with unknown facts left out. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "labels.h"

#define CHECK_LIST(got, ...)                                       \
    do {                                                           \
        const char *const want_[] = {__VA_ARGS__, NULL};           \
        check_strlist_((got), want_, #got, __FILE__, __LINE__);    \
    } while (0)

#define L MA_LABEL_PREFIX

/* ma_source_url(remote) gives want (NULL: no URL) and clears *nomem. */
static void check_url_(const char *remote, const char *want, int line)
{
    int nomem = 1; /* must be reset: nothing here runs out of memory */
    char *got = ma_source_url(remote, &nomem);
    check_count += 2;
    if (got == NULL || want == NULL ? got != want : strcmp(got, want) != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: ma_source_url(\"%s\") = \"%s\", want \"%s\"\n", __FILE__, line,
                remote ? remote : "(null)", got ? got : "(null)", want ? want : "(null)");
    }
    if (nomem != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: ma_source_url(\"%s\") left nomem set\n", __FILE__, line,
                remote ? remote : "(null)");
    }
    free(got);
}
#define CHECK_URL(remote, want) check_url_((remote), (want), __LINE__)

/* Every remote form git accepts for a hosted repository maps to its https page. */
static void test_source_url_forms(void)
{
    /* scp-like */
    CHECK_URL("git@github.com:colliery-io/brokkr.git", "https://github.com/colliery-io/brokkr");
    CHECK_URL("github.com:colliery-io/brokkr", "https://github.com/colliery-io/brokkr");
    CHECK_URL("git@gitlab.example.com:group/sub/repo.git", "https://gitlab.example.com/group/sub/repo");
    /* ssh://, with and without a port (an ssh port is no web port) */
    CHECK_URL("ssh://git@github.com:22/colliery-io/brokkr", "https://github.com/colliery-io/brokkr");
    CHECK_URL("ssh://git@github.com/colliery-io/brokkr.git", "https://github.com/colliery-io/brokkr");
    CHECK_URL("git+ssh://git@github.com/org/repo.git", "https://github.com/org/repo");
    CHECK_URL("ssh+git://github.com:2222/org/repo", "https://github.com/org/repo");
    /* http(s): the port is kept, http becomes https */
    CHECK_URL("https://github.com/colliery-io/brokkr.git", "https://github.com/colliery-io/brokkr");
    CHECK_URL("https://github.com/colliery-io/brokkr", "https://github.com/colliery-io/brokkr");
    CHECK_URL("https://github.com/colliery-io/brokkr/", "https://github.com/colliery-io/brokkr");
    CHECK_URL("https://github.com/colliery-io/brokkr.git/", "https://github.com/colliery-io/brokkr");
    CHECK_URL("https://git.example.com:8443/scm/org/repo.git", "https://git.example.com:8443/scm/org/repo");
    CHECK_URL("http://git.internal:8080/org/repo", "https://git.internal:8080/org/repo");
    /* git://, its daemon port dropped */
    CHECK_URL("git://github.com/org/repo.git", "https://github.com/org/repo");
    CHECK_URL("git://git.example.com:9418/org/repo", "https://git.example.com/org/repo");
    /* found by fuzz_source: blanks make no URL; ".git" and '/' are cut until neither ends it */
    CHECK_URL("git@github.com:colliery-io/brokkr. it", NULL);
    CHECK_URL("https://github.com/org/re\tpo", NULL);
    CHECK_URL("ssh://h/org/repo/.git//.git///", "https://h/org/repo");
}

/* A remote with a user, a password or a token: only host and path survive. */
static void test_source_url_credentials(void)
{
    CHECK_URL("https://x-access-token:ghs_SECRET123@github.com/colliery-io/brokkr.git",
              "https://github.com/colliery-io/brokkr");
    CHECK_URL("https://user:p4ss@git.example.com:8443/org/repo", "https://git.example.com:8443/org/repo");
    CHECK_URL("https://oauth2@gitlab.com/org/repo.git", "https://gitlab.com/org/repo");
    CHECK_URL("ssh://deploy:secret@git.example.com:22/org/repo", "https://git.example.com/org/repo");

    /* userinfo that is not where a URL puts it (an unencoded '/' in the
     * password, or user:password in the scp-like form): no URL rather than
     * a URL holding the password */
    CHECK_URL("https://user:pa/ss@github.com/o/r", NULL);
    CHECK_URL("deploy:s3cret@git.example.com:org/repo.git", NULL);

    /* belt and braces: whatever the form, the secret text is gone */
    static const char *const remotes[] = {
        "https://x-access-token:SECRET@github.com/o/r.git",
        "http://SECRET@github.com/o/r",
        "ssh://SECRET@github.com/o/r",
        "git://me:SECRET@github.com/o/r",
        "SECRET@github.com:o/r.git",
    };
    for (size_t i = 0; i < sizeof remotes / sizeof remotes[0]; i++) {
        int nomem = 0;
        char *url = ma_source_url(remotes[i], &nomem);
        CHECK(url != NULL);
        CHECK(url == NULL || !contains(url, "SECRET"));
        if (url != NULL && contains(url, "SECRET"))
            fprintf(stderr, "  %s -> %s\n", remotes[i], url);
        free(url);
    }
}

/* Local repositories and things that are no URL give no label at all. */
static void test_source_url_none(void)
{
    CHECK_URL(NULL, NULL);
    CHECK_URL("", NULL);
    CHECK_URL("/srv/git/brokkr.git", NULL);
    CHECK_URL("./brokkr", NULL);
    CHECK_URL("../brokkr.git", NULL);
    CHECK_URL("file:///srv/git/brokkr.git", NULL);
    CHECK_URL("file://localhost/srv/git/brokkr", NULL);
    CHECK_URL("brokkr", NULL);
    CHECK_URL("not a url", NULL);
    CHECK_URL("ftp://example.com/org/repo", NULL);
    CHECK_URL("https://github.com", NULL);  /* no path */
    CHECK_URL("https://github.com/", NULL);
    CHECK_URL("https://github.com/.git", NULL);
    CHECK_URL("https:///org/repo", NULL);   /* no host */
    CHECK_URL("https://user@/org/repo", NULL);
    CHECK_URL("git@github.com:", NULL);
    CHECK_URL("git@:org/repo", NULL);
    CHECK_URL("my host:org/repo", NULL);
    CHECK_URL("ssh://", NULL);
}

/* ma_rfc3339_utc(seconds) writes want (NULL: returns -1). */
static void check_time_(long long seconds, const char *want, int line)
{
    char out[64] = "untouched";
    int rc = ma_rfc3339_utc(seconds, out, sizeof out);
    check_count++;
    if (want != NULL ? rc != 0 || strcmp(out, want) != 0 : rc != -1) {
        check_failures++;
        fprintf(stderr, "%s:%d: ma_rfc3339_utc(%lld) = %d \"%s\", want %s\n", __FILE__, line, seconds, rc,
                out, want ? want : "-1");
    }
}
#define CHECK_TIME(seconds, want) check_time_((seconds), (want), __LINE__)

static void test_rfc3339(void)
{
    CHECK_TIME(0, "1970-01-01T00:00:00Z");
    CHECK_TIME(1700000000, "2023-11-14T22:13:20Z");
    CHECK_TIME(951782400, "2000-02-29T00:00:00Z"); /* a leap day */
    CHECK_TIME(253402300799LL, "9999-12-31T23:59:59Z");
    /* out of range: before 1970, or a fifth year digit */
    CHECK_TIME(-1, NULL);
    CHECK_TIME(LLONG_MIN, NULL);
    CHECK_TIME(253402300800LL, NULL);
    CHECK_TIME(LLONG_MAX, NULL);

    /* "1970-01-01T00:00:00Z" is 20 bytes: it needs 21 with the NUL */
    char out[21];
    CHECK(ma_rfc3339_utc(0, out, sizeof out) == 0);
    CHECK_STR(out, "1970-01-01T00:00:00Z");
    CHECK(ma_rfc3339_utc(0, out, 20) == -1);
}

/* A valid SOURCE_DATE_EPOCH is read as it is. */
static void check_epoch_ok_(const char *text, long long want, int line)
{
    long long got = -42;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_epoch_parse(text, &got, &err);
    check_count++;
    if (rc != 0 || got != want) {
        check_failures++;
        fprintf(stderr, "%s:%d: ma_epoch_parse(\"%s\") = %d, %lld (%s); want %lld\n", __FILE__, line, text, rc,
                got, err.msg, want);
    }
}

/* An invalid one is MA_ERR_INPUT naming it, and *out is untouched. */
static void check_epoch_bad_(const char *text, int line)
{
    long long got = -42;
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_epoch_parse(text, &got, &err);
    char quoted[128];
    snprintf(quoted, sizeof quoted, "'%s'", text);
    check_count++;
    if (rc != -1 || err.kind != MA_ERR_INPUT || got != -42 || !contains(err.msg, quoted) ||
        !contains(err.msg, "SOURCE_DATE_EPOCH")) {
        check_failures++;
        fprintf(stderr, "%s:%d: ma_epoch_parse(\"%s\") = %d kind %d out %lld: %s\n", __FILE__, line, text, rc,
                (int)err.kind, got, err.msg);
    }
}
#define CHECK_EPOCH_OK(text, want) check_epoch_ok_((text), (want), __LINE__)
#define CHECK_EPOCH_BAD(text) check_epoch_bad_((text), __LINE__)

static void test_epoch_parse(void)
{
    CHECK_EPOCH_OK("1700000000", 1700000000LL);
    CHECK_EPOCH_OK("0", 0);
    CHECK_EPOCH_OK("253402300799", 253402300799LL);

    CHECK_EPOCH_BAD("");
    CHECK_EPOCH_BAD("-1");
    CHECK_EPOCH_BAD("+1");
    CHECK_EPOCH_BAD("12abc");
    CHECK_EPOCH_BAD(" 1");
    CHECK_EPOCH_BAD("1 ");
    CHECK_EPOCH_BAD("1.5");
    CHECK_EPOCH_BAD("0x10");
    CHECK_EPOCH_BAD("abc");
    CHECK_EPOCH_BAD("99999999999999999999");   /* overflows long long */
    CHECK_EPOCH_BAD("9223372036854775807");    /* fits, but no RFC 3339 year */
    CHECK_EPOCH_BAD("253402300800");           /* year 10000 */
}

static ma_label_inputs all_facts(void)
{
    ma_label_inputs in = {0};
    in.remote_url = "git@github.com:colliery-io/brokkr.git";
    in.ci_source = "https://github.com/someone/else";
    in.revision = "0123456789abcdef0123456789abcdef01234567";
    in.version = "v1.2.3";
    in.have_created = 1;
    in.created = 1700000000;
    in.title = "brokkr-broker";
    return in;
}

/* Every fact known: five labels in the fixed order, the remote winning over CI's URL. */
static void test_labels_all(void)
{
    ma_label_inputs in = all_facts();
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK_LIST(&out, L "source=https://github.com/colliery-io/brokkr",
               L "revision=0123456789abcdef0123456789abcdef01234567", L "version=v1.2.3",
               L "created=2023-11-14T22:13:20Z", L "title=brokkr-broker");
    ma_strlist_free(&out);
}

/* Unknown facts are left out; the others keep their order. */
static void test_labels_unknown_left_out(void)
{
    ma_label_inputs in = {0};
    in.version = "dev";
    in.title = "brokkr-ui";
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK_LIST(&out, L "version=dev", L "title=brokkr-ui");
    ma_strlist_free(&out);

    /* an empty revision is no revision; a created time without have_created is not used */
    in = all_facts();
    in.remote_url = NULL;
    in.ci_source = NULL;
    in.revision = "";
    in.have_created = 0;
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK_LIST(&out, L "version=v1.2.3", L "title=brokkr-broker");
    ma_strlist_free(&out);

    /* time 0 is a known time, not "unknown" */
    in = all_facts();
    in.created = 0;
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK(out.len == 5);
    if (out.len == 5)
        CHECK_STR(out.items[3], L "created=1970-01-01T00:00:00Z");
    ma_strlist_free(&out);

    /* a time that has no RFC 3339 form is left out rather than written wrong */
    in.created = -5;
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK(out.len == 4);
    for (size_t i = 0; i < out.len; i++)
        CHECK(!contains(out.items[i], "created="));
    ma_strlist_free(&out);
}

/* CI's repository URL stands in when the remote gives none; a usable remote wins. */
static void test_labels_source_choice(void)
{
    ma_strlist out = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    ma_label_inputs in = all_facts();
    in.remote_url = "/srv/git/brokkr.git"; /* a local mirror: no web page */
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK(out.len == 5);
    if (out.len > 0)
        CHECK_STR(out.items[0], L "source=https://github.com/someone/else");
    ma_strlist_free(&out);

    in.remote_url = NULL;
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    if (out.len > 0)
        CHECK_STR(out.items[0], L "source=https://github.com/someone/else");
    ma_strlist_free(&out);

    /* both unusable: no source label */
    in.ci_source = "file:///tmp/x";
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    CHECK(out.len == 4);
    if (out.len > 0)
        CHECK_STR(out.items[0], L "revision=0123456789abcdef0123456789abcdef01234567");
    ma_strlist_free(&out);

    /* a remote with a token is cleaned before it becomes a label */
    in = all_facts();
    in.remote_url = "https://x-access-token:ghs_SECRET@github.com/colliery-io/brokkr";
    CHECK(ma_labels_compute(&in, &out, &err) == 0);
    if (out.len > 0)
        CHECK_STR(out.items[0], L "source=https://github.com/colliery-io/brokkr");
    for (size_t i = 0; i < out.len; i++)
        CHECK(!contains(out.items[i], "SECRET"));
    ma_strlist_free(&out);
}

int main(void)
{
    test_source_url_forms();
    test_source_url_credentials();
    test_source_url_none();
    test_rfc3339();
    test_epoch_parse();
    test_labels_all();
    test_labels_unknown_left_out();
    test_labels_source_choice();
    return CHECK_DONE();
}
