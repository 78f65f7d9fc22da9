/* CI variables (ma_cienv_read, ma_env_lookup), input: an environment block,
 * NAME=value entries separated by newlines or NUL bytes (as /proc/PID/environ).
 * Checks: reading never fails but for memory; kind is NULL or a name of
 * cienv.c's table of CI systems, and with no CI every field is NULL; each field is non-empty and
 * taken from some value in the block; a GitHub push of refs/tags/X gives
 * ref_tag X; ma_env_lookup finds each name's first entry; and the result fed
 * to the tag rules gives valid tags or a one-line input/environment error. */
#include "cienv.h"
#include "env.h"
#include "fuzz.h"
#include "tagrules.h"

#define MAX_ENTRIES 64

static void check_field(const char *field, const char *block, size_t size)
{
    if (field != NULL)
        FUZZ_CHECK(field[0] != '\0' && memmem(block, size, field, strlen(field)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *block = fuzz_cstr(data, size);
    if (block == NULL)
        return 0;
    const char *envp[MAX_ENTRIES + 1];
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        if (block[i] == '\n')
            block[i] = '\0';
    for (const char *e = block; e < block + size && n < MAX_ENTRIES; e += strlen(e) + 1)
        if (*e != '\0')
            envp[n++] = e;
    envp[n] = NULL;

    ma_cienv ci;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_cienv_read(envp, &ci, &err) != 0) {
        FUZZ_CHECK(err.kind == MA_ERR_NOMEM);
        free(block);
        return 0;
    }
    int known_kind = ci.kind == NULL;
    for (size_t i = 0; ma_cienv_system_name(i) != NULL; i++)
        known_kind |= ci.kind != NULL && strcmp(ci.kind, ma_cienv_system_name(i)) == 0;
    FUZZ_CHECK(known_kind);
    if (ci.kind == NULL)
        FUZZ_CHECK(ci.branch == NULL && ci.pr_number == NULL && ci.ref_tag == NULL);
    check_field(ci.branch, block, size);
    check_field(ci.pr_number, block, size);
    check_field(ci.ref_tag, block, size);

    const char *ref = ma_env_lookup(envp, "GITHUB_REF"), *event = ma_env_lookup(envp, "GITHUB_EVENT_NAME");
    if (ref != NULL && strncmp(ref, "refs/tags/", 10) == 0 && ref[10] != '\0' &&
        (event == NULL || strncmp(event, "pull_request", 12) != 0))
        FUZZ_CHECK(ci.ref_tag != NULL && strcmp(ci.ref_tag, ref + 10) == 0);

    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(envp[i], '=');
        if (eq == NULL || eq == envp[i])
            continue;
        char name[64];
        size_t len = (size_t)(eq - envp[i]);
        if (len >= sizeof name)
            continue;
        memcpy(name, envp[i], len);
        name[len] = '\0';
        size_t first = 0;
        while (strncmp(envp[first], name, len) != 0 || envp[first][len] != '=')
            first++;
        const char *got = ma_env_lookup(envp, name);
        FUZZ_CHECK(got == (envp[first][len + 1] ? envp[first] + len + 1 : NULL));
    }

    ma_tag_inputs in = {.requested = "auto", .head_sha = "0123456789abcdef0123456789abcdef01234567",
                        .branch = ci.branch, .pr_number = ci.pr_number, .ref_tag = ci.ref_tag,
                        .pr_event = ci.pr_event};
    ma_strlist tags = MA_STRLIST_INIT;
    if (ma_tags_compute(&in, &tags, &err) == 0) {
        for (size_t i = 0; i < tags.len; i++)
            FUZZ_CHECK(ma_tag_is_valid(tags.items[i]));
    } else {
        FUZZ_CHECK(err.kind == MA_ERR_INPUT || err.kind == MA_ERR_ENV || err.kind == MA_ERR_NOMEM);
        FUZZ_CHECK(strchr(err.msg, '\n') == NULL);
    }
    ma_strlist_free(&tags);
    ma_cienv_free(&ci);
    free(block);
    return 0;
}
