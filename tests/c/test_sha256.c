/* SHA-256 against the FIPS 180-2 examples and lengths around the padding boundary;
 * expected values from Python's hashlib. */
#include <stdlib.h>

#include "check.h"
#include "sha256.h"

static void test_standard_vectors(void)
{
    char d[MA_DIGEST_MAX];
    ma_sha256_digest("", 0, d);
    CHECK_STR(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ma_sha256_digest("abc", 3, d);
    CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    ma_sha256_digest(two_blocks, strlen(two_blocks), d);
    CHECK_STR(d, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void)
{
    size_t n = 1000000;
    char *buf = malloc(n);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    memset(buf, 'a', n);
    char d[MA_DIGEST_MAX];
    ma_sha256_digest(buf, n, d);
    CHECK_STR(d, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(buf);
}

/* 55 bytes still fit the length in one final block; 56..63 need a second one. */
static void test_padding_boundary(void)
{
    static const struct {
        size_t len;
        const char *want;
    } cases[] = {
        {55, "sha256:9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "sha256:b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "sha256:7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "sha256:ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "sha256:635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    };
    char a[65];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char d[MA_DIGEST_MAX];
        ma_sha256_digest(a, cases[i].len, d);
        CHECK_STR(d, cases[i].want);
    }
}

/* Every byte value, over several blocks: catches sign-extension of bytes >= 0x80. */
static void test_binary_bytes(void)
{
    unsigned char buf[1024];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i & 0xff);
    char d[MA_DIGEST_MAX];
    ma_sha256_digest(buf, sizeof buf, d);
    CHECK_STR(d, "sha256:785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9");
    CHECK(ma_digest_is_valid(d));
}

static void test_digest_is_valid(void)
{
    const char *good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    CHECK(ma_digest_is_valid(good));
    CHECK(ma_digest_is_valid(
        "sha256:0000000000000000000000000000000000000000000000000000000000000000"));

    const char *bad[] = {
        "",
        "sha256:",
        "sha256",
        /* uppercase hex */
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85A",
        /* 63 and 65 hex characters */
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
        /* missing or wrong prefix */
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
        /* not hex */
        "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8 5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!ma_digest_is_valid(bad[i]));
        if (ma_digest_is_valid(bad[i]))
            fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
    }
    CHECK(!ma_digest_is_valid(NULL));
}

int main(void)
{
    test_standard_vectors();
    test_million_a();
    test_padding_boundary();
    test_binary_bytes();
    test_digest_is_valid();
    return CHECK_DONE();
}
