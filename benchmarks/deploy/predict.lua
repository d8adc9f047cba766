-- wrk script: single-row predict requests (one instance of the 20 features, by name) to mlpipe serve.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local parts = {}
for j = 0, 19 do parts[#parts + 1] = string.format('"x%d": %.3f', j, 2.0 * j + 0.5) end
wrk.body = '{"instances": [{' .. table.concat(parts, ", ") .. '}]}'
wrk.path = "/v1/models/bench:predict"
