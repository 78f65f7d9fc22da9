#include "board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ma_board_elapsed(double s, char *buf, size_t size)
{
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(buf, size, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, size, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

typedef struct {
    char *text;
    size_t len, cap;
    int left; /* columns still free */
    int failed;
} line_buf;

static void put(line_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->text, cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->text = grown;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

/* Length of the UTF-8 sequence starting at s (1 for a stray byte). */
static size_t seq_len(const unsigned char *s, size_t avail)
{
    size_t n = s[0] >= 0xF0 && s[0] < 0xF8 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    if (n > avail)
        return 1;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* Text into the line, at most `cols` columns of it (and the line's room),
 * padded with blanks to `pad` columns; control bytes become '?'. */
static void field(line_buf *b, const char *s, int cols, int pad)
{
    int used = 0;
    size_t avail = s ? strlen(s) : 0;
    for (size_t i = 0; i < avail;) {
        const unsigned char *c = (const unsigned char *)s + i;
        size_t n = c[0] < 0x80 ? 1 : seq_len(c, avail - i);
        int w = c[0] < 0x80 ? 1 : 2;
        if (used + w > cols || w > b->left)
            break;
        if (c[0] < 0x20 || c[0] == 0x7f || (c[0] >= 0x80 && n == 1))
            put(b, "?", 1);
        else
            put(b, (const char *)c, n);
        used += w;
        b->left -= w;
        i += n;
    }
    for (; used < pad && b->left > 0; used++, b->left--)
        put(b, " ", 1);
}

static const char *phase_color(const char *phase)
{
    if (strcmp(phase, "done") == 0)
        return "\033[32m";
    if (strcmp(phase, "failed") == 0)
        return "\033[31m";
    if (strcmp(phase, "cancelled") == 0)
        return "\033[33m";
    if (strcmp(phase, "waiting") == 0)
        return "\033[2m";
    return "\033[36m";
}

static char *row_line(const ma_board_row *r, int comp_w, int width, int color)
{
    line_buf b = {NULL, 0, 0, width - 1 > 0 ? width - 1 : 0, 0};
    put(&b, "", 0);
    field(&b, r->component, comp_w, comp_w);
    field(&b, "  ", 2, 2);
    const char *phase = r->phase ? r->phase : "";
    if (color && b.left > 0)
        put(&b, phase_color(phase), strlen(phase_color(phase)));
    field(&b, phase, 9, 9);
    if (color && b.left >= 0)
        put(&b, "\033[0m", 4);
    char steps[48] = "", time[32];
    if (r->total > 0)
        snprintf(steps, sizeof steps, "%zu/%zu", r->done, r->total);
    ma_board_elapsed(r->seconds, time, sizeof time);
    field(&b, "  ", 2, 2);
    field(&b, steps, 9, 9);
    field(&b, " ", 1, 1);
    field(&b, time, 7, 7);
    if (r->step != NULL && r->step[0] != '\0') {
        field(&b, "  ", 2, 2);
        field(&b, r->step, width, 0);
    }
    /* no trailing blanks */
    while (!b.failed && b.len > 0 && b.text[b.len - 1] == ' ')
        b.text[--b.len] = '\0';
    if (b.failed) {
        free(b.text);
        return NULL;
    }
    return b.text;
}

int ma_board_lines(const ma_board_row *rows, size_t n, const char *footer, int width, int color, ma_strlist *out)
{
    int comp_w = 1;
    for (size_t i = 0; i < n; i++) {
        int len = (int)strlen(rows[i].component ? rows[i].component : "");
        comp_w = len > comp_w ? len : comp_w;
    }
    comp_w = comp_w > MA_BOARD_COMPONENT_MAX ? MA_BOARD_COMPONENT_MAX : comp_w;
    for (size_t i = 0; i < n; i++) {
        char *line = row_line(&rows[i], comp_w, width, color);
        int rc = line == NULL || ma_strlist_push(out, line);
        free(line);
        if (rc)
            return -1;
    }
    if (footer != NULL) {
        line_buf b = {NULL, 0, 0, width - 1 > 0 ? width - 1 : 0, 0};
        put(&b, "", 0);
        field(&b, footer, width, 0);
        int rc = b.failed || ma_strlist_push(out, b.text);
        free(b.text);
        if (rc)
            return -1;
    }
    return 0;
}

char *ma_board_frame(const ma_strlist *lines, size_t prev)
{
    size_t size = 32;
    for (size_t i = 0; i < lines->len; i++)
        size += strlen(lines->items[i]) + 8;
    char *frame = malloc(size), *p = frame;
    if (frame == NULL)
        return NULL;
    p[0] = '\0';
    if (prev > 0)
        p += sprintf(p, "\r\033[%zuA", prev);
    for (size_t i = 0; i < lines->len; i++)
        p += sprintf(p, "\r\033[2K%s\n", lines->items[i]);
    strcpy(p, "\033[J");
    return frame;
}
