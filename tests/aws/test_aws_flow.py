"""The upload flow on the deployed stack (moto): S3 (upload prefix only) -> SQS -> the
batcher -> one Step Functions execution per batch -> validate / quarantine -> stage ->
one Glue run -> batch record, or an SNS alert. The test plays Lambda's SQS event source
(moto's would run the function in Docker) and runs the deployed definition with
tests/aws/sfn_local.py (moto can store, not run, a definition with Lambda tasks here)."""

from __future__ import annotations

import json
import time

from deploy.config import DeployConfig
from deploy.deployment import stack_names
from deploy.flow import ALERT_RETRY
from lambdas import batcher, steps
from scripts.pipeline_status import collect_status
from tests.aws.local_stack import ACCOUNT, HEADER, INPUT, JOB, MACHINE, ROW, Stack
from tests.aws.moto_state import metric_points, set_job_run_progression
from tests.aws.test_aws_batcher import s3_event


def test_an_upload_reaches_a_started_glue_run_and_bad_files_are_quarantined(stack: Stack):
    stack.upload("incoming/day1/a.csv", HEADER + ROW)
    stack.upload("incoming/day1/b.csv", HEADER + ROW.replace("O-1", "O-2"))
    stack.upload("incoming/notes.txt", "hello")
    stack.upload("incoming/bad.csv", "order_id,client_id\nO-1,C-1\n")
    stack.upload("elsewhere/ignored.csv", HEADER + ROW)  # outside the upload prefix
    (batch,) = stack.window()
    (execution,) = stack.executions()
    doc = json.loads(execution["input"])
    assert doc["batch_id"] == batch == execution["name"]
    assert [f["key"] for f in doc["files"]] == [
        "incoming/day1/a.csv", "incoming/day1/b.csv", "incoming/notes.txt", "incoming/bad.csv"
    ]  # fmt: skip

    flow = stack.flow()
    status, out = flow.run(doc)
    assert status == "SUCCEEDED", out
    visited = [name for name, _ in flow.history]
    assert visited.count("ValidateFile") == 4
    assert visited[-3:] == ["ProcessBatch", "RecordSuccess", "Processed"]
    (run,) = stack.glue.get_job_runs(JobName=JOB)["JobRuns"]
    assert run["Arguments"]["--input_path"] == f"s3://{INPUT}/batches/{batch}/"
    assert run["Arguments"]["--run_id"] == batch  # names the run report _runs/<batch>.json
    staged = stack.keys(f"batches/{batch}/")  # batches/<id>/<upload time>/<key>
    assert [k.split("/", 3)[3] for k in staged] == ["day1/a.csv", "day1/b.csv"]
    assert stack.keys("incoming/") == []
    assert stack.keys("quarantine/") == [
        "quarantine/incoming/bad.csv", "quarantine/incoming/bad.csv.reason.json",
        "quarantine/incoming/notes.txt", "quarantine/incoming/notes.txt.reason.json",
    ]  # fmt: skip
    record = steps.read_record(stack.s3, INPUT, batch)
    assert record["state"] == "succeeded" and record["glue"]["JobRunId"] == run["Id"]
    # the pipeline's own writes (quarantine/, batches/, _batches/) notified nothing
    assert stack.window() == []


def test_a_hundred_uploads_in_one_window_make_one_glue_run(stack: Stack):
    for i in range(100):
        stack.upload(f"incoming/burst/{i:03d}.csv", HEADER + ROW.replace("O-1", f"O-{i}"))
    batches = stack.window()
    assert len(batches) == 1
    status, _ = stack.flow().run(json.loads(stack.executions()[0]["input"]))
    assert status == "SUCCEEDED"
    assert len(stack.glue.get_job_runs(JobName=JOB)["JobRuns"]) == 1
    assert len(stack.keys(f"batches/{batches[0]}/")) == 100
    assert stack.keys("incoming/") == []


def test_the_largest_batch_runs_within_step_functions_payload_and_history_limits(stack: Stack):
    """The execution with the largest state the batcher can start: the most files with keys
    near S3's length limit. It runs the deployed definition end to end, and every state's
    input and output stays under 256 KiB (tests/aws/sfn_local.py measures them)."""
    long_names = [
        f"incoming/año 2026/{n:04d}-" + "ñ" * 300 + "x" * 330 + ".csv" for n in range(120)
    ]
    for key in long_names:
        stack.upload(key, HEADER + ROW)
    batches = stack.window()
    assert len(batches) > 1  # 120 such files fit no single execution
    inputs = [json.loads(e["input"]) for e in stack.executions()]
    largest = max(inputs, key=lambda doc: len(doc["files"]))
    flow = stack.flow()
    status, _ = flow.run(largest)
    assert status == "SUCCEEDED"
    biggest = max(flow.sizes, key=lambda entry: entry[2])
    assert biggest[:2] == ("ValidateFiles", "output")
    assert 200_000 < biggest[2] < batcher.MAX_STATE_BYTES, biggest

    # The history: 7 events per file (sfn_local counts them as AWS's history records them),
    # so the execution with the most files (the shortest keys) stays under 25,000 events.
    one = stack.flow()
    stack.upload("incoming/a.csv", HEADER + ROW)
    (name,) = stack.window()
    (single,) = [json.loads(e["input"]) for e in stack.executions() if e["name"] == name]
    assert one.run(single)[0] == "SUCCEEDED"
    per_file = (flow.events - one.events) / (len(largest["files"]) - 1)
    assert per_file == 7
    shortest = [(f"incoming/{n}", f"{n:032x}", "2026-11-30T10:00:00.000Z") for n in range(2000)]
    most = max(len(b["files"]) for b in batcher.uploads(s3_event(*shortest), "incoming/"))
    assert most <= batcher.MAX_FILES_PER_EXECUTION
    assert one.events + per_file * (most - 1) < batcher.MAX_HISTORY_EVENTS / 3  # retries' room


