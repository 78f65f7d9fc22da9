#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "board.h"
#include "env.h"
#include "ghactions.h"
#include "monoclock.h"
#include "progress.h"
#include "report.h"
#include "shquote.h"

#define REDRAW_MS 100          /* the board is redrawn at most this often */
#define GITHUB_PROGRESS_MS 30000 /* a progress line per running image at most this often */
#define TAIL_LINES 15          /* lines of a failed log shown when buildx named no step */

static const char *const ACTIVITIES[] = {"checking", "building", "pushing", "verifying", "tagging", "signing"};
#define NACTIVITIES (sizeof ACTIVITIES / sizeof ACTIVITIES[0])

typedef struct {
    char *component;
    char *log_path;
    FILE *log;
    long group_from;        /* github: where the lines not yet grouped start in the log */
    unsigned seen;          /* github: activities since the last group */
    const char *shown;      /* github: the phase its last progress line named */
    long progress_at;       /* github: when its last progress line came */
    int grouped_end;        /* github: its last group is out */
    char doing[256];        /* what its current command does, for the board */
} image_view;

struct ma_console {
    ma_view view;
    FILE *err;
    int fd, color;
    const char *const *envp;
    char dir[4096];
    FILE *setup;
    char *setup_path;
    image_view *img;
    size_t n;
    ma_image_run *runs;
    int push;               /* the export of a build is its push */
    long t0, begun, last_draw;
    int dirty;
    size_t drawn;           /* board lines on the screen */
    char footer[256];
    char token[40];         /* github: ::stop-commands:: token */
    ma_run_watch watch;
};

int ma_console_choose(const char *progress, const char *const *envp, int fd, ma_view *out, ma_error *err)
{
    if (progress == NULL || strcmp(progress, "auto") == 0) {
        const char *gha = ma_env_lookup(envp, "GITHUB_ACTIONS"), *term = ma_env_lookup(envp, "TERM");
        if (gha != NULL && strcmp(gha, "true") == 0)
            *out = MA_VIEW_GITHUB;
        else if (isatty(fd) && term != NULL && strcmp(term, "dumb") != 0)
            *out = MA_VIEW_BOARD;
        else
            *out = MA_VIEW_PLAIN;
    } else if (strcmp(progress, "tty") == 0) {
        *out = MA_VIEW_BOARD;
    } else if (strcmp(progress, "plain") == 0) {
        *out = MA_VIEW_PLAIN;
    } else {
        return ma_fail(err, MA_ERR_INPUT, "invalid --progress '%s': expected auto, tty or plain", progress);
    }
    return 0;
}

const char *ma_console_failed_step(const ma_image_run *run)
{
    const ma_rawjson_step *s = ma_rawjson_failed(&run->build);
    return run->result == MA_RESULT_FAILED && s != NULL && s->name[0] != '\0' ? s->name : NULL;
}

const char *ma_console_log_path(const ma_console *c, size_t i)
{
    return c != NULL && i < c->n ? c->img[i].log_path : NULL;
}

const char *ma_console_log_dir(const ma_console *c)
{
    return c != NULL && c->dir[0] ? c->dir : NULL;
}

/* ---- the board ---- */

