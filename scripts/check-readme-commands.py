#!/usr/bin/env python3
"""Runs the shell lines of the README's "The two commands" section as written, in a new
shell, against a `make dev` of its own, and compares what they print with the README.

- The section's first block: `make dev` is started as written (on free ports, through
  `EMULATOR_PORT`, `WATCH_PORT`, `CONSUMER_WATCH_PORT` and `KITE_API_PORT`, the overrides the README
  names) and stopped at the end as Ctrl-C stops it. `make test` is the command running
  this check, so it is not started again.
- Every other ```sh block of the section (the helpers, the curl recipe) runs line by line
  in one bash session, in the repository, once `make dev` serves and its example consumer
  has emptied the queue (as a reader who waits for it would find it). `make events` is
  not run: it rewrites the committed samples (Upvest's signatures change every time).
- A line starting with `#>` under a command is what the command prints (stdout), line by
  line; `…` stands for any text. A command without such lines must only succeed.

The new shell has the environment `make test` was started with: `.venv/bin` is taken off
PATH, and the BROKERHOOKS_* variables of the test run and make's own are dropped, so a
line that only works with `make test`'s environment fails here. Run by scripts/test.sh with .venv's
Python (boto3 reads the queue); alone: `.venv/bin/python scripts/check-readme-commands.py`
(with the venv set up by `make dev` or `make test`). Exit code 1 on any difference.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import readme_blocks

ROOT = readme_blocks.ROOT
STATE = ROOT / ".local"
WORK = STATE / "readme-check"
SECTION = "## The two commands"
# Lines of the section this check does not run, and why.
NOT_RUN = {
    "make test": "the command running this check",
    "make events": "rewrites the committed samples in events/",
}
DEV_COMMAND = "make dev"
SERVING = "serving; webhook URLs:"
# A cold `make dev` builds the workspace first.
DEV_START_SECONDS = 900
QUEUE_IDLE_SECONDS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_shell_environment(ports: dict[str, str]) -> dict[str, str]:
    venv_bin = str(ROOT / ".venv" / "bin")
    # What `make test` and scripts/test.sh add: their variables, and make's own (a make
    # started under them would print "Entering directory" lines).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BROKERHOOKS_", "MAKE"))
        and name not in ("MFLAGS", "VIRTUAL_ENV", *ports)
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if entry and entry != venv_bin
    )
    env.update(ports)
    return env


class Command:
    def __init__(self, text: str):
        self.text = text
        self.expected: list[str] = []

    def matches(self, output: str) -> bool:
        if not self.expected:
            return True
        pattern = ".*?".join(re.escape(part) for part in "\n".join(self.expected).split("…"))
        return re.fullmatch(pattern, output.rstrip("\n"), re.DOTALL) is not None


def commands_of(block: list[str]) -> list[Command]:
    commands: list[Command] = []
    for line in block:
        if line.startswith("#>"):
            if not commands:
                raise SystemExit(f"README.md: output line before any command: {line!r}")
            commands[-1].expected.append(line[3:] if line.startswith("#> ") else line[2:])
        elif line.strip() and not line.lstrip().startswith("#"):
            if line.rstrip().endswith("\\"):
                raise SystemExit(f"README.md: continued lines are not supported: {line!r}")
            commands.append(Command(line))
    return commands


def without_comment(command: str) -> str:
    return re.sub(r"\s+#\s.*$", "", command).strip()


def wait_for_dev(dev: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + DEV_START_SECONDS
    while time.monotonic() < deadline:
        if SERVING in log.read_text(errors="replace"):
            return
        if dev.poll() is not None:
            raise RuntimeError(f"`make dev` exited with {dev.returncode} before serving")
        time.sleep(1)
    raise RuntimeError(f"`make dev` did not serve within {DEV_START_SECONDS} s")


def wait_for_idle_queue(env_file: Path) -> None:
    import boto3  # in .venv (moto's dependency)

    settings = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
    )
    sqs = boto3.client(
        "sqs",
        endpoint_url=settings["AWS_ENDPOINT_URL"],
        region_name=settings["AWS_REGION"],
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + QUEUE_IDLE_SECONDS
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=settings["EVENTS_QUEUE_URL"], AttributeNames=names
        )["Attributes"]
        if all(attributes.get(name) == "0" for name in names):
            return
        time.sleep(1)
    raise RuntimeError(f"the example consumer did not empty the queue within {QUEUE_IDLE_SECONDS} s")


def run_session(commands: list[Command], env: dict[str, str]) -> list[tuple[int, str, str]]:
    """Each command as written, in one bash session (so variables carry over); its
    stdout, stderr and exit code in files of its own."""
    script = [f"cd {str(ROOT)!r}"]
    for number, command in enumerate(commands):
        out, err, code = (WORK / f"{number}.{kind}" for kind in ("out", "err", "rc"))
        script.append(f"{{\n{command.text}\n}} > {str(out)!r} 2> {str(err)!r}")
        script.append(f"echo $? > {str(code)!r}")
    subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input="\n".join(script) + "\n",
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    results = []
    for number in range(len(commands)):
        read = lambda kind: (WORK / f"{number}.{kind}").read_text(errors="replace")  # noqa: E731
        results.append((int(read("rc").strip() or "-1"), read("out"), read("err")))
    return results


def main() -> int:
    text = readme_blocks.section(SECTION)
    blocks = [commands_of(block) for block in readme_blocks.code_blocks(text, "sh")]
    if len(blocks) < 2:
        raise SystemExit(f"README.md: {SECTION} has no helper block")
    first = [without_comment(c.text) for c in blocks[0]]
    if DEV_COMMAND not in first:
        raise SystemExit(f"README.md: {SECTION} does not start with {DEV_COMMAND!r}")
    helpers = [c for block in blocks[1:] for c in block if without_comment(c.text) not in NOT_RUN]
    for command in blocks[0] + [c for block in blocks[1:] for c in block]:
        name = without_comment(command.text)
        if name in NOT_RUN:
            print(f"not run: {name} ({NOT_RUN[name]})")
    unknown_first = [c for c in first if c != DEV_COMMAND and c not in NOT_RUN]
    if unknown_first:
        raise SystemExit(f"README.md: {SECTION}: no rule for {unknown_first}")

    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.iterdir():
        old.unlink()
    ports = {
        "EMULATOR_PORT": str(free_port()),
        "WATCH_PORT": str(free_port()),
        "CONSUMER_WATCH_PORT": str(free_port()),
        "KITE_API_PORT": str(free_port()),
    }
    env = new_shell_environment(ports)
    dev_log = WORK / "make-dev.log"
    print(f"starting `{DEV_COMMAND}` on ports {ports} (log: {dev_log.relative_to(ROOT)})")
    with dev_log.open("w") as log:
        dev = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-c", DEV_COMMAND],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    failures = 0
    try:
        wait_for_dev(dev, dev_log)
        wait_for_idle_queue(STATE / "dev-functions.env")
        print(f"`{DEV_COMMAND}` serves and its consumer emptied the queue; running {len(helpers)} lines")
        for command, (code, out, err) in zip(helpers, run_session(helpers, env)):
            if code == 0 and command.matches(out):
                print(f"ok    {command.text}")
                continue
            failures += 1
            print(f"FAIL  {command.text}\n      exit code {code}")
            if command.expected:
                print("      expected:\n" + "".join(f"        {line}\n" for line in command.expected), end="")
            print("      stdout:\n" + "".join(f"        {line}\n" for line in out.splitlines()), end="")
            print("      stderr:\n" + "".join(f"        {line}\n" for line in err.splitlines()[-20:]), end="")
    except RuntimeError as error:
        failures += 1
        print(f"FAIL  {error}; the last lines of {dev_log.relative_to(ROOT)}:")
        print("".join(f"        {line}\n" for line in dev_log.read_text(errors="replace").splitlines()[-30:]), end="")
    finally:
        stop(dev, ports)
    print(f"{failures} of the README's lines failed" if failures else "every line ran as the README shows")
    return 1 if failures else 0


def stop(dev: subprocess.Popen, ports: dict[str, str]) -> None:
    """Stops `make dev` as Ctrl-C does: its trap (on INT and TERM) stops what it started.
    TERM, because a shell started in the background ignores INT, which bash cannot trap
    then. Warns about anything still listening on its ports."""
    if dev.poll() is None:
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
    deadline = time.monotonic() + 30
    busy = list(ports.values())
    while busy and time.monotonic() < deadline:
        busy = [port for port in busy if listening(int(port))]
        time.sleep(0.5)
    if busy:
        print(f"warning: something still listens on 127.0.0.1 port(s) {', '.join(busy)} after `make dev` stopped")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    sys.exit(main())
