#!/usr/bin/env python3
"""Local stand-in for Amazon Textract AnalyzeID and Amazon Rekognition CompareFaces / DetectFaces,
which neither DynamoDB Local nor moto implements. Standard library only.

`serve` speaks the services' protocol, awsJson1_1: POST / with `X-Amz-Target:
Textract.AnalyzeID`, `RekognitionService.CompareFaces` or `RekognitionService.DetectFaces`, a JSON
body, answers `application/x-amz-json-1.1`. Point both SDK clients at it with
AWS_ENDPOINT_URL_TEXTRACT and AWS_ENDPOINT_URL_REKOGNITION.

Like the real services, it reads the images itself: every S3Object a request names is fetched from
moto's S3 (AWS_ENDPOINT_URL_S3, or --s3-endpoint; path-style), inline Bytes are decoded. Checked in
this order, each answered in the service's documented error shape
(`{"__type": ..., "Code": ..., "Message": ...}` + `x-amzn-ErrorType`, tests/fixtures/*/errors.json):
  - a SigV4 Authorization header            else MissingAuthenticationTokenException (400)
  - a known X-Amz-Target, a JSON body        else UnknownOperationException / SerializationException
  - the request's members (AnalyzeID: 1-2 DocumentPages; each image exactly one of Bytes and
    S3Object with Bucket and Name; SimilarityThreshold 0-100)   else InvalidParameterException
  - the switch for the request (below), for throttling and 500s
  - the object exists                        else InvalidS3ObjectException
  - size: Textract 10 MB (its set quota for synchronous JPEG/PNG); Rekognition 15 MB as an S3
    object, 5 MB as Bytes                    else DocumentTooLargeException / ImageTooLargeException
  - format, from the bytes: Textract PNG, JPEG, PDF, TIFF else UnsupportedDocumentException;
    Rekognition PNG, JPEG                     else InvalidImageFormatException
  - dimensions: Textract at most 10000 px a side (BadDocumentException); Rekognition at least
    80 px a side (InvalidParameterException)
Then it answers with the fixtures under tests/fixtures/textract/ and tests/fixtures/rekognition/,
the same files the Rust tests use:
  AnalyzeID     analyze-id-passport.json (default), analyze-id-driver-license.json or
                analyze-id-not-an-id.json; for two DocumentPages the second IdentityDocument is the
                fixture's second one, else the not-an-id one (a back page with nothing on it)
  CompareFaces  compare-faces-match.json: its FaceMatches' Similarity (or the switch's
                "similarity"); a face below the request's SimilarityThreshold (default 80) moves to
                UnmatchedFaces, as the service does. compare-faces-no-match.json for "no-match"
  DetectFaces   detect-faces-one.json, or detect-faces-none.json for "no-face"

Switches, chosen per request so that concurrent tests do not interfere. A rule is keyed by an S3
object key prefix (tests put each case's images under their own tenant's keys):
  POST   /control  {"prefix": "tenants/t-1/", "behaviour": "no-face",
                    "operations": ["CompareFaces"],   (optional; default: all three)
                    "times": 2,                       (optional; default: until deleted)
                    "similarity": 42.5}               (optional; for "match")
  GET    /control            the rules
  DELETE /control[?prefix=P] forget the rules (with that prefix)
A request follows the rule with the longest prefix that starts any object key it names (inline
Bytes have the key ""), among the rules for its operation; a rule with "times" applies to that
many requests, then is gone. Behaviours:
  passport, driver-license, not-an-id   which document AnalyzeID finds
  match, no-match                       CompareFaces' result
  no-face                               DetectFaces finds no face; CompareFaces answers
                                        InvalidParameterException, as documented when no face is
                                        detected in the source or the target image
  throttle                              ProvisionedThroughputExceededException, HTTP 400 (what a
                                        request rate over the account's quota gets)
  throttling-fault                      ThrottlingException, HTTP 500 (a fault in the model)
  error-500                             InternalServerError, HTTP 500

Every request is recorded:
  GET    /requests[?prefix=P]  {"requests": [{"operation", "body" (Bytes as {"length": n}),
                               "objects": [object keys], "status", "error"}]}, oldest first;
                               with a prefix, only those naming a key under it
  DELETE /requests[?prefix=P]  forget them
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import json
import os
import struct
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
MB = 1024 * 1024
TARGETS = {
    "Textract.AnalyzeID": ("textract", "AnalyzeID"),
    "RekognitionService.CompareFaces": ("rekognition", "CompareFaces"),
    "RekognitionService.DetectFaces": ("rekognition", "DetectFaces"),
}
BEHAVIOURS = {"passport", "driver-license", "not-an-id", "match", "no-match", "no-face",
              "throttle", "throttling-fault", "error-500"}
FAILURES = {"throttle": "ProvisionedThroughputExceededException",
            "throttling-fault": "ThrottlingException", "error-500": "InternalServerError"}

_lock = threading.Lock()
_requests = []
_rules = []
S3_ENDPOINT = None


def fixture(service, name):
    with open(os.path.join(FIXTURES, service, name + ".json")) as f:
        return json.load(f)


class Fail(Exception):
    def __init__(self, service, error_type, message=None, status=None):
        spec = fixture(service, "errors").get(error_type, {"status": 400, "message": error_type})
        self.error_type = error_type
        self.status = status or spec["status"]
        self.message = message or spec["message"]


# ---- images ----------------------------------------------------------------------------------

def sniff(data):
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def dimensions(data, kind):
    """(width, height) of a PNG or JPEG, or None when the header cannot be read."""
    if kind == "png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if kind == "jpeg":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def s3_request(method, bucket, key):
    """A path-style S3 request signed with SigV4 (UNSIGNED-PAYLOAD), as the service reads the
    object with its caller's grant; credentials and region come from the environment."""
    path = f"/{urllib.parse.quote(bucket)}/{urllib.parse.quote(key)}"
    endpoint = urllib.parse.urlparse(S3_ENDPOINT)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    region = os.environ.get("AWS_REGION", "us-east-1")
    access = os.environ.get("AWS_ACCESS_KEY_ID", "local")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "local")
    headers = {"host": endpoint.netloc, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed,
                           "UNSIGNED-PAYLOAD"])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key_bytes = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return urllib.request.Request(S3_ENDPOINT.rstrip("/") + path, method=method, headers=headers)


