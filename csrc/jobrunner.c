#include "jobrunner.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buildx.h"
#include "exec.h"
#include "jobregistry.h"
#include "monoclock.h"
#include "progress.h"

typedef struct slot slot;

/* The run's registry session, and whose step it is now (for the step lines). */
typedef struct {
    ma_jobregistry session;
    slot *current;
} registry;

struct slot {
    ma_image_run *run;
    size_t index;
    const ma_jobrunner_options *opt;
    ma_next next;
    ma_exec exec;
    ma_progress progress; /* without a watch, where exec's lines go: the log, behind the component */
    int reading_rawjson;  /* the running command is a build with --progress rawjson */
    int running;       /* exec holds a live process */
    int waiting;       /* parked at the end of a phase */
    int finished;      /* done, failed or cancelled */
    long ready_at;     /* when next may start (retry back-off) */
    long started_at;
    registry *reg;
};

/* Tell the watch runs[i] changed, with its running/waiting state current. */
static void changed(slot *s)
{
    s->run->running = s->running;
    s->run->waiting = s->waiting;
    const ma_run_watch *w = s->opt->watch;
    if (w != NULL && w->changed != NULL)
        w->changed(w->ctx, s->index);
}

static void note(const ma_jobrunner_options *opt, size_t i, const char *prefix, const char *text)
{
    if (opt->watch != NULL) {
        if (opt->watch->note != NULL)
            opt->watch->note(opt->watch->ctx, i, text);
    } else if (opt->log != NULL) {
        fprintf(opt->log, "%s%s%s%s\n", prefix ? "[" : "", prefix ? prefix : "", prefix ? "] " : "", text);
    }
}

static void finish(slot *s, ma_result result)
{
    s->finished = 1;
    s->running = s->waiting = 0;
    s->run->result = result;
    s->run->seconds = (double)(ma_monoclock_ms() - s->started_at) / 1000.0;
    changed(s);
}

/* Act on what the state machine decided. */
static void take(slot *s)
{
    switch (s->next.kind) {
    case MA_NEXT_RUN:
    case MA_NEXT_REGISTRY:
        s->ready_at = ma_monoclock_ms() + (long)s->next.delay_ms;
        break;
    case MA_NEXT_WAIT:
        s->waiting = 1;
        changed(s);
        break;
    case MA_NEXT_DONE:
        finish(s, s->run->job.mode == MA_MODE_LOCAL       ? MA_RESULT_BUILT
                  : s->run->job.mode == MA_MODE_BY_DIGEST ? MA_RESULT_PUSHED
                  : s->run->job.resume                    ? MA_RESULT_RESUMED
                                                          : MA_RESULT_PUBLISHED);
        break;
    case MA_NEXT_FAILED:
        finish(s, MA_RESULT_FAILED);
        break;
    }
}

/* A readable line of the build's rawjson progress, or any other line. */
static void show_line(void *ctx, const char *line, size_t len)
{
    slot *s = ctx;
    const ma_run_watch *w = s->opt->watch;
    char reworded[1024];
    if (ma_buildx_reword_line(line, len, reworded, sizeof reworded)) {
        line = reworded;
        len = strlen(reworded);
    }
    if (w == NULL)
        ma_progress_line(&s->progress, MA_STREAM_STDERR, line, len);
    else if (w->line != NULL)
        w->line(w->ctx, s->index, line, len);
}

static void on_line(void *ctx, ma_stream stream, const char *line, size_t len)
{
    slot *s = ctx;
    /* A read's error output is an answer for the machine ("not found" is
     * expected before a first publish): it prints what it means instead. */
    if (s->next.capture && stream == MA_STREAM_STDERR)
        return;
    if (s->reading_rawjson && stream == MA_STREAM_STDERR) {
        /* out of memory only costs progress: the build's outcome is its exit status */
        (void)ma_rawjson_feed(&s->run->build, line, len, show_line, s);
        changed(s);
    } else {
        show_line(s, line, len);
    }
}

