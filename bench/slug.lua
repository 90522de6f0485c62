-- Requests one article by a random published slug from the file in SLUGS_FILE; with
-- SLUG_POOL=N, only from its first N slugs (a few hot stories, as a news site's traffic is);
-- SLUG_QUERY is appended to each path (`?include=translations`).
local slugs = {}
local pool = tonumber(os.getenv("SLUG_POOL") or "0")
for line in io.lines(os.getenv("SLUGS_FILE")) do
  if pool > 0 and #slugs >= pool then break end
  slugs[#slugs + 1] = line
end
math.randomseed(os.time())
local query = os.getenv("SLUG_QUERY") or ""

request = function()
  return wrk.format("GET", "/api/v1/articles/" .. slugs[math.random(#slugs)] .. query)
end
