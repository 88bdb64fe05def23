//! infra/template.yaml against the code: the table and queue the local stack creates,
//! every function directory (function, route, secret, policy, alarms, URL), every
//! variable a function reads, the access log format, and the optional example consumer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::time::Duration;

use brokerhooks::aws_client::{MAX_AWS_RETRY_SECONDS, RetryBudget};
use brokerhooks::config::{AWS_RETRY_SECONDS_VARIABLE, PIPELINE_VARIABLES};
use brokerhooks::deadline::minimum_function_timeout;
use brokerhooks_consumer::settings::CONSUMER_VARIABLES;
use brokerhooks_testkit::local_stack::{
    EXAMPLE_CONSUMER, LOCAL_DEAD_LETTER_QUEUE, LOCAL_MAX_RECEIVE_COUNT, LOCAL_QUEUE, LOCAL_TABLE,
    TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE,
};
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The template as JSON, short-form tags expanded to the long form CloudFormation
/// documents (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`).
fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("infra/template.yaml")).unwrap();
    to_json(serde_yaml_ng::from_str(&text).unwrap())
}

fn to_json(yaml: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => serde_json::to_value(n).unwrap(),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.as_str().unwrap().to_owned(), to_json(v)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let value = to_json(tagged.value);
            match (tag, value) {
                ("Ref", value) => json!({ "Ref": value }),
                ("GetAtt", Value::String(path)) => {
                    let (resource, attribute) = path.split_once('.').unwrap();
                    json!({ "Fn::GetAtt": [resource, attribute] })
                }
                (function, value) => json!({ format!("Fn::{function}"): value }),
            }
        }
    }
}

fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    let resource = &template["Resources"][id];
    assert!(
        resource.is_object(),
        "no resource {id} in infra/template.yaml"
    );
    resource
}

/// The function directories: one Lambda binary each.
fn function_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    names
}

/// The logical id prefix of a function's resources: `kite` → `Kite`.
fn logical_prefix(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().unwrap().to_ascii_uppercase();
    std::iter::once(first).chain(chars).collect()
}

#[test]
fn table_and_queue_match_the_local_stack() {
    let template = template();
    let table = &resource(&template, "EventsTable")["Properties"];
    assert_eq!(
        table["KeySchema"],
        json!([{ "AttributeName": TABLE_PARTITION_KEY, "KeyType": "HASH" }])
    );
    assert_eq!(
        table["AttributeDefinitions"],
        json!([{ "AttributeName": TABLE_PARTITION_KEY, "AttributeType": "S" }])
    );
    assert_eq!(
        table["TimeToLiveSpecification"],
        json!({ "AttributeName": TABLE_TTL_ATTRIBUTE, "Enabled": true })
    );
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"],
        json!({ "PointInTimeRecoveryEnabled": true })
    );
    assert_eq!(table["SSESpecification"], json!({ "SSEEnabled": true }));
    assert_eq!(
        table["DeletionProtectionEnabled"],
        reference("TableDeletionProtection")
    );

    // The local stack's queue is FIFO, so the template's default must be too.
    assert!(LOCAL_QUEUE.ends_with(".fifo"));
    assert_eq!(template["Parameters"]["QueueType"]["Default"], "fifo");
    assert_eq!(
        template["Conditions"]["UseFifoQueue"],
        json!({ "Fn::Equals": [reference("QueueType"), "fifo"] })
    );
    let fifo_only =
        |value: Value| json!({ "Fn::If": ["UseFifoQueue", value, reference("AWS::NoValue")] });
    for (id, name) in [
        ("EventsQueue", "${AWS::StackName}-events.fifo"),
        ("EventsDeadLetterQueue", "${AWS::StackName}-events-dlq.fifo"),
    ] {
        let queue = &resource(&template, id)["Properties"];
        assert_eq!(queue["QueueName"], fifo_only(json!({ "Fn::Sub": name })));
        assert_eq!(queue["FifoQueue"], fifo_only(json!(true)));
        assert_eq!(queue["SqsManagedSseEnabled"], true);
        assert_eq!(
            queue["MessageRetentionPeriod"],
            reference("QueueMessageRetentionSeconds")
        );
    }
    let queue = &resource(&template, "EventsQueue")["Properties"];
    assert_eq!(
        queue["DeduplicationScope"],
        fifo_only(json!("messageGroup"))
    );
    assert_eq!(
        queue["FifoThroughputLimit"],
        fifo_only(json!("perMessageGroupId"))
    );
    assert_eq!(queue["ContentBasedDeduplication"], fifo_only(json!(false)));
    assert_eq!(
        queue["RedrivePolicy"],
        json!({
            "deadLetterTargetArn": { "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"] },
            "maxReceiveCount": reference("DeadLetterMaxReceiveCount"),
        })
    );
}