/* The build argv with `--progress rawjson` after `docker buildx build`. */
static int add_rawjson(ma_strlist *argv)
{
    ma_strlist with = MA_STRLIST_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < argv->len; i++) {
        rc = ma_strlist_push(&with, argv->items[i]);
        if (rc == 0 && i == 2)
            rc = ma_strlist_push(&with, "--progress") || ma_strlist_push(&with, "rawjson");
    }
    if (rc != 0) {
        ma_strlist_free(&with);
        return -1;
    }
    ma_strlist_free(argv);
    *argv = with;
    return 0;
}

static int start(slot *s, const ma_jobrunner_options *opt, ma_error *err)
{
    ma_spawn_spec spec = {&s->next.argv, opt->cwd, NULL, s->next.envp != NULL ? s->next.envp : opt->envp};
    if (s->next.delay_ms > 0) {
        char text[128];
        snprintf(text, sizeof text, "retrying after a transient failure (attempt %d of %d)",
                 s->run->job.attempt + 1, s->run->job.retries + 1);
        note(opt, s->index, s->run->job.image->component, text);
    }
    int building = ma_job_activity(&s->run->job) == MA_ACTIVITY_BUILDING;
    s->reading_rawjson = opt->rawjson && building && s->next.argv.len > 3 &&
                         strcmp(s->next.argv.items[2], "build") == 0;
    if (s->reading_rawjson) {
        if (strcmp(s->next.argv.items[3], "--progress") != 0 && add_rawjson(&s->next.argv) != 0)
            return ma_nomem(err);
        ma_rawjson_free(&s->run->build); /* a build run again starts afresh */
    }
    if (opt->watch == NULL)
        ma_progress_command(&s->progress, &s->next.argv);
    else if (opt->watch->command != NULL)
        opt->watch->command(opt->watch->ctx, s->index, &s->next.argv);
    ma_exec_output output = {on_line, s, s->next.capture};
    ma_error why = {0};
    if (ma_exec_start(&s->exec, &spec, &output, &why) != 0) {
        ma_exec_free(&s->exec);
        if (why.kind == MA_ERR_NOMEM)
            return ma_nomem(err);
        snprintf(s->run->job.error, sizeof s->run->job.error, "%s", why.msg);
        finish(s, MA_RESULT_FAILED);
        return 0;
    }
    s->running = 1;
    changed(s);
    return 0;
}

static int completed(slot *s, ma_error *err)
{
    ma_outcome o = {.status = s->exec.status, .out = s->exec.out.data, .out_len = s->exec.out.len,
                    .err_text = ma_exec_stderr(&s->exec)};
    s->running = 0;
    s->reading_rawjson = 0;
    int was_read = s->next.capture;
    int rc = ma_job_continue(&s->run->job, &o, &s->next, err);
    ma_job *job = &s->run->job;
    if (rc == 0 && job->heard[0] != '\0') {
        note(s->opt, s->index, job->image->component, job->heard);
        job->heard[0] = '\0';
    } else if (rc == 0 && was_read && o.status != 0 && s->next.kind == MA_NEXT_RUN && s->next.delay_ms > 0) {
        /* a read to retry: its error output was held back, so say what failed */
        char line[512];
        ma_buildx_last_error_line(o.err_text, line, sizeof line);
        note(s->opt, s->index, job->image->component, line[0] ? line : "no error output");
    }
    ma_exec_free(&s->exec);
    if (rc == 0)
        take(s);
    return rc;
}

/* The client reports each request it answered: shown behind the image that asked. */
static void on_step(void *ctx, const ma_regstep *step)
{
    registry *r = ctx;
    slot *s = r->current;
    if (s == NULL)
        return;
    const ma_run_watch *w = s->opt->watch;
    if (w == NULL)
        ma_progress_regstep(&s->progress, step);
    else if (w->registry != NULL)
        w->registry(w->ctx, s->index, step);
}

/* One registry step, start to answer, handed back to the job. */
static int registry_step(slot *s, ma_error *err)
{
    registry *r = s->reg;
    if (s->opt->registry == NULL) {
        snprintf(s->run->job.error, sizeof s->run->job.error, "no registry session for this run");
        finish(s, MA_RESULT_FAILED);
        return 0;
    }
    ma_jobregistry_answer a;
    r->current = s;
    int rc = ma_jobregistry_ask(&r->session, &s->next, &a, err);
    r->current = NULL;
    if (rc != 0)
        return -1;
    s->run->requests += a.requests;
    rc = ma_job_continue(&s->run->job, &a.outcome, &s->next, err);
    ma_jobregistry_answer_free(&a);
    ma_job *job = &s->run->job;
    if (rc == 0 && job->heard[0] != '\0') {
        note(s->opt, s->index, job->image->component, job->heard);
        job->heard[0] = '\0';
    }
    if (rc == 0)
        take(s);
    changed(s);
    return rc;
}

