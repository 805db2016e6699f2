-- wrk script for `bun run bench:evaluate`: each request evaluates the flag named by the
-- script's argument for the next of 100,000 users, so events carry distinct user ids as real
-- traffic does. The requests are formatted once, in `init`, to keep wrk's own cost per
-- request as low as with a fixed URL.
local requests = {}
local next_request = 0

function init(args)
  -- The URL's own query (the warm-up request's) gives way to each user's.
  local path = (wrk.path:gsub("%?.*", "")) .. "?flag_name=" .. args[1] .. "&user_id=user-"
  for user = 1, 100000 do
    requests[user] = wrk.format("GET", path .. user)
  end
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
