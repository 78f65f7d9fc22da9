#include "cienv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "strlist.h"

static const char *strip_prefix(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s != NULL && strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Keep the first value given for a field: earlier, more specific sources win. */
static int set_once(char **field, const char *value, size_t len)
{
    if (*field != NULL || value == NULL || len == 0)
        return 0;
    *field = strndup(value, len);
    return *field == NULL ? -1 : 0;
}

static int set_str(char **field, const char *value)
{
    return value == NULL ? 0 : set_once(field, value, strlen(value));
}

static int read_github(const char *const *envp, ma_cienv *out)
{
    const char *event = ma_env_lookup(envp, "GITHUB_EVENT_NAME");
    const char *ref = ma_env_lookup(envp, "GITHUB_REF");
    const char *ref_name = ma_env_lookup(envp, "GITHUB_REF_NAME");
    int is_pr = event != NULL && (strcmp(event, "pull_request") == 0 ||
                                  strcmp(event, "pull_request_target") == 0);
    const char *pull = strip_prefix(ref, "refs/pull/");

    if (pull != NULL) {
        /* refs/pull/123/merge: the number runs up to the next slash */
        if (set_once(&out->pr_number, pull, strcspn(pull, "/")) != 0)
            return -1;
    } else if (is_pr && ref_name != NULL && strchr(ref_name, '/') != NULL) {
        /* GITHUB_REF_NAME is "123/merge" on pull requests */
        if (set_once(&out->pr_number, ref_name, strcspn(ref_name, "/")) != 0)
            return -1;
    }
    const char *server = ma_env_lookup(envp, "GITHUB_SERVER_URL");
    const char *repository = ma_env_lookup(envp, "GITHUB_REPOSITORY");
    if (server != NULL && repository != NULL) {
        size_t n = strlen(server) + strlen(repository) + 2;
        if ((out->source_url = malloc(n)) == NULL)
            return -1;
        snprintf(out->source_url, n, "%s/%s", server, repository);
    }
    if (is_pr && (set_str(&out->pr_event, event) != 0 ||
                  set_str(&out->event_path, ma_env_lookup(envp, "GITHUB_EVENT_PATH")) != 0))
        return -1;
    if (is_pr || out->pr_number != NULL)
        return set_str(&out->branch, ma_env_lookup(envp, "GITHUB_HEAD_REF"));

    const char *tag = strip_prefix(ref, "refs/tags/");
    const char *branch = strip_prefix(ref, "refs/heads/");
    if (tag != NULL)
        return set_str(&out->ref_tag, tag);
    if (branch != NULL)
        return set_str(&out->branch, branch);
    if (ref == NULL && ref_name != NULL) {
        const char *type = ma_env_lookup(envp, "GITHUB_REF_TYPE");
        return set_str(type != NULL && strcmp(type, "tag") == 0 ? &out->ref_tag : &out->branch,
                       ref_name);
    }
    return 0;
}

static int read_gitlab(const char *const *envp, ma_cienv *out)
{
    if (set_str(&out->source_url, ma_env_lookup(envp, "CI_PROJECT_URL")) != 0)
        return -1;
    const char *mr = ma_env_lookup(envp, "CI_MERGE_REQUEST_IID");
    const char *external = ma_env_lookup(envp, "CI_EXTERNAL_PULL_REQUEST_IID");
    if (set_str(&out->pr_number, mr != NULL ? mr : external) != 0 ||
        (out->pr_number != NULL &&
         set_str(&out->pr_event, mr != NULL ? "merge_request_event" : "external_pull_request_event") != 0))
        return -1;
    if (out->pr_number != NULL)
        return set_str(&out->branch, ma_env_lookup(envp, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"));
    const char *tag = ma_env_lookup(envp, "CI_COMMIT_TAG");
    if (tag != NULL)
        return set_str(&out->ref_tag, tag);
    return set_str(&out->branch, ma_env_lookup(envp, "CI_COMMIT_REF_NAME"));
}

/* Buildkite: BUILDKITE_PULL_REQUEST is "false" or the pull request's number. */
static int read_buildkite(const char *const *envp, ma_cienv *out)
{
    if (set_str(&out->source_url, ma_env_lookup(envp, "BUILDKITE_REPO")) != 0)
        return -1;
    const char *pr = ma_env_lookup(envp, "BUILDKITE_PULL_REQUEST");
    if (pr != NULL && strcmp(pr, "false") != 0 &&
        (set_str(&out->pr_number, pr) != 0 || set_str(&out->pr_event, "pull_request") != 0))
        return -1;
    const char *tag = ma_env_lookup(envp, "BUILDKITE_TAG");
    if (out->pr_number == NULL && tag != NULL && tag[0] != '\0')
        return set_str(&out->ref_tag, tag);
    return set_str(&out->branch, ma_env_lookup(envp, "BUILDKITE_BRANCH"));
}

/* The CI systems, first match wins: a system is detected when any of its
 * variables is set (a job may export only some of them). */
static const struct {
    const char *name;
    const char *detect[6]; /* NULL-terminated */
    int (*read)(const char *const *envp, ma_cienv *out);
} CI_SYSTEMS[] = {
    {"github", {"GITHUB_ACTIONS", "GITHUB_REF", "GITHUB_REF_NAME", NULL}, read_github},
    {"gitlab", {"GITLAB_CI", "CI_COMMIT_REF_NAME", "CI_COMMIT_TAG", "CI_MERGE_REQUEST_IID",
                "CI_EXTERNAL_PULL_REQUEST_IID", NULL}, read_gitlab},
    {"buildkite", {"BUILDKITE", "BUILDKITE_BRANCH", "BUILDKITE_TAG", "BUILDKITE_PULL_REQUEST", NULL}, read_buildkite},
};

const char *ma_cienv_system_name(size_t i)
{
    return i < sizeof CI_SYSTEMS / sizeof CI_SYSTEMS[0] ? CI_SYSTEMS[i].name : NULL;
}

static int detected(const char *const *envp, const char *const *variables)
{
    for (size_t i = 0; variables[i] != NULL; i++)
        if (ma_env_lookup(envp, variables[i]) != NULL)
            return 1;
    return 0;
}

int ma_cienv_read(const char *const *envp, ma_cienv *out, ma_error *err)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof CI_SYSTEMS / sizeof CI_SYSTEMS[0]; i++) {
        if (!detected(envp, CI_SYSTEMS[i].detect))
            continue;
        if ((out->kind = ma_strdup(CI_SYSTEMS[i].name)) == NULL || CI_SYSTEMS[i].read(envp, out) != 0) {
            ma_cienv_free(out);
            return ma_nomem(err);
        }
        break;
    }
    return 0;
}

void ma_cienv_free(ma_cienv *ci)
{
    if (ci == NULL)
        return;
    free(ci->kind);
    free(ci->branch);
    free(ci->pr_number);
    free(ci->ref_tag);
    free(ci->source_url);
    free(ci->pr_event);
    free(ci->event_path);
    memset(ci, 0, sizeof *ci);
}
