// Package gitops tests how GitOps engines see DeadLetterTasks, with the engines' own code: kstatus
// (sigs.k8s.io/cli-utils, what Flux and kstatus-based waits use) and Argo CD's Lua health evaluation.
package gitops

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TasksDir holds the tasks as the operator wrote them, one file per phase (see capture-tasks.sh).
const TasksDir = "testdata/tasks"

// LoadTask reads testdata/tasks/NAME.yaml. Numbers become int64, as in objects read from the API server.
func LoadTask(name string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(filepath.Join(TasksDir, name+".yaml"))
	if err != nil {
		return nil, err
	}
	return decode(data)
}

// TaskNames lists the files of testdata/tasks without their extension.
func TaskNames() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(TasksDir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return names, nil
}

func decode(data []byte) (*unstructured.Unstructured, error) {
	json, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(json); err != nil {
		return nil, fmt.Errorf("decoding task: %w", err)
	}
	return u, nil
}

// WithoutStatus is the task as applied, before the operator has written any status.
func WithoutStatus(task *unstructured.Unstructured) *unstructured.Unstructured {
	u := task.DeepCopy()
	unstructured.RemoveNestedField(u.Object, "status")
	return u
}

// WithNewerSpec is the task after a spec edit the operator has not seen yet: the API server raised
// metadata.generation, status.observedGeneration is still the old one.
func WithNewerSpec(task *unstructured.Unstructured) *unstructured.Unstructured {
	u := task.DeepCopy()
	u.SetGeneration(task.GetGeneration() + 1)
	return u
}