static void stop_all(slot *slots, size_t n, int sig)
{
    for (size_t i = 0; i < n; i++)
        if (slots[i].running)
            ma_proc_signal(&slots[i].exec.proc, sig);
    for (size_t i = 0; i < n; i++) {
        if (slots[i].running) {
            ma_exec_stop(&slots[i].exec, sig, MA_EXEC_STOP_GRACE_MS);
            ma_exec_free(&slots[i].exec);
            slots[i].running = 0;
        }
        if (!slots[i].finished)
            finish(&slots[i], MA_RESULT_CANCELLED);
    }
}

/* All images stopped at the end of a phase: go on only if none failed. */
static int advance_phase(slot *slots, size_t n, int *phase, ma_error *err)
{
    int any_failed = 0, any_waiting = 0;
    for (size_t i = 0; i < n; i++) {
        any_failed |= slots[i].run->result == MA_RESULT_FAILED;
        any_waiting |= slots[i].waiting;
    }
    if (!any_waiting)
        return 0;
    if (any_failed) {
        for (size_t i = 0; i < n; i++)
            if (slots[i].waiting) {
                slots[i].waiting = 0;
                finish(&slots[i], ma_job_has_digest(&slots[i].run->job) ? MA_RESULT_NOT_TAGGED : MA_RESULT_NOT_BUILT);
            }
        return 0;
    }
    (*phase)++;
    for (size_t i = 0; i < n; i++) {
        if (!slots[i].waiting)
            continue;
        slots[i].waiting = 0;
        if (ma_job_begin(&slots[i].run->job, *phase, &slots[i].next, err) != 0)
            return -1;
        take(&slots[i]);
        changed(&slots[i]);
    }
    return 1;
}

/* A poll timeout from a delay in ms: never negative (that waits forever). */
static int poll_timeout(long wait_ms)
{
    return wait_ms < 0 ? -1 : wait_ms > INT_MAX ? INT_MAX : (int)wait_ms;
}

