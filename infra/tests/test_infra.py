"""The SAM template and the Terraform module stay in step with each other and with the code.

Both templates are parsed (SAM with a CloudFormation-tag-aware YAML loader, Terraform with
python-hcl2) and compared on: the resources they create, each function's environment
variables and IAM actions, the routes, the contact flow, and the function and table settings.
"What the code needs" is read from the code itself: the environment variables `src/config.rs`
reads, the AWS SDK operations `src/adapters/` calls, the routes `src/http/mod.rs` serves.
"""
import json
import pathlib
import re

import hcl2
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAM = ROOT / "infra/sam/template.yaml"
TF = ROOT / "infra/terraform"
FLOW = ROOT / "infra/connect/verification-flow.json"


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
    return {name: value}


CfnLoader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def sam():
    return yaml.load(SAM.read_text(), Loader=CfnLoader)


def _body(block):
    """python-hcl2 wraps every attribute value in a one-element list and gives blocks as lists
    of dicts: unwrap the attributes, keep the blocks."""
    return {k: _value(v) for k, v in block.items() if not k.startswith("__")}


def _value(v):
    if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
        return [_body(e) for e in v]
    if isinstance(v, list) and len(v) == 1:
        return v[0]
    return v


@pytest.fixture(scope="module")
def tf():
    merged = {"resource": {}, "data": {}, "variable": {}, "locals": {}, "output": {}}
    for path in sorted(TF.glob("*.tf")):
        with path.open() as f:
            doc = hcl2.load(f)
        for section in ("resource", "data"):
            for block in doc.get(section, []):
                for kind, named in block.items():
                    merged[section].setdefault(kind, {}).update(
                        {name: _body(b) for name, b in named.items()}
                    )
        for section in ("variable", "output"):
            for block in doc.get(section, []):
                merged[section].update({name: _body(b) for name, b in block.items()})
        for block in doc.get("locals", []):
            merged["locals"].update(_body(block))
    return merged


def sam_resources(sam, kind):
    return {name: r for name, r in sam["Resources"].items() if r["Type"] == kind}


def tf_resources(tf, kind):
    return tf["resource"].get(kind, {})


def unquote(value):
    return value.strip('"') if isinstance(value, str) else value


# ------------------------------------------------------------------ what the code needs

def code_env(section):
    """The variables a config section (`impl ApiConfig` / `impl VerifierConfig`) reads."""
    text = (ROOT / "src/config.rs").read_text()
    block = re.search(r"impl " + section + r" \{(.*?)\n\}", text, re.S).group(1)
    names = set(re.findall(r'env\.(?:required|optional|number)\(\s*"([A-Z_]+)"', block))
    if "SecretSource::from_env" in block:
        # Deployed functions read the secret from Secrets Manager; OTP_SECRET is for local runs.
        names.add("OTP_SECRET_ARN")
    return names


# SDK operation -> IAM actions it needs. Admin-tool-only operations map to nothing here.
OPERATION_ACTIONS = {
    "get_item": {"dynamodb:GetItem"},
    "query": {"dynamodb:Query"},
    "batch_get_item": {"dynamodb:BatchGetItem"},
    "update_item": {"dynamodb:UpdateItem"},
    "transact_write_items": {
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
    },
    "send_email": {"ses:SendEmail"},
    "start_outbound_voice_contact": {"connect:StartOutboundVoiceContact"},
    "get_secret_value": {"secretsmanager:GetSecretValue"},
    "put_item": {"dynamodb:PutItem"},
    "delete_item": {"dynamodb:DeleteItem"},
    # Stored with the "unused" tag, which needs the tagging permission too.
    "put_object": {"s3:PutObject", "s3:PutObjectTagging"},
    "list_objects_v2": {"s3:ListBucket"},
    # An upload moves under its document: copied (tags replaced), then deleted.
    "copy_object": {"s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"},
    "delete_object": {"s3:DeleteObject"},
    "delete_object_tagging": {"s3:DeleteObjectTagging"},
    # Presigned GET URLs are signed with the function's role.
    "get_object": {"s3:GetObject"},
    "delete_objects": {"s3:DeleteObject"},
    "analyze_id": {"textract:AnalyzeID"},
    "compare_faces": {"rekognition:CompareFaces"},
    "detect_faces": {"rekognition:DetectFaces"},
    "send_message": {"sqs:SendMessage"},
    "change_message_visibility": {"sqs:ChangeMessageVisibility"},
    # The admin CLI's (operators' credentials, not the functions'):
    "create_bucket": set(),
    "create_queue": set(),
    "create_table": set(),
    "update_time_to_live": set(),
}