static int term_width(const ma_console *c)
{
    struct winsize ws;
    if (ioctl(c->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = ma_env_lookup(c->envp, "COLUMNS");
    int w = cols != NULL ? atoi(cols) : 0;
    return w > 0 ? w : 80;
}

static const char *finished_phase(ma_result r)
{
    switch (r) {
    case MA_RESULT_FAILED:
        return "failed";
    case MA_RESULT_CANCELLED:
    case MA_RESULT_NOT_TAGGED:
    case MA_RESULT_NOT_BUILT:
        return "cancelled";
    default:
        return "done";
    }
}

/* The phase image i is in: its job's activity, or pushing while its build exports. */
static const char *phase_of(const ma_console *c, const ma_image_run *r)
{
    if (r->result != MA_RESULT_PENDING)
        return finished_phase(r->result);
    if (!r->running)
        return "waiting";
    ma_activity a = ma_job_activity(&r->job);
    if (a == MA_ACTIVITY_BUILDING && c->push && ma_rawjson_exporting(&r->build))
        return "pushing";
    return ma_job_phase_name(&r->job);
}

static void describe_result(const ma_image_run *r, char *buf, size_t size)
{
    const ma_job *job = &r->job;
    const char *failed_step = ma_console_failed_step(r);
    if (r->result == MA_RESULT_FAILED)
        snprintf(buf, size, "%s", failed_step != NULL ? failed_step : job->error);
    else if (r->result == MA_RESULT_NOT_TAGGED)
        snprintf(buf, size, "not tagged: another image failed");
    else if (r->result == MA_RESULT_NOT_BUILT)
        snprintf(buf, size, "not built: the run was refused before any build");
    else if (r->result == MA_RESULT_CANCELLED)
        snprintf(buf, size, "cancelled");
    else if (job->digest[0] != '\0')
        snprintf(buf, size, "%s %s@%s", ma_result_name(r->result), job->image->image, job->digest);
    else
        snprintf(buf, size, "%s", ma_result_name(r->result));
}

static double elapsed_of(const ma_console *c, const ma_image_run *r, long now)
{
    if (r != NULL && r->result != MA_RESULT_PENDING)
        return r->seconds;
    return (double)(now - (c->begun ? c->begun : c->t0)) / 1000.0;
}

static void draw(ma_console *c)
{
    long now = ma_monoclock_ms();
    ma_board_row *rows = calloc(c->n ? c->n : 1, sizeof *rows);
    char (*steps)[512] = calloc(c->n ? c->n : 1, sizeof *steps);
    ma_strlist lines = MA_STRLIST_INIT;
    if (rows == NULL || steps == NULL)
        goto done;
    for (size_t i = 0; i < c->n; i++) {
        const ma_image_run *r = c->runs ? &c->runs[i] : NULL;
        rows[i].component = c->img[i].component;
        rows[i].seconds = elapsed_of(c, r, now);
        rows[i].step = steps[i];
        if (r == NULL) {
            rows[i].phase = "waiting";
            continue;
        }
        rows[i].phase = phase_of(c, r);
        rows[i].done = ma_rawjson_done(&r->build);
        rows[i].total = ma_rawjson_total(&r->build);
        const ma_rawjson_step *cur = ma_rawjson_current(&r->build);
        if (r->result != MA_RESULT_PENDING)
            describe_result(r, steps[i], sizeof steps[i]);
        else if (r->running && ma_job_activity(&r->job) == MA_ACTIVITY_BUILDING && cur != NULL)
            snprintf(steps[i], sizeof steps[i], "%s", cur->name);
        else if (r->running)
            snprintf(steps[i], sizeof steps[i], "%s", c->img[i].doing);
        else if (r->waiting)
            snprintf(steps[i], sizeof steps[i], "for the other images");
    }
    if (ma_board_lines(rows, c->n, c->footer[0] ? c->footer : NULL, term_width(c), c->color, &lines) == 0) {
        char *frame = ma_board_frame(&lines, c->drawn);
        if (frame != NULL) {
            fputs(frame, c->err);
            fflush(c->err);
            c->drawn = lines.len;
        }
        free(frame);
    }
done:
    ma_strlist_free(&lines);
    free(rows);
    free(steps);
    c->dirty = 0;
    c->last_draw = now;
}

/* ---- github ---- */

static void progress_line(ma_console *c, size_t i, const char *phase)
{
    const ma_image_run *r = &c->runs[i];
    char time[32];
    ma_board_elapsed(elapsed_of(c, r, ma_monoclock_ms()), time, sizeof time);
    fprintf(c->err, "%s: %s", c->img[i].component, phase);
    const ma_rawjson_step *cur = ma_rawjson_current(&r->build);
    if (ma_job_activity(&r->job) == MA_ACTIVITY_BUILDING && ma_rawjson_total(&r->build) > 0)
        fprintf(c->err, " %zu/%zu steps, %s: %.160s", ma_rawjson_done(&r->build), ma_rawjson_total(&r->build), time,
                cur != NULL ? cur->name : "");
    else
        fprintf(c->err, ", %s", time);
    fputc('\n', c->err);
    fflush(c->err);
    c->img[i].shown = phase;
    c->img[i].progress_at = ma_monoclock_ms();
}

/* Copy the log from `from` to its end to out. */
static void copy_log(image_view *v, long from, FILE *out)
{
    if (v->log == NULL)
        return;
    fflush(v->log);
    int fd = fileno(v->log);
    char buf[8192];
    off_t at = from;
    ssize_t got;
    while ((got = pread(fd, buf, sizeof buf, at)) > 0) {
        fwrite(buf, 1, (size_t)got, out);
        at += got;
    }
}

/* The lines of image i since its last group, as one group, when there are any. */
static void flush_group(ma_console *c, size_t i)
{
    image_view *v = &c->img[i];
    if (v->log == NULL)
        return;
    fflush(v->log);
    long end = ftell(v->log);
    if (end <= v->group_from)
        return;
    /* "broker: building, pushing, verifying (1m02s)" */
    char title[512];
    size_t at = (size_t)snprintf(title, sizeof title, "%s:", v->component);
    int first = 1;
    for (size_t k = 0; k < NACTIVITIES && at < sizeof title; k++)
        if (v->seen & (1u << k)) {
            at += (size_t)snprintf(title + at, sizeof title - at, "%s%s", first ? " " : ", ", ACTIVITIES[k]);
            first = 0;
        }
    const ma_image_run *r = &c->runs[i];
    char time[32];
    ma_board_elapsed(elapsed_of(c, r, ma_monoclock_ms()), time, sizeof time);
    if (at < sizeof title)
        snprintf(title + at, sizeof title - at, "%s (%s%s)", first ? " setup" : "", time,
                 r->result == MA_RESULT_FAILED ? ", failed" : "");
    ma_gha_group(c->err, title);
    ma_gha_stop_commands(c->err, c->token);
    copy_log(v, v->group_from, c->err);
    ma_gha_resume_commands(c->err, c->token);
    ma_gha_endgroup(c->err);
    fflush(c->err);
    v->group_from = end;
    v->seen = 0;
}

static void annotate(ma_console *c, size_t i)
{
    const ma_image_run *r = &c->runs[i];
    const ma_job *job = &r->job;
    char title[256], message[2048];
    if (r->result == MA_RESULT_FAILED) {
        const char *step = ma_console_failed_step(r);
        const ma_rawjson_step *s = ma_rawjson_failed(&r->build);
        int build = ma_job_activity(job) == MA_ACTIVITY_BUILDING;
        snprintf(title, sizeof title, "%s %s failed", c->img[i].component, build ? "build" : "publish");
        if (step != NULL) {
            size_t first = strcspn(s->error, "\r\n");
            snprintf(message, sizeof message, "%s: %.*s", step, (int)first, s->error);
        } else {
            snprintf(message, sizeof message, "%s", job->error);
        }
        ma_gha_annotation(c->err, "error", title, message);
    }
    for (size_t k = 0; k < job->notes.len; k++)
        ma_gha_annotation(c->err, "notice", c->img[i].component, job->notes.items[k]);
    fflush(c->err);
}

/* ---- the watch ---- */

static void on_begin(void *ctx, ma_image_run *runs, size_t n)
{
    ma_console *c = ctx;
    c->runs = n == c->n ? runs : NULL;
    c->begun = ma_monoclock_ms();
    c->footer[0] = '\0';
    if (c->view == MA_VIEW_GITHUB) {
        ma_gha_endgroup(c->err);
        fflush(c->err);
    } else {
        draw(c);
    }
}

/* What a command does, in a few words: `starting the build`, `version`
 * (registry steps say theirs in on_registry). */
static void describe_command(const ma_strlist *argv, char *buf, size_t size)
{
    snprintf(buf, size, "%s", argv->len > 2 && strcmp(argv->items[2], "build") == 0 ? "starting the build"
                              : argv->len > 2                                      ? argv->items[2]
                                                                                   : "");
}

static void on_command(void *ctx, size_t i, const ma_strlist *argv)
{
    ma_console *c = ctx;
    if (i >= c->n)
        return;
    if (c->img[i].log != NULL) {
        ma_shquote_command(c->img[i].log, "$ ", argv);
    }
    describe_command(argv, c->img[i].doing, sizeof c->img[i].doing);
    c->dirty = 1;
}

/* A registry step: its line in the image's log; on the board, what it does now. */
static void on_registry(void *ctx, size_t i, const ma_regstep *step)
{
    ma_console *c = ctx;
    if (i >= c->n)
        return;
    char *line = ma_regstep_line(step);
    if (line == NULL)
        return;
    if (c->img[i].log != NULL)
        fprintf(c->img[i].log, "%s\n", line);
    const char *what = step->what != NULL ? step->what : "";
    snprintf(c->img[i].doing, sizeof c->img[i].doing, "%s %.*s", step->method,
             strncmp(what, "sha256:", 7) == 0 ? 19 : 100, what);
    free(line);
    c->dirty = 1;
}

static void on_line(void *ctx, size_t i, const char *line, size_t len)
{
    ma_console *c = ctx;
    if (i < c->n && c->img[i].log != NULL)
        fprintf(c->img[i].log, "%.*s\n", (int)len, line);
}

static void on_note(void *ctx, size_t i, const char *text)
{
    ma_console *c = ctx;
    if (i < c->n) {
        if (c->img[i].log != NULL)
            fprintf(c->img[i].log, "%s\n", text);
        return;
    }
    if (c->view == MA_VIEW_GITHUB) {
        fprintf(c->err, "%s\n", text);
        fflush(c->err);
    } else {
        snprintf(c->footer, sizeof c->footer, "%s", text);
        draw(c);
    }
}

static void on_changed(void *ctx, size_t i)
{
    ma_console *c = ctx;
    if (i >= c->n || c->runs == NULL)
        return;
    c->dirty = 1;
    if (c->view != MA_VIEW_GITHUB)
        return;
    const ma_image_run *r = &c->runs[i];
    image_view *v = &c->img[i];
    if (r->running) {
        const char *phase = phase_of(c, r);
        for (size_t k = 0; k < NACTIVITIES; k++)
            if (strcmp(ACTIVITIES[k], phase) == 0)
                v->seen |= 1u << k;
        if (v->shown == NULL || strcmp(v->shown, phase) != 0)
            progress_line(c, i, phase);
    } else if (r->waiting || r->result != MA_RESULT_PENDING) {
        flush_group(c, i);
        v->shown = NULL;
        if (r->result != MA_RESULT_PENDING && !v->grouped_end) {
            v->grouped_end = 1;
            annotate(c, i);
        }
    }
}

static void on_tick(void *ctx)
{
    ma_console *c = ctx;
    long now = ma_monoclock_ms();
    if (c->view == MA_VIEW_BOARD) {
        if ((c->dirty && now - c->last_draw >= REDRAW_MS) || now - c->last_draw >= 1000)
            draw(c);
        return;
    }
    for (size_t i = 0; c->runs != NULL && i < c->n; i++)
        if (c->runs[i].running && c->img[i].shown != NULL && now - c->img[i].progress_at >= GITHUB_PROGRESS_MS)
            progress_line(c, i, phase_of(c, &c->runs[i]));
}

/* ---- open, close ---- */

static void random_token(char *buf, size_t size)
{
    unsigned char raw[16] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, raw, sizeof raw) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof raw) {
        long t = ma_monoclock_ms();
        memcpy(raw, &t, sizeof t);
        int pid = getpid();
        memcpy(raw + 8, &pid, sizeof pid);
    }
    size_t at = (size_t)snprintf(buf, size, "multiarch-");
    for (size_t i = 0; i < sizeof raw && at + 2 < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%02x", raw[i]);
}

/* A file name from a component: anything but [A-Za-z0-9._-] becomes '_'. */
static char *log_path(const char *dir, const char *name)
{
    char *path = ma_strdupf("%s/%s.log", dir, name);
    for (char *p = path ? path + strlen(dir) + 1 : NULL; p != NULL && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '-' || *p == '_'))
            *p = '_';
    if (path != NULL && strcmp(path + strlen(dir) + 1, "setup.log") == 0)
        path[strlen(path) - 4] = '_'; /* a component named "setup" keeps its own log */
    return path;
}

