#!/usr/bin/python3
"""A network-service stand-in for the e2e cloud: NOT Neutron. Nova asks the network service for
ports and security groups even for servers booted with networks "none", so this answers every
collection GET with an empty list of the resource the path names (GET /v2.0/security-groups ->
{"security_groups": []}). Usage: netstub.py PORT (listens on 127.0.0.1 only)."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def _send(self, status, body):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlsplit(self.path).path.rstrip("/")
        if path in ("", "/v2.0"):
            self._send(200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": []}]})
            return
        resource = path.rsplit("/", 1)[-1].removesuffix(".json").replace("-", "_")
        self._send(200, {resource: []})

    def do_DELETE(self):
        self._send(204, None)

    def _drain(self):
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        self.rfile.read(length)
        self._send(404, {"NeutronError": {"type": "NotFound", "message": "network stub", "detail": ""}})

    do_POST = do_PUT = _drain

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
