//! infra/template.yaml against the code, as CloudFormation sees it, in both ingress modes
//! (the `Ingress` parameter: `HttpApi`, `FunctionUrl`): the provider loops expanded and
//! the mode chosen (`scripts/infra-checks.sh scan` writes
//! `.local/expanded-template-<mode>.json`, and `.local/translated-<mode>.json`, what the
//! SAM transform makes of it). The table and queue the local stack creates; one function
//! per registered provider (its route or function URL, secret, log group,
//! least-privilege policy, alarms) and nothing else in the loops; every variable a
//! function reads; the customer managed key when `KmsKeyArn` is set; the dashboard; the
//! access log format; the optional example consumer; and the checkov scan of both modes.
//!
//! Without the expanded template (plain `cargo test`), the tests that need it skip with
//! one line; under `make test` (`BROKERHOOKS_REQUIRE_STACK=1`) they fail instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use std::time::Duration;

use brokerhooks::config::{AWS_RETRY_SECONDS_VARIABLE, PIPELINE_VARIABLES};
use brokerhooks::config::{MAX_AWS_RETRY_SECONDS, RetryBudget};
use brokerhooks::pipeline::deadline::minimum_function_timeout;
use brokerhooks::providers::Receiver;
use brokerhooks_consumer::settings::CONSUMER_VARIABLES;
use brokerhooks_testkit::local_stack::{
    EXAMPLE_CONSUMER, LOCAL_DEAD_LETTER_QUEUE, LOCAL_MAX_RECEIVE_COUNT, LOCAL_QUEUE, LOCAL_TABLE,
    TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE,
};
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file `scripts/infra-checks.sh scan` writes under `.local/`, or `None` (after one
/// line saying so) when it is missing outside `make test`.
fn generated(file: &str) -> Option<Value> {
    let path = repo_root().join(".local").join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(_) if std::env::var_os("BROKERHOOKS_REQUIRE_STACK").is_some() => panic!(
            "{} is missing: `make test` writes it (scripts/infra-checks.sh scan)",
            path.display()
        ),
        Err(_) => {
            // Straight to stderr, in one write: the test harness captures eprintln! of
            // passing tests.
            let line = format!(
                "skipped: no .local/{file}; run `make test` (or `bash scripts/infra-checks.sh scan`)\n"
            );
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

/// The template's `Ingress` parameter: where providers deliver (README, "Ingress: HTTP
/// API or function URLs").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ingress {
    /// One API Gateway HTTP API, a route per provider (the default).
    HttpApi,
    /// Each function's own Lambda function URL.
    FunctionUrl,
}

impl Ingress {
    const ALL: [Ingress; 2] = [Ingress::HttpApi, Ingress::FunctionUrl];

    /// The parameter's value.
    fn value(self) -> &'static str {
        match self {
            Ingress::HttpApi => "HttpApi",
            Ingress::FunctionUrl => "FunctionUrl",
        }
    }
}

/// The template with its loops expanded and `ingress` chosen, as CloudFormation deploys
/// it with `Ingress=<mode>`.
fn expanded(ingress: Ingress) -> Option<Value> {
    let template = generated(&format!("expanded-template-{}.json", ingress.value()))?;
    assert_eq!(
        template["Parameters"]["Ingress"]["Default"],
        ingress.value()
    );
    Some(template)
}

/// Both modes' expanded templates; none outside `make test` (one line each).
fn expanded_modes() -> Vec<(Ingress, Value)> {
    Ingress::ALL
        .into_iter()
        .filter_map(|ingress| expanded(ingress).map(|template| (ingress, template)))
        .collect()
}

/// What the SAM transform makes of `expanded(ingress)`: plain CloudFormation.
fn translated(ingress: Ingress) -> Option<Value> {
    generated(&format!("translated-{}.json", ingress.value()))
}

/// The template as written (loops and all), short-form tags expanded to the long form
/// CloudFormation documents (`!Ref X` → `{"Ref": "X"}`).
fn source_template() -> Value {
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

/// `!If [HasKmsKey, value, !Ref AWS::NoValue]`: the value only with a customer managed key.
fn with_kms_key(value: Value) -> Value {
    json!({ "Fn::If": ["HasKmsKey", value, reference("AWS::NoValue")] })
}

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    let resource = &template["Resources"][id];
    assert!(
        resource.is_object(),
        "no resource {id} in the expanded template"
    );
    resource
}

/// The logical id prefix of a provider's resources and parameters: `kite` → `Kite`.
fn logical_prefix(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().unwrap().to_ascii_uppercase();
    std::iter::once(first).chain(chars).collect()
}

/// The HTTP API route key of a provider, as API Gateway logs it.
fn route(name: &str) -> String {
    format!("POST {}", path(name))
}

/// The route path of a receiver (`/webhooks/<name>`; the generic function's takes the
/// source as a path parameter).
fn path(name: &str) -> String {
    Receiver::from_name(name).unwrap().route_path()
}

/// Settings one provider reads from a deploy parameter that every receiver is given
/// (infra/template.yaml says why): (variable, parameter).
const PROVIDER_SETTINGS: [(&str, &str); 3] = [
    (
        "UPVEST_SIGNATURE_GRACE_SECONDS",
        "UpvestSignatureGraceSeconds",
    ),
    ("UPVEST_WEBHOOK_IDS", "UpvestWebhookIds"),
    ("ONEMETRIC_ALLOWED_IPS", "OneMetricAllowedIps"),
];

#[test]
fn the_provider_loops_list_exactly_the_registered_providers() {
    let template = source_template();
    let registered: Vec<String> = Receiver::names().map(logical_prefix).collect();
    for (section, lp) in [
        ("Resources", "Fn::ForEach::Providers"),
        ("Outputs", "Fn::ForEach::ProviderOutputs"),
    ] {
        let looped = &template[section][lp];
        assert_eq!(looped[0], "Provider", "{section}");
        assert_eq!(
            looped[1],
            json!(registered),
            "{section}: the loop lists Receiver::ALL, capitalised, in order"
        );
    }
    // The only loops: a loop elsewhere would be a second list to keep in step.
    for (section, content) in template.as_object().unwrap() {
        if let Some(content) = content.as_object() {
            let loops: Vec<&String> = content
                .keys()
                .filter(|key| key.starts_with("Fn::ForEach"))
                .collect();
            let expected = match section.as_str() {
                "Resources" | "Outputs" => 1,
                _ => 0,
            };
            assert_eq!(loops.len(), expected, "{section}: {loops:?}");
        }
    }
    // One Mappings row per provider, named like its loop entry, with its registry name.
    let rows = template["Mappings"]["Providers"].as_object().unwrap();
    assert_eq!(
        rows.keys().cloned().collect::<BTreeSet<_>>(),
        registered.iter().cloned().collect::<BTreeSet<_>>()
    );
    for provider in Receiver::ALL {
        let row = &rows[&logical_prefix(provider.name())];
        assert_eq!(row["Name"], provider.name());
        assert_eq!(row["Path"], provider.route_path());
        assert_eq!(row["LeadingKey"], provider.leading_keys());
    }
}

#[test]
fn the_expanded_template_has_one_function_per_provider_the_example_consumer_and_the_kite_reconciler()
 {
    for (ingress, template) in expanded_modes() {
        let functions: BTreeSet<&str> = template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
            .map(|(id, _)| id.as_str())
            .collect();
        let mut expected: BTreeSet<String> = Receiver::names()
            .map(|name| format!("{}Function", logical_prefix(name)))
            .collect();
        expected.insert("ExampleConsumerFunction".to_owned());
        expected.insert("KiteReconcilerFunction".to_owned());
        assert_eq!(
            functions,
            expected.iter().map(String::as_str).collect::<BTreeSet<_>>(),
            "{ingress:?}"
        );
    }
}

#[test]
fn table_and_queue_match_the_local_stack() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
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
    assert_eq!(table["SSESpecification"]["SSEEnabled"], true);
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
fn every_provider_is_deployed_with_its_ingress_secret_least_privilege_policy_and_alarms() {
    for (ingress, template) in expanded_modes() {
        assert_every_provider_deployed(&template, ingress);
    }
}

fn assert_every_provider_deployed(template: &Value, ingress: Ingress) {
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"], json!(["arm64"]));
    // Lean logging and no X-Ray by default: infra/COST.md, "All in".
    assert_eq!(globals["Tracing"], reference("TracingMode"));
    assert_eq!(
        source_template()["Parameters"]["TracingMode"]["Default"],
        "PassThrough"
    );
    assert_eq!(
        globals["LoggingConfig"],
        json!({ "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN" })
    );
    let kms_key = reference("KmsKeyArn");
    for name in Receiver::names() {
        let prefix = logical_prefix(name);
        let secret_id = format!("{prefix}Secret");
        let function = resource(template, &format!("{prefix}Function"));
        assert_eq!(function["Type"], "AWS::Serverless::Function", "{name}");
        assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
        assert_eq!(
            function["Metadata"]["BuildProperties"],
            json!({ "Binary": name }),
            "{name}"
        );
        let properties = &function["Properties"];
        // The workspace root, spelled with the loop value so that `sam build` gives
        // each function its own artifact (infra/template.yaml says why).
        assert_eq!(
            properties["CodeUri"],
            format!("../functions/{prefix}/../.."),
            "{name}"
        );
        // Its ingress: a route of the HTTP API, or its own function URL; never both.
        match ingress {
            Ingress::HttpApi => {
                assert_eq!(
                    properties["Events"],
                    json!({ "Webhook": { "Type": "HttpApi", "Properties": {
                        "ApiId": reference("WebhookApi"),
                        "Method": "POST",
                        "Path": path(name),
                        "PayloadFormatVersion": "2.0",
                        "RouteSettings": {
                            "ThrottlingBurstLimit": reference(&format!("{prefix}RouteBurstLimit")),
                            "ThrottlingRateLimit": reference(&format!("{prefix}RouteRateLimit")),
                        },
                    } } }),
                    "{name}"
                );
                assert!(properties.get("FunctionUrlConfig").is_none(), "{name}");
            }
            Ingress::FunctionUrl => {
                // NONE: the provider's signature authenticates (README, Security scan).
                assert_eq!(
                    properties["FunctionUrlConfig"],
                    json!({ "AuthType": "NONE" }),
                    "{name}"
                );
                assert!(properties.get("Events").is_none(), "{name}");
            }
        }
        // Least privilege: its own keys of the table, the queue (send only), its own
        // secret, and the customer managed key only through those three services.
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
                with_kms_key(json!({
                    "Sid": "CustomerManagedKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": kms_key,
                    "Condition": { "StringEquals": { "kms:ViaService": [
                        { "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com" },
                        { "Fn::Sub": "sqs.${AWS::Region}.amazonaws.com" },
                        { "Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com" },
                    ] } },
                })),
            ] }]),
            "{name}: only its own keys of the table, the queue, its own secret and the key"
        );
        assert!(
            properties.get("Role").is_none(),
            "{name}: SAM's role, these policies"
        );
        assert_own_keys_only(&properties["Policies"][0]["Statement"][0], name);
        assert_eq!(properties["KmsKeyArn"], with_kms_key(kms_key.clone()));

        let log_group = format!("{prefix}LogGroup");
        assert_eq!(
            properties["LoggingConfig"],
            json!({ "LogGroup": reference(&log_group) })
        );
        let log_group = &resource(template, &log_group)["Properties"];
        assert_eq!(log_group["RetentionInDays"], reference("LogRetentionDays"));
        assert_eq!(
            log_group["LogGroupName"],
            json!({ "Fn::Sub": format!("/brokerhooks/${{AWS::StackName}}/{name}") })
        );
        assert_eq!(log_group["KmsKeyId"], with_kms_key(kms_key.clone()));

        // The secret: created empty, named after the stack and the provider.
        let secret = resource(template, &secret_id);
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
        assert_eq!(secret_properties["KmsKeyId"], with_kms_key(kms_key.clone()));

        let webhook_url = &template["Outputs"][format!("{prefix}WebhookUrl")]["Value"];
        match ingress {
            Ingress::HttpApi => assert_eq!(
                webhook_url,
                &json!({ "Fn::Sub": format!(
                    "https://${{WebhookApi}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}{}", path(name)
                ) })
            ),
            // The URL to register: the function URL's host and the route's path, one
            // slash between them.
            Ingress::FunctionUrl => assert_eq!(
                output_text(
                    webhook_url,
                    &format!("{prefix}FunctionUrl"),
                    "https://abcdefghij0123456789klmnopqrstuv.lambda-url.ap-south-1.on.aws/"
                ),
                format!(
                    "https://abcdefghij0123456789klmnopqrstuv.lambda-url.ap-south-1.on.aws{}",
                    path(name)
                ),
                "{name}"
            ),
        }
        assert_eq!(
            template["Outputs"][format!("{prefix}SecretArn")]["Value"],
            reference(&secret_id)
        );
        assert_alarms(template, name, &prefix, ingress);
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
        brokerhooks::pipeline::ports::binding_key(&prefix, &"0".repeat(64)),
        format!("{name}#warm-up"),
    ] {
        assert!(key.starts_with(&prefix), "{key}");
    }
}

