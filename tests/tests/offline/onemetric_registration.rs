//! `infra/register-onemetric.py` against a stand-in for OneMetric's register endpoint on
//! loopback: the exact request it sends, what it prints and its exit status.

use std::path::PathBuf;
use std::process::Output;

use brokerhooks_testkit::local_secrets::repo_root;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;

const TOKEN: &str = "tok+en/1";
const ENCODED_TOKEN: &str = "tok%2Ben%2F1";

/// What the stand-in received: the request head (request line and headers) and the body.
struct Received {
    head: String,
    body: String,
}

/// A stand-in serving one request with `status` and `answer`.
struct StandIn {
    endpoint: String,
    script_done: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Option<Received>>,
}

impl StandIn {
    async fn start(status: u16, answer: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!(
            "http://{}/api/webhook/register",
            listener.local_addr().unwrap()
        );
        let (script_done, done) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            // A script that exits without connecting ends the wait (no request received).
            let mut socket = tokio::select! {
                accepted = listener.accept() => accepted.unwrap().0,
                _ = done => return None,
            };
            Some(serve_one(&mut socket, status, answer).await)
        });
        StandIn {
            endpoint,
            script_done,
            task,
        }
    }

    /// What was received; call after the script has exited.
    async fn received(self) -> Option<Received> {
        let _ = self.script_done.send(());
        self.task.await.unwrap()
    }
}

