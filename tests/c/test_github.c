/* What a GitHub Actions workflow reads after a run.  The step outputs are
 * written to a memory stream and parsed back the way the runner parses
 * $GITHUB_OUTPUT (`name=value` lines and `name<<DELIMITER` heredocs), so a
 * value that would break that format shows up as a wrong or missing output;
 * the step summary is checked line by line as markdown. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "github.h"
#include "planjson.h"
#include "report.h"

#define REG "ghcr.io/colliery-io"
#define BROKER REG "/brokkr-broker"
#define AGENT REG "/brokkr-agent"
#define UI REG "/brokkr-ui"
#define REV "0123456789abcdef0123456789abcdef01234567"
#define D_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D_C "sha256:3333333333333333333333333333333333333333333333333333333333333333"

/* ---- the $GITHUB_OUTPUT format, read back ---- */

typedef struct {
    ma_strlist names, values;
    int malformed; /* a line the runner would refuse, or a name set twice */
} gh_outputs;

static void gh_free(gh_outputs *o)
{
    ma_strlist_free(&o->names);
    ma_strlist_free(&o->values);
}

static void gh_add(gh_outputs *o, const char *name, size_t namelen, const char *value, size_t valuelen)
{
    char *n = strndup(name, namelen);
    if (n == NULL || namelen == 0 || ma_strlist_contains(&o->names, n))
        o->malformed = 1;
    else if (ma_strlist_push(&o->names, n) != 0 || ma_strlist_pushf(&o->values, "%.*s", (int)valuelen, value) != 0)
        o->malformed = 1;
    free(n);
}

/* Parse like the Actions runner: per line, `=` before any `<<` is name=value;
 * otherwise `name<<DELIM` takes the following lines up to a line that is
 * exactly DELIM (the line break before it is not part of the value). */
static void gh_parse(const char *text, gh_outputs *o)
{
    memset(o, 0, sizeof *o);
    const char *p = text;
    while (*p != '\0') {
        size_t n = strcspn(p, "\n");
        if (p[n] != '\n') { /* every command ends with a line break */
            o->malformed = 1;
            return;
        }
        const char *eq = memchr(p, '=', n), *heredoc = NULL;
        for (size_t i = 0; i + 1 < n; i++)
            if (p[i] == '<' && p[i + 1] == '<') {
                heredoc = p + i;
                break;
            }
        if (eq != NULL && (heredoc == NULL || eq < heredoc)) {
            gh_add(o, p, (size_t)(eq - p), eq + 1, (size_t)(p + n - eq - 1));
            p += n + 1;
            continue;
        }
        if (heredoc == NULL) {
            o->malformed = 1;
            return;
        }
        const char *delim = heredoc + 2;
        size_t delimlen = (size_t)(p + n - delim);
        const char *value = p + n + 1, *line = value;
        for (;;) {
            size_t len = strcspn(line, "\n");
            if (line[len] != '\n' || delimlen == 0) { /* no closing delimiter */
                o->malformed = 1;
                return;
            }
            if (len == delimlen && strncmp(line, delim, delimlen) == 0) {
                gh_add(o, p, (size_t)(heredoc - p), value, line > value ? (size_t)(line - 1 - value) : 0);
                p = line + len + 1;
                break;
            }
            line += len + 1;
        }
    }
}

/* The value of `name`, or NULL when it was not written. */
static const char *gh_get(const gh_outputs *o, const char *name)
{
    for (size_t i = 0; i < o->names.len; i++)
        if (strcmp(o->names.items[i], name) == 0)
            return o->values.items[i];
    return NULL;
}

/* The output names, in order, joined with ",". */
static void gh_names(const gh_outputs *o, char *out, size_t size)
{
    char *joined = ma_strlist_join(&o->names, ",");
    snprintf(out, size, "%s", joined != NULL ? joined : "");
    free(joined);
}

/* ---- plans and runs ---- */

typedef struct {
    ma_config cfg;
    ma_strlist tags;
    ma_plan plan;
    ma_image_run runs[3];
} fixture;

