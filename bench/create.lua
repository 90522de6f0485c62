-- Creates draft articles with the bearer token in BYLINE_TOKEN.
local token = os.getenv("BYLINE_TOKEN")
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"title": "Bench story %d %d", "body": "Words for the benchmark.\\n\\nA second paragraph."}',
    math.random(1000000000), counter)
  return wrk.format("POST", "/api/v1/articles",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
