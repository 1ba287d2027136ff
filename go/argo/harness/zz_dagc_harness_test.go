//go:build dagc_harness

// dagc's controller harness: Argo's real workflow controller, driven in process on fake Kubernetes clientsets the
// way the controller's own tests drive it (controller_test.go: newController, makePodsPhase, withOutputs,
// deletePods), with this file playing the kubelet and Argo's executor: every pod the controller creates runs its
// main container's command here as a local process, and its end is reported back as a pod status and a
// WorkflowTaskResult. scripts/build-go.mjs compiles this file into the controller package's test binary with
// `go test -c -overlay` (it needs the package's unexported helpers); the module cache is not edited.
//
// What was followed (argoproj/argo-workflows at the pinned v4.0.5):
//   - workflow/controller/operator.go: operate, podReconciliation ("pod deleted" after RECENTLY_STARTED_POD_DURATION),
//     assessNodeStatus and inferFailedReason (pod message first, then main container's exit code and reason),
//     processNodeRetries (backoff, maxDuration, shutdown and deadline ending retries);
//   - workflow/controller/workflowpod.go: the main container command is `argoexec emissary [log opts] -- CMD…`,
//     pod.spec.activeDeadlineSeconds (kubelet: pod Failed, reason DeadlineExceeded), ARGO_DEADLINE (the executor
//     kills the main container then: workflow/executor/executor.go monitorDeadline), ARGO_TEMPLATE;
//   - workflow/controller/exec_control.go: on stop/terminate/workflow deadline the controller fails the node and
//     asks for the containers to be terminated (SIGTERM, then SIGKILL after the grace period: pod/queue.go);
//   - workflow/controller/taskresult.go: outputs and completion arrive as a WorkflowTaskResult labelled
//     workflows.argoproj.io/report-outputs-completed=true (what the wait container writes);
//   - workflow/util/util.go: StopWorkflow / TerminateWorkflow (what `argo stop` / `argo terminate` call).
//
// Input: the JSON request file named by DAGC_HARNESS_REQUEST; output: JSON written to DAGC_HARNESS_RESULT.
// Pods' stdout/stderr go to this process's stdout/stderr.
package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	apiv1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"

	"github.com/argoproj/argo-workflows/v4/config"
	"github.com/argoproj/argo-workflows/v4/pkg/apis/workflow"
	wfv1 "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v4/util/logging"
	"github.com/argoproj/argo-workflows/v4/workflow/common"
	"github.com/argoproj/argo-workflows/v4/workflow/util"
)

type dagcFault struct {
	// oom, evict, node-loss, stop, terminate
	Kind string `json:"kind"`
	// The dagc dot path of the pod's node (the template's "path" input); "" matches any pod.
	Path string `json:"path,omitempty"`
	// The pod's map item indices input ("" outside maps); nil matches any.
	MapIndex *string `json:"mapIndex,omitempty"`
	// Which try of a retried node (Argo's retries: 0 first); nil matches any.
	Attempt *int `json:"attempt,omitempty"`
	// When: "start" (as the pod starts: the process is killed after delayMs), or "success" (node-loss only: the
	// process ran to exit 0, then the pod is lost before its status reached the controller).
	When string `json:"when,omitempty"`
	// Milliseconds the process runs before the fault (oom, evict, node-loss at start, stop, terminate).
	DelayMs int `json:"delayMs,omitempty"`
	used    bool
}

type dagcRequest struct {
	Manifest string `json:"manifest"`
	// Files of WorkflowTemplates the workflow reaches through templateRef (a split pipeline), created in the
	// fake clientset before the workflow, as `kubectl create` would have on a cluster.
	WorkflowTemplates []string          `json:"workflowTemplates"`
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	Arguments         map[string]string `json:"arguments"`
	Cwd               string            `json:"cwd"`
	Env               map[string]string `json:"env"`
	Secrets           map[string]string `json:"secrets"`
	TmpRoot           string            `json:"tmpRoot"`
	Dagc              []string          `json:"dagc"`
	// Every duration of the manifest (deadlines, backoff, maxDuration) and of the controller's waits is
	// multiplied by this (ratios kept; whole seconds round up, the controller counts some in seconds).
	TimeScale float64 `json:"timeScale"`
	// Workflow activeDeadlineSeconds to set after scaling (the deadline fault), 0 = as in the manifest.
	DeadlineSeconds int         `json:"deadlineSeconds"`
	Faults          []dagcFault `json:"faults"`
	TimeoutSeconds  int         `json:"timeoutSeconds"`
}

