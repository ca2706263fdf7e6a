-- wrk: a plain POST with a small JSON body (the bare INSERT and Lua ceilings take no input).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{}"
