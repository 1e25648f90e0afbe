package gitops

import (
	"strings"
	"testing"

	fluxstatus "github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// The two kstatus libraries, each as status and message: Flux's hard fork, which kustomize-controller's
// `wait: true` and health checks poll (through fluxcd/pkg/ssa), and upstream, which kpt and other
// cli-utils tools use. Their status.Compute is the same code today; both are asserted so that a
// divergence shows.
var kstatusLibraries = map[string]func(*unstructured.Unstructured) (string, string, error){
	"fluxcd/cli-utils": func(u *unstructured.Unstructured) (string, string, error) {
		r, err := fluxstatus.Compute(u)
		if err != nil {
			return "", "", err
		}
		return r.Status.String(), r.Message, nil
	},
	"sigs.k8s.io/cli-utils": func(u *unstructured.Unstructured) (string, string, error) {
		r, err := status.Compute(u)
		if err != nil {
			return "", "", err
		}
		return r.Status.String(), r.Message, nil
	},
}

// What kstatus says of a task in each phase, as the operator wrote it.
func TestKstatusOfEachPhase(t *testing.T) {
	cases := []struct {
		task, want, message string
	}{
		{"succeeded", "Current", "Resource is Ready"},
		{"running", "InProgress", "running as Job running-1"},
		{"backing-off", "InProgress", "attempt 2 starts at"},
		{"dead-lettered", "Failed", "rule rules[0] says DeadLetter"},
		// Stalled=True while the API server refuses the attempt's Job: a Flux wait fails at once.
		{"pending-refused", "Failed", "exceeded quota"},
		// Finding: Suspended has Ready=False and neither Reconciling nor Stalled, so kstatus falls back to
		// Ready=False, InProgress: a Flux `wait: true` on a suspended task waits until its timeout.
		{"suspended", "InProgress", "suspended"},
	}
	assertCovers(t, cases, func(c struct{ task, want, message string }) string { return c.task })
	for _, c := range cases {
		t.Run(c.task, func(t *testing.T) {
			assertKstatus(t, load(t, c.task), c.want, c.message)
		})
	}
}

// A status computed from an older spec is never taken for the result of the new one.
func TestKstatusOfAStatusOlderThanTheSpec(t *testing.T) {
	for _, name := range taskNames(t) {
		t.Run(name, func(t *testing.T) {
			assertKstatus(t, WithNewerSpec(load(t, name)), "InProgress", "generation is 2, but latest observed generation is 1")
		})
	}
}

// Finding: before the operator's first status write, kstatus has nothing to read and calls the task
// Current, so a Flux wait that polls in that window passes before any attempt ran.
func TestKstatusOfATaskWithoutStatus(t *testing.T) {
	assertKstatus(t, WithoutStatus(load(t, "succeeded")), "Current", "Resource is current")
}

func assertKstatus(t *testing.T, task *unstructured.Unstructured, want, message string) {
	t.Helper()
	for library, compute := range kstatusLibraries {
		got, gotMessage, err := compute(task)
		if err != nil {
			t.Errorf("kstatus (%s): %v", library, err)
		} else if got != want || !strings.Contains(gotMessage, message) {
			t.Errorf("kstatus (%s): got %s (%q), want %s (containing %q)", library, got, gotMessage, want, message)
		}
	}
}

func load(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	task, err := LoadTask(name)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func taskNames(t *testing.T) []string {
	t.Helper()
	names, err := TaskNames()
	if err != nil || len(names) == 0 {
		t.Fatalf("no tasks in %s: %v", TasksDir, err)
	}
	return names
}

// assertCovers fails when a task file has no case (a phase captured but not asserted) or a case no file.
func assertCovers[C any](t *testing.T, cases []C, name func(C) string) {
	t.Helper()
	files := map[string]bool{}
	for _, n := range taskNames(t) {
		files[n] = true
	}
	for _, c := range cases {
		if !files[name(c)] {
			t.Errorf("case %s has no file in %s", name(c), TasksDir)
		}
		delete(files, name(c))
	}
	for n := range files {
		t.Errorf("%s/%s.yaml has no case", TasksDir, n)
	}
}
