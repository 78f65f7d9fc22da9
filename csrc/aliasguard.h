/* Whether a release may move a version alias (vX.Y, vX, latest) that the
 * registry already holds: never backwards.  The checkout's git tags may not
 * know a newer release (a shallow clone, a release pipeline racing another),
 * so the decision takes the version the alias names now in the registry.
 * Pure: the caller reads the registry. */
#ifndef MA_ALIASGUARD_H
#define MA_ALIASGUARD_H

typedef enum {
    MA_ALIAS_MOVE, /* point the alias at this release */
    MA_ALIAS_KEEP  /* leave it: it names a newer release */
} ma_alias_verdict;

/* 1 when tag is one of the mutable aliases a stable version release moves
 * (`vX.Y`, `vX` of that release, or `latest`); 0 for anything else (branch,
 * pr-N, dev, or a release that is no stable version). */
int ma_alias_is_guarded(const char *tag, const char *release);

/* held: the version the alias names now (its index annotation or config
 * label org.opencontainers.image.version), NULL when absent or unlabelled.
 * KEEP when held is a stable version (v1.3.0, or its Docker form
 * v1.3.0_build.5) of higher precedence than release; MOVE otherwise: an
 * older or equal version, a pre-release (pre-releases never hold aliases),
 * or content that is not a version (moved as it always was). */
ma_alias_verdict ma_alias_decide(const char *release, const char *held);

#endif