async fn serve_one(socket: &mut tokio::net::TcpStream, status: u16, answer: &str) -> Received {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the headers ended");
        data.extend_from_slice(&chunk[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8(data[..head_end].to_vec()).unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .expect("a Content-Length header");
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before the body ended");
        body.extend_from_slice(&chunk[..n]);
    }
    let response = format!(
        "HTTP/1.1 {status} Stand-in\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    socket.write_all(response.as_bytes()).await.unwrap();
    socket.shutdown().await.unwrap();
    Received {
        head,
        body: String::from_utf8(body).unwrap(),
    }
}

/// Runs the script with `args`, the token (if any) and the endpoint override, and no proxy.
async fn run_script(
    args: &[&str],
    token: Option<&str>,
    endpoint: &str,
    aws_cli: Option<&PathBuf>,
) -> Output {
    let mut command = Command::new("python3");
    command
        .arg(repo_root().join("infra/register-onemetric.py"))
        .args(args)
        .env("ONEMETRIC_REGISTER_ENDPOINT", endpoint)
        .env_remove("ONEMETRIC_TOKEN");
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    if let Some(token) = token {
        command.env("ONEMETRIC_TOKEN", token);
    }
    match aws_cli {
        Some(cli) => command.env("AWS_CLI", cli),
        None => command.env_remove("AWS_CLI"),
    };
    command.output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_200_registers_the_token_url_and_prints_the_answer() {
    // OneMetric's answer echoes the URL: the token must still not be printed.
    let server = StandIn::start(
        200,
        r#"{"message":"registered https://hooks.example.test/webhooks/onemetric?token=tok%2Ben%2F1"}"#,
    )
    .await;
    let endpoint = server.endpoint.clone();
    let output = run_script(
        &["--base-url", "https://hooks.example.test/"],
        Some(TOKEN),
        &endpoint,
        None,
    )
    .await;
    let received = server.received().await.expect("a request");

    assert_eq!(
        received.body,
        format!(
            r#"{{"webhook_url": "https://hooks.example.test/webhooks/onemetric?token={ENCODED_TOKEN}"}}"#
        )
    );
    let mut head = received.head.lines();
    assert_eq!(head.next(), Some("POST /api/webhook/register HTTP/1.1"));
    assert!(
        head.any(|line| line.eq_ignore_ascii_case("content-type: application/json")),
        "{}",
        received.head
    );

    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        format!(
            "registering https://hooks.example.test/webhooks/onemetric?token=<token> with {endpoint}\n\
             OneMetric answered HTTP 200: {{\"message\":\"registered https://hooks.example.test/webhooks/onemetric?token=<token>\"}}\n"
        )
    );
    assert_eq!(text(&output.stderr), "");
}

#[tokio::test]
async fn a_4xx_fails_with_onemetrics_details() {
    let server = StandIn::start(422, r#"{"error":"webhook_url must use https"}"#).await;
    let endpoint = server.endpoint.clone();
    let output = run_script(
        &[
            "--base-url",
            "https://abc123.execute-api.ap-south-1.amazonaws.com/webhooks/onemetric",
        ],
        Some(TOKEN),
        &endpoint,
        None,
    )
    .await;
    let received = server.received().await.expect("a request");
    assert_eq!(
        received.body,
        format!(
            r#"{{"webhook_url": "https://abc123.execute-api.ap-south-1.amazonaws.com/webhooks/onemetric?token={ENCODED_TOKEN}"}}"#
        )
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "register-onemetric: OneMetric refused the registration: HTTP 422: {\"error\":\"webhook_url must use https\"}\n"
    );
    assert!(!text(&output.stdout).contains(TOKEN));
}

#[tokio::test]
async fn the_base_url_can_come_from_the_stack_output() {
    // A stand-in `aws` CLI that checks its arguments and prints the stack output.
    let dir = std::env::temp_dir().join(format!("om-fake-aws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let aws = dir.join("aws");
    std::fs::write(
        &aws,
        "#!/bin/sh\n\
         [ \"$*\" = \"cloudformation describe-stacks --stack-name brokerhooks-prod --query Stacks[0].Outputs[?OutputKey=='WebhookBaseUrl'].OutputValue --output text\" ] || { echo \"unexpected: $*\" >&2; exit 3; }\n\
         echo https://from-stack.example.test\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();

    let server = StandIn::start(200, r#"{"message":"ok"}"#).await;
    let endpoint = server.endpoint.clone();
    let output = run_script(
        &["--stack-name", "brokerhooks-prod"],
        Some("plain-token"),
        &endpoint,
        Some(&aws),
    )
    .await;
    let received = server.received().await.expect("a request");
    assert_eq!(
        received.body,
        r#"{"webhook_url": "https://from-stack.example.test/webhooks/onemetric?token=plain-token"}"#
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).ends_with("OneMetric answered HTTP 200: {\"message\":\"ok\"}\n"));

    // A failing aws CLI is a usage error, and nothing is sent.
    let server = StandIn::start(200, r#"{"message":"ok"}"#).await;
    let endpoint = server.endpoint.clone();
    let output = run_script(
        &["--stack-name", "other", "--output-key", "Missing"],
        Some("plain-token"),
        &endpoint,
        Some(&aws),
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).starts_with(
            "register-onemetric: aws cloudformation describe-stacks failed: unexpected: "
        ),
        "{}",
        text(&output.stderr)
    );
    assert!(server.received().await.is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    // Nothing listens here: reaching it would be a connection error (exit 1), not a 2.
    let endpoint = "http://127.0.0.1:9/api/webhook/register";
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &["--base-url", "https://hooks.example.test"],
            None,
            "register-onemetric: set ONEMETRIC_TOKEN to the token to register (it is not taken as an argument)\n",
        ),
        (
            &["--base-url", "https://hooks.example.test"],
            Some("old,new"),
            "register-onemetric: ONEMETRIC_TOKEN holds a list; give exactly the one token to register\n",
        ),
        (
            &["--base-url", "http://hooks.example.test"],
            Some(TOKEN),
            "register-onemetric: the base URL must be an absolute https URL\n",
        ),
        (
            &["--base-url", "https://hooks.example.test/?token=x"],
            Some(TOKEN),
            "register-onemetric: the base URL must not have a query or fragment\n",
        ),
    ];
    for (args, token, message) in cases {
        let output = run_script(args, token, endpoint, None).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&output.stderr), message);
        assert_eq!(text(&output.stdout), "");
    }
    let output = run_script(
        &["--base-url", "https://hooks.example.test"],
        Some(TOKEN),
        endpoint,
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr)
            .starts_with(&format!("register-onemetric: could not reach {endpoint}: ")),
        "{}",
        text(&output.stderr)
    );
}
