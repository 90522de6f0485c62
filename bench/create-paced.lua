-- Creates draft articles like create.lua, each connection waiting 10 ms between requests:
-- a steady write rate below the server's ceiling, for delivery lag that is not queueing.
local token = os.getenv("BYLINE_TOKEN")
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"title": "Paced story %d %d", "body": "Words for the benchmark.\\n\\nA second paragraph."}',
    math.random(1000000000), counter)
  return wrk.format("POST", "/api/v1/articles",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

delay = function()
  return 10
end
