/* The digest directory of the matrix flow: record JSON both ways, the parse
 * errors (MA_ERR_INPUT naming the file), the file name per component and
 * platform, the atomic write, and the sorted read of a folder of records
 * (with one level of artifact folders). */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "digestdir.h"

#define IMG "ghcr.io/colliery-io/brokkr-broker"
#define REV "0123456789abcdef0123456789abcdef01234567"
#define D_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D_C "sha256:3333333333333333333333333333333333333333333333333333333333333333"

/* ---- helpers ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh empty directory under /tmp (path in buf). */
static void make_tmpdir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/ma-test-digestdir-XXXXXX");
    CHECK(mkdtemp(buf) != NULL);
}

static void remove_tree(const char *dir)
{
    CHECK(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) == 0);
}

/* A record over borrowed strings (never freed with ma_digest_record_free). */
static ma_digest_record rec(const char *component, const char *platform, const char *digest, const char *revision)
{
    ma_digest_record r = {(char *)component, (char *)IMG, (char *)platform, (char *)digest, (char *)revision, NULL};
    return r;
}

/* Write `text` to dir/name. */
static void put_(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(write_file(path, text, strlen(text)) == 0);
}
#define put(...) CASE(put_(__VA_ARGS__))

static void make_subdir_(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(mkdir(path, 0777) == 0);
}
#define make_subdir(...) CASE(make_subdir_(__VA_ARGS__))

/* The names in dir, sorted and joined with ",", dot-files included. */
static void list_dir_(const char *dir, char *out, size_t size)
{
    ma_strlist names = MA_STRLIST_INIT;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            ma_strlist_push(&names, e->d_name);
    if (d != NULL)
        closedir(d);
    for (size_t i = 1; i < names.len; i++) /* insertion sort: a handful of names */
        for (size_t j = i; j > 0 && strcmp(names.items[j - 1], names.items[j]) > 0; j--) {
            char *t = names.items[j];
            names.items[j] = names.items[j - 1];
            names.items[j - 1] = t;
        }
    char *joined = ma_strlist_join(&names, ",");
    snprintf(out, size, "%s", joined != NULL ? joined : "");
    free(joined);
    ma_strlist_free(&names);
}
#define list_dir(...) CASE(list_dir_(__VA_ARGS__))

/* The JSON text of a record written by hand, for files the test plants. */
static void record_text(char *out, size_t size, const char *component, const char *platform, const char *digest)
{
    snprintf(out, size,
             "{\"component\": \"%s\", \"image\": \"" IMG "\", \"platform\": \"%s\", \"digest\": \"%s\","
             " \"revision\": \"" REV "\"}\n",
             component, platform, digest);
}

/* ---- record JSON ---- */

/* A rendered record parses back to the same fields; the file is not part of it. */
static void test_record_round_trip(void)
{
    ma_digest_record r = rec("broker", "linux/arm/v7", D_A, REV);
    r.file = (char *)"ignored.json";
    char *json = ma_digest_record_json(&r);
    CHECK(json != NULL);
    if (json == NULL)
        return;
    CHECK(!contains(json, "ignored.json"));
    ma_digest_record back;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_digest_record_parse(json, "mem", &back, &err) == 0);
    CHECK_STR(back.component, "broker");
    CHECK_STR(back.image, IMG);
    CHECK_STR(back.platform, "linux/arm/v7");
    CHECK_STR(back.digest, D_A);
    CHECK_STR(back.revision, REV);
    CHECK_STR(back.file, NULL);
    ma_digest_record_free(&back);
    CHECK(back.component == NULL && back.digest == NULL); /* free resets */
    ma_digest_record_free(&back);                        /* and twice is safe */
    free(json);

    /* an unknown revision is written as null and read back as NULL */
    r = rec("ui", "linux/amd64", D_B, NULL);
    json = ma_digest_record_json(&r);
    CHECK(json != NULL && contains(json, "\"revision\":") && contains(json, "null"));
    CHECK(json != NULL && ma_digest_record_parse(json, "mem", &back, &err) == 0);
    CHECK_STR(back.component, "ui");
    CHECK_STR(back.revision, NULL);
    ma_digest_record_free(&back);
    free(json);

    /* key order and a missing revision do not matter when reading */
    const char *hand = "{\"digest\": \"" D_C "\", \"platform\": \"linux/arm64\", \"image\": \"" IMG "\","
                       " \"component\": \"agent\"}";
    CHECK(ma_digest_record_parse(hand, "mem", &back, &err) == 0);
    CHECK_STR(back.component, "agent");
    CHECK_STR(back.digest, D_C);
    CHECK_STR(back.revision, NULL);
    ma_digest_record_free(&back);
    ma_digest_record_free(NULL);
}

