package gitops

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

const crdFile = "../../crds/deadlettertasks.deadletter.dev-v1.yml"

var (
	crds       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	tasks      = schema.GroupVersionResource{Group: "deadletter.dev", Version: "v1alpha1", Resource: "deadlettertasks"}
)

// The tasks of testdata/tasks are what the API server stores: it takes each status, under the CRD of
// crds/, without pruning or changing a field; and a spec edit leaves the status behind (generation 2,
// observedGeneration 1), which kstatus and the Argo CD script then report as in progress.
// Needs a cluster (KUBECONFIG, e.g. hack/cluster.sh); no operator may watch all namespaces meanwhile.
func TestTheAPIServerStoresEachTaskAsCaptured(t *testing.T) {
	client := clusterClient(t)
	ctx := context.Background()
	applyCRD(t, ctx, client)
	ns := createNamespace(t, ctx, client)
	for _, name := range taskNames(t) {
		t.Run(name, func(t *testing.T) {
			captured := load(t, name)
			task := WithoutStatus(captured)
			task.SetNamespace(ns)
			created := createWhenServed(t, ctx, client.Resource(tasks).Namespace(ns), task)
			withStatus := created.DeepCopy()
			withStatus.Object["status"] = captured.Object["status"]
			stored, err := client.Resource(tasks).Namespace(ns).UpdateStatus(ctx, withStatus, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("status write refused: %v", err)
			}
			if !reflect.DeepEqual(stored.Object["status"], captured.Object["status"]) {
				t.Fatalf("the API server changed the status:\nstored:   %s\ncaptured: %s",
					asJSON(stored.Object["status"]), asJSON(captured.Object["status"]))
			}

			// Not the default (3): the API server now writes schema defaults, and an edit to the value in force
			// changes nothing, so the generation would not move.
			edited, err := client.Resource(tasks).Namespace(ns).Patch(ctx, created.GetName(), types.MergePatchType,
				[]byte(`{"spec":{"historyLimits":{"failed":7}}}`), metav1.PatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			observed, _, _ := unstructured.NestedInt64(edited.Object, "status", "observedGeneration")
			if edited.GetGeneration() != 2 || observed != 1 {
				t.Fatalf("after a spec edit: generation %d, observedGeneration %d; want 2 and 1", edited.GetGeneration(), observed)
			}
			assertKstatus(t, edited, "InProgress", "generation is 2, but latest observed generation is 1")
			assertArgoHealth(t, edited, "Progressing", "Waiting for the operator to observe generation 2")
		})
	}
}

func clusterClient(t *testing.T) *dynamic.DynamicClient {
	t.Helper()
	if os.Getenv("KUBECONFIG") == "" {
		t.Skip("no KUBECONFIG: start a cluster (hack/cluster.sh up; eval \"$(hack/cluster.sh env)\")")
	}
	config, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// applyCRD installs this checkout's CRD, as the E2E tests do.
func applyCRD(t *testing.T, ctx context.Context, client *dynamic.DynamicClient) {
	t.Helper()
	data, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	body, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	force := true
	if _, err := client.Resource(crds).Patch(ctx, "deadlettertasks.deadletter.dev", types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: "deadletter-gitops-test", Force: &force}); err != nil {
		t.Fatalf("applying %s: %v", crdFile, err)
	}
}

func createNamespace(t *testing.T, ctx context.Context, client *dynamic.DynamicClient) string {
	t.Helper()
	name := fmt.Sprintf("dlt-gitops-%d", rand.IntN(1_000_000))
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}}
	if _, err := client.Resource(namespaces).Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Resource(namespaces).Delete(context.Background(), name, metav1.DeleteOptions{}) })
	return name
}

// createWhenServed creates the task, retrying for a few seconds while a freshly applied CRD is not served yet.
func createWhenServed(t *testing.T, ctx context.Context, client dynamic.ResourceInterface, task *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		created, err := client.Create(ctx, task, metav1.CreateOptions{})
		if err == nil {
			return created
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating %s: %v", task.GetName(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
