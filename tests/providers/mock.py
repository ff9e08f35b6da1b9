#!/usr/bin/env python3
"""A stand-in for the SMS and WeChat providers Patron sends through: stores every accepted message.

    python3 tests/providers/mock.py --dir DIR [--port P] [--delay SECONDS] [--count-only]
                                    [--token-seconds N]

Binds 127.0.0.1 (port 0 picks a free one), prints one line `PORT <n>` once listening and runs
until killed. One port serves every provider, each under a path prefix that is the endpoint base
URL configured in Patron (`http://127.0.0.1:<n>/aliyun` and so on):

    /aliyun/    Aliyun SMS, RPC style (Version 2017-05-25): SendSms, SendBatchSms; POST form or GET
    /tencent/   Tencent Cloud SMS, API 3.0 (Version 2021-01-11, TC3-HMAC-SHA256): SendSms
    /twilio/    Twilio: POST /twilio/2010-04-01/Accounts/<AccountSid>/Messages.json
    /wechat/    WeChat: GET  cgi-bin/token, POST cgi-bin/message/template/send (Official Account),
                POST cgi-bin/message/subscribe/send (mini-program)
    /_stats     GET: {"stored": messages accepted since start, "token_fetches": {appid: n},
                "requests": {provider: n}, "refused": {"<provider>:<code>": n}}
    /_wechat/expire   POST: every WeChat access token becomes invalid at once (errcode 40001)

Credentials (tests use the same strings):
    Aliyun    AccessKeyId test-key-id, AccessKeySecret test-key-secret
    Tencent   SecretId test-secret-id, SecretKey test-secret-key, SmsSdkAppId 1400000001
    Twilio    Account SID AC00000000000000000000000000000001, Auth Token test-auth-token
    WeChat    Official Account wx-test-app / test-app-secret, mini-program wx-test-mini / test-mini-secret

Signatures are verified as each provider documents them; a request that fails is answered with the
provider's own error body. Recipients steer the outcome:
    number ending 0000   invalid number, permanent (Aliyun isv.MOBILE_NUMBER_ILLEGAL, Tencent
                         InvalidParameterValue.IncorrectPhoneNumber, Twilio 21211)
    number ending 0001   the provider's rate limit, temporary (Aliyun isv.BUSINESS_LIMIT_CONTROL,
                         Tencent LimitExceeded.PhoneNumberDailyLimit, Twilio 429 / 20429)
    number ending 0002   Twilio only: unsubscribed recipient (21610)
    openid containing    unfollowed → 43004, refused → 43101, invalid → 40003, busy → -1;
                         template_id `bad` → 40037; a subscribe value over its documented limit
                         (thing 20 characters, phrase 5, number 32 …) → 47003
Aliyun fails a whole call for one bad number (nothing stored); Tencent answers per number.
WeChat tokens: a new fetch leaves the app's older tokens 5 minutes of grace, then 40001; a token
past expires_in gets 42001, a missing one 41001, one of the other app's kind 48001.

Each accepted message, one per recipient, becomes `DIR/<n>.json` (8 digits), written to a
temporary name and renamed, all of a request's files before the answer:
    {"provider", "channel": "sms"|"wechat", "kind": "SendSms"|"SendBatchSms"|"template"|"subscribe",
     "to", "template", "params", "text", "sign_name", "ref", "reference", "link"}
(Tencent and Twilio messages are kind SendSms; ref is the BizId, SerialNo, sid or msgid.)
Numbering continues after a restart on the same folder, so names sort oldest first.

`--delay` waits before answering a send and stores only afterwards: a mock killed while waiting
never accepted the message. `--count-only` stores nothing, only counts (for bench/sms_ceiling.py).
`--token-seconds` is the `expires_in` of WeChat access tokens (default 7200).
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import itertools
import json
import math
import os
import re
import secrets
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlsplit

ALIYUN_KEY_ID = "test-key-id"
ALIYUN_KEY_SECRET = "test-key-secret"
TENCENT_SECRET_ID = "test-secret-id"
TENCENT_SECRET_KEY = "test-secret-key"
TENCENT_SDK_APP_ID = "1400000001"
TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000001"
TWILIO_AUTH_TOKEN = "test-auth-token"
# appid → (secret, which send route its tokens may call)
WECHAT_APPS = {"wx-test-app": ("test-app-secret", "template"), "wx-test-mini": ("test-mini-secret", "subscribe")}

# Aliyun refuses a Timestamp more than 15 minutes from its clock (InvalidTimeStamp.Expired);
# Tencent allows five minutes (AuthFailure.SignatureExpire).
ALIYUN_CLOCK_SKEW = 15 * 60
TENCENT_CLOCK_SKEW = 5 * 60
# WeChat: "the platform keeps old and new access_token valid together for 5 minutes" after a refresh.
WECHAT_TOKEN_GRACE = 5 * 60

# One counter for every provider reference (BizId, SerialNo, msgid): starting from the clock keeps
# references unique across restarts on the same folder.
_serial = itertools.count(int(time.time() * 1000) * 1000)


def percent_encode(text):
    """Aliyun's percentEncode: RFC 3986 over UTF-8; unreserved A-Z a-z 0-9 - _ . ~ stay, space is %20."""
    return quote(text, safe="-_.~")


