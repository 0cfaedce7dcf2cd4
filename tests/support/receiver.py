#!/usr/bin/env python3
"""An HTTP receiver for the channels' integration tests (standard library only).

Usage: receiver.py LOG_FILE

Listens on 127.0.0.1 on a port the OS chooses and prints that port on stdout when ready.
Every request is appended to LOG_FILE as one JSON line:
    {"time": unix seconds (float), "method", "path", "headers": {lowercase name: value},
     "body": text}
The first segment of the path says how to answer, so that each test picks its behaviour
by URL:
    /200/...        200 "ok" (any 3-digit status works: /500/, /410/, /204/ ...)
    /301/...        301 with Location: /200/redirected (must never be followed)
    /redirect-302/... 302 (or the status after the dash) with an absolute Location on
                    loopback, this receiver's /200/redirected-302 (must never be followed)
    /429-7/...      429 with Retry-After: 7 (any number of seconds after the dash)
    /fail-once/...  500 the first time this exact path is asked, 200 after that
    /hang/...       reads the request, then never answers
    /reset/...      reads the request, then resets the connection (TCP RST)
    /endless/...    200 with a body that never ends
    anything else   200
It runs until it is killed (the test stops it by its PID).
"""

import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_FILE = sys.argv[1]
lock = threading.Lock()
asked = {}  # path -> how many times


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        entry = {
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        with lock:
            with open(LOG_FILE, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
            count = asked.get(self.path, 0)
            asked[self.path] = count + 1
        return count

    def reply(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        # A 204 or 304 ends after its headers (RFC 9110 6.4.1): a body sent anyway stays in
        # the connection, and the client that reuses it reads those bytes as the start of
        # the next response ("Received HTTP/0.9"), which failed AnswersMapToOutcomes.
        if status in (204, 304):
            self.end_headers()
            return
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self):
        earlier = self.record()
        behaviour = self.path.strip("/").split("/")[0]
        if behaviour == "hang":
            self.close_connection = True
            while True:
                time.sleep(3600)
        if behaviour == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if behaviour == "endless":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                self.close_connection = True
                return
        if behaviour == "fail-once":
            self.reply(500 if earlier == 0 else 200, b"first time fails" if earlier == 0 else b"ok")
        elif behaviour.startswith("429-"):
            self.reply(429, b"slow down", [("Retry-After", behaviour[4:])])
        elif behaviour.startswith("redirect-"):
            code = behaviour[len("redirect-"):]
            location = "http://127.0.0.1:%d/200/redirected-%s" % (self.server.server_address[1], code)
            self.reply(int(code), b"moved", [("Location", location)])
        elif behaviour == "301":
            self.reply(301, b"moved", [("Location", "/200/redirected")])
        elif len(behaviour) == 3 and behaviour.isdigit():
            self.reply(int(behaviour), b"status " + behaviour.encode())
        else:
            self.reply(200)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the connection was reset on purpose


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Tests open many connections at once; the default backlog of 5 drops SYNs, which the
    # client only resends after a second.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # resets and hangs are the point; nothing to report


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
