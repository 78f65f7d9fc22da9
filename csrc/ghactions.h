/* GitHub Actions workflow commands, written to the job's log: collapsible
 * groups and annotations (GitHub's "Workflow commands for GitHub Actions").
 * Message data escapes `%`, CR and LF; property values (title=) also `:` and
 * `,`.  Lines a build prints are shown between `::stop-commands::<token>`
 * and `::<token>::`, so a build cannot issue workflow commands. */
#ifndef MA_GHACTIONS_H
#define MA_GHACTIONS_H

#include <stdio.h>

/* Escaped data or property value, as the workflow-command format requires. */
void ma_gha_put_data(FILE *out, const char *text);
void ma_gha_put_property(FILE *out, const char *text);

/* `::group::<title>` and `::endgroup::`. */
void ma_gha_group(FILE *out, const char *title);
void ma_gha_endgroup(FILE *out);

/* `::<kind> title=<title>::<message>` (kind: error, warning, notice). */
void ma_gha_annotation(FILE *out, const char *kind, const char *title, const char *message);

/* `::stop-commands::<token>` and `::<token>::`: what lies between is only text. */
void ma_gha_stop_commands(FILE *out, const char *token);
void ma_gha_resume_commands(FILE *out, const char *token);

#endif