def test_a_redelivered_window_starts_no_second_execution(stack: Stack):
    stack.upload("incoming/a.csv", HEADER + ROW)
    message = stack.sqs.receive_message(QueueUrl=stack.queue_url)["Messages"][0]
    event = {"Records": [{"body": message["Body"], "eventSource": "aws:sqs"}]}
    first = batcher.start_batches(event, stack.sfn, MACHINE, "incoming/", time.time())
    again = batcher.start_batches(event, stack.sfn, MACHINE, "incoming/", time.time() + 600)
    # StartExecution with a running execution's name and input returns that execution (AWS
    # and moto alike): the same id again, still one execution.
    assert first == again and len(first) == 1
    assert len(stack.executions()) == 1


def test_busy_job_is_retried_then_alerted_and_status_lists_the_failed_files(stack: Stack):
    set_job_run_progression(stack.endpoint, {"progression": "manual", "times": 99})
    try:
        stack.glue.start_job_run(JobName=JOB)  # occupies MaxConcurrentRuns = 1
        stack.upload("incoming/late.csv", HEADER + ROW)
        (batch,) = stack.window()
        flow = stack.flow()
        status, _ = flow.run(json.loads(stack.executions()[0]["input"]))
    finally:
        set_job_run_progression(stack.endpoint, None)
    assert status == "FAILED"
    assert flow.retries.count("Glue.ConcurrentRunsExceededException") == 18
    assert [n for n, _ in flow.history][-4:] == ["RecordFailure", "Alert", "CountAlert", "Failed"]
    assert alerted_batches(stack) == 1  # the unalerted-failures alarm stays at 0
    record = steps.read_record(stack.s3, INPUT, batch)
    assert record["state"] == "failed"
    assert record["error"]["Error"] == "Glue.ConcurrentRunsExceededException"
    names = stack_names(DeployConfig(), ACCOUNT)
    status_doc = collect_status(stack.s3, stack.sqs, names)
    assert [b["batch_id"] for b in status_doc["failed"]] == [batch]
    assert status_doc["failed"][0]["files"] == ["incoming/late.csv"]
    (staged,) = stack.keys(f"batches/{batch}/")  # kept for a redrive
    assert staged.endswith("/late.csv")


def alerted_batches(stack: Stack) -> float:
    """The BatchesAlerted sum moto's CloudWatch holds (the unalerted-failures alarm's count)."""
    return sum(metric_points(stack.client("cloudwatch"), steps.BATCHES_ALERTED))


def test_an_alert_that_cannot_publish_fails_the_execution_uncounted(stack: Stack):
    """The Alert state's topic is gone: its retries run out, no Catch takes the error and
    the execution fails without BatchesAlerted, which is what the unalerted-failures alarm
    (ExecutionsFailed - BatchesAlerted) sees."""
    set_job_run_progression(stack.endpoint, {"progression": "manual", "times": 99})
    try:
        stack.glue.start_job_run(JobName=JOB)
        stack.upload("incoming/late.csv", HEADER + ROW)
        stack.window()
        sns = stack.client("sns")
        for topic in sns.list_topics()["Topics"]:
            sns.delete_topic(TopicArn=topic["TopicArn"])
        flow = stack.flow()
        status, out = flow.run(json.loads(stack.executions()[0]["input"]))
    finally:
        set_job_run_progression(stack.endpoint, None)
    assert status == "FAILED" and out["Error"] == "SNS.NotFoundException"
    assert [n for n, _ in flow.history][-2:] == ["RecordFailure", "Alert"]
    assert flow.retries.count(out["Error"]) == ALERT_RETRY["MaxAttempts"]
    assert alerted_batches(stack) == 0


def test_status_lists_pending_uploads(stack: Stack):
    stack.upload("incoming/waiting.csv", HEADER + ROW)
    status = collect_status(stack.s3, stack.sqs, stack_names(DeployConfig(), ACCOUNT))
    assert status["pending"] == ["incoming/waiting.csv"] and status["queued_events"] == 1
    assert status["failed"] == [] and status["running"] == []
