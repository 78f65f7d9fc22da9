/* What a person watches while a run goes, chosen once (`--progress`):
 *
 *   plain   each line behind its component (`[broker] ...`), as always: the
 *           runner writes them itself (no watch).
 *   board   a terminal: one line per image, redrawn in place (board.c), with
 *           its phase, the step buildx runs, steps done of the total, and
 *           the time; after the summary, each failed image's failing step
 *           and its last lines.
 *   github  GitHub Actions: each image's lines in a `::group::` of its own,
 *           printed whole when a phase of it ends (so concurrent images never
 *           mix inside a group), a short progress line meanwhile; a failure
 *           becomes an `::error`, a note (a kept sha- tag, a resumed
 *           release) a `::notice`.
 *
 * board and github read builds with `--progress rawjson` and write each
 * image's full log to $TMPDIR/multiarch-logs-XXXXXX/<component>.log (board:
 * and the checks before the build to setup.log), kept after the run; the
 * paths are printed at the end.  Logs hold commands and their output: the
 * registry token only ever goes to `docker login`'s stdin. */
#ifndef MA_CONSOLE_H
#define MA_CONSOLE_H

#include <stdio.h>

#include "error.h"
#include "jobrunner.h"
#include "plan.h"

typedef enum { MA_VIEW_PLAIN = 0, MA_VIEW_BOARD, MA_VIEW_GITHUB } ma_view;

/* `--progress auto|tty|plain` (NULL: auto).  auto: github when
 * GITHUB_ACTIONS=true, board when fd is a terminal and TERM is set and not
 * `dumb`, else plain.  tty: the board.  MA_ERR_INPUT for anything else. */
int ma_console_choose(const char *progress, const char *const *envp, int fd, ma_view *out, ma_error *err);

typedef struct ma_console ma_console;

/* Start watching a run of plan's images on errout (board: hides the cursor
 * and draws every image waiting; github: opens the setup group). */
int ma_console_open(ma_console **out, ma_view view, FILE *errout, const char *const *envp, const ma_plan *plan,
                    ma_error *err);

/* Where the checks before the build (preflight) write. */
FILE *ma_console_setup_log(ma_console *c);

/* The watch for the run (NULL for plain), and whether builds use rawjson. */
const ma_run_watch *ma_console_watch(ma_console *c);
int ma_console_rawjson(const ma_console *c);

/* The run ended (runs NULL: before any image ran): the last frame and the
 * cursor back (board), the remaining groups and annotations (github). */
void ma_console_close(ma_console *c, const ma_image_run *runs, size_t n);

/* After the summary: each failed image's failing step and its last lines
 * (board), and the log files. */
void ma_console_epilogue(ma_console *c, const ma_image_run *runs, size_t n);

/* The failing build step as buildx names it, when its progress was read; else NULL. */
const char *ma_console_failed_step(const ma_image_run *run);

/* The log file of image i, or NULL (plain). */
const char *ma_console_log_path(const ma_console *c, size_t i);
const char *ma_console_log_dir(const ma_console *c);

void ma_console_free(ma_console *c);

#endif
