-- wrk script of bench/run.py: GETs the paths listed in a file (one a line) in turn, with an
-- optional Cookie header, counts every answer that is not 200, and prints one line for run.py.
--   wrk -t2 -c8 -d10s -s bench/rotate.lua http://127.0.0.1:PORT -- paths.txt "session=..."
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths, cookie, sent, wrong = {}, args[2], 0, 0
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
end

function request()
  sent = sent + 1
  local headers = {}
  if cookie ~= nil and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", paths[(sent - 1) % #paths + 1], headers)
end

function response(status, headers, body)
  if status ~= 200 then
    wrong = wrong + 1
  end
end

function done(summary, latency, requests)
  local not_200 = 0
  for _, thread in ipairs(threads) do
    not_200 = not_200 + thread:get("wrong")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT n=%d seconds=%.3f p50=%.3f p95=%.3f p99=%.3f mean=%.3f not_200=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.mean / 1e3, not_200, e.connect + e.read + e.write + e.timeout))
end