/// Errors, throttles, 5xx rate, refusals and format-drift alarms exist for the function,
/// its route or function URL, and its provider: with the HTTP API a 401 alarm and a 429
/// alarm on the route's access-log counts; with function URLs a refusals alarm on the
/// function's own `rejected` count, and the throttles alarm is the 429 alarm (Lambda
/// answers a throttled request 429 itself).
fn assert_alarms(template: &Value, name: &str, prefix: &str, ingress: Ingress) {
    let alarm = |kind: &str| resource(template, &format!("{prefix}{kind}Alarm"));
    let absent = |kind: &str| {
        assert!(
            template["Resources"]
                .get(format!("{prefix}{kind}Alarm"))
                .is_none(),
            "{name}: no {kind} alarm with Ingress={}",
            ingress.value()
        )
    };
    let function =
        json!([{ "Name": "FunctionName", "Value": reference(&format!("{prefix}Function")) }]);
    for metric in ["Errors", "Throttles"] {
        let alarm = &alarm(metric)["Properties"];
        assert_eq!(alarm["Namespace"], "AWS/Lambda");
        assert_eq!(alarm["MetricName"], metric);
        assert_eq!(alarm["Dimensions"], function, "{name} {metric}");
        assert_eq!(alarm["Threshold"], 0, "{name} {metric}: any one");
    }
    // The EMF metrics the pipeline writes per provider (brokerhooks::edge::metrics). A
    // configured source's `provider` is its own name, set at run time: the generic
    // function's lines also carry function=generic, which its alarms watch.
    let dimension = match Receiver::from_name(name).unwrap() {
        Receiver::BuiltIn(_) => "provider",
        Receiver::Generic => "function",
    };
    let emf_dimensions = json!([{ "Name": dimension, "Value": name }]);
    let route = json!([{ "Name": "route", "Value": route(name) }]);
    let throttles = alarm("Throttles")["Properties"]["AlarmDescription"]
        .as_str()
        .unwrap();
    match ingress {
        Ingress::HttpApi => {
            let unauthorized = alarm("Unauthorized401");
            assert_eq!(unauthorized["Condition"], "ServesHttpApi");
            let unauthorized = &unauthorized["Properties"];
            assert_eq!(unauthorized["MetricName"], "http_401");
            assert_eq!(unauthorized["Dimensions"], route, "{name}");
            assert_eq!(
                unauthorized["Threshold"],
                reference("Unauthorized401Threshold")
            );
            let throttled = alarm("Throttled429");
            assert_eq!(throttled["Condition"], "ServesHttpApi");
            let throttled = &throttled["Properties"];
            assert_eq!(throttled["Namespace"], "brokerhooks");
            assert_eq!(throttled["MetricName"], "http_429");
            assert_eq!(throttled["Dimensions"], route, "{name}");
            assert_eq!(throttled["Threshold"], reference("Throttled429Threshold"));
            assert_eq!(
                throttled["ComparisonOperator"],
                "GreaterThanOrEqualToThreshold"
            );
            let description = throttled["AlarmDescription"].as_str().unwrap();
            assert!(
                description.contains("What it costs:")
                    && description.contains(&format!("Raise {prefix}RouteRateLimit")),
                "{name}: the 429 alarm says what a 429 costs and what to raise: {description}"
            );
            assert!(throttles.contains("the provider got 5xx"), "{throttles}");
            absent("Refused");
        }
        Ingress::FunctionUrl => {
            let refused = alarm("Refused");
            assert_eq!(refused["Condition"], "ServesFunctionUrls");
            let refused = &refused["Properties"];
            assert_eq!(refused["Namespace"], brokerhooks::edge::metrics::NAMESPACE);
            assert_eq!(refused["MetricName"], "rejected");
            assert_eq!(refused["Dimensions"], emf_dimensions, "{name}");
            assert_eq!(refused["Statistic"], "Sum");
            assert_eq!(refused["Threshold"], reference("Unauthorized401Threshold"));
            assert_eq!(
                refused["ComparisonOperator"],
                "GreaterThanOrEqualToThreshold"
            );
            // A throttle is the provider's 429: the alarm says what that costs.
            let row = &template["Mappings"]["Providers"][prefix];
            assert!(
                throttles.contains("Lambda answered the provider 429")
                    && throttles.contains(row["ThrottledCost"].as_str().unwrap())
                    && throttles.contains("Raise ReservedConcurrency"),
                "{name}: {throttles}"
            );
            absent("Unauthorized401");
            absent("Throttled429");
        }
    }
    let unparsed = &alarm("Unparsed")["Properties"];
    assert_eq!(unparsed["Namespace"], brokerhooks::edge::metrics::NAMESPACE);
    assert_eq!(unparsed["MetricName"], "unparsed");
    assert_eq!(unparsed["Dimensions"], emf_dimensions, "{name}");
    assert_eq!(unparsed["Statistic"], "Sum");
    assert_eq!(unparsed["Threshold"], reference("UnparsedThreshold"));
    assert!(
        unparsed["AlarmDescription"]
            .as_str()
            .unwrap()
            .contains("provider format drift: update the models"),
        "{name}"
    );
    // The share of 5xx answers: what the provider saw, from the access log or from
    // Lambda's function URL metrics.
    let rate = &alarm("Http5xxRate")["Properties"];
    let metrics = rate["Metrics"].as_array().unwrap();
    let by_name: BTreeMap<&str, (&Value, &Value)> = metrics
        .iter()
        .filter(|m| m.get("MetricStat").is_some())
        .map(|m| {
            let metric = &m["MetricStat"]["Metric"];
            (
                metric["MetricName"].as_str().unwrap(),
                (&metric["Namespace"], &metric["Dimensions"]),
            )
        })
        .collect();
    let (errors, requests, namespace, dimensions) = match ingress {
        Ingress::HttpApi => ("http_5xx", "http_requests", "brokerhooks", &route),
        Ingress::FunctionUrl => ("Url5xxCount", "UrlRequestCount", "AWS/Lambda", &function),
    };
    assert_eq!(
        by_name,
        BTreeMap::from([
            (errors, (&json!(namespace), dimensions)),
            (requests, (&json!(namespace), dimensions)),
        ]),
        "{name}"
    );
}

