"""TEST SUPPORT: a remote BuildKit for `docker buildx create --driver remote`.

dockerd embeds BuildKit and serves its gRPC API on `POST /grpc` after an
HTTP upgrade to h2c.  This proxy listens on a unix socket; for each client it
opens the docker socket, asks for that upgrade, checks the `101` answer and
then copies bytes both ways.  A buildx `remote` builder pointed at the socket
then does what a remote BuildKit does (push by digest, registry cache,
imagetools), with nothing pulled from the internet.

    python3 buildkit_proxy.py --listen /run/multiarch/buildkit.sock \
        [--docker /var/run/docker.sock] [--pidfile FILE]
"""

import argparse
import os
import signal
import socket
import sys
import threading

UPGRADE_REQUEST = (b"POST /grpc HTTP/1.1\r\nHost: docker\r\n"
                   b"Connection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n")
HEADER_LIMIT = 64 * 1024
CHUNK = 64 * 1024


def _upgrade(docker_path):
    """A socket to dockerd already switched to BuildKit's h2c gRPC stream,
    and any bytes read past the 101 answer's header."""
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.settimeout(10)
    upstream.connect(docker_path)
    upstream.sendall(UPGRADE_REQUEST)
    head = b""
    while b"\r\n\r\n" not in head:
        data = upstream.recv(4096)
        if not data or len(head) > HEADER_LIMIT:
            upstream.close()
            raise ConnectionError("dockerd closed the connection before answering /grpc")
        head += data
    header, rest = head.split(b"\r\n\r\n", 1)
    status = header.split(b"\r\n", 1)[0]
    if b" 101 " not in status + b" ":
        upstream.close()
        raise ConnectionError(f"dockerd answered /grpc with {status!r}, not 101")
    upstream.settimeout(None)
    return upstream, rest


def _pump(src, dst):
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def _serve_client(client, docker_path):
    try:
        upstream, rest = _upgrade(docker_path)
    except (OSError, ConnectionError) as exc:
        print(f"buildkit-proxy: {exc}", file=sys.stderr, flush=True)
        client.close()
        return
    if rest:
        client.sendall(rest)
    back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
    back.start()
    _pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--docker", default="/var/run/docker.sock")
    parser.add_argument("--pidfile")
    args = parser.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(args.listen)), exist_ok=True)
    try:
        os.unlink(args.listen)
    except FileNotFoundError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.listen)
    server.listen(64)
    if args.pidfile:
        with open(args.pidfile, "w", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            client, _ = server.accept()
            threading.Thread(target=_serve_client, args=(client, args.docker), daemon=True).start()
    finally:
        server.close()
        try:
            os.unlink(args.listen)
        except FileNotFoundError:
            pass


if __name__ == "__main__":
    main()