def aliyun_string_to_sign(method, params):
    """HTTPMethod & percentEncode("/") & percentEncode(canonicalized query): every parameter but
    Signature, sorted by name, name and value percent-encoded, joined k=v&k=v."""
    canonical = "&".join(
        f"{percent_encode(name)}={percent_encode(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )
    # The canonical string holds only unreserved characters, %XY, = and &, so encoding it again is
    # three replacements: the same result as percent_encode(canonical), at a fraction of the cost.
    encoded = canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    return f"{method}&{percent_encode('/')}&{encoded}"


def aliyun_signature(secret, string_to_sign):
    """Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))."""
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def tc3_canonical_request(method, query, headers, signed_headers, payload):
    """TC3 CanonicalRequest. The URI is always "/": the path prefix is this mock's routing only.
    Header names and values are lower-cased and trimmed, as the TC3 documentation says."""
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers)
    return "\n".join(
        [method, "/", query, canonical_headers, ";".join(signed_headers), hashlib.sha256(payload).hexdigest()]
    )


def tc3_string_to_sign(timestamp, date, service, canonical_request):
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{digest}"


def tc3_signature(secret_key, date, service, string_to_sign):
    """SecretDate = HMAC("TC3" + SecretKey, date), then service, then "tc3_request"; hex HMAC-SHA256."""

    def sign(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    signing_key = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()


# GSM 03.38 default alphabet (ESC excluded) and its extension table, whose characters take two septets.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def twilio_segments(body):
    """Segments Twilio bills: GSM-7 when every character is in the GSM alphabet (160 septets in one
    segment, 153 per segment once split), otherwise UCS-2 (70 UTF-16 units, 67 once split).
    Twilio's optional Smart Encoding (replacing look-alike Unicode) is not modelled."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in body):
        septets = sum(2 if char in GSM_EXTENDED else 1 for char in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def tencent_fee(sign_name, params):
    """Billed parts under Tencent's mainland rule: 70 characters in one message, 67 per part once
    split, counting the signature with the 【】 Tencent adds. The mock does not know the template's
    own text, so only the signature and the parameters are counted; the rule is applied to
    international numbers too."""
    length = len(f"【{sign_name}】") + sum(len(param) for param in params)
    return 1 if length <= 70 else math.ceil(length / 67)


class Outcome:
    """What a route decided: the HTTP answer, the messages to store, the refusals to count."""

    def __init__(self, status, payload, records=(), refused=(), headers=()):
        self.status = status
        self.payload = payload
        self.records = list(records)
        self.refused = list(refused)
        self.headers = list(headers)


class Ledger:
    """Stores accepted messages (or only counts them) and keeps the counters /_stats reports."""

    def __init__(self, folder, count_only):
        self.folder = folder
        self.count_only = count_only
        self.lock = threading.Lock()
        numbers = [int(name[:-5]) for name in os.listdir(folder) if re.fullmatch(r"\d{8,}\.json", name)]
        self.last = max(numbers, default=0)
        self.stored = 0
        self.requests = {}
        self.refused = {}
        self.token_fetches = {}

    def store(self, records):
        with self.lock:
            first = self.last + 1
            self.last += len(records)
        if not self.count_only:
            for number, record in enumerate(records, start=first):
                name = f"{number:08d}.json"
                temporary = os.path.join(self.folder, "." + name + ".tmp")
                with open(temporary, "w", encoding="utf-8") as file:
                    json.dump(record, file, ensure_ascii=False)
                os.replace(temporary, os.path.join(self.folder, name))
        with self.lock:
            self.stored += len(records)

    def count(self, table, key):
        with self.lock:
            table[key] = table.get(key, 0) + 1

    def snapshot(self):
        with self.lock:
            return {
                "stored": self.stored,
                "token_fetches": dict(self.token_fetches),
                "requests": dict(self.requests),
                "refused": dict(self.refused),
            }


class Nonces:
    """Aliyun's SignatureNonce memory. A replay must carry the original (signed) Timestamp, which is
    accepted for 15 minutes either side of the clock, so a nonce need be kept 30 minutes at most."""

    def __init__(self, keep_seconds):
        self.keep = keep_seconds
        self.seen = {}
        self.lock = threading.Lock()

    def claim(self, nonce):
        now = time.monotonic()
        with self.lock:
            # dicts keep insertion order, so the oldest nonces are at the front
            for old, at in list(itertools.islice(self.seen.items(), 64)):
                if now - at < self.keep:
                    break
                del self.seen[old]
            if nonce in self.seen:
                return False
            self.seen[nonce] = now
            return True


class Tokens:
    """WeChat access tokens: each lives `lifetime` seconds; a newer token for the same app cuts the
    older ones down to the 5-minute grace WeChat documents."""

    def __init__(self, lifetime):
        self.lifetime = lifetime
        self.lock = threading.Lock()
        self.tokens = {}  # token → {"appid", "expires", "superseded"}

    def issue(self, appid):
        now = time.monotonic()
        token = secrets.token_urlsafe(96)
        with self.lock:
            for old in self.tokens.values():
                if old["appid"] == appid and old["superseded"] is None:
                    old["superseded"] = now + WECHAT_TOKEN_GRACE
            self.tokens = {key: value for key, value in self.tokens.items() if value["expires"] > now - 3600}
            self.tokens[token] = {"appid": appid, "expires": now + self.lifetime, "superseded": None}
        return token

    def check(self, token):
        """(appid, 0, "") when usable, else (None, errcode, errmsg) as WeChat's global codes say."""
        if not token:
            return None, 41001, "access_token missing"
        now = time.monotonic()
        with self.lock:
            entry = self.tokens.get(token)
        if entry is None or (entry["superseded"] is not None and now >= entry["superseded"]):
            return None, 40001, "invalid credential, access_token is invalid or not latest"
        if now >= entry["expires"]:
            return None, 42001, "access_token expired"
        return entry["appid"], 0, ""

    def expire_all(self):
        with self.lock:
            count = len(self.tokens)
            self.tokens.clear()
        return count


def aliyun_error(status, code, message):
    return Outcome(status, {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}, refused=[code])


ALIYUN_MAINLAND = re.compile(r"(?:\+86|0086|86)?1\d{10}")
ALIYUN_INTERNATIONAL = re.compile(r"00[1-9]\d{5,15}")
ALIYUN_MESSAGES = {
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.BUSINESS_LIMIT_CONTROL": "业务限流",
    "isv.SMS_TEMPLATE_ILLEGAL": "短信模版不合法",
    "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不合法",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.MOBILE_COUNT_OVER_LIMIT": "手机号码数量超过限制",
}


def aliyun_number_problem(number):
    # Mainland numbers are 11 digits, optionally behind +86/0086/86 (as SendBatchSms documents);
    # international ones carry the 00 prefix, as SendSms long documented them (00 + country code +
    # number). Current pages also show them bare (852000012****); this mock refuses that form so
    # Patron keeps to the one that cannot be mistaken for a mainland number.
    if not (ALIYUN_MAINLAND.fullmatch(number) or ALIYUN_INTERNATIONAL.fullmatch(number)):
        return "isv.MOBILE_NUMBER_ILLEGAL"
    if number.endswith("0000"):
        return "isv.MOBILE_NUMBER_ILLEGAL"
    if number.endswith("0001"):
        return "isv.BUSINESS_LIMIT_CONTROL"
    return None


def string_object(value):
    """A template-parameter object as Aliyun accepts it: JSON object of string values only
    ("JSON参数不合法，只接受字符串值")."""
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def aliyun(params, method):
    """Aliyun RPC gateway checks, then SendSms / SendBatchSms. Gateway errors carry HTTP 400/404;
    business errors (isv.*) are HTTP 200 with a Code other than OK, as Aliyun answers them."""
    for name in ("AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp",
                 "Version", "Signature"):
        if not params.get(name):
            # Aliyun names a missing parameter as Missing<Name>, e.g. MissingPhoneNumbers.
            return aliyun_error(400, f"Missing{name}", f"{name} is mandatory for this action.")
    if params["AccessKeyId"] != ALIYUN_KEY_ID:
        return aliyun_error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
        return aliyun_error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
    try:
        signed_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return aliyun_error(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    if abs(signed_at.timestamp() - time.time()) > ALIYUN_CLOCK_SKEW:
        return aliyun_error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    string_to_sign = aliyun_string_to_sign(method, params)
    if not hmac.compare_digest(aliyun_signature(ALIYUN_KEY_SECRET, string_to_sign), params["Signature"]):
        # Aliyun's gateway shows its string to sign, which is what one needs to debug a signer.
        return aliyun_error(400, "SignatureDoesNotMatch",
                            "Specified signature is not matched with our calculation. server string to sign is:"
                            + string_to_sign)
    # The nonce is remembered only once the signature holds, so nobody can burn another's nonces.
    if not NONCES.claim(params["SignatureNonce"]):
        return aliyun_error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    if params["Version"] != "2017-05-25":
        return aliyun_error(400, "InvalidVersion", "Specified parameter Version is not valid.")
    if params["Action"] not in ("SendSms", "SendBatchSms"):
        return aliyun_error(404, "InvalidAction.NotFound",
                            "Specified api is not found, please check your url and method")
    if params.get("Format") != "JSON":
        # Aliyun answers XML when Format is absent or XML; this mock speaks JSON only.
        return aliyun_error(400, "InvalidParameter", "This mock answers Format=JSON only.")
    required = ("PhoneNumbers", "SignName", "TemplateCode") if params["Action"] == "SendSms" \
        else ("PhoneNumberJson", "SignNameJson", "TemplateCode")
    for name in required:
        if name not in params:
            return aliyun_error(400, f"Missing{name}", f"{name} is mandatory for this action.")
    messages = aliyun_send_sms(params) if params["Action"] == "SendSms" else aliyun_send_batch(params)
    if isinstance(messages, str):
        return Outcome(200, {"RequestId": str(uuid.uuid4()).upper(), "Code": messages,
                             "Message": ALIYUN_MESSAGES[messages]}, refused=[messages])
    # Aliyun returns one BizId for the whole call, batch or not.
    biz_id = f"{next(_serial)}^0"
    records = [
        {"provider": "aliyun", "channel": "sms", "kind": params["Action"], "to": number,
         "template": params["TemplateCode"], "params": template_params, "text": None, "sign_name": sign_name,
         "ref": biz_id, "reference": params.get("OutId"), "link": None}
        for number, sign_name, template_params in messages
    ]
    payload = {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": str(uuid.uuid4()).upper()}
    return Outcome(200, payload, records=records)


def aliyun_send_sms(params):
    """[(number, sign name, params)] or the isv code refusing the whole call."""
    numbers = [number.strip() for number in params["PhoneNumbers"].split(",")]
    if len(numbers) > 1000:
        return "isv.MOBILE_COUNT_OVER_LIMIT"
    template_params = None
    if params.get("TemplateParam"):
        try:
            template_params = json.loads(params["TemplateParam"])
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not string_object(template_params):
            return "isv.INVALID_JSON_PARAM"
    if not params["TemplateCode"].startswith("SMS_"):
        return "isv.SMS_TEMPLATE_ILLEGAL"
    if not params["SignName"].strip():
        return "isv.SMS_SIGNATURE_ILLEGAL"
    # One bad number fails the whole call and nothing is sent: Aliyun checks every number first.
    for number in numbers:
        problem = aliyun_number_problem(number)
        if problem:
            return problem
    return [(number, params["SignName"], template_params) for number in numbers]


def aliyun_send_batch(params):
    try:
        numbers = json.loads(params["PhoneNumberJson"])
        sign_names = json.loads(params["SignNameJson"])
        template_params = json.loads(params["TemplateParamJson"]) if params.get("TemplateParamJson") else None
        extend_codes = json.loads(params["SmsUpExtendCodeJson"]) if params.get("SmsUpExtendCodeJson") else None
    except ValueError:
        return "isv.INVALID_JSON_PARAM"
    if not isinstance(numbers, list) or not numbers or not all(isinstance(number, str) for number in numbers):
        return "isv.INVALID_JSON_PARAM"
    if len(numbers) > 100:
        return "isv.MOBILE_COUNT_OVER_LIMIT"
    # The signatures, parameters and extension codes pair with the numbers one to one.
    if not isinstance(sign_names, list) or len(sign_names) != len(numbers) \
            or not all(isinstance(name, str) for name in sign_names):
        return "isv.INVALID_JSON_PARAM"
    if template_params is not None and (not isinstance(template_params, list) or len(template_params) != len(numbers)
                                        or not all(string_object(item) for item in template_params)):
        return "isv.INVALID_JSON_PARAM"
    if extend_codes is not None and (not isinstance(extend_codes, list) or len(extend_codes) != len(numbers)):
        return "isv.INVALID_JSON_PARAM"
    if not params["TemplateCode"].startswith("SMS_"):
        return "isv.SMS_TEMPLATE_ILLEGAL"
    if not all(name.strip() for name in sign_names):
        return "isv.SMS_SIGNATURE_ILLEGAL"
    # As with SendSms, one bad number fails the whole batch: Aliyun sends none of it.
    for number in numbers:
        problem = aliyun_number_problem(number)
        if problem:
            return problem
    return list(zip(numbers, sign_names, template_params or [None] * len(numbers)))


def tencent_error(code, message):
    # Tencent answers every error with HTTP 200 and an Error object.
    return Outcome(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}},
                   refused=[code])


TENCENT_AUTHORIZATION = re.compile(
    r"(\S+) Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([^/]+)/tc3_request,"
    r"\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})"
)
# IsoCode for the country codes tests use (longest prefix wins); any other number gets "".
ISO_CODES = {"86": "CN", "852": "HK", "853": "MO", "886": "TW", "1": "US", "44": "GB", "65": "SG", "81": "JP",
             "82": "KR", "60": "MY", "61": "AU", "49": "DE", "33": "FR", "66": "TH", "84": "VN", "62": "ID"}


def tencent_e164(number):
    """The number in E.164, or None. Mainland numbers may also come as 0086…, 86… or 11 bare digits,
    as SendSms documents."""
    if re.fullmatch(r"\+86\d*", number):
        return number if re.fullmatch(r"\+861\d{10}", number) else None
    if re.fullmatch(r"\+[1-9]\d{4,14}", number):
        return number
    match = re.fullmatch(r"(?:0086|86)?(1\d{10})", number)
    return "+86" + match[1] if match else None


def iso_code(e164):
    digits = e164[1:]
    for length in (3, 2, 1):
        if digits[:length] in ISO_CODES:
            return ISO_CODES[digits[:length]]
    return ""


def tencent(method, query, headers, body):
    """TC3 verification, then SendSms with one status per number."""
    if method != "POST":
        return tencent_error("UnsupportedProtocol", "This mock serves SendSms as POST application/json only.")
    match = TENCENT_AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if not match or match[1] != "TC3-HMAC-SHA256":
        return tencent_error("AuthFailure.InvalidAuthorization", "Authorization in the request header is invalid.")
    secret_id, date, service, signed_headers, signature = match[2], match[3], match[4], match[5].split(";"), match[6]
    if secret_id != TENCENT_SECRET_ID:
        return tencent_error("AuthFailure.SecretIdNotFound",
                             "The SecretId is not found, please ensure that your SecretId is correct.")
    try:
        timestamp = int(headers.get("x-tc-timestamp", ""))
    except ValueError:
        return tencent_error("InvalidParameter", "X-TC-Timestamp must be Unix time in seconds.")
    if abs(timestamp - time.time()) > TENCENT_CLOCK_SKEW:
        return tencent_error("AuthFailure.SignatureExpire",
                             "Signature expired. Timestamp and server time cannot differ by more than five minutes.")
    # The credential scope must name the UTC date of X-TC-Timestamp and the sms service.
    expected_date = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    if date != expected_date or service != "sms":
        return tencent_error("AuthFailure.SignatureFailure",
                             f"The credential scope must be {expected_date}/sms/tc3_request for this X-TC-Timestamp.")
    if "content-type" not in signed_headers or "host" not in signed_headers \
            or any(name not in headers for name in signed_headers):
        return tencent_error("AuthFailure.InvalidAuthorization",
                             "SignedHeaders must include content-type and host, and name headers the request has.")
    canonical = tc3_canonical_request(method, query, headers, signed_headers, body)
    expected = tc3_signature(TENCENT_SECRET_KEY, date, service, tc3_string_to_sign(timestamp, date, service, canonical))
    if not hmac.compare_digest(expected, signature):
        return tencent_error("AuthFailure.SignatureFailure",
                             "The provided credentials could not be validated. Please check your signature is correct.")
    if headers.get("x-tc-action") != "SendSms":
        return tencent_error("InvalidAction", f"The action `{headers.get('x-tc-action')}` is not found.")
    if headers.get("x-tc-version") != "2021-01-11":
        return tencent_error("NoSuchVersion", f"The version `{headers.get('x-tc-version')}` is not found.")
    if not headers.get("x-tc-region"):
        return tencent_error("MissingParameter", "The parameter `X-TC-Region` is missing.")
    if not headers.get("content-type", "").lower().startswith("application/json"):
        return tencent_error("InvalidParameter", "Content-Type must be application/json.")
    try:
        request = json.loads(body)
    except ValueError:
        return tencent_error("FailedOperation.JsonParseFail", "The request body is not valid JSON.")
    if not isinstance(request, dict):
        return tencent_error("FailedOperation.JsonParseFail", "The request body must be a JSON object.")
    return tencent_send_sms(request)


def tencent_send_sms(request):
    for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
        if name not in request:
            return tencent_error("MissingParameter", f"The parameter `{name}` is missing.")
    numbers = request["PhoneNumberSet"]
    if not isinstance(numbers, list) or not all(isinstance(number, str) for number in numbers):
        return tencent_error("InvalidParameter", "PhoneNumberSet must be an array of strings.")
    if not numbers:
        return tencent_error("MissingParameter.EmptyPhoneNumberSet", "The PhoneNumberSet is empty.")
    if len(numbers) > 200:
        return tencent_error("LimitExceeded.PhoneNumberCountLimit", "More than 200 numbers in one request.")
    if request["SmsSdkAppId"] != TENCENT_SDK_APP_ID:
        return tencent_error("UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                             "SmsSdkAppId verification failed: it does not belong to this SecretId's account.")
    if not isinstance(request["TemplateId"], str) or not request["TemplateId"].isdigit():
        return tencent_error("FailedOperation.TemplateIncorrectOrUnapproved",
                             "The template is not approved or does not exist.")
    template_params = request.get("TemplateParamSet", [])
    if not isinstance(template_params, list) or not all(isinstance(param, str) for param in template_params):
        return tencent_error("InvalidParameterValue.TemplateParameterFormatError",
                             "TemplateParamSet must be an array of strings.")
    sign_name = request.get("SignName", "")
    session = request.get("SessionContext", "")
    if not isinstance(sign_name, str) or not isinstance(session, str) or len(session.encode()) >= 512:
        return tencent_error("InvalidParameter", "SignName and SessionContext are strings; SessionContext < 512 bytes.")
    e164 = [tencent_e164(number) for number in numbers]
    regions = {number.startswith("+86") for number in e164 if number}
    if len(regions) > 1:
        return tencent_error("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
                             "The request mixes mainland China and international numbers.")
    # A mainland message needs an approved signature; international ones may go without.
    if True in regions and not sign_name.strip():
        return tencent_error("FailedOperation.SignatureIncorrectOrUnapproved",
                             "The signature is not approved or its format is incorrect.")
    fee = tencent_fee(sign_name, template_params)
    statuses, records, refused = [], [], []
    for number, normalized in zip(numbers, e164):
        status = {"SerialNo": "", "PhoneNumber": normalized or number, "Fee": 0, "SessionContext": session,
                  "Code": "Ok", "Message": "send success", "IsoCode": iso_code(normalized) if normalized else ""}
        if normalized is None or number.endswith("0000"):
            status.update(Code="InvalidParameterValue.IncorrectPhoneNumber",
                          Message="The mobile number format is incorrect.")
        elif number.endswith("0001"):
            status.update(Code="LimitExceeded.PhoneNumberDailyLimit",
                          Message="The number of SMS messages delivered to this mobile number today exceeds the limit.")
        else:
            serial = f"{secrets.randbelow(9000) + 1000}:{next(_serial)}{secrets.randbelow(10**10):010d}"
            status.update(SerialNo=serial, Fee=fee)
            records.append({"provider": "tencent", "channel": "sms", "kind": "SendSms", "to": number,
                            "template": request["TemplateId"], "params": template_params, "text": None,
                            "sign_name": sign_name, "ref": serial, "reference": session or None, "link": None})
        if status["Code"] != "Ok":
            refused.append(status["Code"])
        statuses.append(status)
    payload = {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
    return Outcome(200, payload, records=records, refused=refused)


def twilio_error(status, code, message, **extra):
    payload = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
               "status": status, **extra}
    headers = [("WWW-Authenticate", 'Basic realm="Twilio API"')] if status == 401 else []
    return Outcome(status, payload, refused=[str(code)], headers=headers)


def twilio(method, path, headers, body):
    match = re.fullmatch(r"/twilio/2010-04-01/Accounts/([^/]+)/Messages\.json", path)
    if not match:
        return twilio_error(404, 20404, "The requested resource was not found")
    expected = "Basic " + base64.b64encode(f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()
    if match[1] != TWILIO_ACCOUNT_SID or not hmac.compare_digest(headers.get("authorization", "").strip(), expected):
        return twilio_error(401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect.")
    if method != "POST":
        return twilio_error(405, 20004, "Method not allowed")
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    to, sender, service = form.get("To", ""), form.get("From"), form.get("MessagingServiceSid")
    text = form.get("Body", "")
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not sender and not service:
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not text:
        return twilio_error(400, 21602, "Message body is required.")
    if len(text) > 1600:
        return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if not re.fullmatch(r"\+[1-9]\d{6,14}", to) or to.endswith("0000"):
        return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if to.endswith("0001"):
        return twilio_error(429, 20429, "Too Many Requests")
    if to.endswith("0002"):
        return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    sid = "SM" + uuid.uuid4().hex
    now = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    uri = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages/{sid}"
    # Through a Messaging Service Twilio answers "accepted" with num_segments "0": no sender is
    # chosen yet. Twilio sends the counts as strings.
    payload = {
        "account_sid": TWILIO_ACCOUNT_SID, "api_version": "2010-04-01", "body": text, "date_created": now,
        "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": sender, "messaging_service_sid": service, "num_media": "0",
        "num_segments": "0" if service and not sender else str(twilio_segments(text)), "price": None,
        "price_unit": "USD", "sid": sid, "status": "accepted" if service and not sender else "queued",
        "subresource_uris": {"media": uri + "/Media.json"}, "to": to, "uri": uri + ".json",
    }
    record = {"provider": "twilio", "channel": "sms", "kind": "SendSms", "to": to, "template": None, "params": None,
              "text": text, "sign_name": None, "ref": sid, "reference": None, "link": None}
    return Outcome(201, payload, records=[record])


def wechat_error(errcode, errmsg):
    return Outcome(200, {"errcode": errcode, "errmsg": errmsg}, refused=[str(errcode)])


def wechat_token(method, query):
    if method != "GET":
        return wechat_error(43001, "require GET method")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if params.get("grant_type") != "client_credential":
        return wechat_error(40002, "invalid grant_type")
    appid, secret = params.get("appid", ""), params.get("secret", "")
    if not appid:
        return wechat_error(41002, "appid missing")
    if not secret:
        return wechat_error(41004, "appsecret missing")
    if appid not in WECHAT_APPS:
        return wechat_error(40013, "invalid appid")
    if not hmac.compare_digest(secret, WECHAT_APPS[appid][0]):
        return wechat_error(40125, "invalid appsecret")
    LEDGER.count(LEDGER.token_fetches, appid)
    return Outcome(200, {"access_token": TOKENS.issue(appid), "expires_in": TOKENS.lifetime})


# Subscribe-message value rules by key prefix (key = prefix + digits), from subscribeMessage.send.
CJK = r"\u4e00-\u9fff"
DATE = r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/]\d{1,2}[-/]\d{1,2})"
CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
TIME = rf"(?:{DATE}\s*)?{CLOCK}"
DAY = rf"{DATE}(?:\s*{CLOCK})?"
SUBSCRIBE_RULES = {
    "thing": lambda value: len(value) <= 20,
    "number": lambda value: len(value) <= 32 and re.fullmatch(r"\d+(?:\.\d+)?", value),
    "letter": lambda value: len(value) <= 32 and re.fullmatch(r"[A-Za-z]+", value),
    "symbol": lambda value: len(value) <= 5 and re.fullmatch(r"[^\w\s]+", value),
    "character_string": lambda value: len(value) <= 32 and re.fullmatch(r"[\x21-\x7e]+", value),
    # time and date: 24-hour times / dates, optionally a period "a~b"
    "time": lambda value: re.fullmatch(rf"{TIME}(?:\s*~\s*{TIME})?", value),
    "date": lambda value: re.fullmatch(rf"{DAY}(?:\s*~\s*{DAY})?", value),
    # one currency symbol (optional here), up to 10 digits, decimals allowed, may end in 元
    "amount": lambda value: re.fullmatch(r"[¥￥$€£]?\d{1,10}(?:\.\d+)?元?", value),
    "phone_number": lambda value: len(value) <= 17 and re.fullmatch(r"[\d+\-() ]+", value),
    # first and last may be Chinese characters, the rest letters or digits
    "car_number": lambda value: len(value) <= 8
    and re.fullmatch(rf"[{CJK}A-Za-z0-9][A-Za-z0-9]*[{CJK}A-Za-z0-9]?", value),
    # 10 Chinese characters, or 20 letters or symbols; a mix counts as Chinese
    "name": lambda value: len(value) <= (10 if re.search(rf"[{CJK}]", value) else 20),
    "phrase": lambda value: len(value) <= 5 and re.fullmatch(rf"[{CJK}]+", value),
}


def subscribe_problem(data):
    """The first data key whose value breaks its type's rule, or None."""
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            return key
        rule = SUBSCRIBE_RULES.get(re.sub(r"\d+$", "", key))
        if rule and not rule(value):
            return key
    return None


def wechat_send(kind, method, query, body):
    if method != "POST":
        return wechat_error(43002, "require POST method")
    appid, errcode, errmsg = TOKENS.check(dict(parse_qsl(query, keep_blank_values=True)).get("access_token"))
    if appid is None:
        return wechat_error(errcode, errmsg)
    if WECHAT_APPS[appid][1] != kind:
        # An Official Account token cannot send subscribe messages, nor a mini-program's templates.
        return wechat_error(48001, "api unauthorized")
    if not body:
        return wechat_error(44002, "empty post data")
    try:
        request = json.loads(body)
    except ValueError:
        return wechat_error(47001, "data format error")
    if not isinstance(request, dict):
        return wechat_error(47001, "data format error")
    openid, template_id, data = request.get("touser"), request.get("template_id"), request.get("data")
    if not isinstance(openid, str) or not openid or "invalid" in openid:
        return wechat_error(40003, "invalid openid")
    if not isinstance(template_id, str) or not template_id or template_id == "bad":
        return wechat_error(40037, "invalid template_id")
    if not isinstance(data, dict) or not all(isinstance(item, dict) and "value" in item for item in data.values()):
        return wechat_error(47003, "argument invalid! data is invalid")
    if kind == "subscribe":
        key = subscribe_problem(data)
        if key:
            return wechat_error(47003, f"argument invalid! data.{key}.value invalid")
    if "unfollowed" in openid:
        return wechat_error(43004, "require subscribe")
    if "refused" in openid:
        return wechat_error(43101, "user refuse to accept the msg")
    if "busy" in openid:
        return wechat_error(-1, "system error")
    msgid = next(_serial)
    if kind == "template":
        miniprogram = request.get("miniprogram")
        link = request.get("url") or (miniprogram.get("pagepath") if isinstance(miniprogram, dict) else None)
    else:
        link = request.get("page")
    record = {"provider": "wechat", "channel": "wechat", "kind": kind, "to": openid, "template": template_id,
              "params": data, "text": None, "sign_name": None, "ref": str(msgid), "reference": None, "link": link}
    return Outcome(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}, records=[record])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PatronProviderMock/1"
    # Keep-alive clients wait on small answers: send headers and body in one segment, at once.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def handle_expect_100(self):
        # The base class leaves "100 Continue" in the write buffer; the client waits for it.
        self.send_response_only(100)
        self.end_headers()
        self.wfile.flush()
        return True

    def serve(self, method):
        # The body is read first, whatever the answer, so the next request on the connection starts clean.
        body = self.read_body()
        try:
            provider, send, outcome = self.route(method, body)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            provider, send, outcome = None, False, Outcome(500, {"error": "mock failure, see its stderr"})
        if provider:
            LEDGER.count(LEDGER.requests, provider)
            for code in outcome.refused:
                LEDGER.count(LEDGER.refused, f"{provider}:{code}")
        if send and OPTIONS.delay > 0:
            time.sleep(OPTIONS.delay)
        if outcome.records:
            LEDGER.store(outcome.records)
        self.reply(outcome.status, outcome.payload, outcome.headers)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def route(self, method, body):
        """(provider or None, whether this is a send route, Outcome)."""
        url = urlsplit(self.path)
        path, query = url.path, url.query
        headers = {name.lower(): value for name, value in self.headers.items()}
        if path in ("/aliyun", "/aliyun/"):
            params = dict(parse_qsl(query, keep_blank_values=True))
            if method == "POST":
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            return "aliyun", True, aliyun(params, method)
        if path in ("/tencent", "/tencent/"):
            return "tencent", True, tencent(method, query, headers, body)
        if path.startswith("/twilio/"):
            return "twilio", True, twilio(method, path, headers, body)
        if path == "/wechat/cgi-bin/token":
            return "wechat", False, wechat_token(method, query)
        if path == "/wechat/cgi-bin/message/template/send":
            return "wechat", True, wechat_send("template", method, query, body)
        if path == "/wechat/cgi-bin/message/subscribe/send":
            return "wechat", True, wechat_send("subscribe", method, query, body)
        if path == "/_stats" and method == "GET":
            return None, False, Outcome(200, LEDGER.snapshot())
        if path == "/_wechat/expire" and method == "POST":
            return None, False, Outcome(200, {"expired": TOKENS.expire_all()})
        return None, False, Outcome(404, {"error": "no such route", "path": path})

    def reply(self, status, payload, headers):
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Benchmarks open many connections at once; the default backlog of 5 would refuse some.
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # A client killed mid-request (the crash tests do it on purpose) is not the stand-in's
        # trouble; anything else is printed as usual.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    global OPTIONS, LEDGER, NONCES, TOKENS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--count-only", action="store_true")
    parser.add_argument("--token-seconds", type=int, default=7200)
    OPTIONS = parser.parse_args()
    os.makedirs(OPTIONS.dir, exist_ok=True)
    LEDGER = Ledger(OPTIONS.dir, OPTIONS.count_only)
    NONCES = Nonces(2 * ALIYUN_CLOCK_SKEW)
    TOKENS = Tokens(OPTIONS.token_seconds)
    server = Server(("127.0.0.1", OPTIONS.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
