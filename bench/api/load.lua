-- wrk's requests for bench/api.sh. Each request takes a random member number from the file
-- $NUMBERS and puts it for {no} in $BODY (POST /graphql with $TOKEN) or in $URL_PATH (GET).
-- At the end it prints one line: RESULT requests/s p50_ms p99_ms failed.
local numbers = {}
local body = os.getenv("BODY")
local path = os.getenv("URL_PATH")
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
}

function init(args)
  for line in io.lines(os.getenv("NUMBERS")) do
    numbers[#numbers + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  local no = numbers[math.random(#numbers)]
  if body then
    return wrk.format("POST", "/graphql", headers, (body:gsub("{no}", no)))
  end
  return wrk.format("GET", (path:gsub("{no}", no)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
