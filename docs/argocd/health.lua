-- Argo CD health check for streaming.pipelines.dev/StreamingPipeline.
-- Install: see docs/argocd/README.md (argocd-cm key
-- resource.customizations.health.streaming.pipelines.dev_StreamingPipeline).
-- Tested by operator/src/test/java/.../ArgoCdHealthCheckTest against sample statuses.
local hs = {}

local function condition(status, type)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to pick up the pipeline"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on generation " .. generation
  return hs
end

local ready = condition(status, "Ready")
local degraded = condition(status, "Degraded")
local message = status.message or ""

if status.phase == "Suspended" then
  hs.status = "Suspended"
  hs.message = message
  return hs
end

if status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = (ready ~= nil and ready.message) or message
  return hs
end

-- A refused upgrade keeps the old driver running, but what Git asks for is not running.
local refused = {IncompatibleChange = true, InvalidSpec = true, NotAllowed = true, UnknownCheckpointSpec = true,
  ResetNeedsNewOutputPath = true}
if ready ~= nil and ready.status == "False" and refused[ready.reason] then
  hs.status = "Degraded"
  hs.message = ready.message
  return hs
end

-- Restarting follows a driver failure: show it rather than a calm "Progressing".
if status.phase == "Restarting" or (degraded ~= nil and degraded.status == "True") then
  hs.status = "Degraded"
  hs.message = (degraded ~= nil and degraded.status == "True" and degraded.message) or message
  return hs
end

if status.phase == "Running" and ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message
  return hs
end

if status.phase == "Completed" then
  hs.status = "Healthy"
  hs.message = message
  return hs
end

-- Pending, Starting, Upgrading
hs.status = "Progressing"
hs.message = message
return hs