/// The text of an output's value, given the `FunctionUrl` attribute of `url_resource`:
/// the `Fn::Sub`, `Fn::Select`, `Fn::Split` and `Fn::GetAtt` CloudFormation evaluates.
fn output_text(value: &Value, url_resource: &str, function_url: &str) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Object(function) => {
            let (name, arguments) = function.iter().next().unwrap();
            match name.as_str() {
                "Fn::GetAtt" => {
                    assert_eq!(arguments, &json!([url_resource, "FunctionUrl"]));
                    function_url.to_owned()
                }
                "Fn::Select" => {
                    let index = arguments[0].as_u64().unwrap() as usize;
                    let text = output_text(&arguments[1], url_resource, function_url);
                    text.split('\u{1f}').nth(index).unwrap().to_owned()
                }
                // Its parts joined by a character no URL holds, for Fn::Select.
                "Fn::Split" => {
                    let delimiter = arguments[0].as_str().unwrap();
                    output_text(&arguments[1], url_resource, function_url)
                        .split(delimiter)
                        .collect::<Vec<_>>()
                        .join("\u{1f}")
                }
                "Fn::Sub" => {
                    let mut text = arguments[0].as_str().unwrap().to_owned();
                    for (variable, value) in arguments[1].as_object().unwrap() {
                        let value = output_text(value, url_resource, function_url);
                        text = text.replace(&format!("${{{variable}}}"), &value);
                    }
                    assert!(!text.contains("${"), "{text}");
                    text
                }
                other => panic!("{other} in an output"),
            }
        }
        other => panic!("{other} in an output"),
    }
}

/// The secret variables of a provider: the keys of the JSON object its secret holds
/// (the secret's description shows it; the Mappings row has it once).
fn secret_variables(template: &Value, name: &str) -> BTreeSet<String> {
    let keys = template["Mappings"]["Providers"][logical_prefix(name)]["SecretKeys"]
        .as_str()
        .unwrap();
    let description = resource(template, &format!("{}Secret", logical_prefix(name)))["Properties"]
        ["Description"]
        .as_str()
        .unwrap();
    assert!(description.ends_with(keys), "{name}: {description}");
    // A value is "..." or, for a document variable (GENERIC_SOURCES), an object.
    let object: BTreeMap<String, Value> = serde_json::from_str(keys).unwrap();
    object.into_keys().collect()
}

