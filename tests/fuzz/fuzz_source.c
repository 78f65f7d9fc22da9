/* What becomes a label: the git remote URL (ma_source_url) and
 * SOURCE_DATE_EPOCH (ma_epoch_parse), input: one line each.  Checks: a source
 * URL starts with https://, has a host and a path, no whitespace, no '@'
 * (credentials never reach a label) and no ".git" or '/' at its end; an
 * accepted epoch formats as a 20-character RFC 3339 UTC time; the labels
 * are "org.opencontainers.image.<key>=<value>", at most one per key. */
#include "fuzz.h"
#include "labels.h"

static void check_source(const char *remote)
{
    int nomem = 0;
    char *url = ma_source_url(remote, &nomem);
    if (url == NULL)
        return;
    size_t n = strlen(url);
    FUZZ_CHECK(strncmp(url, "https://", 8) == 0);
    const char *path = strchr(url + 8, '/');
    FUZZ_CHECK(path != NULL && path > url + 8 && path[1] != '\0');
    FUZZ_CHECK(strpbrk(url, " \t\r\n@") == NULL);
    FUZZ_CHECK(url[n - 1] != '/' && (n < 4 || strcmp(url + n - 4, ".git") != 0));
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (text == NULL)
        return 0;
    char *epoch = strchr(text, '\n');
    if (epoch != NULL)
        *epoch++ = '\0';
    check_source(text);

    ma_label_inputs in = {.remote_url = text, .ci_source = epoch, .revision = "0123456789abcdef0123456789abcdef01234567",
                          .version = "v1.2.3", .title = "img"};
    if (epoch != NULL) {
        ma_error err = {MA_ERR_NONE, ""};
        long long seconds = -7;
        if (ma_epoch_parse(epoch, &seconds, &err) == 0) {
            char when[32];
            FUZZ_CHECK(seconds >= 0 && ma_rfc3339_utc(seconds, when, sizeof when) == 0 && strlen(when) == 20);
            in.have_created = 1;
            in.created = seconds;
        } else {
            fuzz_check_error(&err, MA_ERR_INPUT);
            FUZZ_CHECK(seconds == -7);
        }
    }
    ma_strlist labels = MA_STRLIST_INIT;
    ma_error err = {MA_ERR_NONE, ""};
    if (ma_labels_compute(&in, &labels, &err) == 0) {
        for (size_t i = 0; i < labels.len; i++) {
            FUZZ_CHECK(strncmp(labels.items[i], MA_LABEL_PREFIX, strlen(MA_LABEL_PREFIX)) == 0);
            const char *eq = strchr(labels.items[i], '=');
            FUZZ_CHECK(eq != NULL);
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(strncmp(labels.items[j], labels.items[i], (size_t)(eq - labels.items[i]) + 1) != 0);
        }
    }
    ma_strlist_free(&labels);
    free(text);
    return 0;
}