#[test]
fn every_function_directory_is_deployed_with_its_route_secret_policy_and_alarms() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"], json!(["arm64"]));
    // Lean logging and no X-Ray by default: infra/COST.md, "All in".
    assert_eq!(globals["Tracing"], "PassThrough");
    assert_eq!(
        globals["LoggingConfig"],
        json!({ "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN" })
    );
    for name in function_names() {
        let prefix = logical_prefix(&name);
        let secret_id = format!("{prefix}Secret");
        let function = resource(&template, &format!("{prefix}Function"));
        assert_eq!(function["Type"], "AWS::Serverless::Function", "{name}");
        assert_eq!(
            function["Metadata"],
            json!({ "BuildMethod": "rust-cargolambda", "BuildProperties": { "Binary": name } }),
            "{name}"
        );
        let properties = &function["Properties"];
        assert_eq!(
            properties["Events"],
            json!({ "Webhook": { "Type": "HttpApi", "Properties": {
                "ApiId": reference("WebhookApi"),
                "Method": "POST",
                "Path": format!("/webhooks/{name}"),
                "PayloadFormatVersion": "2.0",
                "RouteSettings": {
                    "ThrottlingBurstLimit": reference(&format!("{prefix}RouteBurstLimit")),
                    "ThrottlingRateLimit": reference(&format!("{prefix}RouteRateLimit")),
                },
            } } }),
            "{name}"
        );
        assert_eq!(
            properties["Policies"],
            json!([{ "Statement": [
                {
                    "Sid": "Claims",
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                    "Resource": { "Fn::GetAtt": ["EventsTable", "Arn"] },
                    "Condition": { "ForAllValues:StringLike": {
                        "dynamodb:LeadingKeys": [format!("{name}#*")],
                    } },
                },
                {
                    "Sid": "Enqueue",
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage",
                    "Resource": { "Fn::GetAtt": ["EventsQueue", "Arn"] },
                },
                {
                    "Sid": "OwnSecret",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": reference(&secret_id),
                },
            ] }]),
            "{name}: only its own keys of the table, the queue and its own secret"
        );
        assert_own_keys_only(&properties["Policies"][0]["Statement"][0], &name);
        let log_group = format!("{prefix}LogGroup");
        assert_eq!(
            properties["LoggingConfig"],
            json!({ "LogGroup": reference(&log_group) })
        );
        assert_eq!(
            resource(&template, &log_group)["Properties"]["RetentionInDays"],
            reference("LogRetentionDays")
        );

        // The secret: created empty, named after the stack and the provider.
        let secret = resource(&template, &secret_id);
        assert_eq!(secret["Type"], "AWS::SecretsManager::Secret");
        let secret_properties = secret["Properties"].as_object().unwrap();
        assert!(!secret_properties.contains_key("SecretString"), "{name}");
        assert!(
            !secret_properties.contains_key("GenerateSecretString"),
            "{name}"
        );
        assert_eq!(
            secret_properties["Name"],
            json!({ "Fn::Sub": format!("${{AWS::StackName}}/{name}") })
        );

        assert_eq!(
            template["Outputs"][format!("{prefix}WebhookUrl")]["Value"],
            json!({ "Fn::Sub": format!(
                "https://${{WebhookApi}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/webhooks/{name}"
            ) })
        );
        assert_alarms(&template, &name, &prefix);
    }
}

