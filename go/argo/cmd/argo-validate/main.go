// Command argo-validate runs Argo Workflows' own validation (the module's workflow/validate package) on manifests,
// in two ways:
//
//   - controller: what the workflow controller does on a Workflow's first operate (workflow/controller/operator.go,
//     "Perform one-time workflow validation": ValidateWorkflow with ValidateOpts{} and template getters wrapping the
//     Argo clientset), and what the cron controller does before it submits (workflow/cron/operator.go:
//     ValidateCronWorkflow), followed by the controller's check of the Workflow the cron controller creates
//     (common.ConvertCronWorkflowToWorkflow). WorkflowTemplates are checked as the API server does on create
//     (server/workflowtemplate: ValidateWorkflowTemplate with ValidateOpts{}).
//   - lint: exactly `argo lint --offline` (cmd/argo/lint.Lint with the offline client of pkg/apiclient, every
//     kind, the files themselves supplying referenced WorkflowTemplates).
//
// Output: one JSON object per checked object and mode on stdout when --json is given, else readable lines.
// Exit 0 when everything passes, 1 when Argo rejects something, 2 on a usage or read error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-workflows/v4/cmd/argo/lint"
	"github.com/argoproj/argo-workflows/v4/pkg/apiclient"
	wfv1 "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v4/pkg/client/clientset/versioned/fake"
	"github.com/argoproj/argo-workflows/v4/util/logging"
	"github.com/argoproj/argo-workflows/v4/workflow/common"
	"github.com/argoproj/argo-workflows/v4/workflow/templateresolution"
	"github.com/argoproj/argo-workflows/v4/workflow/validate"
)

