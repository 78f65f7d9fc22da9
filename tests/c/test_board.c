/* The terminal board (pure: rows -> lines -> frame) and the GitHub workflow commands. */
#include <stdlib.h>

#include "board.h"
#include "check.h"
#include "ghactions.h"

static size_t columns(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\033') { /* skip an SGR sequence */
            while (*p && *p != 'm')
                p++;
            continue;
        }
        n += (*p & 0xC0) != 0x80;
    }
    return n;
}

static void test_rows(void)
{
    ma_board_row rows[] = {
        {"broker", "building", "[linux/arm64 4/7] RUN cargo build --release", 12, 25, 62.4},
        {"ui", "done", "published", 9, 9, 8.25},
        {"agent", "waiting", NULL, 0, 0, 0},
    };
    ma_strlist lines = MA_STRLIST_INIT;
    CHECK(ma_board_lines(rows, 3, NULL, 120, 0, &lines) == 0 && lines.len == 3);
    CHECK_STR(lines.items[0], "broker  building   12/25     1m02s    [linux/arm64 4/7] RUN cargo build --release");
    CHECK_STR(lines.items[1], "ui      done       9/9       8.2s     published");
    CHECK_STR(lines.items[2], "agent   waiting              0.0s");
    ma_strlist_free(&lines);

    /* narrow: every line fits in width - 1 columns, colour or not */
    for (int color = 0; color < 2; color++)
        for (int width = 1; width < 90; width += 7) {
            CHECK(ma_board_lines(rows, 3, "interrupted: stopping the running builds", width, color, &lines) == 0);
            for (size_t i = 0; i < lines.len; i++)
                CHECK(columns(lines.items[i]) <= (size_t)(width > 1 ? width - 1 : 0));
            ma_strlist_free(&lines);
        }
    CHECK(ma_board_lines(rows, 1, NULL, 80, 1, &lines) == 0);
    CHECK(contains(lines.items[0], "\033[36mbuilding ") && contains(lines.items[0], "\033[0m"));
    ma_strlist_free(&lines);
}

static void test_hostile_names(void)
{
    ma_board_row rows[] = {
        {"a-component-name-much-longer-than-any-column", "building", "RUN echo \033[2J\tü日本語", 1, 2, 1},
    };
    ma_strlist lines = MA_STRLIST_INIT;
    CHECK(ma_board_lines(rows, 1, NULL, 200, 0, &lines) == 0);
    CHECK(contains(lines.items[0], "a-component-name-much-lo  building"));
    CHECK(contains(lines.items[0], "RUN echo ?[2J?ü日本語"));
    CHECK(strchr(lines.items[0], '\033') == NULL);
    ma_strlist_free(&lines);
    CHECK(ma_board_lines(rows, 1, NULL, 80, 0, &lines) == 0);
    CHECK(columns(lines.items[0]) <= 79);
    ma_strlist_free(&lines);
}

static void test_frame_and_elapsed(void)
{
    ma_strlist lines = MA_STRLIST_INIT;
    ma_strlist_push(&lines, "one");
    ma_strlist_push(&lines, "two");
    char *first = ma_board_frame(&lines, 0), *again = ma_board_frame(&lines, 2);
    CHECK_STR(first, "\r\033[2Kone\n\r\033[2Ktwo\n\033[J");
    CHECK_STR(again, "\r\033[2A\r\033[2Kone\n\r\033[2Ktwo\n\033[J");
    free(first);
    free(again);
    ma_strlist_free(&lines);
    char buf[32];
    ma_board_elapsed(3.14, buf, sizeof buf);
    CHECK_STR(buf, "3.1s");
    ma_board_elapsed(3725, buf, sizeof buf);
    CHECK_STR(buf, "1h02m");
}

static void test_workflow_commands(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ma_gha_group(f, "broker: building 100%\n");
    ma_gha_endgroup(f);
    ma_gha_annotation(f, "error", "agent build failed, a:b", "[linux/arm64 2/2] RUN x: exit code: 3\n50%");
    ma_gha_stop_commands(f, "tok");
    ma_gha_resume_commands(f, "tok");
    fclose(f);
    CHECK_STR(text, "::group::broker: building 100%25%0A\n::endgroup::\n"
                    "::error title=agent build failed%2C a%3Ab::[linux/arm64 2/2] RUN x: exit code: 3%0A50%25\n"
                    "::stop-commands::tok\n::tok::\n");
    free(text);
}

int main(void)
{
    test_rows();
    test_hostile_names();
    test_frame_and_elapsed();
    test_workflow_commands();
    return CHECK_DONE();
}
