-- Requests one article by a random published slug from the file in SLUGS_FILE.
local slugs = {}
for line in io.lines(os.getenv("SLUGS_FILE")) do
  slugs[#slugs + 1] = line
end
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/api/v1/articles/" .. slugs[math.random(#slugs)])
end
