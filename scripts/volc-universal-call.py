#!/usr/bin/env python3
"""Creates an asset group through the official Volcengine Python SDK's generic call
(volcenginesdkcore.universal.UniversalApi.do_call), signed by the SDK itself: the second SDK
cross-check of issue 17, proving the emulator accepts the official signature.

    VOLC_ENDPOINT=http://127.0.0.1:PORT VOLC_ACCESS_KEY=AK VOLC_SECRET_KEY=SK \\
      .build/volc-venv/bin/python scripts/volc-universal-call.py --name NAME [--description TEXT]

Environment: VOLC_ENDPOINT (http:// or https:// and host[:port]; default
https://ark.cn-beijing.volcengineapi.com), VOLC_ACCESS_KEY / VOLC_SECRET_KEY (falling back to
VOLCENGINE_ACCESS_KEY / VOLCENGINE_SECRET_KEY), VOLC_REGION (default cn-beijing), VOLC_SERVICE
(default ark), VOLC_ACTION (default CreateAssetGroup), VOLC_VERSION (default 2024-01-01).

Sends POST {endpoint}/?Action=CreateAssetGroup&Version=2024-01-01 with the JSON body
{"Name": ..., "Description": ...} (serialized by the SDK with json.dumps: ", " and ": "
separators, non-ASCII as \\uXXXX). Prints the parsed response as JSON: {"Result": ...} on success
(exit 0), {"error": {"status", "reason", "body"}} when the server refuses or the answer carries
ResponseMetadata.Error (exit 1). The secret key is never printed.

--dry-run builds and signs the request exactly as a real call would, prints it (method, URL,
headers, body) as JSON instead of sending it, and exits 0.
"""

import argparse
import json
import os
import sys


def fail(message):
    print("volc-universal-call: " + message, file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="sdk-cross-check")
    parser.add_argument("--description", default="created by the Volcengine Python SDK's generic call")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()

    endpoint = os.environ.get("VOLC_ENDPOINT", "https://ark.cn-beijing.volcengineapi.com").rstrip("/")
    if not endpoint.startswith(("http://", "https://")):
        fail("VOLC_ENDPOINT must start with http:// or https://")
    ak = os.environ.get("VOLC_ACCESS_KEY") or os.environ.get("VOLCENGINE_ACCESS_KEY")
    sk = os.environ.get("VOLC_SECRET_KEY") or os.environ.get("VOLCENGINE_SECRET_KEY")
    if not ak or not sk:
        fail("set VOLC_ACCESS_KEY and VOLC_SECRET_KEY")

    # The SDK's REST client reads HTTP(S)_PROXY itself and ignores NO_PROXY: a proxy must not sit
    # between the SDK and a local emulator.
    if endpoint.startswith(("http://127.", "http://localhost", "http://[::1]")):
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
            os.environ.pop(var, None)

    import volcenginesdkcore
    from volcenginesdkcore.rest import ApiException
    from volcenginesdkcore.universal import UniversalApi, UniversalInfo

    configuration = volcenginesdkcore.Configuration()
    configuration.ak = ak
    configuration.sk = sk
    configuration.region = os.environ.get("VOLC_REGION", "cn-beijing")
    # A host given with its scheme ("http://127.0.0.1:PORT") is used as the URL prefix as it is
    # (ResolveEndpointInterceptor); the Host header, signed, is then "127.0.0.1:PORT".
    configuration.host = endpoint
    configuration.scheme = endpoint.split("://", 1)[0]
    configuration.auto_retry = False  # one request, one signature
    configuration.client_side_validation = True
    client = volcenginesdkcore.ApiClient(configuration)

    class DryRun(Exception):
        pass

    if args.dry_run:
        def capture(method, url, query_params=None, headers=None, post_params=None, body=None,
                    _preload_content=True, _request_timeout=None):
            from six.moves.urllib.parse import urlencode
            full_url = url + ("?" + urlencode(query_params) if query_params else "")
            print(json.dumps({
                "method": method,
                "url": full_url,
                "headers": headers,
                # what rest.RESTClientObject.request sends for a JSON content type
                "body": json.dumps(body) if body is not None else "{}",
            }, indent=1))
            raise DryRun()
        client.request = capture

    info = UniversalInfo(
        method="POST",
        service=os.environ.get("VOLC_SERVICE", "ark"),
        version=os.environ.get("VOLC_VERSION", "2024-01-01"),
        action=os.environ.get("VOLC_ACTION", "CreateAssetGroup"),
        content_type="application/json",
    )
    body = {"Name": args.name, "Description": args.description}
    try:
        result = UniversalApi(client).do_call(info, body)
    except DryRun:
        return 0
    except ApiException as e:
        err_body = e.body
        try:
            err_body = json.loads(err_body) if err_body else None
        except ValueError:
            pass
        print(json.dumps({"error": {"status": e.status, "reason": e.reason, "body": err_body}},
                         ensure_ascii=False, indent=1))
        return 1
    print(json.dumps({"Result": result}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