static int open_logs(ma_console *c, const ma_plan *plan, ma_error *err)
{
    const char *tmp = ma_env_lookup(c->envp, "TMPDIR");
    snprintf(c->dir, sizeof c->dir, "%s/multiarch-logs-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(c->dir) == NULL)
        return ma_fail(err, MA_ERR_ENV, "cannot create a log directory in %s: %s", tmp != NULL ? tmp : "/tmp",
                       strerror(errno));
    for (size_t i = 0; i < c->n; i++) {
        c->img[i].log_path = log_path(c->dir, plan->images[i].component);
        if (c->img[i].log_path == NULL)
            return ma_nomem(err);
        c->img[i].log = fopen(c->img[i].log_path, "w+e");
        if (c->img[i].log == NULL)
            return ma_fail(err, MA_ERR_ENV, "cannot write the log '%s': %s", c->img[i].log_path, strerror(errno));
    }
    if (c->view == MA_VIEW_BOARD) {
        c->setup_path = ma_strdupf("%s/setup.log", c->dir);
        if (c->setup_path == NULL)
            return ma_nomem(err);
        c->setup = fopen(c->setup_path, "we");
        if (c->setup == NULL)
            return ma_fail(err, MA_ERR_ENV, "cannot write the log '%s': %s", c->setup_path, strerror(errno));
    }
    return 0;
}

int ma_console_open(ma_console **out, ma_view view, FILE *errout, const char *const *envp, const ma_plan *plan,
                    ma_error *err)
{
    *out = NULL;
    ma_console *c = calloc(1, sizeof *c);
    if (c == NULL || (c->img = calloc(plan->nimages ? plan->nimages : 1, sizeof *c->img)) == NULL) {
        free(c);
        return ma_nomem(err);
    }
    c->view = view;
    c->err = errout;
    c->fd = fileno(errout);
    c->envp = envp;
    c->n = plan->nimages;
    c->push = plan->req.push;
    c->t0 = ma_monoclock_ms();
    c->color = view == MA_VIEW_BOARD && ma_env_lookup(envp, "NO_COLOR") == NULL;
    for (size_t i = 0; i < c->n; i++)
        if ((c->img[i].component = strdup(plan->images[i].component)) == NULL) {
            ma_console_free(c);
            return ma_nomem(err);
        }
    if (view != MA_VIEW_PLAIN && open_logs(c, plan, err) != 0) {
        ma_console_free(c);
        return -1;
    }
    random_token(c->token, sizeof c->token);
    c->watch = (ma_run_watch){c, on_begin, on_command, on_line, on_note, on_changed, on_tick, on_registry};
    if (view == MA_VIEW_BOARD) {
        fputs(MA_BOARD_HIDE_CURSOR, c->err);
        snprintf(c->footer, sizeof c->footer, "checking docker, the login and the builder");
        draw(c);
    } else if (view == MA_VIEW_GITHUB) {
        ma_gha_group(c->err, "setup: docker, the login and the builder");
        fflush(c->err);
    }
    *out = c;
    return 0;
}

FILE *ma_console_setup_log(ma_console *c)
{
    return c->setup != NULL ? c->setup : c->err;
}

const ma_run_watch *ma_console_watch(ma_console *c)
{
    return c->view == MA_VIEW_PLAIN ? NULL : &c->watch;
}

int ma_console_rawjson(const ma_console *c)
{
    return c->view != MA_VIEW_PLAIN;
}

void ma_console_close(ma_console *c, const ma_image_run *runs, size_t n)
{
    (void)runs;
    (void)n;
    if (c->view == MA_VIEW_BOARD) {
        if (c->runs != NULL) {
            draw(c);
        } else {
            ma_strlist none = MA_STRLIST_INIT; /* nothing ran: the board goes */
            char *frame = ma_board_frame(&none, c->drawn);
            if (frame != NULL)
                fputs(frame, c->err);
            free(frame);
            c->drawn = 0;
        }
        fputs(MA_BOARD_SHOW_CURSOR, c->err);
    } else if (c->view == MA_VIEW_GITHUB) {
        if (c->runs == NULL)
            ma_gha_endgroup(c->err);
        for (size_t i = 0; c->runs != NULL && i < c->n; i++) {
            flush_group(c, i);
            if (c->runs[i].result != MA_RESULT_PENDING && !c->img[i].grouped_end) {
                c->img[i].grouped_end = 1;
                annotate(c, i);
            }
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->img[i].log != NULL)
            fflush(c->img[i].log);
    if (c->setup != NULL)
        fflush(c->setup);
    fflush(c->err);
}

/* The last TAIL_LINES lines of a log file. */
static void print_log_tail(FILE *out, image_view *v)
{
    if (v->log == NULL)
        return;
    fflush(v->log);
    long end = ftell(v->log), from = end > 16384 ? end - 16384 : 0;
    char *buf = malloc((size_t)(end - from) + 1);
    if (buf == NULL)
        return;
    ssize_t got = pread(fileno(v->log), buf, (size_t)(end - from), from);
    buf[got > 0 ? got : 0] = '\0';
    size_t lines = 0;
    char *start = buf + strlen(buf);
    while (start > buf && lines <= TAIL_LINES)
        if (*--start == '\n' && start[1] != '\0')
            lines++;
    if (*start == '\n')
        start++;
    for (char *line = strtok(start, "\n"); line != NULL; line = strtok(NULL, "\n"))
        fprintf(out, "  %s\n", line);
    free(buf);
}

void ma_console_epilogue(ma_console *c, const ma_image_run *runs, size_t n)
{
    if (c->view == MA_VIEW_PLAIN)
        return;
    n = n < c->n ? n : c->n;
    for (size_t i = 0; c->view == MA_VIEW_BOARD && runs != NULL && i < n; i++) {
        if (runs[i].result != MA_RESULT_FAILED)
            continue;
        const ma_rawjson_step *s = ma_rawjson_failed(&runs[i].build);
        const char *step = ma_console_failed_step(&runs[i]);
        fprintf(c->err, "\n%s failed%s%s:\n", c->img[i].component, step ? " at " : "", step ? step : "");
        if (step != NULL) {
            for (size_t k = 0; k < s->tail.len; k++)
                fprintf(c->err, "  %s\n", s->tail.items[k]);
            fprintf(c->err, "  ERROR: %s\n", s->error);
            for (size_t k = 0; k < runs[i].build.text_tail.len; k++)
                fprintf(c->err, "  %s\n", runs[i].build.text_tail.items[k]);
        } else {
            print_log_tail(c->err, &c->img[i]);
        }
    }
    fprintf(c->err, "\nLogs:\n");
    if (c->setup_path != NULL)
        fprintf(c->err, "  %-*s  %s\n", 8, "setup", c->setup_path);
    for (size_t i = 0; i < c->n; i++)
        fprintf(c->err, "  %-*s  %s\n", 8, c->img[i].component, c->img[i].log_path);
    fflush(c->err);
}

void ma_console_free(ma_console *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; c->img != NULL && i < c->n; i++) {
        if (c->img[i].log != NULL)
            fclose(c->img[i].log);
        free(c->img[i].log_path);
        free(c->img[i].component);
    }
    if (c->setup != NULL)
        fclose(c->setup);
    free(c->setup_path);
    free(c->img);
    free(c);
}
