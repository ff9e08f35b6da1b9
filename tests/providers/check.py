#!/usr/bin/env python3
"""Self-test of the provider stand-in: starts tests/providers/mock.py and exercises every route.

    python3 tests/providers/check.py

Signatures are computed here, not with mock.py's helpers, and these signers are first checked
against the worked examples in the providers' documentation (the values are below); mock.py's own
verifier functions are checked against the same examples. Prints one line per check and exits 1 if
any failed.
"""

import base64
import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import quote_plus, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK = os.path.join(HERE, "mock.py")

ALIYUN = ("test-key-id", "test-key-secret")
TENCENT = ("test-secret-id", "test-secret-key", "1400000001")
TWILIO = ("AC00000000000000000000000000000001", "test-auth-token")
WECHAT_APP = ("wx-test-app", "test-app-secret")
WECHAT_MINI = ("wx-test-mini", "test-mini-secret")

failures = []


def check(condition, what, detail=""):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition else f"  -- {detail}"))
    if not condition:
        failures.append(what)


# --- Aliyun, written from the documented Java recipe: URLEncoder, then + → %20, * → %2A, %7E → ~.

def aliyun_encode(text):
    return quote_plus(text, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_sign(params, method, secret):
    pairs = sorted((key, value) for key, value in params.items() if key != "Signature")
    canonical = "&".join(aliyun_encode(key) + "=" + aliyun_encode(value) for key, value in pairs)
    to_sign = method + "&" + aliyun_encode("/") + "&" + aliyun_encode(canonical)
    signature = base64.b64encode(hmac.new(secret.encode() + b"&", to_sign.encode(), hashlib.sha1).digest()).decode()
    return to_sign, signature


def aliyun_params(action, fields, key_id=ALIYUN[0], secret=ALIYUN[1], method="POST", nonce=None, at=None):
    params = {"AccessKeyId": key_id, "Action": action, "Format": "JSON", "RegionId": "cn-hangzhou",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce or str(uuid.uuid4()),
              "SignatureVersion": "1.0", "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
              "Version": "2017-05-25", **fields}
    params["Signature"] = aliyun_sign(params, method, secret)[1]
    return params


# --- Tencent TC3, step by step as the documentation lays it out.

def tc3_authorization(secret_id, secret_key, host, payload, timestamp, service="sms",
                      content_type="application/json; charset=utf-8"):
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    hashed_payload = hashlib.sha256(payload).hexdigest()
    canonical_request = ("POST\n/\n\n" + f"content-type:{content_type.lower()}\nhost:{host.lower()}\n"
                         + "\ncontent-type;host\n" + hashed_payload)
    hashed_request = hashlib.sha256(canonical_request.encode()).hexdigest()
    string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hashed_request}"
    secret_date = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, service.encode(), hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/{service}/tc3_request, "
                     f"SignedHeaders=content-type;host, Signature={signature}")
    return hashed_payload, hashed_request, signature, authorization


# --- Documented examples.

# Alibaba Cloud "Signature mechanism" (RPC): DescribeRegions, AccessKeyId testid, secret testsecret.
DESCRIBE_REGIONS = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML",
                    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
                    "SignatureVersion": "1.0", "TimeStamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
DESCRIBE_REGIONS_SIGNATURE = "CT9X0VtwR86fNWSnsc6v8YGOjuE="
# Alibaba Cloud SMS "Signature method": SendMessageToGlobe, whose StringToSign exercises ':' and '*'.
GLOBE = {"AccessKeyId": "testid", "Action": "SendMessageToGlobe", "Format": "XML", "From": "Alicloud",
         "Message": "Hello", "RegionId": "ap-southeast-1", "SignatureMethod": "HMAC-SHA1",
         "SignatureNonce": "57acef20-c1d8-11eb-8c08-db81fda24dcc", "SignatureVersion": "1.0",
         "Timestamp": "2021-05-31T06:20:49Z", "To": "861245567****", "Version": "2018-05-01"}
