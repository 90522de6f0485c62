-- Patches one article over and over with If-Match: * and the token in BYLINE_TOKEN. Every
-- request sets a value no other request sets (thread number and count), so each 2xx is a
-- change and must add a version.
local token = os.getenv("BYLINE_TOKEN")
local path = os.getenv("PATCH_PATH")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local sent = 0

request = function()
  sent = sent + 1
  local body = string.format('{"excerpt": "Updated %d-%d"}', thread_number, sent)
  return wrk.format("PATCH", path, {
    ["Content-Type"] = "application/merge-patch+json",
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = "*",
  }, body)
end
