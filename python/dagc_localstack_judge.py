"""A second Step Functions interpreter as judge of dagc's asl emulator (src/emulate/asl/localstack.ts).

Usage: python3 dagc_localstack_judge.py request.json > verdict.json
       python3 dagc_localstack_judge.py --probe        (prints moto's version; exit 1 when it cannot run)

The Python package moto ships LocalStack's ASL interpreter (moto/stepfunctions/parser), used when moto is
configured with {"stepfunctions": {"execute_state_machine": True}}. This helper runs a state machine
definition under that interpreter, in process (mock_aws), once per execution that `dagc emulate --target asl`
started, with the same name and input. It does not run any job: every Task state's outcome is the one the
aws-local-stepfunctions run recorded for the same state and the same request (its container overrides, or the
S3 object it reads), taken in the order that run made its calls. So each step runs once, and what the
interpreter decides on its own is the control flow: Retry, Catch, Choice, Parallel, Map, the paths, Fail.

The Task outcome enters the interpreter where LocalStack's own mocked service integrations enter it
(Environment.is_mocked_mode / get_current_mocked_response, read by StateTaskService._eval_execution), so the
interpreter's Task code around it (timeouts, Retry, Catch, ResultSelector, ResultPath) is its own.

Request (a JSON file):
  {"definition": {...}, "retryScale": 0.001,
   "executions": [{"name", "input", "calls": [{"state", "request", "outcome"}]}]}
  outcome: {"output": value} | {"error": name, "cause": text} | {"stop": true} (StopExecution while it ran)
Verdict (JSON on stdout):
  {"moto": version, "executions": [{"name", "status", "error", "cause", "events": [...], "unrecorded": [...]}]}
  events, in the order they happened: {"state", "kind": entered|exited|retry|catch|fail, "error"?, "index"?}
  where index is the iteration index of the outermost Map the state runs in (as aws-local-stepfunctions tags
  its events), absent outside maps; unrecorded lists the Task calls the recorded run never made; known, the
  calls matched despite a known difference of aws-local-stepfunctions (see Judge.take).
"""

import copy
import json
import logging
import os
import sys
import threading
import time

STATUS_WAIT_SECONDS = 600


def probe():
    # What the interpreter needs beyond moto itself (moto's extras stepfunctions, server or all bring them); the
    # parser's own import is left to the run, it costs seconds.
    import antlr4  # noqa: F401
    import jsonpath_ng  # noqa: F401
    import moto  # noqa: F401
    from moto.stepfunctions.parser.asl.eval.environment import Environment  # noqa: F401

    return moto.__version__


def without_backslashes(text):
    return text.replace("\\", "")


def json_value(entry):
    """An environment entry whose value is JSON text (States.JsonToString) in one spelling: LocalStack's
    json_to_string writes non-ASCII characters as \\u escapes (json.dumps' ensure_ascii), JSON.stringify as they
    are; both are the same JSON."""
    if not isinstance(entry, dict) or not isinstance(entry.get("Value"), str) or entry["Value"][:1] not in ("{", "["):
        return entry
    try:
        parsed = json.loads(entry["Value"])
    except ValueError:
        return entry
    return {**entry, "Value": json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)}