/// The function's DynamoDB permission names only keys under `<provider>#`, and every key
/// the code reads or writes for that provider is one of them (#13, item 6).
fn assert_own_keys_only(statement: &Value, name: &str) {
    assert_eq!(statement["Sid"], "Claims", "{name}");
    let condition = statement["Condition"].as_object().unwrap();
    assert_eq!(condition.len(), 1, "{name}: one condition operator");
    let leading: Vec<&str> = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no dynamodb:LeadingKeys condition"))
        .iter()
        .map(|pattern| pattern.as_str().unwrap())
        .collect();
    let prefix = format!("{name}#");
    assert_eq!(leading, [format!("{prefix}*")], "{name}");
    // No action that reads many keys at once: for those the key set is empty and
    // ForAllValues would match.
    for action in statement["Action"].as_array().unwrap() {
        let action = action.as_str().unwrap();
        assert!(
            !["Scan", "Query", "Batch", "PartiQL", "*"]
                .iter()
                .any(|many| action.contains(many)),
            "{name}: {action}"
        );
    }
    // The keys the code uses for this provider: claims, signature bindings, the warm-up read.
    for key in [
        format!("{name}#some-event-id"),
        brokerhooks::idempotency::binding_key(&prefix, &"0".repeat(64)),
        format!("{name}#warm-up"),
    ] {
        assert!(key.starts_with(&prefix), "{key}");
    }
}

/// Errors, throttles, 5xx rate, 401 burst, 429 and format-drift alarms exist for the
/// function, its route and its provider.
fn assert_alarms(template: &Value, name: &str, prefix: &str) {
    let function =
        json!([{ "Name": "FunctionName", "Value": reference(&format!("{prefix}Function")) }]);
    for metric in ["Errors", "Throttles"] {
        let alarm = &resource(template, &format!("{prefix}{metric}Alarm"))["Properties"];
        assert_eq!(alarm["Namespace"], "AWS/Lambda");
        assert_eq!(alarm["MetricName"], metric);
        assert_eq!(alarm["Dimensions"], function, "{name} {metric}");
    }
    let route = json!([{ "Name": "route", "Value": format!("POST /webhooks/{name}") }]);
    let unauthorized = &resource(template, &format!("{prefix}Unauthorized401Alarm"))["Properties"];
    assert_eq!(unauthorized["MetricName"], "http_401");
    assert_eq!(unauthorized["Dimensions"], route, "{name}");
    let throttled = &resource(template, &format!("{prefix}Throttled429Alarm"))["Properties"];
    assert_eq!(throttled["Namespace"], "brokerhooks");
    assert_eq!(throttled["MetricName"], "http_429");
    assert_eq!(throttled["Dimensions"], route, "{name}");
    assert_eq!(throttled["Threshold"], reference("Throttled429Threshold"));
    assert_eq!(
        throttled["ComparisonOperator"],
        "GreaterThanOrEqualToThreshold"
    );
    assert!(
        throttled["AlarmDescription"]
            .as_str()
            .unwrap()
            .contains("What it costs:"),
        "{name}: the 429 alarm says what a 429 costs"
    );
    // The EMF metric the pipeline writes per provider (brokerhooks::metrics).
    let unparsed = &resource(template, &format!("{prefix}UnparsedAlarm"))["Properties"];
    assert_eq!(unparsed["Namespace"], brokerhooks::metrics::NAMESPACE);
    assert_eq!(unparsed["MetricName"], "unparsed");
    assert_eq!(
        unparsed["Dimensions"],
        json!([{ "Name": "provider", "Value": name }]),
        "{name}"
    );
    assert_eq!(unparsed["Statistic"], "Sum");
    assert_eq!(unparsed["Threshold"], reference("UnparsedThreshold"));
    assert!(
        unparsed["AlarmDescription"]
            .as_str()
            .unwrap()
            .contains("provider format drift: update the models"),
        "{name}"
    );
    let rate = &resource(template, &format!("{prefix}Http5xxRateAlarm"))["Properties"];
    let metrics = rate["Metrics"].as_array().unwrap();
    let by_name: BTreeMap<&str, &Value> = metrics
        .iter()
        .filter(|m| m.get("MetricStat").is_some())
        .map(|m| {
            let metric = &m["MetricStat"]["Metric"];
            (
                metric["MetricName"].as_str().unwrap(),
                &metric["Dimensions"],
            )
        })
        .collect();
    assert_eq!(by_name.len(), 2, "{name}");
    assert_eq!(by_name["http_5xx"], &route, "{name}");
    assert_eq!(by_name["http_requests"], &route, "{name}");
}

