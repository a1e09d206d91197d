"""wrk runs: one generated Lua script per scenario, statuses counted in response()."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from servers import CLOCK_TICKS, Server

# Globals (not locals) on purpose: setup() and thread:get() reach them across Lua states.
LUA_TEMPLATE = """
wrk.method = {method}
wrk.body = {body}
{headers}
tag = {tag}
threads = {{}}
counts = {{}}
tid = 0
n = 0

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
end
{request}
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if tag and body and string.find(body, tag, 1, true) then
    counts[tag] = (counts[tag] or 0) + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write("BENCH ", summary.requests, " ", summary.duration, " ", latency:percentile(50), " ",
           latency:percentile(99), " ", e.connect + e.read + e.write + e.timeout)
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("counts")) do
      io.write(" ", status, "=", count)
    end
  end
  io.write("\\n")
end
"""

#: request() bodies for the dynamic scenarios; ``n`` counts this thread's requests.
RANDOM_EMAIL = """
function request()
  n = n + 1
  local email = "r" .. tid .. "-" .. n .. "-" .. math.random(1, 1000000000) .. "@example.com"
  return wrk.format(nil, nil, nil, '{"email": "' .. email .. '", "password": "wrong"}')
end
"""

#: Distinct seeded accounts, each from its own X-Forwarded-For IP: every request is a first
#: failure (the server trusts 127.0.0.1 as a proxy for this).
FIRST_FAILURE = """
function request()
  n = n + 1
  local k = (n * 7 + tid) % {accounts}
  local ip = "10." .. tid .. "." .. (math.floor(n / 250) % 250) .. "." .. (n % 250 + 1)
  wrk.headers["X-Forwarded-For"] = ip
  return wrk.format(nil, nil, nil,
    '{{"email": "bench-' .. k .. '@example.com", "password": "not the password at all"}}')
end
"""


#: Scenario c: wrong TOTP codes for seeded pending sign-ins ``<prefix>.<k>``, round robin
#: over ``count`` of them, so each token (and account) is used as rarely as possible.
MFA_WRONG_CODE = """
function request()
  n = n + 1
  local k = ((n - 1) * {threads} + tid - 1) % {count}
  return wrk.format(nil, nil, nil,
    '{{"mfa_token": "{prefix}.' .. k .. '", "method": "totp", "code": "{code}"}}')
end
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    request_lua: str = ""
    #: Count the responses whose body contains this string (e.g. an error code).
    body_tag: str = ""


@dataclass
class Result:
    scenario: str
    app: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    statuses: dict[int, int]
    cpu_ms_per_request: float = 0.0
    tags: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua_string(value: str) -> str:
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"not a plain ASCII value: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_script(scenario: Scenario, directory: Path) -> Path:
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}"
                        for k, v in scenario.headers.items())
    text = LUA_TEMPLATE.format(method=_lua_string(scenario.method),
                               body=_lua_string(scenario.body) if scenario.body else "nil",
                               headers=headers, request=scenario.request_lua,
                               tag=_lua_string(scenario.body_tag) if scenario.body_tag else "nil")
    path = directory / (re.sub(r"\W+", "-", scenario.name).strip("-") + ".lua")
    path.write_text(text)
    return path


@dataclass(frozen=True)
class Load:
    threads: int
    connections: int
    seconds: int
    pin: list[str]

    def describe(self) -> str:
        where = f", pinned: {' '.join(self.pin)}" if self.pin else ""
        return f"wrk -t{self.threads} -c{self.connections} -d{self.seconds}s{where}"

    def run(self, scenario: Scenario, server: Server, directory: Path, *,
            seconds: int | None = None) -> Result:
        script = write_script(scenario, directory)
        cmd = [*self.pin, "wrk", f"-t{self.threads}", f"-c{self.connections}",
               f"-d{seconds or self.seconds}s", "--timeout", "10s", "-s", str(script),
               server.base + scenario.path]
        before = server.cpu_ticks()
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out = done.stdout
        ticks = server.cpu_ticks() - before
        line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no summary:\n{out}\n{done.stderr}")
        requests, micros, p50, p99, errors, *codes = line.split()[1:]
        statuses: dict[int, int] = {}
        tags: dict[str, int] = {}
        for item in codes:
            code, count = item.rsplit("=", 1)
            if code.isdigit():
                statuses[int(code)] = statuses.get(int(code), 0) + int(count)
            else:
                tags[code] = tags.get(code, 0) + int(count)
        result = Result(scenario.name, server.name, int(requests), int(micros) / 1e6,
                        float(p50) / 1000, float(p99) / 1000, int(errors), statuses, tags=tags)
        result.cpu_ms_per_request = 1000 * ticks / CLOCK_TICKS / max(1, result.requests)
        return result