def adapter_sources():
    """Every Rust file under src/adapters/, subfolders included."""
    paths = sorted((ROOT / "src/adapters").rglob("*.rs"))
    assert paths, "no Rust files under src/adapters/"
    return {path: path.read_text() for path in paths}


def code_operations():
    ops = set()
    for text in adapter_sources().values():
        ops |= set(re.findall(r"\bclient\s*\.\s*([a-z][a-z0-9_]*)\(\)", text))
    # A move or a rewrite that hides the calls from this pattern must not empty the check.
    assert {"get_item", "transact_write_items", "send_email", "start_outbound_voice_contact"} <= ops, (
        f"expected the adapters' SDK calls as `client.<operation>()`, found only {sorted(ops)}"
    )
    return ops


def code_actions():
    ops = code_operations()
    unknown = ops - OPERATION_ACTIONS.keys()
    assert not unknown, f"map these SDK operations to IAM actions: {unknown}"
    return set().union(*(OPERATION_ACTIONS[op] for op in ops))


def code_routes():
    text = (ROOT / "src/http/mod.rs").read_text()
    # rustfmt may break a long entry over lines.
    return {(m, p) for p, m in re.findall(r'\(\s*"(/api/[^"]*)",\s*Method::([A-Z]+),\s*Route::', text)}


def dashboard_routes():
    """The API Gateway routes of the dashboard's page and assets (src/http/dashboard.rs)."""
    text = (ROOT / "src/http/dashboard.rs").read_text()
    block = re.search(r"pub const GATEWAY_ROUTES: .*?= \[(.*?)\];", text, re.S).group(1)
    return {tuple(r.split(" ", 1)) for r in re.findall(r'"([A-Z]+ /[^"]*)"', block)}


# ------------------------------------------------------------------ helpers over templates

def sam_function(sam, logical):
    return sam["Resources"][logical]["Properties"]


def sam_env(sam, logical):
    return set(sam_function(sam, logical)["Environment"]["Variables"])


def tf_env(tf, name):
    fn = tf_resources(tf, "aws_lambda_function")[name]
    return set(fn["environment"][0]["variables"][0])


def sam_statements(sam, logical):
    return [s for p in sam_function(sam, logical)["Policies"] for s in p["Statement"]]


def tf_statements(tf, name):
    doc = tf["data"]["aws_iam_policy_document"][name]
    return doc["statement"]


def actions_of(statements):
    out = set()
    for s in statements:
        acts = s.get("Action", s.get("actions"))
        out |= set(acts if isinstance(acts, list) else [acts])
    return {a for a in out if not a.startswith("logs:")}


FUNCTIONS = [
    ("ApiFunction", "api", "ApiConfig"),
    ("DialerFunction", "dialer", "DialerConfig"),
    ("VerifierFunction", "verifier", "VerifierConfig"),
    ("SweeperFunction", "sweeper", "SweeperConfig"),
]

# What Lambda's SQS event source mapping does with the dialer's role (no code of ours calls these).
EVENT_SOURCE_MAPPING_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# What Lambda's DynamoDB stream event source mapping does with the sweeper's role.
STREAM_MAPPING_ACTIONS = {
    "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
}


# ------------------------------------------------------------------ tests

@pytest.mark.parametrize("sam_name,tf_name,config", FUNCTIONS)
def test_each_function_gets_exactly_the_variables_the_code_reads(sam, tf, sam_name, tf_name, config):
    needed = code_env(config) - {"OTP_SECRET"}
    assert sam_env(sam, sam_name) == needed
    assert tf_env(tf, tf_name) == needed


@pytest.mark.parametrize("sam_name,tf_name,config", FUNCTIONS)
def test_each_function_gets_the_same_actions_in_both(sam, tf, sam_name, tf_name, config):
    assert actions_of(sam_statements(sam, sam_name)) == actions_of(tf_statements(tf, tf_name))


def test_the_roles_together_grant_exactly_what_the_code_calls(sam, tf):
    granted = set()
    for sam_name, _, _ in FUNCTIONS:
        granted |= actions_of(sam_statements(sam, sam_name))
    assert granted == code_actions() | EVENT_SOURCE_MAPPING_ACTIONS | STREAM_MAPPING_ACTIONS


