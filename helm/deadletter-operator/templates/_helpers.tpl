{{/* Chart name, overridable. */}}
{{- define "deadletter-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "deadletter-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "deadletter-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "deadletter-operator.labels" -}}
helm.sh/chart: {{ include "deadletter-operator.chart" . }}
{{ include "deadletter-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: deadletter-operator
{{- end }}

{{/* Selector labels: never change them, a Deployment's selector is immutable. */}}
{{- define "deadletter-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "deadletter-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "deadletter-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "deadletter-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The username the API server sees for the operator; the admission policy exempts it. */}}
{{- define "deadletter-operator.username" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ include "deadletter-operator.serviceAccountName" . }}
{{- end }}

{{- define "deadletter-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{- define "deadletter-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The operator's rules in a watched namespace (or cluster-wide). Exactly what it calls, nothing more;
helm/tests/run.sh compares them with an expected list, so a new rule needs a new test line.
*/}}
{{- define "deadletter-operator.operatorRules" -}}
# patch: a DeadLetterRedrive sets the retry annotation on the tasks it redrives (a merge patch of that
# annotation only; the redrive's author passed the admission policy for it).
- apiGroups: [deadletter.dev]
  resources: [deadlettertasks]
  {{- if .Values.capture.enabled }}
  verbs: [get, list, watch, create, patch, delete]
  {{- else }}
  verbs: [get, list, watch, patch, delete]
  {{- end }}
- apiGroups: [deadletter.dev]
  resources: [deadlettertasks/status]
  verbs: [patch, update]
- apiGroups: [deadletter.dev]
  resources: [deadletterredrives]
  verbs: [get, list, watch]
- apiGroups: [deadletter.dev]
  resources: [deadletterredrives/status]
  verbs: [patch]
# RetryBudgets are only read (each selects tasks in its own namespace) and their status written.
- apiGroups: [deadletter.dev]
  resources: [retrybudgets]
  verbs: [get, list, watch]
- apiGroups: [deadletter.dev]
  resources: [retrybudgets/status]
  verbs: [patch]
- apiGroups: [batch]
  resources: [jobs]
  {{- if .Values.capture.enabled }}
  verbs: [get, list, watch, create, delete, patch]
  {{- else }}
  verbs: [get, list, watch, create, delete]
  {{- end }}
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# Only read for an attempt Job that has no pod after a while: the Job controller says why (FailedCreate).
- apiGroups: [""]
  resources: [events]
  verbs: [list]
{{- if .Values.forensics.enabled }}
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
{{- end }}
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- range .Values.gates.kinds }}
# Read for retryPolicy.gates: exactly the kinds gates may name.
- apiGroups: [{{ include "deadletter-operator.apiGroup" .apiVersion | quote }}]
  resources: [{{ .resource }}]
  verbs: [get, list, watch]
{{- end }}
{{- end }}

{{/* The API group of an apiVersion: "apps" of apps/v1, "" of v1. */}}
{{- define "deadletter-operator.apiGroup" -}}
{{- if contains "/" . }}{{ (split "/" .)._0 }}{{ end }}
{{- end }}

{{/* GATE_KINDS: apiVersion/Kind of each gates.kinds entry, comma-separated. */}}
{{- define "deadletter-operator.gateKinds" -}}
{{- $kinds := list }}
{{- range .Values.gates.kinds }}{{ $kinds = append $kinds (printf "%s/%s" .apiVersion .kind) }}{{ end }}
{{- join "," $kinds }}
{{- end }}

{{/* Checks across values that the JSON schema cannot express. */}}
{{- define "deadletter-operator.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicas > 1 needs leaderElection.enabled=true: otherwise every replica runs every task" }}
{{- end }}
{{- end }}

{{/* The `helm test` hook's objects and its task: <fullname>-test (a task name has at most 52 characters). */}}
{{- define "deadletter-operator.testName" -}}
{{- printf "%s-test" (include "deadletter-operator.fullname" . | trunc 47 | trimSuffix "-") }}
{{- end }}

{{/* Where the test task goes: the release namespace if the operator watches it, else the first watched one. */}}
{{- define "deadletter-operator.testNamespace" -}}
{{- if or (empty .Values.watchNamespaces) (has .Release.Namespace .Values.watchNamespaces) }}
{{- .Release.Namespace }}
{{- else }}
{{- first .Values.watchNamespaces }}
{{- end }}
{{- end }}

{{- define "deadletter-operator.testLabels" -}}
{{ include "deadletter-operator.labels" . }}
app.kubernetes.io/component: test
{{- end }}

{{/* The trivial task the test creates: a Job that only prints kubectl's version. ttlAfterSucceeded removes
it if the test could not. */}}
{{- define "deadletter-operator.testTask" -}}
apiVersion: deadletter.dev/v1alpha1
kind: DeadLetterTask
metadata:
  name: {{ include "deadletter-operator.testName" . }}
  namespace: {{ include "deadletter-operator.testNamespace" . }}
  labels:
    {{- include "deadletter-operator.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/component: test
    {{- with .Values.tests.taskLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  retryPolicy:
    maxAttempts: 2
    backoff: {initialDelay: 5s}
    attemptTimeout: 5m
  historyLimits: {succeeded: 0, failed: 1}
  ttlAfterSucceeded: 1h
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          securityContext:
            {{- toYaml .Values.podSecurityContext | nindent 12 }}
          {{- with .Values.imagePullSecrets }}
          imagePullSecrets:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          containers:
            - name: main
              image: {{ printf "%s:%s" .Values.tests.image.repository .Values.tests.image.tag | quote }}
              imagePullPolicy: {{ .Values.tests.image.pullPolicy }}
              command: [kubectl, version, --client]
              securityContext:
                {{- toYaml .Values.securityContext | nindent 16 }}
              resources:
                requests: {cpu: 10m, memory: 16Mi}
                limits: {memory: 64Mi}
{{- end }}