type dagcNode struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	DisplayName  string   `json:"displayName"`
	Type         string   `json:"type"`
	TemplateName string   `json:"templateName,omitempty"`
	Phase        string   `json:"phase"`
	Message      string   `json:"message,omitempty"`
	BoundaryID   string   `json:"boundaryID,omitempty"`
	Children     []string `json:"children,omitempty"`
}

type dagcPodRecord struct {
	Name     string `json:"name"`
	Node     string `json:"node"`
	Path     string `json:"path,omitempty"`
	ExitCode *int   `json:"exitCode,omitempty"`
	Fault    string `json:"fault,omitempty"`
	Phase    string `json:"phase"`
}

type dagcResult struct {
	Phase   string          `json:"phase"`
	Message string          `json:"message"`
	Nodes   []dagcNode      `json:"nodes"`
	Pods    []dagcPodRecord `json:"pods"`
	Error   string          `json:"error,omitempty"`
}

// A pod this harness runs.
type dagcPod struct {
	name      string
	nodeID    string
	path      string
	dir       string
	cmd       *exec.Cmd
	done      chan int // exit code (-1: could not start)
	started   time.Time
	deadline  time.Time // pod.spec.activeDeadlineSeconds (kubelet)
	execEnd   time.Time // ARGO_DEADLINE (executor)
	fault     *dagcFault
	faultAt   time.Time
	killedBy  string // why we signalled it: oom, evict, node-loss, deadline, executor-deadline, terminate
	outputs   []wfv1.Parameter
	exitCode  *int
	finished  bool
	termAt    time.Time
	killAfter time.Duration
}

var tmpPathRe = regexp.MustCompile(`/tmp/`)

func TestDagcHarness(t *testing.T) {
	reqFile := os.Getenv("DAGC_HARNESS_REQUEST")
	if reqFile == "" {
		t.Skip("DAGC_HARNESS_REQUEST is not set: this test is dagc's harness, run by dagc emulate --engine argo")
	}
	res := dagcRun(reqFile)
	data, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(os.Getenv("DAGC_HARNESS_RESULT"), data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "harness: cannot write the result:", err)
		os.Exit(3)
	}
	// Exit here: `go test` would print PASS on stdout, which carries the pods' output.
	os.Exit(0)
}

func scaleSeconds(s int64, scale float64) int64 {
	v := int64(math.Ceil(float64(s) * scale))
	if v < 1 {
		v = 1
	}
	return v
}

func scaleDurationString(s string, scale float64) string {
	if s == "" {
		return s
	}
	d, err := wfv1.ParseStringToDuration(s)
	if err != nil {
		return s
	}
	ms := int64(math.Ceil(float64(d.Milliseconds()) * scale))
	if ms < 1 {
		ms = 1
	}
	return fmt.Sprintf("%dms", ms)
}

func scaleIntOrString(v *intstr.IntOrString, scale float64) *intstr.IntOrString {
	if v == nil {
		return nil
	}
	n := v.IntValue()
	if v.Type == intstr.String {
		if x, err := strconv.Atoi(v.StrVal); err == nil {
			n = x
		} else {
			return v
		}
	}
	r := intstr.FromInt32(int32(scaleSeconds(int64(n), scale)))
	return &r
}

func scaleSpec(spec *wfv1.WorkflowSpec, scale float64) {
	if scale <= 0 || scale == 1 {
		return
	}
	if spec.ActiveDeadlineSeconds != nil {
		v := scaleSeconds(*spec.ActiveDeadlineSeconds, scale)
		spec.ActiveDeadlineSeconds = &v
	}
	for i := range spec.Templates {
		t := &spec.Templates[i]
		t.ActiveDeadlineSeconds = scaleIntOrString(t.ActiveDeadlineSeconds, scale)
		if t.RetryStrategy != nil && t.RetryStrategy.Backoff != nil {
			b := t.RetryStrategy.Backoff
			b.Duration = scaleDurationString(b.Duration, scale)
			b.MaxDuration = scaleDurationString(b.MaxDuration, scale)
			b.Cap = scaleDurationString(b.Cap, scale)
		}
		if t.Timeout != "" {
			t.Timeout = scaleDurationString(t.Timeout, scale)
		}
	}
}