/* Parsing `json` fails with MA_ERR_INPUT naming the origin and `why`, leaving no fields behind. */
static void check_parse_fails_(const char *json, const char *why, int line)
{
    ma_digest_record out;
    memset(&out, 0x5a, sizeof out); /* garbage in: the parse must reset it */
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_digest_record_parse(json, "/d/broker-linux-amd64.json", &out, &err);
    check_count++;
    int fields_clear = out.component == NULL && out.image == NULL && out.platform == NULL && out.digest == NULL &&
                       out.revision == NULL && out.file == NULL;
    if (rc != -1 || err.kind != MA_ERR_INPUT || !contains(err.msg, "/d/broker-linux-amd64.json") ||
        !contains(err.msg, why) || !fields_clear) {
        check_failures++;
        fprintf(stderr, "%s:%d: parse of %s: rc %d kind %d fields_clear %d msg: %s (want \"%s\")\n", __FILE__,
                line, json, rc, (int)err.kind, fields_clear, err.msg, why);
    }
}
#define CHECK_PARSE_FAILS(json, why) check_parse_fails_((json), (why), __LINE__)

#define FIELDS_OK "\"image\": \"" IMG "\", \"platform\": \"linux/amd64\", \"digest\": \"" D_A "\""

static void test_record_parse_errors(void)
{
    CHECK_PARSE_FAILS("not json", "is not valid JSON");
    CHECK_PARSE_FAILS("", "is not valid JSON");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", " FIELDS_OK "} trailing", "is not valid JSON");
    CHECK_PARSE_FAILS("[\"broker\"]", "is not a JSON object");
    CHECK_PARSE_FAILS("\"broker\"", "is not a JSON object");
    CHECK_PARSE_FAILS("null", "is not a JSON object");
    /* missing or mistyped fields */
    CHECK_PARSE_FAILS("{" FIELDS_OK "}", "\"component\" is missing or not a non-empty string");
    CHECK_PARSE_FAILS("{\"component\": 42, " FIELDS_OK "}", "\"component\" is missing or not a non-empty string");
    CHECK_PARSE_FAILS("{\"component\": \"\", " FIELDS_OK "}", "\"component\" is missing");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"platform\": \"linux/amd64\", \"digest\": \"" D_A "\"}",
                      "\"image\" is missing");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": null, \"platform\": \"linux/amd64\", \"digest\": \"" D_A
                      "\"}",
                      "\"image\" is missing");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": [\"linux/amd64\"],"
                      " \"digest\": \"" D_A "\"}",
                      "\"platform\" is missing");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/amd64\"}",
                      "\"digest\" is missing");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", " FIELDS_OK ", \"revision\": 7}", "\"revision\"");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", " FIELDS_OK ", \"revision\": \"\"}", "\"revision\"");
    /* unknown keys: a typo is not silently ignored */
    CHECK_PARSE_FAILS("{\"component\": \"broker\", " FIELDS_OK ", \"tag\": \"v1\"}", "unknown key \"tag\"");
    CHECK_PARSE_FAILS("{\"Component\": \"broker\", " FIELDS_OK "}", "unknown key \"Component\"");
    /* the digest must be a real one */
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/amd64\","
                      " \"digest\": \"sha256:abc\"}",
                      "\"digest\" is 'sha256:abc', not sha256:<64 lowercase hex>");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/amd64\","
                      " \"digest\": \"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                      "not sha256:<64 lowercase hex>");
    CHECK_PARSE_FAILS("{\"component\": \"broker\", \"image\": \"" IMG "\", \"platform\": \"linux/amd64\","
                      " \"digest\": \"1111111111111111111111111111111111111111111111111111111111111111\"}",
                      "not sha256:<64 lowercase hex>");
}

/* ---- file names ---- */

/* One name per component and platform; the '/'s of the platform become '-'. */
static void test_file_name(void)
{
    char name[64];
    CHECK(ma_digest_file_name("broker", "linux/arm/v7", name, sizeof name) == 0);
    CHECK_STR(name, "broker-linux-arm-v7.json");
    CHECK(ma_digest_file_name("ui", "linux/amd64", name, sizeof name) == 0);
    CHECK_STR(name, "ui-linux-amd64.json");
    /* "ui-linux-amd64.json" is 19 bytes: 20 fit, 19 do not */
    char small[20];
    CHECK(ma_digest_file_name("ui", "linux/amd64", small, 20) == 0);
    CHECK_STR(small, "ui-linux-amd64.json");
    CHECK(ma_digest_file_name("ui", "linux/amd64", small, 19) == -1);
}

/* ---- write ---- */

/* The directory is created, the record lands under its name, whole and
 * readable by others, with no temporary file left; a second write replaces it. */