#[test]
fn every_variable_a_function_reads_is_set_by_the_template() {
    let template = template();
    let globals: BTreeMap<String, Value> =
        serde_json::from_value(template["Globals"]["Function"]["Environment"]["Variables"].clone())
            .unwrap();
    for name in function_names() {
        let prefix = logical_prefix(&name);
        let function = resource(&template, &format!("{prefix}Function"));
        let mut environment = globals.clone();
        let own: BTreeMap<String, Value> =
            serde_json::from_value(function["Properties"]["Environment"]["Variables"].clone())
                .unwrap();
        environment.extend(own);

        let secret_id = format!("{prefix}Secret");
        assert_eq!(
            environment["BROKERHOOKS_SECRET_ID"],
            reference(&secret_id),
            "{name} reads its own secret"
        );
        let in_secret: BTreeSet<String> = serde_json::from_value(
            resource(&template, &secret_id)["Metadata"]["SecretVariables"].clone(),
        )
        .unwrap();

        let provider = brokerhooks::providers::BuiltIn::from_name(&name)
            .unwrap_or_else(|| panic!("functions/{name}: not in the provider registry"))
            .variables();
        let declared: BTreeSet<&str> = PIPELINE_VARIABLES.iter().chain(provider).copied().collect();
        for variable in &declared {
            let set = environment.contains_key(*variable);
            let secret = in_secret.contains(*variable);
            assert!(
                set != secret,
                "{name}: {variable} must be set by exactly one of the environment \
                 (set: {set}) or the secret's SecretVariables (listed: {secret})"
            );
        }
        for variable in environment.keys().chain(&in_secret) {
            assert!(
                declared.contains(variable.as_str()),
                "{name}: the template provides {variable}, which the code does not declare"
            );
        }
        // Values come from parameters and resources, never literals (no secret can hide here).
        for (variable, value) in &environment {
            let intrinsic = value.as_object().is_some_and(|object| {
                object.len() == 1 && (object.contains_key("Ref") || object.contains_key("Fn::Sub"))
            });
            assert!(intrinsic, "{name}: {variable} is a literal in the template");
        }
    }
}

/// A parameter's numeric attribute (`Default`, `MinValue`, `MaxValue`).
fn number(template: &Value, parameter: &str, attribute: &str) -> u64 {
    template["Parameters"][parameter][attribute]
        .as_u64()
        .unwrap_or_else(|| panic!("parameter {parameter} has no numeric {attribute}"))
}

/// The parameter a `{"Ref": …}` names.
fn parameter_of(value: &Value) -> &str {
    value["Ref"]
        .as_str()
        .unwrap_or_else(|| panic!("not a Ref: {value}"))
}

#[test]
fn every_function_times_out_after_its_aws_budget_and_before_its_claim_lease_ends() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    let lease = "ClaimLeaseSeconds";
    assert_eq!(number(&template, lease, "Default"), 30);
    for name in function_names() {
        let function =
            &resource(&template, &format!("{}Function", logical_prefix(&name)))["Properties"];
        let timeout = parameter_of(function.get("Timeout").unwrap_or(&globals["Timeout"]));
        let retry = parameter_of(
            function["Environment"]["Variables"]
                .get(AWS_RETRY_SECONDS_VARIABLE)
                .unwrap_or(&globals["Environment"]["Variables"][AWS_RETRY_SECONDS_VARIABLE]),
        );
        // With the defaults, claim and send can each use their whole budget and the
        // completion still has its reserve (the rule of brokerhooks::deadline).
        let budget = RetryBudget::from_secs(number(&template, retry, "Default"));
        assert!(
            minimum_function_timeout(budget)
                <= Duration::from_secs(number(&template, timeout, "Default")),
            "{name}: {timeout} below 2 x {retry} + 2"
        );
        // Whatever values a deployment picks, the timeout stays below the lease and the
        // budget within what the code accepts.
        assert!(
            number(&template, timeout, "MaxValue") < number(&template, lease, "MinValue"),
            "{name}: {timeout} may reach {lease}"
        );
        assert!(
            number(&template, timeout, "MaxValue") <= 29,
            "API Gateway waits 30 s"
        );
        assert_eq!(number(&template, retry, "MaxValue"), MAX_AWS_RETRY_SECONDS);
        assert_eq!(number(&template, retry, "MinValue"), 1);
        if name == "kite" {
            // Kite never retries: one invocation rides out a 10 s outage (and the last
            // back-off of up to 1 s).
            assert_eq!(
                (timeout, retry),
                ("KiteFunctionTimeoutSeconds", "KiteAwsRetrySeconds")
            );
            assert!(budget.per_call() >= Duration::from_secs(11), "{budget:?}");
        }
    }
    assert_eq!(globals["Timeout"], reference("FunctionTimeoutSeconds"));
}