func loadWorkflow(ctx context.Context, req *dagcRequest) (*wfv1.Workflow, error) {
	data, err := os.ReadFile(req.Manifest)
	if err != nil {
		return nil, err
	}
	for _, pr := range common.ParseObjects(ctx, data, false) {
		if pr.Err != nil {
			return nil, pr.Err
		}
		var wf *wfv1.Workflow
		switch v := pr.Object.(type) {
		case *wfv1.Workflow:
			wf = v
		case *wfv1.WorkflowTemplate:
			wf = &wfv1.Workflow{Spec: *v.Spec.DeepCopy()}
			wf.Labels = v.Labels
			wf.Annotations = v.Annotations
		case *wfv1.CronWorkflow:
			wf = common.ConvertCronWorkflowToWorkflow(v)
		default:
			continue
		}
		wf.TypeMeta = metav1.TypeMeta{Kind: workflow.WorkflowKind, APIVersion: workflow.APIVersion}
		wf.Name = req.Name
		wf.GenerateName = ""
		wf.Namespace = req.Namespace
		wf.UID = "dagc-harness-uid"
		for i, p := range wf.Spec.Arguments.Parameters {
			if v, ok := req.Arguments[p.Name]; ok {
				wf.Spec.Arguments.Parameters[i].Value = wfv1.AnyStringPtr(v)
			}
		}
		scaleSpec(&wf.Spec, req.TimeScale)
		if req.DeadlineSeconds > 0 {
			v := int64(req.DeadlineSeconds)
			wf.Spec.ActiveDeadlineSeconds = &v
		}
		return wf, nil
	}
	return nil, errors.New("no Workflow, WorkflowTemplate or CronWorkflow in " + req.Manifest)
}