def test_the_verifier_may_not_send_mail_place_calls_or_create(sam):
    actions = actions_of(sam_statements(sam, "VerifierFunction"))
    assert not {a for a in actions if a.startswith(("ses:", "connect:", "sqs:"))}
    assert "dynamodb:PutItem" not in actions


def table_statement(statements):
    (table,) = [s for s in statements if s.get("Sid", s.get("sid")) == "Table"]
    return table


def leading_keys(statement):
    """The `dynamodb:LeadingKeys` patterns of a statement, from either template's shape."""
    if "Condition" in statement:
        return sorted(statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
    (cond,) = statement["condition"]
    assert cond["test"] == "ForAllValues:StringLike" and cond["variable"] == "dynamodb:LeadingKeys"
    return sorted(cond["values"])


def partition_key_shapes():
    """Each partition key the adapter writes, as a sample value (src/adapters/dynamodb/keys.rs)."""
    text = (ROOT / "src/adapters/dynamodb/keys.rs").read_text()
    shapes = re.findall(r'format!\("((?:APIKEY|TENANT)#[^"]*)"', text)
    return {re.sub(r"\{[^}]*\}", "x", s) for s in shapes}


@pytest.mark.parametrize("sam_name,tf_name,config", FUNCTIONS)
def test_each_function_reaches_only_its_key_families(sam, tf, sam_name, tf_name, config):
    sam_keys = leading_keys(table_statement(sam_statements(sam, sam_name)))
    assert sam_keys == leading_keys(table_statement(tf_statements(tf, tf_name)))
    assert "*" not in sam_keys


def test_the_api_reaches_every_key_family_and_the_verifier_no_key_and_no_document_write(sam, tf):
    from fnmatch import fnmatchcase

    def allowed(name, key, sid="Table"):
        statements = [s for s in sam_statements(sam, name) if s["Sid"] == sid]
        return any(fnmatchcase(key, p) for s in statements for p in leading_keys(s))

    shapes = partition_key_shapes()
    assert {"APIKEY#x", "TENANT#x", "TENANT#x#DOC#x", "TENANT#x#REQ#x"} <= shapes
    assert all(allowed("ApiFunction", k) for k in shapes)
    for key in ("APIKEY#x", "TENANT#x", "TENANT#x#DOC#x", "TENANT#x#APIKEYS", "TENANT#x#CREATES#x"):
        assert not allowed("VerifierFunction", key), key
    assert allowed("VerifierFunction", "TENANT#x#REQ#x")
    # The verifier reads the document (its number's last four digits) and nothing else there.
    assert allowed("VerifierFunction", "TENANT#x#DOC#x", sid="Documents")
    for statements in (sam_statements(sam, "VerifierFunction"), tf_statements(tf, "verifier")):
        (docs,) = [s for s in statements if s.get("Sid", s.get("sid")) == "Documents"]
        assert actions_of([docs]) == {"dynamodb:GetItem"}
        assert leading_keys(docs) == ["TENANT#*#DOC#*"]


def test_only_the_dialer_places_calls_and_the_api_may_only_send_to_the_queue(sam, tf):
    for sam_name, tf_name, _ in FUNCTIONS:
        for actions in (actions_of(sam_statements(sam, sam_name)), actions_of(tf_statements(tf, tf_name))):
            calls = {a for a in actions if a.startswith("connect:")}
            queue = {a for a in actions if a.startswith("sqs:")}
            if sam_name == "DialerFunction":
                assert calls == {"connect:StartOutboundVoiceContact"}
                assert queue == EVENT_SOURCE_MAPPING_ACTIONS | {"sqs:ChangeMessageVisibility"}
                assert not {a for a in actions if a.startswith(("ses:", "s3:", "secretsmanager:"))}
            elif sam_name == "ApiFunction":
                assert not calls and queue == {"sqs:SendMessage"}
    [send] = [s for s in sam_statements(sam, "ApiFunction") if s.get("Sid") == "Queue"]
    assert send["Resource"] == {"Fn::GetAtt": "CallQueue.Arn"}
    [send] = [s for s in tf_statements(tf, "api") if s.get("sid") == "Queue"]
    assert send["resources"] == ["${aws_sqs_queue.calls.arn}"]


def test_the_call_queue_is_encrypted_redrives_poison_only_and_its_dead_letters_raise_an_alarm(sam, tf):
    queues = sam_resources(sam, "AWS::SQS::Queue")
    assert set(queues) == {"CallQueue", "CallDeadLetterQueue", "SweepDeadLetterQueue"}
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    redrive = queues["CallQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": "CallDeadLetterQueue.Arn"}
    # Above every CALL_MAX_ATTEMPTS allowed: the dialer ends each call's message itself.
    assert redrive["maxReceiveCount"] > sam["Parameters"]["CallMaxAttempts"]["MaxValue"]
    alarm = sam_resources(sam, "AWS::CloudWatch::Alarm")["CallDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": "CallDeadLetterQueue.QueueName"}
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)
    tf_queues = tf_resources(tf, "aws_sqs_queue")
    assert set(tf_queues) == {"calls", "calls_dlq", "sweep_dlq"}
    assert all(q["sqs_managed_sse_enabled"] is True for q in tf_queues.values())
    assert "aws_sqs_queue.calls_dlq.arn" in tf_queues["calls"]["redrive_policy"]
    assert "'maxReceiveCount': 50" in tf_queues["calls"]["redrive_policy"]
    tf_alarm = tf_resources(tf, "aws_cloudwatch_metric_alarm")["calls_dlq"]
    assert "aws_sqs_queue.calls_dlq.name" in str(tf_alarm["dimensions"])
    assert tf_alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"


