#!/usr/bin/env python3
"""The oracle of the signer cross-check (issue 17): signs fixed requests with the official
Volcengine Python SDK's own HMAC-SHA256 signer, so assetform's Swift signer can be compared with a
signer no one here wrote.

Run it with the build folder's virtual environment (scripts/install-deps makes it):

    .build/volc-venv/bin/python scripts/volc-sign.py < request.json

stdin is one JSON object, or a JSON array of them (answered with an array, in order):

    {"method": "POST", "host": "ark.cn-beijing.volcengineapi.com", "path": "/",
     "query": {"Action": "CreateAssetGroup", "Version": "2024-01-01"},
     "headers": {"Content-Type": "application/json"},
     "body": "{\"Name\": \"...\"}",
     "ak": "AK...", "sk": "SK...", "region": "cn-beijing", "service": "ark",
     "x_date": "20261202T101500Z"}

"host" is set as the `Host` header (what the SDK's client does before signing); "headers" are
passed to the signer as they are, so spell names as the SDK does (`Content-Type`, `X-...`): the
SDK signs only `Content-Type`, `Content-Md5`, `Host` and names starting with `X-`, and compares
names case-sensitively. "query" values are strings.

stdout: {"authorization", "x_date", "x_content_sha256", "signed_headers", "canonical_request",
"string_to_sign", "headers"} where "headers" are the request's headers after signing (the SDK
adds `X-Date`, `X-Content-Sha256`, `Authorization`, and a form `Content-Type` on a non-GET request
that has none).

--sdk core (default): package volcenginesdk-core (volcengine-python-sdk's core),
  volcenginesdkcore.signv4.SignerV4.sign. It reads the clock with datetime.datetime.utcnow(); the
  fixed x_date is injected by replacing the `datetime` module that volcenginesdkcore.signv4
  imported with a stand-in whose datetime.utcnow() returns x_date. The canonical request and the
  string to sign are the SDK's own, captured from its signing debug log (logger
  "com.volcengine.sdkcore").
--sdk legacy: package volcengine (volc-sdk-python), volcengine.auth.SignerV4.SignerV4.sign_only,
  which takes the date as a parameter (SignParam.date); that signer exposes no canonical request,
  so "canonical_request" and "string_to_sign" are null.
"""

import argparse
import datetime as _real_datetime
import io
import json
import logging
import sys
import types


def fixed_date(x_date):
    return _real_datetime.datetime.strptime(x_date, "%Y%m%dT%H%M%SZ")


def sign_core(req):
    from volcenginesdkcore import signv4
    from volcenginesdkcore.observability.debugger import sdk_core_logger

    fixed = fixed_date(req["x_date"])

    class FixedDatetime(_real_datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

        @classmethod
        def now(cls, tz=None):
            return fixed if tz is None else fixed.replace(tzinfo=_real_datetime.timezone.utc).astimezone(tz)

    stand_in = types.ModuleType("datetime")
    stand_in.__dict__.update(_real_datetime.__dict__)
    stand_in.datetime = FixedDatetime

    # The SDK's signing debug log carries its canonical request and string to sign.
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Capture(level=logging.DEBUG)
    saved_level = sdk_core_logger.level
    sdk_core_logger.addHandler(handler)
    sdk_core_logger.setLevel(logging.DEBUG)
    saved_datetime = signv4.datetime
    signv4.datetime = stand_in
    try:
        headers = dict(req.get("headers") or {})
        headers["Host"] = req["host"]  # as SignRequestInterceptor.update_params_for_auth does
        query = list((req.get("query") or {}).items())  # the SDK's client passes a list of pairs
        signv4.SignerV4.sign(
            req.get("path", "/"), req["method"], headers, req.get("body") or "", [], query,
            req["ak"], req["sk"], req["region"], req["service"], req.get("session_token"))
    finally:
        signv4.datetime = saved_datetime
        sdk_core_logger.removeHandler(handler)
        sdk_core_logger.setLevel(saved_level)

    def logged(prefix):
        for message in records:
            if message.startswith(prefix):
                return message[len(prefix):]
        return None

    auth = headers["Authorization"]
    return {
        "authorization": auth,
        "x_date": headers["X-Date"],
        "x_content_sha256": headers["X-Content-Sha256"],
        "signed_headers": auth.split("SignedHeaders=", 1)[1].split(",", 1)[0],
        "canonical_request": logged("[Sign] canonical_request:\n"),
        "string_to_sign": logged("[Sign] string_to_sign:\n"),
        "headers": headers,
    }


def sign_legacy(req):
    from collections import OrderedDict
    from volcengine.Credentials import Credentials
    from volcengine.auth.SignParam import SignParam
    from volcengine.auth.SignerV4 import SignerV4

    headers = OrderedDict(req.get("headers") or {})
    headers["Host"] = req["host"]
    body = req.get("body") or ""
    # sign_only hashes the body but, unlike sign, does not store X-Content-Sha256 itself before
    # reading it back; hashed_canonical_request_v4 sets it on the header dict it is given.
    param = SignParam()
    param.set_method(req["method"])
    param.set_host(req["host"])
    param.set_path(req.get("path", "/"))
    param.set_query(OrderedDict(req.get("query") or {}))
    param.set_header_list(headers)
    param.set_body(body)
    param.set_date(fixed_date(req["x_date"]))
    credentials = Credentials(req["ak"], req["sk"], req["service"], req["region"],
                              req.get("session_token") or "")
    result = SignerV4.sign_only(param, credentials)
    headers["Authorization"] = result.authorization
    return {
        "authorization": result.authorization,
        "x_date": result.xdate,
        "x_content_sha256": result.xContextSha256,
        "signed_headers": result.xSignedHeaders,
        "canonical_request": None,
        "string_to_sign": None,
        "headers": dict(headers),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk", choices=["core", "legacy"], default="core")
    args = parser.parse_args()
    sign = sign_core if args.sdk == "core" else sign_legacy
    data = json.load(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"))
    out = [sign(r) for r in data] if isinstance(data, list) else sign(data)
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
