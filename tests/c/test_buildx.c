/* The buildx metadata file, failure classification and the one error line to show. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buildx.h"
#include "check.h"

#define DIGEST "sha256:4b0c1d8f2f0b5e3c6a7d9e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"

/* Shaped like a real --metadata-file from a multi-platform push. */
static const char *const REAL_METADATA =
    "{\n"
    "  \"buildx.build.ref\": \"brokkr-builder/brokkr-builder0/q2m8v7yqk3h1x0z9w6t5r4p2n\",\n"
    "  \"containerimage.config.digest\": "
    "\"sha256:0d6f2c7e1b3a59486f7e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a2918d0e1\",\n"
    "  \"containerimage.descriptor\": {\n"
    "    \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
    "    \"digest\": \"" DIGEST "\",\n"
    "    \"size\": 1609\n"
    "  },\n"
    "  \"containerimage.digest\": \"" DIGEST "\",\n"
    "  \"image.name\": \"ghcr.io/x/y\"\n"
    "}\n";

/* Parse `json`; expect failure whose message names the origin and says `why`. */
static void check_parse_fails_(const char *json, const char *why)
{
    char digest[MA_DIGEST_MAX] = "untouched";
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_buildx_parse_metadata(json, "/tmp/meta-x.json", digest, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, "/tmp/meta-x.json"));
    CHECK(contains(err.msg, why));
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK_STR(digest, "");
    if (!contains(err.msg, why))
        fprintf(stderr, "  message: %s\n", err.msg);
}
#define check_parse_fails(...) CASE(check_parse_fails_(__VA_ARGS__))

static void test_parse_metadata(void)
{
    char digest[MA_DIGEST_MAX];
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_buildx_parse_metadata(REAL_METADATA, "meta.json", digest, &err) == 0);
    CHECK_STR(digest, DIGEST);
    CHECK(ma_buildx_parse_metadata("{\"containerimage.digest\":\"" DIGEST "\"}", "m", digest,
                                   &err) == 0);
    CHECK_STR(digest, DIGEST);

    check_parse_fails("{\"buildx.build.ref\": \"b/b0/abc\"}", "has no \"containerimage.digest\"");
    check_parse_fails("{\"containerimage.digest\": 42}", "is not a string");
    check_parse_fails("{\"containerimage.digest\": null}", "is not a string");
    check_parse_fails("{\"containerimage.digest\": \"sha256:abc\"}", "'sha256:abc'");
    check_parse_fails("{\"containerimage.digest\": \"SHA256:" DIGEST "\"}", "not sha256:");
    check_parse_fails("{\"containerimage.digest\": \"sha2", "is not valid JSON");
    check_parse_fails("{\"containerimage.digest\": \"" DIGEST "\"} trailing", "not valid JSON");
    check_parse_fails("", "is empty");
    check_parse_fails(" \n", "is empty");
    check_parse_fails("[{\"containerimage.digest\": \"" DIGEST "\"}]", "is not a JSON object");
    check_parse_fails("\"" DIGEST "\"", "is not a JSON object");
}