#[test]
fn every_function_has_its_providers_own_age_window() {
    let template = template();
    assert!(
        template["Globals"]["Function"]["Environment"]["Variables"]
            .get("MAX_EVENT_AGE_SECONDS")
            .is_none(),
        "one window per function, not a global one"
    );
    let dedupe_ttl = number(&template, "DedupeTtlSeconds", "Default");
    for name in function_names() {
        let prefix = logical_prefix(&name);
        let parameter = format!("{prefix}MaxEventAgeSeconds");
        let function = resource(&template, &format!("{prefix}Function"));
        assert_eq!(
            function["Properties"]["Environment"]["Variables"]["MAX_EVENT_AGE_SECONDS"],
            reference(&parameter),
            "{name}"
        );
        let default = brokerhooks::providers::BuiltIn::from_name(&name)
            .unwrap_or_else(|| panic!("functions/{name}: not in the provider registry"))
            .default_max_event_age();
        assert_eq!(
            number(&template, &parameter, "Default"),
            default.as_secs(),
            "{name}: the template's default is the code's"
        );
        assert_eq!(number(&template, &parameter, "MinValue"), 1, "{name}");
        assert!(default.as_secs() <= dedupe_ttl, "{name}");
    }
}

#[test]
fn every_route_has_its_own_throttle_and_kite_the_largest() {
    let template = template();
    assert!(
        resource(&template, "WebhookApi")["Properties"]
            .get("DefaultRouteSettings")
            .is_none(),
        "throttles are per route"
    );
    let limits = |name: &str| {
        let prefix = logical_prefix(name);
        (
            number(&template, &format!("{prefix}RouteRateLimit"), "Default"),
            number(&template, &format!("{prefix}RouteBurstLimit"), "Default"),
        )
    };
    let kite = limits("kite");
    for name in function_names() {
        let (rate, burst) = limits(&name);
        assert!(
            rate >= 1 && burst >= rate,
            "{name}: {rate}/s, burst {burst}"
        );
        if name != "kite" {
            assert!(kite.0 > rate && kite.1 > burst, "{name} vs kite");
        }
    }
}

