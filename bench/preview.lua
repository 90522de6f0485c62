-- Opens a preview link by a random token from the file in PREVIEWS_FILE (one per line).
local tokens = {}
for line in io.lines(os.getenv("PREVIEWS_FILE")) do
  tokens[#tokens + 1] = line
end
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/api/v1/preview/" .. tokens[math.random(#tokens)])
end
