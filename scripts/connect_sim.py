#!/usr/bin/env python3
"""Local stand-in for Amazon Connect, which neither DynamoDB Local nor moto implements.

`serve` answers the one Connect API the dialer calls, StartOutboundVoiceContact
(PUT /contact/outbound-voice, restJson1), as the real service shapes it, with Connect's
documented default limits, and records every call it places:

  - a token bucket of --rate requests a second (default 2) holding --burst (default 5): past it,
    HTTP 429 with `x-amzn-ErrorType: ThrottlingException` (Connect's throttling answer);
  - at most --max-concurrent active calls (default 10, Connect's "concurrent active calls per
    instance"), each "lasting" --call-seconds (default 60): past it, HTTP 429 with
    `x-amzn-ErrorType: LimitExceededException`;
  - a ClientToken seen before returns the same ContactId and places nothing (Connect's
    idempotency), whatever the limits.

Limits are kept per InstanceId (on AWS the rate is per account and region, the concurrency per
instance; here each instance stands for one account), so tests using their own instance ids do
not meet each other's calls.

  GET  /calls        -> {"calls": [ {the request body + "ContactId"}, ... ]}
  DELETE /calls      -> forget them (and every instance's limits and settings)
  POST /control      -> {"instanceId": "...", "rate": 2, "burst": 5, "maxConcurrent": 10,
                         "callSeconds": 60, "throttleAll": false}: set an instance's limits
                         (any subset; without instanceId, the defaults of instances to come)
  GET  /stats        -> per instance: placed, throttled, limited
"""
import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_calls = []
_by_token = {}
_defaults = {}
_instances = {}


def _settings(instance):
    """An instance's state, made on first use from the defaults."""
    state = _instances.get(instance)
    if state is None:
        cfg = dict(_defaults)
        state = {
            "cfg": cfg,
            "tokens": float(cfg["burst"]),
            "refilled": time.monotonic(),
            "active": [],  # end times of the calls in progress
            "placed": 0,
            "throttled": 0,
            "limited": 0,
        }
        _instances[instance] = state
    return state


def _admit(state):
    """None when a call may be placed now, else the error type to answer."""
    cfg = state["cfg"]
    now = time.monotonic()
    if cfg["throttleAll"]:
        state["throttled"] += 1
        return "ThrottlingException"
    state["tokens"] = min(float(cfg["burst"]), state["tokens"] + (now - state["refilled"]) * cfg["rate"])
    state["refilled"] = now
    if state["tokens"] < 1.0:
        state["throttled"] += 1
        return "ThrottlingException"
    state["tokens"] -= 1.0
    state["active"] = [end for end in state["active"] if end > now]
    if len(state["active"]) >= cfg["maxConcurrent"]:
        state["limited"] += 1
        return "LimitExceededException"
    state["active"].append(now + cfg["callSeconds"])
    state["placed"] += 1
    return None


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body, error_type=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_PUT(self):
        if self.path.split("?")[0] != "/contact/outbound-voice":
            return self._send(404, {"message": f"unknown path {self.path}"})
        try:
            body = self._json()
        except ValueError:
            return self._send(400, {"message": "body is not JSON"}, "InvalidRequestException")
        missing = [k for k in ("DestinationPhoneNumber", "ContactFlowId", "InstanceId") if not body.get(k)]
        if missing:
            return self._send(400, {"message": f"missing {', '.join(missing)}"}, "InvalidParameterException")
        with _lock:
            token = body.get("ClientToken")
            if token and token in _by_token:
                return self._send(200, {"ContactId": _by_token[token]})
            refused = _admit(_settings(body["InstanceId"]))
            if refused:
                message = "Rate exceeded" if refused == "ThrottlingException" else "The allowed number of concurrent active calls is exceeded"
                return self._send(429, {"message": message}, refused)
            contact_id = str(uuid.uuid4())
            if token:
                _by_token[token] = contact_id
            _calls.append({**body, "ContactId": contact_id, "PlacedAt": time.time()})
        attrs = body.get("Attributes") or {}
        # The destination number is PII: log the request id only.
        print(f"call placed: contact {contact_id} for request {attrs.get('requestId')}", flush=True)
        self._send(200, {"ContactId": contact_id})

    def do_POST(self):
        if self.path != "/control":
            return self._send(404, {"message": f"unknown path {self.path}"})
        try:
            body = self._json()
        except ValueError:
            return self._send(400, {"message": "body is not JSON"})
        allowed = {"rate", "burst", "maxConcurrent", "callSeconds", "throttleAll"}
        changes = {k: v for k, v in body.items() if k in allowed}
        with _lock:
            instance = body.get("instanceId")
            if instance:
                state = _settings(instance)
                state["cfg"].update(changes)
                state["tokens"] = min(state["tokens"], float(state["cfg"]["burst"]))
                cfg = state["cfg"]
            else:
                _defaults.update(changes)
                cfg = _defaults
        self._send(200, cfg)

    def do_GET(self):
        if self.path == "/calls":
            with _lock:
                return self._send(200, {"calls": list(_calls)})
        if self.path == "/stats":
            with _lock:
                stats = {i: {k: s[k] for k in ("placed", "throttled", "limited")} for i, s in _instances.items()}
            return self._send(200, stats)
        self._send(404, {"message": f"unknown path {self.path}"})

    def do_DELETE(self):
        if self.path == "/calls":
            with _lock:
                _calls.clear()
                _by_token.clear()
                _instances.clear()
            return self._send(200, {})
        self._send(404, {"message": f"unknown path {self.path}"})

    def log_message(self, fmt, *args):  # keep the log to the lines printed above
        pass


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the recording StartOutboundVoiceContact server")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--rate", type=float, default=2.0, help="calls a second (token bucket refill)")
    serve.add_argument("--burst", type=int, default=5, help="token bucket size")
    serve.add_argument("--max-concurrent", type=int, default=10, help="concurrent active calls")
    serve.add_argument("--call-seconds", type=float, default=60.0, help="how long each call lasts")
    serve.add_argument("--throttle-all", action="store_true", help="throttle every call")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        _defaults.update(
            rate=args.rate,
            burst=args.burst,
            maxConcurrent=args.max_concurrent,
            callSeconds=args.call_seconds,
            throttleAll=args.throttle_all,
        )
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
        print(
            f"Amazon Connect stand-in on http://127.0.0.1:{args.port}: {args.rate}/s burst {args.burst}, "
            f"{args.max_concurrent} concurrent calls of {args.call_seconds} s",
            flush=True,
        )
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