static void test_write(void)
{
    char root[64], dir[128], listing[512], path[256];
    make_tmpdir(root, sizeof root);
    snprintf(dir, sizeof dir, "%s/digests", root);
    ma_error err = {MA_ERR_NONE, ""};

    ma_digest_record r = rec("broker", "linux/arm/v7", D_A, REV);
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    list_dir(dir, listing, sizeof listing);
    CHECK_STR(listing, "broker-linux-arm-v7.json");

    snprintf(path, sizeof path, "%s/broker-linux-arm-v7.json", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    char text[1024] = "";
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    CHECK(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    ma_digest_record back;
    CHECK(ma_digest_record_parse(text, path, &back, &err) == 0);
    CHECK_STR(back.digest, D_A);
    CHECK_STR(back.platform, "linux/arm/v7");
    ma_digest_record_free(&back);

    /* overwrite: same name, new digest, still one file */
    r.digest = (char *)D_B;
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    list_dir(dir, listing, sizeof listing);
    CHECK_STR(listing, "broker-linux-arm-v7.json");
    ma_digest_set set;
    CHECK(ma_digestdir_read(dir, &set, &err) == 0);
    CHECK(set.len == 1);
    if (set.len == 1)
        CHECK_STR(set.items[0].digest, D_B);
    ma_digest_set_free(&set);

    /* another platform is another file next to it */
    r = rec("broker", "linux/amd64", D_C, NULL);
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    list_dir(dir, listing, sizeof listing);
    CHECK_STR(listing, "broker-linux-amd64.json,broker-linux-arm-v7.json");

    /* the rename fails (a folder is in the way): MA_ERR_ENV naming the file,
     * and the temporary file is gone again */
    make_subdir(dir, "ui-linux-amd64.json");
    put(dir, "ui-linux-amd64.json/keep", "x");
    r = rec("ui", "linux/amd64", D_A, NULL);
    ma_error_clear(&err);
    CHECK(ma_digestdir_write(dir, &r, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    snprintf(path, sizeof path, "%s/ui-linux-amd64.json", dir);
    CHECK(contains(err.msg, path));
    list_dir(dir, listing, sizeof listing);
    CHECK_STR(listing, "broker-linux-amd64.json,broker-linux-arm-v7.json,ui-linux-amd64.json");
    remove_tree(path);

    /* a "directory" that is a file: MA_ERR_ENV naming it, nothing created */
    char file_dir[128];
    snprintf(file_dir, sizeof file_dir, "%s/plain", root);
    put(root, "plain", "x");
    ma_error_clear(&err);
    CHECK(ma_digestdir_write(file_dir, &r, &err) == -1);
    CHECK(err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, file_dir));
    list_dir(root, listing, sizeof listing);
    CHECK_STR(listing, "digests,plain");

    remove_tree(root);
}

/* ---- read ---- */

/* Files come back sorted by name, whatever order they were written in, each
 * with the name it was read from; dot-files (and leftover temp files) are skipped. */
static void test_read_sorted(void)
{
    char dir[64], text[512];
    make_tmpdir(dir, sizeof dir);
    ma_error err = {MA_ERR_NONE, ""};
    ma_digest_record r = rec("ui", "linux/arm64", D_C, REV);
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    r = rec("broker", "linux/arm64", D_B, REV);
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    r = rec("agent", "linux/amd64", D_A, NULL);
    CHECK(ma_digestdir_write(dir, &r, &err) == 0);
    put(dir, ".DS_Store", "\x01 not a record");
    put(dir, ".broker-linux-amd64.json.Ab12Cd", "{\"half\": ");
    record_text(text, sizeof text, "broker", "linux/amd64", D_A);
    put(dir, "broker-linux-amd64.json", text);

    ma_digest_set set;
    CHECK(ma_digestdir_read(dir, &set, &err) == 0);
    CHECK(set.len == 4);
    if (set.len == 4) {
        CHECK_STR(set.items[0].file, "agent-linux-amd64.json");
        CHECK_STR(set.items[0].revision, NULL);
        CHECK_STR(set.items[1].file, "broker-linux-amd64.json");
        CHECK_STR(set.items[1].digest, D_A);
        CHECK_STR(set.items[1].revision, REV);
        CHECK_STR(set.items[2].file, "broker-linux-arm64.json");
        CHECK_STR(set.items[2].platform, "linux/arm64");
        CHECK_STR(set.items[3].file, "ui-linux-arm64.json");
        CHECK_STR(set.items[3].component, "ui");
    }
    ma_digest_set_free(&set);
    CHECK(set.items == NULL && set.len == 0);
    ma_digest_set_free(&set);
    ma_digest_set_free(NULL);
    remove_tree(dir);
}

/* download-artifact without merge-multiple: one folder per artifact.  Files
 * in direct subfolders are read as "folder/name", sorted with the rest;
 * dot-folders are skipped. */
static void test_read_artifact_folders(void)
{
    char dir[64], text[512];
    make_tmpdir(dir, sizeof dir);
    make_subdir(dir, "digests-broker-linux-arm64");
    make_subdir(dir, "digests-broker-linux-amd64");
    make_subdir(dir, "empty-artifact");
    make_subdir(dir, ".git");
    record_text(text, sizeof text, "broker", "linux/arm64", D_B);
    put(dir, "digests-broker-linux-arm64/broker-linux-arm64.json", text);
    record_text(text, sizeof text, "broker", "linux/amd64", D_A);
    put(dir, "digests-broker-linux-amd64/broker-linux-amd64.json", text);
    put(dir, ".git/HEAD", "ref: refs/heads/main\n");
    record_text(text, sizeof text, "agent", "linux/amd64", D_C);
    put(dir, "agent-linux-amd64.json", text);

    ma_digest_set set;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_digestdir_read(dir, &set, &err) == 0);
    CHECK(set.len == 3);
    if (set.len == 3) {
        CHECK_STR(set.items[0].file, "agent-linux-amd64.json");
        CHECK_STR(set.items[1].file, "digests-broker-linux-amd64/broker-linux-amd64.json");
        CHECK_STR(set.items[1].digest, D_A);
        CHECK_STR(set.items[2].file, "digests-broker-linux-arm64/broker-linux-arm64.json");
        CHECK_STR(set.items[2].digest, D_B);
    }
    ma_digest_set_free(&set);
    remove_tree(dir);
}

/* Reading fails with `why` (and the set is left empty). */
static void check_read_fails_(const char *dir, const char *why1, const char *why2, int line)
{
    ma_digest_set set;
    memset(&set, 0x5a, sizeof set);
    ma_error err = {MA_ERR_NONE, ""};
    int rc = ma_digestdir_read(dir, &set, &err);
    check_count++;
    if (rc != -1 || err.kind != MA_ERR_INPUT || !contains(err.msg, why1) || !contains(err.msg, why2) ||
        set.items != NULL || set.len != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: read of %s: rc %d kind %d len %zu msg: %s (want \"%s\", \"%s\")\n", __FILE__,
                line, dir, rc, (int)err.kind, set.len, err.msg, why1, why2);
    }
}
#define CHECK_READ_FAILS(dir, why1, why2) check_read_fails_((dir), (why1), (why2), __LINE__)

/* A missing or empty directory, or one bad file among good ones, is MA_ERR_INPUT. */
static void test_read_errors(void)
{
    char dir[64], missing[128], path[256], text[512];
    make_tmpdir(dir, sizeof dir);
    snprintf(missing, sizeof missing, "%s/nope", dir);
    CHECK_READ_FAILS(missing, "cannot read digest directory", missing);

    /* empty, or holding only dot-files and empty folders */
    CHECK_READ_FAILS(dir, "is empty", dir);
    put(dir, ".keep", "");
    make_subdir(dir, "artifact");
    CHECK_READ_FAILS(dir, "is empty", "--push-by-digest");

    /* good records, then one that is not a record: the message names that file */
    record_text(text, sizeof text, "broker", "linux/amd64", D_A);
    put(dir, "broker-linux-amd64.json", text);
    put(dir, "broker-linux-arm64.json", "{\"component\": \"broker\"");
    snprintf(path, sizeof path, "%s/broker-linux-arm64.json", dir);
    CHECK_READ_FAILS(dir, path, "not valid JSON");

    /* the same inside an artifact folder */
    snprintf(path, sizeof path, "%s/broker-linux-arm64.json", dir);
    CHECK(unlink(path) == 0);
    record_text(text, sizeof text, "broker", "linux/arm64", "sha256:nope");
    put(dir, "artifact/broker-linux-arm64.json", text);
    snprintf(path, sizeof path, "%s/artifact/broker-linux-arm64.json", dir);
    CHECK_READ_FAILS(dir, path, "'sha256:nope'");

    /* a stray file that is no record at all */
    snprintf(path, sizeof path, "%s/artifact/broker-linux-arm64.json", dir);
    CHECK(unlink(path) == 0);
    put(dir, "README.md", "# digests\n");
    snprintf(path, sizeof path, "%s/README.md", dir);
    CHECK_READ_FAILS(dir, path, "not valid JSON");

    remove_tree(dir);
}

int main(void)
{
    test_record_round_trip();
    test_record_parse_errors();
    test_file_name();
    test_write();
    test_read_sorted();
    test_read_artifact_folders();
    test_read_errors();
    return CHECK_DONE();
}