#[test]
fn every_variable_a_function_reads_is_set_by_the_template() {
    for (_, template) in expanded_modes() {
        let globals: BTreeMap<String, Value> = serde_json::from_value(
            template["Globals"]["Function"]["Environment"]["Variables"].clone(),
        )
        .unwrap();
        // Each shared provider setting is read by exactly one provider.
        for (variable, _) in PROVIDER_SETTINGS {
            let readers: Vec<&str> = Receiver::ALL
                .into_iter()
                .filter(|provider| provider.variables().contains(&variable))
                .map(Receiver::name)
                .collect();
            assert_eq!(readers.len(), 1, "{variable}: {readers:?}");
        }
        for name in Receiver::names() {
            let prefix = logical_prefix(name);
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
            let in_secret = secret_variables(&template, name);

            let provider = Receiver::from_name(name).unwrap().variables();
            let declared: BTreeSet<&str> =
                PIPELINE_VARIABLES.iter().chain(provider).copied().collect();
            for variable in &declared {
                let set = environment.contains_key(*variable);
                let secret = in_secret.contains(*variable);
                assert!(
                    set != secret,
                    "{name}: {variable} must be set by exactly one of the environment \
                 (set: {set}) or the secret (listed: {secret})"
                );
            }
            for variable in environment.keys().chain(&in_secret) {
                let shared_setting = PROVIDER_SETTINGS.iter().find(|(v, _)| v == variable);
                assert!(
                    declared.contains(variable.as_str()) || shared_setting.is_some(),
                    "{name}: the template provides {variable}, which the code does not declare"
                );
                if let Some((_, parameter)) = shared_setting {
                    assert_eq!(environment[variable], reference(parameter), "{name}");
                    assert!(!in_secret.contains(variable), "{name}: {variable}");
                }
            }
            // Values come from parameters and resources, never literals (no secret can hide here).
            for (variable, value) in &environment {
                let intrinsic = value.as_object().is_some_and(|object| {
                    object.len() == 1
                        && (object.contains_key("Ref") || object.contains_key("Fn::Sub"))
                });
                assert!(intrinsic, "{name}: {variable} is a literal in the template");
            }
        }
    }
}

/// A parameter's numeric attribute (`Default`, `MinValue`, `MaxValue`).
fn number(template: &Value, parameter: &str, attribute: &str) -> u64 {
    template["Parameters"][parameter][attribute]
        .as_u64()
        .unwrap_or_else(|| panic!("parameter {parameter} has no numeric {attribute}"))
}

#[test]
fn every_function_times_out_after_its_aws_budget_and_before_its_claim_lease_ends() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    let lease = "ClaimLeaseSeconds";
    assert_eq!(number(&template, lease, "Default"), 30);
    assert!(
        template["Globals"]["Function"].get("Timeout").is_none()
            && template["Globals"]["Function"]["Environment"]["Variables"]
                .get(AWS_RETRY_SECONDS_VARIABLE)
                .is_none(),
        "each function has its own timeout and budget"
    );
    for name in Receiver::names() {
        let prefix = logical_prefix(name);
        let function = &resource(&template, &format!("{prefix}Function"))["Properties"];
        let timeout = format!("{prefix}FunctionTimeoutSeconds");
        let retry = format!("{prefix}AwsRetrySeconds");
        assert_eq!(function["Timeout"], reference(&timeout), "{name}");
        assert_eq!(
            function["Environment"]["Variables"][AWS_RETRY_SECONDS_VARIABLE],
            reference(&retry),
            "{name}"
        );
        // With the defaults, claim and send can each use their whole budget and the
        // completion still has its reserve (the rule of brokerhooks::pipeline::deadline).
        let budget = RetryBudget::from_secs(number(&template, &retry, "Default"));
        assert!(
            minimum_function_timeout(budget)
                <= Duration::from_secs(number(&template, &timeout, "Default")),
            "{name}: {timeout} below 2 x {retry} + 2"
        );
        // Whatever values a deployment picks, the timeout stays below the lease and the
        // budget within what the code accepts.
        assert!(
            number(&template, &timeout, "MaxValue") < number(&template, lease, "MinValue"),
            "{name}: {timeout} may reach {lease}"
        );
        assert!(
            number(&template, &timeout, "MaxValue") <= 29,
            "API Gateway waits 30 s"
        );
        assert_eq!(number(&template, &retry, "MaxValue"), MAX_AWS_RETRY_SECONDS);
        assert_eq!(number(&template, &retry, "MinValue"), 1);
        if name == "kite" {
            // Kite never retries: one invocation rides out a 10 s outage (and the last
            // back-off of up to 1 s).
            assert!(budget.per_call() >= Duration::from_secs(11), "{budget:?}");
        }
    }
}

#[test]
fn every_function_has_its_providers_own_age_window() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    assert!(
        template["Globals"]["Function"]["Environment"]["Variables"]
            .get("MAX_EVENT_AGE_SECONDS")
            .is_none(),
        "one window per function, not a global one"
    );
    let dedupe_ttl = number(&template, "DedupeTtlSeconds", "Default");
    for provider in Receiver::ALL {
        let name = provider.name();
        let prefix = logical_prefix(name);
        let parameter = format!("{prefix}MaxEventAgeSeconds");
        let function = resource(&template, &format!("{prefix}Function"));
        assert_eq!(
            function["Properties"]["Environment"]["Variables"]["MAX_EVENT_AGE_SECONDS"],
            reference(&parameter),
            "{name}"
        );
        let default = provider.default_max_event_age();
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
fn every_function_has_its_providers_own_aws_retry_budget() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    for provider in Receiver::ALL {
        let name = provider.name();
        let prefix = logical_prefix(name);
        let parameter = format!("{prefix}AwsRetrySeconds");
        let function = resource(&template, &format!("{prefix}Function"));
        assert_eq!(
            function["Properties"]["Environment"]["Variables"]["AWS_RETRY_SECONDS"],
            reference(&parameter),
            "{name}"
        );
        assert_eq!(
            number(&template, &parameter, "Default"),
            provider.default_aws_retry_seconds(),
            "{name}: the template's default is the code's, so a stack built with other tools gets it too"
        );
    }
}

/// With the HTTP API, each route has its own throttle (over it API Gateway answers 429
/// before the function runs), set from its provider's parameters on the API's stage.
#[test]
fn every_route_has_its_own_throttle_and_kite_the_largest() {
    let (Some(template), Some(deployed)) =
        (expanded(Ingress::HttpApi), translated(Ingress::HttpApi))
    else {
        return;
    };
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
    for name in Receiver::names() {
        let (rate, burst) = limits(name);
        assert!(
            rate >= 1 && burst >= rate,
            "{name}: {rate}/s, burst {burst}"
        );
        if name != "kite" {
            assert!(kite.0 > rate && kite.1 > burst, "{name} vs kite");
        }
    }
    // On the deployed stage: each route's own limits, and no other route.
    let stage = &resource(&deployed, "WebhookApiApiGatewayDefaultStage")["Properties"];
    let expected: serde_json::Map<String, Value> = Receiver::names()
        .map(|name| {
            let prefix = logical_prefix(name);
            (
                route(name),
                json!({
                    "ThrottlingBurstLimit": reference(&format!("{prefix}RouteBurstLimit")),
                    "ThrottlingRateLimit": reference(&format!("{prefix}RouteRateLimit")),
                }),
            )
        })
        .collect();
    assert_eq!(stage["RouteSettings"], Value::Object(expected));
    assert!(stage.get("DefaultRouteSettings").is_none());
}

