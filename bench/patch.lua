-- Patches one article over and over with If-Match: * and the token in BYLINE_TOKEN.
local token = os.getenv("BYLINE_TOKEN")
local path = os.getenv("PATCH_PATH")

request = function()
  local body = string.format('{"excerpt": "Updated %d"}', math.random(1000000000))
  return wrk.format("PATCH", path, {
    ["Content-Type"] = "application/merge-patch+json",
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = "*",
  }, body)
end