def test_the_dialer_is_fed_by_the_queue_reporting_item_failures_at_a_bounded_concurrency(sam, tf):
    [event] = sam_function(sam, "DialerFunction")["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "SQS" and props["Queue"] == {"Fn::GetAtt": "CallQueue.Arn"}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "DialerMaximumConcurrency"}}
    mapping = tf_resources(tf, "aws_lambda_event_source_mapping")["calls"]
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert "var.dialer_maximum_concurrency" in mapping["scaling_config"][0]["maximum_concurrency"]
    assert "aws_sqs_queue.calls.arn" in mapping["event_source_arn"]
    # AWS's advice: the queue's visibility time-out at least six times the function's time-out.
    visibility = sam_resources(sam, "AWS::SQS::Queue")["CallQueue"]["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * sam_function(sam, "DialerFunction")["Timeout"]
    assert tf_resources(tf, "aws_sqs_queue")["calls"]["visibility_timeout_seconds"] >= 6 * tf_resources(tf, "aws_lambda_function")["dialer"]["timeout"]


# Actions that support no resource-level permissions: IAM grants them on "*" only.
UNSCOPABLE = {"textract:AnalyzeID", "rekognition:CompareFaces", "rekognition:DetectFaces"}


def test_no_statement_grants_every_resource(sam, tf):
    for sam_name, tf_name, _ in FUNCTIONS:
        for s in sam_statements(sam, sam_name):
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            assert "*" not in resources or actions_of([s]) <= UNSCOPABLE, s
        for s in tf_statements(tf, tf_name):
            assert "*" not in s["resources"] or actions_of([s]) <= UNSCOPABLE, s


def test_the_image_bucket_is_private_encrypted_and_tls_only(sam, tf):
    bucket = sam_resources(sam, "AWS::S3::Bucket")["ImageBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["LifecycleConfiguration"]["Rules"]
    policy = sam_resources(sam, "AWS::S3::BucketPolicy")["ImageBucketPolicy"]["Properties"]
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    block = tf_resources(tf, "aws_s3_bucket_public_access_block")["images"]
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    assert tf_resources(tf, "aws_s3_bucket_server_side_encryption_configuration")["images"]
    lifecycle = tf_resources(tf, "aws_s3_bucket_lifecycle_configuration")["images"]
    assert lifecycle


def test_unused_images_expire_after_the_retention_of_unused_documents(sam, tf):
    """The tag the S3 adapter stores images with is the one both lifecycle rules expire, after
    the same RETENTION_DAYS the functions give DynamoDB's TTL."""
    s3 = (ROOT / "src/adapters/s3.rs").read_text()
    key, value = re.search(r'pub const UNUSED_TAG: \(&str, &str\) = \("([^"]+)", "([^"]+)"\);', s3).groups()
    rules = sam_resources(sam, "AWS::S3::Bucket")["ImageBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    [rule] = [r for r in rules if r.get("TagFilters")]
    assert rule["TagFilters"] == [{"Key": key, "Value": value}]
    assert rule["ExpirationInDays"] == {"Ref": "RetentionDays"}
    assert sam_function(sam, "ApiFunction")["Environment"]["Variables"]["RETENTION_DAYS"] == {"Ref": "RetentionDays"}
    tf_rules = tf_resources(tf, "aws_s3_bucket_lifecycle_configuration")["images"]["rule"]
    [tf_rule] = [r for r in tf_rules if r["id"] == rule["Id"]]
    tag = tf_rule["filter"][0]["tag"][0]
    assert (tag["key"], tag["value"]) == (key, value)
    assert "var.retention_days" in str(tf_rule["expiration"][0]["days"])
    tls = tf["data"]["aws_iam_policy_document"]["images_tls_only"]["statement"][0]
    assert tls["effect"] == "Deny" and tls["condition"][0]["variable"] == "aws:SecureTransport"


def test_both_create_the_same_resources(sam, tf):
    pairs = {
        "AWS::DynamoDB::Table": "aws_dynamodb_table",
        "AWS::SecretsManager::Secret": "aws_secretsmanager_secret",
        "AWS::SES::ConfigurationSet": "aws_sesv2_configuration_set",
        "AWS::SES::EmailIdentity": "aws_sesv2_email_identity",
        "AWS::Connect::Instance": "aws_connect_instance",
        "AWS::Connect::PhoneNumber": "aws_connect_phone_number",
        "AWS::Connect::ContactFlow": "aws_connect_contact_flow",
        "AWS::Connect::IntegrationAssociation": "aws_connect_lambda_function_association",
        "AWS::Logs::LogGroup": "aws_cloudwatch_log_group",
        "AWS::Serverless::HttpApi": "aws_apigatewayv2_api",
        "AWS::Serverless::Function": "aws_lambda_function",
        "AWS::S3::Bucket": "aws_s3_bucket",
        "AWS::S3::BucketPolicy": "aws_s3_bucket_policy",
        "AWS::SQS::Queue": "aws_sqs_queue",
        "AWS::CloudWatch::Alarm": "aws_cloudwatch_metric_alarm",
    }
    for sam_kind, tf_kind in pairs.items():
        assert len(sam_resources(sam, sam_kind)) == len(tf_resources(tf, tf_kind)), sam_kind
        assert sam_resources(sam, sam_kind), sam_kind
    sam_kinds = {r["Type"] for r in sam["Resources"].values()}
    assert sam_kinds - set(pairs) == {"AWS::Lambda::Permission"}


def test_routes_match_the_code_and_the_openapi_file(sam, tf):
    sam_routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"])
        for e in sam_function(sam, "ApiFunction")["Events"].values()
    }
    tf_routes = {tuple(r.split(" ", 1)) for r in tf["locals"]["routes"][0].values()}
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    spec_routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    # The dashboard (HTML, not part of the API contract) is served by the same function.
    assert dashboard_routes() == {("GET", "/dashboard"), ("GET", "/dashboard/{proxy+}")}
    assert sam_routes == tf_routes == code_routes() | dashboard_routes()
    assert code_routes() == spec_routes


def test_the_deployed_flow_is_the_flow_in_infra_connect(sam, tf):
    content = sam_resources(sam, "AWS::Connect::ContactFlow")["VerificationFlow"]["Properties"]["Content"]
    template, variables = content["Fn::Sub"]
    assert json.loads(template) == json.loads(FLOW.read_text())
    assert set(variables) == {"VerifierFunctionArn"}
    assert variables["VerifierFunctionArn"] == {"Fn::GetAtt": "VerifierFunction.Arn"}
    tf_flow = tf_resources(tf, "aws_connect_contact_flow")["verification"]["content"]
    assert "../connect/verification-flow.json" in tf_flow and "VerifierFunctionArn" in tf_flow
    assert "${VerifierFunctionArn}" in FLOW.read_text()


def test_functions_run_rust_on_arm64_within_their_callers_limits(sam, tf):
    globals_ = sam["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Architectures"], globals_["Handler"]) == ("provided.al2023", ["arm64"], "bootstrap")
    for fn in tf_resources(tf, "aws_lambda_function").values():
        assert (fn["runtime"], fn["architectures"], fn["handler"]) == ("provided.al2023", ["arm64"], "bootstrap")
    # Connect waits at most 8 s for a Lambda; API Gateway HTTP APIs at most 30 s.
    assert sam_function(sam, "VerifierFunction")["Timeout"] <= 8
    assert tf_resources(tf, "aws_lambda_function")["verifier"]["timeout"] <= 8
    assert sam_function(sam, "ApiFunction")["Timeout"] <= 29
    assert tf_resources(tf, "aws_lambda_function")["api"]["timeout"] <= 29
    for group in list(sam_resources(sam, "AWS::Logs::LogGroup").values()):
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for group in tf_resources(tf, "aws_cloudwatch_log_group").values():
        assert "var.log_retention_days" in group["retention_in_days"]


def test_the_table_matches_the_adapter(sam, tf):
    adapter = "\n".join(adapter_sources().values())
    ttl = re.search(r'pub const TTL_ATTRIBUTE: &str = "([a-z]+)";', adapter).group(1)
    gsis = [re.search(rf'pub const GSI{i}: &str = "([a-z0-9]+)";', adapter).group(1) for i in (1, 2)]
    table = sam_resources(sam, "AWS::DynamoDB::Table")["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == gsis
    for index, name in zip(table["GlobalSecondaryIndexes"], gsis):
        assert [k["AttributeName"] for k in index["KeySchema"]] == [f"{name}pk", f"{name}sk"]
        assert index["Projection"] == {"ProjectionType": "ALL"}
    t = tf_resources(tf, "aws_dynamodb_table")["this"]
    assert (t["billing_mode"], t["hash_key"], t["range_key"]) == ("PAY_PER_REQUEST", "pk", "sk")
    assert t["ttl"][0]["attribute_name"] == ttl and t["ttl"][0]["enabled"] is True
    assert t["point_in_time_recovery"][0]["enabled"] is True
    assert t["server_side_encryption"][0]["enabled"] is True
    assert [i["name"] for i in t["global_secondary_index"]] == gsis
    for index, name in zip(t["global_secondary_index"], gsis):
        assert (index["hash_key"], index["range_key"]) == (f"{name}pk", f"{name}sk")
    assert "var.table_deletion_protection" in t["deletion_protection_enabled"]
    # The sweeper reads the item as it was before its removal.
    assert table["StreamSpecification"] == {"StreamViewType": "OLD_IMAGE"}
    assert (t["stream_enabled"], t["stream_view_type"]) == (True, "OLD_IMAGE")


def test_throttling_and_access_logs_are_set_and_parameterised(sam, tf):
    api = sam_resources(sam, "AWS::Serverless::HttpApi")["HttpApi"]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
    }
    assert api["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": "AccessLogGroup.Arn"}
    stage = tf_resources(tf, "aws_apigatewayv2_stage")["default"]
    settings = stage["default_route_settings"][0]
    assert "var.throttling_rate_limit" in settings["throttling_rate_limit"]
    assert "var.throttling_burst_limit" in settings["throttling_burst_limit"]
    assert stage["access_log_settings"]


def test_outputs_name_the_api_url_table_and_flow(sam, tf):
    assert {"ApiUrl", "TableName", "ContactFlowId"} <= set(sam["Outputs"])
    assert {"api_url", "table_name", "contact_flow_id"} <= set(tf["output"])


def test_the_verifier_has_reserved_concurrency_in_both(sam, tf):
    """API load must never take the concurrency the verification calls need (issue 11 §5)."""
    reserved = sam_function(sam, "VerifierFunction")["ReservedConcurrentExecutions"]
    param = sam["Parameters"][reserved["Ref"]]
    assert param["Type"] == "Number" and param["Default"] >= 1 and param["MinValue"] >= 1
    fn = tf_resources(tf, "aws_lambda_function")["verifier"]
    assert fn["reserved_concurrent_executions"] == "${var.verifier_reserved_concurrency}"
    assert tf["variable"]["verifier_reserved_concurrency"]["default"] == param["Default"]
    assert "ReservedConcurrentExecutions" not in sam_function(sam, "ApiFunction")


def test_the_sweeper_is_fed_only_the_ttl_removals_of_requests_with_bounded_retries_and_a_watched_dlq(sam, tf):
    sweeper = (ROOT / "src/sweeper.rs").read_text()
    kind, principal = re.search(r'pub const TTL_IDENTITY: \(&str, &str\) = \("([^"]+)", "([^"]+)"\);', sweeper).groups()
    keys = (ROOT / "src/adapters/dynamodb/keys.rs").read_text()
    request_sk = re.search(r'pub const REQUEST_SK: &str = "([A-Z]+)";', keys).group(1)
    expected = {
        "eventName": ["REMOVE"],
        "userIdentity": {"type": [kind], "principalId": [principal]},
        "dynamodb": {"Keys": {"sk": {"S": [request_sk]}}},
    }
    [event] = sam_function(sam, "SweeperFunction")["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "DynamoDB" and props["Stream"] == {"Fn::GetAtt": "Table.StreamArn"}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    retries = sam["Parameters"][props["MaximumRetryAttempts"]["Ref"]]
    assert 0 <= retries["MinValue"] <= retries["Default"] <= retries["MaxValue"] <= 100
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": "SweepDeadLetterQueue.Arn"}
    [pattern] = [f["Pattern"] for f in props["FilterCriteria"]["Filters"]]
    assert json.loads(pattern) == expected
    alarm = sam_resources(sam, "AWS::CloudWatch::Alarm")["SweepDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": "SweepDeadLetterQueue.QueueName"}
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)

    mapping = tf_resources(tf, "aws_lambda_event_source_mapping")["ttl_removals"]
    assert "aws_dynamodb_table.this.stream_arn" in mapping["event_source_arn"]
    assert mapping["starting_position"] == "TRIM_HORIZON"
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["bisect_batch_on_function_error"] is True
    assert "var.sweeper_maximum_retry_attempts" in mapping["maximum_retry_attempts"]
    assert tf["variable"]["sweeper_maximum_retry_attempts"]["default"] == retries["Default"]
    on_failure = mapping["destination_config"][0]["on_failure"][0]["destination_arn"]
    assert "aws_sqs_queue.sweep_dlq.arn" in on_failure
    tf_pattern = mapping["filter_criteria"][0]["filter"][0]["pattern"]
    for value in ("REMOVE", kind, principal, request_sk, "eventName", "userIdentity", "principalId", "Keys"):
        assert value in tf_pattern, value
    tf_alarm = tf_resources(tf, "aws_cloudwatch_metric_alarm")["sweep_dlq"]
    assert "aws_sqs_queue.sweep_dlq.name" in str(tf_alarm["dimensions"])
    assert tf_alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"


def test_the_sweeper_reaches_only_its_marker_documents_counters_stream_and_document_images(sam, tf):
    from fnmatch import fnmatchcase

    assert "TENANT#x#SWEPT#x" in partition_key_shapes()
    for statements in (sam_statements(sam, "SweeperFunction"), tf_statements(tf, "sweeper")):
        table = table_statement(statements)
        assert actions_of([table]) == {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
        keys = leading_keys(table)
        assert keys == ["TENANT#*#DOC#*", "TENANT#*#STATS", "TENANT#*#SWEPT#*"]
        for key in ("APIKEY#x", "TENANT#x", "TENANT#x#REQ#x", "TENANT#x#EMAIL#x", "TENANT#x#APIKEYS"):
            assert not any(fnmatchcase(key, p) for p in keys), key
        assert actions_of(statements) == {
            "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "s3:DeleteObject", "sqs:SendMessage",
        } | STREAM_MAPPING_ACTIONS
    by_sid = {s["Sid"]: s for s in sam_statements(sam, "SweeperFunction")}
    assert by_sid["Stream"]["Resource"] == {"Fn::Sub": "${Table.Arn}/stream/*"}
    assert by_sid["Images"]["Resource"] == {"Fn::Sub": "${ImageBucket.Arn}/tenants/*/documents/*"}
    assert by_sid["DeadLetters"]["Resource"] == {"Fn::GetAtt": "SweepDeadLetterQueue.Arn"}
    tf_by_sid = {s["sid"]: s for s in tf_statements(tf, "sweeper")}
    assert tf_by_sid["Stream"]["resources"] == ["${aws_dynamodb_table.this.arn}/stream/*"]
    assert tf_by_sid["Images"]["resources"] == ["${aws_s3_bucket.images.arn}/tenants/*/documents/*"]
    assert tf_by_sid["DeadLetters"]["resources"] == ["${aws_sqs_queue.sweep_dlq.arn}"]
