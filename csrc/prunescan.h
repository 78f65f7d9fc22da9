/* Reading a repository whole into a graph (repograph.h), before anything is
 * decided: its tags (from the registry's tag list, or a GitHub package's
 * versions), every manifest they name, every manifest those list, and the
 * referrers of each where the registry offers the referrers API.  Any read
 * that fails fails the scan: a repository not read completely is never pruned. */
#ifndef MA_PRUNESCAN_H
#define MA_PRUNESCAN_H
#include "error.h"
#include "ghpackages.h"
#include "regclient.h"
#include "repograph.h"
#include "strlist.h"

/* versions: the package's versions (the GitHub backend: they name every
 * object, tagged or not), or NULL (a distribution registry: the tag list).
 * notes gets what a reader should know (no referrers API, a listed manifest
 * that is absent).  0, or -1 with err. */
int ma_prune_scan(ma_regclient *cl, const char *host, const char *repo, const ma_ghversions *versions,
                  ma_repograph *g, ma_strlist *notes, ma_error *err);
#endif
