-- Searches with a mix of queries from the file in QUERIES_FILE: one query per line (URL-
-- encoded), most frequent first; query k is drawn with weight 1/k (Zipf-like), so a few
-- repeat often and most are rare, as readers' searches do. QUERY_PATH is what the query is
-- appended to (default `/api/v1/articles?q=`; typeahead: `/api/v1/search/suggest?q=`).
local queries, cumulative, total = {}, {}, 0
for line in io.lines(os.getenv("QUERIES_FILE")) do
  queries[#queries + 1] = line
  total = total + 1 / #queries
  cumulative[#queries] = total
end
math.randomseed(os.time())

local function pick()
  local x = math.random() * total
  local lo, hi = 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < x then lo = mid + 1 else hi = mid end
  end
  return queries[lo]
end

local path = os.getenv("QUERY_PATH") or "/api/v1/articles?q="

request = function()
  return wrk.format("GET", path .. pick())
end
