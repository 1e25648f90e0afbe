# The `helm test` hook's script (templates/tests/task-ready.yaml): POSIX sh and kubectl. It creates the
# task in $TASK (a manifest), waits until the task is Ready, prints it when it is not, and deletes it.
# helm/tests/run.sh runs this same script as the same ServiceAccount against the real operator.
set -u
say() { echo "$(date -u +%H:%M:%S) $*"; }
task() { kubectl -n "$TASK_NAMESPACE" "$@"; }

# A task of an interrupted run would not start again: remove it first.
task delete deadlettertasks.deadletter.dev "$TASK_NAME" --ignore-not-found --wait=false >/dev/null || exit 1
# RBAC created just before this pod may take a moment to be seen by the authorizer.
tries=0
until printf '%s\n' "$TASK" | kubectl create -f -; do
  tries=$((tries + 1))
  [ "$tries" -lt 10 ] || { say "could not create task $TASK_NAMESPACE/$TASK_NAME"; exit 1; }
  sleep 2
done

result=1 waited=0 state=""
while [ "$waited" -lt "$TIMEOUT_SECONDS" ]; do
  state=$(task get deadlettertasks.deadletter.dev "$TASK_NAME" \
    -o jsonpath='{.status.phase} {.status.conditions[?(@.type=="Ready")].status}' 2>&1)
  case "$state" in
    "Succeeded True") result=0; break ;;
    DeadLettered*) break ;;
  esac
  sleep 2
  waited=$((waited + 2))
done
if [ "$result" -eq 0 ]; then
  say "task $TASK_NAMESPACE/$TASK_NAME is Ready: the operator ran its Job to success"
else
  say "task $TASK_NAMESPACE/$TASK_NAME is not Ready after ${waited}s (phase, Ready: $state):"
  task get deadlettertasks.deadletter.dev "$TASK_NAME" -o yaml
fi
task delete deadlettertasks.deadletter.dev "$TASK_NAME" --wait=false >/dev/null || result=1
exit "$result"