GLOBE_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DSendMessageToGlobe%26Format%3DXML%26From%3DAlicloud"
    "%26Message%3DHello%26RegionId%3Dap-southeast-1%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D57acef20-c1d8-11eb-8c08-db81fda24dcc%26SignatureVersion%3D1.0"
    "%26Timestamp%3D2021-05-31T06%253A20%253A49Z%26To%3D861245567%252A%252A%252A%252A%26Version%3D2018-05-01"
)
# Tencent Cloud "Signature v3": CVM DescribeInstances at 1551113065 (2019-02-25).
TC3_EXAMPLE = {"secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "secret_key": "Gu5t9xGARNpq86cd98joQYCN3*******",
               "host": "cvm.tencentcloudapi.com", "timestamp": 1551113065,
               "payload": b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'}
TC3_HASHED_PAYLOAD = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
TC3_HASHED_REQUEST = "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
TC3_SIGNATURE = "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"


def documented_examples():
    check(aliyun_sign(DESCRIBE_REGIONS, "GET", "testsecret")[1] == DESCRIBE_REGIONS_SIGNATURE,
          "check's Aliyun signer reproduces the documented DescribeRegions signature")
    check(aliyun_sign(GLOBE, "GET", "testsecret")[0] == GLOBE_STRING_TO_SIGN,
          "check's Aliyun StringToSign reproduces the documented SendMessageToGlobe string")
    hashed_payload, hashed_request, signature, authorization = tc3_authorization(
        TC3_EXAMPLE["secret_id"], TC3_EXAMPLE["secret_key"], TC3_EXAMPLE["host"], TC3_EXAMPLE["payload"],
        TC3_EXAMPLE["timestamp"], service="cvm")
    check((hashed_payload, hashed_request, signature) == (TC3_HASHED_PAYLOAD, TC3_HASHED_REQUEST, TC3_SIGNATURE),
          "check's TC3 signer reproduces the documented payload hash, request hash and signature")
    check(authorization.endswith("Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, "
                                 "SignedHeaders=content-type;host, Signature=" + TC3_SIGNATURE),
          "check's TC3 Authorization header matches the documented one")

    # mock.py's verifier functions on the same examples: the verifier itself follows the documents.
    spec = importlib.util.spec_from_file_location("provider_mock", MOCK)
    mock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mock)
    check(mock.aliyun_string_to_sign("GET", GLOBE) == GLOBE_STRING_TO_SIGN,
          "mock's Aliyun StringToSign equals the documented SendMessageToGlobe string")
    check(mock.aliyun_signature("testsecret", mock.aliyun_string_to_sign("GET", DESCRIBE_REGIONS))
          == DESCRIBE_REGIONS_SIGNATURE, "mock's Aliyun verifier computes the documented DescribeRegions signature")
    headers = {"content-type": "application/json; charset=utf-8", "host": TC3_EXAMPLE["host"]}
    canonical = mock.tc3_canonical_request("POST", "", headers, ["content-type", "host"], TC3_EXAMPLE["payload"])
    check(hashlib.sha256(canonical.encode()).hexdigest() == TC3_HASHED_REQUEST,
          "mock's TC3 canonical request hashes to the documented value")
    to_sign = mock.tc3_string_to_sign(TC3_EXAMPLE["timestamp"], "2019-02-25", "cvm", canonical)
    check(mock.tc3_signature(TC3_EXAMPLE["secret_key"], "2019-02-25", "cvm", to_sign) == TC3_SIGNATURE,
          "mock's TC3 verifier computes the documented signature")

    # Segment and fee rules.
    check([mock.twilio_segments(text) for text in ("a" * 160, "a" * 161, "a" * 306, "a" * 307)] == [1, 2, 2, 3],
          "Twilio GSM-7 segments: 160 in one, 153 per part")
    check([mock.twilio_segments(text) for text in ("€" * 80, "€" * 81)] == [1, 2],
          "Twilio GSM-7 extension characters count two septets")
    check([mock.twilio_segments(text) for text in ("会" * 70, "会" * 71, "会" * 134, "会" * 135, "😀" * 35, "😀" * 36)]
          == [1, 2, 2, 3, 1, 2], "Twilio UCS-2 segments: 70 units in one, 67 per part, emoji two units")
    check([mock.tencent_fee("腾讯云", ["x" * 65]), mock.tencent_fee("腾讯云", ["x" * 66]),
           mock.tencent_fee("腾讯云", ["x" * 129]), mock.tencent_fee("腾讯云", ["x" * 130])] == [1, 2, 2, 3],
          "Tencent fee: 70 characters with 【signature】 in one, 67 per part")


