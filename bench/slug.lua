-- Requests one article by a random published slug from the file in SLUGS_FILE; with
-- SLUG_POOL=N, only from its first N slugs (a few hot stories, as a news site's traffic is).
local slugs = {}
local pool = tonumber(os.getenv("SLUG_POOL") or "0")
for line in io.lines(os.getenv("SLUGS_FILE")) do
  if pool > 0 and #slugs >= pool then break end
  slugs[#slugs + 1] = line
end
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/api/v1/articles/" .. slugs[math.random(#slugs)])
end
