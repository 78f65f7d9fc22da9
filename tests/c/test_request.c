/* The request's copy (request.c) against the option table: every string
 * option the request holds is duplicated and freed, nothing else is shared. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "options.h"
#include "request.h"

static void test_copy_owns_every_string_of_the_table(void)
{
    char names[64][32];
    const char *envp[] = {"GITHUB_TOKEN=secret", NULL};
    ma_request req = {.envp = envp, .git_cache = (ma_gitcache *)&req, .push = 1, .mode = MA_MODE_MERGE,
                      .sbom = 1, .sign_offline = 1};
    size_t ntext = 0;
    for (size_t i = 0; i < ma_noptions && ntext < 64; i++) {
        const char **field = (const char **)ma_option_in_request(&ma_options[i], &req);
        if (field != NULL && ma_options[i].type == MA_OPT_TEXT && *field == NULL) {
            snprintf(names[ntext], sizeof names[ntext], "value of %s", ma_options[i].name);
            *field = names[ntext++];
        }
    }
    CHECK(ntext >= 14); /* component ... sign_key: each text option of the request has a row */

    ma_request copy;
    CHECK(ma_request_copy(&copy, &req) == 0);
    CHECK(copy.envp == NULL && copy.git_cache == NULL);
    CHECK(copy.push == 1 && copy.mode == MA_MODE_MERGE && copy.sbom == 1 && copy.sign_offline == 1 && copy.sign == 0);
    for (size_t i = 0; i < ma_noptions; i++) {
        const ma_option *row = &ma_options[i];
        const char *const *mine = ma_option_in_request(row, &copy), *const *theirs = ma_option_in_request(row, &req);
        if (mine == NULL || row->type != MA_OPT_TEXT)
            continue;
        CHECK_STR(*mine, *theirs);
        if (*mine == *theirs)
            fprintf(stderr, "  option '%s' is shared, not copied\n", row->name);
        CHECK(*mine != *theirs);
    }
    ma_request_free(&copy);
    CHECK(copy.component == NULL && copy.sign_key == NULL && copy.push == 0);
    ma_request_free(&copy);
    ma_request_free(NULL);
}

static void test_rows_outside_the_request(void)
{
    ma_request req = {0};
    CHECK(ma_option_in_request(ma_option_find("jobs", MA_OPT_RUN), &req) == NULL);
    CHECK(ma_option_in_request(ma_option_find("merge", MA_OPT_RUN), &req) == NULL);
    CHECK(ma_option_in_request(ma_option_find("env", MA_OPT_RUN), &req) == NULL);
    CHECK(ma_option_in_request(ma_option_find("registry", MA_OPT_RUN), &req) == (const void *)&req.registry);
    CHECK(ma_option_in_request(ma_option_find("sbom", MA_OPT_RUN), &req) == (const void *)&req.sbom);
    CHECK(ma_option_in_request(ma_option_find("repo", MA_OPT_PLAN), &req) == (const void *)&req.project_dir);
}

int main(void)
{
    test_copy_owns_every_string_of_the_table();
    test_rows_outside_the_request();
    return CHECK_DONE();
}
