/* Push rights before a build: the repositories a plan writes (images and
 * registry caches, deduplicated), and what counts as a push BuildKit's
 * registry refused; the background commands preflight overlaps with them. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "execgroup.h"
#include "pushrefused.h"
#include "pushrights.h"

static void image(ma_image_plan *ip, const char *component, const char *name, const char *cache_to)
{
    memset(ip, 0, sizeof *ip);
    ip->component = (char *)component;
    ip->image = (char *)name;
    CHECK(ma_strlist_push(&ip->build_argv, "docker") == 0 && ma_strlist_push(&ip->build_argv, "buildx") == 0);
    if (cache_to != NULL)
        CHECK(ma_strlist_push(&ip->build_argv, "--cache-to") == 0 && ma_strlist_push(&ip->build_argv, cache_to) == 0);
    CHECK(ma_strlist_push(&ip->build_argv, ".") == 0);
}

static void test_targets(void)
{
    ma_image_plan images[4];
    image(&images[0], "broker", "ghcr.io/acme/brokkr-broker",
          "type=registry,ref=ghcr.io/acme/brokkr-broker:buildcache-linux-amd64,mode=max");
    image(&images[1], "agent", "ghcr.io/acme/brokkr-agent", "type=registry,mode=max,ref=127.0.0.1:5000/cache/agent:bc");
    image(&images[2], "ui", "ghcr.io/acme/brokkr-ui", "type=gha,scope=ui");
    image(&images[3], "cli", "ghcr.io/acme/brokkr-cli", "acme/cli-cache@sha256:0123");
    ma_plan plan;
    memset(&plan, 0, sizeof plan);
    plan.images = images;
    plan.nimages = 4;
    ma_strlist repos = MA_STRLIST_INIT, what = MA_STRLIST_INIT;
    CHECK(ma_pushrights_targets(&plan, &repos, &what) == 0);
    CHECK(repos.len == 6 && what.len == 6);
    if (repos.len == 6 && what.len == 6) {
        CHECK_STR(repos.items[0], "ghcr.io/acme/brokkr-broker");
        CHECK_STR(what.items[0], "image broker");
        CHECK_STR(repos.items[3], "ghcr.io/acme/brokkr-cli");
        /* broker's cache is its own repository: once; type=gha writes no registry */
        CHECK_STR(repos.items[4], "127.0.0.1:5000/cache/agent");
        CHECK_STR(what.items[4], "build cache of agent");
        CHECK_STR(repos.items[5], "docker.io/acme/cli-cache");
    }
    ma_strlist_free(&repos);
    ma_strlist_free(&what);
    /* a plan that pushes nothing checks nothing (no client needed) */
    ma_error err = {0};
    CHECK(ma_pushrights_check(NULL, &plan, &err) == 0);
    for (size_t i = 0; i < 4; i++)
        ma_strlist_free(&images[i].build_argv);
}

static void test_push_refused(void)
{
    CHECK(ma_push_refused("#8 exporting to image\nERROR: failed to solve: failed to push 127.0.0.1:5000/team/app: "
                          "push access denied, repository does not exist or may require authorization: server "
                          "message: insufficient_scope: authorization failed\n"));
    CHECK(ma_push_refused("ERROR: failed to solve: failed to push ghcr.io/acme/app:v1: unexpected status from POST "
                          "request to https://ghcr.io/v2/acme/app/blobs/uploads/: 403 Forbidden\n"));
    CHECK(ma_push_refused("ERROR: failed to solve: failed to authorize: failed to fetch oauth token: unexpected "
                          "status from GET request to http://127.0.0.1:1/token?scope=repository%3Aa%3Apull%2Cpush"
                          "&service=x: 401 Unauthorized\n"));
    /* a base image that may not be pulled, a failing RUN, a registry that is down: not a refused push */
    CHECK(!ma_push_refused("ERROR: failed to solve: failed to authorize: failed to fetch anonymous token: "
                           "unexpected status from GET request to https://auth.docker.io/token?scope=repository%3A"
                           "library%2Fdebian%3Apull: 401 Unauthorized\n"));
    CHECK(!ma_push_refused("#7 pushing layers\nERROR: failed to solve: process \"/bin/sh -c false\" did not "
                           "complete successfully: exit code: 1\n"));
    CHECK(!ma_push_refused("ERROR: failed to solve: failed to push 127.0.0.1:1/a: dial tcp 127.0.0.1:1: connect: "
                           "connection refused\n"));
    CHECK(!ma_push_refused(NULL) && !ma_push_refused(""));
}

static void test_execgroup(void)
{
    ma_interrupt intr;
    ma_error err = {0};
    CHECK(ma_interrupt_install(&intr, &err) == 0);
    ma_execgroup g;
    ma_execgroup_init(&g);
    ma_strlist a = MA_STRLIST_INIT, b = MA_STRLIST_INIT, c = MA_STRLIST_INIT;
    CHECK(ma_strlist_push(&a, "true") == 0);
    CHECK(ma_strlist_push(&b, "sh") == 0 && ma_strlist_push(&b, "-c") == 0 && ma_strlist_push(&b, "echo hi; exit 3") == 0);
    CHECK(ma_strlist_push(&c, "sleep") == 0 && ma_strlist_push(&c, "30") == 0);
    ma_spawn_spec sa = {&a, NULL, NULL, NULL}, sb = {&b, NULL, NULL, NULL}, sc = {&c, NULL, NULL, NULL};
    ma_exec_output out = {NULL, NULL, 1};
    CHECK(ma_execgroup_start(&g, &sa, &out, &err) == 0 && ma_execgroup_start(&g, &sb, &out, &err) == 0);
    CHECK(ma_execgroup_wait(&g, &intr, &err) == 0);
    CHECK(g.n == 2 && g.execs[0].status == 0 && g.execs[1].status == 3);
    CHECK(g.execs[1].out.data != NULL && strcmp(g.execs[1].out.data, "hi\n") == 0);
    ma_execgroup_free(&g, SIGTERM, 1000);
    /* one no longer wanted is stopped by free */
    ma_execgroup_init(&g);
    CHECK(ma_execgroup_start(&g, &sc, &out, &err) == 0);
    pid_t pid = g.execs[0].proc.pid;
    ma_execgroup_free(&g, SIGTERM, 1000);
    CHECK(pid > 0 && kill(pid, 0) != 0);
    /* a command that cannot start adds nothing */
    ma_strlist missing = MA_STRLIST_INIT;
    CHECK(ma_strlist_push(&missing, "no-such-command-multiarch") == 0);
    ma_spawn_spec sm = {&missing, NULL, NULL, NULL};
    ma_execgroup_init(&g);
    CHECK(ma_execgroup_start(&g, &sm, &out, &err) != 0 && g.n == 0);
    ma_execgroup_free(&g, SIGTERM, 1000);
    ma_strlist_free(&a);
    ma_strlist_free(&b);
    ma_strlist_free(&c);
    ma_strlist_free(&missing);
    ma_interrupt_restore(&intr);
}

int main(void)
{
    test_targets();
    test_push_refused();
    test_execgroup();
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures != 0;
}