// createWorkflowTemplates puts the request's WorkflowTemplates in the namespace, durations scaled like the
// workflow's, and waits until the controller's informer holds them (it resolves templateRef from its lister:
// templateresolution via wftmplInformer).
func createWorkflowTemplates(ctx context.Context, controller *WorkflowController, req *dagcRequest) error {
	client := controller.wfclientset.ArgoprojV1alpha1().WorkflowTemplates(req.Namespace)
	var names []string
	for _, file := range req.WorkflowTemplates {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		for _, pr := range common.ParseObjects(ctx, data, false) {
			if pr.Err != nil {
				return pr.Err
			}
			wftmpl, ok := pr.Object.(*wfv1.WorkflowTemplate)
			if !ok {
				return fmt.Errorf("%s: expected a WorkflowTemplate", file)
			}
			wftmpl.Namespace = req.Namespace
			scaleSpec(&wftmpl.Spec, req.TimeScale)
			if _, err := client.Create(ctx, wftmpl, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create WorkflowTemplate %s: %w", wftmpl.Name, err)
			}
			names = append(names, wftmpl.Name)
		}
	}
	if len(names) == 0 || controller.wftmplInformer == nil {
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range names {
		for {
			if _, err := controller.wftmplInformer.Lister().WorkflowTemplates(req.Namespace).Get(name); err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the controller's informer never saw WorkflowTemplate %s", name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

func dagcRun(reqFile string) (res dagcResult) {
	var req dagcRequest
	data, err := os.ReadFile(reqFile)
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	if err != nil {
		return dagcResult{Phase: "Error", Error: "harness request: " + err.Error()}
	}
	if req.Namespace == "" {
		req.Namespace = "argo"
	}
	if req.TimeScale <= 0 {
		req.TimeScale = 1
	}
	if req.TimeoutSeconds <= 0 {
		req.TimeoutSeconds = 900
	}
	scaledDur := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * req.TimeScale)
	}
	// The controller's own waits on the wall clock, scaled like the manifest (operator.go recentlyStarted,
	// taskresult.go recentlyDeleted / recentlyCompleted).
	_ = os.Setenv("RECENTLY_STARTED_POD_DURATION", scaledDur(10*time.Second).String())
	_ = os.Setenv("RECENTLY_DELETED_POD_DURATION", scaledDur(2*time.Minute).String())
	_ = os.Setenv("TASK_RESULT_TIMEOUT_DURATION", scaledDur(10*time.Minute).String())

	logLevel := logging.Error
	if os.Getenv("DAGC_HARNESS_DEBUG") != "" {
		logLevel = logging.Info
	}
	ctx := logging.WithLogger(context.Background(), logging.NewSlogLoggerCustom(logLevel, logging.Text, os.Stderr))
	wf, err := loadWorkflow(ctx, &req)
	if err != nil {
		return dagcResult{Phase: "Error", Error: err.Error()}
	}
	cancel, controller := newController(ctx, func(c *WorkflowController) {
		// No rate limit on pod creation: it would only slow the run (config.ResourceRateLimit).
		c.Config.ResourceRateLimit = &config.ResourceRateLimit{Limit: 10000, Burst: 10000}
		// newController's FakeRecorder holds 64 events and then blocks the controller (a workflow of a few
		// dozen nodes records more): read them as they come.
		rec := record.NewFakeRecorder(256)
		go func() {
			for range rec.Events {
			}
		}()
		c.eventRecorderManager = &testEventRecorderManager{eventRecorder: rec}
	})
	defer cancel()
	controller.rateLimiter = controller.newRateLimiter()
	if err := createWorkflowTemplates(ctx, controller, &req); err != nil {
		return dagcResult{Phase: "Error", Error: err.Error()}
	}
	wfClient := controller.wfclientset.ArgoprojV1alpha1().Workflows(req.Namespace)
	if _, err := wfClient.Create(ctx, wf, metav1.CreateOptions{}); err != nil {
		return dagcResult{Phase: "Error", Error: "create workflow: " + err.Error()}
	}
	podcs := controller.kubeclientset.CoreV1().Pods(req.Namespace)
	pods := map[string]*dagcPod{}
	var records []dagcPodRecord
	deadline := time.Now().Add(time.Duration(req.TimeoutSeconds) * time.Second)
	grace := scaledDur(30 * time.Second)
	if grace < time.Second {
		// dagc exec needs a moment to record its end on SIGTERM.
		grace = time.Second
	}

	var current *wfv1.Workflow
	finishedAt := time.Time{}
	for {
		got, err := wfClient.Get(ctx, req.Name, metav1.GetOptions{})
		if err != nil {
			return dagcResult{Phase: "Error", Error: "get workflow: " + err.Error()}
		}
		woc := newWorkflowOperationCtx(ctx, got, controller)
		woc.operate(ctx)
		current = woc.wf

		// Pods the controller created and we have not started: start them (the kubelet's part).
		list, err := podcs.List(ctx, metav1.ListOptions{})
		if err != nil {
			return dagcResult{Phase: "Error", Error: "list pods: " + err.Error()}
		}
		for i := range list.Items {
			pod := &list.Items[i]
			if _, seen := pods[pod.Name]; seen {
				continue
			}
			p := dagcStartPod(ctx, &req, woc, pod, pods)
			pods[pod.Name] = p
			dagcSetPodStatus(ctx, controller, pod, apiv1.PodRunning, nil, "", "", p)
		}

		now := time.Now()
		for _, p := range pods {
			if p.finished {
				continue
			}
			// Faults and deadlines that end a running pod.
			if p.killedBy == "" {
				switch {
				case p.fault != nil && p.fault.When != "success" && !p.faultAt.IsZero() && now.After(p.faultAt):
					switch p.fault.Kind {
					case "oom", "evict", "node-loss":
						p.killedBy = p.fault.Kind
						dagcSignal(p, syscall.SIGKILL)
					case "stop":
						p.faultAt = time.Time{}
						_ = util.StopWorkflow(ctx, wfClient, controller.hydrator, req.Name, "", "")
					case "terminate":
						p.faultAt = time.Time{}
						_ = util.TerminateWorkflow(ctx, wfClient, req.Name)
					}
				case !p.deadline.IsZero() && now.After(p.deadline):
					// The kubelet stops a pod past its activeDeadlineSeconds like any other: SIGTERM, then
					// SIGKILL after the grace period.
					p.killedBy = "deadline"
					p.termAt = now
					dagcSignal(p, syscall.SIGTERM)
				case !p.execEnd.IsZero() && now.After(p.execEnd):
					p.killedBy = "executor-deadline"
					p.termAt = now
					dagcSignal(p, syscall.SIGTERM)
				default:
					// The controller failed the node of a running pod (stop, terminate, workflow deadline:
					// exec_control.go) and asked for its containers to be terminated.
					if node, err := current.Status.Nodes.Get(p.nodeID); err == nil && node.Fulfilled() {
						p.killedBy = "terminate"
						p.termAt = now
						dagcSignal(p, syscall.SIGTERM)
					}
				}
			} else if !p.termAt.IsZero() && now.Sub(p.termAt) > grace {
				dagcSignal(p, syscall.SIGKILL)
			}
			select {
			case code := <-p.done:
				p.finished = true
				rec := dagcFinishPod(ctx, controller, podcs, &req, p, code)
				records = append(records, rec)
			default:
			}
		}

		running := 0
		for _, p := range pods {
			if !p.finished {
				running++
			}
		}
		if current.Status.Phase.Completed() {
			if running == 0 {
				break
			}
			if finishedAt.IsZero() {
				finishedAt = now
			}
		}
		if now.After(deadline) {
			for _, p := range pods {
				if !p.finished {
					dagcSignal(p, syscall.SIGKILL)
				}
			}
			res.Error = fmt.Sprintf("the harness gave up after %d s", req.TimeoutSeconds)
			break
		}
		time.Sleep(15 * time.Millisecond)
	}

	res.Phase = string(current.Status.Phase)
	res.Message = current.Status.Message
	for _, n := range current.Status.Nodes {
		res.Nodes = append(res.Nodes, dagcNode{
			ID: n.ID, Name: n.Name, DisplayName: n.DisplayName, Type: string(n.Type), TemplateName: n.TemplateName,
			Phase: string(n.Phase), Message: n.Message, BoundaryID: n.BoundaryID, Children: n.Children,
		})
	}
	sort.Slice(res.Nodes, func(i, j int) bool { return res.Nodes[i].Name < res.Nodes[j].Name })
	res.Pods = records
	return res
}

func dagcSignal(p *dagcPod, sig syscall.Signal) {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

func mainContainer(pod *apiv1.Pod) *apiv1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == common.MainContainerName {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

func dagcEnvOf(pod *apiv1.Pod, name string) string {
	for _, cs := range [][]apiv1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			for _, e := range c.Env {
				if e.Name == name {
					return e.Value
				}
			}
		}
	}
	return ""
}

func dagcStartPod(ctx context.Context, req *dagcRequest, woc *wfOperationCtx, pod *apiv1.Pod, all map[string]*dagcPod) *dagcPod {
	p := &dagcPod{name: pod.Name, nodeID: woc.nodeID(pod), done: make(chan int, 1), started: time.Now()}
	node, _ := woc.wf.Status.Nodes.Get(p.nodeID)
	mapIndex := ""
	if node != nil && node.Inputs != nil {
		for _, in := range node.Inputs.Parameters {
			switch in.Name {
			case "path":
				p.path = in.Value.String()
			case "map-index":
				mapIndex = in.Value.String()
			}
		}
	}
	retries := 0
	if node != nil {
		if m := regexp.MustCompile(`\((\d+)\)$`).FindStringSubmatch(node.Name); m != nil {
			retries, _ = strconv.Atoi(m[1])
		}
	}
	for i := range req.Faults {
		f := &req.Faults[i]
		if f.used || (f.Path != "" && f.Path != p.path) || (f.MapIndex != nil && *f.MapIndex != mapIndex) || (f.Attempt != nil && *f.Attempt != retries) {
			continue
		}
		f.used = true
		p.fault = f
		p.faultAt = p.started.Add(time.Duration(f.DelayMs) * time.Millisecond)
		break
	}
	if pod.Spec.ActiveDeadlineSeconds != nil {
		p.deadline = p.started.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
	}
	if d := dagcEnvOf(pod, common.EnvVarDeadline); d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil && t.Year() > 1 {
			p.execEnd = t
		}
	}
	var tmpl wfv1.Template
	if s := dagcEnvOf(pod, common.EnvVarTemplate); s != "" {
		_ = json.Unmarshal([]byte(s), &tmpl)
	}
	p.outputs = tmpl.Outputs.Parameters

	fail := func(msg string) *dagcPod {
		fmt.Fprintf(os.Stderr, "harness: pod %s: %s\n", pod.Name, msg)
		p.done <- -1
		return p
	}
	main := mainContainer(pod)
	if main == nil {
		return fail("no main container")
	}
	dir, err := os.MkdirTemp(req.TmpRoot, "pod-")
	if err != nil {
		return fail(err.Error())
	}
	p.dir = dir
	// Mount paths of persistent volume claims → one folder per claim in the working directory (as the
	// built-in emulator maps them, src/emulate/argo/pod.ts).
	claims := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	type mount struct{ from, to string }
	var mounts []mount
	for _, m := range main.VolumeMounts {
		if claim, ok := claims[m.Name]; ok && m.MountPath != "/" {
			local := filepath.Join(req.Cwd, ".argo-volumes", claim)
			_ = os.MkdirAll(local, 0o755)
			mounts = append(mounts, mount{strings.TrimRight(m.MountPath, "/"), local})
		}
	}
	mapPaths := func(s string) string {
		s = tmpPathRe.ReplaceAllString(s, dir+"/")
		for _, m := range mounts {
			s = regexp.MustCompile(regexp.QuoteMeta(m.from)+`(/|$|"|')`).ReplaceAllString(s, m.to+"$1")
		}
		return s
	}
	// The main container's own command: what follows `argoexec emissary … --`.
	argv := append(append([]string{}, main.Command...), main.Args...)
	for i, a := range argv {
		if a == "--" && i > 0 && strings.HasSuffix(argv[0], "argoexec") {
			argv = argv[i+1:]
			break
		}
	}
	for i := range argv {
		argv[i] = mapPaths(argv[i])
	}
	if len(argv) > 0 && argv[0] == "dagc" && len(req.Dagc) > 0 {
		argv = append(append([]string{}, req.Dagc...), argv[1:]...)
	}
	env := map[string]string{}
	for k, v := range req.Env {
		env[k] = v
	}
	for _, e := range main.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = mapPaths(e.Value)
		case e.ValueFrom.SecretKeyRef != nil:
			v, ok := req.Secrets[e.Name]
			if !ok {
				return fail(fmt.Sprintf("env %s: secret %s/%s is not available here (set %s in the environment)", e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key, e.Name))
			}
			env[e.Name] = v
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				env[e.Name] = pod.Name
			case "metadata.namespace":
				env[e.Name] = pod.Namespace
			case "metadata.uid":
				env[e.Name] = string(pod.UID)
			}
		}
	}
	env["TMPDIR"] = dir
	envList := make([]string, 0, len(env))
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	if len(argv) == 0 {
		return fail("the main container has no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = req.Cwd
	cmd.Env = envList
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fail(err.Error())
	}
	p.cmd = cmd
	go func() {
		err := cmd.Wait()
		code := 0
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					code = 128 + int(ws.Signal())
				} else {
					code = ee.ExitCode()
				}
			} else {
				code = -1
			}
		}
		p.done <- code
	}()
	return p
}

