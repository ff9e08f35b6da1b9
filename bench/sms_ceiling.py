#!/usr/bin/env python3
"""Measures the provider stand-in's own ceiling: how many SMS per second tests/providers/mock.py accepts.

    python3 bench/sms_ceiling.py [--url http://127.0.0.1:PORT/aliyun] [--seconds 10] [--clients 4]
                                 [--access-key-id test-key-id] [--access-key-secret test-key-secret]

Each of N client threads keeps one HTTP/1.1 connection open and sends correctly signed Aliyun
SendBatchSms requests of 100 numbers for D seconds. Point --url at a mock started with
--count-only; without --url one is started on a temporary folder and stopped afterwards. Prints:

    ceiling <messages per second> msg/s (<requests per second> requests/s, <clients> clients)

A Patron benchmark that reaches this figure measures the mock, not Patron. The clients share the
machine (and, being Python threads, one core) with the mock, so the figure is a lower bound.
Exits 1 if no request was accepted; refused answers are summarised on stderr.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import quote, urlsplit

MOCK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "providers", "mock.py")
BATCH = 100


def encode(text):
    """Aliyun's percentEncode: RFC 3986 over UTF-8 (space → %20, * → %2A, ~ kept)."""
    return quote(text, safe="-_.~")


class Signer:
    """Signs SendBatchSms requests whose parameters are fixed but for SignatureNonce and Timestamp.

    The canonical query is percent-encoded again inside StringToSign; encoding each pair twice once,
    up front, keeps signing cheap so the clients spend their time on the wire, not in quote()."""

    def __init__(self, key_id, secret):
        numbers = [f"1380013{index:04d}" for index in range(2, 2 + BATCH)]  # none ends 0000 or 0001
        fixed = {
            "AccessKeyId": key_id, "Action": "SendBatchSms", "Format": "JSON", "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "Version": "2017-05-25",
            "PhoneNumberJson": json.dumps(numbers), "SignNameJson": json.dumps(["会员中心"] * BATCH),
            "TemplateCode": "SMS_100000001",
            "TemplateParamJson": json.dumps([{"name": "会员", "points": "1200"}] * BATCH, ensure_ascii=False),
        }
        self.key = (secret + "&").encode()
        # (name, name=value once encoded, the same encoded again) for the string to sign
        self.fixed = [(name, f"{encode(name)}={encode(value)}") for name, value in fixed.items()]
        self.fixed = [(name, pair, encode(pair)) for name, pair in self.fixed]
        self.body = "&".join(pair for _, pair, _ in self.fixed)

    def request_body(self):
        timestamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        dynamic = [(name, f"{name}={encode(value)}") for name, value in
                   (("SignatureNonce", uuid.uuid4().hex), ("Timestamp", timestamp))]
        pairs = sorted(self.fixed + [(name, pair, encode(pair)) for name, pair in dynamic])
        string_to_sign = "POST&%2F&" + "%26".join(twice for _, _, twice in pairs)
        signature = base64.b64encode(hmac.new(self.key, string_to_sign.encode(), hashlib.sha1).digest()).decode()
        extra = "&".join(pair for _, pair in dynamic)
        return f"{self.body}&{extra}&Signature={encode(signature)}".encode()


def client(url, signer, deadline, totals, lock):
    parts = urlsplit(url)
    path = (parts.path.rstrip("/") or "") + "/"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    accepted, refused = 0, {}
    while time.monotonic() < deadline:
        try:
            connection.request("POST", path, signer.request_body(), headers)
            response = connection.getresponse()
            answer = json.loads(response.read())
        except (OSError, http.client.HTTPException, ValueError) as error:
            refused[type(error).__name__] = refused.get(type(error).__name__, 0) + 1
            connection.close()
            continue
        if answer.get("Code") == "OK":
            accepted += 1
        else:
            refused[answer.get("Code")] = refused.get(answer.get("Code"), 0) + 1
    connection.close()
    with lock:
        totals["accepted"] += accepted
        for code, count in refused.items():
            totals["refused"][code] = totals["refused"].get(code, 0) + count


def start_mock(folder):
    process = subprocess.Popen([sys.executable, MOCK, "--dir", folder, "--count-only"], stdout=subprocess.PIPE,
                               text=True)
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise SystemExit(f"mock.py did not start: {line!r}")
    return process, f"http://127.0.0.1:{line.split()[1]}/aliyun"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="the mock's Aliyun base URL; omitted: start a --count-only mock")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--access-key-id", default="test-key-id")
    parser.add_argument("--access-key-secret", default="test-key-secret")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        process, url = start_mock(folder) if args.url is None else (None, args.url)
        try:
            signer = Signer(args.access_key_id, args.access_key_secret)
            totals, lock = {"accepted": 0, "refused": {}}, threading.Lock()
            started = time.monotonic()
            deadline = started + args.seconds
            threads = [threading.Thread(target=client, args=(url, signer, deadline, totals, lock))
                       for _ in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        finally:
            if process is not None:
                process.kill()
                process.wait()

    if totals["refused"]:
        print(f"refused or failed: {totals['refused']}", file=sys.stderr)
    requests_per_second = totals["accepted"] / elapsed
    print(f"ceiling {requests_per_second * BATCH:.0f} msg/s ({requests_per_second:.0f} requests/s, "
          f"{args.clients} clients)")
    sys.exit(0 if totals["accepted"] else 1)


if __name__ == "__main__":
    main()
