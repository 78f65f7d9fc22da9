/* The board a terminal shows while a run goes: one line per image, redrawn
 * in place, as `docker buildx build` and `docker compose build` do.
 *
 * Pure: rows in, text out.  Each line fits the terminal's width (it never
 * wraps, whatever the component or step names hold: control bytes become
 * `?`, anything but ASCII counts as two columns, to be safe); colour (SGR) is
 * only on the phase, and only when asked (NO_COLOR turns it off, not the
 * redraw). */
#ifndef MA_BOARD_H
#define MA_BOARD_H

#include <stddef.h>

#include "strlist.h"

#define MA_BOARD_HIDE_CURSOR "\033[?25l"
#define MA_BOARD_SHOW_CURSOR "\033[?25h"
#define MA_BOARD_COMPONENT_MAX 24 /* a longer component name is cut */

typedef struct {
    const char *component;
    const char *phase;   /* waiting, checking, building, pushing, verifying, signing, tagging, done, failed, cancelled */
    const char *step;    /* the current step as buildx names it, or what the image does; NULL: none */
    size_t done, total;  /* steps (total 0: not shown) */
    double seconds;      /* elapsed */
} ma_board_row;

/* One line per row (then `footer` when not NULL), each at most width - 1
 * columns.  0, or -1 when out of memory. */
int ma_board_lines(const ma_board_row *rows, size_t n, const char *footer, int width, int color, ma_strlist *out);

/* The bytes that replace the previous frame (the `prev` lines just above the
 * cursor) with `lines`, leaving the cursor below them; malloc'd, NULL when
 * out of memory. */
char *ma_board_frame(const ma_strlist *lines, size_t prev);

/* "12.3s", "1m02s", "1h02m". */
void ma_board_elapsed(double seconds, char *buf, size_t size);

#endif
