/* The pull request number of a GitHub event payload: pull_request.number,
 * else number; absent is no error, anything else that is not a positive whole
 * number is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ghevent.h"

static void check_number_(const char *json, const char *want)
{
    char *got = (char *)"untouched";
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_ghevent_pr_number(json, strlen(json), "event.json", &got, &err) == 0);
    CHECK_STR(got, want);
    free(got);
}
#define check_number(...) CASE(check_number_(__VA_ARGS__))

static void check_refused_(const char *json, const char *why)
{
    char *got = (char *)"untouched";
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_ghevent_pr_number(json, strlen(json), "event.json", &got, &err) == -1);
    CHECK(got == NULL);
    CHECK(err.kind == MA_ERR_INPUT);
    CHECK(contains(err.msg, "event.json"));
    CHECK(contains(err.msg, why));
}
#define check_refused(...) CASE(check_refused_(__VA_ARGS__))

static void test_parse(void)
{
    check_number("{\"action\":\"opened\",\"number\":15,\"pull_request\":{\"number\":15,\"head\":{\"ref\":\"master\"}}}",
                 "15");
    check_number("{\"pull_request\":{\"number\":7}}", "7");
    check_number("{\"number\":9}", "9");                      /* the top-level number alone */
    check_number("{\"pull_request\":{\"number\":12},\"number\":99}", "12"); /* pull_request.number first */
    check_number("{\"pull_request\":{\"title\":\"x\"},\"number\":3}", "3");
    check_number("{\"number\":9007199254740991}", "9007199254740991");
    check_number("{\"ref\":\"refs/heads/master\"}", NULL);    /* a push payload: no number */
    check_number("{}", NULL);
    check_number("{\"pull_request\":null}", NULL);

    check_refused("", "not a JSON object");
    check_refused("[1]", "not a JSON object");
    check_refused("{\"number\":15", "not a JSON object");
    check_refused("{\"number\":\"15\"}", "not a positive whole number");
    check_refused("{\"number\":0}", "not a positive whole number");
    check_refused("{\"number\":-4}", "not a positive whole number");
    check_refused("{\"number\":1.5}", "not a positive whole number");
    check_refused("{\"number\":1e300}", "not a positive whole number");
    check_refused("{\"pull_request\":{\"number\":null}}", "not a positive whole number");
}

static void test_read(void)
{
    char path[] = "/tmp/ghevent-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *json = "{\"pull_request\":{\"number\":15}}";
    CHECK(write(fd, json, strlen(json)) == (ssize_t)strlen(json));
    close(fd);
    char *got = NULL;
    ma_error err = {MA_ERR_NONE, ""};
    CHECK(ma_ghevent_read(path, &got, &err) == 0);
    CHECK_STR(got, "15");
    free(got);
    unlink(path);
    CHECK(ma_ghevent_read(path, &got, &err) == -1);
    CHECK(got == NULL && err.kind == MA_ERR_ENV);
    CHECK(contains(err.msg, path));
}

int main(void)
{
    test_parse();
    test_read();
    return CHECK_DONE();
}