/// With `KmsKeyArn` set, everything that stores data uses it; empty keeps the AWS
/// managed (table, secrets, logs) and SQS managed (queues) keys.
#[test]
fn a_customer_managed_key_encrypts_every_store_when_set() {
    for (ingress, template) in expanded_modes() {
        let parameter = &template["Parameters"]["KmsKeyArn"];
        assert_eq!(parameter["Default"], "");
        assert_eq!(
            template["Conditions"]["HasKmsKey"],
            json!({ "Fn::Not": [{ "Fn::Equals": [reference("KmsKeyArn"), ""] }] })
        );
        let key = reference("KmsKeyArn");
        for table in ["EventsTable", "ExampleConsumerTable", "KiteSessionsTable"] {
            assert_eq!(
                resource(&template, table)["Properties"]["SSESpecification"],
                json!({
                    "SSEEnabled": true,
                    "SSEType": with_kms_key(json!("KMS")),
                    "KMSMasterKeyId": with_kms_key(key.clone()),
                }),
                "{table}"
            );
        }
        for queue in ["EventsQueue", "EventsDeadLetterQueue"] {
            let properties = &resource(&template, queue)["Properties"];
            assert_eq!(properties["KmsMasterKeyId"], with_kms_key(key.clone()));
            assert_eq!(
                properties["SqsManagedSseEnabled"],
                json!({ "Fn::If": ["HasKmsKey", reference("AWS::NoValue"), true] }),
                "{queue}"
            );
        }
        let resources = template["Resources"].as_object().unwrap();
        let mut counted = BTreeMap::new();
        for (id, resource) in resources {
            let property = match resource["Type"].as_str().unwrap() {
                "AWS::Logs::LogGroup" | "AWS::SecretsManager::Secret" => "KmsKeyId",
                "AWS::Serverless::Function" => "KmsKeyArn",
                _ => continue,
            };
            assert_eq!(
                resource["Properties"][property],
                with_kms_key(key.clone()),
                "{id}"
            );
            *counted
                .entry(resource["Type"].as_str().unwrap())
                .or_insert(0) += 1;
        }
        let providers = Receiver::ALL.len();
        // Each function's, the example consumer's, the Kite reconciler's, and the access
        // log (HTTP API only).
        let access_log = usize::from(ingress == Ingress::HttpApi);
        assert_eq!(
            counted["AWS::Logs::LogGroup"],
            providers + 2 + access_log,
            "{counted:?}"
        );
        assert_eq!(counted["AWS::SecretsManager::Secret"], providers);
        assert_eq!(counted["AWS::Serverless::Function"], providers + 2);
    }
}

