#!/usr/bin/env bash
# Builds the static libraries the wheel links (MULTIARCH_LIBS=vendored in
# setup.py) into build/vendor/<os>-<arch>/, from the Debian source packages
# pinned in scripts/vendor-sources.txt:
#   zlib, http-parser   what libgit2 needs (Debian's libgit2 source drops its bundled copies)
#   libgit2             without HTTPS, SSH, GSSAPI, NTLM: the task only reads local repositories
#   cJSON
#   mbedTLS, libcurl    HTTP and HTTPS only, mbedTLS the one TLS library; the CA
#                       bundle path is Debian's and Ubuntu's, fixed here rather than
#                       detected on the build machine (a manylinux image has
#                       Red Hat's): the registry client may set another
# Everything is position-independent static archives, so the extension carries
# them inside itself and needs no shared library beyond libc.  A finished
# build is reused while this script and the source list are unchanged.
# Needs: a C compiler, cmake, make, curl or python3, tar with xz/bzip2, patch.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
list=scripts/vendor-sources.txt
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
jobs=${VENDOR_JOBS:-2}
platform="$(uname -s | tr A-Z a-z)-$(uname -m)"
out="$root/build/vendor/$platform"
prefix="$out/prefix"
key=$(cat scripts/vendor.sh "$list" | python3 -c 'import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$key" ]; then
  echo "vendor: $prefix is up to date"
  exit 0
fi

downloads="$root/build/vendor/downloads"
mkdir -p "$downloads"
rm -rf "$out"
mkdir -p "$out/src" "$prefix"

sha256() { python3 -c 'import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

# fetch every pinned file once, verify it
grep -v '^#' "$list" | while read -r package file digest; do
  [ -n "$package" ] || continue
  dest="$downloads/$(basename "$file")"
  if [ ! -f "$dest" ] || [ "$(sha256 "$dest")" != "$digest" ]; then
    python3 -c 'import sys,urllib.request;urllib.request.urlretrieve(sys.argv[1],sys.argv[2])' "$mirror/pool/main/$file" "$dest.part"
    mv "$dest.part" "$dest"
  fi
  if [ "$(sha256 "$dest")" != "$digest" ]; then
    echo "vendor: $file: sha256 mismatch" >&2
    exit 1
  fi
done

# unpack a package: the .orig tarball, then debian/ with its patch series applied
unpack() {
  local package=$1 dir="$out/src/$1" orig debian
  orig=$(grep -v '^#' "$list" | awk -v p="$package" '$1==p && $2 ~ /\.orig\./ {print $2}')
  debian=$(grep -v '^#' "$list" | awk -v p="$package" '$1==p && $2 ~ /\.debian\./ {print $2}')
  mkdir -p "$dir"
  tar -xf "$downloads/$(basename "$orig")" -C "$dir" --strip-components=1
  tar -xf "$downloads/$(basename "$debian")" -C "$dir"
  if [ -f "$dir/debian/patches/series" ]; then
    sed -e 's/#.*//' "$dir/debian/patches/series" | while read -r patchfile _; do
      [ -n "$patchfile" ] || continue
      patch -d "$dir" -p1 -s -N < "$dir/debian/patches/$patchfile"
    done
  fi
}

cmake_build() {  # cmake_build <source dir> <cmake options...>
  local dir=$1; shift
  cmake -S "$dir" -B "$dir/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POLICY_VERSION_MINIMUM=3.5 "$@" >"$dir/_build.log" 2>&1 || { tail -30 "$dir/_build.log"; exit 1; }
  cmake --build "$dir/_build" -j "$jobs" >>"$dir/_build.log" 2>&1 || { tail -30 "$dir/_build.log"; exit 1; }
  cmake --install "$dir/_build" >>"$dir/_build.log" 2>&1 || { tail -30 "$dir/_build.log"; exit 1; }
}

export CFLAGS="-O2 -fPIC -fvisibility=hidden"

echo "vendor: zlib"
unpack zlib
(cd "$out/src/zlib" && ./configure --static --prefix="$prefix" >/dev/null && make -j "$jobs" libz.a >/dev/null && make install >/dev/null)

echo "vendor: http-parser"
unpack http-parser
(cd "$out/src/http-parser" && ${CC:-cc} $CFLAGS -DHTTP_PARSER_STRICT=0 -c http_parser.c -o http_parser.o \
  && ar rcs libhttp_parser.a http_parser.o && cp libhttp_parser.a "$prefix/lib/" && mkdir -p "$prefix/include" \
  && cp http_parser.h "$prefix/include/")

echo "vendor: libgit2"
unpack libgit2
cmake_build "$out/src/libgit2" -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_EXAMPLES=OFF \
  -DUSE_HTTPS=OFF -DUSE_SSH=OFF -DUSE_GSSAPI=OFF -DUSE_NTLMCLIENT=OFF -DUSE_ICONV=OFF \
  -DUSE_SHA1=CollisionDetection -DUSE_SHA256=Builtin -DUSE_HTTP_PARSER=system -DREGEX_BACKEND=regcomp \
  -DUSE_BUNDLED_ZLIB=OFF -DZLIB_ROOT="$prefix"

echo "vendor: cJSON"
unpack cjson
cmake_build "$out/src/cjson" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=OFF

echo "vendor: mbedTLS"
unpack mbedtls
cmake_build "$out/src/mbedtls" -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF \
  -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DMBEDTLS_FATAL_WARNINGS=OFF

echo "vendor: libcurl"
unpack curl
cmake_build "$out/src/curl" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DHTTP_ONLY=ON \
  -DCURL_USE_MBEDTLS=ON -DCURL_USE_OPENSSL=OFF -DCURL_ENABLE_SSL=ON -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF \
  -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF -DCURL_USE_LIBSSH2=OFF \
  -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DENABLE_MANUAL=OFF \
  -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt -DCURL_CA_PATH=/etc/ssl/certs \
  -DMBEDTLS_INCLUDE_DIRS="$prefix/include" \
  -DMBEDTLS_LIBRARY="$prefix/lib/libmbedtls.a" -DMBEDX509_LIBRARY="$prefix/lib/libmbedx509.a" \
  -DMBEDCRYPTO_LIBRARY="$prefix/lib/libmbedcrypto.a"

echo "$key" > "$prefix/.stamp"
echo "vendor: done in $prefix"