def request_key(state, request):
    """What identifies one job of a state: its container overrides (Batch, ECS) or the object it reads (S3).

    The other request fields (queue, job definition, name) are the same for every call of a state; moto also
    drops the SubmitJob fields its Batch integration does not know before the mock is consulted.
    """
    request = request if isinstance(request, dict) else {}
    part = {k: request[k] for k in ("ContainerOverrides", "Overrides", "Bucket", "Key") if k in request}
    overrides = part.get("ContainerOverrides")
    if isinstance(overrides, dict) and isinstance(overrides.get("Environment"), list):
        # moto's Batch integration adds MANAGED_BY_AWS (as AWS does for .sync jobs) after the parameters are read;
        # dropped here too, in case a version adds it earlier.
        # The close job's DAGC_ASL_CAUSE is the text of an error's cause, which each interpreter words its own way for
        # the errors it raises itself (aws-local-stepfunctions' task timeout says "States.Timeout"): its value is not
        # part of what identifies the call.
        overrides = dict(overrides)
        overrides["Environment"] = [
            {**e, "Value": ""} if isinstance(e, dict) and e.get("Name") == "DAGC_ASL_CAUSE" else json_value(e)
            for e in overrides["Environment"]
            if not (isinstance(e, dict) and (e.get("name") or e.get("Name")) == "MANAGED_BY_AWS")
        ]
        part["ContainerOverrides"] = overrides
    return state + "\n" + json.dumps(part, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Judge:
    def __init__(self, retry_scale):
        self.lock = threading.Lock()
        self.retry_scale = retry_scale
        self.events = []
        self.unrecorded = []
        self.known = []
        self.table = {}
        self.sfn = None

    def start(self, calls):
        with self.lock:
            self.events = []
            self.unrecorded = []
            self.known = []
            self.table = {}
            for call in calls:
                self.table.setdefault(request_key(call["state"], call.get("request")), []).append(call["outcome"])

    def take(self, state, request):
        with self.lock:
            queue = self.table.get(request_key(state, request))
            if queue:
                return queue.pop(0)
            # aws-local-stepfunctions 3.0.0 drops every backslash from the string an intrinsic function returns
            # (BaseIntrinsicFunction.call: result.replaceAll("\\", "")), so a States.JsonToString of a text with a
            # quote in it is not the JSON AWS gives. The call is still the same job: matched without backslashes,
            # and reported as that known difference.
            loose = without_backslashes(request_key(state, request))
            for key, queue in self.table.items():
                if queue and without_backslashes(key) == loose:
                    self.known.append({"state": state, "difference": "backslashes", "request": request})
                    return queue.pop(0)
            self.unrecorded.append({"state": state, "request": request})
            return None

    def note(self, state, difference, detail):
        with self.lock:
            self.known.append({"state": state, "difference": difference, "request": detail})

    def record(self, env, state, kind, error=None):
        event = {"state": state, "kind": kind}
        if error is not None:
            event["error"] = error
        index = outermost_index(env)
        if index is not None:
            event["index"] = index
        with self.lock:
            self.events.append(event)


def outermost_index(env):
    """The iteration index of the outermost Map iteration this environment runs in (frames link to their parent)."""
    found = None
    seen = 0
    while env is not None and seen < 10000:
        index = getattr(env, "_dagc_index", None)
        if index is not None:
            found = index
        env = getattr(env, "_dagc_parent", None)
        seen += 1
    return found


def error_name_of(failure_event):
    name = getattr(failure_event, "error_name", None)
    return getattr(name, "error_name", None) or "States.Runtime"


def install(judge):
    """Hooks into moto's interpreter: task outcomes from the record, and a trace of the states."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent, FailureEventException
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import distributed_item_processor_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.iterator import distributed_iterator_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
    from moto.stepfunctions.parser.asl.component.state.fail import state_fail
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramRunning
    from moto.stepfunctions.parser.mocking.mock_config import MockedResponseReturn

    # Frames know their parent, and a Map iteration's frame its index (the key of a state's events).
    inner_frame = Environment.as_inner_frame_of.__func__

    def as_inner_frame_of(cls, env, variable_store, event_history_frame_cache=None):
        frame = inner_frame(cls, env=env, variable_store=variable_store, event_history_frame_cache=event_history_frame_cache)
        frame._dagc_parent = env
        return frame

    Environment.as_inner_frame_of = classmethod(as_inner_frame_of)

    for worker in (
        iteration_worker.IterationWorker,
        distributed_item_processor_worker.DistributedItemProcessorWorker,
        distributed_iterator_worker.DistributedIteratorWorker,
    ):
        original_job = worker.__dict__.get("_eval_job")
        if original_job is None:
            continue

        def eval_job(self, env, job, _original=original_job):
            env._dagc_index = job.job_index
            return _original(self, env, job)

        worker._eval_job = eval_job

    # The Task's request, as the interpreter evaluated its Parameters, kept on the Task's frame.
    eval_parameters = StateTask._eval_parameters

    def stash_parameters(self, env):
        parameters = eval_parameters(self, env)
        env._dagc_request = copy.deepcopy(parameters)
        return parameters

    StateTask._eval_parameters = stash_parameters

    def is_mocked_mode(self):
        return getattr(self, "_dagc_request", None) is not None

    def get_current_mocked_response(self):
        state = self.next_state_name
        outcome = judge.take(state, self._dagc_request)
        if outcome is None:
            outcome = {"error": "dagc.NotRecorded", "cause": f"the recorded run never called {state} with this request"}
        if "stop" in outcome:
            # StopExecution while the job runs, as the recorded run did; the job's own result is not used.
            execution_arn = self.states.context_object.context_object_data["Execution"]["Id"]
            judge.sfn.stop_execution(executionArn=execution_arn, error="dagc.ExecutionAborted", cause="the execution was stopped (StopExecution)")
            return MockedResponseReturn(range_start=0, range_end=0, payload={"Status": "STOPPED"})
        if "error" in outcome:
            error, cause = outcome["error"], outcome.get("cause", "")
            # LocalStack's own mocked Throw takes custom names only (CustomErrorName refuses "States."); the names
            # an integration or the interpreter raises (States.TaskFailed, States.Timeout) are States error names.
            name = StatesErrorName.from_name(error) if error.startswith("States.") else CustomErrorName(error)
            if error == "States.Timeout":
                details = EventDetails(taskTimedOutEventDetails=TaskTimedOutEventDetails(error=error, cause=cause))
                event_type = HistoryEventType.TaskTimedOut
            else:
                details = EventDetails(taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause))
                event_type = HistoryEventType.TaskFailed
            raise FailureEventException(failure_event=FailureEvent(env=self, error_name=name, event_type=event_type, event_details=details))
        return MockedResponseReturn(range_start=0, range_end=0, payload=outcome.get("output"))

    Environment.is_mocked_mode = is_mocked_mode
    Environment.get_current_mocked_response = get_current_mocked_response

    # Retry waits in proportion, as the aws-local-stepfunctions emulator scales them (BackoffRate, MaxDelaySeconds
    # and jitter still apply: only the final sleep is scaled).
    class ScaledTime:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            time.sleep(seconds * judge.retry_scale)

    retrier_decl.time = ScaledTime()

    # The trace: entered/exited per state, and for each failure whether it was retried, caught or left the state.
    eval_body = CommonStateField._eval_body

    def traced_eval_body(self, env):
        judge.record(env, self.name, "entered")
        try:
            eval_body(self, env)
        except Exception as ex:
            # A branch or iteration stopped from outside (a sibling failed, the execution was stopped) ends with
            # whatever its state was doing raising: that is no failure of the state, and is not traced.
            if isinstance(env.program_state(), ProgramRunning):
                judge.record(env, self.name, "fail", error_name_of(ex.failure_event) if isinstance(ex, FailureEventException) else "States.Runtime")
            raise
        if isinstance(env.program_state(), (ProgramRunning, ProgramEnded)):
            judge.record(env, self.name, "exited")

    CommonStateField._eval_body = traced_eval_body

    # An error passed on under a "States." name: by a Fail state's Error(Path) (dagc's dagc.abort passes on the
    # error it caught, such as States.Timeout), or as a failed Parallel branch's or Map iteration's error, which
    # becomes the Parallel's or Map's. LocalStack's interpreter makes each a CustomErrorName, which refuses that
    # prefix (ValueError), so the state fails with States.Runtime instead, which nothing then catches. Step
    # Functions reports the name as it is (AWS Step Functions developer guide: "Fail workflow state", Error and
    # ErrorPath; "Parallel workflow state": a branch's unhandled error fails the Parallel state). The name is let
    # through here, and reported as a known difference.
    def passed_on_error_name(error_name=None):
        if isinstance(error_name, str) and error_name.startswith("States."):
            judge.note("(a passed-on error)", "statesNameRefused", error_name)
            try:
                return StatesErrorName.from_name(error_name)
            except Exception:  # noqa: BLE001 - a States. name the interpreter does not know
                name = CustomErrorName(None)
                name.error_name = error_name
                return name
        return CustomErrorName(error_name)

    for module in (state_fail, branches_decl, iteration_worker):
        module.CustomErrorName = passed_on_error_name

    # States.ALL does not catch States.Runtime or States.DataLimitExceeded in Step Functions (AWS Step Functions
    # developer guide, "Handling errors in Step Functions workflows", States.ALL: it "can't catch the
    # States.DataLimitExceeded terminal error or Runtime error types"); LocalStack's ErrorEqualsDecl matches
    # States.ALL with every name. Held to the guide here, and reported as a known difference.
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl

    equals_body = ErrorEqualsDecl._eval_body
    uncatchable = ("States.Runtime", "States.DataLimitExceeded")

    def guide_equals_body(self, env):
        name = getattr(env.stack[-1], "error_name", None) if env.stack else None
        equals_body(self, env)
        named = [getattr(n, "error_name", None) for n in self.error_names]
        if name in uncatchable and env.stack and env.stack[-1] is True and name not in named:
            env.stack[-1] = False
            judge.note("(a States.ALL catcher)", "runtimeUncatchable", name)

    ErrorEqualsDecl._eval_body = guide_equals_body

    handle_retry = ExecutionState._handle_retry

    def traced_handle_retry(self, env, failure_event):
        outcome = handle_retry(self, env, failure_event)
        if outcome == RetryOutcome.CanRetry:
            judge.record(env, self.name, "retry", error_name_of(failure_event))
        return outcome

    ExecutionState._handle_retry = traced_handle_retry

    handle_catch = ExecutionState._handle_catch

    def traced_handle_catch(self, env, failure_event):
        handle_catch(self, env, failure_event)
        if env.stack and env.stack[-1] == CatchOutcome.Caught:
            judge.record(env, self.name, "catch", error_name_of(failure_event))

    ExecutionState._handle_catch = traced_handle_catch


def put_reader_objects(definition, calls, s3):
    """A Distributed Map's ItemReader reads S3 itself: the objects it read in the recorded run go into moto's S3."""
    readers = set()

    def walk(states):
        for name, state in states.items():
            if state.get("Type") == "Map":
                if "ItemReader" in state:
                    readers.add(name)
                walk((state.get("ItemProcessor") or state.get("Iterator") or {}).get("States", {}))
            for branch in state.get("Branches", []) or []:
                walk(branch.get("States", {}))

    walk(definition.get("States", {}))
    made = set()
    for call in calls:
        request, outcome = call.get("request") or {}, call.get("outcome") or {}
        if call["state"] not in readers or "output" not in outcome or "Bucket" not in request or "Key" not in request:
            continue
        if request["Bucket"] not in made:
            s3.create_bucket(Bucket=request["Bucket"])
            made.add(request["Bucket"])
        s3.put_object(Bucket=request["Bucket"], Key=request["Key"], Body=json.dumps(outcome["output"]).encode())


def judge_executions(request):
    # The interpreter logs every error it handles (a Catch, a Choice's missing path) with a stack: not wanted
    # on dagc's stderr, unless asked for.
    if not os.environ.get("DAGC_JUDGE_DEBUG"):
        logging.disable(logging.CRITICAL)
    import boto3
    from moto import mock_aws

    judge = Judge(float(request.get("retryScale", 1)))
    install(judge)
    region = "us-east-1"
    out = []
    for execution in request["executions"]:
        # A part of a split machine (dagc's emit/asl/split.ts) is an execution of its own, of its own definition:
        # the Task that started it is a recorded call of its parent's execution.
        definition = execution.get("definition") or request["definition"]
        # A fresh moto per execution: its StartExecution deep-copies the state machine, and after a first
        # execution something it reaches holds a lock that cannot be copied (moto 5.2).
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            sfn = boto3.client("stepfunctions", region_name=region)
            judge.sfn = sfn
            s3 = boto3.client("s3", region_name=region)
            # The definition as UTF-8 text: LocalStack's ASL parser keeps a \u escape in a state name as it is
            # written (a state "a-\u2713" where the definition names "a-✓"), where JSON means the character.
            machine = sfn.create_state_machine(
                name="dagc-judge", definition=json.dumps(definition, ensure_ascii=False), roleArn="arn:aws:iam::123456789012:role/dagc-judge"
            )["stateMachineArn"]
            calls = execution.get("calls", [])
            put_reader_objects(definition, calls, s3)
            judge.start(calls)
            arn = sfn.start_execution(stateMachineArn=machine, name=execution["name"], input=json.dumps(execution.get("input", {})))["executionArn"]
            deadline = time.monotonic() + STATUS_WAIT_SECONDS
            described = sfn.describe_execution(executionArn=arn)
            while described["status"] == "RUNNING" and time.monotonic() < deadline:
                time.sleep(0.02)
                described = sfn.describe_execution(executionArn=arn)
            with judge.lock:
                events, unrecorded, known = list(judge.events), list(judge.unrecorded), list(judge.known)
            out.append(
                {
                    "name": execution["name"],
                    "status": described["status"],
                    "error": described.get("error"),
                    "cause": described.get("cause"),
                    "events": events,
                    "unrecorded": unrecorded,
                    "known": known,
                }
            )
    return out


def main():
    if sys.argv[1:] == ["--probe"]:
        try:
            print(probe())
        except Exception as ex:  # noqa: BLE001 - any reason moto cannot be imported is reported the same way
            print(f"{type(ex).__name__}: {ex}")
            return 1
        return 0
    if len(sys.argv) != 2:
        print("usage: dagc_localstack_judge.py REQUEST.json | --probe", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    verdict = {"moto": probe(), "executions": judge_executions(request)}
    json.dump(verdict, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
