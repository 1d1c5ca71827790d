"""A small GitHub Actions runner for action.yml's composite steps, and a fake GitHub REST API.

It does what the runner does for a composite action (GitHub's "metadata syntax" and "workflow
commands" pages): inputs with their defaults, `${{ }}` substitution of the contexts action.yml
uses, each `run:` step through `bash --noprofile --norc -eo pipefail`, a fresh `$GITHUB_OUTPUT`
and `$GITHUB_STEP_SUMMARY` file per step (outputs read in both `name=value` and heredoc form),
workflow commands parsed from stdout and stderr with at most 10 annotations of each type shown.

Only `python3` is stood in for, by a shim on PATH: `-m venv DIR` makes DIR/bin/python, and that
python's `-m pip install SRC` records SRC and writes DIR/bin/credmint running credmint from SRC
(a real venv and wheel build would need the network and take 15 s). Everything else runs as
written. The fake API listens on 127.0.0.1 only and shuts itself down after `LIFETIME` seconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping

import yaml

ACTION_DIR = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
COMMAND = re.compile(r"^::(?P<name>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")
ANNOTATIONS_SHOWN = 10
STEP_TIMEOUT = 120
LIFETIME = 120.0
BOT = "github-actions[bot]"
WRITE_TOKEN = "ghs_write"
FORK_TOKEN = "ghs_fork_read_only"

SHIM_PYTHON = """#!{python}
import os, sys
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
if args[:2] == ["-m", "venv"]:
    venv = args[-1]
    os.makedirs(os.path.join(venv, "bin"), exist_ok=True)
    target = os.path.join(venv, "bin", "python")
    with open(os.path.join(here, "venv-python")) as source, open(target, "w") as copy:
        copy.write(source.read())
    os.chmod(target, 0o755)
    sys.exit(0)
sys.exit("shim python3: unexpected arguments " + repr(args))
"""
VENV_PYTHON = """#!{python}
import json, os, sys
args = sys.argv[1:]
if args[:3] != ["-m", "pip", "install"]:
    sys.exit("venv python: unexpected arguments " + repr(args))
