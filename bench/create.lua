-- Creates draft articles with the bearer token in BYLINE_TOKEN. With CREATE_PACE_MS set,
-- each connection waits that long between requests: a steady write rate below the ceiling.
local token = os.getenv("BYLINE_TOKEN")
local pace = tonumber(os.getenv("CREATE_PACE_MS") or "")
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"title": "Bench story %d %d", "body": "Words for the benchmark.\\n\\nA second paragraph."}',
    math.random(1000000000), counter)
  return wrk.format("POST", "/api/v1/articles",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

if pace then
  delay = function()
    return pace
  end
end