#[test]
fn access_logs_are_json_without_query_strings_headers_or_bodies() {
    let template = template();
    let settings = &resource(&template, "WebhookApi")["Properties"]["AccessLogSettings"];
    let format = settings["Format"].as_str().unwrap();
    // Variables that carry neither the query string (OneMetric's token), nor any header,
    // nor the body: only values API Gateway makes itself. A caller-chosen value such as
    // the User-Agent is inserted unescaped and could forge keys the metric filters read.
    assert!(!format.contains("userAgent"), "{format}");
    let allowed = [
        "$context.requestId",
        "$context.requestTime",
        "$context.identity.sourceIp",
        "$context.routeKey",
        "$context.status",
        "$context.responseLength",
        "$context.responseLatency",
        "$context.integrationStatus",
        "$context.integrationLatency",
        "$context.error.message",
        "$context.integrationErrorMessage",
    ];
    let used: Vec<&str> = format
        .match_indices('$')
        .map(|(start, _)| {
            let rest = &format[start..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '$'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    assert!(used.contains(&"$context.routeKey"));
    for variable in &used {
        assert!(allowed.contains(variable), "access log uses {variable}");
    }
    // Valid JSON once API Gateway fills it in; `status` is a number for the metric filters.
    let mut sample = format.to_owned();
    for variable in allowed {
        let value = if variable == "$context.status" {
            "401"
        } else {
            "x"
        };
        sample = sample.replace(variable, value);
    }
    let record: Value = serde_json::from_str(&sample).unwrap();
    assert_eq!(record["status"], 401);
    assert_eq!(record["routeKey"], "x");

    for (filter, pattern) in [
        ("HttpRequestsMetricFilter", "{ $.status >= 100 }"),
        ("Http5xxMetricFilter", "{ $.status >= 500 }"),
        ("Http401MetricFilter", "{ $.status = 401 }"),
        ("Http429MetricFilter", "{ $.status = 429 }"),
    ] {
        let properties = &resource(&template, filter)["Properties"];
        assert_eq!(properties["LogGroupName"], reference("ApiAccessLogGroup"));
        assert_eq!(properties["FilterPattern"], pattern);
        assert_eq!(
            properties["MetricTransformations"][0]["Dimensions"],
            json!([{ "Key": "route", "Value": "$.routeKey" }])
        );
    }
}

#[test]
fn the_local_queue_has_the_templates_dead_letter_queue_and_redrive() {
    let template = template();
    assert_eq!(
        template["Parameters"]["DeadLetterMaxReceiveCount"]["Default"],
        LOCAL_MAX_RECEIVE_COUNT
    );
    // Named as the template names them for a stack called like the local table's prefix.
    let stack = LOCAL_TABLE.trim_end_matches("-events");
    assert_eq!(LOCAL_QUEUE, format!("{stack}-events.fifo"));
    assert_eq!(LOCAL_DEAD_LETTER_QUEUE, format!("{stack}-events-dlq.fifo"));
    // Neither sets a visibility timeout: SQS's default (30 s) locally and deployed.
    for queue in ["EventsQueue", "EventsDeadLetterQueue"] {
        assert!(
            resource(&template, queue)["Properties"]
                .get("VisibilityTimeout")
                .is_none(),
            "{queue}"
        );
    }
}

const EXAMPLE_CONSUMER_RESOURCES: [&str; 4] = [
    "ExampleConsumerFunction",
    "ExampleConsumerRole",
    "ExampleConsumerTable",
    "ExampleConsumerLogGroup",
];

#[test]
fn the_example_consumer_is_optional_and_off_by_default() {
    let template = template();
    let parameter = &template["Parameters"]["DeployExampleConsumer"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(parameter["AllowedValues"], json!(["true", "false"]));
    assert_eq!(
        template["Conditions"]["ExampleConsumerEnabled"],
        json!({ "Fn::Equals": [reference("DeployExampleConsumer"), "true"] })
    );
    for id in EXAMPLE_CONSUMER_RESOURCES {
        assert_eq!(
            resource(&template, id)["Condition"],
            "ExampleConsumerEnabled",
            "{id}"
        );
    }
    assert_eq!(
        template["Outputs"]["ExampleConsumerFunctionName"]["Condition"],
        "ExampleConsumerEnabled"
    );
    // Nothing else refers to it, so the stack is whole without it.
    for (id, value) in template["Resources"].as_object().unwrap() {
        if EXAMPLE_CONSUMER_RESOURCES.contains(&id.as_str()) {
            continue;
        }
        let text = value.to_string();
        assert!(
            !text.contains("ExampleConsumer"),
            "{id} refers to the example consumer"
        );
    }
}

#[test]
fn the_example_consumer_reads_the_events_queue_with_partial_batch_failures() {
    let template = template();
    let function = resource(&template, "ExampleConsumerFunction");
    assert_eq!(function["Type"], "AWS::Serverless::Function");
    assert_eq!(
        function["Metadata"],
        json!({ "BuildMethod": "rust-cargolambda", "BuildProperties": { "Binary": EXAMPLE_CONSUMER } })
    );
    // Built from its own directory, so cargo resolves its features alone.
    assert_eq!(function["Properties"]["CodeUri"], "../consumer/example");
    // The binary lives in consumer/example, not functions/ (those are webhook receivers).
    let manifest =
        std::fs::read_to_string(repo_root().join("consumer/example/Cargo.toml")).unwrap();
    assert!(manifest.contains(&format!("name = \"{EXAMPLE_CONSUMER}\"")));
    assert!(
        !repo_root()
            .join("functions")
            .join(EXAMPLE_CONSUMER)
            .exists()
    );

    let properties = &function["Properties"];
    assert_eq!(
        properties["Events"],
        json!({ "EventsQueue": { "Type": "SQS", "Properties": {
            "Queue": { "Fn::GetAtt": ["EventsQueue", "Arn"] },
            "BatchSize": reference("ExampleConsumerBatchSize"),
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": { "MaximumConcurrency": reference("ExampleConsumerMaximumConcurrency") },
        } } })
    );
    let parameters = &template["Parameters"];
    // A FIFO event source takes at most 10 records per batch.
    assert_eq!(parameters["ExampleConsumerBatchSize"]["MaxValue"], 10);
    assert_eq!(parameters["ExampleConsumerBatchSize"]["MinValue"], 1);
    assert_eq!(
        parameters["ExampleConsumerMaximumConcurrency"]["MinValue"],
        2
    );
    // Lambda refuses a mapping whose function outlives the queue's visibility timeout
    // (SQS's default 30 s: the template sets none).
    assert!(properties["Timeout"].as_u64().unwrap() <= 30);
    assert_eq!(
        properties["LoggingConfig"],
        json!({ "LogGroup": reference("ExampleConsumerLogGroup") })
    );
    assert_eq!(
        resource(&template, "ExampleConsumerLogGroup")["Properties"]["RetentionInDays"],
        reference("LogRetentionDays")
    );
}

#[test]
fn the_example_consumer_has_its_own_least_privilege_role_and_table() {
    let template = template();
    let properties = &resource(&template, "ExampleConsumerFunction")["Properties"];
    // Its own role: SAM's generated one would get AWSLambdaSQSQueueExecutionRole (every queue).
    assert_eq!(
        properties["Role"],
        json!({ "Fn::GetAtt": ["ExampleConsumerRole", "Arn"] })
    );
    assert!(properties.get("Policies").is_none());
    let role = &resource(&template, "ExampleConsumerRole")["Properties"];
    assert!(role.get("ManagedPolicyArns").is_none());
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"],
        json!([{ "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" }])
    );
    let policies = role["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(
        policies[0]["PolicyDocument"]["Statement"],
        json!([
            {
                "Sid": "EventSource",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
                "Resource": { "Fn::GetAtt": ["EventsQueue", "Arn"] },
            },
            {
                "Sid": "Idempotency",
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                "Resource": { "Fn::GetAtt": ["ExampleConsumerTable", "Arn"] },
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": { "Fn::GetAtt": ["ExampleConsumerLogGroup", "Arn"] },
            },
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
        ]),
        "only the events queue, its own table and log group"
    );

    // The table: the key schema and TTL attribute the consumer's DynamoDB store writes.
    let table = &resource(&template, "ExampleConsumerTable")["Properties"];
    assert_eq!(
        table["KeySchema"],
        json!([{ "AttributeName": TABLE_PARTITION_KEY, "KeyType": "HASH" }])
    );
    assert_eq!(
        table["TimeToLiveSpecification"],
        json!({ "AttributeName": TABLE_TTL_ATTRIBUTE, "Enabled": true })
    );
    assert_eq!(table["SSESpecification"], json!({ "SSEEnabled": true }));

    // Every variable it is given is one the consumer reads, from a parameter or resource.
    let variables = properties["Environment"]["Variables"].as_object().unwrap();
    assert_eq!(
        variables["CONSUMER_TABLE"],
        reference("ExampleConsumerTable")
    );
    for (variable, value) in variables {
        assert!(
            CONSUMER_VARIABLES.contains(&variable.as_str()),
            "the template gives the example consumer {variable}, which it does not read"
        );
        let intrinsic = value
            .as_object()
            .is_some_and(|object| object.len() == 1 && object.contains_key("Ref"));
        assert!(intrinsic, "{variable} is a literal in the template");
    }
}

/// The receivers are built from the workspace root (`CodeUri: ../`), where cargo resolves
/// features over the default members. The consumer crates stay out of them, and the
/// testkit (a default member) only has them as dev-dependencies, so nothing only a
/// consumer needs (aws_lambda_events' `sqs`, serde_with) reaches a receiver binary.
#[test]
fn the_consumer_crates_stay_out_of_the_receivers_feature_resolution() {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let default_members = manifest
        .lines()
        .find(|line| line.starts_with("default-members"))
        .expect("Cargo.toml sets default-members");
    assert_eq!(
        default_members,
        r#"default-members = ["models", "shared", "functions/*", "tests"]"#
    );
    let testkit = std::fs::read_to_string(repo_root().join("tests/Cargo.toml")).unwrap();
    let (normal, dev) = testkit
        .split_once("[dev-dependencies]")
        .expect("tests/Cargo.toml has dev-dependencies");
    assert!(!normal.contains("brokerhooks-consumer"));
    assert!(dev.contains("brokerhooks-consumer.workspace = true"));
    assert_eq!(template()["Globals"]["Function"]["CodeUri"], "../");
}