source = args[-1]
with open({log!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "credmint")
with open(script, "w") as out:
    out.write("#!{python}\\nimport sys\\nsys.path.insert(0, %r)\\n"
              "from credmint.analyzer.app.cli import run\\nrun()\\n" % source)
os.chmod(script, 0o755)
"""


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


@dataclass
class Annotation:
    level: str
    message: str
    properties: dict[str, str]


@dataclass
class StepResult:
    id: str
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class Run:
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    dropped: int = 0
    failed: bool = False

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)


def read_outputs(text: str) -> dict[str, str]:
    """`$GITHUB_OUTPUT` as the runner reads it: `name=value` lines and `name<<DELIMITER` blocks."""
    found: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for value in lines:
                if value == delimiter:
                    break
                body.append(value)
            else:
                raise AssertionError(f"output {name}: delimiter {delimiter!r} never closed")
            found[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            found[name] = value
    return found


class ActionRunner:
    """Runs action.yml from `ACTION_DIR` in `workspace` with the given `with:` inputs."""

    def __init__(self, workspace: Path, temp: Path, github: Mapping[str, str]) -> None:
        self.workspace, self.temp, self.github = workspace, temp, dict(github)
        self.action = yaml.safe_load((ACTION_DIR / "action.yml").read_text(encoding="utf-8"))
        self.pip_log = temp / "pip-install.log"
        self.shims = temp / "shims"
        self.shims.mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("python3", SHIM_PYTHON.format(python=sys.executable)),
            ("venv-python", VENV_PYTHON.format(python=sys.executable, log=str(self.pip_log))),
        ):
            (self.shims / name).write_text(text, encoding="utf-8")
            (self.shims / name).chmod(0o755)

    def inputs(self, given: Mapping[str, str]) -> dict[str, str]:
        declared = self.action["inputs"]
        unknown = set(given) - set(declared)
        assert not unknown, f"inputs action.yml does not declare: {unknown}"
        context = {"github": {"token": self.github.get("token", "")}}
        return {
            name: given[name] if name in given else self._substitute(str(spec.get("default", "")), context)
            for name, spec in declared.items()
        }

    def _substitute(self, text: str, context: Mapping[str, Any]) -> str:
        def value(match: re.Match[str]) -> str:
            node: Any = context
            parts = match.group(1).split(".")
            for index, part in enumerate(parts):
                if parts[0] == "steps" and index == 3 and part not in node:
                    return ""  # a step output never set is the empty string
                if not isinstance(node, Mapping) or part not in node:
                    raise AssertionError(f"unknown expression {match.group(0)}")
                node = node[part]
            return str(node)

        return EXPRESSION.sub(value, text)

    def run(self, given: Mapping[str, str]) -> Run:
        context: dict[str, Any] = {
            "inputs": self.inputs(given),
            "github": {"action_path": str(ACTION_DIR), "token": self.github.get("token", "")},
            "runner": {"temp": str(self.temp)},
            "steps": {},
        }
        result = Run()
        for step in self.action["runs"]["steps"]:
            done = self._step(step, context)
            result.steps.append(done)
            context["steps"][done.id] = {"outputs": done.outputs}
            self._commands(done.stdout + done.stderr, result)
            if done.code != 0:
                result.failed = True
                break
        result.outputs = {
            name: self._substitute(str(spec["value"]), context)
            for name, spec in self.action["outputs"].items()
        }
        return result

    def _step(self, step: Mapping[str, Any], context: Mapping[str, Any]) -> StepResult:
        assert step.get("shell") == "bash", "every step of a composite action names its shell"
        files = self.temp / "files"
        files.mkdir(exist_ok=True)
        output, summary = files / f"{step['id']}-output", files / f"{step['id']}-summary"
        output.write_text("")
        summary.write_text("")
        script = files / f"{step['id']}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = {
            "PATH": f"{self.shims}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.temp),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            **{k: v for k, v in self.github.items() if k.startswith("GITHUB_")},
        }
        env.update(
            {name: self._substitute(str(value), context) for name, value in step.get("env", {}).items()}
        )
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        return StepResult(
            id=step["id"],
            code=done.returncode,
            stdout=done.stdout,
            stderr=done.stderr,
            outputs=read_outputs(output.read_text(encoding="utf-8")),
            summary=summary.read_text(encoding="utf-8"),
        )

    def _commands(self, log: str, result: Run) -> None:
        shown: dict[str, int] = {}
        for line in log.splitlines():
            match = COMMAND.match(line)
            if match is None or match.group("name") not in ("error", "warning", "notice"):
                continue
            level = match.group("name")
            if shown.get(level, 0) >= ANNOTATIONS_SHOWN:
                result.dropped += 1
                continue
            shown[level] = shown.get(level, 0) + 1
            properties = dict(
                (key, unescape_property(value))
                for key, _, value in (p.partition("=") for p in (match.group("props") or "").split(","))
                if key
            )
            result.annotations.append(
                Annotation(level=level, message=unescape_data(match.group("data")), properties=properties)
            )


class FakeGitHub(ThreadingHTTPServer):
    """The issue-comment endpoints of one repository, with comment authors by token; a write
    token comments as github-actions[bot], a fork's token may read but not write. Every request
    is recorded. It stops by itself after `LIFETIME` seconds."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, str]] = []
        self.comments: list[dict[str, Any]] = []
        self.next_id = 100
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(LIFETIME, self.shutdown)
        self.timer.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeGitHub":
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.timer.cancel()
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=10)

    def post(self, login: str, body: str) -> dict[str, Any]:
        with self.lock:
            self.next_id += 1
            comment = {"id": self.next_id, "body": body, "user": {"login": login}}
            self.comments.append(comment)
            return comment


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub
    timeout = 10

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        self.server.requests.append((self.command, self.path, token))
        comments = re.fullmatch(r"/repos/octo/infra/issues/(\d+)/comments(\?.*)?", self.path)
        single = re.fullmatch(r"/repos/octo/infra/issues/comments/(\d+)", self.path)
        if token not in (WRITE_TOKEN, FORK_TOKEN):
            self._answer(401, {"message": "Bad credentials"})
        elif self.command == "GET" and comments:
            self._answer(200, self.server.comments)
        elif token == FORK_TOKEN:
            self._answer(403, {"message": "Resource not accessible by integration"})
        elif self.command == "POST" and comments:
            self._answer(201, self.server.post(BOT, body["body"]))
        elif self.command == "PATCH" and single:
            # A token with write access may edit anyone's comment, as a maintainer can.
            found = [c for c in self.server.comments if c["id"] == int(single.group(1))]
            if not found:
                self._answer(404, {"message": "Not Found"})
                return
            found[0]["body"] = body["body"]
            self._answer(200, found[0])
        else:
            self._answer(404, {"message": "Not Found"})

    do_GET = do_POST = do_PATCH = _handle

    def log_message(self, *args: object) -> None:
        """Quiet: the tests assert on the recorded requests."""
