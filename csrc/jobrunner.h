/* The run loop: drives every image's publish state machine through its
 * phases, at most `max_procs` commands at once, streaming their output, and
 * stops everything it started on SIGINT/SIGTERM.  Registry steps are asked
 * on one client for the whole run (one connection pool, one token cache),
 * between the commands' output. */
#ifndef MA_JOBRUNNER_H
#define MA_JOBRUNNER_H

#include <stdio.h>

#include "interrupt.h"
#include "job.h"
#include "rawjson.h"
#include "regclient.h"
#include "sizes.h"

typedef enum {
    MA_RESULT_PENDING = 0,
    MA_RESULT_PUBLISHED,   /* pushed, verified, every tag points at the digest */
    MA_RESULT_RESUMED,     /* a re-run: the release was in the registry; nothing built, missing tags completed */
    MA_RESULT_BUILT,       /* local build loaded */
    MA_RESULT_PUSHED,      /* pushed by digest and verified, recorded for a merge: no tags */
    MA_RESULT_NOT_TAGGED,  /* pushed by digest and verified, but another image failed: no tag moved */
    MA_RESULT_NOT_BUILT,   /* another image's check refused the run before any build */
    MA_RESULT_FAILED,
    MA_RESULT_CANCELLED
} ma_result;

/* Every tag of the image names its digest: published now, or by an earlier run. */
#define MA_RESULT_IS_PUBLISHED(r) ((r) == MA_RESULT_PUBLISHED || (r) == MA_RESULT_RESUMED)

typedef struct {
    ma_job job;
    ma_result result;
    double seconds;
    int running;        /* one of its commands runs now */
    int waiting;        /* parked at the end of a phase, for the other images */
    ma_rawjson build;   /* its build's progress, when builds run with --progress rawjson */
    unsigned long requests; /* registry requests its steps sent (retries, pings and tokens included) */
    ma_release_size size;   /* a publish: each platform's compressed size, and latest's before (pubsizes.c) */
} ma_image_run;

/* Someone watching the run (the terminal board, GitHub groups, log files):
 * told every command and line, and when an image's state changes.  Every
 * callback may be NULL. */
typedef struct {
    void *ctx;
    void (*begin)(void *ctx, ma_image_run *runs, size_t n);     /* before anything runs */
    void (*command)(void *ctx, size_t i, const ma_strlist *argv); /* runs[i] starts argv */
    void (*line)(void *ctx, size_t i, const char *line, size_t len); /* a line it printed (rawjson: readable) */
    void (*note)(void *ctx, size_t i, const char *text);        /* i == MA_WATCH_RUN: about the whole run */
    void (*changed)(void *ctx, size_t i);                       /* runs[i]'s step, progress or state changed */
    void (*tick)(void *ctx);                                    /* at least every MA_WATCH_TICK_MS meanwhile */
    void (*registry)(void *ctx, size_t i, const ma_regstep *step); /* runs[i] asked the registry this */
} ma_run_watch;

#define MA_WATCH_RUN ((size_t)-1)
#define MA_WATCH_TICK_MS 100

typedef struct {
    int max_procs;            /* commands at once (at least 1) */
    const char *cwd;          /* where the commands run */
    const char *const *envp;  /* their environment (see ma_spawn_spec) */
    FILE *log;                /* without a watch: progress, each line behind its component; NULL: none */
    const ma_run_watch *watch; /* NULL: the log */
    int rawjson;              /* builds run with `--progress rawjson`, their stderr read into runs[i].build */
    const ma_regclient_opts *registry; /* the registry session every image's registry steps share (its
                                          intr, on_step and step_ctx are the runner's); NULL: none */
    ma_regclient *client;     /* a session made before (preflight's), used instead of making one from
                                 `registry`, and not freed; NULL: none */
    int first_phase;          /* 0 or 1: from the start; N: the runs still pending go on at phase N (a run
                                 that stopped after last_phase) */
    int last_phase;           /* 0: to the end; N: stop after phase N, the runs that got through it left
                                 waiting (pending) */
    long started_ms;          /* when the runs started (monotonic ms), for their seconds; 0: now */
} ma_jobrunner_options;

/* Run every job; returns 0 when the loop ran to its end (results say how each
 * image fared), -1 with MA_ERR_INTERRUPTED after an interrupt stopped it. */
int ma_jobrunner_run(ma_image_run *runs, size_t n, const ma_jobrunner_options *opt, ma_interrupt *intr,
                     ma_error *err);

#endif