/* Plan `component` in `mode` with these tags (NULL-terminated); every run starts PENDING. */
static int fixture_init(fixture *f, const char *component, ma_plan_mode mode, const char *platforms, ...)
{
    memset(f, 0, sizeof *f);
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_config_defaults(&f->cfg, &err) == 0);
    va_list ap;
    va_start(ap, platforms);
    for (const char *t = va_arg(ap, const char *); t != NULL; t = va_arg(ap, const char *))
        ma_strlist_push(&f->tags, t);
    va_end(ap);
    ma_plan_inputs in;
    memset(&in, 0, sizeof in);
    in.req.component = component;
    in.tags = &f->tags;
    in.req.platforms = platforms;
    in.host_platform = "linux/amd64";
    in.req.run_dir = "/tmp/run";
    in.revision = REV;
    in.req.mode = mode;
    in.req.digest_dir = mode == MA_MODE_BY_DIGEST ? "/tmp/digests" : NULL;
    in.config = &f->cfg;
    int rc = ma_plan_build(&in, &f->plan, &err);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "  plan failed: %s\n", err.msg);
        ma_strlist_free(&f->tags);
        ma_config_free(&f->cfg);
        return -1;
    }
    for (size_t i = 0; i < f->plan.nimages; i++)
        ma_job_init(&f->runs[i].job, &f->plan.images[i], f->plan.req.mode, 0, 0, 0);
    return 0;
}

static void set_run(fixture *f, size_t i, ma_result result, const char *digest, const char *error)
{
    f->runs[i].result = result;
    snprintf(f->runs[i].job.digest, sizeof f->runs[i].job.digest, "%s", digest ? digest : "");
    snprintf(f->runs[i].job.error, sizeof f->runs[i].job.error, "%s", error ? error : "");
}

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < f->plan.nimages; i++)
        ma_job_free(&f->runs[i].job);
    ma_plan_free(&f->plan);
    ma_strlist_free(&f->tags);
    ma_config_free(&f->cfg);
}

/* ma_github_outputs written to memory and parsed back into o. */
static void outputs_of_(const fixture *f, const char *json, gh_outputs *o, char **raw)
{
    size_t size = 0;
    *raw = NULL;
    FILE *mem = open_memstream(raw, &size);
    CHECK(mem != NULL);
    if (mem == NULL) {
        memset(o, 0, sizeof *o);
        return;
    }
    CHECK(ma_github_outputs(mem, &f->plan, f->runs, json) == 0);
    fclose(mem);
    gh_parse(*raw, o);
    CHECK(!o->malformed);
    if (o->malformed)
        fprintf(stderr, "  malformed outputs:\n%s\n", *raw);
}
#define outputs_of(...) CASE(outputs_of_(__VA_ARGS__))

static char *summary_of(const fixture *f)
{
    char *raw = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&raw, &size);
    CHECK(mem != NULL);
    if (mem == NULL)
        return NULL;
    ma_github_summary(mem, &f->plan, f->runs);
    fclose(mem);
    return raw;
}

/* ---- outputs ---- */

