package gitops

import (
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The health script users add to argocd-cm.
const healthScript = "../../docs/argocd-health.lua"

// The Argo CD health of a task in each phase, as the operator wrote it.
func TestArgoHealthOfEachPhase(t *testing.T) {
	cases := []struct {
		task, want, message string
	}{
		{"succeeded", "Healthy", "attempt 1 succeeded (Job succeeded-1)"},
		{"running", "Progressing", "running as Job running-1"},
		{"backing-off", "Progressing", "attempt 2 starts at"},
		{"dead-lettered", "Degraded", "DeadLettered (RuleMatched): attempt 1 failed: Error (exit code 2); rule rules[0] says DeadLetter"},
		{"pending-refused", "Degraded", "exceeded quota"},
		{"suspended", "Suspended", "suspended before the first attempt"},
	}
	assertCovers(t, cases, func(c struct{ task, want, message string }) string { return c.task })
	for _, c := range cases {
		t.Run(c.task, func(t *testing.T) {
			assertArgoHealth(t, load(t, c.task), c.want, c.message)
		})
	}
}

func TestArgoHealthOfAStatusOlderThanTheSpec(t *testing.T) {
	for _, name := range taskNames(t) {
		t.Run(name, func(t *testing.T) {
			assertArgoHealth(t, WithNewerSpec(load(t, name)), "Progressing", "Waiting for the operator to observe generation 2")
		})
	}
}

func TestArgoHealthOfATaskWithoutStatus(t *testing.T) {
	assertArgoHealth(t, WithoutStatus(load(t, "succeeded")), "Progressing", "Waiting for the operator to reconcile the task")
}

// Statuses no captured task has, for the script's remaining branches.
func TestArgoHealthOfOtherStatuses(t *testing.T) {
	unknownPhase := load(t, "succeeded")
	_ = unstructured.SetNestedField(unknownPhase.Object, "Exploded", "status", "phase")
	assertArgoHealth(t, unknownPhase, "Unknown", "Unknown phase Exploded")

	noMessage := load(t, "succeeded")
	unstructured.RemoveNestedField(noMessage.Object, "status", "message")
	assertArgoHealth(t, noMessage, "Healthy", "Succeeded")

	deadLetteredWithoutRecord := load(t, "dead-lettered")
	unstructured.RemoveNestedField(deadLetteredWithoutRecord.Object, "status", "deadLetter")
	assertArgoHealth(t, deadLetteredWithoutRecord, "Degraded", "rule rules[0] says DeadLetter")
}

// Argo CD runs a health script without Lua's string library unless useOpenLibs is set; so does this test,
// which therefore catches a script that would only work in a full Lua.
func TestArgoHealthRunsWithoutTheStringLibrary(t *testing.T) {
	_, err := RunArgoHealth(`return {status = string.format("%s", "Healthy")}`, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "string") {
		t.Errorf("a script calling string.format: got error %v, want one naming string", err)
	}
}

func assertArgoHealth(t *testing.T, task *unstructured.Unstructured, want, message string) {
	t.Helper()
	script, err := os.ReadFile(healthScript)
	if err != nil {
		t.Fatal(err)
	}
	health, err := RunArgoHealth(string(script), task.Object)
	if err != nil {
		t.Fatalf("health script: %v", err)
	}
	if health.Status != want || !strings.Contains(health.Message, message) {
		t.Errorf("argo cd health: got %s (%q), want %s (containing %q)", health.Status, health.Message, want, message)
	}
}
