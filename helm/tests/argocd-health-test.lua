-- Runs docs/argocd-health.lua on sample DeadLetterTasks, as Argo CD does (a chunk with a global `obj`).
-- usage: lua helm/tests/argocd-health-test.lua docs/argocd-health.lua   (prints ok/FAIL lines; exit 1 on failure)
local script = assert(arg[1], "usage: argocd-health-test.lua PATH_TO_HEALTH_LUA")
local chunk = assert(loadfile(script))
local failures = 0

local function health(o)
  obj = o -- Argo CD sets the global obj
  return chunk()
end

local function expect(name, o, status, message)
  local hs = health(o)
  local ok = hs.status == status and (message == nil or (hs.message ~= nil and string.find(hs.message, message, 1, true) ~= nil))
  if ok then
    print("ok   argocd health: " .. name .. " -> " .. hs.status)
  else
    failures = failures + 1
    print("FAIL argocd health: " .. name .. ": got " .. tostring(hs.status) .. " (" .. tostring(hs.message) .. "), want " .. status)
  end
end

local function task(phase, extra)
  local o = {metadata = {name = "t", generation = 1}, status = {phase = phase, observedGeneration = 1, message = phase .. " message"}}
  for k, v in pairs(extra or {}) do o.status[k] = v end
  return o
end

expect("no status yet", {metadata = {name = "t", generation = 1}}, "Progressing", "Waiting for the operator")
expect("Succeeded", task("Succeeded"), "Healthy", "Succeeded message")
expect("Pending", task("Pending"), "Progressing")
expect("Running", task("Running"), "Progressing", "Running message")
expect("BackingOff", task("BackingOff"), "Progressing")
expect("DeadLettered", task("DeadLettered"), "Degraded", "DeadLettered message")
expect("DeadLettered with its reason", task("DeadLettered", {deadLetter = {reason = "RuleBudgetExhausted",
  at = "2026-12-01T10:00:00Z", message = "rule evicted matched 10 failures"}}), "Degraded",
  "DeadLettered (RuleBudgetExhausted): rule evicted matched 10 failures")
expect("Suspended", task("Suspended"), "Suspended")
expect("Stalled=True while Pending", task("Pending", {conditions = {{type = "Ready", status = "False"},
  {type = "Stalled", status = "True", message = "the Job API rejected the template"}}}), "Degraded", "rejected the template")
expect("Stalled=False while Running", task("Running", {conditions = {{type = "Stalled", status = "False"}}}), "Progressing")
expect("status of an older generation", {metadata = {generation = 2}, status = {phase = "Succeeded", observedGeneration = 1}},
  "Progressing", "generation 2")
expect("unknown phase", task("Exploded"), "Unknown", "Exploded")
expect("no message", {metadata = {generation = 1}, status = {phase = "Succeeded", observedGeneration = 1}}, "Healthy", "Succeeded")

if failures > 0 then os.exit(1) end
