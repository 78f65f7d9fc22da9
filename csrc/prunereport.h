/* What a prune shows: per repository, what is kept and which tag keeps it,
 * what goes (or would go without --yes) and why, the tags removed, and the
 * bytes freed; as text, as one JSON document (--json, multiarch.prune()), and
 * as the GitHub step summary. */
#ifndef MA_PRUNEREPORT_H
#define MA_PRUNEREPORT_H
#include <stdio.h>

#include "error.h"
#include "prune.h"

void ma_prune_report_text(FILE *out, const ma_prune_result *r);
/* The JSON document (malloc'd), or NULL with err when out of memory. */
char *ma_prune_report_json(const ma_prune_result *r, ma_error *err);
/* A markdown table for $GITHUB_STEP_SUMMARY. */
void ma_prune_summary(FILE *out, const ma_prune_result *r);
/* Bytes in words: "512 B", "4.1 KiB", "12.3 MiB". */
void ma_bytes_words(unsigned long long n, char *out, size_t size);
#endif
