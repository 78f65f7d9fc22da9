/* libFuzzer harness for everything that parses outside input: the config
 * JSON, buildx's metadata JSON, registry indexes, CI variables, platform
 * lists, registry names and error texts.  Invariants: no crash, no leak, every
 * failure is an error kind with a non-empty one-line message, and successes
 * give valid data (digests valid, platforms re-validate).
 *
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icsrc \
 *     tests/fuzz/fuzz_parsers.c $(ls csrc/[a-z]*.c | grep -v module.c) \
 *     $(pkg-config --cflags --libs libgit2 libcjson) -o /tmp/fuzz_parsers
 *   /tmp/fuzz_parsers -max_total_time=60
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buildx.h"
#include "cienv.h"
#include "config.h"
#include "plan.h"
#include "platform.h"
#include "registry.h"

static void check_error(const ma_error *err)
{
    assert(err->kind != MA_ERR_NONE);
    assert(err->msg[0] != '\0');
}

static void fuzz_config(const char *text)
{
    ma_config cfg;
    ma_error err = {0};
    if (ma_config_parse(text, "fuzz.json", &cfg, &err) != 0) {
        check_error(&err);
        return;
    }
    assert(cfg.ncomponents > 0 && cfg.push_platforms.len > 0);
    for (size_t i = 0; i < cfg.push_platforms.len; i++)
        assert(ma_platform_validate(cfg.push_platforms.items[i], NULL) == 0);
    ma_config_free(&cfg);
}

static void fuzz_metadata(const char *text)
{
    char digest[MA_DIGEST_MAX];
    ma_error err = {0};
    if (ma_buildx_parse_metadata(text, "fuzz", digest, &err) == 0)
        assert(ma_digest_is_valid(digest));
    else
        check_error(&err);
}

static void fuzz_index(const char *text, size_t len)
{
    ma_strlist platforms = MA_STRLIST_INIT;
    ma_error err = {0};
    if (ma_index_platforms(text, len, &platforms, &err) != 0)
        check_error(&err);
    ma_strlist_free(&platforms);
    ma_strlist want = MA_STRLIST_INIT;
    ma_strlist_push(&want, "linux/amd64");
    char digest[MA_DIGEST_MAX];
    ma_sha256_digest(text, len, digest);
    if (ma_index_verify("r/x", text, len, digest, &want, &err) != 0)
        check_error(&err);
    ma_strlist_free(&want);
}

/* Each input line is one NAME=value environment entry. */
static void fuzz_cienv(const char *text)
{
    char *copy = strdup(text);
    const char *envp[64];
    size_t n = 0;
    for (char *line = strtok(copy, "\n"); line != NULL && n < 63; line = strtok(NULL, "\n"))
        envp[n++] = line;
    envp[n] = NULL;
    ma_cienv ci;
    ma_error err = {0};
    if (ma_cienv_read(envp, &ci, &err) == 0)
        ma_cienv_free(&ci);
    free(copy);
}

static void fuzz_small(const char *text)
{
    ma_error err = {0};
    ma_strlist platforms = MA_STRLIST_INIT;
    if (ma_platforms_parse(text, &platforms, &err) != 0)
        check_error(&err);
    ma_strlist_free(&platforms);
    if (ma_registry_validate(text, &err) != 0)
        check_error(&err);
    (void)ma_buildx_classify_failure(text);
    char line[128];
    ma_buildx_last_error_line(text, line, sizeof line);
    assert(strchr(line, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_config(text);
    fuzz_metadata(text);
    fuzz_index(text, size);
    fuzz_cienv(text);
    fuzz_small(text);
    free(text);
    return 0;
}
