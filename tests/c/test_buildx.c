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
static void check_parse_fails(const char *json, const char *why)
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
        "ERROR: failed to solve: failed to push 127.0.0.1:5000/x:v1: failed to do request: Put "
        "\"http://127.0.0.1:5000/v2/x/manifests/v1\": dial tcp 127.0.0.1:5000: connect: "
        "connection refused",
        "ERROR: unexpected status code 504",
        "error: received unexpected HTTP status: 500",
        "toomanyrequests: You have reached your pull rate limit.",
        "ERROR: unexpected status code https://127.0.0.1:5000/v2/x/blobs/sha256:5a500b: 429",
        "#12 pushing layers\n#12 ERROR: UNEXPECTED STATUS: 503\nERROR: failed to solve: push",
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
        "",
        NULL};
    static const char *const not_found[] = {
        "ERROR: 127.0.0.1:5000/x:v1: not found",
        "manifest unknown",
        "MANIFEST_UNKNOWN",
        "name unknown",
        "ERROR: docker.io/library/nosuch:latest: NOT FOUND",
        "GET https://127.0.0.1:5000/v2/x/manifests/v1: 404 Not Found",
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

int main(void)
{
    test_parse_metadata();
    test_read_metadata();
    test_classify();
    test_last_error_line();
    return CHECK_DONE();
}