func terminated(name string, code int, reason, message string) apiv1.ContainerStatus {
	return apiv1.ContainerStatus{Name: name, State: apiv1.ContainerState{Terminated: &apiv1.ContainerStateTerminated{
		ExitCode: int32(code), Reason: reason, Message: message, FinishedAt: metav1.Now(),
	}}}
}

// dagcSetPodStatus writes a pod's status to the fake clientset and to the controller's pod informer store, as
// makePodsPhase does (the informer would get there too, later).
func dagcSetPodStatus(ctx context.Context, wfc *WorkflowController, pod *apiv1.Pod, phase apiv1.PodPhase, statuses []apiv1.ContainerStatus, reason, message string, p *dagcPod) {
	podcs := wfc.kubeclientset.CoreV1().Pods(pod.Namespace)
	cur, err := podcs.Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		return
	}
	cur.Status.Phase = phase
	cur.Status.Reason = reason
	cur.Status.Message = message
	if phase == apiv1.PodRunning {
		now := metav1.Now()
		cur.Status.StartTime = &now
		cur.Status.ContainerStatuses = nil
		for _, c := range cur.Spec.Containers {
			cur.Status.ContainerStatuses = append(cur.Status.ContainerStatuses, apiv1.ContainerStatus{
				Name: c.Name, Ready: true, State: apiv1.ContainerState{Running: &apiv1.ContainerStateRunning{StartedAt: now}},
			})
		}
	} else {
		cur.Status.ContainerStatuses = statuses
	}
	updated, err := podcs.Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		return
	}
	_ = wfc.PodController.TestingPodInformer().GetStore().Update(updated)
}

