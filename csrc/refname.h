/* Registry names by docker's reference grammar (distribution/reference):
 * what `--registry` may be, and the host docker will push to and log in to.
 * Pure. */
#ifndef MA_REFNAME_H
#define MA_REFNAME_H

#include <stddef.h>

#include "error.h"

/* The longest repository name (host and path) docker accepts. */
#define MA_NAME_MAX 255

/* 0 when registry is host[:port][/path] as docker reads it: a host of dot-
 * separated labels (letters, digits, inner '-'), IPv4 or a bracketed IPv6
 * address, a port 1-65535, lowercase path components ([a-z0-9] runs joined by
 * '.', '_', '__' or runs of '-'), at most MA_NAME_MAX characters.  The first
 * component must be a host (hold a '.' or a ':', be localhost, or have an
 * uppercase letter, as docker decides): otherwise docker would push to Docker
 * Hub, so it is refused with the docker.io/ spelling as a hint.
 * MA_ERR_INPUT with a one-line message otherwise. */
int ma_registry_validate(const char *registry, ma_error *err);

/* 1 when path is '/'-separated lowercase path components (an image name). */
int ma_repository_path_ok(const char *path);

/* The host docker pushes `registry`'s images to and logs in to
 * ("ghcr.io/colliery-io" -> "ghcr.io"; Docker Hub's spellings ->
 * "docker.io"), into out.  registry must have passed ma_registry_validate. */
void ma_registry_host(const char *registry, char *out, size_t outsz);

/* An image "host[:port]/repository" as the registry client names it: the
 * host (as ma_registry_host gives it) into host, and the repository after
 * the first '/' returned (pointing into image); NULL when image names no host. */
const char *ma_image_host_repo(const char *image, char *host, size_t hostsz);

#endif