type result struct {
	File  string `json:"file"`
	Mode  string `json:"mode"`
	Kind  string `json:"kind,omitempty"`
	Name  string `json:"name,omitempty"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

const defaultNamespace = "argo"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("argo-validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", "both", "controller, lint or both")
	asJSON := fs.Bool("json", false, "print one JSON object per result")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: argo-validate [--mode controller|lint|both] [--json] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files := fs.Args()
	if len(files) == 0 || (*mode != "controller" && *mode != "lint" && *mode != "both") {
		fs.Usage()
		return 2
	}
	// Argo's packages log through a logger they require in the context; keep it quiet (errors only, on stderr)
	// so stdout carries only our results.
	ctx := logging.WithLogger(context.Background(), logging.NewSlogLoggerCustom(logging.Error, logging.Text, stderr))

	var results []result
	if *mode == "controller" || *mode == "both" {
		rs, err := controllerCheck(ctx, files)
		if err != nil {
			fmt.Fprintln(stderr, "argo-validate:", err)
			return 2
		}
		results = append(results, rs...)
	}
	if *mode == "lint" || *mode == "both" {
		rs, err := lintCheck(ctx, files)
		if err != nil {
			fmt.Fprintln(stderr, "argo-validate:", err)
			return 2
		}
		results = append(results, rs...)
	}
	failed := false
	for _, r := range results {
		if !r.OK {
			failed = true
		}
		if *asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintln(stdout, string(b))
		} else if r.OK {
			fmt.Fprintf(stdout, "ok   %s %s %s/%s\n", r.Mode, r.File, r.Kind, r.Name)
		} else {
			fmt.Fprintf(stdout, "FAIL %s %s %s/%s: %s\n", r.Mode, r.File, r.Kind, r.Name, r.Error)
		}
	}
	if len(results) == 0 {
		fmt.Fprintln(stderr, "argo-validate: no Argo object found in", strings.Join(files, ", "))
		return 2
	}
	if failed {
		return 1
	}
	return 0
}

type parsed struct {
	file string
	obj  metav1.Object
	err  error
}

func parseFiles(ctx context.Context, files []string) ([]parsed, error) {
	var out []parsed
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// Non-strict, as the API server prunes unknown fields of a structural CRD rather than refusing them.
		for _, pr := range common.ParseObjects(ctx, data, false) {
			if pr.Object == nil && pr.Err == nil {
				continue
			}
			out = append(out, parsed{file: f, obj: pr.Object, err: pr.Err})
		}
	}
	return out, nil
}

func namespaceOf(o metav1.Object) string {
	if o.GetNamespace() != "" {
		return o.GetNamespace()
	}
	return defaultNamespace
}

// controllerCheck validates as the controller does, with WorkflowTemplates and ClusterWorkflowTemplates found in
// the files stored in a fake Argo clientset, read back through the same getters the controller wraps around it.
func controllerCheck(ctx context.Context, files []string) ([]result, error) {
	objs, err := parseFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	client := fake.NewSimpleClientset()
	for _, p := range objs {
		switch v := p.obj.(type) {
		case *wfv1.WorkflowTemplate:
			c := v.DeepCopy()
			c.Namespace = namespaceOf(v)
			if _, err := client.ArgoprojV1alpha1().WorkflowTemplates(c.Namespace).Create(ctx, c, metav1.CreateOptions{}); err != nil {
				return nil, fmt.Errorf("%s: WorkflowTemplate %q: %w", p.file, v.Name, err)
			}
		case *wfv1.ClusterWorkflowTemplate:
			if _, err := client.ArgoprojV1alpha1().ClusterWorkflowTemplates().Create(ctx, v.DeepCopy(), metav1.CreateOptions{}); err != nil {
				return nil, fmt.Errorf("%s: ClusterWorkflowTemplate %q: %w", p.file, v.Name, err)
			}
		}
	}
	cwftGetter := templateresolution.WrapClusterWorkflowTemplateInterface(client.ArgoprojV1alpha1().ClusterWorkflowTemplates())
	getter := func(ns string) templateresolution.WorkflowTemplateNamespacedGetter {
		return templateresolution.WrapWorkflowTemplateInterface(client.ArgoprojV1alpha1().WorkflowTemplates(ns))
	}
	var out []result
	for _, p := range objs {
		r := result{File: p.file, Mode: "controller"}
		if p.obj == nil {
			r.Error = p.err.Error()
			out = append(out, r)
			continue
		}
		r.Name = p.obj.GetName()
		if r.Name == "" {
			r.Name = p.obj.GetGenerateName()
		}
		if p.err != nil {
			r.Error = p.err.Error()
			out = append(out, r)
			continue
		}
		var verr error
		switch v := p.obj.(type) {
		case *wfv1.Workflow:
			r.Kind = "Workflow"
			wf := v.DeepCopy()
			wf.Namespace = namespaceOf(v)
			verr = validate.ValidateWorkflow(ctx, getter(wf.Namespace), cwftGetter, wf, nil, validate.ValidateOpts{})
		case *wfv1.CronWorkflow:
			r.Kind = "CronWorkflow"
			cron := v.DeepCopy()
			cron.Namespace = namespaceOf(v)
			verr = validate.ValidateCronWorkflow(ctx, getter(cron.Namespace), cwftGetter, cron, nil)
			if verr == nil {
				wf := common.ConvertCronWorkflowToWorkflow(cron)
				wf.Namespace = cron.Namespace
				if err := validate.ValidateWorkflow(ctx, getter(wf.Namespace), cwftGetter, wf, nil, validate.ValidateOpts{}); err != nil {
					verr = fmt.Errorf("workflow created from it: %w", err)
				}
			}
		case *wfv1.WorkflowTemplate:
			r.Kind = "WorkflowTemplate"
			t := v.DeepCopy()
			t.Namespace = namespaceOf(v)
			verr = validate.ValidateWorkflowTemplate(ctx, getter(t.Namespace), cwftGetter, t, nil, validate.ValidateOpts{})
		case *wfv1.ClusterWorkflowTemplate:
			r.Kind = "ClusterWorkflowTemplate"
			verr = validate.ValidateClusterWorkflowTemplate(ctx, nil, cwftGetter, v.DeepCopy(), nil, validate.ValidateOpts{})
		default:
			continue // WorkflowEventBinding and the like: nothing the controller validates
		}
		if verr != nil {
			r.Error = verr.Error()
		} else {
			r.OK = true
		}
		out = append(out, r)
	}
	return out, nil
}

// lintCheck is `argo lint --offline FILE...` (cmd/argo/commands/lint.go): the offline client reads the same files
// for referenced templates, and every kind is linted.
func lintCheck(ctx context.Context, given []string) ([]result, error) {
	files, original, cleanup, err := namespaced(ctx, given)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ctx, client, err := apiclient.NewClientFromOptsWithContext(ctx, apiclient.Opts{Offline: true, OfflineFiles: files})
	if err != nil {
		return nil, err
	}
	var clients lint.ServiceClients
	clients.WorkflowsClient = client.NewWorkflowServiceClient(ctx)
	if clients.WorkflowTemplatesClient, err = client.NewWorkflowTemplateServiceClient(); err != nil {
		return nil, err
	}
	if clients.CronWorkflowsClient, err = client.NewCronWorkflowServiceClient(); err != nil {
		return nil, err
	}
	if clients.ClusterWorkflowTemplateClient, err = client.NewClusterWorkflowTemplateServiceClient(); err != nil {
		return nil, err
	}
	res, err := lint.Lint(ctx, &lint.LintOptions{Files: files, DefaultNamespace: defaultNamespace, ServiceClients: clients})
	if err != nil {
		return nil, err
	}
	var out []result
	for _, lr := range res.Results {
		if !lr.Linted {
			continue
		}
		file := lr.File
		if o, ok := original[file]; ok {
			file = o
		}
		r := result{File: file, Mode: "lint", OK: len(lr.Errs) == 0}
		msgs := make([]string, 0, len(lr.Errs))
		for _, e := range lr.Errs {
			msgs = append(msgs, e.Error())
		}
		sort.Strings(msgs)
		r.Error = strings.Join(msgs, "; ")
		out = append(out, r)
	}
	if len(out) == 0 && !res.Success {
		return nil, errors.New(res.Msg())
	}
	return out, nil
}

// namespaced gives the offline client what `kubectl create -n <ns> -f` gives a cluster: a WorkflowTemplate written
// without a namespace lives in the namespace it is created in. `argo lint --offline` files such a template under
// "" but looks a templateRef up under the workflow's namespace (pkg/apiclient/offline-client.go), so it would
// report templates a cluster finds (dagc's split pipelines: emit/argo/split.ts) as missing. Files holding one
// are linted from a copy with the default namespace set; results name the original file.
func namespaced(ctx context.Context, files []string) ([]string, map[string]string, func(), error) {
	dir, err := os.MkdirTemp("", "argo-validate-")
	if err != nil {
		return nil, nil, func() {}, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	original := map[string]string{}
	out := make([]string, 0, len(files))
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			cleanup()
			return nil, nil, func() {}, err
		}
		changed := false
		var docs [][]byte
		for _, pr := range common.ParseObjects(ctx, data, false) {
			if pr.Object == nil {
				continue
			}
			if wt, ok := pr.Object.(*wfv1.WorkflowTemplate); ok && wt.Namespace == "" {
				wt.Namespace = defaultNamespace
				changed = true
			}
			b, err := yaml.Marshal(pr.Object)
			if err != nil {
				cleanup()
				return nil, nil, func() {}, err
			}
			docs = append(docs, b)
		}
		if !changed {
			out = append(out, f)
			continue
		}
		copyFile := filepath.Join(dir, fmt.Sprintf("%d-%s", i, filepath.Base(f)))
		if err := os.WriteFile(copyFile, bytes.Join(docs, []byte("---\n")), 0o644); err != nil {
			cleanup()
			return nil, nil, func() {}, err
		}
		original[copyFile] = f
		out = append(out, copyFile)
	}
	return out, original, cleanup, nil
}
