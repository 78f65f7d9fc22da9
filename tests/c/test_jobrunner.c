/* jobrunner.c: local builds run as real short children, at most max_procs at
 * once, their lines on the log behind the component; a failure is the job's
 * result, not the loop's; an interrupt cancels what runs; a child that closes
 * its pipes and keeps running does not hold up the others. */
#include <signal.h>
#include <stdlib.h>

#include "check.h"
#include "child.h"
#include "jobrunner.h"

typedef struct {
    ma_image_plan images[3];
    ma_image_run runs[3];
    size_t n;
    char *log_text;
    size_t log_len;
    FILE *log;
} fixture;

static void add_image(fixture *f, const char *component, const char *script)
{
    ma_image_plan *ip = &f->images[f->n];
    memset(ip, 0, sizeof *ip);
    ip->component = (char *)component;
    ip->image = (char *)component;
    ma_strlist argv = sh_argv(script);
    ip->build_argv = argv;
    ma_job_init(&f->runs[f->n].job, ip, MA_MODE_LOCAL, 0, 0, 0);
    f->n++;
}

static void fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->log = open_memstream(&f->log_text, &f->log_len);
}

static int run_all(fixture *f, int max_procs, ma_error *err)
{
    ma_interrupt intr;
    if (ma_interrupt_install(&intr, err) != 0)
        return -1;
    ma_jobrunner_options opt = {max_procs, NULL, test_envp(), f->log, NULL, 0, NULL, NULL};
    int rc = ma_jobrunner_run(f->runs, f->n, &opt, &intr, err);
    ma_interrupt_restore(&intr);
    fflush(f->log);
    return rc;
}

static void fixture_close(fixture *f)
{
    for (size_t i = 0; i < f->n; i++) {
        ma_job_free(&f->runs[i].job);
        ma_strlist_free(&f->images[i].build_argv);
    }
    fclose(f->log);
    free(f->log_text);
}

static void test_results_and_log(void)
{
    fixture f;
    fixture_open(&f);
    add_image(&f, "good", "echo built it");
    add_image(&f, "bad", "echo 'ERROR: no such stage' >&2; exit 1");
    ma_error err = {0};
    CHECK(run_all(&f, 1, &err) == 0);
    CHECK(f.runs[0].result == MA_RESULT_BUILT);
    CHECK(f.runs[1].result == MA_RESULT_FAILED);
    CHECK_STR(f.runs[1].job.error, "build failed: ERROR: no such stage (exit status 1)");
    CHECK(contains(f.log_text, "[good] $ sh -c 'echo built it'\n"));
    CHECK(contains(f.log_text, "[good] built it\n"));
    CHECK(contains(f.log_text, "[bad] ERROR: no such stage\n"));
    fixture_close(&f);
}

/* One child closes its pipes and sleeps; the other keeps printing and ends first. */
static void test_a_quiet_child_does_not_stall_the_others(void)
{
    fixture f;
    fixture_open(&f);
    add_image(&f, "quiet", "exec >/dev/null 2>&1; sleep 1");
    add_image(&f, "chatty", "sleep 0.2; echo one; sleep 0.2; echo two");
    ma_error err = {0};
    long t0 = ma_monoclock_ms();
    CHECK(run_all(&f, 2, &err) == 0);
    CHECK(ma_monoclock_ms() - t0 < 8000);
    CHECK(f.runs[0].result == MA_RESULT_BUILT && f.runs[1].result == MA_RESULT_BUILT);
    CHECK(f.runs[1].seconds < f.runs[0].seconds); /* chatty finished while quiet still ran */
    CHECK(contains(f.log_text, "[chatty] one\n[chatty] two\n"));
    fixture_close(&f);
}

static void test_interrupt_cancels_the_run(void)
{
    fixture f;
    fixture_open(&f);
    add_image(&f, "slow", "sleep 30");
    add_image(&f, "silent", "exec >/dev/null 2>&1; sleep 30");
    add_image(&f, "queued", "echo never");
    ma_error err = {0};
    later_signal sig;
    later_signal_start(&sig, SIGTERM, 300);
    long t0 = ma_monoclock_ms();
    CHECK(run_all(&f, 2, &err) == -1);
    later_signal_join(&sig);
    CHECK(ma_monoclock_ms() - t0 < 8000);
    CHECK(err.kind == MA_ERR_INTERRUPTED);
    CHECK_STR(err.msg, "interrupted by SIGTERM");
    for (size_t i = 0; i < f.n; i++)
        CHECK(f.runs[i].result == MA_RESULT_CANCELLED);
    CHECK(contains(f.log_text, "interrupted: stopping the running builds"));
    CHECK(!contains(f.log_text, "never"));
    fixture_close(&f);
}

static void test_start_failure_is_the_jobs(void)
{
    fixture f;
    fixture_open(&f);
    add_image(&f, "lost", "true");
    ma_strlist_free(&f.images[0].build_argv);
    ma_strlist_push(&f.images[0].build_argv, "multiarch-no-such-program");
    ma_error err = {0};
    CHECK(run_all(&f, 1, &err) == 0);
    CHECK(f.runs[0].result == MA_RESULT_FAILED);
    CHECK_STR(f.runs[0].job.error, "multiarch-no-such-program not found on PATH");
    fixture_close(&f);
}

int main(void)
{
    test_results_and_log();
    test_a_quiet_child_does_not_stall_the_others();
    test_interrupt_cancels_the_run();
    test_start_failure_is_the_jobs();
    return CHECK_DONE();
}