/// Metric-math SEARCH over the EMF namespace and the access-log metrics, so providers,
/// routes and configured sources appear without a template change; the queue widgets
/// name this stack's queues.
#[test]
fn the_dashboard_shows_every_outcome_latency_answers_and_the_queues() {
    for (ingress, template) in expanded_modes() {
        let body = resource(&template, "Dashboard")["Properties"]["DashboardBody"]["Fn::Sub"]
            .as_str()
            .expect("the dashboard body is one Fn::Sub string");
        // Valid JSON once CloudFormation substitutes ${...}.
        let filled = body
            .replace("${AWS::Region}", "ap-south-1")
            .replace("${AWS::StackName}", "stack")
            .replace("${EventsQueue.QueueName}", "stack-events.fifo")
            .replace(
                "${EventsDeadLetterQueue.QueueName}",
                "stack-events-dlq.fifo",
            );
        assert!(!filled.contains("${"), "an unknown substitution is left");
        let dashboard: Value = serde_json::from_str(&filled).unwrap();
        let metrics: Vec<&Value> = dashboard["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|widget| widget["type"] == "metric")
            .flat_map(|widget| widget["properties"]["metrics"].as_array().unwrap())
            .collect();
        let expressions: BTreeSet<&str> = metrics
            .iter()
            .filter_map(|line| line[0]["expression"].as_str())
            .collect();
        let search = |dimension: &str, metric: &str, stat: &str| {
            format!(
                "SEARCH('{{{namespace},{dimension}}} MetricName=\"{metric}\"', '{stat}', 300)",
                namespace = brokerhooks::edge::metrics::NAMESPACE
            )
        };
        let mut expected: BTreeSet<String> =
            ["accepted", "duplicate", "rejected", "failed", "unparsed"]
                .into_iter()
                .map(|metric| search("provider", metric, "Sum"))
                .collect();
        expected.insert(search("provider", "latency", "p50"));
        expected.insert(search("provider", "latency", "p99"));
        // What the providers saw: the access log's counts per route, or Lambda's function URL
        // counts of this stack's functions (CloudFormation names them after the stack).
        match ingress {
            Ingress::HttpApi => {
                expected.insert(search("route", "http_4xx", "Sum"));
                expected.insert(search("route", "http_5xx", "Sum"));
            }
            Ingress::FunctionUrl => {
                for metric in ["Url4xxCount", "Url5xxCount"] {
                    expected.insert(format!(
                    "SEARCH('{{AWS/Lambda,FunctionName}} MetricName=\"{metric}\" FunctionName=stack', 'Sum', 300)"
                ));
                }
            }
        }
        assert_eq!(
            expressions,
            expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
        );
        let queues: BTreeSet<String> = metrics
            .iter()
            .filter(|line| line[0] == "AWS/SQS")
            .map(|line| {
                format!(
                    "{} {}",
                    line[1].as_str().unwrap(),
                    line[3].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            queues,
            BTreeSet::from([
                "ApproximateNumberOfMessagesVisible stack-events.fifo".to_owned(),
                "ApproximateAgeOfOldestMessage stack-events.fifo".to_owned(),
                "ApproximateNumberOfMessagesVisible stack-events-dlq.fifo".to_owned(),
            ])
        );
        if ingress == Ingress::HttpApi {
            // The 4xx line comes from the access log, as the 5xx one.
            let filter = &resource(&template, "Http4xxMetricFilter")["Properties"];
            assert_eq!(filter["MetricTransformations"][0]["MetricName"], "http_4xx");
        }
    }
}

/// checkov's report on both modes' scan copies (translated by SAM, `KmsKeyArn` set,
/// example consumer on), from one run: it covered every function, function URL, table,
/// queue, secret and log group of each, nothing failed, and each skip is one that README,
/// "Security scan" explains, on the resources it names there.
#[test]
fn the_security_scan_covered_every_store_and_function_and_failed_nothing() {
    let Some(report) = generated("checkov.json") else {
        return;
    };
    let summary = &report["summary"];
    assert_eq!(summary["checkov_version"], "3.3.30");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    let results = &report["results"];
    let checks = |kind: &str| {
        results[kind]
            .as_array()
            .unwrap_or_else(|| panic!("checkov's report has no {kind} (run without --quiet)"))
    };
    for ingress in Ingress::ALL {
        let Some(scanned) = generated(&format!("scan-template-{}.json", ingress.value())) else {
            return;
        };
        let file = format!("scan-template-{}.json", ingress.value());
        let of_this_copy = |check: &&Value| check["file_path"].as_str().unwrap().ends_with(&file);
        let checked: BTreeSet<&str> = ["passed_checks", "failed_checks", "skipped_checks"]
            .into_iter()
            .flat_map(&checks)
            .filter(of_this_copy)
            .map(|check| check["resource"].as_str().unwrap())
            .collect();
        let mut must_check = BTreeMap::new();
        for (id, resource) in scanned["Resources"].as_object().unwrap() {
            let kind = resource["Type"].as_str().unwrap();
            if [
                "AWS::Lambda::Function",
                "AWS::Lambda::Url",
                "AWS::DynamoDB::Table",
                "AWS::SQS::Queue",
                "AWS::SecretsManager::Secret",
                "AWS::Logs::LogGroup",
            ]
            .contains(&kind)
            {
                *must_check.entry(kind).or_insert(0) += 1;
                assert!(
                    checked.contains(format!("{kind}.{id}").as_str()),
                    "{kind}.{id} was not scanned ({ingress:?})"
                );
            }
        }
        // Each receiver's function, secret and log group (and function URL); the example
        // consumer's and the Kite reconciler's function, table and log group; the events
        // table, both queues, and with the HTTP API its access log group.
        let providers = Receiver::ALL.len();
        let http_api = usize::from(ingress == Ingress::HttpApi);
        let mut expected = BTreeMap::from([
            ("AWS::Lambda::Function", providers + 2),
            ("AWS::DynamoDB::Table", 3),
            ("AWS::SQS::Queue", 2),
            ("AWS::SecretsManager::Secret", providers),
            ("AWS::Logs::LogGroup", providers + 2 + http_api),
        ]);
        if ingress == Ingress::FunctionUrl {
            expected.insert("AWS::Lambda::Url", providers);
        }
        assert_eq!(must_check, expected, "{ingress:?}");
        let skipped: BTreeSet<(&str, &str)> = checks("skipped_checks")
            .iter()
            .filter(of_this_copy)
            .map(|check| {
                let resource = check["resource"].as_str().unwrap();
                (
                    check["check_id"].as_str().unwrap(),
                    resource.split_once('.').unwrap().0,
                )
            })
            .collect();
        // Lambda's DLQ and VPC checks on every function; with function URLs, the check
        // for an authenticated URL on each (README, Security scan).
        let mut allowed = BTreeSet::from([
            ("CKV_AWS_116", "AWS::Lambda::Function"),
            ("CKV_AWS_117", "AWS::Lambda::Function"),
        ]);
        if ingress == Ingress::FunctionUrl {
            allowed.insert(("CKV_AWS_258", "AWS::Lambda::Url"));
        }
        assert_eq!(
            skipped, allowed,
            "{ingress:?}: a skip not in README, Security scan, or one that no longer applies"
        );
    }
}

#[test]
fn access_logs_are_json_without_query_strings_headers_or_bodies() {
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
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
        (
            "Http4xxMetricFilter",
            "{ $.status >= 400 && $.status <= 499 }",
        ),
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

/// The ingress choice: one parameter, its two conditions, and in the provider loop the
/// function's `Events` (its HTTP API route) and `FunctionUrlConfig` behind them. SAM
/// cannot take either conditionally; AWS::LanguageExtensions, which runs first, resolves
/// the `Fn::If` with the deployed value (what scripts/expand-template.py does per mode).
#[test]
fn one_parameter_chooses_the_http_api_or_function_urls() {
    let template = source_template();
    let parameter = &template["Parameters"]["Ingress"];
    assert_eq!(parameter["Type"], "String");
    assert_eq!(
        parameter["AllowedValues"],
        json!(["HttpApi", "FunctionUrl"])
    );
    // The default and why: README, "Ingress: HTTP API or function URLs".
    assert_eq!(parameter["Default"], "HttpApi");
    assert_eq!(
        template["Transform"],
        json!(["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"])
    );
    for ingress in Ingress::ALL {
        let condition = match ingress {
            Ingress::HttpApi => "ServesHttpApi",
            Ingress::FunctionUrl => "ServesFunctionUrls",
        };
        assert_eq!(
            template["Conditions"][condition],
            json!({ "Fn::Equals": [reference("Ingress"), ingress.value()] })
        );
    }
    let function =
        &template["Resources"]["Fn::ForEach::Providers"][2]["${Provider}Function"]["Properties"];
    let events = &function["Events"]["Fn::If"];
    assert_eq!(events[0], "ServesHttpApi");
    assert_eq!(events[1]["Webhook"]["Type"], "HttpApi");
    assert_eq!(events[2], reference("AWS::NoValue"));
    assert_eq!(
        function["FunctionUrlConfig"],
        json!({ "Fn::If": ["ServesFunctionUrls", { "AuthType": "NONE" }, reference("AWS::NoValue")] })
    );
}

/// What the SAM transform makes of each mode, as CloudFormation then deploys it: with the
/// HTTP API, the API (one route per provider, to its function) and one permission per
/// function for API Gateway; with function URLs, each function's URL (auth type NONE)
/// and exactly the two public permissions a URL needs, invoking only through the URL.
#[test]
fn sam_makes_each_mode_s_routes_or_function_urls_and_their_permissions() {
    for ingress in Ingress::ALL {
        let Some(deployed) = translated(ingress) else {
            return;
        };
        let resources = deployed["Resources"].as_object().unwrap();
        let of_type = |kind: &str| -> BTreeSet<&str> {
            resources
                .iter()
                .filter(|(_, r)| r["Type"] == kind)
                .map(|(id, _)| id.as_str())
                .collect()
        };
        let api_gateway: Vec<&String> = resources
            .iter()
            .filter(|(_, r)| {
                r["Type"]
                    .as_str()
                    .unwrap()
                    .starts_with("AWS::ApiGatewayV2::")
            })
            .map(|(id, _)| id)
            .collect();
        for name in Receiver::names() {
            let prefix = logical_prefix(name);
            let function = format!("{prefix}Function");
            let permissions: Vec<&Value> = resources
                .values()
                .filter(|r| {
                    r["Type"] == "AWS::Lambda::Permission"
                        && r["Properties"]["FunctionName"] == reference(&function)
                })
                .map(|r| &r["Properties"])
                .collect();
            match ingress {
                Ingress::HttpApi => {
                    let api = resource(&deployed, "WebhookApi");
                    assert_eq!(api["Condition"], "ServesHttpApi");
                    let integration = &api["Properties"]["Body"]["paths"][path(name)]["post"]["x-amazon-apigateway-integration"];
                    assert_eq!(integration["type"], "aws_proxy", "{name}");
                    assert_eq!(integration["payloadFormatVersion"], "2.0", "{name}");
                    assert!(
                        integration["uri"]["Fn::Sub"]
                            .as_str()
                            .unwrap()
                            .contains(&format!("${{{function}.Arn}}")),
                        "{name}: {integration}"
                    );
                    assert_eq!(permissions.len(), 1, "{name}: {permissions:?}");
                    assert_eq!(permissions[0]["Action"], "lambda:InvokeFunction");
                    assert_eq!(permissions[0]["Principal"], "apigateway.amazonaws.com");
                    assert_eq!(
                        permissions[0]["SourceArn"]["Fn::Sub"][1]["__ApiId__"],
                        reference("WebhookApi"),
                        "{name}"
                    );
                }
                Ingress::FunctionUrl => {
                    let url = resource(&deployed, &format!("{function}Url"));
                    assert_eq!(url["Type"], "AWS::Lambda::Url");
                    assert_eq!(
                        url["Properties"],
                        json!({ "AuthType": "NONE", "TargetFunctionArn": reference(&function) }),
                        "{name}: no CORS, buffered"
                    );
                    let mut permissions: Vec<Value> = permissions.into_iter().cloned().collect();
                    permissions.sort_by_key(|p| p["Action"].to_string());
                    assert_eq!(
                        permissions,
                        [
                            json!({
                                "Action": "lambda:InvokeFunction",
                                "FunctionName": reference(&function),
                                "Principal": "*",
                                "InvokedViaFunctionUrl": true,
                            }),
                            json!({
                                "Action": "lambda:InvokeFunctionUrl",
                                "FunctionName": reference(&function),
                                "Principal": "*",
                                "FunctionUrlAuthType": "NONE",
                            }),
                        ],
                        "{name}: public through its URL only"
                    );
                    // The output names the URL SAM makes.
                    let output = deployed["Outputs"][format!("{prefix}WebhookUrl")].to_string();
                    assert!(output.contains(&format!("\"{function}Url\"")), "{output}");
                }
            }
        }
        match ingress {
            Ingress::HttpApi => {
                assert_eq!(
                    api_gateway.len(),
                    2,
                    "the API and its $default stage: {api_gateway:?}"
                );
                let stage = resource(&deployed, "WebhookApiApiGatewayDefaultStage");
                assert_eq!(stage["Condition"], "ServesHttpApi");
                assert_eq!(stage["Properties"]["StageName"], "$default");
                assert_eq!(stage["Properties"]["AutoDeploy"], true);
                assert_eq!(
                    stage["Properties"]["AccessLogSettings"]["DestinationArn"],
                    json!({ "Fn::GetAtt": ["ApiAccessLogGroup", "Arn"] })
                );
                let routes = resource(&deployed, "WebhookApi")["Properties"]["Body"]["paths"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<BTreeSet<_>>();
                assert_eq!(routes, Receiver::names().map(path).collect());
                assert!(of_type("AWS::Lambda::Url").is_empty());
            }
            Ingress::FunctionUrl => {
                assert!(api_gateway.is_empty(), "{api_gateway:?}");
                assert_eq!(of_type("AWS::Lambda::Url").len(), Receiver::ALL.len());
            }
        }
    }
}

/// With function URLs nothing of the HTTP API is deployed: no API, access log, metric
/// filters or base URL output, and nothing refers to them.
#[test]
fn function_urls_replace_the_http_api_entirely() {
    let Some(template) = expanded(Ingress::FunctionUrl) else {
        return;
    };
    let resources = template["Resources"].as_object().unwrap();
    for (id, resource) in resources {
        let kind = resource["Type"].as_str().unwrap();
        assert!(
            kind != "AWS::Serverless::HttpApi" && kind != "AWS::Logs::MetricFilter",
            "{id}: {kind}"
        );
    }
    assert!(resources.get("ApiAccessLogGroup").is_none());
    assert!(template["Outputs"].get("WebhookBaseUrl").is_none());
    // (The condition itself stays defined; nothing uses it.)
    let text = format!("{} {}", template["Resources"], template["Outputs"]);
    for gone in ["WebhookApi", "ApiAccessLogGroup", "ServesHttpApi"] {
        assert!(!text.contains(gone), "{gone} is still referred to");
    }
    // The HTTP API's base URL output only exists with it (register-onemetric.py's
    // default; with function URLs it reads OnemetricWebhookUrl).
    let Some(http_api) = expanded(Ingress::HttpApi) else {
        return;
    };
    assert_eq!(
        http_api["Outputs"]["WebhookBaseUrl"]["Condition"],
        "ServesHttpApi"
    );
}

#[test]
fn the_local_queue_has_the_templates_dead_letter_queue_and_redrive() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
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
    for (_, template) in expanded_modes() {
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
}

#[test]
fn the_example_consumer_reads_the_events_queue_with_partial_batch_failures() {
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    let function = resource(&template, "ExampleConsumerFunction");
    assert_eq!(function["Type"], "AWS::Serverless::Function");
    assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
    assert_eq!(
        function["Metadata"]["BuildProperties"],
        json!({ "Binary": EXAMPLE_CONSUMER })
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
    // The same in both ingress modes: the default's.
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
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
            with_kms_key(json!({
                "Sid": "CustomerManagedKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": reference("KmsKeyArn"),
                "Condition": { "StringEquals": { "kms:ViaService": [
                    { "Fn::Sub": "sqs.${AWS::Region}.amazonaws.com" },
                    { "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com" },
                ] } },
            })),
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
    assert_eq!(table["SSESpecification"]["SSEEnabled"], true);

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
/// features over the default members. The consumer crates and the reconcilers stay out of
/// them (each built from its own directory), and the testkit (a default member) only has
/// them, and the receiver's `kite-api` feature, as dev-dependencies, so nothing only a
/// consumer needs (aws_lambda_events' `sqs`, serde_with) or only a reconciler needs (the
/// Kite API client, reqwest) reaches a receiver binary.
#[test]
fn the_consumer_crates_stay_out_of_the_receivers_feature_resolution() {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let default_members = manifest
        .lines()
        .find(|line| line.starts_with("default-members"))
        .expect("Cargo.toml sets default-members");
    assert_eq!(
        default_members,
        r#"default-members = ["models", "claims", "logging", "shared", "functions/*", "tests"]"#
    );
    let testkit = std::fs::read_to_string(repo_root().join("tests/Cargo.toml")).unwrap();
    let (normal, dev) = testkit
        .split_once("[dev-dependencies]")
        .expect("tests/Cargo.toml has dev-dependencies");
    assert!(!normal.contains("brokerhooks-consumer"));
    assert!(dev.contains("brokerhooks-consumer.workspace = true"));
    assert!(!normal.contains("kite-api"));
    assert!(dev.contains(r#"brokerhooks = { workspace = true, features = ["kite-api"] }"#));
    let template = source_template();
    assert_eq!(template["Globals"]["Function"]["CodeUri"], "../");
    assert_eq!(
        template["Resources"]["KiteReconcilerFunction"]["Properties"]["CodeUri"],
        "../reconcilers/kite"
    );
}

const KITE_RECONCILER_RESOURCES: [&str; 8] = [
    "KiteSessionsTable",
    "KiteReconcilerLogGroup",
    "KiteReconcilerRole",
    "KiteReconcilerFunction",
    "KiteReconciledAlarm",
    "KiteSessionUnreachableAlarm",
    "KiteSessionRejectedAlarm",
    "KiteReconcilerFailedAlarm",
];

#[test]
fn the_kite_reconciler_is_on_by_default_and_wholly_behind_its_parameter() {
    for (_, template) in expanded_modes() {
        let parameter = &template["Parameters"]["KiteReconciliation"];
        assert_eq!(parameter["Default"], "enabled");
        assert_eq!(parameter["AllowedValues"], json!(["enabled", "disabled"]));
        assert_eq!(
            template["Conditions"]["KiteReconcilerEnabled"],
            json!({ "Fn::Equals": [reference("KiteReconciliation"), "enabled"] })
        );
        let ours: Vec<&String> = template["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Condition"] == "KiteReconcilerEnabled")
            .map(|(id, _)| id)
            .collect();
        let mut expected: Vec<&str> = KITE_RECONCILER_RESOURCES.to_vec();
        expected.sort();
        let mut found: Vec<&str> = ours.iter().map(|id| id.as_str()).collect();
        found.sort();
        assert_eq!(found, expected);
        assert_eq!(
            template["Outputs"]["KiteSessionsTableName"]["Condition"],
            "KiteReconcilerEnabled"
        );
        // Nothing else refers to it (the dashboard names only metrics), so the stack is
        // whole without it.
        for (id, value) in template["Resources"].as_object().unwrap() {
            if KITE_RECONCILER_RESOURCES.contains(&id.as_str()) {
                continue;
            }
            // A reference names it as a whole JSON string (Ref, GetAtt) or in a Sub.
            let text = value.to_string();
            for name in KITE_RECONCILER_RESOURCES {
                let quoted = format!("\"{name}\"");
                let substituted = format!("${{{name}");
                assert!(
                    !text.contains(&quoted) && !text.contains(&substituted),
                    "{id} refers to {name}"
                );
            }
        }
    }
}

#[test]
fn the_kite_reconciler_runs_on_its_schedule_without_retries_and_reads_what_it_is_given() {
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    let function = resource(&template, "KiteReconcilerFunction");
    assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda");
    assert_eq!(
        function["Metadata"]["BuildProperties"],
        json!({ "Binary": "kite-reconciler" })
    );
    let properties = &function["Properties"];
    assert_eq!(
        properties["Events"],
        json!({
            "Schedule": { "Type": "ScheduleV2", "Properties": {
                "ScheduleExpression": { "Fn::Sub": "cron(0/${KiteReconcileIntervalMinutes} 9-23 ? * MON-FRI *)" },
                "ScheduleExpressionTimezone": "Asia/Kolkata",
                "RetryPolicy": { "MaximumRetryAttempts": 0 },
            } },
            "FinalSweep": { "Type": "ScheduleV2", "Properties": {
                "ScheduleExpression": "cron(58 23 ? * MON-FRI *)",
                "ScheduleExpressionTimezone": "Asia/Kolkata",
                "RetryPolicy": { "MaximumRetryAttempts": 0 },
            } },
        })
    );
    assert_eq!(
        properties["EventInvokeConfig"],
        json!({ "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 300 })
    );
    assert_eq!(
        properties["Timeout"],
        reference("KiteReconcileTimeoutSeconds")
    );
    // The default timeout ends a run before the next one starts.
    let interval = number(&template, "KiteReconcileIntervalMinutes", "Default");
    assert_eq!(interval, 5);
    assert!(number(&template, "KiteReconcileTimeoutSeconds", "Default") < interval * 60);
    // Every allowed interval divides an hour, so the runs keep to the clock.
    for allowed in template["Parameters"]["KiteReconcileIntervalMinutes"]["AllowedValues"]
        .as_array()
        .unwrap()
    {
        assert_eq!(60 % allowed.as_u64().unwrap(), 0, "{allowed}");
    }
    // The grace period and rate limit the code validates.
    assert_eq!(
        number(&template, "KiteReconcileGraceSeconds", "Default"),
        brokerhooks::reconciliation::settings::DEFAULT_GRACE_SECONDS
    );
    assert_eq!(
        number(&template, "KiteApiRequestsPerSecond", "MaxValue"),
        10
    );
    assert_eq!(
        number(&template, "KiteApiRequestsPerSecond", "Default"),
        u64::from(brokerhooks::http::kite_api::DEFAULT_REQUESTS_PER_SECOND)
    );

    // Every variable it is given (Globals included) it reads; the one it requires is set.
    let mut environment: BTreeMap<String, Value> =
        serde_json::from_value(template["Globals"]["Function"]["Environment"]["Variables"].clone())
            .unwrap();
    let own: BTreeMap<String, Value> =
        serde_json::from_value(properties["Environment"]["Variables"].clone()).unwrap();
    environment.extend(own.clone());
    let reads: BTreeSet<&str> = brokerhooks::edge::reconciler::RECONCILER_VARIABLES
        .iter()
        .chain(<brokerhooks::http::kite_api::KiteApi as brokerhooks::reconciliation::record::RecordFromConfig>::VARIABLES)
        .chain(PIPELINE_VARIABLES)
        .copied()
        .collect();
    for variable in own.keys() {
        assert!(
            reads.contains(variable.as_str()),
            "the template gives the reconciler {variable}, which it does not read"
        );
    }
    for required in [
        "EVENTS_TABLE",
        "EVENTS_QUEUE_URL",
        "RECONCILE_SESSIONS_TABLE",
    ] {
        assert!(environment.contains_key(required), "{required}");
    }
    assert_eq!(
        own["RECONCILE_SESSIONS_TABLE"],
        reference("KiteSessionsTable")
    );
    assert_eq!(own["AWS_RETRY_SECONDS"], reference("KiteAwsRetrySeconds"));
    // Kite's real API, never the local stand-in's.
    assert!(!environment.contains_key("KITE_API_URL"));

    // The sessions table: the key and TTL attribute the reconciler and the local stack use.
    let table = &resource(&template, "KiteSessionsTable")["Properties"];
    assert_eq!(
        table["KeySchema"],
        json!([{ "AttributeName": brokerhooks_testkit::local_stack::SESSIONS_PARTITION_KEY, "KeyType": "HASH" }])
    );
    assert_eq!(
        table["TimeToLiveSpecification"],
        json!({ "AttributeName": TABLE_TTL_ATTRIBUTE, "Enabled": true })
    );
    assert_eq!(
        table["DeletionProtectionEnabled"],
        reference("TableDeletionProtection")
    );
}

#[test]
fn the_kite_reconciler_has_its_own_least_privilege_role() {
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    let properties = &resource(&template, "KiteReconcilerFunction")["Properties"];
    assert_eq!(
        properties["Role"],
        json!({ "Fn::GetAtt": ["KiteReconcilerRole", "Arn"] })
    );
    assert!(properties.get("Policies").is_none());
    let role = &resource(&template, "KiteReconcilerRole")["Properties"];
    assert!(role.get("ManagedPolicyArns").is_none());
    let policies = role["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(
        policies[0]["PolicyDocument"]["Statement"],
        json!([
            {
                "Sid": "KiteItems",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                "Resource": { "Fn::GetAtt": ["EventsTable", "Arn"] },
                "Condition": { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["kite#*"] } },
            },
            {
                "Sid": "Sessions",
                "Effect": "Allow",
                "Action": ["dynamodb:Scan", "dynamodb:GetItem"],
                "Resource": { "Fn::GetAtt": ["KiteSessionsTable", "Arn"] },
            },
            {
                "Sid": "Enqueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": { "Fn::GetAtt": ["EventsQueue", "Arn"] },
            },
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": { "Fn::GetAtt": ["KiteReconcilerLogGroup", "Arn"] },
            },
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
            with_kms_key(json!({
                "Sid": "CustomerManagedKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": reference("KmsKeyArn"),
                "Condition": { "StringEquals": { "kms:ViaService": [
                    { "Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com" },
                    { "Fn::Sub": "sqs.${AWS::Region}.amazonaws.com" },
                ] } },
            })),
        ]),
        "Kite's items, the sessions read-only, the events queue, its own log group"
    );
    // The key prefix is the Kite receiver's own.
    assert_eq!(
        Receiver::from_name("kite").unwrap().leading_keys(),
        "kite#*"
    );
}

#[test]
fn the_kite_reconcilers_alarms_watch_the_metrics_its_run_line_declares() {
    let Some(template) = expanded(Ingress::HttpApi) else {
        return;
    };
    let declared = brokerhooks::edge::reconciler::RUN_METRICS;
    for (alarm, metric) in [
        ("KiteReconciledAlarm", "reconciled"),
        ("KiteSessionUnreachableAlarm", "session_unreachable"),
        ("KiteSessionRejectedAlarm", "session_rejected"),
    ] {
        let properties = &resource(&template, alarm)["Properties"];
        assert_eq!(properties["Namespace"], "brokerhooks", "{alarm}");
        assert_eq!(properties["MetricName"], metric, "{alarm}");
        assert!(declared.contains(&metric), "{metric}");
        assert_eq!(
            properties["Dimensions"],
            json!([{ "Name": "provider", "Value": "kite" }]),
            "{alarm}"
        );
        assert_eq!(properties["TreatMissingData"], "notBreaching", "{alarm}");
        assert_eq!(properties["Threshold"], 0, "{alarm}");
    }
    let failed = &resource(&template, "KiteReconcilerFailedAlarm")["Properties"];
    let metrics = failed["Metrics"].as_array().unwrap();
    assert_eq!(
        metrics[1]["MetricStat"]["Metric"]["MetricName"],
        "reconcile_failed"
    );
    assert!(declared.contains(&"reconcile_failed"));
    assert_eq!(
        metrics[0]["MetricStat"]["Metric"]["Dimensions"],
        json!([{ "Name": "FunctionName", "Value": reference("KiteReconcilerFunction") }])
    );
}