def load_image(service, image, limits):
    """Bytes of one Document / Image member, checked as the service checks them. Returns
    (bytes, "bucket/key" or None)."""
    if not isinstance(image, dict) or (("Bytes" in image) == ("S3Object" in image)):
        raise Fail(service, "InvalidParameterException")
    if "Bytes" in image:
        try:
            data = base64.b64decode(image["Bytes"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise Fail(service, "InvalidParameterException")
        if len(data) > limits["bytes"]:
            raise Fail(service, limits["too_large"])
        return data, None
    obj = image["S3Object"]
    if not isinstance(obj, dict) or not obj.get("Bucket") or not obj.get("Name"):
        raise Fail(service, "InvalidParameterException")
    bucket, key = str(obj["Bucket"]), str(obj["Name"])
    try:
        with urllib.request.urlopen(s3_request("HEAD", bucket, key), timeout=10) as r:
            size = int(r.headers.get("Content-Length") or 0)
        if size > limits["s3"]:
            raise Fail(service, limits["too_large"])
        with urllib.request.urlopen(s3_request("GET", bucket, key), timeout=30) as r:
            return r.read(), f"{bucket}/{key}"
    except urllib.error.HTTPError:
        raise Fail(service, "InvalidS3ObjectException")
    except urllib.error.URLError as e:
        raise Fail(service, "InvalidS3ObjectException",
                   f"Unable to get object metadata from S3 ({e.reason}).")


def check_textract_document(data):
    kind = sniff(data)
    if kind is None:
        raise Fail("textract", "UnsupportedDocumentException")
    dims = dimensions(data, kind)
    if dims and max(dims) > 10000:
        raise Fail("textract", "BadDocumentException")


def check_rekognition_image(data):
    kind = sniff(data)
    if kind not in ("png", "jpeg"):
        raise Fail("rekognition", "InvalidImageFormatException")
    dims = dimensions(data, kind)
    if dims is None:
        raise Fail("rekognition", "InvalidImageFormatException")
    if min(dims) < 80:
        raise Fail("rekognition", "InvalidParameterException")


# ---- switches --------------------------------------------------------------------------------

def object_keys(operation, body):
    if operation == "AnalyzeID":
        images = body.get("DocumentPages") or []
    elif operation == "CompareFaces":
        images = [body.get("SourceImage"), body.get("TargetImage")]
    else:
        images = [body.get("Image")]
    keys = []
    for image in images:
        if isinstance(image, dict) and isinstance(image.get("S3Object"), dict):
            keys.append(str(image["S3Object"].get("Name") or ""))
        else:
            keys.append("")
    return keys


def take_rule(operation, keys):
    """The governing rule for a request, spending one of its `times`."""
    with _lock:
        candidates = [r for r in _rules
                      if operation in r["operations"] and any(k.startswith(r["prefix"]) for k in keys)]
        if not candidates:
            return None
        rule = max(candidates, key=lambda r: len(r["prefix"]))
        if rule.get("times") is not None:
            rule["times"] -= 1
            if rule["times"] <= 0:
                _rules.remove(rule)
        return dict(rule)


# ---- operations ------------------------------------------------------------------------------

def analyze_id(body, rule):
    pages = body.get("DocumentPages")
    if not isinstance(pages, list) or not 1 <= len(pages) <= 2:
        raise Fail("textract", "InvalidParameterException")
    limits = {"bytes": 10 * MB, "s3": 10 * MB, "too_large": "DocumentTooLargeException"}
    loaded = [load_image("textract", page, limits) for page in pages]
    for data, _ in loaded:
        check_textract_document(data)
    behaviour = rule["behaviour"] if rule else "passport"
    name = {"driver-license": "analyze-id-driver-license",
            "not-an-id": "analyze-id-not-an-id"}.get(behaviour, "analyze-id-passport")
    answer = fixture("textract", name)
    docs = answer["IdentityDocuments"]
    blank = fixture("textract", "analyze-id-not-an-id")["IdentityDocuments"][0]
    out = []
    for i in range(len(pages)):
        doc = dict(docs[i] if i < len(docs) else blank)
        doc["DocumentIndex"] = i + 1
        out.append(doc)
    answer["IdentityDocuments"] = out
    answer["DocumentMetadata"] = {"Pages": len(pages)}
    return answer


REKOGNITION_LIMITS = {"bytes": 5 * MB, "s3": 15 * MB, "too_large": "ImageTooLargeException"}


def compare_faces(body, rule):
    threshold = body.get("SimilarityThreshold", 80)
    if not isinstance(threshold, (int, float)) or not 0 <= threshold <= 100:
        raise Fail("rekognition", "InvalidParameterException")
    if body.get("QualityFilter", "NONE") not in ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH"):
        raise Fail("rekognition", "InvalidParameterException")
    for member in ("SourceImage", "TargetImage"):
        data, _ = load_image("rekognition", body.get(member), REKOGNITION_LIMITS)
        check_rekognition_image(data)
    behaviour = rule["behaviour"] if rule else "match"
    if behaviour == "no-face":
        raise Fail("rekognition", "InvalidParameterException")
    if behaviour == "no-match":
        return fixture("rekognition", "compare-faces-no-match")
    answer = fixture("rekognition", "compare-faces-match")
    matches, unmatched = [], list(answer.get("UnmatchedFaces", []))
    for match in answer["FaceMatches"]:
        similarity = rule.get("similarity", match["Similarity"]) if rule else match["Similarity"]
        if similarity >= threshold:
            matches.append({**match, "Similarity": similarity})
        else:
            unmatched.append(match["Face"])
    answer["FaceMatches"], answer["UnmatchedFaces"] = matches, unmatched
    return answer


def detect_faces(body, rule):
    attributes = body.get("Attributes", ["DEFAULT"])
    if not isinstance(attributes, list):
        raise Fail("rekognition", "InvalidParameterException")
    data, _ = load_image("rekognition", body.get("Image"), REKOGNITION_LIMITS)
    check_rekognition_image(data)
    behaviour = rule["behaviour"] if rule else None
    return fixture("rekognition", "detect-faces-none" if behaviour == "no-face" else "detect-faces-one")


OPERATIONS = {"AnalyzeID": analyze_id, "CompareFaces": compare_faces, "DetectFaces": detect_faces}


def summarize(value):
    """The request body as recorded: inline image bytes replaced by their length."""
    if isinstance(value, dict):
        return {k: ({"length": len(v) * 3 // 4} if k == "Bytes" and isinstance(v, str) else summarize(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [summarize(v) for v in value]
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, body, content_type="application/x-amz-json-1.1", headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _query_prefix(self):
        query = urllib.parse.urlparse(self.path).query
        return urllib.parse.parse_qs(query).get("prefix", [None])[0]

    def do_POST(self):
        path = urllib.parse.urlparse(self.path).path
        if path == "/control":
            return self._add_rule()
        raw = self._body()
        target = self.headers.get("X-Amz-Target", "")
        service, operation = TARGETS.get(target, ("textract", None))
        record = {"operation": operation or target, "body": None, "objects": [], "status": 200, "error": None}
        try:
            if not (self.headers.get("Authorization") or "").startswith("AWS4-HMAC-SHA256 "):
                raise Fail(service, "MissingAuthenticationTokenException", "Missing Authentication Token", 400)
            if path != "/" or operation is None:
                raise Fail(service, "UnknownOperationException", f"unknown operation {target!r}", 400)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise Fail(service, "SerializationException", "body is not JSON", 400)
            if not isinstance(body, dict):
                raise Fail(service, "SerializationException", "body is not a JSON object", 400)
            record["body"] = summarize(body)
            keys = object_keys(operation, body)
            record["objects"] = [k for k in keys if k]
            rule = take_rule(operation, keys)
            if rule and rule["behaviour"] in FAILURES:
                raise Fail(service, FAILURES[rule["behaviour"]])
            answer = OPERATIONS[operation](body, rule)
            status = 200
        except Fail as fail:
            status = fail.status
            record["error"] = fail.error_type
            answer = {"__type": fail.error_type, "Code": fail.error_type, "Message": fail.message}
            if service == "rekognition":
                answer["Logref"] = str(uuid.uuid4())
        record["status"] = status
        with _lock:
            _requests.append(record)
        # Object keys hold tenant and document ids only, never PII.
        print(f"{record['operation']} {record['objects']} -> {status} {record['error'] or ''}", flush=True)
        headers = [("x-amzn-ErrorType", record["error"])] if record["error"] else []
        self._send(status, answer, headers=headers)

    def _add_rule(self):
        try:
            rule = json.loads(self._body() or b"{}")
            assert isinstance(rule, dict) and isinstance(rule.get("prefix"), str)
            assert rule.get("behaviour") in BEHAVIOURS
            operations = rule.get("operations") or list(OPERATIONS)
            assert all(op in OPERATIONS for op in operations)
            times = rule.get("times")
            assert times is None or (isinstance(times, int) and times > 0)
        except (ValueError, AssertionError):
            return self._send(400, {"message": "expected {prefix, behaviour in " + ", ".join(sorted(BEHAVIOURS))
                                    + ", operations?, times?, similarity?}"}, "application/json")
        entry = {"prefix": rule["prefix"], "behaviour": rule["behaviour"], "operations": operations,
                 "times": times}
        if "similarity" in rule:
            entry["similarity"] = float(rule["similarity"])
        with _lock:
            _rules.append(entry)
        self._send(200, entry, "application/json")

    def do_GET(self):
        path = urllib.parse.urlparse(self.path).path
        prefix = self._query_prefix()
        with _lock:
            if path == "/requests":
                found = [r for r in _requests
                         if prefix is None or any(o.startswith(prefix) for o in r["objects"])]
                return self._send(200, {"requests": found}, "application/json")
            if path == "/control":
                return self._send(200, {"rules": list(_rules)}, "application/json")
        self._send(404, {"message": f"unknown path {self.path}"}, "application/json")

    def do_DELETE(self):
        path = urllib.parse.urlparse(self.path).path
        prefix = self._query_prefix()
        with _lock:
            if path == "/requests":
                _requests[:] = [r for r in _requests if prefix is not None and not any(
                    o.startswith(prefix) for o in r["objects"])]
                return self._send(200, {}, "application/json")
            if path == "/control":
                _rules[:] = [r for r in _rules if prefix is not None and r["prefix"] != prefix]
                return self._send(200, {}, "application/json")
        self._send(404, {"message": f"unknown path {self.path}"}, "application/json")

    def log_message(self, fmt, *args):  # keep the log to the lines printed above
        pass


def main(argv):
    global S3_ENDPOINT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the recording Textract / Rekognition stand-in")
    serve.add_argument("--port", type=int, default=8002)
    serve.add_argument("--s3-endpoint", default=os.environ.get("AWS_ENDPOINT_URL_S3"),
                       help="moto's S3 (default: $AWS_ENDPOINT_URL_S3)")
    args = parser.parse_args(argv)
    if not args.s3_endpoint:
        parser.error("no S3 endpoint: set AWS_ENDPOINT_URL_S3 or pass --s3-endpoint")
    S3_ENDPOINT = args.s3_endpoint
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"Textract / Rekognition stand-in on http://127.0.0.1:{args.port} (S3: {S3_ENDPOINT})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
