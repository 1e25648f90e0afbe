-- Argo CD health check for deadletter.dev/DeadLetterTask (resource.customizations.health.deadletter.dev_DeadLetterTask).
-- Written for Argo CD's Lua 5.1 (gopher-lua): `obj` is the live object, the result is {status, message}.
-- It uses only the base library, the one Argo CD opens for a script from argocd-cm (useOpenLibs: false):
-- no string.*, math.* or io.* (hack/gitops/argocd_test.go runs it that way).
--   Succeeded                     -> Healthy
--   Pending, Running, BackingOff  -> Progressing
--   DeadLettered                  -> Degraded
--   Suspended                     -> Suspended
-- A dead letter's message names its reason (status.deadLetter.reason: RetriesExhausted, RuleMatched,
-- RuleBudgetExhausted, RetryDurationExceeded). A Stalled=True condition (the task cannot run at all, e.g.
-- the API server refuses its Job) is Degraded whatever the phase; a status older than the spec
-- (observedGeneration) is Progressing.
local hs = {status = "Progressing", message = "Waiting for the operator to reconcile the task"}
if obj.status == nil then
  return hs
end
local status = obj.status
local message = status.message
local generation = obj.metadata ~= nil and obj.metadata.generation or nil
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end
if status.phase == "DeadLettered" and status.deadLetter ~= nil then
  hs.status = "Degraded"
  hs.message = "DeadLettered (" .. tostring(status.deadLetter.reason) .. "): " .. tostring(status.deadLetter.message or message)
  return hs
end
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Stalled" and condition.status == "True" and status.phase ~= "Succeeded" then
      hs.status = "Degraded"
      hs.message = condition.message or message or "Stalled"
      return hs
    end
  end
end
local phase = status.phase
if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "DeadLettered" then
  hs.status = "Degraded"
elseif phase == "Suspended" then
  hs.status = "Suspended"
elseif phase == "Pending" or phase == "Running" or phase == "BackingOff" then
  hs.status = "Progressing"
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
  return hs
end
hs.message = message or phase
return hs
