#!/usr/bin/env python3
"""fake_forge.py - a loopback fake of the GitHub and GitLab repository-list endpoints
(sesame audit --github-org / --gitlab-group; tests/integration/t0830-audit-forge.sh).

    fake_forge.py --state STATE.json --port-file PORT --log LOG.jsonl

STATE.json: {"github_token": T, "gitlab_token": T, "page_size": N,
             "orgs": {ORG: [repo, ...]}, "groups": {GROUP: [project, ...]},
             "rate_limit_first": true, "evil_next": [ORG, ...]}
GitHub: GET /orgs/ORG/repos needs "Authorization: Bearer T"; pages of page_size, the next
one named by a Link header (rel="next"; for an ORG in evil_next it points to another
host). GitLab: GET /groups/GROUP/projects (GROUP percent-encoded) needs "PRIVATE-TOKEN: T";
pages named by X-Next-Page. With rate_limit_first, the very first request is answered
403 with X-RateLimit-Remaining: 0 and a reset one second later. Every request is logged.
"""
import argparse, json, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--state", required=True)
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()
state = json.load(open(args.state))
first = [state.get("rate_limit_first", False)]


class H(BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):
        pass

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        with open(args.log, "a") as f:
            f.write(json.dumps({"path": u.path, "query": q,
                                "authorization": self.headers.get("Authorization"),
                                "private_token": self.headers.get("PRIVATE-TOKEN")}) + "\n")
        if first[0]:
            first[0] = False
            return self.reply(403, {"message": "API rate limit exceeded"},
                              [("X-RateLimit-Remaining", "0"),
                               ("X-RateLimit-Reset", str(int(time.time()) + 1))])
        size = state.get("page_size", 2)
        page = int(q.get("page", "1"))
        parts = u.path.split("/")
        if len(parts) == 4 and parts[1] == "orgs" and parts[3] == "repos":
            if self.headers.get("Authorization") != "Bearer " + state["github_token"]:
                return self.reply(401, {"message": "Bad credentials"})
            org = urllib.parse.unquote(parts[2])
            repos = state["orgs"].get(org)
            if repos is None:
                return self.reply(404, {"message": "Not Found"})
            chunk = repos[(page - 1) * size: page * size]
            headers = []
            if page * size < len(repos):
                host = "127.0.0.2" if org in state.get("evil_next", []) else "127.0.0.1"
                nxt = f"http://{host}:{self.server.server_port}/orgs/{org}/repos?per_page=100&page={page + 1}"
                headers.append(("Link", f'<{nxt}>; rel="next", <{nxt}>; rel="last"'))
            return self.reply(200, chunk, headers)
        if len(parts) == 4 and parts[1] == "groups" and parts[3] == "projects":
            if self.headers.get("PRIVATE-TOKEN") != state["gitlab_token"]:
                return self.reply(401, {"message": "401 Unauthorized"})
            group = urllib.parse.unquote(parts[2])
            projects = state["groups"].get(group)
            if projects is None:
                return self.reply(404, {"message": "404 Group Not Found"})
            chunk = projects[(page - 1) * size: page * size]
            headers = [("X-Next-Page", str(page + 1) if page * size < len(projects) else "")]
            return self.reply(200, chunk, headers)
        return self.reply(404, {"message": "Not Found"})


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_port))
import os
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
