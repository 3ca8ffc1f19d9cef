#!/usr/bin/env python3
"""Local stand-in for Amazon Connect, which neither DynamoDB Local nor moto implements.

`serve` answers the one Connect API the function calls, StartOutboundVoiceContact
(PUT /contact/outbound-voice, restJson1), exactly as the real service shapes it, and records
every call it is asked to place:
  GET /calls         -> {"calls": [ {the request body + "ContactId"}, ... ]}
  DELETE /calls      -> forget them
A ClientToken seen before returns the same ContactId (Connect's idempotency), so a retried
create never dials twice.
"""
import argparse
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_calls = []
_by_token = {}


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path.split("?")[0] != "/contact/outbound-voice":
            return self._send(404, {"message": f"unknown path {self.path}"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(400, {"message": "body is not JSON"})
        missing = [k for k in ("DestinationPhoneNumber", "ContactFlowId", "InstanceId") if not body.get(k)]
        if missing:
            self.send_response(400)
            return self._send(400, {"message": f"missing {', '.join(missing)}"})
        with _lock:
            token = body.get("ClientToken")
            if token and token in _by_token:
                return self._send(200, {"ContactId": _by_token[token]})
            contact_id = str(uuid.uuid4())
            if token:
                _by_token[token] = contact_id
            _calls.append({**body, "ContactId": contact_id})
        attrs = body.get("Attributes") or {}
        # The destination number is PII: log the request id only.
        print(f"call placed: contact {contact_id} for request {attrs.get('requestId')}", flush=True)
        self._send(200, {"ContactId": contact_id})

    def do_GET(self):
        if self.path == "/calls":
            with _lock:
                return self._send(200, {"calls": list(_calls)})
        self._send(404, {"message": f"unknown path {self.path}"})

    def do_DELETE(self):
        if self.path == "/calls":
            with _lock:
                _calls.clear()
                _by_token.clear()
            return self._send(200, {})
        self._send(404, {"message": f"unknown path {self.path}"})

    def log_message(self, fmt, *args):  # keep the log to the lines printed above
        pass


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the recording StartOutboundVoiceContact server")
    serve.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
        print(f"Amazon Connect stand-in on http://127.0.0.1:{args.port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
