/* Build platforms as buildx names them: os/arch[/variant].  Pure. */
#ifndef MA_PLATFORM_H
#define MA_PLATFORM_H

#include <stddef.h>

#include "error.h"
#include "strlist.h"

/* 0 when s names a known os/arch[/variant]; otherwise MA_ERR_INPUT with a
 * message naming the value and what is expected (and a hint for the usual
 * mistakes, e.g. linux/x86_64 -> linux/amd64). */
int ma_platform_validate(const char *s, ma_error *err);

/* Parse a comma-separated --platforms value into out: each entry validated,
 * none empty, none twice. */
int ma_platforms_parse(const char *csv, ma_strlist *out, ma_error *err);

/* The buildx platform of a machine named by uname(2)'s `machine` field
 * ("x86_64" -> "linux/amd64").  Returns 0, or -1 for an unknown machine. */
int ma_platform_from_machine(const char *machine, char *out, size_t outsz);

/* 1 when a and b name the same platform as containerd normalizes them:
 * linux/arm64/v8 is linux/arm64, linux/amd64/v1 is linux/amd64, and a bare
 * linux/arm is linux/arm/v7. */
int ma_platform_same(const char *a, const char *b);

/* 1 when some platform of found is the same as want. */
int ma_platforms_hold(const ma_strlist *found, const char *want);

#endif
