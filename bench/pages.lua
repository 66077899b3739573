-- wrk script of bench/pages.py: 20 signed-in users on one page, measured.
--
--   wrk -t1 -c20 -d10s --timeout 10s -s bench/pages.lua http://127.0.0.1:PORT -- PAIRS_FILE
--
-- PAIRS_FILE has one "path<TAB>cookie header" line per user (the cookie may be empty).
-- Every request takes the next line, round robin, so with 20 connections and 20 lines
-- the server always has 20 different users' requests in flight. Each thread starts at a
-- different line. done() prints one JSON line: latency percentiles (microseconds),
-- requests, bytes, and every response that was not 200 (3xx included), counted in
-- response() because wrk's own error count leaves out redirects.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  local pairs_file = args[1]
  requests = {}
  for line in io.lines(pairs_file) do
    local path, cookie = line:match("^([^\t]*)\t?(.*)$")
    local headers = {}
    if cookie ~= nil and cookie ~= "" then
      headers["Cookie"] = cookie
    end
    table.insert(requests, wrk.format("GET", path, headers))
  end
  if #requests == 0 then
    error("no request in " .. pairs_file)
  end
  counter = (offset or 0) % #requests + 1
  not_ok = 0
  statuses = {}
end

function request()
  local next_request = requests[counter]
  counter = counter % #requests + 1
  return next_request
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests_summary)
  local not_200 = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    not_200 = not_200 + (thread:get("not_ok") or 0)
    local thread_statuses = thread:get("statuses") or {}
    for status, count in pairs(thread_statuses) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local status_parts = {}
  for status, count in pairs(by_status) do
    table.insert(status_parts, string.format('"%d": %d', status, count))
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, "stdev_us": %.1f, "not_200": %d, "not_200_by_status": {%s}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, latency.stdev,
    not_200, table.concat(status_parts, ", "),
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