static void test_read_metadata(void)
{
    char dir[] = "/tmp/ma-test-buildx-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], digest[MA_DIGEST_MAX];
    ma_error err = {MA_ERR_NONE, ""};

    snprintf(path, sizeof path, "%s/metadata.json", dir);
    CHECK(write_file(path, REAL_METADATA, strlen(REAL_METADATA)) == 0);
    CHECK(ma_buildx_read_metadata(path, digest, &err) == 0);
    CHECK_STR(digest, DIGEST);

    /* What buildx leaves when interrupted mid-write. */
    const char *truncated = "{\"containerimage.digest\": \"sha2";
    CHECK(write_file(path, truncated, strlen(truncated)) == 0);
    CHECK(ma_buildx_read_metadata(path, digest, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, path) && contains(err.msg, "not valid JSON"));

    CHECK(write_file(path, "", 0) == 0);
    CHECK(ma_buildx_read_metadata(path, digest, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    CHECK(contains(err.msg, path) && contains(err.msg, "is empty"));

    CHECK(write_file(path, "[]", 2) == 0);
    CHECK(ma_buildx_read_metadata(path, digest, &err) == -1);
    CHECK(contains(err.msg, path) && contains(err.msg, "not a JSON object"));

    CHECK(write_file(path, "{}\0{}", 5) == 0);
    CHECK(ma_buildx_read_metadata(path, digest, &err) == -1);
    CHECK(contains(err.msg, path) && contains(err.msg, "NUL byte"));

    /* Over the 1 MiB limit: refused before parsing. */
    size_t big = (1u << 20) + 1;
    char *blob = malloc(big);
    CHECK(blob != NULL);
    if (blob != NULL) {
        memset(blob, ' ', big);
        CHECK(write_file(path, blob, big) == 0);
        CHECK(ma_buildx_read_metadata(path, digest, &err) == -1);
        CHECK(contains(err.msg, path) && contains(err.msg, "larger than 1 MiB"));
        free(blob);
    }
    CHECK(unlink(path) == 0);

    char missing[300];
    snprintf(missing, sizeof missing, "%s/never-written.json", dir);
    CHECK(ma_buildx_read_metadata(missing, digest, &err) == -1);
    CHECK(err.kind == MA_ERR_BUILD);
    char want[400];
    snprintf(want, sizeof want,
             "buildx wrote no metadata file at %s: cannot tell the pushed digest", missing);
    CHECK_STR(err.msg, want);

    /* A directory opens but cannot be read: an environment problem. */
    CHECK(ma_buildx_read_metadata(dir, digest, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, dir));

    CHECK(rmdir(dir) == 0);
}

static void test_classify(void)
{
    static const char *const transient[] = {
        "ERROR: failed to push 127.0.0.1:5000/x: unexpected status from PUT request to "
        "http://127.0.0.1:5000/v2/x/manifests/v1: 503 Service Unavailable",
        "dial tcp 127.0.0.1:5000: connect: connection refused",
        "read: connection reset by peer",
        "net/http: TLS handshake timeout",
        "i/o timeout",
        "502 Bad Gateway",
        "500 Internal Server Error",
        "429 Too Many Requests",
        "context deadline exceeded",
        "#13 exporting cache to registry\n#13 preparing build cache for export done\n#13 ERROR: not found\n"
        "ERROR: failed to solve: not found",
        "#9 pushing manifest for 127.0.0.1:5000/x done\n#9 DONE 1.0s\nERROR: failed to solve: not found",
        "ERROR: failed to solve: failed to push 127.0.0.1:5000/x:v1: failed to do request: Put "
        "\"http://127.0.0.1:5000/v2/x/manifests/v1\": dial tcp 127.0.0.1:5000: connect: "
        "connection refused",
        "ERROR: unexpected status code 504",
        "error: received unexpected HTTP status: 500",
        "toomanyrequests: You have reached your pull rate limit.",
        "ERROR: unexpected status code https://127.0.0.1:5000/v2/x/blobs/sha256:5a500b: 429",
        "#12 pushing layers\n#12 ERROR: UNEXPECTED STATUS: 503\nERROR: failed to solve: push",
        /* two by-digest builds of one image on one engine (containerd image store) */
        "#10 exporting to image\n#10 naming to 127.0.0.1:5555/race/brokkr-broker done\nERROR: failed to solve: "
        "image \"127.0.0.1:5555/race/brokkr-broker\": already exists",
        NULL};
    static const char *const permanent[] = {
        "ERROR: failed to solve: process \"/bin/sh -c cargo build --release\" did not complete "
        "successfully: exit code: 101",
        "#9 [linux/arm64 builder 3/3] RUN cargo build --release\n#9 0.412 500 Internal Server "
        "Error from crates mirror\nERROR: failed to solve: process \"/bin/sh -c cargo build "
        "--release\" did not complete successfully: exit code: 101",
        "ERROR: failed to solve: failed to read dockerfile: open docker/Dockerfile.x: no such "
        "file or directory",
        "ERROR: unable to prepare context: path \"nowhere\" not found",
        "ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of "
        "ref abc::def: \"/Cargo.lock\": not found",
        "unauthorized: authentication required",
        "denied: permission_denied",
        "ERROR: unexpected status from HEAD request to https://127.0.0.1:5000/v2/x/manifests/"
        "v1: 401 Unauthorized",
        "ERROR: failed to solve: Canceled: context canceled",
        "ERROR: failed to push 127.0.0.1:5000/x: size 5000 bytes exceeds limit",
        "ERROR: failed to create builder: instance \"x\" already exists",
        "",
        NULL};
    static const char *const not_found[] = {
        "ERROR: 127.0.0.1:5000/x:v1: not found",
        "manifest unknown",
        "MANIFEST_UNKNOWN",
        "name unknown",
        "ERROR: docker.io/library/nosuch:latest: NOT FOUND",
        "GET https://127.0.0.1:5000/v2/x/manifests/v1: 404 Not Found",
        "#2 [internal] load metadata for 127.0.0.1:5000/base:1\n"
        "ERROR: failed to solve: 127.0.0.1:5000/base:1: not found",
        NULL};
    static const char *const no_buildx[] = {
        "docker: unknown command: docker buildx\n\nRun 'docker --help' for more information",
        "docker: 'buildx' is not a docker command.\nSee 'docker --help'",
        NULL};
    static const struct {
        const char *const *texts;
        ma_failure_kind want;
    } groups[] = {
        {transient, MA_FAILURE_TRANSIENT},
        {permanent, MA_FAILURE_PERMANENT},
        {not_found, MA_FAILURE_NOT_FOUND},
        {no_buildx, MA_FAILURE_NO_BUILDX},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        for (const char *const *t = groups[g].texts; *t != NULL; t++) {
            ma_failure_kind got = ma_buildx_classify_failure(*t);
            CHECK(got == groups[g].want);
            if (got != groups[g].want)
                fprintf(stderr, "  got %d, want %d for: %s\n", (int)got, (int)groups[g].want, *t);
        }
    }
    CHECK(ma_buildx_classify_failure(NULL) == MA_FAILURE_PERMANENT);
    /* buildx's own "unknown command" for a subcommand is not a missing plugin. */
    CHECK(ma_buildx_classify_failure("ERROR: unknown command \"frob\" for \"docker buildx\"") ==
          MA_FAILURE_PERMANENT);
}

static void test_last_error_line(void)
{
    char out[256];
    const char *progress =
        "#0 building with \"brokkr-builder\" instance using docker-container driver\n"
        "#1 [internal] load build definition from Dockerfile.x\n"
        "#1 transferring dockerfile: 312B done\n"
        "#9 [linux/arm64 builder 3/3] RUN cargo build --release\n"
        "#9 0.412 error: could not compile `x`\n"
        "#9 ERROR: process \"/bin/sh -c cargo build --release\" did not complete successfully\n"
        "------\n"
        " > [linux/arm64 builder 3/3] RUN cargo build --release:\n"
        "------\n"
        "ERROR: failed to solve: process \"/bin/sh -c cargo build --release\" did not complete "
        "successfully: exit code: 101\r\n"
        "\n"
        "   \n";
    ma_buildx_last_error_line(progress, out, sizeof out);
    CHECK_STR(out, "ERROR: failed to solve: process \"/bin/sh -c cargo build --release\" did not "
                   "complete successfully: exit code: 101");

    /* The last ERROR line wins over later plain lines. */
    ma_buildx_last_error_line("ERROR: first\nerror: second\nsee 'docker --help'\n", out,
                              sizeof out);
    CHECK_STR(out, "error: second");

    ma_buildx_last_error_line("docker: 'buildx' is not a docker command.\nSee 'docker --help'\n\n",
                              out, sizeof out);
    CHECK_STR(out, "See 'docker --help'");
    ma_buildx_last_error_line("no newline at all", out, sizeof out);
    CHECK_STR(out, "no newline at all");
    ma_buildx_last_error_line("  ERROR: indented  \n", out, sizeof out);
    CHECK_STR(out, "ERROR: indented");
    ma_buildx_last_error_line("ERROR\n", out, sizeof out);
    CHECK_STR(out, "ERROR");
    ma_buildx_last_error_line("", out, sizeof out);
    CHECK_STR(out, "");
    ma_buildx_last_error_line("\n\n \n", out, sizeof out);
    CHECK_STR(out, "");
    strcpy(out, "stale");
    ma_buildx_last_error_line(NULL, out, sizeof out);
    CHECK_STR(out, "");

    /* Cut to outsz-1 bytes, never inside a UTF-8 sequence. */
    char small[8];
    ma_buildx_last_error_line("ERROR: abcdef\n", small, sizeof small);
    CHECK_STR(small, "ERROR: ");
    ma_buildx_last_error_line("ERROR:\xc3\xa9\xc3\xa9", small, sizeof small); /* 6 + 2 + 2 bytes */
    CHECK_STR(small, "ERROR:");
    char nine[9];
    ma_buildx_last_error_line("ERROR:\xc3\xa9\xc3\xa9", nine, sizeof nine);
    CHECK_STR(nine, "ERROR:\xc3\xa9");
    char one[1] = {'x'};
    ma_buildx_last_error_line("ERROR: x", one, sizeof one);
    CHECK(one[0] == '\0');
    ma_buildx_last_error_line("ERROR: x", NULL, 0); /* must not crash */
}

/* ---- docker buildx inspect ---- */

/* A strlist holding exactly these items. */
#define CHECK_LIST(got, ...)                                    \
    do {                                                        \
        const char *const want_[] = {__VA_ARGS__, NULL};        \
        check_strlist_((got), want_, #got, __FILE__, __LINE__); \
    } while (0)

/* Real `docker buildx inspect --bootstrap default` on a docker engine with the containerd store. */
static const char *const INSPECT_DEFAULT =
    "Name:          default\n"
    "Driver:        docker\n"
    "Last Activity: 2026-11-30 18:46:44 +0000 UTC\n"
    "\n"
    "Nodes:\n"
    "Name:             default\n"
    "Endpoint:         default\n"
    "Status:           running\n"
    "BuildKit version: v0.0.0+unknown\n"
    "Platforms:        linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4, linux/arm64\n"
    "Labels:\n"
    " org.mobyproject.buildkit.worker.executor:             containerd\n";

/* Real `docker buildx inspect tb` of a docker-container builder never started. */
static const char *const INSPECT_INACTIVE =
    "Name:          tb\n"
    "Driver:        docker-container\n"
    "Last Activity: 2026-11-30 18:49:09 +0000 UTC\n"
    "\n"
    "Nodes:\n"
    "Name:                  tb0\n"
    "Endpoint:              unix:///var/run/docker.sock\n"
    "Status:                inactive\n"
    "BuildKit daemon flags: --allow-insecure-entitlement=network.host\n";

/* A remote buildkitd with platforms set by the user (marked '*'), its
 * worker labels and GC policy, as buildx prints them. */
static const char *const INSPECT_REMOTE =
    "Name:          ci-remote\n"
    "Driver:        remote\n"
    "Last Activity: 2026-11-30 18:52:10 +0000 UTC\n"
    "\n"
    "Nodes:\n"
    "Name:             ci-remote0\n"
    "Endpoint:         tcp://buildkitd.ci.internal:1234\n"
    "Status:           running\n"
    "BuildKit version: v0.17.2\n"
    "Platforms:        linux/amd64*, linux/arm64*, linux/amd64/v2, linux/386\n"
    "Labels:\n"
    " org.mobyproject.buildkit.worker.executor:         oci\n"
    " org.mobyproject.buildkit.worker.hostname:         buildkitd-7d9f\n"
    " org.mobyproject.buildkit.worker.network:          host\n"
    " org.mobyproject.buildkit.worker.snapshotter:      overlayfs\n"
    "GC Policy rule#0:\n"
    " All:            false\n"
    " Filters:        type==source.local,type==exec.cachemount,type==source.git.checkout\n"
    " Keep Duration:  48h0m0s\n";

/* A docker-container builder with an amd64 and an arm64 node (`buildx create --append`). */
static const char *const INSPECT_TWO_NODES =
    "Name:          multi\n"
    "Driver:        docker-container\n"
    "Last Activity: 2026-11-30 18:55:01 +0000 UTC\n"
    "\n"
    "Nodes:\n"
    "Name:                  multi0\n"
    "Endpoint:              unix:///var/run/docker.sock\n"
    "Driver Options:        network=\"host\"\n"
    "Status:                running\n"
    "BuildKit daemon flags: --allow-insecure-entitlement=network.host\n"
    "BuildKit version:      v0.17.2\n"
    "Platforms:             linux/amd64, linux/amd64/v2, linux/386\n"
    "\n"
    "Name:                  multi1\n"
    "Endpoint:              ssh://ci@arm-box\n"
    "Status:                running\n"
    "BuildKit version:      v0.17.2\n"
    "Platforms:             linux/arm64, linux/arm/v7, linux/amd64, linux/arm/v6\n";

static void test_parse_inspect(void)
{
    ma_builder_info b;
    ma_error err = {MA_ERR_NONE, ""};

    /* the docker driver's default builder: the first Name is the builder's, not the node's */
    CHECK(ma_buildx_parse_inspect(INSPECT_DEFAULT, &b, &err) == 0);
    CHECK_STR(b.name, "default");
    CHECK_STR(b.driver, "docker");
    CHECK(b.running == 1);
    CHECK_LIST(&b.platforms, "linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4", "linux/arm64");
    ma_builder_info_free(&b);
    CHECK(b.platforms.len == 0);
    ma_builder_info_free(&b); /* twice is fine */
    ma_builder_info_free(NULL);

    /* a remote builder: the '*' that marks platforms set by the user goes */
    CHECK(ma_buildx_parse_inspect(INSPECT_REMOTE, &b, &err) == 0);
    CHECK_STR(b.name, "ci-remote");
    CHECK_STR(b.driver, "remote");
    CHECK(b.running == 1);
    CHECK_LIST(&b.platforms, "linux/amd64", "linux/arm64", "linux/amd64/v2", "linux/386");
    ma_builder_info_free(&b);

    /* not started: no Platforms line, not running */
    CHECK(ma_buildx_parse_inspect(INSPECT_INACTIVE, &b, &err) == 0);
    CHECK_STR(b.name, "tb");
    CHECK_STR(b.driver, "docker-container");
    CHECK(b.running == 0);
    CHECK(b.platforms.len == 0);
    ma_builder_info_free(&b);

    /* two nodes: platforms in order, each once; "Driver Options" is not the driver */
    CHECK(ma_buildx_parse_inspect(INSPECT_TWO_NODES, &b, &err) == 0);
    CHECK_STR(b.name, "multi");
    CHECK_STR(b.driver, "docker-container");
    CHECK(b.running == 1);
    CHECK_LIST(&b.platforms, "linux/amd64", "linux/amd64/v2", "linux/386", "linux/arm64", "linux/arm/v7",
               "linux/arm/v6");
    ma_builder_info_free(&b);

    /* one node of two stopped: the builder is not running */
    char text[2048];
    snprintf(text, sizeof text, "%s", INSPECT_TWO_NODES);
    char *second = strstr(text, "multi1");
    char *status = second ? strstr(second, "Status:                running") : NULL;
    CHECK(status != NULL);
    if (status != NULL)
        memcpy(status + strlen("Status:                "), "stopped", 7);
    CHECK(ma_buildx_parse_inspect(text, &b, &err) == 0);
    CHECK(b.running == 0);
    CHECK(b.platforms.len == 6);
    ma_builder_info_free(&b);

    /* CRLF line ends, no trailing newline */
    CHECK(ma_buildx_parse_inspect("Name: win\r\nDriver: docker\r\nNodes:\r\nName: win\r\nStatus: running\r\n"
                                  "Platforms: linux/amd64, linux/arm64\r",
                                  &b, &err) == 0);
    CHECK_STR(b.name, "win");
    CHECK_STR(b.driver, "docker");
    CHECK(b.running == 1);
    CHECK_LIST(&b.platforms, "linux/amd64", "linux/arm64");
    ma_builder_info_free(&b);
}

/* Text that names no builder or no driver is an environment error. */
static void test_parse_inspect_garbage(void)
{
    const char *const bad[] = {
        "",
        "\n\n",
        "ERROR: no builder \"nosuch\" found\n",
        "Name:          lonely\n",                  /* no driver */
        "Driver:        docker\n",                  /* no name */
        "  Name:        indented\n  Driver: docker\n", /* fields start a line */
        "Name:\nDriver:\n",                         /* empty values */
        "Names: x\nDrivers: y\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ma_builder_info b;
        ma_error err = {MA_ERR_NONE, ""};
        int rc = ma_buildx_parse_inspect(bad[i], &b, &err);
        CHECK(rc == -1);
        CHECK(err.kind == MA_ERR_ENV);
        CHECK(contains(err.msg, "docker buildx inspect"));
        CHECK(b.platforms.len == 0 && b.platforms.items == NULL);
        if (rc != -1) {
            fprintf(stderr, "  text %zu parsed as name '%s', driver '%s'\n", i, b.name, b.driver);
            ma_builder_info_free(&b);
        }
    }
    ma_builder_info b;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_buildx_parse_inspect(NULL, &b, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
}

static void test_builder_builds(void)
{
    ma_builder_info b;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_buildx_parse_inspect(INSPECT_DEFAULT, &b, &err) == 0);
    CHECK(ma_builder_builds(&b, "linux/amd64") == 1);
    CHECK(ma_builder_builds(&b, "linux/amd64/v3") == 1);
    CHECK(ma_builder_builds(&b, "linux/arm64") == 1);
    CHECK(ma_builder_builds(&b, "linux/arm64/v8") == 1); /* the same platform */
    CHECK(ma_builder_builds(&b, "linux/arm/v7") == 0);
    CHECK(ma_builder_builds(&b, "linux/arm") == 0);
    CHECK(ma_builder_builds(&b, "linux/s390x") == 0);
    CHECK(ma_builder_builds(&b, "linux/amd") == 0);      /* no prefix matches */
    CHECK(ma_builder_builds(&b, "linux/amd64/v5") == 0);
    CHECK(ma_builder_builds(&b, "") == 0);
    ma_builder_info_free(&b);

    /* a builder that lists arm64 with its variant builds plain arm64 too */
    CHECK(ma_buildx_parse_inspect("Name: a\nDriver: remote\nStatus: running\nPlatforms: linux/arm64/v8, linux/arm/v7\n",
                                  &b, &err) == 0);
    CHECK(ma_builder_builds(&b, "linux/arm64") == 1);
    CHECK(ma_builder_builds(&b, "linux/arm64/v8") == 1);
    CHECK(ma_builder_builds(&b, "linux/arm/v7") == 1);
    CHECK(ma_builder_builds(&b, "linux/arm/v6") == 0);
    CHECK(ma_builder_builds(&b, "linux/amd64") == 0);
    ma_builder_info_free(&b);

    /* not started: no platforms known, nothing claimed */
    CHECK(ma_buildx_parse_inspect(INSPECT_INACTIVE, &b, &err) == 0);
    CHECK(ma_builder_builds(&b, "linux/amd64") == 0);
    ma_builder_info_free(&b);
}

/* A first build's missing registry cache is no error: reworded; other lines are left alone. */
static void test_reword_line(void)
{
    const char *line = "#5 ERROR: failed to configure registry cache importer: 127.0.0.1:5555/a/b:buildcache-linux-amd64: "
                       "not found";
    char out[256] = "untouched";
    CHECK(ma_buildx_reword_line(line, strlen(line), out, sizeof out) == 1);
    CHECK_STR(out, "#5 cache 127.0.0.1:5555/a/b:buildcache-linux-amd64: not published yet, nothing to import");
    static const char *const others[] = {
        "#5 ERROR: failed to configure registry cache importer: 127.0.0.1:5555/a/b:c: unauthorized",
        "#5 ERROR: failed to configure registry cache importer: : not found",
        "ERROR: failed to solve: process \"/bin/sh -c false\" did not complete successfully: exit code: 1",
        "#7 DONE 0.1s", "", NULL};
    for (const char *const *o = others; *o != NULL; o++) {
        strcpy(out, "untouched");
        CHECK(ma_buildx_reword_line(*o, strlen(*o), out, sizeof out) == 0);
        CHECK_STR(out, "untouched");
    }
    /* the line is cut at len, never read past */
    CHECK(ma_buildx_reword_line(line, strlen(line) - 1, out, sizeof out) == 0);
}

int main(void)
{
    test_reword_line();
    test_parse_metadata();
    test_read_metadata();
    test_classify();
    test_last_error_line();
    test_parse_inspect();
    test_parse_inspect_garbage();
    test_builder_builds();
    return CHECK_DONE();
}
