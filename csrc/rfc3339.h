/* Reading an RFC 3339 time ("2024-05-01T12:00:00Z", "...T12:00:00.5+02:00"),
 * as images record it in org.opencontainers.image.created.  Pure. */
#ifndef MA_RFC3339_H
#define MA_RFC3339_H

/* Seconds since 1970 (UTC; fractions dropped) of text.  0, or -1 when text
 * is not a complete RFC 3339 date-time (trailing text included). */
int ma_rfc3339_parse(const char *text, long long *out);

#endif