func dagcFinishPod(ctx context.Context, wfc *WorkflowController, podcs interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*apiv1.Pod, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}, req *dagcRequest, p *dagcPod, code int) dagcPodRecord {
	rec := dagcPodRecord{Name: p.name, Node: p.nodeID, Path: p.path}
	defer func() {
		if p.dir != "" {
			_ = os.RemoveAll(p.dir)
		}
	}()
	pod, err := podcs.Get(ctx, p.name, metav1.GetOptions{})
	if err != nil {
		rec.Phase = "gone"
		return rec
	}
	if code >= 0 {
		c := code
		rec.ExitCode = &c
	}
	kind := p.killedBy
	if kind == "" && p.fault != nil && p.fault.Kind == "node-loss" && p.fault.When == "success" {
		kind = "node-loss"
	}
	rec.Fault = kind
	// Node loss: the pod object goes away with its node (deletePods in the controller's tests); no task result,
	// no status: the controller finds the pod missing.
	if kind == "node-loss" {
		_ = podcs.Delete(ctx, p.name, metav1.DeleteOptions{})
		_ = wfc.PodController.TestingPodInformer().GetStore().Delete(pod)
		rec.Phase = "Deleted"
		return rec
	}

	// Outputs, as the wait container saves them: parameters from files the main container left.
	outputs := wfv1.Outputs{}
	waitCode, waitMsg := 0, ""
	for _, param := range p.outputs {
		if param.ValueFrom == nil || param.ValueFrom.Path == "" {
			continue
		}
		local := tmpPathRe.ReplaceAllString(param.ValueFrom.Path, p.dir+"/")
		b, err := os.ReadFile(local)
		switch {
		case err == nil:
			outputs.Parameters = append(outputs.Parameters, wfv1.Parameter{Name: param.Name, Value: wfv1.AnyStringPtr(strings.TrimSpace(string(b)))})
		case param.ValueFrom.Default != nil:
			outputs.Parameters = append(outputs.Parameters, wfv1.Parameter{Name: param.Name, Value: param.ValueFrom.Default})
		case code == 0:
			waitCode, waitMsg = 1, fmt.Sprintf("open %s: no such file or directory", param.ValueFrom.Path)
		}
	}
	taskResult := &wfv1.WorkflowTaskResult{
		TypeMeta: metav1.TypeMeta{APIVersion: workflow.APIVersion, Kind: workflow.WorkflowTaskResultKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      p.nodeID,
			Namespace: req.Namespace,
			Labels:    map[string]string{common.LabelKeyWorkflow: req.Name, common.LabelKeyReportOutputsCompleted: "true"},
		},
		NodeResult: wfv1.NodeResult{Outputs: &outputs},
	}
	if _, err := wfc.wfclientset.ArgoprojV1alpha1().WorkflowTaskResults(req.Namespace).Create(ctx, taskResult, metav1.CreateOptions{}); err != nil {
		fmt.Fprintf(os.Stderr, "harness: task result of %s: %v\n", p.name, err)
	}

	var statuses []apiv1.ContainerStatus
	phase, reason, message := apiv1.PodSucceeded, "", ""
	wait := terminated(common.WaitContainerName, waitCode, "", waitMsg)
	switch {
	case code < 0:
		phase = apiv1.PodFailed
		statuses = []apiv1.ContainerStatus{{Name: common.MainContainerName, State: apiv1.ContainerState{Waiting: &apiv1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: "the harness could not start the container"}}}, wait}
	case kind == "oom":
		phase = apiv1.PodFailed
		statuses = []apiv1.ContainerStatus{terminated(common.MainContainerName, 137, "OOMKilled", ""), wait}
	case kind == "evict":
		phase, reason, message = apiv1.PodFailed, "Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi."
		statuses = []apiv1.ContainerStatus{terminated(common.MainContainerName, 137, "Error", ""), terminated(common.WaitContainerName, 137, "Error", "")}
	case kind == "deadline":
		phase, reason, message = apiv1.PodFailed, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"
		statuses = []apiv1.ContainerStatus{terminated(common.MainContainerName, code, "Error", ""), wait}
	case kind == "executor-deadline":
		phase = apiv1.PodFailed
		statuses = []apiv1.ContainerStatus{terminated(common.MainContainerName, code, "Error", ""), terminated(common.WaitContainerName, 0, "", "Step exceeded its deadline")}
	default:
		statuses = []apiv1.ContainerStatus{terminated(common.MainContainerName, code, map[bool]string{true: "Completed", false: "Error"}[code == 0], ""), wait}
		if code != 0 || waitCode != 0 {
			phase = apiv1.PodFailed
		}
	}
	dagcSetPodStatus(ctx, wfc, pod, phase, statuses, reason, message, p)
	rec.Phase = string(phase)
	return rec
}
