"""
fake_aws_ses.py - the SES sending-evidence calls of tests/support/fake_aws.py (issue 18):

    ses   POST /  Action=GetSendStatistics Version=2010-12-01            (XML)
    ses   GET  /v2/email/identities[?PageSize=N[&NextToken=T]]            (JSON, SESv2)
    ses   GET  /v2/email/identities/{identity}/policies                  (JSON, SESv2)

Shapes as AWS answers them (AWS-NOTES section 9; botocore's ses/sesv2 models). The
state of a region (the "ses" map of a key in fake_aws.py's state) may hold, besides the
GetSendQuota/GetAccount fields:
    stats        [{"minutes_ago": N, "attempts": N, "bounces": N, "complaints": N,
                  "rejects": N}, ...] (default: none) or "deny" (AccessDenied)
    review       {"Status": "PENDING", "CaseId": "..."}  (GetAccount Details.ReviewDetails)
    suppressed   ["BOUNCE", "COMPLAINT"]  (GetAccount SuppressionAttributes)
    identities   [{"name": "example.com", "type": "DOMAIN", "policies": {NAME: POLICY}}]
                 (POLICY: a dict, dumped as JSON, or a string sent as is) or "deny",
                 or "endless": every page empty, with a NextToken
    policies     "deny": GetEmailIdentityPolicies answers AccessDenied
NextToken values are opaque base64 ("+", "/" and "=" included on purpose: the client
must encode them in the query and sign them decoded).
"""

import base64
import json
import time
import urllib.parse
import uuid

NS_SES = "http://ses.amazonaws.com/doc/2010-12-01/"
IDENTITIES_PATH = "/v2/email/identities"


def sesv2_route(raw_path, raw_query):
    """(action, params) for a sesv2 evidence GET, or (None, None)."""
    if raw_path == IDENTITIES_PATH:
        q = urllib.parse.parse_qs(raw_query, keep_blank_values=True, strict_parsing=False)
        if any(len(v) != 1 for v in q.values()) or not set(q) <= {"PageSize", "NextToken"}:
            return None, None
        return "ListEmailIdentities", {k: v[0] for k, v in q.items()}
    parts = raw_path.split("/")
    # ['', 'v2', 'email', 'identities', ENCODED, 'policies']
    if len(parts) == 6 and parts[:4] == ["", "v2", "email", "identities"] and \
            parts[5] == "policies" and parts[4] and not raw_query:
        return "GetEmailIdentityPolicies", {"identity": urllib.parse.unquote(parts[4])}
    return None, None


def _token(offset):
    # ">>>" in base64 gives "Pj4+", "?!" at the end '/' and '=' padding
    return base64.b64encode(b">>>" + str(offset).encode() + b"?!").decode()


def _offset(token):
    try:
        raw = base64.b64decode(token.encode(), validate=True)
        return int(raw[3:-2]) if raw.startswith(b">>>") and raw.endswith(b"?!") else None
    except (ValueError, TypeError):
        return None


def op_GetSendStatistics(h, key_id, key, params, done):
    s = h.ses_state(key)
    stats = (s if isinstance(s, dict) else {}).get("stats", [])
    if s == "deny" or stats == "deny":
        done(403, "AccessDenied")
        h.send_error_aws("ses", "AccessDenied", 403,
                         f"User: {key['arn']} is not authorized to perform: "
                         f"ses:GetSendStatistics")
        return
    now = time.time()
    members = []
    for p in stats:
        t = now - 60 * p.get("minutes_ago", 0)
        t -= t % 900  # 15-minute intervals
        members.append(f"""      <member>
        <DeliveryAttempts>{int(p.get('attempts', 0))}</DeliveryAttempts>
        <Timestamp>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))}</Timestamp>
        <Rejects>{int(p.get('rejects', 0))}</Rejects>
        <Bounces>{int(p.get('bounces', 0))}</Bounces>
        <Complaints>{int(p.get('complaints', 0))}</Complaints>
      </member>
""")
    done(200, "OK")
    h.send_xml(200, f"""<GetSendStatisticsResponse xmlns="{NS_SES}">
  <GetSendStatisticsResult>
    <SendDataPoints>
{''.join(members)}    </SendDataPoints>
  </GetSendStatisticsResult>
  <ResponseMetadata>
    <RequestId>{uuid.uuid4()}</RequestId>
  </ResponseMetadata>
</GetSendStatisticsResponse>
""")


def _denied(h, key, action, done):
    done(403, "AccessDeniedException")
    h.send_error_aws("ses", "AccessDenied", 403,
                     f"User: {key['arn']} is not authorized to perform: ses:{action}",
                     json_api=True)


def _identities(s):
    return (s if isinstance(s, dict) else {}).get("identities", [])


def op_ListEmailIdentities(h, key_id, key, params, done):
    s = h.ses_state(key)
    ids = _identities(s)
    if s == "deny" or ids == "deny":
        _denied(h, key, "ListEmailIdentities", done)
        return
    if ids == "endless":
        done(200, "OK")
        h.send(200, json.dumps({"EmailIdentities": [], "NextToken": _token(0)}).encode(),
               "application/json")
        return
    try:
        size = int(params.get("PageSize", "1000"))
    except ValueError:
        size = -1
    start = 0 if "NextToken" not in params else _offset(params["NextToken"])
    if not 1 <= size <= 1000 or start is None:
        done(400, "BadRequestException")
        h.send_error_aws("ses", "BadRequestException", 400, "bad PageSize or NextToken",
                         json_api=True)
        return
    page = ids[start:start + size]
    doc = {"EmailIdentities": [{"IdentityType": i.get("type", "DOMAIN"),
                                "IdentityName": i["name"],
                                "SendingEnabled": i.get("sending_enabled", True),
                                "VerificationStatus": i.get("status", "SUCCESS")}
                               for i in page]}
    if start + size < len(ids):
        doc["NextToken"] = _token(start + size)
    done(200, "OK")
    h.send(200, json.dumps(doc).encode("utf-8"), "application/json")


def op_GetEmailIdentityPolicies(h, key_id, key, params, done):
    s = h.ses_state(key)
    ids = _identities(s)
    if s == "deny" or ids == "deny" or (isinstance(s, dict) and s.get("policies") == "deny"):
        _denied(h, key, "GetEmailIdentityPolicies", done)
        return
    found = [i for i in (ids if isinstance(ids, list) else []) if i["name"] == params["identity"]]
    if not found:
        done(404, "NotFoundException")
        h.send_error_aws("ses", "NotFoundException", 404,
                         f"Email identity {params['identity']} does not exist.",
                         json_api=True)
        return
    pols = {name: (p if isinstance(p, str) else json.dumps(p))
            for name, p in (found[0].get("policies") or {}).items()}
    done(200, "OK")
    h.send(200, json.dumps({"Policies": pols}).encode("utf-8"), "application/json")


def account_extras(s):
    """GetAccount's Details and SuppressionAttributes for a region state."""
    extra = {"SuppressionAttributes": {"SuppressedReasons": s.get("suppressed",
                                                                  ["BOUNCE", "COMPLAINT"])}}
    if s.get("review"):
        extra["Details"] = {"MailType": "TRANSACTIONAL", "WebsiteURL": "https://example.com",
                            "ContactLanguage": "EN",
                            "UseCaseDescription": "Transactional mail",
                            "ReviewDetails": s["review"]}
    return extra