/* One published image: tags, version, its refs, the digest, its own digest/ref, the plan. */
static void test_outputs_published_one(void)
{
    fixture f;
    if (fixture_init(&f, "broker", MA_MODE_PUSH, NULL, "v1.2.3", "v1.2", "latest", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUBLISHED, D_A, NULL);
    gh_outputs o;
    char *raw, names[512];
    outputs_of(&f, "{\"tags\":[\"v1.2.3\"]}", &o, &raw);
    gh_names(&o, names, sizeof names);
    CHECK_STR(names, "tags,version,refs,digest,broker-digest,broker-ref,annotations,json");
    CHECK(contains(gh_get(&o, "annotations"), "{\"broker\":{") && contains(gh_get(&o, "annotations"), "\"org.opencontainers.image.version\":\"v1.2.3\""));
    CHECK(contains(gh_get(&o, "annotations"), "\"org.opencontainers.image.description\":\"Central management service\"}}"));
    CHECK_STR(gh_get(&o, "tags"), "v1.2.3,v1.2,latest");
    CHECK_STR(gh_get(&o, "version"), "v1.2.3");
    CHECK_STR(gh_get(&o, "refs"), BROKER ":v1.2.3," BROKER ":v1.2," BROKER ":latest");
    CHECK_STR(gh_get(&o, "digest"), D_A);
    CHECK_STR(gh_get(&o, "broker-digest"), D_A);
    CHECK_STR(gh_get(&o, "broker-ref"), BROKER "@" D_A);
    CHECK_STR(gh_get(&o, "json"), "{\"tags\":[\"v1.2.3\"]}");
    free(raw);
    gh_free(&o);
    fixture_free(&f);
}

/* Several images: no plain `digest`; refs and <component>-digest only for
 * images whose tags moved; a failed or untagged image has neither. */
static void test_outputs_several(void)
{
    fixture f;
    if (fixture_init(&f, "all", MA_MODE_PUSH, NULL, "v2.0.0", "latest", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUBLISHED, D_A, NULL);
    set_run(&f, 1, MA_RESULT_FAILED, NULL, "build failed: exit code: 101");
    set_run(&f, 2, MA_RESULT_PUBLISHED, D_C, NULL);
    gh_outputs o;
    char *raw, names[512];
    outputs_of(&f, NULL, &o, &raw);
    gh_names(&o, names, sizeof names);
    CHECK_STR(names, "tags,version,refs,broker-digest,broker-ref,ui-digest,ui-ref,annotations");
    CHECK_STR(gh_get(&o, "refs"), BROKER ":v2.0.0," BROKER ":latest," UI ":v2.0.0," UI ":latest");
    CHECK_STR(gh_get(&o, "ui-ref"), UI "@" D_C);
    CHECK_STR(gh_get(&o, "json"), NULL);
    free(raw);
    gh_free(&o);

    /* everything published: three digests, still no plain `digest` */
    set_run(&f, 1, MA_RESULT_PUBLISHED, D_B, NULL);
    outputs_of(&f, NULL, &o, &raw);
    CHECK_STR(gh_get(&o, "digest"), NULL);
    CHECK_STR(gh_get(&o, "agent-digest"), D_B);
    CHECK_STR(gh_get(&o, "agent-ref"), AGENT "@" D_B);
    CHECK_STR(gh_get(&o, "refs"), BROKER ":v2.0.0," BROKER ":latest," AGENT ":v2.0.0," AGENT ":latest," UI
                                  ":v2.0.0," UI ":latest");
    free(raw);
    gh_free(&o);

    /* the others were pushed but not tagged because one failed: no refs, no digests */
    set_run(&f, 0, MA_RESULT_NOT_TAGGED, D_A, NULL);
    set_run(&f, 1, MA_RESULT_FAILED, NULL, "tagging failed");
    set_run(&f, 2, MA_RESULT_NOT_TAGGED, D_C, NULL);
    outputs_of(&f, NULL, &o, &raw);
    gh_names(&o, names, sizeof names);
    CHECK_STR(names, "tags,version,refs,annotations");
    CHECK_STR(gh_get(&o, "refs"), "");
    free(raw);
    gh_free(&o);
    fixture_free(&f);
}

/* A push by digest: the digest and <component>-ref, but no refs (nothing is tagged). */
static void test_outputs_by_digest(void)
{
    fixture f;
    if (fixture_init(&f, "broker", MA_MODE_BY_DIGEST, "linux/arm64", "v1.2.3", "latest", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUSHED, D_B, NULL);
    gh_outputs o;
    char *raw;
    outputs_of(&f, NULL, &o, &raw);
    CHECK_STR(gh_get(&o, "tags"), "v1.2.3,latest");
    CHECK_STR(gh_get(&o, "version"), "v1.2.3");
    CHECK_STR(gh_get(&o, "refs"), "");
    CHECK_STR(gh_get(&o, "digest"), D_B);
    CHECK_STR(gh_get(&o, "broker-digest"), D_B);
    CHECK_STR(gh_get(&o, "broker-ref"), BROKER "@" D_B);
    free(raw);
    gh_free(&o);

    /* the push failed: no digest at all */
    set_run(&f, 0, MA_RESULT_FAILED, NULL, "build failed");
    outputs_of(&f, NULL, &o, &raw);
    CHECK_STR(gh_get(&o, "digest"), NULL);
    CHECK_STR(gh_get(&o, "broker-digest"), NULL);
    CHECK(o.names.len == 4); /* tags, version, refs, annotations */
    free(raw);
    gh_free(&o);
    fixture_free(&f);
}

/* A local build publishes nothing: no refs, no digest. */
static void test_outputs_local(void)
{
    fixture f;
    if (fixture_init(&f, "ui", MA_MODE_LOCAL, NULL, "dev", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_BUILT, NULL, NULL);
    gh_outputs o;
    char *raw, names[256];
    outputs_of(&f, NULL, &o, &raw);
    gh_names(&o, names, sizeof names);
    CHECK_STR(names, "tags,version,refs");
    CHECK_STR(gh_get(&o, "tags"), "dev");
    CHECK_STR(gh_get(&o, "refs"), "");
    free(raw);
    gh_free(&o);
    fixture_free(&f);
}

/* The plan JSON: the real compact JSON is one `json=` line; a value with line
 * breaks (even one holding the first delimiter tried) comes back whole. */
static void test_outputs_json(void)
{
    fixture f;
    if (fixture_init(&f, "broker", MA_MODE_PUSH, NULL, "v1.2.3", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUBLISHED, D_A, NULL);
    ma_error err = {MA_ERR_NONE, ""};
    char *json = ma_plan_json_compact(&f.plan, &err);
    CHECK(json != NULL);
    gh_outputs o;
    char *raw;
    if (json != NULL) {
        CHECK(strchr(json, '\n') == NULL);
        outputs_of(&f, json, &o, &raw);
        CHECK_STR(gh_get(&o, "json"), json);
        CHECK(contains(raw, "\njson={"));
        free(raw);
        gh_free(&o);
        free(json);
    }

    const char *multi = "{\n  \"a\": 1\n}";
    outputs_of(&f, multi, &o, &raw);
    CHECK_STR(gh_get(&o, "json"), multi);
    CHECK(!contains(raw, "json={"));
    free(raw);
    gh_free(&o);

    const char *tricky = "line one\nMULTIARCH_EOF_0\nMULTIARCH_EOF_1\nlast=line\n";
    outputs_of(&f, tricky, &o, &raw);
    CHECK_STR(gh_get(&o, "json"), tricky);
    CHECK_STR(gh_get(&o, "last"), NULL); /* the value's own '=' line is no output */
    free(raw);
    gh_free(&o);

    const char *cr = "a\rb";
    outputs_of(&f, cr, &o, &raw);
    CHECK_STR(gh_get(&o, "json"), cr);
    free(raw);
    gh_free(&o);
    fixture_free(&f);
}

/* ---- summary ---- */

/* The whole summary of a release of two images, one of them failed. */
static void test_summary_push(void)
{
    fixture f;
    if (fixture_init(&f, "all", MA_MODE_PUSH, NULL, "v1.2.3", "latest", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUBLISHED, D_A, NULL);
    set_run(&f, 1, MA_RESULT_FAILED, NULL, "build failed: ERROR: a | b\nsecond line");
    set_run(&f, 2, MA_RESULT_CANCELLED, NULL, NULL);
    char *text = summary_of(&f);
    CHECK_STR(text, "### Container images published\n\n"
                    "| Component | Result | Image | Tags |\n"
                    "| --- | --- | --- | --- |\n"
                    "| broker | published | `" BROKER "@" D_A "` | `v1.2.3` `latest` |\n"
                    "| agent | failed | build failed: ERROR: a \\| b second line | `v1.2.3` `latest` |\n"
                    "| ui | cancelled | " UI " | `v1.2.3` `latest` |\n"
                    "\n");
    free(text);
    fixture_free(&f);
}

/* An error's '|' and line breaks (\n and \r) never break the table: each row is one line of 4 cells. */
static void test_summary_escapes(void)
{
    fixture f;
    if (fixture_init(&f, "broker", MA_MODE_PUSH, NULL, "v1.2.3", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_FAILED, NULL, "x|y\r\nz||\n");
    char *text = summary_of(&f);
    CHECK(text != NULL && contains(text, "| broker | failed | x\\|y  z\\|\\|  | `v1.2.3` |\n"));
    /* header, separator, one row: exactly 3 lines start with '|' */
    size_t rows = 0;
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        rows += *p == '|';
    CHECK(rows == 3);
    free(text);
    fixture_free(&f);
}

/* By digest: the platform instead of tags (they are set by the merge); merge and local headlines. */
static void test_summary_modes(void)
{
    fixture f;
    if (fixture_init(&f, "broker", MA_MODE_BY_DIGEST, "linux/arm/v7", "v1.2.3", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_PUSHED, D_B, NULL);
    char *text = summary_of(&f);
    CHECK_STR(text, "### Container images pushed by digest (tags are set by `angreal build merge`)\n\n"
                    "| Component | Result | Image | Tags |\n"
                    "| --- | --- | --- | --- |\n"
                    "| broker | pushed | `" BROKER "@" D_B "` | linux/arm/v7, by digest |\n"
                    "\n");
    free(text);
    fixture_free(&f);

    if (fixture_init(&f, "ui", MA_MODE_LOCAL, NULL, "dev", "sha-abc1234", NULL) != 0)
        return;
    set_run(&f, 0, MA_RESULT_BUILT, NULL, NULL);
    text = summary_of(&f);
    CHECK(text != NULL && strncmp(text, "### Container images built locally\n", 35) == 0);
    CHECK(text != NULL && contains(text, "| ui | built | " UI " | `dev` `sha-abc1234` |\n"));
    free(text);
    fixture_free(&f);

    /* a merge plan needs records; the headline only depends on the mode */
    if (fixture_init(&f, "ui", MA_MODE_PUSH, NULL, "v1.0.0", NULL) != 0)
        return;
    f.plan.req.mode = MA_MODE_MERGE;
    set_run(&f, 0, MA_RESULT_PUBLISHED, D_C, NULL);
    text = summary_of(&f);
    CHECK(text != NULL && strncmp(text, "### Container images merged and tagged\n", 39) == 0);
    free(text);
    fixture_free(&f);
}

int main(void)
{
    test_outputs_published_one();
    test_outputs_several();
    test_outputs_by_digest();
    test_outputs_local();
    test_outputs_json();
    test_summary_push();
    test_summary_escapes();
    test_summary_modes();
    return CHECK_DONE();
}