# --- Running the mock.

class Mock:
    def __init__(self, folder, *options):
        self.folder = folder
        self.process = subprocess.Popen([sys.executable, MOCK, "--dir", folder, *options], stdout=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"mock.py did not start: {line!r}")
        self.port = int(line.split()[1])
        self.host = f"127.0.0.1:{self.port}"

    def stop(self):
        self.process.kill()
        self.process.wait()

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            connection.close()

    def aliyun(self, params, method="POST"):
        if method == "GET":
            return self.request("GET", "/aliyun/?" + urlencode(params))
        return self.request("POST", "/aliyun/", urlencode(params).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def tencent(self, body, secret_id=TENCENT[0], secret_key=TENCENT[1], timestamp=None, sent_body=None):
        payload = json.dumps(body, ensure_ascii=False).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        authorization = tc3_authorization(secret_id, secret_key, self.host, payload, timestamp)[3]
        headers = {"Host": self.host, "Content-Type": "application/json; charset=utf-8", "Authorization": authorization,
                   "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(timestamp),
                   "X-TC-Region": "ap-guangzhou"}
        return self.request("POST", "/tencent/", sent_body if sent_body is not None else payload, headers)

    def twilio(self, fields, token=TWILIO[1]):
        credentials = base64.b64encode(f"{TWILIO[0]}:{token}".encode()).decode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + credentials}
        return self.request("POST", f"/twilio/2010-04-01/Accounts/{TWILIO[0]}/Messages.json",
                            urlencode(fields).encode(), headers)

    def wechat_token(self, appid, secret):
        query = urlencode({"grant_type": "client_credential", "appid": appid, "secret": secret})
        return self.request("GET", "/wechat/cgi-bin/token?" + query)[1]

    def wechat_send(self, kind, token, body):
        return self.request("POST", f"/wechat/cgi-bin/message/{kind}/send?access_token={token}",
                            json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"})[1]

    def stats(self):
        return self.request("GET", "/_stats")[1]

    def stored(self):
        names = sorted(name for name in os.listdir(self.folder) if name.endswith(".json") and name[:-5].isdigit())
        return [(name, json.load(open(os.path.join(self.folder, name), encoding="utf-8"))) for name in names]


def new_files(mock, before):
    return mock.stored()[len(before):]


def aliyun_checks(mock):
    before = mock.stored()
    fields = {"PhoneNumbers": "13800138002,008613800138003", "SignName": "阿里云 短信*测试~",
              "TemplateCode": "SMS_15255001", "TemplateParam": json.dumps({"code": "1234 5"}), "OutId": "outbox-7"}
    status, answer = mock.aliyun(aliyun_params("SendSms", fields))
    check(status == 200 and answer.get("Code") == "OK" and answer.get("Message") == "OK"
          and answer.get("BizId") and answer.get("RequestId"), "Aliyun SendSms (POST) accepted", answer)
    files = new_files(mock, before)
    check([record["to"] for _, record in files] == ["13800138002", "008613800138003"]
          and all(record["kind"] == "SendSms" and record["provider"] == "aliyun" and record["channel"] == "sms"
                  and record["ref"] == answer.get("BizId") and record["reference"] == "outbox-7"
                  and record["params"] == {"code": "1234 5"} and record["sign_name"] == "阿里云 短信*测试~"
                  and record["template"] == "SMS_15255001" for _, record in files),
          "Aliyun SendSms stored one file per number with the request's fields", files)
    check(files and files[0][0] == f"{len(before) + 1:08d}.json", "files are numbered with 8 digits", files)

    status, answer = mock.aliyun(aliyun_params("SendSms", {**fields, "PhoneNumbers": "13800138004"}, method="GET"),
                                 method="GET")
    check(status == 200 and answer.get("Code") == "OK", "Aliyun SendSms as GET with a query string accepted", answer)

    before = mock.stored()
    params = aliyun_params("SendSms", fields)
    params["Signature"] = aliyun_sign(params, "POST", "wrong-secret")[1]
    status, answer = mock.aliyun(params)
    check(status == 400 and answer.get("Code") == "SignatureDoesNotMatch", "Aliyun wrong signature refused", answer)
    params = aliyun_params("SendSms", fields)
    params["TemplateParam"] = json.dumps({"code": "9999"})  # changed after signing
    status, answer = mock.aliyun(params)
    check(status == 400 and answer.get("Code") == "SignatureDoesNotMatch", "Aliyun tampered parameter refused", answer)
    status, answer = mock.aliyun(aliyun_params("SendSms", fields, method="GET"))
    check(status == 400 and answer.get("Code") == "SignatureDoesNotMatch",
          "Aliyun signature over GET refused when sent as POST", answer)
    status, answer = mock.aliyun(aliyun_params("SendSms", fields, key_id="LTAIunknown"))
    check(status == 404 and answer.get("Code") == "InvalidAccessKeyId.NotFound", "Aliyun unknown AccessKeyId refused",
          answer)
    status, answer = mock.aliyun(aliyun_params("SendSms", fields, at=time.time() - 16 * 60))
    check(status == 400 and answer.get("Code") == "InvalidTimeStamp.Expired", "Aliyun Timestamp 16 minutes old refused",
          answer)
    status, answer = mock.aliyun(aliyun_params("SendSms", fields, at=time.time() - 14 * 60))
    check(status == 200 and answer.get("Code") == "OK", "Aliyun Timestamp 14 minutes old accepted", answer)
    nonce = str(uuid.uuid4())
    first = mock.aliyun(aliyun_params("SendSms", {**fields, "PhoneNumbers": "13800138005"}, nonce=nonce))
    again = mock.aliyun(aliyun_params("SendSms", {**fields, "PhoneNumbers": "13800138006"}, nonce=nonce))
    check(first[1].get("Code") == "OK" and again[0] == 400 and again[1].get("Code") == "SignatureNonceUsed",
          "Aliyun reused SignatureNonce refused", (first, again))
    check([record["to"] for _, record in new_files(mock, before)] == ["13800138002", "008613800138003", "13800138005"],
          "Aliyun refused calls stored nothing", new_files(mock, before))

    before = mock.stored()
    batch = {"PhoneNumberJson": json.dumps(["13800138010", "+8613800138011", "13800138012"]),
             "SignNameJson": json.dumps(["阿里云", "阿里巴巴", "阿里云"]), "TemplateCode": "SMS_15255002",
             "TemplateParamJson": json.dumps([{"name": "甲"}, {"name": "乙"}, {"name": "丙"}])}
    status, answer = mock.aliyun(aliyun_params("SendBatchSms", batch))
    files = new_files(mock, before)
    check(status == 200 and answer.get("Code") == "OK", "Aliyun SendBatchSms accepted", answer)
    check([(record["to"], record["sign_name"], record["params"], record["kind"]) for _, record in files]
          == [("13800138010", "阿里云", {"name": "甲"}, "SendBatchSms"),
              ("+8613800138011", "阿里巴巴", {"name": "乙"}, "SendBatchSms"),
              ("13800138012", "阿里云", {"name": "丙"}, "SendBatchSms")],
          "Aliyun batch stored one file per number, pairing signatures and parameters", files)

    before = mock.stored()
    cases = [
        ({"PhoneNumberJson": json.dumps(["13800138020", "13800130000", "13800138021"])}, "isv.MOBILE_NUMBER_ILLEGAL",
         "a number ending 0000 fails the whole batch"),
        ({"PhoneNumberJson": json.dumps(["13800138020", "13800130001", "13800138021"])}, "isv.BUSINESS_LIMIT_CONTROL",
         "a number ending 0001 (rate limit) fails the whole batch"),
        ({"PhoneNumberJson": json.dumps(["13800138020", "2380013802", "13800138021"])}, "isv.MOBILE_NUMBER_ILLEGAL",
         "a malformed number fails the whole batch"),
        ({"TemplateCode": "TPL_1"}, "isv.SMS_TEMPLATE_ILLEGAL", "a TemplateCode not starting SMS_"),
        ({"SignNameJson": json.dumps(["阿里云", "", "阿里云"])}, "isv.SMS_SIGNATURE_ILLEGAL", "an empty sign name"),
        ({"TemplateParamJson": "[{\"name\":"}, "isv.INVALID_JSON_PARAM", "malformed JSON"),
        ({"SignNameJson": json.dumps(["阿里云", "阿里云"])}, "isv.INVALID_JSON_PARAM", "mismatched lengths"),
        ({"TemplateParamJson": json.dumps([{"n": 1}, {"n": 2}, {"n": 3}])}, "isv.INVALID_JSON_PARAM",
         "non-string template values"),
        ({"PhoneNumberJson": json.dumps([f"138{n:08d}" for n in range(2, 103)]),
          "SignNameJson": json.dumps(["阿里云"] * 101), "TemplateParamJson": json.dumps([{}] * 101)},
         "isv.MOBILE_COUNT_OVER_LIMIT", "101 numbers"),
    ]
    for change, code, what in cases:
        status, answer = mock.aliyun(aliyun_params("SendBatchSms", {**batch, **change}))
        check(status == 200 and answer.get("Code") == code and "BizId" not in answer,
              f"Aliyun batch refused with {code}: {what}", answer)
    check(new_files(mock, before) == [], "Aliyun refused batches stored nothing", new_files(mock, before))


def tencent_checks(mock):
    before = mock.stored()
    body = {"PhoneNumberSet": ["+8613800138030"], "SmsSdkAppId": TENCENT[2], "SignName": "腾讯云",
            "TemplateId": "1110", "TemplateParamSet": ["4370"], "SessionContext": "outbox-9"}
    status, answer = mock.tencent(body)
    sent = answer.get("Response", {}).get("SendStatusSet", [{}])
    check(status == 200 and len(sent) == 1 and sent[0].get("Code") == "Ok" and sent[0].get("Message") == "send success"
          and sent[0].get("SerialNo") and sent[0].get("Fee") == 1 and sent[0].get("IsoCode") == "CN"
          and sent[0].get("SessionContext") == "outbox-9" and answer["Response"].get("RequestId"),
          "Tencent SendSms accepted", answer)
    files = new_files(mock, before)
    check(len(files) == 1 and files[0][1] == {
        "provider": "tencent", "channel": "sms", "kind": "SendSms", "to": "+8613800138030", "template": "1110",
        "params": ["4370"], "text": None, "sign_name": "腾讯云", "ref": sent[0].get("SerialNo"), "reference": "outbox-9",
        "link": None}, "Tencent stored the message", files)

    before = mock.stored()
    status, answer = mock.tencent({**body, "PhoneNumberSet": ["+8613800138031", "+8613800130000", "+8613800130001",
                                                              "13800138032"]})
    sent = answer.get("Response", {}).get("SendStatusSet", [])
    check([entry.get("Code") for entry in sent] == ["Ok", "InvalidParameterValue.IncorrectPhoneNumber",
                                                    "LimitExceeded.PhoneNumberDailyLimit", "Ok"]
          and [entry.get("PhoneNumber") for entry in sent] == ["+8613800138031", "+8613800130000", "+8613800130001",
                                                               "+8613800138032"]
          and [entry.get("Fee") for entry in sent] == [1, 0, 0, 1],
          "Tencent batch answers per number: 0000 permanent, 0001 rate limit, others sent", answer)
    check([record["to"] for _, record in new_files(mock, before)] == ["+8613800138031", "13800138032"],
          "Tencent batch stored only the numbers that were sent", new_files(mock, before))

    status, answer = mock.tencent({**body, "TemplateParamSet": ["x" * 66]})
    check(answer.get("Response", {}).get("SendStatusSet", [{}])[0].get("Fee") == 2,
          "Tencent Fee counts a 71-character message as two parts", answer)

    before = mock.stored()
    cases = [
        ({"secret_key": "wrong-key"}, "AuthFailure.SignatureFailure", "wrong signature"),
        ({"secret_id": "AKIDunknown"}, "AuthFailure.SecretIdNotFound", "unknown SecretId"),
        ({"timestamp": int(time.time()) - 6 * 60}, "AuthFailure.SignatureExpire", "timestamp 6 minutes old"),
        ({"sent_body": json.dumps({**body, "TemplateParamSet": ["9999"]}).encode()}, "AuthFailure.SignatureFailure",
         "body changed after signing"),
    ]
    for change, code, what in cases:
        status, answer = mock.tencent(body, **change)
        check(status == 200 and answer.get("Response", {}).get("Error", {}).get("Code") == code
              and answer["Response"].get("RequestId"), f"Tencent {what} refused with {code}", answer)
    for change, code in [({"SmsSdkAppId": "1400999999"}, "UnauthorizedOperation.SmsSdkAppIdVerifyFail"),
                         ({"TemplateParamSet": [4370]}, "InvalidParameterValue.TemplateParameterFormatError"),
                         ({"PhoneNumberSet": []}, "MissingParameter.EmptyPhoneNumberSet"),
                         ({"PhoneNumberSet": ["+8613800138033"] * 201}, "LimitExceeded.PhoneNumberCountLimit"),
                         ({"SignName": ""}, "FailedOperation.SignatureIncorrectOrUnapproved")]:
        status, answer = mock.tencent({**body, **change})
        check(answer.get("Response", {}).get("Error", {}).get("Code") == code, f"Tencent request refused with {code}",
              answer)
    check(new_files(mock, before) == [], "Tencent refused requests stored nothing", new_files(mock, before))


def twilio_checks(mock):
    before = mock.stored()
    status, answer = mock.twilio({"To": "+15558675310", "From": "+15017122661", "Body": "Hello from Patron",
                                  "StatusCallback": "http://127.0.0.1:1/callback"})
    sid = answer.get("sid", "")
    check(status == 201 and len(sid) == 34 and sid.startswith("SM") and int(sid[2:], 16) >= 0
          and answer.get("status") == "queued" and answer.get("to") == "+15558675310"
          and answer.get("body") == "Hello from Patron" and answer.get("num_segments") == "1"
          and answer.get("account_sid") == TWILIO[0], "Twilio message created", answer)
    files = new_files(mock, before)
    check(len(files) == 1 and files[0][1]["text"] == "Hello from Patron" and files[0][1]["ref"] == sid
          and files[0][1]["provider"] == "twilio", "Twilio stored the message", files)
    status, answer = mock.twilio({"To": "+8613800138040", "From": "+15017122661", "Body": "会员" * 36})
    check(status == 201 and answer.get("num_segments") == "2", "Twilio counts 72 Chinese characters as 2 segments",
          answer)

    before = mock.stored()
    status, answer = mock.twilio({"To": "+15558675310", "From": "+15017122661", "Body": "x"}, token="wrong")
    check(status == 401 and answer.get("code") == 20003 and answer.get("status") == 401, "Twilio wrong token refused",
          answer)
    for to, http_status, code in [("+15558670000", 400, 21211), ("+15558670001", 429, 20429),
                                  ("+15558670002", 400, 21610)]:
        status, answer = mock.twilio({"To": to, "From": "+15017122661", "Body": "x"})
        check(status == http_status and answer.get("code") == code and answer.get("status") == http_status
              and answer.get("more_info") == f"https://www.twilio.com/docs/errors/{code}",
              f"Twilio {to} refused with {http_status} / {code}", answer)
    check(new_files(mock, before) == [], "Twilio refused messages stored nothing", new_files(mock, before))


def wechat_checks(mock):
    app = mock.wechat_token(*WECHAT_APP)
    mini = mock.wechat_token(*WECHAT_MINI)
    check(app.get("access_token") and app.get("expires_in") == 7200, "WeChat Official Account token fetched", app)
    check(mock.wechat_token(WECHAT_APP[0], "wrong") == {"errcode": 40125, "errmsg": "invalid appsecret"},
          "WeChat wrong secret refused with 40125")
    check(mock.wechat_token("wx-unknown", "x").get("errcode") == 40013, "WeChat unknown appid refused with 40013")

    before = mock.stored()
    template = {"touser": "openid-member-1", "template_id": "tpl-points", "url": "https://example.test/points",
                "data": {"keyword1": {"value": "1200 积分"}, "keyword2": {"value": "2026-01-05"}}}
    answer = mock.wechat_send("template", app["access_token"], template)
    check(answer.get("errcode") == 0 and answer.get("errmsg") == "ok" and isinstance(answer.get("msgid"), int),
          "WeChat template message sent", answer)
    subscribe = {"touser": "openid-member-2", "template_id": "tpl-birthday", "page": "pages/member/index",
                 "miniprogram_state": "formal", "lang": "zh_CN",
                 "data": {"thing1": {"value": "生日礼券已到账"}, "date2": {"value": "2026年1月5日"},
                          "amount3": {"value": "¥50.00"}, "phrase4": {"value": "已到账"}}}
    answer = mock.wechat_send("subscribe", mini["access_token"], subscribe)
    check(answer.get("errcode") == 0 and isinstance(answer.get("msgid"), int), "WeChat subscribe message sent", answer)
    files = new_files(mock, before)
    check([(record["kind"], record["to"], record["template"], record["link"], record["channel"]) for _, record in files]
          == [("template", "openid-member-1", "tpl-points", "https://example.test/points", "wechat"),
              ("subscribe", "openid-member-2", "tpl-birthday", "pages/member/index", "wechat")]
          and files[0][1]["params"] == template["data"], "WeChat stored both messages", files)

    before = mock.stored()
    for openid, code in [("openid-unfollowed-1", 43004), ("openid-refused-1", 43101), ("openid-invalid-1", 40003),
                         ("openid-busy-1", -1)]:
        check(mock.wechat_send("template", app["access_token"], {**template, "touser": openid}).get("errcode") == code,
              f"WeChat openid {openid} refused with {code}")
    check(mock.wechat_send("template", app["access_token"], {**template, "template_id": "bad"}).get("errcode") == 40037,
          "WeChat template_id bad refused with 40037")
    long_thing = {**subscribe, "data": {**subscribe["data"], "thing1": {"value": "会" * 21}}}
    answer = mock.wechat_send("subscribe", mini["access_token"], long_thing)
    check(answer.get("errcode") == 47003 and "thing1" in answer.get("errmsg", ""),
          "WeChat subscribe thing of 21 characters refused with 47003", answer)
    for key, value in [("number5", "12a"), ("phrase4", "太长的短语啊"), ("character_string6", "中文"),
                       ("time7", "25:00"), ("amount3", "¥12345678901")]:
        bad = {**subscribe, "data": {**subscribe["data"], key: {"value": value}}}
        check(mock.wechat_send("subscribe", mini["access_token"], bad).get("errcode") == 47003,
              f"WeChat subscribe {key}={value!r} refused with 47003")
    check(mock.wechat_send("subscribe", app["access_token"], subscribe).get("errcode") == 48001,
          "WeChat Official Account token cannot send subscribe messages")
    check(mock.wechat_send("template", "", template).get("errcode") == 41001, "WeChat missing token refused with 41001")
    check(new_files(mock, before) == [], "WeChat refused messages stored nothing", new_files(mock, before))

    newer = mock.wechat_token(*WECHAT_APP)
    check(mock.wechat_send("template", app["access_token"], template).get("errcode") == 0,
          "WeChat previous token still valid in the 5-minute grace after a new fetch")
    check(mock.wechat_send("template", newer["access_token"], template).get("errcode") == 0, "WeChat new token valid")
    status, answer = mock.request("POST", "/_wechat/expire")
    check(status == 200, "/_wechat/expire answered", answer)
    answer = mock.wechat_send("template", newer["access_token"], template)
    check(answer == {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"},
          "WeChat token refused with 40001 after /_wechat/expire", answer)
    refreshed = mock.wechat_token(*WECHAT_APP)
    check(mock.wechat_send("template", refreshed["access_token"], template).get("errcode") == 0,
          "WeChat token fetched after expiry works")
    fetches = mock.stats()["token_fetches"]
    check(fetches == {"wx-test-app": 3, "wx-test-mini": 1}, "token fetches counted per appid", fetches)


def stats_checks(mock):
    stats = mock.stats()
    check(stats["stored"] == len(mock.stored()), "/_stats stored equals the files written", stats)
    check(all(stats["requests"].get(provider, 0) > 0 for provider in ("aliyun", "tencent", "twilio", "wechat")),
          "/_stats counts requests per provider", stats)
    check(all(stats["refused"].get(reason, 0) > 0 for reason in
              ("aliyun:SignatureDoesNotMatch", "aliyun:SignatureNonceUsed", "tencent:AuthFailure.SignatureFailure",
               "tencent:InvalidParameterValue.IncorrectPhoneNumber", "twilio:20003", "wechat:40001")),
          "/_stats counts refusals by provider and code", stats)


def expiry_check(folder):
    mock = Mock(folder, "--token-seconds", "1")
    try:
        token = mock.wechat_token(*WECHAT_APP)
        check(token.get("expires_in") == 1, "--token-seconds sets expires_in", token)
        time.sleep(1.3)
        answer = mock.wechat_send("template", token["access_token"], {"touser": "openid-x", "template_id": "t",
                                                                      "data": {"k": {"value": "v"}}})
        check(answer == {"errcode": 42001, "errmsg": "access_token expired"},
              "WeChat token past expires_in refused with 42001", answer)
    finally:
        mock.stop()


def delay_checks(folder):
    mock = Mock(folder, "--delay", "1")
    try:
        started = time.monotonic()
        status, answer = mock.twilio({"To": "+15558675311", "From": "+15017122661", "Body": "slow"})
        elapsed = time.monotonic() - started
        check(status == 201 and elapsed >= 1.0 and len(mock.stored()) == 1, "--delay answers after the wait",
              (status, elapsed))
        outcome = {}

        def send():
            try:
                outcome["answer"] = mock.twilio({"To": "+15558675312", "From": "+15017122661", "Body": "lost"})
            except (OSError, http.client.HTTPException) as error:
                outcome["error"] = error

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.4)
        mock.stop()
        sender.join()
        check("error" in outcome and len(mock.stored()) == 1, "a mock killed during --delay stored nothing", outcome)
    finally:
        mock.stop()


def restart_check(folder):
    existing = [name for name in os.listdir(folder) if name.endswith(".json")]
    last = max(int(name[:-5]) for name in existing)
    mock = Mock(folder)
    try:
        status, answer = mock.twilio({"To": "+15558675313", "From": "+15017122661", "Body": "after restart"})
        newest = mock.stored()[-1]
        check(status == 201 and newest[0] == f"{last + 1:08d}.json" and newest[1]["text"] == "after restart",
              "numbering continues after a restart on the same folder", (last, newest))
    finally:
        mock.stop()


def count_only_check(folder):
    mock = Mock(folder, "--count-only")
    try:
        batch = {"PhoneNumberJson": json.dumps(["13800138050", "13800138051"]), "SignNameJson": json.dumps(["阿里云"] * 2),
                 "TemplateCode": "SMS_1", "TemplateParamJson": json.dumps([{}, {}])}
        status, answer = mock.aliyun(aliyun_params("SendBatchSms", batch))
        check(answer.get("Code") == "OK" and mock.stats()["stored"] == 2 and os.listdir(folder) == [],
              "--count-only counts and stores nothing", (answer, os.listdir(folder)))
    finally:
        mock.stop()


def main():
    documented_examples()
    with tempfile.TemporaryDirectory() as root:
        folder = os.path.join(root, "main")
        mock = Mock(folder)
        try:
            aliyun_checks(mock)
            tencent_checks(mock)
            twilio_checks(mock)
            wechat_checks(mock)
            stats_checks(mock)
        finally:
            mock.stop()
        restart_check(folder)
        expiry_check(os.path.join(root, "expiry"))
        delay_checks(os.path.join(root, "delay"))
        count_only_check(os.path.join(root, "count-only"))
    print(f"{len(failures)} failed" if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
