#include "options.h"

#include <stddef.h>
#include <string.h>

#define REQ(field) offsetof(ma_cli_options, req.field)
#define OPT(field) offsetof(ma_cli_options, field)
#define ALL_CLI (MA_OPT_BUILD | MA_OPT_MERGE | MA_OPT_PROMOTE | MA_OPT_RUN)
#define BUILD_ONLY (MA_OPT_BUILD | MA_OPT_RUN | MA_OPT_PLAN)
#define EVERYWHERE (MA_OPT_BUILD | MA_OPT_MERGE | MA_OPT_PROMOTE | MA_OPT_RUN | MA_OPT_PLAN)
#define STATUS_ALL (MA_OPT_STATUS | MA_OPT_STATUS_RUN | MA_OPT_STATUS_API)
#define PRUNE (MA_OPT_PRUNE | MA_OPT_PRUNE_PY)

const ma_option ma_options[] = {
    {"component", NULL, NULL, MA_OPT_TEXT, NULL, "broker, agent, ui, or all", NULL,
     EVERYWHERE | MA_OPT_REQUIRED, REQ(component)},
    {"tag", "--tag", "TAG", MA_OPT_TEXT, MA_DEFAULT_TAG,
     "image tag: a literal (dev, v1.2.3 gives v1.2.3, v1.2, v1, latest) or 'auto' (from git and CI)", NULL,
     EVERYWHERE | MA_OPT_TAGS, REQ(tag)},
    {"tag_prefix", "--tag-prefix", "PREFIX", MA_OPT_TEXT, NULL,
     "release tags are PREFIXv1.2.3 (a monorepo's broker-v1.2.3): only those are releases, and the image tags "
     "drop the prefix [default: tag_prefix in multiarch.json, else none]",
     "tag_prefix", EVERYWHERE | MA_OPT_TAGS, REQ(tag_prefix)},
    {"version_prefix", "--version-prefix", "PREFIX", MA_OPT_TEXT, NULL,
     "the version tags' prefix: 'v' (v1.2.3, v1.2, v1) or '' (1.2.3, 1.2, 1); --tag 1.2.3 and v1.2.3 name one "
     "release [default: tags.version_prefix in multiarch.json, else v]",
     "tag_policy", EVERYWHERE | MA_OPT_TAGS, REQ(version_prefix)},
    {"sha_tag", "--sha-tag", "BOOL", MA_OPT_SWITCH, NULL,
     "true or false: the sha-<7> tag on every auto build [default: tags.sha in multiarch.json, else true]",
     "tag_policy", EVERYWHERE | MA_OPT_TAGS, REQ(sha_tag)},
    {"major_zero", "--major-zero", "BOOL", MA_OPT_SWITCH, NULL,
     "true or false: the major alias (v0) for 0.y.z releases [default: tags.major_zero in multiarch.json, else "
     "true]",
     "tag_policy", EVERYWHERE | MA_OPT_TAGS, REQ(major_zero)},
    {"latest", "--latest", "BOOL", MA_OPT_SWITCH, NULL,
     "true or false: releases move latest [default: tags.latest in multiarch.json, else true]", "tag_policy",
     EVERYWHERE | MA_OPT_TAGS, REQ(latest)},
    {"schedule_tag", "--schedule-tag", "TAG", MA_OPT_TEXT, NULL,
     "the tag of a scheduled CI run with --tag auto [default: tags.schedule in multiarch.json, else nightly]",
     "tag_policy", EVERYWHERE | MA_OPT_TAGS, REQ(schedule_tag)},
    {"registry", "--registry", "URL", MA_OPT_TEXT, NULL, "registry and namespace [default: ghcr.io/colliery-io]",
     "registry", EVERYWHERE | STATUS_ALL | PRUNE, REQ(registry)},
    {"platforms", "--platforms", "LIST", MA_OPT_TEXT, NULL,
     "comma-separated platforms [default: linux/amd64,linux/arm64 with --push, else this machine's]", NULL,
     BUILD_ONLY, REQ(platforms)},
    {"platforms", "--platforms", "LIST", MA_OPT_TEXT, NULL,
     "the platforms the index must hold, each exactly once [default: linux/amd64,linux/arm64]", NULL,
     MA_OPT_MERGE, REQ(platforms)},
    {"push", "--push", NULL, MA_OPT_FLAG, NULL, "publish to the registry", "push", BUILD_ONLY, REQ(push)},
    {"dry_run", "--dry-run", NULL, MA_OPT_FLAG, NULL, "print the tags and the exact commands, run nothing", NULL,
     ALL_CLI, OPT(dry_run)},
    {"json", "--json", NULL, MA_OPT_FLAG, NULL, "with --dry-run: print the plan as one JSON document", NULL,
     ALL_CLI, OPT(json)},
    {"builder", "--builder", "NAME", MA_OPT_TEXT, NULL, "buildx builder to use [default: brokkr-builder]",
     "builder", BUILD_ONLY, REQ(builder)},
    {"config", "--config", "PATH", MA_OPT_TEXT, NULL, "config file [default: multiarch.json in the project root]",
     "config", EVERYWHERE | MA_OPT_TAGS | STATUS_ALL | PRUNE, REQ(config_path)},
    {"jobs", "--jobs", "N", MA_OPT_COUNT, NULL, "commands run at once, e.g. the images of `all` [default: 3]", NULL,
     ALL_CLI, OPT(jobs)},
    {"retries", "--retries", "N", MA_OPT_COUNT, NULL, "retries of a transient registry failure [default: 3]", NULL,
     ALL_CLI | PRUNE, OPT(retries)},
    {"allow_overwrite", "--allow-overwrite", NULL, MA_OPT_FLAG, NULL,
     "replace an immutable tag (vX.Y.Z, sha-...) that already names another digest", NULL, ALL_CLI,
     OPT(allow_overwrite)},
    {"username", "--username", "USER", MA_OPT_TEXT, NULL,
     "user for docker login when MULTIARCH_REGISTRY_TOKEN or GITHUB_TOKEN is set [default: $GITHUB_ACTOR]", NULL,
     ALL_CLI, OPT(username)},
    {"progress", "--progress", "MODE", MA_OPT_TEXT, NULL,
     "auto, tty (a board redrawn in place) or plain (prefixed lines) [default: auto: the board at a terminal, "
     "groups and annotations in GitHub Actions, else plain]",
     NULL, ALL_CLI, OPT(progress)},
    {"push_by_digest", "--push-by-digest", NULL, MA_OPT_FLAG, NULL,
     "build one platform (--platforms), push it by digest only (no tags) and record it in --digest-dir for "
     "`angreal build merge`",
     NULL, BUILD_ONLY, OPT(push_by_digest)},
    {"digest_dir", "--digest-dir", "DIR", MA_OPT_TEXT, NULL, "with --push-by-digest: where to record the digest",
     "digest_dir", BUILD_ONLY, REQ(digest_dir)},
    {"digest_dir", "--digest-dir", "DIR", MA_OPT_TEXT, NULL,
     "the folder holding the digest files of every platform's run", "digest_dir", MA_OPT_MERGE | MA_OPT_REQUIRED,
     REQ(digest_dir)},
    {"cache_from", "--cache-from", "SPEC", MA_OPT_TEXT, NULL,
     "buildx --cache-from, or 'none' [default: the registry cache <image>:buildcache-<platforms>]", NULL,
     BUILD_ONLY, REQ(cache_from)},
    {"cache_to", "--cache-to", "SPEC", MA_OPT_TEXT, NULL,
     "buildx --cache-to, or 'none' [default with a push: <image>:buildcache-<platforms>, mode=max]", NULL,
     BUILD_ONLY, REQ(cache_to)},
    {"sign", "--sign", NULL, MA_OPT_FLAG, NULL,
     "sign each image's index digest with cosign after verification, before any tag moves", "sign", EVERYWHERE,
     REQ(sign)},
    {"sign_key", "--sign-key", "KEY", MA_OPT_TEXT, NULL,
     "with --sign: cosign --key (a file, env://VAR or a KMS URI; password in COSIGN_PASSWORD) [default: keyless, "
     "the GitHub Actions OIDC identity]",
     "sign", EVERYWHERE, REQ(sign_key)},
    {"sign_offline", "--sign-offline", NULL, MA_OPT_FLAG, NULL,
     "with --sign: no transparency log upload (private setups)", "sign", EVERYWHERE, REQ(sign_offline)},
    {"provenance", "--provenance", "MODE", MA_OPT_TEXT, NULL,
     "provenance attestation: min, max or false [default: buildx's, min where the builder supports attestations]",
     "provenance", BUILD_ONLY, REQ(provenance)},
    {"sbom", "--sbom", NULL, MA_OPT_FLAG, NULL, "attach an SBOM attestation [default: off]", "sbom", BUILD_ONLY,
     REQ(sbom)},
    {"force_move", "--force-move", NULL, MA_OPT_FLAG, NULL,
     "move branch and pr-N tags even when they name a newer commit than this run's (they move only forward "
     "otherwise)", NULL, ALL_CLI, OPT(force_move)},
    {"platforms", "--platforms", "LIST", MA_OPT_TEXT, NULL,
     "the platforms the source index must hold [default: linux/amd64,linux/arm64]", NULL, MA_OPT_PROMOTE,
     REQ(platforms)},
    {"from_", "--from", "REF", MA_OPT_TEXT, NULL,
     "the tested image to promote: its tag (sha-abc1234) or @sha256:<digest>", NULL,
     MA_OPT_PROMOTE | MA_OPT_RUN | MA_OPT_PLAN | MA_OPT_REQUIRED, REQ(promote_from)},
    {"from_registry", "--from-registry", "URL", MA_OPT_TEXT, NULL,
     "where the tested image is: registry and namespace (another repository is mounted from, another registry "
     "copied from) [default: --registry]",
     NULL, MA_OPT_PROMOTE | MA_OPT_RUN | MA_OPT_PLAN, REQ(promote_registry)},
    /* Python only: the task passes the project root, the run its own environment. */
    {"repo", NULL, NULL, MA_OPT_TEXT, NULL, "the project directory [default: the current directory]", "workdir",
     MA_OPT_RUN | MA_OPT_PLAN | MA_OPT_TAGS | MA_OPT_STATUS_RUN | MA_OPT_STATUS_API | MA_OPT_PRUNE_PY, REQ(project_dir)},
    {"env", NULL, NULL, MA_OPT_ENV, NULL, "where CI variables and tokens are read [default: os.environ]", NULL,
     MA_OPT_RUN | MA_OPT_PLAN | MA_OPT_TAGS, 0},
    {"run_dir", NULL, NULL, MA_OPT_TEXT, NULL, "where metadata files go [default: the <run-dir> stand-in]", NULL,
     MA_OPT_PLAN, REQ(run_dir)},
    {"merge", NULL, NULL, MA_OPT_FLAG, NULL, "`build merge`: the index of the records in digest_dir", "mode",
     MA_OPT_RUN | MA_OPT_PLAN, OPT(merge)},
    {"promote", NULL, NULL, MA_OPT_FLAG, NULL, "`build promote`: the index from_ names under the release's tags",
     NULL, MA_OPT_RUN | MA_OPT_PLAN, OPT(promote)},
    {"retry_backoff_ms", NULL, NULL, MA_OPT_UINT, NULL, "the first retry's delay in ms [default: 1000]", NULL,
     MA_OPT_RUN | MA_OPT_PRUNE_PY, OPT(backoff_ms)},
    /* angreal build status, status_cli() and status(): what is published (statusrun.c) */
    {"component", NULL, NULL, MA_OPT_TEXT, NULL, "broker, agent, ui, or all", NULL,
     STATUS_ALL | MA_OPT_REQUIRED, REQ(component)},
    {"sign_key", "--sign-key", "KEY", MA_OPT_TEXT, NULL,
     "releases must be signed with KEY: a release without a signature is drift, and each signature is verified "
     "with cosign (a public key file, the signing key file with COSIGN_PASSWORD, env://VAR or a KMS URI)",
     NULL, STATUS_ALL, REQ(sign_key)},
    {"sign_offline", "--sign-offline", NULL, MA_OPT_FLAG, NULL,
     "with --sign-key: the releases were signed without a transparency log; verify without one", NULL, STATUS_ALL,
     REQ(sign_offline)},
    {"json", "--json", NULL, MA_OPT_FLAG, NULL, "print the status as one JSON document (what multiarch.status() returns)",
     NULL, MA_OPT_STATUS | MA_OPT_STATUS_RUN, OPT(json)},
    {"check", "--check", NULL, MA_OPT_FLAG, NULL,
     "exit 1 when there is drift (for a scheduled CI job), 0 otherwise", NULL, MA_OPT_STATUS | MA_OPT_STATUS_RUN,
     OPT(check)},
    {"env", NULL, NULL, MA_OPT_ENV, NULL, "where tokens and DOCKER_CONFIG are read [default: os.environ]", NULL,
     MA_OPT_STATUS_RUN | MA_OPT_STATUS_API, 0},
    /* angreal build prune and multiarch.prune() */
    {"component", NULL, NULL, MA_OPT_TEXT, NULL, "broker, agent, ui, or all: whose repositories to prune", NULL,
     PRUNE | MA_OPT_REQUIRED, REQ(component)},
    {"pr", "--pr", "N", MA_OPT_COUNT, NULL, "let the pr-N tag go, and every object only it reaches", NULL, PRUNE,
     OPT(prune_pr)},
    {"untagged", "--untagged", NULL, MA_OPT_FLAG, NULL,
     "let every object no tag reaches go, where the registry lists them (GitHub Packages)", NULL, PRUNE,
     OPT(prune_untagged)},
    {"keep_sha", "--keep-sha", "N", MA_OPT_COUNT, NULL,
     "keep the newest N sha-... tags by the commit time their index records; let the older ones go", NULL, PRUNE,
     OPT(keep_sha)},
    {"yes", "--yes", NULL, MA_OPT_FLAG, NULL, "delete; without it prune only reports what it would delete", NULL,
     PRUNE, OPT(yes)},
    {"json", "--json", NULL, MA_OPT_FLAG, NULL, "print the report as one JSON document", NULL, PRUNE, OPT(json)},
    {"api", "--api", "API", MA_OPT_TEXT, NULL,
     "auto, oci (delete by digest on the registry) or github (the GitHub Packages API, with GITHUB_TOKEN and "
     "GITHUB_API_URL) [default: auto: github for ghcr.io, else oci]",
     NULL, PRUNE, OPT(api)},
    {"env", NULL, NULL, MA_OPT_ENV, NULL, "where GITHUB_TOKEN and the credentials' paths are read [default: "
     "os.environ]", NULL, MA_OPT_PRUNE_PY, 0},
};

const size_t ma_noptions = sizeof ma_options / sizeof ma_options[0];

const void *ma_option_in_request(const ma_option *row, const ma_request *req)
{
    size_t start = offsetof(ma_cli_options, req);
    if ((row->type != MA_OPT_TEXT && row->type != MA_OPT_FLAG && row->type != MA_OPT_SWITCH) || row->offset < start ||
        row->offset >= start + sizeof *req)
        return NULL;
    return (const char *)req + (row->offset - start);
}

const ma_option *ma_option_find(const char *name, unsigned where)
{
    for (size_t i = 0; i < ma_noptions; i++)
        if ((ma_options[i].where & where) != 0 && strcmp(ma_options[i].name, name) == 0)
            return &ma_options[i];
    return NULL;
}