static int loop(slot *slots, size_t n, const ma_jobrunner_options *opt, ma_interrupt *intr, ma_error *err)
{
    int phase = 1;
    struct pollfd *pfd = calloc(2 * n + 1, sizeof *pfd);
    size_t *owner = calloc(2 * n + 1, sizeof *owner);
    if (pfd == NULL || owner == NULL) {
        free(pfd);
        free(owner);
        return ma_nomem(err);
    }
    int rc = 0;
    for (;;) {
        long now = ma_monoclock_ms(), wait = -1;
        int running = 0, pending = 0, asked = 0;
        for (size_t i = 0; i < n; i++)
            running += slots[i].running;
        for (size_t i = 0; i < n && rc == 0; i++) {
            slot *s = &slots[i];
            if (s->running || s->waiting || s->finished)
                continue;
            pending++;
            if (s->ready_at > now) {
                wait = wait < 0 || s->ready_at - now < wait ? s->ready_at - now : wait;
            } else if (s->next.kind == MA_NEXT_REGISTRY) {
                rc = registry_step(s, err);
                asked = 1;
            } else if (running < opt->max_procs) {
                rc = start(s, opt, err);
                running += s->running;
            }
        }
        if (rc != 0 && err->kind == MA_ERR_INTERRUPTED) {
            note(opt, MA_WATCH_RUN, NULL, "interrupted: stopping the running builds");
            stop_all(slots, n, SIGTERM);
        }
        if (rc != 0)
            break;
        if (asked)
            continue; /* the jobs that asked may have more to do at once */
        if (running == 0) {
            int more = 0;
            for (size_t i = 0; i < n; i++)
                more |= !slots[i].finished && !slots[i].waiting;
            if (more && pending)
                goto poll_now; /* only back-off timers left */
            rc = advance_phase(slots, n, &phase, err);
            if (rc <= 0)
                break;
            rc = 0;
            continue;
        }
    poll_now:;
        size_t nfd = 0;
        int timeout = poll_timeout(wait);
        if (opt->watch != NULL && (timeout < 0 || timeout > MA_WATCH_TICK_MS))
            timeout = MA_WATCH_TICK_MS;
        for (size_t i = 0; i < n; i++) {
            if (!slots[i].running)
                continue;
            size_t k = ma_exec_pollfds(&slots[i].exec, pfd + nfd, &timeout);
            for (size_t j = 0; j < k; j++)
                owner[nfd + j] = i;
            nfd += k;
        }
        pfd[nfd].fd = intr->read_fd;
        pfd[nfd].events = POLLIN;
        pfd[nfd].revents = 0;
        if (poll(pfd, nfd + 1, timeout) < 0 && errno != EINTR) {
            rc = ma_fail(err, MA_ERR_ENV, "poll failed: %s", strerror(errno));
            break;
        }
        int sig = ma_interrupt_take(intr);
        if (sig != 0) {
            note(opt, MA_WATCH_RUN, NULL, "interrupted: stopping the running builds");
            stop_all(slots, n, sig);
            rc = ma_fail(err, MA_ERR_INTERRUPTED, "interrupted by %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        /* Pump each running exec with its own poll entries; a finished one may
         * have no entries left, so pump every running slot. */
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (!slots[i].running)
                continue;
            size_t first = nfd, count = 0;
            for (size_t j = 0; j < nfd; j++)
                if (owner[j] == i) {
                    if (first == nfd)
                        first = j;
                    count++;
                }
            int done = ma_exec_pump(&slots[i].exec, pfd + (count ? first : 0), count, err);
            rc = done < 0 ? -1 : done > 0 ? completed(&slots[i], err) : 0;
        }
        if (rc != 0)
            break;
        if (opt->watch != NULL && opt->watch->tick != NULL)
            opt->watch->tick(opt->watch->ctx);
    }
    free(pfd);
    free(owner);
    return rc;
}

int ma_jobrunner_run(ma_image_run *runs, size_t n, const ma_jobrunner_options *opt, ma_interrupt *intr,
                     ma_error *err)
{
    slot *slots = calloc(n ? n : 1, sizeof *slots);
    if (slots == NULL)
        return ma_nomem(err);
    long t0 = ma_monoclock_ms();
    int rc = 0;
    ma_jobrunner_options o = *opt;
    o.max_procs = o.max_procs < 1 ? 1 : o.max_procs;
    ma_regclient_opts none = {0};
    registry reg = {{opt->registry != NULL ? *opt->registry : none, NULL}, NULL};
    reg.session.opts.intr = intr;
    reg.session.opts.on_step = on_step;
    reg.session.opts.step_ctx = &reg;
    if (opt->client != NULL) {
        reg.session.cl = opt->client;
        ma_regclient_set_step(opt->client, on_step, &reg);
    }
    if (o.watch != NULL && o.watch->begin != NULL)
        o.watch->begin(o.watch->ctx, runs, n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        slots[i].run = &runs[i];
        slots[i].index = i;
        slots[i].opt = &o;
        slots[i].started_at = t0;
        slots[i].reg = &reg;
        slots[i].progress.log = opt->log;
        slots[i].progress.prefix = runs[i].job.image->component;
        rc = ma_job_begin(&runs[i].job, 1, &slots[i].next, err);
        if (rc == 0)
            take(&slots[i]);
    }
    if (rc == 0)
        rc = loop(slots, n, &o, intr, err);
    if (rc != 0 && err->kind != MA_ERR_INTERRUPTED)
        stop_all(slots, n, SIGTERM);
    for (size_t i = 0; i < n; i++) {
        if (slots[i].running)
            ma_exec_free(&slots[i].exec);
        ma_next_clear(&slots[i].next);
    }
    free(slots);
    if (opt->client != NULL) { /* the caller's */
        ma_regclient_set_step(opt->client, NULL, NULL);
        reg.session.cl = NULL;
    }
    ma_jobregistry_free(&reg.session);
    return rc;
}
