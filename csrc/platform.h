/* Build platforms as buildx names them: os/arch[/variant].  Pure. */
#ifndef MA_PLATFORM_H
#define MA_PLATFORM_H

#include <stddef.h>

#include "error.h"
#include "strlist.h"

/* 0 when s names a known os/arch[/variant]; otherwise MA_ERR_INPUT with a
 * message naming the value and what is expected (arm64 takes v8, v8.N, v9, v9.N; a hint for the usual
 * mistakes, e.g. linux/x86_64 -> linux/amd64). */
int ma_platform_validate(const char *s, ma_error *err);

/* Parse a comma-separated --platforms value into out: each entry validated,
 * none empty, no platform twice
 * (in any spelling ma_platform_same takes as one). */
int ma_platforms_parse(const char *csv, ma_strlist *out, ma_error *err);

/* The buildx platform of a machine named by uname(2)'s `machine` field
 * ("x86_64" -> "linux/amd64").  Returns 0, or -1 for an unknown machine. */
int ma_platform_from_machine(const char *machine, char *out, size_t outsz);

/* The longest platform name kept whole when normalised. */
#define MA_PLATFORM_MAX 128

/* p as containerd normalises it: linux/arm64/v8 and linux/arm64/v8.0 are
 * linux/arm64, linux/arm64/v9.0 is linux/arm64/v9, linux/amd64/v1 is
 * linux/amd64, and a bare linux/arm is linux/arm/v7. */
void ma_platform_normalize(const char *p, char out[MA_PLATFORM_MAX]);

/* 1 when a and b name the same platform once normalised: the one comparison
 * of platforms (parsing, the builder check, the index checks, the merge). */
int ma_platform_same(const char *a, const char *b);

/* 1 when some platform of found is the same as want. */
int ma_platforms_hold(const ma_strlist *found, const char *want);

#endif
